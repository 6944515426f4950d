/* The block_krylov backend: a block Lanczos iteration with full reorthogonalisation (a randomised
 * block Krylov method; Golub & Underwood 1977, Musco & Musco, "Randomized block Krylov methods for
 * stronger and faster approximate singular value decomposition", NeurIPS 2015) on the Hessian H
 * of the SUM of the per-point losses over Z, whose Hessian-vector products come b at a time
 * (pf_engine_hvp_multi: one forward pass per block of points serves all b directions):
 *   Q_0 = orth(Omega), Omega (P, b) standard normal: column j is elements j P .. (j + 1) P - 1 of
 *     the cycle's stream (seed, 0, PF_RNG_ARNOLDI, cycle), so column 0 is arnoldi's start vector;
 *   for i = 0 .. s-1: W = H Q_i (b products at once); T[:, block i] = Q_{0..i}^T W (the Rayleigh
 *     quotient's block column, formed from the products directly); unless i = s-1:
 *     Q_{i+1} = orth(W against Q_0 .. Q_i), by classical Gram-Schmidt twice (CGS2, Giraud et al.
 *     2005) against the basis and modified Gram-Schmidt with a second pass inside the block;
 *   a direction whose orthogonalised norm is < arnoldi_tol (captum's stopping test, per vector)
 *   or <= 1e-12 of its norm before orthogonalisation is dropped (deflation); the iteration stops
 *   when a whole block is dropped.
 * The m = b s (fewer after deflation) products all enter the m x m Rayleigh quotient T = Q^T H Q
 * (symmetrised: each entry from the column whose product saw both vectors, the two triangles of a
 * diagonal block averaged), and the rest follows captum's rules as the other backends do: damping
 * added to T's diagonal, all eigenpairs (dsyevd), damped eigenvalues <= eig_tol dropped, the
 * `rank` largest kept, signs by entry sum (of the Krylov coordinates, as arnoldi), V = Q Y,
 * R = V Lambda^{-1/2}. Keys: influence.block_size (b), influence.block_iters (s). */
#include "influence_impl.h"
#include "pinnfluence/terms.h"
#include "pinnfluence/rng.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Orthonormalise the nw rows of W (nw, P) against the m rows of Q (m, P) and each other, appending
 * the survivors to Q at row m; returns how many survived in *added. pre (nw): the rows' norms
 * before orthogonalisation (the deflation test's scale). C: (nw * m) scratch. */
static void orth_block(size_t P, double *Q, size_t m, double *W, size_t nw, const double *pre,
                       double tol, double *C, size_t *added) {
  /* CGS2 against the basis: W -= (W Q^T) Q, twice */
  for (int pass = 0; pass < 2 && m > 0; pass++) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nw, (int)m, (int)P, 1.0, W, (int)P, Q,
                (int)P, 0.0, C, (int)m);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nw, (int)P, (int)m, -1.0, C, (int)m,
                Q, (int)P, 1.0, W, (int)P);
  }
  size_t n = 0;
  for (size_t j = 0; j < nw; j++) {
    double *w = W + j * P, *dst = Q + (m + n) * P;
    /* against the survivors of this block, twice (MGS) */
    for (int pass = 0; pass < 2; pass++)
      for (size_t i = 0; i < n; i++) {
        const double *q = Q + (m + i) * P;
        cblas_daxpy((int)P, -cblas_ddot((int)P, q, 1, w, 1), q, 1, w, 1);
      }
    const double nrm = sqrt(cblas_ddot((int)P, w, 1, w, 1));
    if (!(nrm >= tol) || nrm <= 1e-12 * pre[j]) continue; /* deflated */
    for (size_t k = 0; k < P; k++) dst[k] = w[k] / nrm;
    n++;
  }
  *added = n;
}

