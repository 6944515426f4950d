/* Heat equation in two space dimensions: u_t - alpha (u_xx + u_yy) = 0 on [0,1]^2 x [0,1]
 * (default alpha = 0.05), zero on the four sides, u(x, y, 0) = u0(x, y) with two Fourier modes,
 * u0 = sin(pi x) sin(pi y) + sin(2 pi x) sin(pi y) / 2. Hard constraint
 * u = u0(x, y) + x (1 - x) y (1 - y) t N: u0 vanishes on the sides, so the boundary and initial
 * values hold exactly. Exact solution, each mode decaying at its own rate:
 * u = sin(pi x) sin(pi y) e^{-2 pi^2 alpha t} + sin(2 pi x) sin(pi y) e^{-5 pi^2 alpha t} / 2.
 * Inputs (x, y, t), reads u_t, u_xx, u_yy. */
#include "pde_impl.h"

#include <math.h>

#define NREAD 3 /* q_0 = u_t, q_1 = u_xx, q_2 = u_yy */

/* the full jet of d = 3, pf_jet_index(3, a, b) with (x, y, t) = (0, 1, 2) */
enum { J_V, J_X, J_Y, J_T, J_XX, J_XY, J_XT, J_YY, J_YT, J_TT };

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  (void)ctx;
  const double p = PF_PI, p2 = PF_PI * PF_PI;
  for (size_t i = 0; i < n; i++) {
    const double x = X[3 * i], y = X[3 * i + 1], t = X[3 * i + 2];
    /* u0 = f(x) g(y): f = sin(pi x) + sin(2 pi x) / 2, g = sin(pi y) */
    const double sx = sin(p * x), s2x = sin(2 * p * x), sy = sin(p * y);
    const double f = sx + 0.5 * s2x, fx = p * (cos(p * x) + cos(2 * p * x));
    const double fxx = -p2 * (sx + 2 * s2x);
    const double g = sy, gy = p * cos(p * y), gyy = -p2 * sy;
    CH(A, J_V) = f * g, CH(A, J_X) = fx * g, CH(A, J_Y) = f * gy, CH(A, J_T) = 0;
    CH(A, J_XX) = fxx * g, CH(A, J_XY) = fx * gy, CH(A, J_XT) = 0;
    CH(A, J_YY) = f * gyy, CH(A, J_YT) = 0, CH(A, J_TT) = 0;
    /* B = a(x) b(y) t: a = x (1 - x), b = y (1 - y) */
    const double a = x * (1 - x), ax = 1 - 2 * x, b = y * (1 - y), by = 1 - 2 * y;
    CH(B, J_V) = a * b * t, CH(B, J_X) = ax * b * t, CH(B, J_Y) = a * by * t, CH(B, J_T) = a * b;
    CH(B, J_XX) = -2 * b * t, CH(B, J_XY) = ax * by * t, CH(B, J_XT) = ax * b;
    CH(B, J_YY) = -2 * a * t, CH(B, J_YT) = a * by, CH(B, J_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  (void)X;
  const double alpha = ((const double *)ctx)[0];
  for (size_t i = 0; i < n; i++) {
    r[i] = Q(0) - alpha * (Q(1) + Q(2));
    if (dr) DR(0) = 1, DR(1) = -alpha, DR(2) = -alpha;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *X, double *u) {
  const double alpha = coef[0], p2 = PF_PI * PF_PI;
  for (size_t i = 0; i < n; i++) {
    const double x = X[3 * i], y = X[3 * i + 1], t = X[3 * i + 2], sy = sin(PF_PI * y);
    u[i] = sin(PF_PI * x) * sy * exp(-2 * p2 * alpha * t) +
           0.5 * sin(2 * PF_PI * x) * sy * exp(-5 * p2 * alpha * t);
  }
}

/* the default diffusivity: over t in [0, 1] the two modes decay to e^{-0.99} and e^{-2.5} */
static const double defaults[] = {0.05};

const pf_pde pf_pde_heat2d = {
    .name = "heat2d",
    .residual = "u_t - alpha (u_xx + u_yy)",
    .inputs = {"x", "y", "t"},
    .lo = {0, 0, 0},
    .hi = {1, 1, 1},
    .outputs = {"u"},
    .components = {"r"},
    .nhidden = 3,
    .hidden = {32, 32, 32},
    .initial_points = 1000,
    .ncoef = 1,
    /* the closed form holds for every alpha >= 0; up to 1 the slow mode stays above 3e-9 over
     * the whole interval, while for large alpha the solution is zero to rounding beyond
     * t = 1.9 / alpha and the relative error measures little but the first instants */
    .coef = {{"alpha", "diffusivity", 0, 1}},
    .ops = {.d = 3,
            .m = 1,
            .k = 1,
            .nread = NREAD,
            .read = {{0, J_T}, {0, J_XX}, {0, J_YY}},
            .weight = {1},
            .transform = transform,
            .residual = residual,
            .ctx = defaults},
    .exact = exact,
};
