/* Gauss-Hermite and Gauss-Lobatto-Legendre rules against tabulated values and exact moments, and
 * barycentric interpolation reproducing polynomials. */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"
#include "pf_test.h"

#include <stdlib.h>

static void check_hermite(int n) {
  double *s = malloc(n * sizeof *s), *lw = malloc(n * sizeof *lw);
  PF_TEST_OK(pf_ref_gauss_hermite(n, s, lw));
  for (int i = 0; i < n; i++) {
    PF_TEST_EXPECT(s[n - 1 - i] == -s[i] && lw[n - 1 - i] == lw[i], "n=%d: asymmetric at %d", n, i);
    if (i > 0) PF_TEST_EXPECT(s[i] > s[i - 1], "n=%d: nodes not ascending at %d", n, i);
  }
  /* int s^(2k) exp(-s^2) ds = Gamma(k + 1/2), exact for 2k <= 2n - 1. The sum is taken in log
   * space relative to the largest term so that n = 1024 (weights down to exp(-2000)) works. */
  for (int k = 0; 2 * k <= 2 * n - 1 && k <= 40; k++) {
    double lmax = -HUGE_VAL;
    for (int i = 0; i < n; i++) {
      double l = lw[i] + (s[i] != 0.0 ? 2.0 * k * log(fabs(s[i])) : (k ? -HUGE_VAL : 0.0));
      if (l > lmax) lmax = l;
    }
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      double l = lw[i] + (s[i] != 0.0 ? 2.0 * k * log(fabs(s[i])) : (k ? -HUGE_VAL : 0.0));
      sum += exp(l - lmax);
    }
    double got = log(sum) + lmax, want = lgamma(k + 0.5);
    char what[64];
    snprintf(what, sizeof what, "Hermite n=%d moment 2k=%d (log)", n, 2 * k);
    PF_TEST_CLOSE(got, want, 1e-13, 1.0, what);
  }
  free(s), free(lw);
}

/* Chebyshev T_k(x) by its recurrence (cos(k acos x) loses digits near x = +-1). */
static double cheb_t(int k, double x) {
  double t0 = 1.0, t1 = x;
  if (k == 0) return 1.0;
  for (int j = 1; j < k; j++) {
    double t2 = 2.0 * x * t1 - t0;
    t0 = t1, t1 = t2;
  }
  return t1;
}

static void check_lobatto(int N) {
  double *x = malloc((N + 1) * sizeof *x), *w = malloc((N + 1) * sizeof *w);
  double *b = malloc((N + 1) * sizeof *b);
  PF_TEST_OK(pf_ref_gauss_lobatto(N, x, w, b));
  PF_TEST_EXPECT(x[0] == -1.0 && x[N] == 1.0, "N=%d: endpoints", N);
  for (int j = 0; j <= N; j++) {
    PF_TEST_EXPECT(x[N - j] == -x[j] && w[N - j] == w[j], "N=%d: asymmetric at %d", N, j);
    if (j > 0) PF_TEST_EXPECT(x[j] > x[j - 1], "N=%d: nodes not ascending at %d", N, j);
  }
  /* int_{-1}^{1} x^(2k) dx = 2 / (2k + 1), exact for 2k <= 2N - 1. */
  for (int k = 0; 2 * k <= 2 * N - 1 && k <= 60; k++) {
    double sum = 0.0;
    for (int j = 0; j <= N; j++) sum += w[j] * pow(x[j], 2 * k);
    char what[64];
    snprintf(what, sizeof what, "Lobatto N=%d moment 2k=%d", N, 2 * k);
    PF_TEST_CLOSE(sum, 2.0 / (2 * k + 1), 1e-13, 1.0, what);
  }
  /* Barycentric interpolation reproduces the Chebyshev polynomials T_k of degree
   * k <= N (bounded by 1, so the error is absolute) between the nodes and at the nodes. The
   * tolerance allows for |T_N'| <= N^2: node and rounding errors of eps move values by eps N^2. */
  double *vals = malloc((N + 1) * sizeof *vals);
  enum { NE = 7 };
  double xe[NE] = {-1.0, -0.999, -0.73, 0.0, 0.123456, 0.9999, 1.0}, out[NE];
  const int ks[2] = {N, N / 3};
  for (int ik = 0; ik < 2; ik++) {
    for (int j = 0; j <= N; j++) vals[j] = cheb_t(ks[ik], x[j]);
    PF_TEST_OK(pf_ref_barycentric(N + 1, x, b, vals, NE, xe, out));
    for (int i = 0; i < NE; i++) {
      char what[80];
      snprintf(what, sizeof what, "Lobatto N=%d interpolation of T_%d at %g", N, ks[ik], xe[i]);
      PF_TEST_CLOSE(out[i], cheb_t(ks[ik], xe[i]), 1e-13 + 4e-16 * N * N, 1.0, what);
    }
  }
  free(x), free(w), free(b), free(vals);
}

int main(void) {
  /* Abramowitz & Stegun, Table 25.10, n = 5. */
  double s[5], lw[5];
  const double s_ref[3] = {0.0, 0.958572464613818507, 2.020182870456085632};
  const double w_ref[3] = {0.945308720482941881, 0.393619323152241159, 0.019953242059045913};
  PF_TEST_OK(pf_ref_gauss_hermite(5, s, lw));
  for (int i = 0; i < 3; i++) {
    PF_TEST_CLOSE(s[2 + i], s_ref[i], 1e-15, 1.0, "Hermite n=5 node");
    PF_TEST_CLOSE(exp(lw[2 + i]), w_ref[i], 1e-14, 0.0, "Hermite n=5 weight");
  }
  /* Gauss-Lobatto degree 4: nodes 0, +-sqrt(3/7), +-1, weights 32/45, 49/90, 1/10. */
  double x[5], w[5];
  PF_TEST_OK(pf_ref_gauss_lobatto(4, x, w, NULL));
  PF_TEST_CLOSE(x[2], 0.0, 0.0, 1.0, "Lobatto N=4 middle node");
  PF_TEST_CLOSE(x[3], sqrt(3.0 / 7.0), 1e-15, 1.0, "Lobatto N=4 node");
  PF_TEST_CLOSE(w[2], 32.0 / 45.0, 1e-15, 0.0, "Lobatto N=4 weight");
  PF_TEST_CLOSE(w[3], 49.0 / 90.0, 1e-15, 0.0, "Lobatto N=4 weight");
  PF_TEST_CLOSE(w[4], 0.1, 1e-15, 0.0, "Lobatto N=4 end weight");
  const int nh[] = {1, 2, 7, 64, 320, 640, 1024};
  for (size_t i = 0; i < sizeof nh / sizeof *nh; i++) check_hermite(nh[i]);
  const int nl[] = {2, 3, 10, 65, 640, 1280};
  for (size_t i = 0; i < sizeof nl / sizeof *nl; i++) check_lobatto(nl[i]);
  pf_error_set_quiet(1);
  PF_TEST_EXPECT(pf_ref_gauss_hermite(0, s, lw) == PF_ERR_ARG, "order 0 accepted");
  PF_TEST_EXPECT(pf_ref_gauss_lobatto(1, x, w, NULL) == PF_ERR_ARG, "degree 1 accepted");
  return pf_test_report("test_ref_quadrature");
}