static int block_run(pf_influence_hvp_multi_fn hvp, void *user, size_t P, size_t nz,
                     const pf_influence_params *ip, uint64_t seed, int cycle,
                     pf_influence_factor *F) {
  const size_t b = (size_t)ip->block_size, s = (size_t)ip->block_iters, mmax = b * s;
  const double scale = (double)nz; /* Hessian of the sum = |Z| x Hessian of the mean */
  double *Q = NULL;                /* (mmax + b, P) row-major basis */
  double *W = NULL;                /* (b, P) one block of products */
  double *T = NULL;                /* (mmax, mmax) row-major: T[i][j] = q_i . H q_j */
  double *A = NULL, *w = NULL, *Y = NULL, *C = NULL, *pre = NULL;
  size_t *blk = NULL; /* (mmax) the block of each basis vector */
  size_t *idx = NULL;
  int rc = PF_OK;
  if ((rc = PF_CALLOC((mmax + b) * P, &Q)) || (rc = PF_CALLOC(b * P, &W)) ||
      (rc = PF_CALLOC(mmax * mmax, &T)) || (rc = PF_CALLOC(b * (mmax + b), &C)) ||
      (rc = PF_CALLOC(b, &pre)) || (rc = PF_CALLOC(mmax + b, &blk)))
    goto done;

  /* Omega: b standard normal columns of the cycle's stream, orthonormalised */
  pf_rng_stream st = pf_rng_stream_make(seed, 0, PF_RNG_ARNOLDI, (uint64_t)cycle);
  pf_rng_normal(&st, 0, b * P, W);
  for (size_t j = 0; j < b; j++) pre[j] = sqrt(cblas_ddot((int)P, W + j * P, 1, W + j * P, 1));
  size_t m = 0, c0 = 0, nb = 0, hvps = 0; /* basis size; current block c0 .. c0+nb-1 */
  orth_block(P, Q, 0, W, b, pre, 0.0, C, &nb);
  for (size_t it = 0; it < s && nb > 0; it++) {
    for (size_t j = 0; j < nb; j++) blk[c0 + j] = it;
    if ((rc = hvp(user, nb, Q + c0 * P, W))) goto done;
    hvps += nb;
    cblas_dscal((int)(nb * P), scale, W, 1);
    if (!pf_influence_finite(nb * P, W)) {
      rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                    "block_krylov: non-finite Hessian-vector product in block %zu", it);
      goto done;
    }
    m = c0 + nb;
    /* T[0 .. m-1][c0 .. m-1] = Q_{0..m-1} W^T */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)nb, (int)P, 1.0, Q, (int)P, W,
                (int)P, 0.0, C, (int)nb);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < nb; j++) T[i * mmax + c0 + j] = C[i * nb + j];
    if (it + 1 == s) break;
    for (size_t j = 0; j < nb; j++) pre[j] = sqrt(cblas_ddot((int)P, W + j * P, 1, W + j * P, 1));
    size_t added = 0;
    orth_block(P, Q, m, W, nb, pre, ip->arnoldi_tol, C, &added);
    c0 = m, nb = added;
  }
  F->hvps = (int)hvps;
  F->krylov_dim = (int)m;
  F->residual = 0.0;
  if (m == 0) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "block_krylov: the start block is degenerate (no direction survived)");
    goto done;
  }

  /* the symmetric Rayleigh quotient plus damping, column-major (m, m) */
  if ((rc = PF_CALLOC(m * m, &A)) || (rc = PF_CALLOC(m, &w)) || (rc = PF_CALLOC(m, &idx)))
    goto done;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i; j < m; j++) {
      /* column j's product saw q_i (i's block is not later than j's) */
      const double t =
          blk[i] == blk[j] ? 0.5 * (T[i * mmax + j] + T[j * mmax + i]) : T[i * mmax + j];
      A[i + j * m] = A[j + i * m] = t + (i == j ? ip->damping : 0.0);
    }
  if (!pf_influence_finite(m * m, A)) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "block_krylov: non-finite Rayleigh quotient");
    goto done;
  }
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)m, A, (lapack_int)m, w);
  if (info != 0) {
    rc = pf_error(PF_LAPACK_ERROR(info), __FILE__, __LINE__, __func__,
                  "block_krylov: dsyevd of the %zu x %zu Rayleigh quotient failed (info %d%s)", m,
                  m, (int)info, PF_LAPACK_WHAT(info));
    goto done;
  }
  int kk = 0;
  if ((rc = pf_influence_select(m, w, ip->eig_tol, ip->rank, idx, &kk))) goto done;
  F->candidates = (int)m;
  if (kk == 0) {
    rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                  "block_krylov: no damped Ritz value exceeds eig_tol = %g (largest %g)",
                  ip->eig_tol, w[m - 1]);
    goto done;
  }
  /* Y (m, kk) row-major: the selected eigenvectors, sign-fixed, scaled by lambda^{-1/2};
   * R = Q_m^T Y = V Lambda^{-1/2} */
  if ((rc = PF_CALLOC(m * (size_t)kk, &Y))) goto done;
  for (int j = 0; j < kk; j++) {
    const double *y = A + idx[j] * m;
    const double f = pf_influence_sign(m, y, 1) / sqrt(w[idx[j]]);
    for (size_t i = 0; i < m; i++) Y[i * (size_t)kk + (size_t)j] = f * y[i];
    F->lambda[j] = w[idx[j]];
  }
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)P, kk, (int)m, 1.0, Q, (int)P, Y, kk,
              0.0, F->R, kk);
  F->rank = kk;
