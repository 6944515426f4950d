/* Reference solution of the viscous Burgers problem u_t + u u_x = nu u_xx on x in [-1, 1],
 * t in [0, 1], u(x, 0) = -sin(pi x), u(+-1, t) = 0, for any viscosity nu in
 * [PF_REF_BURGERS_NU_MIN, PF_REF_BURGERS_NU_MAX] = [1e-4/pi, 1], from the Cole-Hopf transformation
 * (Cole 1951; Hopf 1950; Basdevant et al., Computers & Fluids 14 (1986)):
 *   u(x,t) = -int sin(pi (x - eta)) f(x - eta) G(eta) d eta / int f(x - eta) G(eta) d eta,
 *   f(y) = exp(-kappa cos(pi y)),  kappa = 1 / (2 pi nu),  G(eta) = exp(-eta^2 / (4 nu t)).
 * With eta = sigma s, sigma = sqrt(4 nu t), both integrals have the weight exp(-s^2). f spans
 * exp(-+kappa) (kappa = 50 at the paper's nu, 5000 at 1e-4/pi), so every term is summed as
 * exp(E_i - c), E_i = log w_i - kappa cos(pi y_i), with c the largest E_i at that (x, t): c cancels
 * between numerator and denominator and nothing overflows or underflows early (log-sum-exp).
 *
 * Two rules, both measured over the paper's 25,600-point grid (max |u_n - u_2n|):
 * - nu == PF_REF_BURGERS_NU = 0.01/pi, the paper's (exactly that double): Gauss-Hermite of order
 *   128, kept bit for bit as it was before other viscosities existed, because stored results
 *   depend on it. n = 32: 3.8e-3, 48: 5.0e-7, 64: 1.4e-10, 80: 6.2e-14, 96 and above: 4e-15
 *   (rounding). The slowest points are at the latest times next to the shock (x ~ +-0.02,
 *   t = 0.99), where the integrand has two peaks far from s = 0 (|s| ~ 6.5 at t = 1). On a denser
 *   check (4001 x values, t = 0.9..1.0, and t down to 1e-6) order 128 agrees with 256 to 4e-15;
 *   the grid takes 0.1 s on one core. u_x(0, 1.6037/pi) = -152.005162 matches the published
 *   -152.00516 (Basdevant et al. 1986; tests/pde/test_ref_burgers.c).
 * - Every other nu: the trapezoidal rule in s on [-S, S] with `order` equispaced points (exactly
 *   antisymmetric). Gauss-Hermite does not scale: the dominant peaks of the integrand sit at
 *   eta = O(1), i.e. at |s| ~ 1/sqrt(nu t), which the Hermite nodes (|s| <= sqrt(2n)) reach only
 *   for n ~ 1/nu, and they crowd near s = 0 where nothing happens (measured: 1.5e-10 at n = 64
 *   vs 128 for nu = 0.0101/pi, 5.9e-10 at 128 vs 256 for nu = 1/pi, 1.4e-6 for nu = 1, where
 *   f(x - sigma s) oscillates with period 1/sqrt(nu t) in s). The integrand is entire and decays
 *   like a Gaussian, so the trapezoidal rule converges geometrically (error ~ exp(-pi^2 / (a h^2))
 *   for a peak exp(-a s^2); here a <= 1 + pi t since the curvature of kappa cos(pi(x - sigma s))
 *   in s is at most kappa pi^2 sigma^2 = 2 pi t), and its points go where the peaks are.
 *   Truncation: E(s) <= -s^2 + kappa and E(s) <= E(0) - s^2 + kappa pi sigma |s| (Lipschitz), while
 *   max E >= E(0) = -kappa cos(pi x); S is the smaller of the two radii beyond which every term is
 *   below exp(-50) of the largest, S1 = sqrt(kappa (1 + cos pi x) + 50) and
 *   S2 = (a + sqrt(a^2 + 200)) / 2 with a = kappa pi sigma = sqrt(t / nu), so the truncation error
 *   is below 1e-21 relative and rigorous; near t = 0 and next to x = +-1 S is small (about 7) and
 *   the rule is finer there than it needs to be.
 *   Order rule (pf_ref_burgers_order_nu): order = ceil(Smax (7 + 16 sqrt(nu))), Smax =
 *   sqrt(2 kappa + 50). Measured smallest n with max |u_n - u_2n| <= 1e-12 over 1025 x values x
 *   (t = 0.02..1 step 0.02, 1e-3, 1e-4, 1e-6), against the rule: nu = 1e-4/pi: 596 (rule 711),
 *   2e-4/pi: 437 (507), 5e-4/pi: 274 (327), 1e-3/pi: 200 (237), 0.002/pi: 146 (174), 0.005/pi:
 *   106 (121), 0.01/pi: 83 (97 next to it), 0.02/pi: 70 (83), 0.1/pi: 64 (77), 0.5/pi: 83 (97),
 *   1/pi: 90 (115), 1: 125 (164). Small nu needs about 6 Smax points (the peaks' width in s is
 *   O(1), the range grows like 1/sqrt(nu)); large nu about 9 points per period of f over the range
 *   (the second term). The error falls like exp(-c n^2), so the rule's 15-30% margin puts it at
 *   rounding: with the rule, on the paper's grid, max |u_n - u_2n| = 3.4e-15 at 0.002/pi, 1.1e-14
 *   at 1e-4/pi, 2.9e-15 at 1, and an independent composite Gauss-Legendre quadrature in eta
 *   (tests/pde/test_ref_burgers.c) agrees to 4e-15, 7e-15 and 3e-15. Grid cost on one core
 *   (about 35 ns per point and node): 0.1 s at the paper's nu, 0.15 s at 0.002/pi and at 1,
 *   0.65 s at 1e-4/pi (25,600 points x 711 nodes). Below 1e-4/pi the rule would keep working
 *   (cost ~ 1/sqrt(nu)), but kappa cos() carries a rounding of kappa * 1e-16 into the exponents
 *   and it was not verified, so the range stops there. */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"

