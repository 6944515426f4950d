/* Candidate pools: uniform points of the box from the stream of the cycle, element by element
 * (coordinate j of point i is stream element d i + j), so every rank can generate its own slice. */
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

void pf_sample_pool(const pf_pde *p, uint64_t seed, int cycle, size_t first, size_t count,
                    double *X) {
  pf_sample_uniform(p, seed, PF_RNG_POOL, cycle, first, count, X);
}

void pf_sample_uniform(const pf_pde *p, uint64_t seed, int purpose, int cycle, size_t first,
                       size_t count, double *X) {
  const size_t d = (size_t)p->ops.d;
  pf_rng_stream s = pf_rng_stream_make(seed, 0, (uint64_t)purpose, (uint64_t)cycle);
  /* the stream elements d first .. d (first + count) - 1 in place, then each scaled to its
   * coordinate's interval: lo_j + (hi_j - lo_j) u */
  pf_rng_uniform(&s, d * first, d * count, X);
  for (size_t i = 0; i < count; i++)
    for (size_t j = 0; j < d; j++) {
      double *x = X + i * d + j;
      *x = p->lo[j] + (p->hi[j] - p->lo[j]) * *x;
    }
}
