/* pinnfluence influence: the influence scores of PAPER.md section 3 and the low-rank inverse
 * Hessians they need.
 *
 * Per-point loss l(x) = sum_j w_j r_j(x)^2 = sum_j s_j(x)^2 over the problem's K = ops.k residual
 * components (s_j = sqrt(w_j) r_j; for the paper's problems K = 1, w = 1 and l = r^2) and its
 * parameter gradient g(x) = 2 sum_j s_j(x) J_{x,j}, J_{x,j} = ds_j(x)/dtheta (K rows of the
 * residual Jacobian per point, pf_engine_jacobian_rows; K = 1: g = 2 r J_x). Each resampling
 * round draws a fresh set Z of test points and scores every candidate c of the pool:
 *   grad_dot     S(c) = sum_{z in Z} |g(z) . g(c)|
 *   pinnfluence  S(c) = sum_{z in Z} |g(z)^T H^{-1} g(c)|,  H = Hessian of sum_{z in Z} l(z)
 * (absolute value per z, then summed, as the authors' code does). H^{-1} is approximated by a
 * low-rank factor R (P x k) with H^{-1} ~ R R^T, R = V Lambda^{-1/2} from k eigenpairs
 * (Lambda, V) of the damped Hessian, from one of three backends:
 *   arnoldi       captum's ArnoldiInfluenceFunction with its defaults (Schioppa, Zablotskaia,
 *                 Vilar, Sokolov, "Scaling up influence functions", AAAI 2022): Ritz pairs of a
 *                 Krylov space built from exact Hessian-vector products;
 *   exact         all eigenpairs of the dense Hessian (P exact Hessian-vector products); for
 *                 small networks and for validating arnoldi;
 *   gauss_newton  the Gauss-Newton matrix G = 2 J_Z^T J_Z (J_Z: the K |Z| rows of Z), whose
 *                 non-zero eigenpairs come exactly from the K|Z| x K|Z| Gram matrix 2 J_Z J_Z^T.
 * All three apply captum's rules: add `damping` to the eigenvalues, drop those <= eig_tol, keep
 * the `rank` largest. Scores then need only embeddings e(x) = R^T g(x) (K = 1: 2 r(x) (J_x R)):
 * blocks of Jacobian rows, one GEMM with R, one GEMM of the two embedding blocks and an abs-sum
 * over Z (grad_dot is the same path with R = I).
 *
 * Composite losses (terms.h: soft boundary and initial conditions, data misfits): H is the Hessian
 * of the whole training objective with Z in place of the collocation points,
 *   H = d^2/dtheta^2 [ sum_{z in Z} l(z) + |Z| sum_t w_t L_t ]
 * (the objective (1/|Z|) sum_z l(z) + sum_t w_t L_t times |Z|, the scale of the sum the backends
 * have always used), over the network parameters only (trainable coefficients are held at their
 * current values). The `_terms` variants below take the terms (NULL or empty: exactly the
 * functions without them, bit for bit): arnoldi's Hessian-vector product is
 * |Z| (pf_engine_hvp(Z) v + pf_terms_hvp(v, scale 1)); exact's row j is |Z| pf_engine_hvp(Z) e_j
 * plus pf_terms_hvp(e_j, scale |Z|); gauss_newton's J holds the K |Z| rows of Z followed by
 * pf_terms_jacobian_rows(scale |Z|), so G = 2 J^T J is the Gauss-Newton matrix of that objective.
 * Test gradients g(z) and candidate gradients g(c) stay the per-point residual gradients, and
 * grad_dot does not involve the terms.
 *
 * Everything here is local to one rank (no MPI). Random numbers come from the streams
 * (seed, 0, PF_RNG_ZSET, cycle) (the Z set) and (seed, 0, PF_RNG_ARNOLDI, cycle) (the Arnoldi
 * start vector). */
#ifndef PINNFLUENCE_INFLUENCE_H
#define PINNFLUENCE_INFLUENCE_H

