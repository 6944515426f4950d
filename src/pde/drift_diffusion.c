/* Drift-diffusion: u_t - u_xx + 20 u_x = 0 on [0, 2 pi] x [0,1],
 * u = sin(2x + pi/4) + [sin(pi/4 - 40 t) e^{-4t} - sin(pi/4)] + t x (2 pi - x) N;
 * exact solution sin(2x - 40t + pi/4) e^{-4t}. */
#include "pde_impl.h"

#include <math.h>

static void transform(const void *ctx, size_t n, const double *x, const double *t, double *A,
                      double *B) {
  const double q = PF_PI / 4;
  for (size_t i = 0; i < n; i++) {
    const double X = x[i], T = t[i], a = q - 40 * T, e = exp(-4 * T);
    CH(A, PF_CH_V) = sin(2 * X + q) + sin(a) * e - sin(q);
    CH(A, PF_CH_X) = 2 * cos(2 * X + q);
    CH(A, PF_CH_XX) = -4 * sin(2 * X + q);
    CH(A, PF_CH_T) = e * (-40 * cos(a) - 4 * sin(a));
    CH(A, PF_CH_TT) = e * (-1584 * sin(a) + 320 * cos(a));
    CH(B, PF_CH_V) = T * X * (2 * PF_PI - X), CH(B, PF_CH_X) = T * (2 * PF_PI - 2 * X);
    CH(B, PF_CH_XX) = -2 * T, CH(B, PF_CH_T) = X * (2 * PF_PI - X), CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                     double *r, double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) {
    r[i] = CH(u, PF_CH_T) - CH(u, PF_CH_XX) + 20 * CH(u, PF_CH_X);
    if (dr) CH(dr, PF_CH_T) = 1, CH(dr, PF_CH_XX) = -1, CH(dr, PF_CH_X) = 20;
  }
  (void)d2r; /* linear in u */
}

static void exact(size_t n, const double *x, const double *t, double *u) {
  for (size_t i = 0; i < n; i++) u[i] = sin(2 * x[i] - 40 * t[i] + PF_PI / 4) * exp(-4 * t[i]);
}

const pf_pde pf_pde_drift_diffusion = {
    .name = "drift_diffusion",
    .residual = "u_t - u_xx + 20 u_x",
    .xlo = 0,
    .xhi = 2 * PF_PI,
    .tlo = 0,
    .thi = 1,
    .nhidden = 3,
    .hidden = {64, 64, 64},
    .initial_points = 1000,
    .ops = {PF_CH_STD, transform, residual, NULL},
    .exact = exact,
};
