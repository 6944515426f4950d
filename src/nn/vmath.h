/* Branch-free elementary functions that GCC vectorises when inlined into a loop (no libm calls,
 * IEEE operations only, so results are identical however the loop is vectorised). */
#ifndef PF_NN_VMATH_H
#define PF_NN_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* tanh z = sign(z) em / (em + 2) with em = e^{2|z|} - 1 computed as expm1: 2|z| = k ln2 + r,
 * |r| <= ln2/2, em = 2^k expm1(r) + (2^k - 1), where 2^k expm1(r) is exact scaling and 2^k - 1 is
 * exact, so em has a relative error of about one rounding (the fdlibm expm1 idea). expm1(r) is its
 * Taylor series to r^13 (truncation below 1e-17 relative). For |z| >= 22, tanh z rounds to +-1.
 * Measured against glibc's tanh: relative error below 4e-16 (tests/nn/test_tanh.c). NaN stays NaN.
 */
static inline __attribute__((always_inline)) double pf_vtanh(double z) {
  const double INV_LN2 = 1.44269504088896338700e+00;
  const double LN2_HI = 6.93147180369123816490e-01; /* k * LN2_HI exact for |k| < 2^20 */
  const double LN2_LO = 1.90821492927058770002e-10;
  const double SHIFT = 0x1.8p52; /* adding it rounds to an integer held in the low bits */
  double a = fabs(z);
  a = a > 22.0 ? 22.0 : a;
  double y = 2.0 * a;
  const double kshift = y * INV_LN2 + SHIFT;
  uint64_t kbits;
  memcpy(&kbits, &kshift, sizeof kbits);
  const double kd = kshift - SHIFT;
  double r = (y - kd * LN2_HI) - kd * LN2_LO;
  double p = 1.0 / 6227020800.0; /* 1/13! */
  p = 1.0 / 479001600.0 + r * p;
  p = 1.0 / 39916800.0 + r * p;
  p = 1.0 / 3628800.0 + r * p;
  p = 1.0 / 362880.0 + r * p;
  p = 1.0 / 40320.0 + r * p;
  p = 1.0 / 5040.0 + r * p;
  p = 1.0 / 720.0 + r * p;
  p = 1.0 / 120.0 + r * p;
  p = 1.0 / 24.0 + r * p;
  p = 1.0 / 6.0 + r * p;
  p = 0.5 + r * p;
  p = r + (r * r) * p; /* expm1(r) */
  /* 2^k from the low bits of kd + SHIFT (0x4338000000000000 + k): the shift drops the rest. */
  uint64_t sbits = (kbits + 1023u) << 52;
  double scale;
  memcpy(&scale, &sbits, sizeof scale);
  double em = scale * p + (scale - 1.0);
  return copysign(em / (em + 2.0), z);
}

#endif