#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/terms.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The config group `influence` (DESIGN.md section 6). The tag lets sample.h forward-declare it. */
struct pf_influence_params {
  const char *backend; /* "arnoldi" | "exact" | "gauss_newton" (default "arnoldi") */
  size_t test_points;  /* |Z|, fresh uniform points per cycle (1000) */
  int arnoldi_iters;   /* Hessian-vector products of the Arnoldi iteration (200) */
  double arnoldi_tol;  /* stop when the orthogonalised new vector has norm < tol (0.1) */
  double damping;      /* added to every eigenvalue (captum's hessian_reg, 1e-3) */
  double eig_tol;      /* drop damped eigenvalues <= eig_tol (captum's hessian_inverse_tol, 1e-4) */
  int rank;            /* keep at most this many largest damped eigenvalues (50) */
};
typedef struct pf_influence_params pf_influence_params;

/* The defaults above (PAPER.md section 3). */
pf_influence_params pf_influence_params_default(void);
/* PF_ERR_CONFIG with a message naming the key if a field is out of range or the backend unknown. */
int pf_influence_params_check(const pf_influence_params *ip);
/* Comma-separated names of the inverse-Hessian backends. */
void pf_influence_backend_names(char *buf, size_t len);

/* The Z set of a cycle: uniform points of the problem's box from the stream
 * (seed, 0, PF_RNG_ZSET, cycle), element by element as pf_sample_pool, so any slice can be
 * generated on its own. X: (count, d) for elements first .. first+count-1. */
void pf_influence_zset(const pf_pde *p, uint64_t seed, int cycle, size_t first, size_t count,
                       double *X);

/* ------------------------------------------------------------------ inverse-Hessian factors */
/* H^{-1} ~ R R^T. Columns are ordered by decreasing damped eigenvalue. */
typedef struct {
  size_t nparams;  /* P */
  int rank;        /* k: eigenpairs kept (<= params.rank; fewer when the threshold drops some) */
  double *R;       /* (P, k) row-major: R[p*k + j] = v_j[p] / sqrt(lambda_j) */
  double *lambda;  /* (k) damped eigenvalues lambda_j, decreasing; v_j = sqrt(lambda_j) R[:, j] */
  int candidates;  /* eigenpairs the threshold and rank rules chose from */
  int hvps;        /* Hessian-vector products used (arnoldi, exact; 0 for gauss_newton) */
  int krylov_dim;  /* arnoldi: dimension m of the Krylov basis whose Ritz pairs were used */
  double residual; /* arnoldi: norm of the last orthogonalised vector (the stopping test) */
} pf_influence_factor;

/* The factor for the Hessian of sum_{z in Z} l(z) at theta with backend ip->backend (cycle and
 * seed select the Arnoldi start vector). Allocates *F; free with pf_influence_factor_destroy.
 * PF_ERR_NUMERIC if no eigenvalue survives the threshold or the Hessian is not finite;
 * PF_ERR_LAPACK if an eigensolver fails. The exact backend refuses networks with more than
 * PF_INFLUENCE_EXACT_MAX_PARAMS parameters (its dense Hessian has P^2 entries). */
#define PF_INFLUENCE_EXACT_MAX_PARAMS 16384
int pf_influence_factor_create(pf_engine *eng, const pf_mlp *net, const double *theta,
                               const pf_points *Z, const pf_influence_params *ip, uint64_t seed,
                               int cycle, pf_influence_factor **F);
int pf_influence_factor_destroy(pf_influence_factor **F);
/* The same for the Hessian of a composite objective (terms, see above; NULL: none). */
int pf_influence_factor_create_terms(pf_engine *eng, const pf_mlp *net, const double *theta,
                                     const pf_points *Z, pf_terms *terms,
                                     const pf_influence_params *ip, uint64_t seed, int cycle,
                                     pf_influence_factor **F);

/* The dense Hessian of sum_{z in Z} l(z) at theta from P exact Hessian-vector products (one
 * per unit vector; the engine's HVP is that of the mean, scaled by |Z|), symmetrised as
 * (H + H^T)/2. H: (P, P), row-major (= column-major, it is symmetric). */
int pf_hessian_dense(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *Z,
                     double *H);
/* The same with the terms (NULL: none): the rows of pf_hessian_dense_rows, then
 * pf_hessian_terms_rows on all of them, then symmetrised: the exact backend's Hessian. */
int pf_hessian_dense_terms(pf_engine *eng, const pf_mlp *net, const double *theta,
                           const pf_points *Z, pf_terms *terms, double *H);
/* Add the terms' part to rows j0 .. j0+nj-1 of a dense Hessian over an nz-point Z:
 * H[(j - j0) * P + i] += (pf_terms_hvp(e_j, scale nz))_i, H (nj, P) row-major. terms NULL or
 * empty: nothing. */
