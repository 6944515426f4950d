/* Counter-based streams: Philox4x64-10 against Random123's published known-answer vectors, the
 * uniform and normal mappings against independent formulas (libm's erfc and log), random access
 * (a slice equals the same elements of a longer run), and pinned values of one stream so any
 * platform or compiler difference shows up. */
#include "pf_test.h"
#include "pinnfluence/rng.h"

#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Printed once with PF_PRINT_PINNED=1 on x86_64 Debian 12 (gcc 12), kept as the reference. */
#define PIN_U0 0x1.193c4b05de90ep-3
#define PIN_U1 0x1.cd44139c935c6p-3
#define PIN_U2 0x1.0559e25bb1d4fp-2
#define PIN_N0 0x1.f6cd7c3964955p-1
#define PIN_N1 -0x1.eeb4efb0ccdfcp-3
#define PIN_N2 -0x1.6cc7bd1d78d21p-3

static void kat(uint64_t c0, uint64_t c1, uint64_t c2, uint64_t c3, uint64_t k0, uint64_t k1,
                const uint64_t want[4]) {
  /* pf_rng_block uses counter (ctr_hi[0], ctr_hi[1], block, 0): c3 must be 0 here, or we build
   * the stream so that (purpose, index, block) = (c0, c1, c2). */
  pf_rng_stream s = pf_rng_stream_make(k0, k1, c0, c1);
  uint64_t out[4];
  if (c3 != 0) return;
  pf_rng_block(&s, c2, out);
  for (int i = 0; i < 4; i++)
    PF_TEST_EXPECT(out[i] == want[i], "philox4x64-10 word %d: got %016" PRIx64 " want %016" PRIx64,
                   i, out[i], want[i]);
}

