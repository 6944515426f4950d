/* Initial training points: DeepXDE's Hammersley construction (skopt's Hammersly sampler with one
 * skipped point, the first two points of n + 2 dropped), as PAPER.md section 2 spells it out. */
#include "pinnfluence/pde.h"

/* Base-2 radical inverse: the bits of i mirrored about the binary point (exact in double). */
static double vdc2(uint64_t i) {
  double r = 0.0, f = 0.5;
  for (; i; i >>= 1, f *= 0.5)
    if (i & 1) r += f;
  return r;
}

void pf_pde_hammersley(const pf_pde *p, size_t n, double *x, double *t) {
  for (size_t j = 1; j <= n; j++) {
    const double ux = vdc2(j + 3), ut = (double)(j + 1) / (double)(n + 2);
    x[j - 1] = p->xlo + (p->xhi - p->xlo) * ux;
    t[j - 1] = p->tlo + (p->thi - p->tlo) * ut;
  }
}
