/* Allen-Cahn reference (Legendre spectral + ETDRK4): relative L2 change under refinement in space
 * and in time over the paper's 20,301-point grid, boundary and initial values, even symmetry, and
 * an independent check of the PDE residual by finite differences away from the interfaces. */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"
#include "pf_test.h"

#include <stdlib.h>

enum { NX = PF_REF_ALLEN_CAHN_NX, NT = PF_REF_ALLEN_CAHN_NT, NG = NX * NT };
static const double PI = 3.14159265358979323846;

static double rel_l2(const double *a, const double *b, size_t n) {
  double d = 0.0, r = 0.0;
  for (size_t i = 0; i < n; i++) d += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
  return sqrt(d / r);
}

/* Solve on the grid at (degree, substeps), report the time, return a malloc'd array. */
static double *grid(int degree, int substeps, double *x, double *t) {
  double *u = malloc(NG * sizeof *u);
  double t0 = pf_wtime();
  PF_TEST_OK(pf_ref_allen_cahn_grid(degree, substeps, x, t, u));
  fprintf(stderr, "allen_cahn degree %4d, %2d substeps (dt = %.1e): %.2f s\n",
          degree ? degree : PF_REF_ALLEN_CAHN_DEGREE,
          substeps ? substeps : PF_REF_ALLEN_CAHN_SUBSTEPS,
          0.01 / (substeps ? substeps : PF_REF_ALLEN_CAHN_SUBSTEPS), pf_wtime() - t0);
  return u;
}

