/* Drift-diffusion: u_t - D u_xx + beta u_x = 0 on [0, 2 pi] x [0,1] (the paper's D = 1,
 * beta = 20), u = sin(2x + pi/4) + [sin(pi/4 - 2 beta t) e^{-4 D t} - sin(pi/4)] + t x (2 pi - x)
 * N; exact solution sin(2x - 2 beta t + pi/4) e^{-4 D t}. Inputs (x, t), reads u_x, u_t, u_xx. */
#include "pde_impl.h"

#include <math.h>

#define NREAD 3 /* q_0 = u_x, q_1 = u_t, q_2 = u_xx */

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  const double q = PF_PI / 4, D = ((const double *)ctx)[0], beta = ((const double *)ctx)[1];
  /* with D = 1, beta = 20 every factor below is the integer the paper's formulas have */
  const double w = 2 * beta, g = -4 * D;
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1], a = q - w * t, e = exp(g * t);
    CH(A, PF_CH_V) = sin(2 * x + q) + sin(a) * e - sin(q);
    CH(A, PF_CH_X) = 2 * cos(2 * x + q);
    CH(A, PF_CH_XX) = -4 * sin(2 * x + q);
    CH(A, PF_CH_T) = e * (-w * cos(a) + g * sin(a));
    CH(A, PF_CH_XT) = 0; /* A is a function of x plus one of t */
    CH(A, PF_CH_TT) = e * ((g * g - w * w) * sin(a) - 2 * g * w * cos(a));
    CH(B, PF_CH_V) = t * x * (2 * PF_PI - x), CH(B, PF_CH_X) = t * (2 * PF_PI - 2 * x);
    CH(B, PF_CH_XX) = -2 * t, CH(B, PF_CH_T) = x * (2 * PF_PI - x), CH(B, PF_CH_TT) = 0;
    CH(B, PF_CH_XT) = 2 * PF_PI - 2 * x;
  }
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  (void)X;
  const double D = ((const double *)ctx)[0], beta = ((const double *)ctx)[1];
  for (size_t i = 0; i < n; i++) {
    r[i] = Q(1) - D * Q(2) + beta * Q(0);
    if (dr) DR(1) = 1, DR(2) = -D, DR(0) = beta;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *X, double *u) {
  const double w = 2 * coef[1], g = -4 * coef[0];
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1];
    u[i] = sin(2 * x - w * t + PF_PI / 4) * exp(g * t);
  }
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {1, 20};

const pf_pde pf_pde_drift_diffusion = {
    .name = "drift_diffusion",
    .residual = "u_t - D u_xx + beta u_x",
    .inputs = {"x", "t"},
    .lo = {0, 0},
    .hi = {2 * PF_PI, 1},
    .outputs = {"u"},
    .components = {"r"},
    .nhidden = 3,
    .hidden = {64, 64, 64},
    .initial_points = 1000,
    .ncoef = 2,
    .coef = {{"D", "diffusion", 1e-6, 1e3}, {"beta", "drift", -1e3, 1e3}},
    .ops = {.d = 2,
            .m = 1,
            .k = 1,
            .nread = NREAD,
            .read = {{0, PF_CH_X}, {0, PF_CH_T}, {0, PF_CH_XX}},
            .weight = {1},
            .transform = transform,
            .residual = residual,
            .ctx = defaults},
    .exact = exact,
};
