/* Draws from scores: the distribution draw's frequencies match the paper's probabilities for the
 * first and the second draw (chi-square with fixed streams), no candidate is drawn twice, shifts
 * and offsets follow PAPER.md section 3, top-k returns the k largest; the pool is uniform in the
 * domain and slices equal the whole; Hammersley points match DeepXDE's construction. */
#include "pf_test.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <stdlib.h>
#include <string.h>

/* probabilities of the paper: shift, normalise, w = S^k / mean(S^k) + c, p = w / sum w */
static void paper_p(size_t n, const double *S, double k, double c, double *p) {
  double mn = S[0], mx;
  for (size_t i = 0; i < n; i++) mn = fmin(mn, S[i]);
  double sh = mn < 0 ? mn : 0;
  mx = S[0] - sh;
  for (size_t i = 0; i < n; i++) mx = fmax(mx, S[i] - sh);
  double mean = 0, tot = 0;
  for (size_t i = 0; i < n; i++) mean += pow((S[i] - sh) / mx, k);
  mean /= (double)n;
  for (size_t i = 0; i < n; i++) p[i] = pow((S[i] - sh) / mx, k) / mean + c, tot += p[i];
  for (size_t i = 0; i < n; i++) p[i] /= tot;
}

static void chi_square_two_draws(const double *S, double k, double c, const char *label) {
  enum { N = 6, TRIALS = 30000 };
  double p[N], cnt1[N] = {0}, cnt2[N][N] = {{0}};
  paper_p(N, S, k, c, p);
  size_t ch[3];
  for (int trial = 0; trial < TRIALS; trial++) {
    PF_TEST_OK(pf_sample_distribution(N, S, k, c, 3, 77, trial + 1, ch));
    PF_TEST_EXPECT(ch[0] != ch[1] && ch[0] != ch[2] && ch[1] != ch[2], "%s: a point drawn twice",
                   label);
    cnt1[ch[0]] += 1;
    cnt2[ch[0]][ch[1]] += 1;
  }
  /* first draw ~ p; ordered pair (i, j) ~ p_i p_j / (1 - p_i) (sequential renormalisation) */
  double chi1 = 0, chi2 = 0;
  int df2 = -1;
  for (int i = 0; i < N; i++) {
    double e = TRIALS * p[i];
    chi1 += (cnt1[i] - e) * (cnt1[i] - e) / e;
    for (int j = 0; j < N; j++) {
      if (i == j || p[i] * p[j] == 0) continue;
      double e2 = TRIALS * p[i] * p[j] / (1 - p[i]);
      chi2 += (cnt2[i][j] - e2) * (cnt2[i][j] - e2) / e2;
      df2++;
    }
  }
  /* 0.999 quantiles: chi2(5) = 20.5; chi2(29) = 58.3 */
  PF_TEST_EXPECT(chi1 < 20.5, "%s: first-draw chi-square %.2f (df 5)", label, chi1);
  PF_TEST_EXPECT(chi2 < 58.3, "%s: pair chi-square %.2f (df %d)", label, chi2, df2);
}