int main(void) {
  const int N = PF_REF_ALLEN_CAHN_DEGREE, S = PF_REF_ALLEN_CAHN_SUBSTEPS;
  double x[NX], t[NT];
  double *u = grid(0, 0, x, t);
  PF_TEST_EXPECT(x[0] == -1.0 && x[NX - 1] == 1.0 && x[100] == 0.0, "grid x end points");
  PF_TEST_CLOSE(x[1], -0.99, 1e-15, 1.0, "grid x spacing");
  PF_TEST_EXPECT(t[0] == 0.0 && t[NT - 1] == 1.0, "grid t end points");

  /* Convergence: finer in space (degree x 1.5) and finer in time (half the step), each alone. */
  double *ux = grid(3 * N / 2, S, NULL, NULL), *ut = grid(N, 2 * S, NULL, NULL);
  double cx = rel_l2(u, ux, NG), ct = rel_l2(u, ut, NG);
  fprintf(stderr, "relative L2 change: space (degree %d -> %d) %.2e, time (dt %.1e -> %.1e) %.2e\n",
          N, 3 * N / 2, cx, 0.01 / S, 0.005 / S, ct);
  PF_TEST_EXPECT(cx < 1e-8, "space refinement changes the solution by %.3e", cx);
  PF_TEST_EXPECT(ct < 1e-8, "time refinement changes the solution by %.3e", ct);
  /* The rates behind those numbers: spectral in space (each +64 in degree gains about a factor 14
   * here) and fourth order in time (halving the step gains about 16). */
  double *uc = grid(N - 64, S, NULL, NULL), *ud = grid(N, S / 2 > 0 ? S / 2 : 1, NULL, NULL);
  double cx2 = rel_l2(uc, ux, NG), ct2 = rel_l2(ud, ut, NG);
  fprintf(stderr, "degree %d: %.2e (ratio %.1f); %d substeps: %.2e\n", N - 64, cx2, cx2 / cx,
          S / 2 > 0 ? S / 2 : 1, ct2);
  PF_TEST_EXPECT(cx2 / cx > 5.0, "no spectral decay in space: %.3e then %.3e", cx2, cx);
  PF_TEST_EXPECT(ct2 / ct > 10.0, "no fourth-order decay in time: %.3e then %.3e", ct2, ct);

  /* Boundary values (exact: the grid ends are nodes), initial condition, even symmetry. The
   * discretisation is symmetric but the eigensolver and the sums are not, so evenness holds to
   * rounding amplified by the steep interfaces (|u_x| ~ 70): measured 8e-13. */
  double bc = 0.0, ic = 0.0, even = 0.0;
  for (int k = 0; k < NT; k++) {
    bc = fmax(bc, fmax(fabs(u[k * NX] + 1.0), fabs(u[k * NX + NX - 1] + 1.0)));
    for (int i = 0; i < NX; i++) even = fmax(even, fabs(u[k * NX + i] - u[k * NX + NX - 1 - i]));
  }
  for (int i = 0; i < NX; i++) ic = fmax(ic, fabs(u[i] - x[i] * x[i] * cos(PI * x[i])));
  fprintf(stderr, "boundary %.2e, initial condition %.2e, even symmetry %.2e\n", bc, ic, even);
  PF_TEST_EXPECT(bc == 0.0, "u(+-1, t) = -1 violated by %.3e", bc);
  PF_TEST_EXPECT(ic < 1e-14, "initial condition violated by %.3e", ic);
  PF_TEST_EXPECT(even < 1e-11, "even symmetry violated by %.3e", even);

  /* Independent check: residual u_t - 0.001 u_xx - 5(u - u^3) by fourth-order central differences
   * (h = 1e-3 in x and t) at points away from the interfaces near x = +-0.5. Output every 1e-3 on
   * stencils around each point. The residual is measured relative to the size of the terms, but
   * not below 1: near the boundary late in time all terms are ~1e-4 and the second derivative of
   * the degree-512 polynomial is off by ~4e-5 there (its values by ~1e-11), a residual of ~4e-8
   * that vanishes at degree 768. Elsewhere the relative residual is 1e-12..1e-8. */
  const double px[] = {-0.9, -0.3, -0.1, 0.0, 0.2, 0.75}, pt[] = {0.05, 0.25, 0.5, 0.9};
  enum { NPX = sizeof px / sizeof *px, NPT = sizeof pt / sizeof *pt, NS = 5 };
  const double h = 1e-3;
  const int nt = 904; /* t = 0 .. 0.903 */
  double xs[NPX * NS], *us = malloc((size_t)nt * NPX * NS * sizeof *us);
  for (int i = 0; i < NPX; i++)
    for (int j = 0; j < NS; j++) xs[i * NS + j] = px[i] + (j - 2) * h;
  PF_TEST_OK(pf_ref_allen_cahn_solve(0, 2, h, nt, NPX * NS, xs, us));
  double worst = 0.0;
  for (int i = 0; i < NPX; i++)
    for (int k = 0; k < NPT; k++) {
      int kt = (int)lround(pt[k] / h);
      const double *f = us + (size_t)kt * NPX * NS + i * NS; /* f[j] = u(x + (j-2)h, t) */
      double uu = f[2];
      double uxx = (-f[0] + 16.0 * f[1] - 30.0 * f[2] + 16.0 * f[3] - f[4]) / (12.0 * h * h);
      double g[4];
      const int o[4] = {-2, -1, 1, 2};
      for (int j = 0; j < 4; j++) g[j] = us[(size_t)(kt + o[j]) * NPX * NS + i * NS + 2];
      double ut_ = (g[0] - 8.0 * g[1] + 8.0 * g[2] - g[3]) / (12.0 * h);
      double react = 5.0 * (uu - uu * uu * uu);
      double r = ut_ - 0.001 * uxx - react;
      double scale = fabs(ut_) + fabs(0.001 * uxx) + fabs(react);
      worst = fmax(worst, fabs(r) / fmax(scale, 1.0));
    }
  fprintf(stderr, "PDE residual by finite differences: max relative %.2e\n", worst);
  PF_TEST_EXPECT(worst < 1e-6, "PDE residual %.3e too large", worst);

  pf_error_set_quiet(1);
  double bad = 1.5, out[2];
  PF_TEST_EXPECT(pf_ref_allen_cahn_solve(0, 0, 0.01, 2, 1, &bad, out) == PF_ERR_ARG,
                 "x outside [-1, 1] accepted");
  PF_TEST_EXPECT(pf_ref_allen_cahn_solve(2, 0, 0.01, 2, 0, NULL, NULL) == PF_ERR_ARG,
                 "degree 2 accepted");
  free(u), free(ux), free(ut), free(uc), free(ud), free(us);
  return pf_test_report("test_ref_allen_cahn");
}