#include <math.h>

static const double PF_REF_PI = 3.14159265358979323846;

/* Terms below exp(-PF_REF_BURGERS_TAIL) of the largest are left out of the trapezoidal sums. */
static const double PF_REF_BURGERS_TAIL = 50.0;

int pf_ref_burgers_order_nu(double nu) {
  if (!(nu >= PF_REF_BURGERS_NU_MIN && nu <= PF_REF_BURGERS_NU_MAX)) return 0;
  if (nu == PF_REF_BURGERS_NU) return PF_REF_BURGERS_ORDER;
  const double kappa = 1.0 / (2.0 * PF_REF_PI * nu);
  const double smax = sqrt(2.0 * kappa + PF_REF_BURGERS_TAIL);
  return (int)ceil(smax * (7.0 + 16.0 * sqrt(nu)));
}

/* u = -sum_i e^{ex_i - emax} sn_i / sum_i e^{ex_i - emax}: the Cole-Hopf ratio of either rule,
 * its weights as logarithms (emax = max ex_i, so no weight overflows and the largest is 1). */
static double cole_hopf_ratio(int order, const double *ex, double emax, const double *sn) {
  double num = 0.0, den = 0.0;
  for (int i = 0; i < order; i++) {
    double w = exp(ex[i] - emax);
    num += w * sn[i];
    den += w;
  }
  return -num / den;
}

/* Gauss-Hermite of order `order` (the paper's nu; arithmetic unchanged so the bits are too). */
static int eval_hermite(double nu, int order, size_t n, const double *x, const double *t,
                        double *u) {
  const double pi = PF_REF_PI;
  const double kappa = 1.0 / (2.0 * pi * nu); /* = 50 */
  double *s = NULL, *lw = NULL, *ex = NULL, *sn = NULL;
  int rc = PF_CALLOC(order, &s);
  if (!rc) rc = PF_CALLOC(order, &lw);
  if (!rc) rc = PF_CALLOC(order, &ex);
  if (!rc) rc = PF_CALLOC(order, &sn);
  if (!rc) rc = pf_ref_gauss_hermite(order, s, lw);
  for (size_t k = 0; k < n && !rc; k++) {
    if (t[k] == 0.0) {
      u[k] = -sin(pi * x[k]);
      continue;
    }
    const double sigma = sqrt(4.0 * nu * t[k]);
    double emax = -HUGE_VAL;
    for (int i = 0; i < order; i++) {
      double y = x[k] - sigma * s[i];
      ex[i] = lw[i] - kappa * cos(pi * y);
      sn[i] = sin(pi * y);
      if (ex[i] > emax) emax = ex[i];
    }
    u[k] = cole_hopf_ratio(order, ex, emax, sn);
    if (!isfinite(u[k]))
      rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                    "non-finite Cole-Hopf value at (x, t) = (%g, %g)", x[k], t[k]);
  }
  PF_FREE(&s);
  PF_FREE(&lw);
  PF_FREE(&ex);
  PF_FREE(&sn);
  PF_CALL(rc);
  return PF_OK;
}

