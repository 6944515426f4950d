/* Holdout test sets and their reference values (PAPER.md section 1). */
#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/reference.h"
#include "pinnfluence/rng.h"

/* A tensor grid of (x, t) points, x fastest: point i_t * nx + i_x, matching the references'
 * u[i_t * nx + i_x]. X: (nx * nt, 2). */
static void grid_points(size_t nx, const double *gx, size_t nt, const double *gt, double *X) {
  for (size_t it = 0; it < nt; it++)
    for (size_t ix = 0; ix < nx; ix++) {
      X[2 * (it * nx + ix)] = gx[ix];
      X[2 * (it * nx + ix) + 1] = gt[it];
    }
}

int pf_pde_holdout(const pf_pde *p, uint64_t seed, size_t n_random, size_t *n, double **X,
                   double **u) {
  *X = *u = NULL;
  *n = 0;
  const double *coef = pf_pde_coefficients(p);
  const size_t d = (size_t)p->ops.d, m = (size_t)p->ops.m;
  if (p->grid) {
    PF_CHECK(d == 2 && m == 1, PF_ERR_INTERNAL,
             "problem %s: a grid reference needs inputs (x, t) and one output", p->name);
    const size_t nx = p->grid_nx, nt = p->grid_nt;
    double *gx = NULL, *gt = NULL;
    int rc = PF_CALLOC(nx, &gx);
    if (!rc) rc = PF_CALLOC(nt, &gt);
    if (!rc) rc = PF_CALLOC(nx * nt * d, X);
    if (!rc) rc = PF_CALLOC(nx * nt, u);
    if (!rc) rc = p->grid(coef, gx, gt, *u);
    if (!rc) grid_points(nx, gx, nt, gt, *X);
    PF_FREE(&gx);
    PF_FREE(&gt);
    *n = rc ? 0 : nx * nt;
    /* on an error the caller frees *X, *u as after success */
    return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
  }
  PF_CHECK(p->exact, PF_ERR_INTERNAL, "problem %s has neither a grid reference nor a closed form",
           p->name);
  PF_CHECK(n_random > 0, PF_ERR_ARG, "holdout set of %s needs at least one point", p->name);
  PF_CALL(PF_CALLOC(n_random * d, X));
  PF_CALL(PF_CALLOC(n_random * m, u));
  double *col = NULL; /* (n_random) one coordinate */
  PF_CALL(PF_CALLOC(n_random, &col));
  /* coordinate j of point i is element j * n_random + i of the stream */
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_HOLDOUT, 0);
  for (size_t j = 0; j < d; j++) {
    pf_rng_uniform_range(&s, j * n_random, n_random, p->lo[j], p->hi[j], col);
    for (size_t i = 0; i < n_random; i++) (*X)[i * d + j] = col[i];
  }
  PF_FREE(&col);
  p->exact(coef, n_random, *X, *u);
  *n = n_random;
  return PF_OK;
}
