/* Allen-Cahn reference (Legendre spectral + ETDRK4), u_t = d u_xx + k (u - u^3): at the paper's
 * (d, k) = (1e-3, 5) the wrapper is bitwise the _coef function with the automatic resolution and
 * pinned grid values; relative L2 change under refinement in space and in time over the
 * 20,301-point grid at the paper's point and at (1e-3, 10) and (1e-4, 2); boundary and initial
 * values, even symmetry; the PDE residual by finite differences; at k = 0 the exact cosine series
 * of the heat equation (independent of the code); the range refusals. */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"
#include "pf_test.h"

#include <stdlib.h>
#include <string.h>

enum { NX = PF_REF_ALLEN_CAHN_NX, NT = PF_REF_ALLEN_CAHN_NT, NG = NX * NT };
static const double PI = 3.14159265358979323846;

static double rel_l2(const double *a, const double *b, size_t n) {
  double d = 0.0, r = 0.0;
  for (size_t i = 0; i < n; i++) d += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
  return sqrt(d / r);
}

/* Solve on the grid at (d, k, degree, substeps), report the time, return a malloc'd array. */
static double *grid_coef(double d, double k, int degree, int substeps, double *x, double *t) {
  double *u = malloc(NG * sizeof *u);
  int N, S;
  PF_TEST_OK(pf_ref_allen_cahn_resolution(d, k, 0.01, &N, &S));
  double t0 = pf_wtime();
  PF_TEST_OK(pf_ref_allen_cahn_grid_coef(d, k, degree, substeps, x, t, u));
  fprintf(stderr, "allen_cahn d %g k %g degree %4d, %2d substeps (dt = %.1e): %.2f s\n", d, k,
          degree ? degree : N, substeps ? substeps : S, 0.01 / (substeps ? substeps : S),
          pf_wtime() - t0);
  return u;
}
static double *grid(int degree, int substeps, double *x, double *t) {
  return grid_coef(PF_REF_ALLEN_CAHN_PAPER_D, PF_REF_ALLEN_CAHN_PAPER_K, degree, substeps, x, t);
}

/* Max relative residual u_t - d u_xx - k (u - u^3) by fourth-order central differences (h = 1e-3
 * in x and t, output every 1e-3 on 5-point stencils) at the points px x pt, each measured against
 * the size of its terms but not below 1. substeps: per 1e-3. */
static double fd_residual(double d, double k, int substeps, int npx, const double *px, int npt,
                          const double *pt) {
  enum { NS = 5, MAXP = 16 };
  const double h = 1e-3;
  double tmax = 0.0;
  for (int j = 0; j < npt; j++) tmax = fmax(tmax, pt[j]);
  const int nt = (int)lround(tmax / h) + 3;
  double xs[MAXP * NS], *us = malloc((size_t)nt * npx * NS * sizeof *us);
  for (int i = 0; i < npx; i++)
    for (int j = 0; j < NS; j++) xs[i * NS + j] = px[i] + (j - 2) * h;
  PF_TEST_OK(pf_ref_allen_cahn_solve_coef(d, k, 0, substeps, h, nt, (size_t)npx * NS, xs, us));
  double worst = 0.0;
  for (int i = 0; i < npx; i++)
    for (int j = 0; j < npt; j++) {
      int kt = (int)lround(pt[j] / h);
      const double *f = us + (size_t)kt * npx * NS + i * NS; /* f[j] = u(x + (j-2)h, t) */
      double uu = f[2];
      double uxx = (-f[0] + 16.0 * f[1] - 30.0 * f[2] + 16.0 * f[3] - f[4]) / (12.0 * h * h);
      double g[4];
      const int o[4] = {-2, -1, 1, 2};
      for (int q = 0; q < 4; q++) g[q] = us[(size_t)(kt + o[q]) * npx * NS + i * NS + 2];
      double ut_ = (g[0] - 8.0 * g[1] + 8.0 * g[2] - g[3]) / (12.0 * h);
      double react = k * (uu - uu * uu * uu);
      double r = ut_ - d * uxx - react;
      double scale = fabs(ut_) + fabs(d * uxx) + fabs(react);
      worst = fmax(worst, fabs(r) / fmax(scale, 1.0));
    }
  free(us);
  return worst;
}

/* Exact solution at k = 0 (heat equation u_t = d u_xx, u(+-1) = -1): u = -1 + sum_j b_j
 * exp(-d beta_j^2 t) cos(beta_j x), beta_j = (2j + 1) pi / 2 (the even Dirichlet eigenfunctions on
 * [-1, 1], unit norm), b_j = int (x^2 cos(pi x) + 1) cos(beta_j x) dx in closed form with
 * I(c) = int_{-1}^{1} x^2 cos(c x) dx = 2 (sin c / c + 2 cos c / c^2 - 2 sin c / c^3). */
