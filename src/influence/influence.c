/* The influence module's interface: parameters and their checks, the registry of inverse-Hessian
 * backends, the Z set of a cycle, factor creation, and the eigenpair selection rules all backends
 * share. The rules are captum's _top_eigen (captum/influence/_utils/common.py, used by
 * ArnoldiInfluenceFunction): eigenvalues of the damped matrix (damping added to the diagonal),
 * those <= hessian_inverse_tol dropped, the top k kept, each eigenvector multiplied by the sign
 * of its entry sum so the result does not depend on the eigensolver's sign choice. */
#include "influence_impl.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const pf_influence_backend backends[] = {
    {"arnoldi", pf_arnoldi_factor,
     "Ritz pairs of an Arnoldi Krylov space of exact HVPs (captum ArnoldiInfluenceFunction)"},
    {"exact", pf_hessian_exact_factor, "eigenpairs of the dense Hessian from P exact HVPs"},
    {"gauss_newton", pf_hessian_gn_factor,
     "eigenpairs of 2 J^T J over Z (k rows per point) from the k|Z| x k|Z| Gram matrix"},
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

pf_influence_params pf_influence_params_default(void) {
  pf_influence_params p = {"arnoldi", 1000, 200, 0.1, 1e-3, 1e-4, 50};
  return p;
}

const pf_influence_backend *pf_influence_backend_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < NBACKENDS; i++)
    if (!strcmp(backends[i].name, name)) return &backends[i];
  return NULL;
}

void pf_influence_backend_names(char *buf, size_t len) {
  size_t used = 0;
  if (len == 0) return;
  buf[0] = '\0';
  for (size_t i = 0; i < NBACKENDS && used < len; i++) {
    int k = snprintf(buf + used, len - used, i ? ", %s" : "%s", backends[i].name);
    if (k < 0) break;
    used += (size_t)k;
  }
}

int pf_influence_params_check(const pf_influence_params *ip) {
  PF_CHECK(ip != NULL, PF_ERR_ARG, "no influence parameters");
  if (!pf_influence_backend_find(ip->backend)) {
    char names[128];
    pf_influence_backend_names(names, sizeof names);
    PF_RAISE(PF_ERR_CONFIG, "influence.backend = \"%s\" is unknown; allowed: %s",
             ip->backend ? ip->backend : "(null)", names);
  }
  PF_CHECK(ip->test_points >= 1, PF_ERR_CONFIG, "influence.test_points must be >= 1, got %zu",
           ip->test_points);
  /* captum uses m = (HVPs done) - 1 Krylov vectors: a single iteration leaves an empty basis */
  PF_CHECK(ip->arnoldi_iters >= 2 || strcmp(ip->backend, "arnoldi"), PF_ERR_CONFIG,
           "influence.arnoldi_iters must be >= 2 (the last Krylov vector is not used), got %d",
           ip->arnoldi_iters);
  PF_CHECK(isfinite(ip->arnoldi_tol) && ip->arnoldi_tol >= 0, PF_ERR_CONFIG,
           "influence.arnoldi_tol must be finite and >= 0, got %g", ip->arnoldi_tol);
  PF_CHECK(isfinite(ip->damping) && ip->damping >= 0, PF_ERR_CONFIG,
           "influence.damping must be finite and >= 0, got %g", ip->damping);
  PF_CHECK(isfinite(ip->eig_tol), PF_ERR_CONFIG, "influence.eig_tol must be finite, got %g",
           ip->eig_tol);
  PF_CHECK(ip->rank >= 1, PF_ERR_CONFIG, "influence.rank must be >= 1, got %d", ip->rank);
  return PF_OK;
}

void pf_influence_zset(const pf_pde *p, uint64_t seed, int cycle, size_t first, size_t count,
                       double *X) {
  pf_sample_uniform(p, seed, PF_RNG_ZSET, cycle, first, count, X);
}

/* ------------------------------------------------------------------ selection rules */
typedef struct {
  double v;
  size_t i;
} valued;

/* Decreasing value, then increasing index: a total order, so the selection is deterministic. */
static int by_value_desc(const void *a, const void *b) {
  const valued *p = a, *q = b;
  if (p->v > q->v) return -1;
  if (p->v < q->v) return 1;
  return (p->i > q->i) - (p->i < q->i);
}

int pf_influence_select(size_t n, const double *dlam, double eig_tol, int rank, size_t *idx,
                        int *k) {
  valued *vs = NULL;
  size_t nk = 0;
  *k = 0;
  if (n == 0) return PF_OK;
  PF_CALL(PF_CALLOC(n, &vs));
  /* `keep = ls > hessian_inverse_tol` (NaN compares false), then the top `rank` */
  for (size_t i = 0; i < n; i++)
    if (dlam[i] > eig_tol) vs[nk].v = dlam[i], vs[nk].i = i, nk++;
  qsort(vs, nk, sizeof *vs, by_value_desc);
  if (nk > (size_t)rank) nk = (size_t)rank;
  for (size_t j = 0; j < nk; j++) idx[j] = vs[j].i;
  *k = (int)nk;
  PF_FREE(&vs);
  return PF_OK;
}

double pf_influence_sign(size_t n, const double *v, size_t inc) {
  /* captum: rule = sum(vs, dim=0) > 0; multiplier = 2 * rule - 1 (a zero sum flips) */
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += v[i * inc];
  return s > 0 ? 1.0 : -1.0;
}

int pf_influence_finite(size_t n, const double *a) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a[i])) return 0;
  return 1;
}

/* ------------------------------------------------------------------ factors */
int pf_influence_factor_create(pf_engine *eng, const pf_mlp *net, const double *theta,
                               const pf_points *Z, const pf_influence_params *ip, uint64_t seed,
                               int cycle, pf_influence_factor **F) {
  PF_CALL(pf_influence_factor_create_terms(eng, net, theta, Z, NULL, ip, seed, cycle, F));
  return PF_OK;
}

int pf_influence_factor_create_terms(pf_engine *eng, const pf_mlp *net, const double *theta,
                                     const pf_points *Z, pf_terms *terms,
                                     const pf_influence_params *ip, uint64_t seed, int cycle,
                                     pf_influence_factor **F) {
  *F = NULL;
  PF_CALL(pf_influence_params_check(ip));
  PF_CHECK(Z->n >= 1, PF_ERR_ARG, "influence: empty Z set");
  const pf_influence_backend *b = pf_influence_backend_find(ip->backend);
  pf_influence_factor *f = NULL;
  PF_CALL(pf_influence_factor_alloc(net->nparams, ip->rank, &f));
  int rc = b->factor(eng, net, theta, Z, terms, ip, seed, cycle, f);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}

int pf_influence_factor_alloc(size_t nparams, int rank, pf_influence_factor **F) {
  pf_influence_factor *f = NULL;
  *F = NULL;
  PF_CALL(PF_CALLOC(1, &f));
  f->nparams = nparams;
  int rc = PF_CALLOC(nparams * (size_t)rank, &f->R);
  if (!rc) rc = PF_CALLOC(rank, &f->lambda);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}

int pf_influence_factor_destroy(pf_influence_factor **F) {
  if (!F || !*F) return PF_OK;
  PF_FREE(&(*F)->R);
  PF_FREE(&(*F)->lambda);
  PF_FREE(F);
  return PF_OK;
}