int pf_hessian_terms_rows(pf_terms *terms, const double *theta, size_t nparams, size_t nz,
                          size_t j0, size_t nj, double *H);

/* Building blocks of the backends, for rounds split among ranks (src/sample/group_score.c). Each
 * performs exactly the floating-point operations of the backend it is part of, so a factor built
 * from pieces computed elsewhere equals pf_influence_factor_create's bit for bit when the pieces
 * do. Each allocates *F (free with pf_influence_factor_destroy); errors as
 * pf_influence_factor_create. */

/* hv (nparams) = the Hessian of the MEAN of l over the Hessian set times v (what
 * pf_engine_hvp over Z gives); 0 or an error code. */
typedef int (*pf_influence_hvp_fn)(void *user, const double *v, double *hv);
/* The arnoldi backend over an nz-point Z whose Hessian-vector products come from hvp (called
 * ip->arnoldi_iters times at most, one after the other; scaled by nz inside, as the backend does
 * with pf_engine_hvp). */
int pf_influence_factor_arnoldi(pf_influence_hvp_fn hvp, void *user, size_t nparams, size_t nz,
                                const pf_influence_params *ip, uint64_t seed, int cycle,
                                pf_influence_factor **F);
/* Rows j0 .. j0+nj-1 of the dense Hessian of sum_{z in Z} l(z) before symmetrisation:
 * H[(j - j0) * P + i] = |Z| (pf_engine_hvp(e_j))_i. H: (nj, P) row-major. pf_hessian_dense is
 * rows 0 .. P-1 symmetrised. */
int pf_hessian_dense_rows(pf_engine *eng, const pf_mlp *net, const double *theta,
                          const pf_points *Z, size_t j0, size_t nj, double *H);
/* (H + H^T) / 2 in place, H (P, P): what pf_hessian_dense does to the rows. */
void pf_hessian_symmetrise(size_t P, double *H);
/* The exact backend from all P rows of pf_hessian_dense_rows in H (P, P), which is symmetrised
 * and then overwritten. */
int pf_influence_factor_from_hessian(double *H, size_t nparams, const pf_influence_params *ip,
                                     pf_influence_factor **F);
/* All eigenpairs the exact backend computes: H (P, P) symmetric (pf_hessian_dense) is
 * overwritten by its unit eigenvectors (column-major: vector j at H + j*P), w (P) receives the
 * eigenvalues of H itself (undamped), ascending (LAPACK dsyevd). PF_ERR_NUMERIC for a non-finite
 * H, PF_ERR_CONFIG above PF_INFLUENCE_EXACT_MAX_PARAMS. For spectra (bench --influence-stability).
 */
int pf_hessian_eigen(double *H, size_t nparams, double *w);
/* The exact backend's factor from those eigenpairs (V = the overwritten H, w) for the damping,
 * eig_tol and rank of ip: pf_hessian_eigen followed by this equals pf_influence_factor_from_hessian
 * bit for bit, and one decomposition serves any number of (damping, rank) settings. */
int pf_influence_factor_from_eigen(const double *V, const double *w, size_t nparams,
                                   const pf_influence_params *ip, pf_influence_factor **F);
/* The gauss_newton backend from the residual Jacobian J (nrows, nparams) row-major over Z
 * (pf_engine_jacobian_rows: nrows = K |Z|, the K rows of each point together; K = 1: |Z|). */
int pf_influence_factor_from_jacobian(const double *J, size_t nrows, size_t nparams,
                                      const pf_influence_params *ip, pf_influence_factor **F);

/* ------------------------------------------------------------------ embeddings and scores */
/* Per-point loss gradients of a system: G (nb, P), g_i = 2 sum_j s_ij J_ij, from the k weighted
 * Jacobian rows per point J (nb k, P) and the weighted residuals s (nb k) of
 * pf_engine_jacobian_rows (row i k + j of point i's component j). */
void pf_influence_point_gradients(size_t nb, size_t k, size_t P, const double *J, const double *s,
                                  double *G);
/* Doubles of scratch pf_influence_embed needs with an engine of block size `block` on a problem
 * of ncomp = K residual components (ops.k). */
size_t pf_influence_embed_work(size_t nparams, int block, int ncomp);

