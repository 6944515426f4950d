/* Counter-based random streams: Philox4x64-10 (Random123) keyed by (seed, task) with counter
 * (purpose, index, block, 0). Uniforms and normals use IEEE-exact operations only, so a stream is
 * the same on every IEEE-754 platform: the inverse normal CDF is Wichura's AS241 (PPND16) with an
 * own logarithm (libm's log may differ in the last bit between C libraries). */
#include "pinnfluence/rng.h"

#include <Random123/philox.h>
#include <math.h>
#include <string.h>

pf_rng_stream pf_rng_stream_make(uint64_t seed, uint64_t task, uint64_t purpose, uint64_t index) {
  pf_rng_stream s = {{seed, task}, {purpose, index}};
  return s;
}

void pf_rng_block(const pf_rng_stream *s, uint64_t block, uint64_t out[4]) {
  philox4x64_ctr_t c = {{s->ctr_hi[0], s->ctr_hi[1], block, 0}};
  philox4x64_key_t k = {{s->key[0], s->key[1]}};
  philox4x64_ctr_t r = philox4x64(c, k);
  for (int i = 0; i < 4; i++) out[i] = r.v[i];
}

static double word_to_open_unit(uint64_t w) {
  /* 53 random bits, centred in their interval: never 0 or 1. */
  return ((double)(w >> 11) + 0.5) * 0x1.0p-53;
}

void pf_rng_uniform(const pf_rng_stream *s, uint64_t first, size_t n, double *out) {
  uint64_t w[4];
  uint64_t cached = UINT64_MAX;
  for (size_t i = 0; i < n; i++) {
    uint64_t pos = first + i, blk = pos / 4;
    if (blk != cached) {
      pf_rng_block(s, blk, w);
      cached = blk;
    }
    out[i] = word_to_open_unit(w[pos % 4]);
  }
}

void pf_rng_uniform_range(const pf_rng_stream *s, uint64_t first, size_t n, double lo, double hi,
                          double *out) {
  pf_rng_uniform(s, first, n, out);
  for (size_t i = 0; i < n; i++) out[i] = lo + (hi - lo) * out[i];
}

double pf_ieee_log(double x) {
  /* x = 2^e m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172,
   * summed to s^25 (truncation below 1e-19 relative). ln 2 split so e*LN2_HI is exact. */
  static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
  if (!(x > 0)) return x == 0 ? -INFINITY : NAN;
  if (isinf(x)) return x;
  int e = 0;
  if (x < 0x1.0p-1022) { /* subnormal: scale into the normal range */
    x *= 0x1.0p54;
    e = -54;
  }
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  e += (int)((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  double f = m - 1.0; /* exact (Sterbenz) */
  double s = f / (m + 1.0), s2 = s * s;
  double p = 1.0 / 25;
  for (int k = 23; k >= 3; k -= 2) p = 1.0 / k + s2 * p;
  double logm = 2.0 * s + 2.0 * s * s2 * p;
  return (double)e * LN2_HI + ((double)e * LN2_LO + logm);
}

static double poly8(const double *c, double r) {
  double v = c[7];
  for (int i = 6; i >= 0; i--) v = v * r + c[i];
  return v;
}

double pf_normal_quantile(double p) {
  /* Wichura, Algorithm AS241, Appl. Statist. 37 (1988) 477-484, PPND16. */
  static const double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                              1.9715909503065514427e+3, 1.3731693765509461125e+4,
                              4.5921953931549871457e+4, 6.7265770927008700853e+4,
                              3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static const double b[8] = {1.0,
                              4.2313330701600911252e+1,
                              6.8718700749205790830e+2,
                              5.3941960214247511077e+3,
                              2.1213794301586595867e+4,
                              3.9307895800092710610e+4,
                              2.8729085735721942674e+4,
                              5.2264952788528545610e+3};
  static const double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                              5.76949722146069140550e0,  3.64784832476320460504e0,
                              1.27045825245236838258e0,  2.41780725177450611770e-1,
                              2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static const double d[8] = {1.0,
                              2.05319162663775882187e0,
                              1.67638483018380384940e0,
                              6.89767334985100004550e-1,
                              1.48103976427480074590e-1,
                              1.51986665636164571966e-2,
                              5.47593808499534494600e-4,
                              1.05075007164441684324e-9};
  static const double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                              1.78482653991729133580e0,  2.96560571828504891230e-1,
                              2.65321895265761230930e-2, 1.24266094738807843860e-3,
                              2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static const double f[8] = {1.0,
                              5.99832206555887937690e-1,
                              1.36929880922735805310e-1,
                              1.48753612908506148525e-2,
                              7.86869131145613259100e-4,
                              1.84631831751005468180e-5,
                              1.42151175831644588870e-7,
                              2.04426310338993978564e-15};
  if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : (p == 1 ? INFINITY : NAN);
  double q = p - 0.5;
  if (fabs(q) <= 0.425) {
    double r = 0.180625 - q * q;
    return q * poly8(a, r) / poly8(b, r);
  }
  double r = q < 0 ? p : 1.0 - p;
  r = sqrt(-pf_ieee_log(r));
  double v;
  if (r <= 5.0) {
    r -= 1.6;
    v = poly8(c, r) / poly8(d, r);
  } else {
    r -= 5.0;
    v = poly8(e, r) / poly8(f, r);
  }
  return q < 0 ? -v : v;
}

void pf_rng_normal(const pf_rng_stream *s, uint64_t first, size_t n, double *out) {
  pf_rng_uniform(s, first, n, out);
  for (size_t i = 0; i < n; i++) out[i] = pf_normal_quantile(out[i]);
}
