/* Problem descriptions (their check and the channels the engine carries for them) and point sets
 * with their hard-constraint coefficients A, B and full jets, computed once per set because they
 * do not depend on the parameters. */
#include "engine_impl.h"
#include "pinnfluence/core.h"

#include <math.h>
#include <string.h>

int pf_pinn_ops_check(const pf_pinn_ops *ops) {
  PF_CHECK(ops, PF_ERR_ARG, "no problem operations (pf_pinn_ops is NULL)");
  PF_CHECK(ops->d >= 1 && ops->d <= PF_MAX_DIM, PF_ERR_ARG,
           "pf_pinn_ops.d = %d input coordinates; allowed 1..%d", ops->d, PF_MAX_DIM);
  PF_CHECK(ops->m >= 1 && ops->m <= PF_MAX_OUT, PF_ERR_ARG,
           "pf_pinn_ops.m = %d outputs; allowed 1..%d", ops->m, PF_MAX_OUT);
  PF_CHECK(ops->k >= 1 && ops->k <= PF_MAX_RES, PF_ERR_ARG,
           "pf_pinn_ops.k = %d residual components; allowed 1..%d", ops->k, PF_MAX_RES);
  PF_CHECK(ops->nread >= 1 && ops->nread <= PF_MAX_READ, PF_ERR_ARG,
           "pf_pinn_ops.nread = %d read quantities; allowed 1..%d", ops->nread, PF_MAX_READ);
  const int nj = pf_jet_count(ops->d);
  for (int a = 0; a < ops->nread; a++) {
    const pf_read q = ops->read[a];
    PF_CHECK(q.out >= 0 && q.out < ops->m, PF_ERR_ARG,
             "pf_pinn_ops.read[%d].out = %d; allowed 0..%d (m = %d outputs)", a, q.out, ops->m - 1,
             ops->m);
    PF_CHECK(q.jet >= 0 && q.jet < nj, PF_ERR_ARG,
             "pf_pinn_ops.read[%d].jet = %d; allowed 0..%d (the full jet of d = %d inputs)", a,
             q.jet, nj - 1, ops->d);
    for (int b = 0; b < a; b++)
      PF_CHECK(ops->read[b].out != q.out || ops->read[b].jet != q.jet, PF_ERR_ARG,
               "pf_pinn_ops.read[%d] repeats read[%d] (out %d, jet %d); each quantity at most once",
               a, b, q.out, q.jet);
  }
  for (int j = 0; j < ops->k; j++)
    PF_CHECK(isfinite(ops->weight[j]) && ops->weight[j] > 0, PF_ERR_ARG,
             "pf_pinn_ops.weight[%d] = %g; a loss weight must be positive and finite", j,
             ops->weight[j]);
  PF_CHECK(ops->transform, PF_ERR_ARG, "pf_pinn_ops.transform is NULL (the hard constraint)");
  PF_CHECK(ops->residual, PF_ERR_ARG, "pf_pinn_ops.residual is NULL");
  return PF_OK;
}

int pf_pinn_ops_channels(const pf_pinn_ops *ops) {
  if (!ops || ops->d < 1 || ops->d > PF_MAX_DIM || ops->nread < 0 || ops->nread > PF_MAX_READ)
    return 0; /* not a valid description */
  const int nj = pf_jet_count(ops->d);
  for (int a = 0; a < ops->nread; a++)
    if (ops->read[a].jet < 0 || ops->read[a].jet >= nj) return 0;
  return 1 + ops->d + pf_nn_carried_pairs(ops, NULL);
}

int pf_points_create(const pf_pinn_ops *ops, size_t n, const double *X, pf_points **pts) {
  PF_CHECK(pts, PF_ERR_ARG, "no output for the point set");
  PF_CALL(pf_pinn_ops_check(ops));
  PF_CHECK(n == 0 || X, PF_ERR_ARG, "%zu points without coordinates", n);
  pf_points *p = NULL;
  PF_CALL(PF_CALLOC(1, &p));
  p->n = n;
  p->d = ops->d;
  p->m = ops->m;
  p->nj = pf_jet_count(ops->d);
  if (n) {
    const size_t jets = (size_t)p->m * (size_t)p->nj * n;
    int rc = PF_CALLOC(n * (size_t)p->d, &p->X);
    if (!rc) rc = PF_CALLOC(jets, &p->A);
    if (!rc) rc = PF_CALLOC(jets, &p->B);
    if (rc) {
      pf_points_destroy(&p);
      return pf_trace(rc, __FILE__, __LINE__, __func__);
    }
    memcpy(p->X, X, n * (size_t)p->d * sizeof *X);
    ops->transform(ops->ctx, n, p->X, p->A, p->B);
  }
  *pts = p;
  return PF_OK;
}

int pf_points_destroy(pf_points **pts) {
  if (!pts || !*pts) return PF_OK;
  PF_FREE(&(*pts)->X);
  PF_FREE(&(*pts)->A);
  PF_FREE(&(*pts)->B);
  PF_FREE(pts);
  return PF_OK;
}
