/* The arnoldi backend: captum's ArnoldiInfluenceFunction (captum/influence/_core/
 * arnoldi_influence_function.py, _parameter_arnoldi and _parameter_distill; method of Schioppa,
 * Zablotskaia, Vilar, Sokolov, "Scaling up influence functions", AAAI 2022), step for step:
 *   q_0 = b / ||b||, b standard normal;
 *   for k = 1..n: v = H q_{k-1}; for i < k: h[i][k-1] = q_i . v, v -= h[i][k-1] q_i (modified
 *     Gram-Schmidt); h[k][k-1] = ||v||; stop if ||v|| < tol; else q_k = v / ||v||;
 *   captum then drops the last basis vector and the last Hessenberg row: with k the last loop
 *   index the Krylov basis used is q_0 .. q_{m-1}, m = k - 1, and the square block
 * h[0..m-1][0..m-1] (so 200 HVPs give a 199-dimensional space; the last HVP only feeds the stopping
 * test); eigen-decomposition of that block plus damping on its diagonal (torch.linalg.eig = LAPACK
 *   geev, real parts, unit-norm eigenvectors), eigenvalues <= eig_tol dropped, the top `rank`
 *   kept, signs by entry sum, V = Q Y, R = V Lambda^{-1/2}.
 * H is the Hessian of the SUM of the per-point losses l = sum_j w_j r_j^2 (one component: r^2)
 * over Z: the engine's HVP (of the mean) times |Z|; with the terms of a composite objective
 * (influence.h) their HVP is added to the mean's before the scaling. */
#include "influence_impl.h"
#include "pinnfluence/rng.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* The iteration with the Hessian-vector product of the mean loss over nz points supplied by hvp
 * (the engine's over Z, or one assembled from the per-block terms of several ranks). */
static int arnoldi_run(pf_influence_hvp_fn hvp, void *user, size_t P, size_t nz,
                       const pf_influence_params *ip, uint64_t seed, int cycle,
                       pf_influence_factor *F) {
  const size_t n = (size_t)ip->arnoldi_iters;
  const double scale = (double)nz; /* Hessian of the sum = |Z| x Hessian of the mean */
  double *Q = NULL;                /* (n+1, P) row-major: Krylov vector q_j at Q + j*P */
  double *h = NULL;                /* (n+1, n) row-major Hessenberg matrix */
  double *A = NULL;  /* (m, m) column-major: the square block plus damping, then overwritten */
  double *VR = NULL; /* (m, m) column-major right eigenvectors (geev) */
  double *wr = NULL, *wi = NULL, *Y = NULL;
  size_t *idx = NULL;
  int rc = PF_OK;
  PF_CALL(PF_CALLOC((n + 1) * P, &Q));
  PF_CALL(PF_CALLOC((n + 1) * n, &h));

  /* b standard normal (the stream of the cycle), q_0 = b * (1 / sqrt(b . b)) as captum does */
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_ARNOLDI, (uint64_t)cycle);
  pf_rng_normal(&s, 0, P, Q);
  cblas_dscal((int)P, 1.0 / sqrt(cblas_ddot((int)P, Q, 1, Q, 1)), Q, 1);

  size_t k = 1, hvps = 0;
  double beta = 0.0;
  for (k = 1; k <= n; k++) {
    double *v = Q + k * P; /* the slot of q_k: orthogonalised and normalised in place */
    rc = hvp(user, Q + (k - 1) * P, v);
    if (rc) goto done;
    hvps++;
    cblas_dscal((int)P, scale, v, 1);
    for (size_t i = 0; i < k; i++) { /* modified Gram-Schmidt */
      const double hik = cblas_ddot((int)P, Q + i * P, 1, v, 1);
      h[i * n + (k - 1)] = hik;
      cblas_daxpy((int)P, -hik, Q + i * P, 1, v, 1);
    }
    beta = sqrt(cblas_ddot((int)P, v, 1, v, 1));
    h[k * n + (k - 1)] = beta;
    if (!isfinite(beta)) {
      rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                    "arnoldi: non-finite Hessian-vector product at step %zu", k);
      goto done;
    }
    /* captum breaks on ||v|| < tol; an exactly zero v (tol = 0) would give q_k = NaN there, which
     * only the unused last slot would hold: stop instead. */
    if (beta < ip->arnoldi_tol || beta == 0.0) break;
    cblas_dscal((int)P, 1.0 / beta, v, 1);
  }
  if (k > n) k = n; /* the loop ran to the end: k is its last index, as in captum */
  const size_t m = k - 1;
  F->hvps = (int)hvps;
  F->krylov_dim = (int)m;
  F->residual = beta;
  if (m == 0) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "arnoldi: the Krylov basis is empty (||H q_0|| = %g < arnoldi_tol = %g); "
                  "lower influence.arnoldi_tol",
                  beta, ip->arnoldi_tol);
    goto done;
  }

  /* the square block plus damping; geev as torch.linalg.eig calls it (no left vectors) */
  if ((rc = PF_CALLOC(m * m, &A)) || (rc = PF_CALLOC(m * m, &VR)) || (rc = PF_CALLOC(m, &wr)) ||
      (rc = PF_CALLOC(m, &wi)) || (rc = PF_CALLOC(m, &idx)))
    goto done;
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < m; i++) A[i + j * m] = h[i * n + j] + (i == j ? ip->damping : 0.0);
  if (!pf_influence_finite(m * m, A)) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "arnoldi: non-finite Hessenberg matrix");
    goto done;
  }
  lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'V', (lapack_int)m, A, (lapack_int)m, wr,
                                  wi, NULL, 1, VR, (lapack_int)m);
  if (info != 0) {
    rc = pf_error(PF_LAPACK_ERROR(info), __FILE__, __LINE__, __func__,
                  "arnoldi: dgeev of the %zu x %zu Hessenberg block failed (info %d%s)", m, m,
                  (int)info, PF_LAPACK_WHAT(info));
    goto done;
  }

  /* real parts: for a complex pair (wi[j] > 0, wi[j+1] < 0) geev stores Re v in column j and
   * Im v in column j+1; both eigenvalues have real part wr[j] and both vectors real part
   * column j, which is what torch's `.real` gives. */
  int kk = 0;
  if ((rc = pf_influence_select(m, wr, ip->eig_tol, ip->rank, idx, &kk))) goto done;
  F->candidates = (int)m;
  if (kk == 0) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "arnoldi: no damped Ritz value exceeds eig_tol = %g (largest %g)", ip->eig_tol,
                  wr[0]);
    goto done;
  }
  /* Y (m, kk) row-major: the selected eigenvectors (Krylov coordinates), sign-fixed, scaled by
   * lambda^{-1/2}; then R = Q_m^T Y = V Lambda^{-1/2}, (P, kk) row-major. */
  if ((rc = PF_CALLOC(m * (size_t)kk, &Y))) goto done;
  for (int j = 0; j < kk; j++) {
    size_t col = idx[j];
    if (wi[col] < 0) col -= 1; /* second of a complex pair: real part is column col-1 */
    const double *y = VR + col * m;
    const double sg = pf_influence_sign(m, y, 1), f = sg / sqrt(wr[idx[j]]);
    for (size_t i = 0; i < m; i++) Y[i * (size_t)kk + (size_t)j] = f * y[i];
    F->lambda[j] = wr[idx[j]];
  }
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)P, kk, (int)m, 1.0, Q, (int)P, Y, kk,
              0.0, F->R, kk);
  F->rank = kk;

