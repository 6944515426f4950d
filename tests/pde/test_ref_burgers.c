/* Burgers reference (Cole-Hopf by Gauss-Hermite): stability under doubling of the quadrature
 * order over the paper's grid, boundary and initial values, odd symmetry, and two independent
 * checks: the PDE residual by finite differences away from the shock, and the published slope
 * u_x(0, 1.6037/pi) = -152.00516 (Basdevant et al., Computers & Fluids 14 (1986)). */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"
#include "pf_test.h"

#include <stdlib.h>

enum { NX = PF_REF_BURGERS_NX, NT = PF_REF_BURGERS_NT, NG = NX * NT };
static const double PI = 3.14159265358979323846;

static double max_abs_diff(const double *a, const double *b, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

/* u at one point (default order). */
static double u_at(double x, double t) {
  double u = NAN;
  PF_TEST_OK(pf_ref_burgers_eval(0, 1, &x, &t, &u));
  return u;
}

/* Fourth-order central differences: first and second derivative of g along one coordinate. */
static double d1(double (*g)(double, double), double x, double t, double h, int in_t) {
  double f[4];
  const int o[4] = {-2, -1, 1, 2};
  for (int i = 0; i < 4; i++) f[i] = in_t ? g(x, t + o[i] * h) : g(x + o[i] * h, t);
  return (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
}
static double d2x(double (*g)(double, double), double x, double t, double h) {
  double f[5];
  for (int i = 0; i < 5; i++) f[i] = g(x + (i - 2) * h, t);
  return (-f[0] + 16.0 * f[1] - 30.0 * f[2] + 16.0 * f[3] - f[4]) / (12.0 * h * h);
}

int main(void) {
  double *x = malloc(NX * sizeof *x), *t = malloc(NT * sizeof *t);
  double *u = malloc(NG * sizeof *u), *u2 = malloc(NG * sizeof *u2), *uh = malloc(NG * sizeof *uh);
  double *xs = malloc(NG * sizeof *xs), *ts = malloc(NG * sizeof *ts);

  double t0 = pf_wtime();
  PF_TEST_OK(pf_ref_burgers_grid(0, x, t, u));
  double t_grid = pf_wtime() - t0;
  PF_TEST_EXPECT(x[0] == -1.0 && x[NX - 1] == 1.0 && t[0] == 0.0, "grid end points");
  PF_TEST_CLOSE(x[1], -1.0 + 2.0 / 255.0, 1e-15, 1.0, "grid x spacing");
  PF_TEST_CLOSE(t[NT - 1], 0.99, 1e-15, 1.0, "grid last time");

  /* Doubling the quadrature order changes nothing beyond 1e-10 (measured: 4e-15 for 128 vs 256;
   * 64 vs 128 gives 1.4e-10, which is why the default is 128). */
  for (int k = 0; k < NT; k++)
    for (int i = 0; i < NX; i++) xs[k * NX + i] = x[i], ts[k * NX + i] = t[k];
  PF_TEST_OK(pf_ref_burgers_eval(2 * PF_REF_BURGERS_ORDER, NG, xs, ts, u2));
  PF_TEST_OK(pf_ref_burgers_eval(PF_REF_BURGERS_ORDER / 2, NG, xs, ts, uh));
  double d_double = max_abs_diff(u, u2, NG), d_half = max_abs_diff(uh, u, NG);
  fprintf(stderr,
          "burgers grid (order %d): %.3f s; max |u_n - u_2n| = %.2e; order %d vs %d: %.2e\n",
          PF_REF_BURGERS_ORDER, t_grid, d_double, PF_REF_BURGERS_ORDER / 2, PF_REF_BURGERS_ORDER,
          d_half);
  PF_TEST_EXPECT(d_double < 1e-10, "order %d vs %d differ by %.3e", PF_REF_BURGERS_ORDER,
                 2 * PF_REF_BURGERS_ORDER, d_double);

  /* Boundary values, initial condition and odd symmetry u(-x, t) = -u(x, t) on the grid. */
  double bc = 0.0, odd = 0.0, ic = 0.0;
  for (int k = 0; k < NT; k++) {
    bc = fmax(bc, fmax(fabs(u[k * NX]), fabs(u[k * NX + NX - 1])));
    for (int i = 0; i < NX; i++) odd = fmax(odd, fabs(u[k * NX + i] + u[k * NX + NX - 1 - i]));
  }
  for (int i = 0; i < NX; i++) ic = fmax(ic, fabs(u[i] + sin(PI * x[i])));
  fprintf(stderr, "boundary max |u| = %.2e, odd symmetry %.2e, initial condition %.2e\n", bc, odd,
          ic);
  PF_TEST_EXPECT(bc < 1e-13, "u(+-1, t) = 0 violated by %.3e", bc);
  PF_TEST_EXPECT(odd < 1e-14, "odd symmetry violated by %.3e", odd);
  PF_TEST_EXPECT(ic == 0.0, "initial row differs from -sin(pi x) by %.3e", ic);
  /* The quadrature branch joins the initial condition continuously: at t = 1e-9 the solution
   * moves by about t |u u_x - nu u_xx| <= 1e-8. */
  double small = 0.0;
  for (int i = 0; i < NX; i++) small = fmax(small, fabs(u_at(x[i], 1e-9) + sin(PI * x[i])));
  PF_TEST_EXPECT(small < 1e-8, "u(x, 1e-9) differs from the initial condition by %.3e", small);

  /* Independent check 1: the PDE residual u_t + u u_x - nu u_xx by fourth-order central differences
   * (h = 1e-3) at points away from the shock at x = 0, relative to the size of the terms. */
  const double nu = 0.01 / PI, h = 1e-3;
  const double px[] = {-0.8, -0.5, -0.25, 0.3, 0.6, 0.9}, pt[] = {0.05, 0.3, 0.6, 0.95};
  double worst = 0.0;
  for (size_t i = 0; i < sizeof px / sizeof *px; i++)
    for (size_t k = 0; k < sizeof pt / sizeof *pt; k++) {
      double uu = u_at(px[i], pt[k]), ut = d1(u_at, px[i], pt[k], h, 1);
      double ux = d1(u_at, px[i], pt[k], h, 0), uxx = d2x(u_at, px[i], pt[k], h);
      double r = ut + uu * ux - nu * uxx, scale = fabs(ut) + fabs(uu * ux) + fabs(nu * uxx);
      worst = fmax(worst, fabs(r) / scale);
    }
  fprintf(stderr, "PDE residual by finite differences: max relative %.2e\n", worst);
  PF_TEST_EXPECT(worst < 1e-7, "PDE residual %.3e too large", worst);

  /* Independent check 2: the published slope at the shock. */
  double ux0 = d1(u_at, 0.0, 1.6037 / PI, 1e-5, 0);
  fprintf(stderr, "u_x(0, 1.6037/pi) = %.8f (Basdevant et al. 1986: -152.00516)\n", ux0);
  PF_TEST_CLOSE(ux0, -152.00516, 5e-8, 1.0, "u_x(0, 1.6037/pi)");

  pf_error_set_quiet(1);
  double bad_t = -0.1, bad_x = 0.0, out;
  PF_TEST_EXPECT(pf_ref_burgers_eval(0, 1, &bad_x, &bad_t, &out) == PF_ERR_ARG, "t < 0 accepted");
  PF_TEST_EXPECT(pf_ref_burgers_eval(1, 1, &bad_x, &bad_x, &out) == PF_ERR_ARG, "order 1 accepted");
  free(x), free(t), free(u), free(u2), free(uh), free(xs), free(ts);
  return pf_test_report("test_ref_burgers");
}
