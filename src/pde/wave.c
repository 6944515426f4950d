/* Wave: u_tt - 4 u_xx = 0 on [0,1] x [0,1], u = 20 N x (1 - x) t^2 + sin(pi x) + sin(4 pi x)/2;
 * exact solution sin(pi x) cos(2 pi t) + sin(4 pi x) cos(8 pi t) / 2. */
#include "pde_impl.h"

#include <math.h>

static void transform(const void *ctx, size_t n, const double *x, const double *t, double *A,
                      double *B) {
  const double p = PF_PI;
  for (size_t i = 0; i < n; i++) {
    const double X = x[i], T = t[i];
    CH(A, PF_CH_V) = sin(p * X) + 0.5 * sin(4 * p * X);
    CH(A, PF_CH_X) = p * cos(p * X) + 2 * p * cos(4 * p * X);
    CH(A, PF_CH_XX) = -p * p * sin(p * X) - 8 * p * p * sin(4 * p * X);
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = 20 * X * (1 - X) * T * T, CH(B, PF_CH_X) = 20 * (1 - 2 * X) * T * T;
    CH(B, PF_CH_XX) = -40 * T * T, CH(B, PF_CH_T) = 40 * X * (1 - X) * T;
    CH(B, PF_CH_TT) = 40 * X * (1 - X);
  }
}

static void residual(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                     double *r, double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) {
    r[i] = CH(u, PF_CH_TT) - 4 * CH(u, PF_CH_XX);
    if (dr) CH(dr, PF_CH_TT) = 1, CH(dr, PF_CH_XX) = -4;
  }
  (void)d2r; /* linear in u */
}

static void exact(size_t n, const double *x, const double *t, double *u) {
  for (size_t i = 0; i < n; i++)
    u[i] = sin(PF_PI * x[i]) * cos(2 * PF_PI * t[i]) +
           0.5 * sin(4 * PF_PI * x[i]) * cos(8 * PF_PI * t[i]);
}

const pf_pde pf_pde_wave = {
    .name = "wave",
    .residual = "u_tt - 4 u_xx",
    .xlo = 0,
    .xhi = 1,
    .tlo = 0,
    .thi = 1,
    .nhidden = 5,
    .hidden = {100, 100, 100, 100, 100},
    .initial_points = 1000,
    .ops = {PF_CH_STD | PF_JET(PF_CH_TT), transform, residual, NULL},
    .exact = exact,
};
