/* Drift-diffusion: u_t - D u_xx + beta u_x = 0 on [0, 2 pi] x [0,1] (the paper's D = 1,
 * beta = 20), u = sin(2x + pi/4) + [sin(pi/4 - 2 beta t) e^{-4 D t} - sin(pi/4)] + t x (2 pi - x)
 * N; exact solution sin(2x - 2 beta t + pi/4) e^{-4 D t}. */
#include "pde_impl.h"

#include <math.h>

static void transform(const void *ctx, size_t n, const double *x, const double *t, double *A,
                      double *B) {
  const double q = PF_PI / 4, D = ((const double *)ctx)[0], beta = ((const double *)ctx)[1];
  /* with D = 1, beta = 20 every factor below is the integer the paper's formulas have */
  const double w = 2 * beta, g = -4 * D;
  for (size_t i = 0; i < n; i++) {
    const double X = x[i], T = t[i], a = q - w * T, e = exp(g * T);
    CH(A, PF_CH_V) = sin(2 * X + q) + sin(a) * e - sin(q);
    CH(A, PF_CH_X) = 2 * cos(2 * X + q);
    CH(A, PF_CH_XX) = -4 * sin(2 * X + q);
    CH(A, PF_CH_T) = e * (-w * cos(a) + g * sin(a));
    CH(A, PF_CH_TT) = e * ((g * g - w * w) * sin(a) - 2 * g * w * cos(a));
    CH(B, PF_CH_V) = T * X * (2 * PF_PI - X), CH(B, PF_CH_X) = T * (2 * PF_PI - 2 * X);
    CH(B, PF_CH_XX) = -2 * T, CH(B, PF_CH_T) = X * (2 * PF_PI - X), CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                     double *r, double *dr, double *d2r) {
  const double D = ((const double *)ctx)[0], beta = ((const double *)ctx)[1];
  for (size_t i = 0; i < n; i++) {
    r[i] = CH(u, PF_CH_T) - D * CH(u, PF_CH_XX) + beta * CH(u, PF_CH_X);
    if (dr) CH(dr, PF_CH_T) = 1, CH(dr, PF_CH_XX) = -D, CH(dr, PF_CH_X) = beta;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *x, const double *t, double *u) {
  const double w = 2 * coef[1], g = -4 * coef[0];
  for (size_t i = 0; i < n; i++) u[i] = sin(2 * x[i] - w * t[i] + PF_PI / 4) * exp(g * t[i]);
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {1, 20};

const pf_pde pf_pde_drift_diffusion = {
    .name = "drift_diffusion",
    .residual = "u_t - D u_xx + beta u_x",
    .xlo = 0,
    .xhi = 2 * PF_PI,
    .tlo = 0,
    .thi = 1,
    .nhidden = 3,
    .hidden = {64, 64, 64},
    .initial_points = 1000,
    .ncoef = 2,
    .coef = {{"D", "diffusion", 1e-6, 1e3}, {"beta", "drift", -1e3, 1e3}},
    .ops = {PF_CH_STD, transform, residual, defaults},
    .exact = exact,
};
