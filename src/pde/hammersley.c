/* Initial training points: DeepXDE's Hammersley construction (skopt's Hammersly sampler with one
 * skipped point, the first two points of n + 2 dropped), as PAPER.md section 2 spells it out, for
 * any number of inputs: radical inverses in the bases 2, 3, 5 and an even last coordinate. */
#include "pde_impl.h"

/* Radical inverse of i in base b: the base-b digits of i mirrored about the point. The mirrored
 * digits and b^digits are integers below 2^53 for every i < 2^53 / b, so the one division is the
 * correctly rounded value (in base 2 the exact one, bit for bit the old bit-mirroring loop). */
static double radical_inverse(uint64_t b, uint64_t i) {
  uint64_t rev = 0, den = 1;
  for (; i; i /= b) rev = rev * b + i % b, den *= b;
  return (double)rev / (double)den;
}

void pf_pde_hammersley_box(int d, const double *lo, const double *hi, size_t n, double *X) {
  static const uint64_t base[PF_MAX_DIM - 1] = {2, 3, 5};
  for (size_t j = 1; j <= n; j++) {
    double *Xj = X + (j - 1) * (size_t)d;
    for (int a = 0; a < d - 1; a++)
      Xj[a] = lo[a] + (hi[a] - lo[a]) * radical_inverse(base[a], j + 3);
    const double ut = (double)(j + 1) / (double)(n + 2);
    Xj[d - 1] = lo[d - 1] + (hi[d - 1] - lo[d - 1]) * ut;
  }
}

void pf_pde_hammersley(const pf_pde *p, size_t n, double *X) {
  pf_pde_hammersley_box(p->ops.d, p->lo, p->hi, n, X);
}
