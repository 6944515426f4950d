/* Influence embeddings and scores without any per-point backward pass (DESIGN.md section 3):
 * e(x) = R^T g(x) from a block of Jacobian rows (one batched reverse pass per engine block) and
 * one GEMM with R; the scores sum_z |e(z) . e(c)| from one GEMM of the two embedding blocks and an
 * abs-sum in a fixed order over Z. grad_dot is the same path with R = I (the embeddings are the
 * gradients themselves, the score GEMM has K = P). This replaces captum's per-example gradient
 * loop (sample_wise_grads_per_batch = False), the dominant cost of the reference implementation
 * (PAPER.md section 5).
 *
 * g(x) = grad_theta l(x), l = sum_j s_j^2 over the problem's k residual components
 * (s_j = sqrt(w_j) r_j, the Jacobian rows J_j = grad_theta s_j): g = 2 sum_j s_j J_j. For one
 * component the embedding is formed as 2 r (J R) (GEMM first, then the scaling, the paper
 * problems' arithmetic); for k > 1 as (2 sum_j s_j J_j) R (the gradient first, one GEMM of the
 * block's gradients). */
#include "influence_impl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

size_t pf_influence_embed_work(size_t nparams, int block, int ncomp) {
  const size_t B = (size_t)block, k = (size_t)ncomp;
  /* Jacobian rows (B k, P), their weighted residuals (B k); k > 1: the gradients (B, P) */
  return B * k * (nparams + 1) + (k > 1 ? B * nparams : 0);
}

void pf_influence_point_gradients(size_t nb, size_t k, size_t P, const double *J, const double *s,
                                  double *G) {
  for (size_t i = 0; i < nb; i++) {
    double *g = G + i * P;
    const double *Ji = J + i * k * P, *si = s + i * k;
    const double f0 = 2.0 * si[0];
    for (size_t p = 0; p < P; p++) g[p] = f0 * Ji[p];
    for (size_t j = 1; j < k; j++) {
      const double f = 2.0 * si[j];
      const double *row = Ji + j * P;
      for (size_t p = 0; p < P; p++) g[p] += f * row[p];
    }
  }
}

int pf_influence_embed(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *pts,
                       size_t first, size_t count, const double *R, size_t k, double *E,
                       double *work) {
  const size_t P = net->nparams, B = (size_t)pf_engine_block_size(eng);
  const size_t nk = (size_t)pf_engine_ops(eng)->k; /* residual components */
  PF_CHECK(first + count <= pts->n, PF_ERR_ARG, "embeddings of points %zu..%zu of %zu", first,
           first + count, pts->n);
  PF_CHECK(R != NULL || k == P, PF_ERR_ARG, "gradient embeddings need k = P = %zu, got %zu", P, k);
  /* (B nk, P) row-major block of Jacobian rows; (B nk) weighted residuals; nk > 1: (B, P)
   * gradients */
  double *J = work, *r = work + B * nk * P, *G = r + B * nk;
  /* pieces aligned to the engine's blocks, so each is one batched reverse pass */
  for (size_t i0 = first; i0 < first + count;) {
    const size_t end = (i0 / B + 1) * B < first + count ? (i0 / B + 1) * B : first + count;
    const size_t nb = end - i0;
    double *Eb = E + (i0 - first) * k;
    if (nk == 1) {
      if (!R) {
        PF_CALL(pf_engine_jacobian_rows(eng, theta, pts, i0, nb, Eb, r));
      } else {
        PF_CALL(pf_engine_jacobian_rows(eng, theta, pts, i0, nb, J, r));
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)k, (int)P, 1.0, J,
                    (int)P, R, (int)k, 0.0, Eb, (int)k);
      }
      for (size_t i = 0; i < nb; i++) cblas_dscal((int)k, 2.0 * r[i], Eb + i * k, 1);
    } else {
      PF_CALL(pf_engine_jacobian_rows(eng, theta, pts, i0, nb, J, r));
      if (!R) {
        pf_influence_point_gradients(nb, nk, P, J, r, Eb);
      } else {
        pf_influence_point_gradients(nb, nk, P, J, r, G);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)k, (int)P, 1.0, G,
                    (int)P, R, (int)k, 0.0, Eb, (int)k);
      }
    }
    i0 = end;
  }
  return PF_OK;
}