int main(void) {
  const double S1[6] = {0.1, 0.5, 1.0, 2.0, 0.3, 0.05};
  chi_square_two_draws(S1, 2.0, 0.0, "add mode k=2 c=0");
  const double S2[6] = {-1.0, 0.5, 3.0, 2.0, 0.0, 1.0}; /* negative: shifted by the minimum */
  chi_square_two_draws(S2, 1.0, 1.0, "replace mode k=1 c=1");

  /* the zero-weight candidate (score = min after the shift, c = 0) is never drawn while others
   * remain, and drawing all candidates returns a permutation */
  size_t ch[6];
  for (int trial = 0; trial < 200; trial++) {
    PF_TEST_OK(pf_sample_distribution(6, S2, 2.0, 0.0, 5, 5, trial + 1, ch));
    for (int i = 0; i < 5; i++) PF_TEST_EXPECT(ch[i] != 0, "zero-weight point drawn");
  }
  PF_TEST_OK(pf_sample_distribution(6, S1, 2.0, 0.0, 6, 5, 1, ch));
  int seen[6] = {0};
  for (int i = 0; i < 6; i++) seen[ch[i]]++;
  for (int i = 0; i < 6; i++) PF_TEST_EXPECT(seen[i] == 1, "not a permutation");

  /* top-k: the k largest, ties by index */
  const double S3[8] = {3, 9, 1, 9, 7, NAN, 2, 8};
  size_t tk[4];
  PF_TEST_OK(pf_sample_top_k(8, S3, 4, tk));
  const size_t want[4] = {1, 3, 7, 4};
  for (int i = 0; i < 4; i++)
    PF_TEST_EXPECT(tk[i] == want[i], "top_k[%d] = %zu, want %zu", i, tk[i], want[i]);

  /* pool: inside the domain, slices equal the whole, cycles differ */
  const pf_pde *p = pf_pde_find("drift_diffusion");
  enum { NP = 1000 };
  /* X (NP, 2): x = X[2i], t = X[2i+1]; element i is stream positions 2i, 2i+1 */
  static double X[2 * NP], X2[2 * NP];
  double Xs[20];
  pf_sample_pool(p, 3, 4, 0, NP, X);
  pf_sample_pool(p, 3, 4, 500, 10, Xs);
  pf_sample_pool(p, 3, 5, 0, NP, X2);
  PF_TEST_EXPECT(!memcmp(Xs, X + 2 * 500, sizeof Xs), "pool slice");
  PF_TEST_EXPECT(memcmp(X, X2, sizeof X) != 0, "pools of two cycles coincide");
  {
    pf_rng_stream s = pf_rng_stream_make(3, 0, PF_RNG_POOL, 4);
    double u[2];
    pf_rng_uniform(&s, 2 * 7, 2, u);
    PF_TEST_EXPECT(X[14] == p->lo[0] + (p->hi[0] - p->lo[0]) * u[0] &&
                       X[15] == p->lo[1] + (p->hi[1] - p->lo[1]) * u[1],
                   "pool element 7 is not stream positions 14, 15");
  }
  double mx = 0, mt = 0;
  for (int i = 0; i < NP; i++) {
    const double x = X[2 * i], t = X[2 * i + 1];
    PF_TEST_EXPECT(x >= p->lo[0] && x < p->hi[0] && t >= p->lo[1] && t < p->hi[1],
                   "pool point outside");
    mx += x / NP, mt += t / NP;
  }
  PF_TEST_EXPECT(fabs(mx - 3.14159) < 0.2 && fabs(mt - 0.5) < 0.05, "pool mean (%g, %g)", mx, mt);

  /* a problem in (x, y, t): coordinate j of element i is stream position 3i + j; slices too */
  const pf_pde *h = pf_pde_find("heat2d");
  PF_TEST_EXPECT(h && h->ops.d == 3, "heat2d is not registered with 3 inputs");
  if (h && h->ops.d == 3) {
    double X3[3 * 20], X3s[3 * 4], u[3 * 20];
    pf_sample_pool(h, 3, 4, 0, 20, X3);
    pf_sample_pool(h, 3, 4, 9, 4, X3s);
    pf_rng_stream s = pf_rng_stream_make(3, 0, PF_RNG_POOL, 4);
    pf_rng_uniform(&s, 0, 3 * 20, u);
    int ok = 1;
    for (int i = 0; i < 20; i++)
      for (int j = 0; j < 3; j++)
        ok &= X3[3 * i + j] == h->lo[j] + (h->hi[j] - h->lo[j]) * u[3 * i + j];
    PF_TEST_EXPECT(ok, "heat2d pool: coordinate j of element i is not stream position 3i + j");
    PF_TEST_EXPECT(!memcmp(X3s, X3 + 3 * 9, sizeof X3s), "heat2d pool slice");
    /* the Z set and any purpose follow the same convention */
    double Z3[3 * 5];
    pf_sample_uniform(h, 3, PF_RNG_ZSET, 4, 0, 5, Z3);
    pf_rng_stream z = pf_rng_stream_make(3, 0, PF_RNG_ZSET, 4);
    pf_rng_uniform(&z, 0, 15, u);
    ok = 1;
    for (int i = 0; i < 15; i++) ok &= Z3[i] == h->lo[i % 3] + (h->hi[i % 3] - h->lo[i % 3]) * u[i];
    PF_TEST_EXPECT(ok, "heat2d Z set: coordinate j of element i is not stream position 3i + j");
  }

  /* Hammersley as DeepXDE: (vdc2(j+3), (j+1)/(n+2)) scaled; diffusion x in [-1, 1] */
  double H[8]; /* (4, 2) */
  pf_pde_hammersley(pf_pde_find("diffusion"), 4, H);
  const double wx[4] = {-0.75, 0.25, -0.25, 0.75}, wt[4] = {2.0 / 6, 3.0 / 6, 4.0 / 6, 5.0 / 6};
  for (int i = 0; i < 4; i++)
    PF_TEST_EXPECT(H[2 * i] == wx[i] && H[2 * i + 1] == wt[i], "hammersley %d: (%g, %g)", i,
                   H[2 * i], H[2 * i + 1]);
  return pf_test_report("test_draw");
}
