/* The exact backend: the dense Hessian of sum_{z in Z} l(z) (l = sum_j w_j r_j^2, one component:
 * r^2) from P exact Hessian-vector products (forward over reverse in the engine, one per unit
 * vector), symmetrised, and all of its eigenpairs from LAPACK's divide-and-conquer symmetric
 * solver (dsyevd). The selection rules
 * are captum's (damping added to the eigenvalues, as captum adds it to the diagonal of the
 * Krylov block; eigenvalues <= eig_tol dropped; the top `rank` kept; signs by entry sum), so this
 * is what the arnoldi backend approximates. Costs P HVPs over Z and O(P^3) for the eigensolve:
 * for small networks and for validating arnoldi. With the terms of a composite objective
 * (influence.h), row j gets pf_terms_hvp(e_j, scale |Z|) added after the scaling of Z's row. */
#include "influence_impl.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

int pf_hessian_dense_rows(pf_engine *eng, const pf_mlp *net, const double *theta,
                          const pf_points *Z, size_t j0, size_t nj, double *H) {
  const size_t P = net->nparams;
  PF_CHECK(j0 + nj <= P, PF_ERR_ARG, "Hessian rows %zu..%zu outside the %zu parameters", j0,
           j0 + nj, P);
  const double scale = (double)Z->n; /* the engine's HVP is that of the mean */
  double *e = NULL;
  PF_CALL(PF_CALLOC(P, &e));
  for (size_t j = j0; j < j0 + nj; j++) {
    e[j] = 1.0;
    /* row j = (H e_j)^T: H symmetric */
    int rc = pf_engine_hvp(eng, theta, Z, e, H + (j - j0) * P);
    e[j] = 0.0;
    if (rc) {
      PF_FREE(&e);
      return pf_trace(rc, __FILE__, __LINE__, __func__);
    }
    cblas_dscal((int)P, scale, H + (j - j0) * P, 1);
  }
  PF_FREE(&e);
  return PF_OK;
}

void pf_hessian_symmetrise(size_t P, double *H) {
  for (size_t i = 0; i < P; i++)
    for (size_t j = i + 1; j < P; j++) {
      const double a = 0.5 * (H[i * P + j] + H[j * P + i]);
      H[i * P + j] = a, H[j * P + i] = a;
    }
}

int pf_hessian_terms_rows(pf_terms *terms, const double *theta, size_t nparams, size_t nz,
                          size_t j0, size_t nj, double *H) {
  const size_t P = nparams;
  if (!pf_terms_count(terms)) return PF_OK;
  PF_CHECK(j0 + nj <= P, PF_ERR_ARG, "Hessian rows %zu..%zu outside the %zu parameters", j0,
           j0 + nj, P);
  double *e = NULL;
  PF_CALL(PF_CALLOC(P, &e));
  for (size_t j = j0; j < j0 + nj; j++) {
    e[j] = 1.0;
    /* the terms' part of the objective sum_z l(z) + |Z| sum_t w_t L_t */
    int rc = pf_terms_hvp(terms, theta, e, (double)nz, H + (j - j0) * P);
    e[j] = 0.0;
    if (rc) {
      PF_FREE(&e);
      return pf_trace(rc, __FILE__, __LINE__, __func__);
    }
  }
  PF_FREE(&e);
  return PF_OK;
}

int pf_hessian_dense_terms(pf_engine *eng, const pf_mlp *net, const double *theta,
                           const pf_points *Z, pf_terms *terms, double *H) {
  PF_CALL(pf_hessian_dense_rows(eng, net, theta, Z, 0, net->nparams, H));
  PF_CALL(pf_hessian_terms_rows(terms, theta, net->nparams, Z->n, 0, net->nparams, H));
  pf_hessian_symmetrise(net->nparams, H);
  return PF_OK;
}

int pf_hessian_dense(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *Z,
                     double *H) {
  PF_CALL(pf_hessian_dense_terms(eng, net, theta, Z, NULL, H));
  return PF_OK;
}

/* The dense Hessian has P^2 entries: refuse large networks with a hint. */
static int check_size(size_t P) {
  PF_CHECK(P <= PF_INFLUENCE_EXACT_MAX_PARAMS, PF_ERR_CONFIG,
           "influence.backend = \"exact\" forms the dense %zu x %zu Hessian; it is meant for "
           "networks of at most %d parameters (use \"arnoldi\" or \"gauss_newton\")",
           P, P, PF_INFLUENCE_EXACT_MAX_PARAMS);
  return PF_OK;
}