done:
  PF_FREE(&Q), PF_FREE(&h), PF_FREE(&A), PF_FREE(&VR), PF_FREE(&wr), PF_FREE(&wi), PF_FREE(&Y);
  PF_FREE(&idx);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

typedef struct {
  pf_engine *eng;
  const double *theta;
  const pf_points *Z;
  pf_terms *terms;
} engine_hvp_ctx;

/* The Hessian of the mean over Z plus that of the terms (scale 1; nothing without terms). */
static int engine_hvp(void *user, const double *v, double *hv) {
  const engine_hvp_ctx *c = user;
  PF_CALL(pf_engine_hvp(c->eng, c->theta, c->Z, v, hv));
  PF_CALL(pf_terms_hvp(c->terms, c->theta, v, 1.0, hv));
  return PF_OK;
}

int pf_arnoldi_factor(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *Z,
                      pf_terms *terms, const pf_influence_params *ip, uint64_t seed, int cycle,
                      pf_influence_factor *F) {
  engine_hvp_ctx c = {eng, theta, Z, terms};
  PF_CALL(arnoldi_run(engine_hvp, &c, net->nparams, Z->n, ip, seed, cycle, F));
  return PF_OK;
}

int pf_influence_factor_arnoldi(pf_influence_hvp_fn hvp, void *user, size_t nparams, size_t nz,
                                const pf_influence_params *ip, uint64_t seed, int cycle,
                                pf_influence_factor **F) {
  *F = NULL;
  PF_CALL(pf_influence_params_check(ip));
  PF_CHECK(hvp && nz >= 1 && nparams >= 1, PF_ERR_ARG,
           "arnoldi: needs a Hessian-vector product over a non-empty Z set");
  pf_influence_factor *f = NULL;
  PF_CALL(pf_influence_factor_alloc(nparams, ip->rank, &f));
  int rc = arnoldi_run(hvp, user, nparams, nz, ip, seed, cycle, f);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}
