/* Counter-based random streams (core module).
 *
 * Every random number of pinnfluence comes from a stream keyed by (seed, task, purpose, index) and
 * a position inside the stream; element i of a stream is a pure function of those five integers
 * (Philox4x64-10 from Random123), so any rank can generate any slice without communication and
 * the values never depend on how work is split. Uniforms and normals are built from the Philox
 * bits with IEEE-exact arithmetic only (+ - * / sqrt, no libm), so they are identical on every
 * platform that follows IEEE 754 double precision. */
#ifndef PINNFLUENCE_RNG_H
#define PINNFLUENCE_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a stream is used for; a new purpose gets a new value, existing values never change. */
typedef enum {
  PF_RNG_INIT = 1,         /* network initialisation */
  PF_RNG_HOLDOUT = 2,      /* random holdout test points */
  PF_RNG_POOL = 3,         /* candidate pool of a cycle (index = cycle) */
  PF_RNG_ZSET = 4,         /* influence test/Hessian set Z of a cycle (index = cycle) */
  PF_RNG_DRAW = 5,         /* the draw from the scores (index = cycle) */
  PF_RNG_SCORE_RANDOM = 6, /* scores of the `random` method (index = cycle) */
  PF_RNG_ARNOLDI = 7,      /* Arnoldi start vector (index = cycle) */
  PF_RNG_VALIDATE = 8,     /* validate: bootstrap resamples of the groups */
  PF_RNG_DATA = 9,         /* observations drawn from the reference (key: data.seed) */
  PF_RNG_TEST = 1000       /* tests and benchmarks */
} pf_rng_purpose;

typedef struct {
  uint64_t key[2];    /* (seed, task) */
  uint64_t ctr_hi[2]; /* (purpose, index) */
} pf_rng_stream;

/* The stream for (seed, task, purpose, index). */
pf_rng_stream pf_rng_stream_make(uint64_t seed, uint64_t task, uint64_t purpose, uint64_t index);

/* The raw Philox4x64-10 block for counter (ctr_hi[0], ctr_hi[1], block, 0): 4 words. */
void pf_rng_block(const pf_rng_stream *s, uint64_t block, uint64_t out[4]);

/* Elements first..first+n-1 of the stream as uniforms in the open interval (0, 1):
 * u = (floor(w / 2^11) + 0.5) / 2^53, w the 64-bit word at that position. */
void pf_rng_uniform(const pf_rng_stream *s, uint64_t first, size_t n, double *out);

/* Elements first..first+n-1 as uniforms on [lo, hi): lo + (hi - lo) * u. */
void pf_rng_uniform_range(const pf_rng_stream *s, uint64_t first, size_t n, double lo, double hi,
                          double *out);

/* Elements first..first+n-1 as standard normal variates: the inverse normal CDF of the uniform at
 * the same position (Wichura's AS241, relative accuracy about 1e-16), one uniform per normal. */
void pf_rng_normal(const pf_rng_stream *s, uint64_t first, size_t n, double *out);

/* Inverse of the standard normal CDF, p in (0, 1) (AS241 PPND16 with pf_ieee_log). */
double pf_normal_quantile(double p);

/* Natural logarithm from IEEE-exact operations only (about 1 ulp), x > 0 finite. */
double pf_ieee_log(double x);

#ifdef __cplusplus
}
#endif
#endif
