/* Diffusion with a source: u_t - D u_xx + e^{-t} (sin(pi x) - D pi^2 sin(pi x)) = 0 on
 * [-1,1] x [0,1] (the paper's D = 1), u = sin(pi x) + (1 - x^2) t N; exact solution
 * e^{-t} sin(pi x) for every D (the source follows D). Inputs (x, t), reads u_t, u_xx. */
#include "pde_impl.h"

#include <math.h>

#define NREAD 2 /* q_0 = u_t, q_1 = u_xx */

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1], s = sin(PF_PI * x), c = cos(PF_PI * x);
    CH(A, PF_CH_V) = s, CH(A, PF_CH_X) = PF_PI * c, CH(A, PF_CH_XX) = -PF_PI * PF_PI * s;
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_XT) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = (1 - x * x) * t, CH(B, PF_CH_X) = -2 * x * t, CH(B, PF_CH_XX) = -2 * t;
    CH(B, PF_CH_T) = 1 - x * x, CH(B, PF_CH_XT) = -2 * x, CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  const double D = ((const double *)ctx)[0];
  for (size_t i = 0; i < n; i++) {
    const double s = sin(PF_PI * X[2 * i]);
    r[i] = Q(0) - D * Q(1) + exp(-X[2 * i + 1]) * (s - D * PF_PI * PF_PI * s);
    if (dr) DR(0) = 1, DR(1) = -D;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *X, double *u) {
  (void)coef; /* the source keeps the solution */
  for (size_t i = 0; i < n; i++) u[i] = exp(-X[2 * i + 1]) * sin(PF_PI * X[2 * i]);
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {1};

const pf_pde pf_pde_diffusion = {
    .name = "diffusion",
    .residual = "u_t - D u_xx + exp(-t) (sin(pi x) - D pi^2 sin(pi x))",
    .inputs = {"x", "t"},
    .lo = {-1, 0},
    .hi = {1, 1},
    .outputs = {"u"},
    .components = {"r"},
    .nhidden = 3,
    .hidden = {32, 32, 32},
    .initial_points = 30,
    .ncoef = 1,
    .coef = {{"D", "diffusion", 1e-6, 1e6}},
    .ops = {.d = 2,
            .m = 1,
            .k = 1,
            .nread = NREAD,
            .read = {{0, PF_CH_T}, {0, PF_CH_XX}},
            .weight = {1},
            .transform = transform,
            .residual = residual,
            .ctx = defaults},
    .exact = exact,
};
