/* Draws from scores: the distribution draw's frequencies match the paper's probabilities for the
 * first and the second draw (chi-square with fixed streams), no candidate is drawn twice, shifts
 * and offsets follow PAPER.md section 3, top-k returns the k largest; the pool is uniform in the
 * domain and slices equal the whole; Hammersley points match DeepXDE's construction. */
#include "pf_test.h"
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
  double x[NP], t[NP], xs[10], ts[10], x2[NP], t2[NP];
  pf_sample_pool(p, 3, 4, 0, NP, x, t);
  pf_sample_pool(p, 3, 4, 500, 10, xs, ts);
  pf_sample_pool(p, 3, 5, 0, NP, x2, t2);
  PF_TEST_EXPECT(!memcmp(xs, x + 500, sizeof xs) && !memcmp(ts, t + 500, sizeof ts), "pool slice");
  PF_TEST_EXPECT(memcmp(x, x2, sizeof x) != 0, "pools of two cycles coincide");
  double mx = 0, mt = 0;
  for (int i = 0; i < NP; i++) {
    PF_TEST_EXPECT(x[i] >= p->xlo && x[i] < p->xhi && t[i] >= p->tlo && t[i] < p->thi,
                   "pool point outside");
    mx += x[i] / NP, mt += t[i] / NP;
  }
  PF_TEST_EXPECT(fabs(mx - 3.14159) < 0.2 && fabs(mt - 0.5) < 0.05, "pool mean (%g, %g)", mx, mt);

  /* Hammersley as DeepXDE: (vdc2(j+3), (j+1)/(n+2)) scaled; diffusion x in [-1, 1] */
  double hx[4], ht[4];
  pf_pde_hammersley(pf_pde_find("diffusion"), 4, hx, ht);
  const double wx[4] = {-0.75, 0.25, -0.25, 0.75}, wt[4] = {2.0 / 6, 3.0 / 6, 4.0 / 6, 5.0 / 6};
  for (int i = 0; i < 4; i++)
    PF_TEST_EXPECT(hx[i] == wx[i] && ht[i] == wt[i], "hammersley %d: (%g, %g)", i, hx[i], ht[i]);
  return pf_test_report("test_draw");
}