/* Trapezoidal rule in s on [-S(x, t), S(x, t)] with `order` points (see the top comment). */
static int eval_trapezoid(double nu, int order, size_t n, const double *x, const double *t,
                          double *u) {
  const double pi = PF_REF_PI, tail = PF_REF_BURGERS_TAIL;
  const double kappa = 1.0 / (2.0 * pi * nu);
  double *ex = NULL, *sn = NULL;
  int rc = PF_CALLOC(order, &ex);
  if (!rc) rc = PF_CALLOC(order, &sn);
  for (size_t k = 0; k < n && !rc; k++) {
    if (t[k] == 0.0) {
      u[k] = -sin(pi * x[k]);
      continue;
    }
    const double sigma = sqrt(4.0 * nu * t[k]);
    const double s1 = sqrt(kappa * (1.0 + cos(pi * x[k])) + tail);
    const double a = kappa * pi * sigma, s2 = 0.5 * (a + sqrt(a * a + 4.0 * tail));
    /* Points (2j - (order - 1)) * S / (order - 1): s[order - 1 - j] == -s[j] exactly, so the
     * rule is symmetric about s = 0 (u(+-1, t) vanishes to rounding). */
    const double half = fmin(s1, s2) / (order - 1);
    double emax = -HUGE_VAL;
    for (int j = 0; j < order; j++) {
      double s = (2.0 * j - (order - 1)) * half, y = x[k] - sigma * s;
      ex[j] = -s * s - kappa * cos(pi * y);
      sn[j] = sin(pi * y);
      if (ex[j] > emax) emax = ex[j];
    }
    u[k] = cole_hopf_ratio(order, ex, emax, sn);
    if (!isfinite(u[k]))
      rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                    "non-finite Cole-Hopf value at (x, t) = (%g, %g), nu = %g", x[k], t[k], nu);
  }
  PF_FREE(&ex);
  PF_FREE(&sn);
  PF_CALL(rc);
  return PF_OK;
}

int pf_ref_burgers_eval_nu(double nu, int order, size_t n, const double *x, const double *t,
                           double *u) {
  PF_CHECK(nu >= PF_REF_BURGERS_NU_MIN && nu <= PF_REF_BURGERS_NU_MAX, PF_ERR_ARG,
           "Burgers viscosity nu = %g is outside the range the reference is verified for: "
           "[1e-4/pi, 1] = [%g, %g]",
           nu, PF_REF_BURGERS_NU_MIN, PF_REF_BURGERS_NU_MAX);
  if (order == 0) order = pf_ref_burgers_order_nu(nu);
  PF_CHECK(order >= 2, PF_ERR_ARG, "quadrature order must be >= 2 (or 0), got %d", order);
  PF_CHECK(n == 0 || (x && t && u), PF_ERR_ARG, "NULL array");
  for (size_t k = 0; k < n; k++)
    PF_CHECK(isfinite(x[k]) && isfinite(t[k]) && t[k] >= 0.0, PF_ERR_ARG,
             "point %zu: need finite x and t >= 0, got (x, t) = (%g, %g)", k, x[k], t[k]);
  if (nu == PF_REF_BURGERS_NU)
    PF_CALL(eval_hermite(nu, order, n, x, t, u));
  else
    PF_CALL(eval_trapezoid(nu, order, n, x, t, u));
  return PF_OK;
}

int pf_ref_burgers_eval(int order, size_t n, const double *x, const double *t, double *u) {
  PF_CALL(pf_ref_burgers_eval_nu(PF_REF_BURGERS_NU, order, n, x, t, u));
  return PF_OK;
}

int pf_ref_burgers_grid_nu(double nu, int order, double *x, double *t, double *u) {
  const int nx = PF_REF_BURGERS_NX, nt = PF_REF_BURGERS_NT;
  PF_CHECK(u, PF_ERR_ARG, "NULL output array");
  double *xs = NULL, *ts = NULL;
  int rc = PF_CALLOC((size_t)nx * nt, &xs);
  if (!rc) rc = PF_CALLOC((size_t)nx * nt, &ts);
  if (!rc) {
    for (int it = 0; it < nt; it++)
      for (int ix = 0; ix < nx; ix++) {
        /* linspace(-1, 1, 256), written so that x[255 - i] == -x[i] exactly */
        xs[(size_t)it * nx + ix] = (2.0 * ix - (nx - 1)) / (nx - 1);
        ts[(size_t)it * nx + ix] = it / 100.0;
      }
    if (x)
      for (int ix = 0; ix < nx; ix++) x[ix] = xs[ix];
    if (t)
      for (int it = 0; it < nt; it++) t[it] = ts[(size_t)it * nx];
    rc = pf_ref_burgers_eval_nu(nu, order, (size_t)nx * nt, xs, ts, u);
  }
  PF_FREE(&xs);
  PF_FREE(&ts);
  PF_CALL(rc);
  return PF_OK;
}

int pf_ref_burgers_grid(int order, double *x, double *t, double *u) {
  PF_CALL(pf_ref_burgers_grid_nu(PF_REF_BURGERS_NU, order, x, t, u));
  return PF_OK;
}