done:
  PF_FREE(&Q), PF_FREE(&W), PF_FREE(&T), PF_FREE(&A), PF_FREE(&w), PF_FREE(&Y), PF_FREE(&C);
  PF_FREE(&pre), PF_FREE(&blk), PF_FREE(&idx);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

typedef struct {
  pf_engine *eng;
  const double *theta;
  const pf_points *Z;
  pf_terms *terms;
  size_t P;
} engine_multi_ctx;

/* The Hessian of the mean over Z times each direction, plus that of the composite objective's
 * terms (scale 1, as arnoldi's callback; nothing without terms). */
static int engine_hvp_multi(void *user, size_t nv, const double *V, double *HV) {
  const engine_multi_ctx *c = user;
  PF_CALL(pf_engine_hvp_multi(c->eng, c->theta, c->Z, nv, V, HV));
  for (size_t j = 0; j < nv && pf_terms_count(c->terms); j++)
    PF_CALL(pf_terms_hvp(c->terms, c->theta, V + j * c->P, 1.0, HV + j * c->P));
  return PF_OK;
}

int pf_block_krylov_factor(pf_engine *eng, const pf_mlp *net, const double *theta,
                           const pf_points *Z, pf_terms *terms, const pf_influence_params *ip,
                           uint64_t seed, int cycle, pf_influence_factor *F) {
  engine_multi_ctx c = {eng, theta, Z, terms, net->nparams};
  PF_CALL(block_run(engine_hvp_multi, &c, net->nparams, Z->n, ip, seed, cycle, F));
  return PF_OK;
}

int pf_influence_factor_block_krylov(pf_influence_hvp_multi_fn hvp, void *user, size_t nparams,
                                     size_t nz, const pf_influence_params *ip, uint64_t seed,
                                     int cycle, pf_influence_factor **F) {
  *F = NULL;
  PF_CALL(pf_influence_params_check(ip));
  PF_CHECK(hvp && nz >= 1 && nparams >= 1, PF_ERR_ARG,
           "block_krylov: needs Hessian-vector products over a non-empty Z set");
  pf_influence_factor *f = NULL;
  PF_CALL(pf_influence_factor_alloc(nparams, ip->rank, &f));
  int rc = block_run(hvp, user, nparams, nz, ip, seed, cycle, f);
  if (rc) {
    pf_influence_factor_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *F = f;
  return PF_OK;
}
