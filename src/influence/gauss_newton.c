/* The gauss_newton backend: H is replaced by the Gauss-Newton matrix of sum_{z in Z} l(z),
 * l = sum_j s_j^2 over the problem's k residual components (s_j = sqrt(w_j) r_j; one component:
 * l = r^2), G = 2 J^T J with J = ds/dtheta over Z: n = k |Z| rows (the k rows of each point
 * together) of P entries (Martens 2020, "New insights and perspectives on the natural gradient
 * method"; the curvature term sum s d2s is dropped). Its non-zero eigenpairs come exactly,
 * without any Krylov iteration, from the n x n Gram matrix K = 2 J J^T: if K u = mu u with
 * ||u|| = 1 and mu > 0, then G (J^T u) = mu (J^T u) and ||J^T u||^2 = mu / 2, so
 * (mu, J^T u / ||J^T u||) is an eigenpair of G. K comes from one SYRK, its eigenpairs from
 * LAPACK's dsyevd.
 * The selection rules are captum's (damping, eig_tol, rank, signs by entry sum) applied to the
 * Gram's numerically non-zero eigenvalues (mu > max(n, P) eps max(mu)); G's null space (P - n
 * eigenvalues 0) is never used, which changes nothing while n >= rank and J has full rank.
 * With the terms of a composite objective (influence.h) J has their rows (pf_terms_jacobian_rows
 * with scale |Z|) after those of Z: G is the Gauss-Newton matrix of sum_z l(z) + |Z| sum_t w_t L_t.
 */
#include "influence_impl.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>

/* The factor from the residual Jacobian J (nz, P) over Z (nz: its rows, k per point of Z). */
static int gn_from_jacobian(const double *J, size_t nz, size_t P, const pf_influence_params *ip,
                            pf_influence_factor *F) {
  double *K = NULL;  /* (nz, nz): 2 J J^T, then its eigenvectors (column-major, u_j at K + j*nz) */
  double *mu = NULL; /* (nz) Gram eigenvalues ascending, then damped */
  double *U = NULL;  /* (nz, k) row-major selected Gram eigenvectors */
  size_t *idx = NULL;
  int rc = PF_OK, k = 0;
  if ((rc = PF_CALLOC(nz * nz, &K)) || (rc = PF_CALLOC(nz, &mu)) || (rc = PF_CALLOC(nz, &idx)))
    goto done;
  if (!pf_influence_finite(nz * P, J)) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "gauss_newton: non-finite residual Jacobian");
    goto done;
  }
  /* upper triangle of the row-major K = lower triangle of the column-major K */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)nz, (int)P, 2.0, J, (int)P, 0.0, K,
              (int)nz);
  lapack_int info =
      LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)nz, K, (lapack_int)nz, mu);
  if (info != 0) {
    rc = pf_error(PF_LAPACK_ERROR(info), __FILE__, __LINE__, __func__,
                  "gauss_newton: dsyevd of the %zu x %zu Gram matrix failed (info %d%s)", nz, nz,
                  (int)info, PF_LAPACK_WHAT(info));
    goto done;
  }
  /* numerical rank: eigenvalues below it are rounding noise of G's zero eigenvalues, and
   * J^T u for them is not an eigenvector of G */
  const double mumax = fabs(mu[nz - 1]) > fabs(mu[0]) ? fabs(mu[nz - 1]) : fabs(mu[0]);
  const double noise = (double)(nz > P ? nz : P) * DBL_EPSILON * mumax;
  size_t nnz = 0;
  for (size_t j = 0; j < nz; j++) {
    if (mu[j] > noise) nnz++;
    mu[j] = mu[j] > noise ? mu[j] + ip->damping : -INFINITY; /* -inf: never selected */
  }
  F->candidates = (int)nnz;
  if ((rc = pf_influence_select(nz, mu, ip->eig_tol, ip->rank, idx, &k))) goto done;
  if (k == 0) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "gauss_newton: no damped eigenvalue exceeds eig_tol = %g", ip->eig_tol);
    goto done;
  }
  if ((rc = PF_CALLOC(nz * (size_t)k, &U))) goto done;
  for (int j = 0; j < k; j++)
    for (size_t i = 0; i < nz; i++) U[i * (size_t)k + (size_t)j] = K[idx[j] * nz + i];
  /* V = J^T U (P, k) into R, then each column normalised (||J^T u|| = sqrt(mu/2)), sign-fixed and
   * scaled by lambda^{-1/2} */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)P, k, (int)nz, 1.0, J, (int)P, U, k,
              0.0, F->R, k);
  for (int j = 0; j < k; j++) {
    const double nrm = cblas_dnrm2((int)P, F->R + j, k);
    const double f = pf_influence_sign(P, F->R + j, (size_t)k) / (nrm * sqrt(mu[idx[j]]));
    cblas_dscal((int)P, f, F->R + j, k);
    F->lambda[j] = mu[idx[j]];
  }
  F->rank = k;
  F->hvps = 0;
done:
  PF_FREE(&K), PF_FREE(&mu), PF_FREE(&U), PF_FREE(&idx);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

int pf_hessian_gn_factor(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *Z,
                         pf_terms *terms, const pf_influence_params *ip, uint64_t seed, int cycle,
                         pf_influence_factor *F) {
  const size_t P = net->nparams, nz = Z->n, k = (size_t)pf_engine_ops(eng)->k;
  const size_t nt = pf_terms_rows(terms);
  double *J = NULL; /* (k nz + nt, P) row-major: the residual Jacobian over Z, k rows per point,
                       then the terms' rows (scale |Z|) */
  int rc = PF_OK;
  PF_CALL(PF_CALLOC((k * nz + nt) * P, &J));
  if (!(rc = pf_engine_jacobian_rows(eng, theta, Z, 0, nz, J, NULL)) &&
      !(rc = pf_terms_jacobian_rows(terms, theta, (double)nz, J + k * nz * P, NULL)))
    rc = gn_from_jacobian(J, k * nz + nt, P, ip, F);
  PF_FREE(&J);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

int pf_influence_factor_from_jacobian(const double *J, size_t nrows, size_t nparams,
                                      const pf_influence_params *ip, pf_influence_factor **F) {
  *F = NULL;
  PF_CALL(pf_influence_params_check(ip));
  PF_CHECK(nrows >= 1 && nparams >= 1, PF_ERR_ARG, "gauss_newton: empty Jacobian (%zu x %zu)",
           nrows, nparams);
  pf_influence_factor *f = NULL;
  PF_CALL(pf_influence_factor_alloc(nparams, ip->rank, &f));
  int rc = gn_from_jacobian(J, nrows, nparams, ip, f);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}
