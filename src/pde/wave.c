/* Wave: u_tt - c^2 u_xx = 0 on [0,1] x [0,1] (the paper's c = 2),
 * u = 20 N x (1 - x) t^2 + sin(pi x) + sin(4 pi x)/2;
 * exact solution sin(pi x) cos(c pi t) + sin(4 pi x) cos(4 c pi t) / 2. */
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
  const double c = ((const double *)ctx)[0], c2 = c * c;
  for (size_t i = 0; i < n; i++) {
    r[i] = CH(u, PF_CH_TT) - c2 * CH(u, PF_CH_XX);
    if (dr) CH(dr, PF_CH_TT) = 1, CH(dr, PF_CH_XX) = -c2;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *x, const double *t, double *u) {
  const double c = coef[0];
  for (size_t i = 0; i < n; i++)
    u[i] = sin(PF_PI * x[i]) * cos(c * PF_PI * t[i]) +
           0.5 * sin(4 * PF_PI * x[i]) * cos(4 * c * PF_PI * t[i]);
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {2};

const pf_pde pf_pde_wave = {
    .name = "wave",
    .residual = "u_tt - c^2 u_xx",
    .xlo = 0,
    .xhi = 1,
    .tlo = 0,
    .thi = 1,
    .nhidden = 5,
    .hidden = {100, 100, 100, 100, 100},
    .initial_points = 1000,
    .ncoef = 1,
    .coef = {{"c", "wave speed", 1e-3, 1e3}},
    .ops = {PF_CH_STD | PF_JET(PF_CH_TT), transform, residual, defaults},
    .exact = exact,
};