/* All eigenpairs of the symmetric H (P, P), overwritten by the eigenvectors (column-major: vector
 * j at H + j*P); w (P) the eigenvalues, ascending. */
static int exact_eigen(double *H, size_t P, double *w) {
  if (!pf_influence_finite(P * P, H))
    return pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__, "exact: non-finite Hessian");
  /* column-major upper triangle; eigenvalues ascending, eigenvector j at H + j*P */
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)P, H, (lapack_int)P, w);
  if (info != 0)
    return pf_error(PF_LAPACK_ERROR(info), __FILE__, __LINE__, __func__,
                    "exact: dsyevd of the %zu x %zu Hessian failed (info %d%s)", P, P, (int)info,
                    PF_LAPACK_WHAT(info));
  return PF_OK;
}

/* captum's rules on the eigenpairs (V, w) of exact_eigen: damping added, the threshold and the
 * rank applied, signs by entry sum, R = V Lambda^{-1/2}. */
static int exact_from_eigen(const double *V, const double *w0, size_t P,
                            const pf_influence_params *ip, pf_influence_factor *F) {
  double *w = NULL;
  size_t *idx = NULL;
  int rc = PF_OK, k = 0;
  if ((rc = PF_CALLOC(P, &w)) || (rc = PF_CALLOC(P, &idx))) goto done;
  F->hvps = (int)P;
  for (size_t j = 0; j < P; j++) w[j] = w0[j] + ip->damping;
  if ((rc = pf_influence_select(P, w, ip->eig_tol, ip->rank, idx, &k))) goto done;
  F->candidates = (int)P;
  if (k == 0) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "exact: no damped eigenvalue exceeds eig_tol = %g (largest %g)", ip->eig_tol,
                  w[P - 1]);
    goto done;
  }
  for (int j = 0; j < k; j++) {
    const double *v = V + idx[j] * P;
    const double f = pf_influence_sign(P, v, 1) / sqrt(w[idx[j]]);
    for (size_t p = 0; p < P; p++) F->R[p * (size_t)k + (size_t)j] = f * v[p];
    F->lambda[j] = w[idx[j]];
  }
  F->rank = k;
done:
  PF_FREE(&w), PF_FREE(&idx);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* The factor from the symmetric dense Hessian H (P, P), destroyed (it holds the eigenvectors). */
static int exact_from_hessian(double *H, size_t P, const pf_influence_params *ip,
                              pf_influence_factor *F) {
  double *w = NULL;
  int rc = PF_OK;
  F->hvps = (int)P;
  if ((rc = PF_CALLOC(P, &w))) goto done;
  if ((rc = exact_eigen(H, P, w))) goto done;
  rc = exact_from_eigen(H, w, P, ip, F);
done:
  PF_FREE(&w);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

int pf_hessian_exact_factor(pf_engine *eng, const pf_mlp *net, const double *theta,
                            const pf_points *Z, pf_terms *terms, const pf_influence_params *ip,
                            uint64_t seed, int cycle, pf_influence_factor *F) {
  const size_t P = net->nparams;
  PF_CALL(check_size(P));
  double *H = NULL;
  int rc = PF_OK;
  PF_CALL(PF_CALLOC(P * P, &H));
  if (!(rc = pf_hessian_dense_terms(eng, net, theta, Z, terms, H)))
    rc = exact_from_hessian(H, P, ip, F);
  PF_FREE(&H);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

int pf_influence_factor_from_hessian(double *H, size_t nparams, const pf_influence_params *ip,
                                     pf_influence_factor **F) {
  *F = NULL;
  PF_CALL(pf_influence_params_check(ip));
  PF_CALL(check_size(nparams));
  pf_influence_factor *f = NULL;
  PF_CALL(pf_influence_factor_alloc(nparams, ip->rank, &f));
  pf_hessian_symmetrise(nparams, H);
  int rc = exact_from_hessian(H, nparams, ip, f);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}

int pf_hessian_eigen(double *H, size_t nparams, double *w) {
  PF_CALL(check_size(nparams));
  PF_CALL(exact_eigen(H, nparams, w));
  return PF_OK;
}

int pf_influence_factor_from_eigen(const double *V, const double *w, size_t nparams,
                                   const pf_influence_params *ip, pf_influence_factor **F) {
  *F = NULL;
  PF_CALL(pf_influence_params_check(ip));
  pf_influence_factor *f = NULL;
  PF_CALL(pf_influence_factor_alloc(nparams, ip->rank, &f));
  int rc = exact_from_eigen(V, w, nparams, ip, f);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}
