/* Diffusion with a source: u_t - D u_xx + e^{-t} (sin(pi x) - D pi^2 sin(pi x)) = 0 on
 * [-1,1] x [0,1] (the paper's D = 1), u = sin(pi x) + (1 - x^2) t N; exact solution
 * e^{-t} sin(pi x) for every D (the source follows D). */
#include "pde_impl.h"

#include <math.h>

static void transform(const void *ctx, size_t n, const double *x, const double *t, double *A,
                      double *B) {
  for (size_t i = 0; i < n; i++) {
    const double s = sin(PF_PI * x[i]), c = cos(PF_PI * x[i]), X = x[i], T = t[i];
    CH(A, PF_CH_V) = s, CH(A, PF_CH_X) = PF_PI * c, CH(A, PF_CH_XX) = -PF_PI * PF_PI * s;
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = (1 - X * X) * T, CH(B, PF_CH_X) = -2 * X * T, CH(B, PF_CH_XX) = -2 * T;
    CH(B, PF_CH_T) = 1 - X * X, CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                     double *r, double *dr, double *d2r) {
  const double D = ((const double *)ctx)[0];
  for (size_t i = 0; i < n; i++) {
    const double s = sin(PF_PI * x[i]);
    r[i] = CH(u, PF_CH_T) - D * CH(u, PF_CH_XX) + exp(-t[i]) * (s - D * PF_PI * PF_PI * s);
    if (dr) CH(dr, PF_CH_T) = 1, CH(dr, PF_CH_XX) = -D;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *x, const double *t, double *u) {
  (void)coef; /* the source keeps the solution */
  for (size_t i = 0; i < n; i++) u[i] = exp(-t[i]) * sin(PF_PI * x[i]);
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {1};

const pf_pde pf_pde_diffusion = {
    .name = "diffusion",
    .residual = "u_t - D u_xx + exp(-t) (sin(pi x) - D pi^2 sin(pi x))",
    .xlo = -1,
    .xhi = 1,
    .tlo = 0,
    .thi = 1,
    .nhidden = 3,
    .hidden = {32, 32, 32},
    .initial_points = 30,
    .ncoef = 1,
    .coef = {{"D", "diffusion", 1e-6, 1e6}},
    .ops = {PF_CH_STD, transform, residual, defaults},
    .exact = exact,
};