/* Embeddings of points first .. first+count-1 of pts: E[i*k + j] = (R^T g(x_i))_j, E (count, k)
 * row-major, from blocks of Jacobian rows (pf_engine_jacobian_rows, blocks aligned to the
 * engine's block size) and one GEMM per block with R (P, k) row-major; for one residual
 * component (K = 1) E[i*k + j] = 2 r(x_i) (J_{x_i} R)_j, formed in that order. With R == NULL, k
 * must be P and E holds the gradients g(x_i) themselves. work: pf_influence_embed_work doubles. */
int pf_influence_embed(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *pts,
                       size_t first, size_t count, const double *R, size_t k, double *E,
                       double *work);

/* Candidates per block in pf_influence_abs_scores (and the scratch it needs: block * nz). */
#define PF_INFLUENCE_SCORE_BLOCK 256

/* scores[c] = sum_{i < nz} |EZ[i] . EC[c]| for c < nc, the sum over i in increasing order, so a
 * candidate's score depends only on its own embedding and the block (of
 * PF_INFLUENCE_SCORE_BLOCK) GEMM it is part of. EZ (nz, k), EC (nc, k) row-major.
 * work: (min(nc, PF_INFLUENCE_SCORE_BLOCK) * nz) doubles. */
void pf_influence_abs_scores(size_t nz, const double *EZ, size_t nc, const double *EC, size_t k,
                             double *scores, double *work);

/* ------------------------------------------------------------------ one round */
typedef enum {
  PF_INFLUENCE_GRAD_DOT = 0,   /* S(c) = sum_z |g(z) . g(c)| */
  PF_INFLUENCE_PINNFLUENCE = 1 /* S(c) = sum_z |g(z)^T H^{-1} g(c)| */
} pf_influence_method;

/* Wall time of the phases of a round and what the factor was (NULL-able output). */
typedef struct {
  double hessian_seconds; /* Z set + factor (Arnoldi / dense Hessian / Gram) incl. eigensolve */
  double embed_seconds;   /* Jacobian rows and embeddings of Z and of the pool */
  double score_seconds;   /* embedding GEMMs and abs-sums */
  int rank, candidates, hvps, krylov_dim;
} pf_influence_stats;

/* One scoring round (PAPER.md section 3) of the candidates in pool at theta: Z =
 * ip->test_points points of the cycle's stream, the factor (pinnfluence), the embeddings of Z,
 * then the pool a block of engine-block-size candidates at a time (embedding GEMM, score GEMM,
 * abs-sum). scores: (pool->n). Memory is allocated once per call (Z embeddings (|Z|, k) with
 * k = rank for pinnfluence and k = P for grad_dot, the scratch of pf_influence_embed_work: one
 * block of Jacobian rows, K per point, the factor) and nothing inside the loops. A candidate's
 * score does not depend on the rest of the pool as long as the pool is split at multiples of the
 * engine block size. Local (no MPI). */
int pf_influence_score(pf_engine *eng, const pf_mlp *net, const pf_pde *pde,
                       const pf_influence_params *ip, pf_influence_method method, uint64_t seed,
                       int cycle, const double *theta, const pf_points *pool, double *scores,
                       pf_influence_stats *stats);
/* The same with the terms of a composite objective in the Hessian (pinnfluence; grad_dot does
 * not use them); terms NULL or empty: pf_influence_score bit for bit. */
int pf_influence_score_terms(pf_engine *eng, const pf_mlp *net, const pf_pde *pde, pf_terms *terms,
                             const pf_influence_params *ip, pf_influence_method method,
                             uint64_t seed, int cycle, const double *theta, const pf_points *pool,
                             double *scores, pf_influence_stats *stats);

/* ------------------------------------------------------------------ benchmark */
/* Times one resampling round (Z = 1000, pool = 10,000, 10 points drawn) for each problem at its
 * paper size: rar, grad_dot, and pinnfluence with each backend (exact only up to 5000
 * parameters; larger networks get a "skipped" line), split into phases hessian / embed / score /
 * draw. One JSON object per line when json is set ("what": "round", "pde", "method", "backend",
 * "seconds", "hessian_seconds", "embed_seconds", "score_seconds", "draw_seconds", ...), else a
 * table. Runs on rank 0 (one BLAS thread); the other ranks wait. Collective on ctx->comm. */
int pf_bench_round(const pf_ctx *ctx, int json, FILE *out);
/* The same for one problem (pde = NULL: all). */
int pf_bench_round_pde(const pf_ctx *ctx, const char *pde, int json, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