static double heat_I(double c) {
  return 2.0 * (sin(c) / c + 2.0 * cos(c) / (c * c) - 2.0 * sin(c) / (c * c * c));
}
static double heat_exact(double d, double x, double t) {
  double s = 0.0;
  for (int j = 0; j < 2000; j++) {
    double beta = (2 * j + 1) * PI / 2.0;
    if (d * beta * beta * t > 45.0) break; /* the rest is below 1e-19 */
    double b = 2.0 * sin(beta) / beta + 0.5 * (heat_I(beta - PI) + heat_I(beta + PI));
    s += b * exp(-d * beta * beta * t) * cos(beta * x);
  }
  return s - 1.0;
}

/* Refinement in space (degree x 1.5) and in time (half the step) from the automatic resolution. */
static void convergence(double d, double k, double tol) {
  int N, S;
  PF_TEST_OK(pf_ref_allen_cahn_resolution(d, k, 0.01, &N, &S));
  double *u = grid_coef(d, k, 0, 0, NULL, NULL), *ux = grid_coef(d, k, 3 * N / 2, S, NULL, NULL),
         *ut = grid_coef(d, k, N, 2 * S, NULL, NULL);
  double cx = rel_l2(u, ux, NG), ct = rel_l2(u, ut, NG), bc = 0.0, ic = 0.0;
  for (int it = 0; it < NT; it++)
    bc = fmax(bc, fmax(fabs(u[it * NX] + 1.0), fabs(u[it * NX + NX - 1] + 1.0)));
  for (int i = 0; i < NX; i++) {
    double x = (i - 100) / 100.0;
    ic = fmax(ic, fabs(u[i] - x * x * cos(PI * x)));
  }
  fprintf(stderr,
          "d %g k %g: relative L2 change: space (degree %d -> %d) %.2e, time (dt %.1e -> %.1e) "
          "%.2e; boundary %.1e, initial %.1e\n",
          d, k, N, 3 * N / 2, cx, 0.01 / S, 0.005 / S, ct, bc, ic);
  PF_TEST_EXPECT(cx < tol, "d %g k %g: space refinement changes the solution by %.3e", d, k, cx);
  PF_TEST_EXPECT(ct < tol, "d %g k %g: time refinement changes the solution by %.3e", d, k, ct);
  PF_TEST_EXPECT(bc == 0.0, "d %g k %g: u(+-1, t) = -1 violated by %.3e", d, k, bc);
  PF_TEST_EXPECT(ic < 1e-14, "d %g k %g: initial condition violated by %.3e", d, k, ic);
  free(u), free(ux), free(ut);
}

