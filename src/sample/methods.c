/* The score methods registry and the methods that need no more than residuals: static (never
 * resamples), random (uniform scores from the cycle's stream), rar (|r|), out_grad (the Euclidean
 * norm of the input gradient (u_x, u_t) of the constrained output). loss_grad is in loss_grad.c. */
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

static int score_rar(pf_score_ctx *sc, const double *theta, const pf_points *pool, double *scores) {
  PF_CALL(pf_engine_residuals(sc->eng, theta, pool, scores, NULL));
  for (size_t i = 0; i < pool->n; i++) scores[i] = fabs(scores[i]);
  return PF_OK;
}

static size_t work_out_grad(size_t n, size_t P, int block) {
  return PF_NCH * n;
}

static int score_out_grad(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                          double *scores) {
  const size_t n = pool->n;
  PF_CHECK(sc->work_len >= PF_NCH * n, PF_ERR_INTERNAL, "out_grad: scratch too small");
  double *u = sc->work; /* (PF_NCH, n) */
  PF_CALL(pf_engine_residuals(sc->eng, theta, pool, scores, u));
  for (size_t i = 0; i < n; i++) {
    const double ux = u[PF_CH_X * n + i], ut = u[PF_CH_T * n + i];
    scores[i] = sqrt(ux * ux + ut * ut);
  }
  return PF_OK;
}

static const pf_score_method registry[] = {
    {"static", 0, NULL, NULL, "no resampling: the initial points stay"},
    {"random", 1, score_random, NULL, "i.i.d. uniform scores (spatially uniform draws)"},
    {"rar", 1, score_rar, NULL, "|r(c)|, the absolute residual"},
    {"out_grad", 1, score_out_grad, work_out_grad, "||grad_(x,t) u(c)||_2"},
    {"loss_grad", 1, pf_loss_grad_score, pf_loss_grad_work, "||grad_theta r(c)^2||_2"},
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
