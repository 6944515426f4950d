/* The score methods registry and the methods that need no more than residuals and jets: static
 * (never resamples), random (uniform scores from the cycle's stream), rar (|r| for one residual
 * component, sqrt(l) = sqrt(sum_j w_j r_j^2) for a system), out_grad (the Frobenius norm of the
 * input gradient grad_X u over every output and input direction). loss_grad is in loss_grad.c. */
#include "pinnfluence/core.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"
#include "sample_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int score_random(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                        double *scores) {
  pf_rng_stream s = pf_rng_stream_make(sc->seed, 0, PF_RNG_SCORE_RANDOM, (uint64_t)sc->cycle);
  pf_rng_uniform(&s, 0, pool->n, scores);
  return PF_OK;
}

/* rar: one component needs no scratch (the residuals land in scores); a system its (n, k). */
static size_t work_rar(const pf_pinn_ops *ops, size_t n, size_t P, int block) {
  return ops->k > 1 ? (size_t)ops->k * n : 0;
}

static int score_rar(pf_score_ctx *sc, const double *theta, const pf_points *pool, double *scores) {
  const pf_pinn_ops *ops = pf_engine_ops(sc->eng);
  const size_t n = pool->n, k = (size_t)ops->k;
  if (k == 1) {
    PF_CALL(pf_engine_residuals(sc->eng, theta, pool, scores, NULL));
    for (size_t i = 0; i < n; i++) scores[i] = fabs(scores[i]);
    return PF_OK;
  }
  PF_CHECK(sc->work_len >= k * n, PF_ERR_INTERNAL, "rar: scratch too small");
  double *r = sc->work; /* (n, k) */
  PF_CALL(pf_engine_residuals(sc->eng, theta, pool, r, NULL));
  for (size_t i = 0; i < n; i++) {
    const double *ri = r + i * k;
    double l = ops->weight[0] * (ri[0] * ri[0]);
    for (size_t j = 1; j < k; j++) l += ops->weight[j] * (ri[j] * ri[j]);
    scores[i] = sqrt(l);
  }
  return PF_OK;
}

/* out_grad: the jets (m, nj, n) and, for a system, the residuals (n, k) (one component lands in
 * scores, which the norms then overwrite). */
static size_t work_out_grad(const pf_pinn_ops *ops, size_t n, size_t P, int block) {
  const size_t nj = (size_t)pf_jet_count(ops->d);
  return (size_t)ops->m * nj * n + (ops->k > 1 ? (size_t)ops->k * n : 0);
}

static int score_out_grad(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                          double *scores) {
  const pf_pinn_ops *ops = pf_engine_ops(sc->eng);
  const size_t n = pool->n, m = (size_t)ops->m, d = (size_t)ops->d;
  const size_t nj = (size_t)pf_jet_count(ops->d), nu = m * nj * n;
  PF_CHECK(sc->work_len >= work_out_grad(ops, n, 0, 0), PF_ERR_INTERNAL,
           "out_grad: scratch too small");
  double *u = sc->work; /* (m, nj, n) */
  PF_CALL(pf_engine_residuals(sc->eng, theta, pool, ops->k > 1 ? u + nu : scores, u));
  /* sum over outputs o and directions a of (du_o/dX_a)^2, starting from the first term (for one
   * output in (x, t): sqrt(ux * ux + ut * ut)) */
  for (size_t i = 0; i < n; i++) {
    const double g0 = u[1 * n + i];
    double s = g0 * g0;
    for (size_t o = 0; o < m; o++)
      for (size_t a = o ? 0 : 1; a < d; a++) {
        const double g = u[(o * nj + 1 + a) * n + i];
        s += g * g;
      }
    scores[i] = sqrt(s);
  }
  return PF_OK;
}

static const pf_score_method registry[] = {
    {"static", 0, NULL, NULL, "no resampling: the initial points stay"},
    {"random", 1, score_random, NULL, "i.i.d. uniform scores (spatially uniform draws)"},
    {"rar", 1, score_rar, work_rar,
     "|r(c)|, the absolute residual; for k components sqrt(sum_j w_j r_j(c)^2)"},
    {"out_grad", 1, score_out_grad, work_out_grad, "||grad_X u(c)||_F over outputs"},
    {"loss_grad", 1, pf_loss_grad_score, pf_loss_grad_work,
     "||grad_theta l(c)||_2, l = sum_j w_j r_j^2"},
    {"grad_dot", 1, pf_grad_dot_score, NULL, "sum_z |g(z) . g(c)| over the cycle's Z set"},
    {"pinnfluence", 1, pf_pinnfluence_score, NULL,
     "sum_z |g(z)^T H^-1 g(c)| over the cycle's Z set (influence.backend)"},
};
#define NREG (sizeof registry / sizeof registry[0])

const pf_score_method *pf_score_method_find(const char *name) {
  for (size_t i = 0; i < NREG; i++)
    if (!strcmp(registry[i].name, name)) return &registry[i];
  return NULL;
}

void pf_score_method_names(char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < NREG && used < len; i++) {
    int k = snprintf(buf + used, len - used, i ? ", %s" : "%s", registry[i].name);
    if (k < 0) break;
    used += (size_t)k;
  }
}
