/* Holdout test sets and their reference values (PAPER.md section 1). */
#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/reference.h"
#include "pinnfluence/rng.h"

#include <string.h>

/* A tensor grid, x fastest: point i_t * nx + i_x, matching the references' u[i_t * nx + i_x]. */
static int grid_points(size_t nx, const double *gx, size_t nt, const double *gt, double *x,
                       double *t) {
  for (size_t it = 0; it < nt; it++)
    for (size_t ix = 0; ix < nx; ix++) x[it * nx + ix] = gx[ix], t[it * nx + ix] = gt[it];
  return PF_OK;
}

int pf_pde_holdout(const pf_pde *p, uint64_t seed, size_t n_random, size_t *n, double **x,
                   double **t, double **u) {
  *x = *t = *u = NULL;
  if (!strcmp(p->name, "burgers") || !strcmp(p->name, "allen_cahn")) {
    const int burg = !strcmp(p->name, "burgers");
    const size_t nx = burg ? PF_REF_BURGERS_NX : PF_REF_ALLEN_CAHN_NX;
    const size_t nt = burg ? PF_REF_BURGERS_NT : PF_REF_ALLEN_CAHN_NT;
    double *gx = NULL, *gt = NULL;
    PF_CALL(PF_CALLOC(nx, &gx));
    PF_CALL(PF_CALLOC(nt, &gt));
    PF_CALL(PF_CALLOC(nx * nt, x));
    PF_CALL(PF_CALLOC(nx * nt, t));
    PF_CALL(PF_CALLOC(nx * nt, u));
    if (burg)
      PF_CALL(pf_ref_burgers_grid(0, gx, gt, *u));
    else
      PF_CALL(pf_ref_allen_cahn_grid(0, 0, gx, gt, *u));
    PF_CALL(grid_points(nx, gx, nt, gt, *x, *t));
    PF_FREE(&gx);
    PF_FREE(&gt);
    *n = nx * nt;
    return PF_OK;
  }
  PF_CHECK(p->exact, PF_ERR_INTERNAL, "problem %s has neither a grid reference nor a closed form",
           p->name);
  PF_CHECK(n_random > 0, PF_ERR_ARG, "holdout set of %s needs at least one point", p->name);
  PF_CALL(PF_CALLOC(n_random, x));
  PF_CALL(PF_CALLOC(n_random, t));
  PF_CALL(PF_CALLOC(n_random, u));
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_HOLDOUT, 0);
  pf_rng_uniform_range(&s, 0, n_random, p->xlo, p->xhi, *x);
  pf_rng_uniform_range(&s, n_random, n_random, p->tlo, p->thi, *t);
  p->exact(n_random, *x, *t, *u);
  *n = n_random;
  return PF_OK;
}