void pf_influence_abs_scores(size_t nz, const double *EZ, size_t nc, const double *EC, size_t k,
                             double *scores, double *work) {
  for (size_t c0 = 0; c0 < nc; c0 += PF_INFLUENCE_SCORE_BLOCK) {
    const size_t nb = nc - c0 < PF_INFLUENCE_SCORE_BLOCK ? nc - c0 : PF_INFLUENCE_SCORE_BLOCK;
    /* M (nb, nz) = EC_block EZ^T: row c holds e(c) . e(z_i) for all i, contiguous */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)nz, (int)k, 1.0, EC + c0 * k,
                (int)k, EZ, (int)k, 0.0, work, (int)nz);
    for (size_t c = 0; c < nb; c++) {
      const double *m = work + c * nz;
      double s = 0.0;
      for (size_t i = 0; i < nz; i++) s += fabs(m[i]); /* |.| per z, then the sum (in order) */
      scores[c0 + c] = s;
    }
  }
}

int pf_influence_score(pf_engine *eng, const pf_mlp *net, const pf_pde *pde,
                       const pf_influence_params *ip, pf_influence_method method, uint64_t seed,
                       int cycle, const double *theta, const pf_points *pool, double *scores,
                       pf_influence_stats *stats) {
  PF_CALL(pf_influence_score_terms(eng, net, pde, NULL, ip, method, seed, cycle, theta, pool,
                                   scores, stats));
  return PF_OK;
}

int pf_influence_score_terms(pf_engine *eng, const pf_mlp *net, const pf_pde *pde, pf_terms *terms,
                             const pf_influence_params *ip, pf_influence_method method,
                             uint64_t seed, int cycle, const double *theta, const pf_points *pool,
                             double *scores, pf_influence_stats *stats) {
  PF_CALL(pf_influence_params_check(ip));
  PF_CHECK(method == PF_INFLUENCE_GRAD_DOT || method == PF_INFLUENCE_PINNFLUENCE, PF_ERR_ARG,
           "unknown influence method %d", (int)method);
  const size_t P = net->nparams, nz = ip->test_points, n = pool->n;
  const size_t B = (size_t)pf_engine_block_size(eng), d = (size_t)pde->ops.d;
  const int nk = pf_engine_ops(eng)->k;
  pf_influence_stats st = {0};
  double *zX = NULL, *EZ = NULL, *EC = NULL, *work = NULL, *M = NULL;
  pf_points *Z = NULL;
  pf_influence_factor *F = NULL;
  int rc = PF_OK;

  /* hessian phase: the Z set of the cycle and (pinnfluence) the inverse-Hessian factor */
  double t0 = pf_wtime();
  PF_CALL(PF_CALLOC(nz * d, &zX));
  pf_influence_zset(pde, seed, cycle, 0, nz, zX);
  if ((rc = pf_points_create(&pde->ops, nz, zX, &Z))) goto done;
  const double *R = NULL;
  size_t k = P;
  if (method == PF_INFLUENCE_PINNFLUENCE) {
    if ((rc = pf_influence_factor_create_terms(eng, net, theta, Z, terms, ip, seed, cycle, &F)))
      goto done;
    R = F->R, k = (size_t)F->rank;
    st.rank = F->rank, st.candidates = F->candidates, st.hvps = F->hvps;
    st.krylov_dim = F->krylov_dim;
  }
  double t1 = pf_wtime();
  st.hessian_seconds = t1 - t0;

  /* everything the loops need, allocated once */
  const size_t mb = B < PF_INFLUENCE_SCORE_BLOCK ? B : PF_INFLUENCE_SCORE_BLOCK;
  if ((rc = PF_CALLOC(nz * k, &EZ)) || (rc = PF_CALLOC(B * k, &EC)) ||
      (rc = PF_CALLOC(pf_influence_embed_work(P, (int)B, nk), &work)) ||
      (rc = PF_CALLOC(mb * nz, &M)))
    goto done;
  if ((rc = pf_influence_embed(eng, net, theta, Z, 0, nz, R, k, EZ, work))) goto done;
  t0 = pf_wtime();
  st.embed_seconds += t0 - t1;

  /* the pool, one engine block of candidates at a time (blocks at multiples of B) */
  for (size_t c0 = 0; c0 < n; c0 += B) {
    const size_t nb = n - c0 < B ? n - c0 : B;
    if ((rc = pf_influence_embed(eng, net, theta, pool, c0, nb, R, k, EC, work))) goto done;
    t1 = pf_wtime();
    st.embed_seconds += t1 - t0;
    pf_influence_abs_scores(nz, EZ, nb, EC, k, scores + c0, M);
    t0 = pf_wtime();
    st.score_seconds += t0 - t1;
  }
done:
  if (stats) *stats = st;
  pf_influence_factor_destroy(&F);
  pf_points_destroy(&Z);
  PF_FREE(&zX), PF_FREE(&EZ), PF_FREE(&EC), PF_FREE(&work), PF_FREE(&M);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}
