/* Draws from scores: the paper's distribution (RAD weights, sampling without replacement through
 * exponential keys) and top-k. */
#include "pinnfluence/core.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
  double key;
  size_t idx;
} keyed;

/* Descending key, then ascending index: a total order, so the draw is deterministic. */
static int by_key_desc(const void *a, const void *b) {
  const keyed *p = a, *q = b;
  if (p->key > q->key) return -1;
  if (p->key < q->key) return 1;
  return (p->idx > q->idx) - (p->idx < q->idx);
}

static int select_largest(size_t n, keyed *k, size_t m, size_t *chosen) {
  qsort(k, n, sizeof *k, by_key_desc);
  for (size_t i = 0; i < m; i++) chosen[i] = k[i].idx;
  return PF_OK;
}

int pf_sample_distribution(size_t n, const double *scores, double k, double c, size_t m,
                           uint64_t seed, int cycle, size_t *chosen) {
  PF_CHECK(m <= n, PF_ERR_ARG, "cannot draw %zu points from a pool of %zu", m, n);
  if (m == 0) return PF_OK;
  keyed *kk = NULL;
  double *w = NULL;
  PF_CALL(PF_CALLOC(n, &kk));
  PF_CALL(PF_CALLOC(n, &w));
  /* S -= min(S) if any is negative; S /= max(S); w = S^k / mean(S^k) + c (PAPER.md section 3) */
  double smin = INFINITY, smax = -INFINITY;
  for (size_t i = 0; i < n; i++) smin = fmin(smin, scores[i]), smax = fmax(smax, scores[i]);
  const double shift = smin < 0 ? smin : 0.0;
  smax -= shift;
  double mean = 0.0;
  for (size_t i = 0; i < n; i++) {
    w[i] = pow((scores[i] - shift) / smax, k);
    mean += w[i];
  }
  mean /= (double)n;
  double total = 0.0;
  for (size_t i = 0; i < n; i++) {
    w[i] = w[i] / mean + c;
    if (!isfinite(w[i]) || w[i] < 0) w[i] = 0.0; /* numpy: p = nan_to_num(w / sum(w)) */
    total += w[i];
  }
  /* Exponential keys log(u)/w: the m largest are a draw without replacement with sequential
   * renormalisation (Efraimidis & Spirakis 2006). Zero weights get -inf and rank by index. */
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_DRAW, (uint64_t)cycle);
  double *u = NULL;
  PF_CALL(PF_CALLOC(n, &u));
  pf_rng_uniform(&s, 0, n, u);
  for (size_t i = 0; i < n; i++) {
    kk[i].idx = i;
    kk[i].key = (total > 0 && w[i] > 0) ? pf_ieee_log(u[i]) / w[i] : -INFINITY;
  }
  PF_CALL(select_largest(n, kk, m, chosen));
  PF_FREE(&u);
  PF_FREE(&w);
  PF_FREE(&kk);
  return PF_OK;
}

int pf_sample_top_k(size_t n, const double *scores, size_t m, size_t *chosen) {
  PF_CHECK(m <= n, PF_ERR_ARG, "cannot take the top %zu of a pool of %zu", m, n);
  if (m == 0) return PF_OK;
  keyed *kk = NULL;
  PF_CALL(PF_CALLOC(n, &kk));
  for (size_t i = 0; i < n; i++)
    kk[i].idx = i, kk[i].key = isnan(scores[i]) ? -INFINITY : scores[i];
  PF_CALL(select_largest(n, kk, m, chosen));
  PF_FREE(&kk);
  return PF_OK;
}
