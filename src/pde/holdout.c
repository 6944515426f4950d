/* Holdout test sets and their reference values (PAPER.md section 1). */
#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/reference.h"
#include "pinnfluence/rng.h"

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
  const double *coef = pf_pde_coefficients(p);
  if (p->grid) {
    const size_t nx = p->grid_nx, nt = p->grid_nt;
    double *gx = NULL, *gt = NULL;
    int rc = PF_CALLOC(nx, &gx);
    if (!rc) rc = PF_CALLOC(nt, &gt);
    if (!rc) rc = PF_CALLOC(nx * nt, x);
    if (!rc) rc = PF_CALLOC(nx * nt, t);
    if (!rc) rc = PF_CALLOC(nx * nt, u);
    if (!rc) rc = p->grid(coef, gx, gt, *u);
    if (!rc) rc = grid_points(nx, gx, nt, gt, *x, *t);
    PF_FREE(&gx);
    PF_FREE(&gt);
    *n = rc ? 0 : nx * nt;
    /* on an error the caller frees *x, *t, *u as after success */
    return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
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
  p->exact(coef, n_random, *x, *t, *u);
  *n = n_random;
  return PF_OK;
}
