/* pinnfluence sample: candidate pools, the score methods registry, and draws from scores
 * (PAPER.md section 3).
 *
 * Scores of a problem with k residual components r_j, loss weights w_j and m outputs (DESIGN.md
 * section 8) use the per-point loss l = sum_j w_j r_j^2 and its parameter gradient
 * g = grad_theta l = 2 sum_j s_j grad_theta s_j (s_j = sqrt(w_j) r_j, the rows of
 * pf_engine_jacobian_rows):
 *   rar          |r| for one component (k = 1), else sqrt(l);
 *   out_grad     the Frobenius norm of grad_X u over every output and input direction
 *                (one output in (x, t): sqrt(u_x^2 + u_t^2));
 *   loss_grad    ||g||_2 (k = 1: 2 |r| ||grad_theta r||);
 *   grad_dot, pinnfluence   from g (influence.h).
 *
 * A score method maps a pool of candidate points to one score per candidate; the draw turns scores
 * into the points that join (add mode) or become (replace mode) the training set. Every random
 * number comes from the task's streams keyed by (seed, purpose, cycle), so the result does not
 * depend on ranks or on other tasks. */
#ifndef PINNFLUENCE_SAMPLE_H
#define PINNFLUENCE_SAMPLE_H

#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/terms.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Influence parameters (config group `influence`), defined in influence.h. */
typedef struct pf_influence_params pf_influence_params;

/* What a score method may use. */
typedef struct {
  pf_engine *eng; /* the task's engine (network and problem) */
  const pf_mlp *net;
  const pf_pde *pde;
  uint64_t seed; /* the task's seed */
  int cycle;     /* 1-based cycle of this resampling round */
  double *work;  /* scratch of work_len doubles, owned by the caller */
  size_t work_len;
  const pf_influence_params *influence; /* grad_dot, pinnfluence; NULL: the defaults */
  pf_terms *terms; /* fixed target sets of the composite loss, NULL: none (pinnfluence's Hessian,
                      influence.h; the other methods do not use them) */
} pf_score_ctx;

/* scores (pool->n) of the candidates in pool at parameters theta. */
typedef int (*pf_score_fn)(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                           double *scores);

typedef struct {
  const char *name;  /* config string (sample.method) */
  int resamples;     /* 0: the training set never changes (static) */
  pf_score_fn score; /* NULL when resamples is 0 */
  /* scratch (doubles) the method needs for a pool of n points of the problem ops (its k
   * residual components, m outputs, d inputs), a network of P parameters and an engine of block
   * size `block`; NULL: none */
  size_t (*work_size)(const pf_pinn_ops *ops, size_t n, size_t P, int block);
  const char *description;
} pf_score_method;

/* The method registered under name, or NULL (methods of later issues are not registered yet). */
const pf_score_method *pf_score_method_find(const char *name);
/* Comma-separated names of the registered methods. */
void pf_score_method_names(char *buf, size_t len);

/* The candidate pool of a cycle: n uniform points of the box from the stream
 * (seed, 0, PF_RNG_POOL, cycle); coordinate j of element i is lo_j + (hi_j - lo_j) stream[d i + j]
 * (for d = 2: x = stream[2i], t = stream[2i+1]), so any slice can be generated on its own.
 * X: (count, d) for elements first .. first+count-1. */
void pf_sample_pool(const pf_pde *p, uint64_t seed, int cycle, size_t first, size_t count,
                    double *X);

/* The same for any stream purpose (pf_rng_purpose), e.g. the influence set Z (PF_RNG_ZSET). */
void pf_sample_uniform(const pf_pde *p, uint64_t seed, int purpose, int cycle, size_t first,
                       size_t count, double *X);

/* The paper's distribution draw (Wu et al.'s RAD, PAPER.md section 3): if any score is negative,
 * shift by the minimum; divide by the maximum; w = S^k / mean(S^k) + c; p = w / sum(w) (NaN -> 0);
 * draw m of the n candidates without replacement, sequentially renormalising. Implemented with
 * exponential keys (Efraimidis & Spirakis 2006: the m largest of log(u_i) / w_i, u_i from the
 * stream (seed, 0, PF_RNG_DRAW, cycle)), which has exactly that distribution. If fewer than m
 * candidates have positive weight, the rest are the lowest-index candidates of zero weight.
 * chosen: (m) pool indices in draw order (largest key first); m <= n. */
int pf_sample_distribution(size_t n, const double *scores, double k, double c, size_t m,
                           uint64_t seed, int cycle, size_t *chosen);
/* The m highest scores (ties: lower index first; NaN counts as lowest); chosen in decreasing
 * score order; m <= n. */
int pf_sample_top_k(size_t n, const double *scores, size_t m, size_t *chosen);

#ifdef __cplusplus
}
#endif
#endif