int main(void) {
  /* Random123 kat_vectors: philox4x64 10, counter 0, key 0. */
  const uint64_t z[4] = {0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL,
                         0x7e68b68aec7ba23bULL};
  kat(0, 0, 0, 0, 0, 0, z);

  /* uniform mapping: 53 high bits, centred */
  pf_rng_stream s = pf_rng_stream_make(0, 0, 0, 0);
  double u[8];
  pf_rng_uniform(&s, 0, 4, u);
  for (int i = 0; i < 4; i++)
    PF_TEST_EXPECT(u[i] == ((double)(z[i] >> 11) + 0.5) * 0x1.0p-53, "uniform %d mapping", i);

  /* random access: elements 5..12 equal those of a longer run */
  pf_rng_stream a = pf_rng_stream_make(42, 7, 3, 9);
  double longrun[16], slice[8];
  pf_rng_uniform(&a, 0, 16, longrun);
  pf_rng_uniform(&a, 5, 8, slice);
  PF_TEST_EXPECT(!memcmp(longrun + 5, slice, sizeof slice), "slice of a stream differs");
  /* different purpose, index, seed or task: different values */
  pf_rng_stream b1 = pf_rng_stream_make(42, 7, 4, 9), b2 = pf_rng_stream_make(42, 7, 3, 10);
  pf_rng_stream b3 = pf_rng_stream_make(43, 7, 3, 9), b4 = pf_rng_stream_make(42, 8, 3, 9);
  double v1, v2, v3, v4;
  pf_rng_uniform(&b1, 0, 1, &v1), pf_rng_uniform(&b2, 0, 1, &v2);
  pf_rng_uniform(&b3, 0, 1, &v3), pf_rng_uniform(&b4, 0, 1, &v4);
  PF_TEST_EXPECT(v1 != longrun[0] && v2 != longrun[0] && v3 != longrun[0] && v4 != longrun[0],
                 "streams with different keys coincide");

  /* own log against libm: within 2 ulp over many decades */
  double worst = 0;
  for (int k = -1074; k <= 1023; k += 7) {
    for (int j = 0; j < 16; j++) {
      double x = ldexp(1.0 + j / 16.0 + 1e-3 * j, k);
      double ref = log(x), got = pf_ieee_log(x);
      double ulp = nextafter(fabs(ref), INFINITY) - fabs(ref);
      if (ref != 0) worst = fmax(worst, fabs(got - ref) / ulp);
    }
  }
  PF_TEST_EXPECT(worst <= 2.0, "pf_ieee_log differs from log by %.2f ulp", worst);

  /* inverse normal CDF: Phi(q(p)) = p with Phi from libm's erfc, body and tails */
  double ps[] = {1e-300,     1e-100, 1e-20, 1e-9, 1e-5, 0.001, 0.02,  0.0751,  0.2,
                 0.5 - 1e-9, 0.4,    0.5,   0.6,  0.9,  0.97,  0.999, 1 - 1e-9};
  for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
    double x = pf_normal_quantile(ps[i]);
    double back = x < 0 ? 0.5 * erfc(-x / sqrt(2.0)) : 1.0 - 0.5 * erfc(x / sqrt(2.0));
    double tail = ps[i] < 0.5 ? ps[i] : 1 - ps[i];
    double tail_back = x < 0 ? 0.5 * erfc(-x / sqrt(2.0)) : 0.5 * erfc(x / sqrt(2.0));
    /* compare in the tail probability (relative), where the information is */
    /* a relative error e in x is an error of about x^2 e in the tail probability */
    PF_TEST_CLOSE(tail_back, tail, 1e-15 * fmax(4.0, x * x), 0, "Phi(q(p)) tail");
    (void)back;
  }
  /* exact symmetry where 1 - p is exact */
  for (int j = 1; j < 1024; j++) {
    double p = j / 1024.0;
    PF_TEST_EXPECT(pf_normal_quantile(1 - p) == -pf_normal_quantile(p), "q(1-p) != -q(p) at %g", p);
  }
  PF_TEST_EXPECT(pf_normal_quantile(0.5) == 0.0, "q(0.5) = 0");

  /* moments of 10^6 normals and uniforms */
  const size_t n = 1000000;
  double *buf = malloc(n * sizeof(double));
  pf_rng_stream m = pf_rng_stream_make(1, 2, PF_RNG_TEST, 0);
  pf_rng_normal(&m, 0, n, buf);
  double s1 = 0, s2 = 0, s4 = 0;
  for (size_t i = 0; i < n; i++) s1 += buf[i], s2 += buf[i] * buf[i], s4 += pow(buf[i], 4);
  s1 /= n, s2 /= n, s4 /= n;
  PF_TEST_EXPECT(fabs(s1) < 5.0 / sqrt((double)n), "normal mean %.3g", s1);
  PF_TEST_EXPECT(fabs(s2 - 1) < 5.0 * sqrt(2.0 / n), "normal variance %.6f", s2);
  PF_TEST_EXPECT(fabs(s4 - 3) < 5.0 * sqrt(96.0 / n), "normal fourth moment %.4f", s4);
  pf_rng_uniform(&m, n, n, buf);
  double um = 0, umin = 1, umax = 0;
  for (size_t i = 0; i < n; i++) um += buf[i], umin = fmin(umin, buf[i]), umax = fmax(umax, buf[i]);
  um /= n;
  PF_TEST_EXPECT(fabs(um - 0.5) < 5.0 * sqrt(1.0 / 12 / n), "uniform mean %.6f", um);
  PF_TEST_EXPECT(umin > 0 && umax < 1, "uniform outside (0,1)");
  free(buf);

  /* pinned values (seed 1, task 2, purpose INIT, index 3): the bits every platform must give */
  pf_rng_stream g = pf_rng_stream_make(1, 2, PF_RNG_INIT, 3);
  double gu[3], gn[3];
  pf_rng_uniform(&g, 0, 3, gu);
  pf_rng_normal(&g, 3, 3, gn);
  if (getenv("PF_PRINT_PINNED"))
    printf("%a %a %a\n%a %a %a\n", gu[0], gu[1], gu[2], gn[0], gn[1], gn[2]);
  const double pin_u[3] = {PIN_U0, PIN_U1, PIN_U2}, pin_n[3] = {PIN_N0, PIN_N1, PIN_N2};
  for (int i = 0; i < 3; i++) {
    PF_TEST_EXPECT(gu[i] == pin_u[i], "pinned uniform %d: %a", i, gu[i]);
    PF_TEST_EXPECT(gn[i] == pin_n[i], "pinned normal %d: %a", i, gn[i]);
  }
  return pf_test_report("test_rng");
}