int main(void) {
  pf_blas_set_threads(1); /* the pinned bits are single-threaded dgemv's */
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

  /* Residual u_t - d u_xx - k (u - u^3) by finite differences at points away from the interfaces
   * near x = +-0.5. The residual is measured relative to the size of the terms, but not below 1:
   * near the boundary late in time all terms are ~1e-4 and the second derivative of the degree-512
   * polynomial is off by ~4e-5 there (its values by ~1e-11), a residual of ~4e-8 that vanishes at
   * degree 768. Elsewhere the relative residual is 1e-12..1e-8. */
  const double px[] = {-0.9, -0.3, -0.1, 0.0, 0.2, 0.75}, pt[] = {0.05, 0.25, 0.5, 0.9};
  enum { NPX = sizeof px / sizeof *px, NPT = sizeof pt / sizeof *pt };
  double worst =
      fd_residual(PF_REF_ALLEN_CAHN_PAPER_D, PF_REF_ALLEN_CAHN_PAPER_K, 2, NPX, px, NPT, pt);
  fprintf(stderr, "PDE residual by finite differences: max relative %.2e\n", worst);
  PF_TEST_EXPECT(worst < 1e-6, "PDE residual %.3e too large", worst);

  /* The paper's functions are the _coef ones at the paper's (d, k) with the automatic resolution,
   * bit for bit, and give the bits recorded before the coefficients became arguments (OpenBLAS
   * 0.3.21 Cooperlake kernels, one thread; the ETDRK4 sums go through dgemv, whose rounding depends
   * on the kernel and the thread count, so on another kernel the pins hold to 1e-10). The t = 0 row
   * and the boundary never touch BLAS. */
  {
    int Na, Sa;
    PF_TEST_OK(pf_ref_allen_cahn_resolution(0.001, 5.0, 0.01, &Na, &Sa));
    PF_TEST_EXPECT(Na == PF_REF_ALLEN_CAHN_DEGREE && Sa == PF_REF_ALLEN_CAHN_SUBSTEPS,
                   "automatic resolution at the paper's (d, k) is %d/%d, not %d/%d", Na, Sa,
                   PF_REF_ALLEN_CAHN_DEGREE, PF_REF_ALLEN_CAHN_SUBSTEPS);
    double *ucoef = malloc(NG * sizeof *ucoef);
    PF_TEST_OK(pf_ref_allen_cahn_grid_coef(0.001, 5.0, 0, 0, NULL, NULL, ucoef));
    PF_TEST_EXPECT(memcmp(u, ucoef, NG * sizeof *u) == 0, "wrapper and _coef grids differ in bits");
    /* pf_ref_allen_cahn_solve keeps its former default of 5 steps per dt_out for any dt_out. */
    const double xs2[2] = {-0.7, 0.33};
    double ua[4], ub[4];
    PF_TEST_OK(pf_ref_allen_cahn_solve(0, 0, 0.25, 2, 2, xs2, ua));
    PF_TEST_OK(pf_ref_allen_cahn_solve_coef(0.001, 5.0, 512, 5, 0.25, 2, 2, xs2, ub));
    PF_TEST_EXPECT(memcmp(ua, ub, sizeof ua) == 0, "solve wrapper and _coef differ in bits");
    free(ucoef);
    static const struct {
      int it, ix;
      double u;
    } pin[] = {{0, 37, -0x1.42d277bba322cp-3},   {1, 100, 0x1.60a4c39300000p-16},
               {25, 133, 0x1.805ad8d16114bp-3},  {50, 30, -0x1.ecebb8f1cc050p-1},
               {50, 50, -0x1.2a35a84938778p-5},  {100, 100, 0x1.19ef2dc146a24p-2},
               {100, 180, -0x1.fff69d905f830p-1}};
    const int own_kernel = strcmp(pf_blas_core(), "Cooperlake") == 0;
    for (size_t i = 0; i < sizeof pin / sizeof *pin; i++) {
      double got = u[pin[i].it * NX + pin[i].ix], want = pin[i].u;
      if (own_kernel || pin[i].it == 0)
        PF_TEST_EXPECT(got == want, "u(%g, %g) = %a, pinned %a", x[pin[i].ix], t[pin[i].it], got,
                       want);
      else
        PF_TEST_CLOSE(got, want, 1e-10, 1e-3, "pinned grid value (another BLAS kernel)");
    }
  }

  /* Two more settings: the largest reaction at the paper's diffusion (layers 1.4x thinner, the
   * step halved by the rule) and the smallest diffusion with a reaction that forms its layers. */
  convergence(1e-3, 10.0, 1e-8);
  convergence(1e-4, 2.0, 1e-8);
  worst = fd_residual(1e-3, 10.0, 2, NPX, px, NPT, pt);
  fprintf(stderr, "d 0.001 k 10: PDE residual by finite differences: max relative %.2e\n", worst);
  PF_TEST_EXPECT(worst < 1e-6, "d 0.001 k 10: PDE residual %.3e too large", worst);

  /* Independent: at k = 0 the exact cosine series (computed here, not by the code under test). */
  {
    /* The last case forces a degree above 1024, where the eigenpairs come from an SVD. */
    const double dk[] = {0.1, 1e-2, 1e-4, 2e-4};
    const int degk[] = {0, 0, 0, 1280};
    for (int j = 0; j < 4; j++) {
      double *uh = grid_coef(dk[j], 0.0, degk[j], 0, NULL, NULL), err = 0.0;
      for (int it = 1; it < NT; it++)
        for (int i = 0; i < NX; i++)
          err = fmax(err, fabs(uh[it * NX + i] - heat_exact(dk[j], x[i], t[it])));
      fprintf(stderr, "d %g k 0 degree %d: max error against the exact series %.2e\n", dk[j],
              degk[j], err);
      PF_TEST_EXPECT(err < 1e-10, "d %g k 0: %.3e from the exact series", dk[j], err);
      free(uh);
    }
  }

  pf_error_set_quiet(1);
  double bad = 1.5, out[2];
  PF_TEST_EXPECT(pf_ref_allen_cahn_solve(0, 0, 0.01, 2, 1, &bad, out) == PF_ERR_ARG,
                 "x outside [-1, 1] accepted");
  PF_TEST_EXPECT(pf_ref_allen_cahn_solve(2, 0, 0.01, 2, 0, NULL, NULL) == PF_ERR_ARG,
                 "degree 2 accepted");
  const double dbad[] = {5e-5, 0.2, NAN, 1e-3, 1e-3, 1e-3}, kbad[] = {5, 5, 5, -1, 11, NAN};
  for (int i = 0; i < 6; i++) {
    PF_TEST_EXPECT(pf_ref_allen_cahn_grid_coef(dbad[i], kbad[i], 0, 0, NULL, NULL, u) == PF_ERR_ARG,
                   "(d, k) = (%g, %g) outside the range accepted", dbad[i], kbad[i]);
    PF_TEST_EXPECT(pf_ref_allen_cahn_resolution(dbad[i], kbad[i], 0.01, NULL, NULL) == PF_ERR_ARG,
                   "resolution at (d, k) = (%g, %g) outside the range accepted", dbad[i], kbad[i]);
  }
  free(u), free(ux), free(ut), free(uc), free(ud);
  return pf_test_report("test_ref_allen_cahn");
}
