/* Candidate pools: uniform points of the domain from the stream of the cycle, element by element,
 * so every rank can generate its own slice. */
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

void pf_sample_pool(const pf_pde *p, uint64_t seed, int cycle, size_t first, size_t count,
                    double *x, double *t) {
  pf_sample_uniform(p, seed, PF_RNG_POOL, cycle, first, count, x, t);
}

void pf_sample_uniform(const pf_pde *p, uint64_t seed, int purpose, int cycle, size_t first,
                       size_t count, double *x, double *t) {
  pf_rng_stream s = pf_rng_stream_make(seed, 0, (uint64_t)purpose, (uint64_t)cycle);
  for (size_t i = 0; i < count; i++) {
    double u[2];
    pf_rng_uniform(&s, 2 * (first + i), 2, u);
    x[i] = p->xlo + (p->xhi - p->xlo) * u[0];
    t[i] = p->tlo + (p->thi - p->tlo) * u[1];
  }
}
