/* Wave: u_tt - c^2 u_xx = 0 on [0,1] x [0,1] (the paper's c = 2),
 * u = 20 N x (1 - x) t^2 + sin(pi x) + sin(4 pi x)/2;
 * exact solution sin(pi x) cos(c pi t) + sin(4 pi x) cos(4 c pi t) / 2. Inputs (x, t), reads
 * u_xx, u_tt. */
#include "pde_impl.h"

#include <math.h>

#define NREAD 2 /* q_0 = u_xx, q_1 = u_tt */

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  (void)ctx;
  const double p = PF_PI;
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1];
    CH(A, PF_CH_V) = sin(p * x) + 0.5 * sin(4 * p * x);
    CH(A, PF_CH_X) = p * cos(p * x) + 2 * p * cos(4 * p * x);
    CH(A, PF_CH_XX) = -p * p * sin(p * x) - 8 * p * p * sin(4 * p * x);
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_XT) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = 20 * x * (1 - x) * t * t, CH(B, PF_CH_X) = 20 * (1 - 2 * x) * t * t;
    CH(B, PF_CH_XX) = -40 * t * t, CH(B, PF_CH_T) = 40 * x * (1 - x) * t;
    CH(B, PF_CH_XT) = 40 * (1 - 2 * x) * t, CH(B, PF_CH_TT) = 40 * x * (1 - x);
  }
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  (void)X;
  const double c = ((const double *)ctx)[0], c2 = c * c;
  for (size_t i = 0; i < n; i++) {
    r[i] = Q(1) - c2 * Q(0);
    if (dr) DR(1) = 1, DR(0) = -c2;
  }
  (void)d2r; /* linear in u */
}

static void exact(const double *coef, size_t n, const double *X, double *u) {
  const double c = coef[0];
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1];
    u[i] = sin(PF_PI * x) * cos(c * PF_PI * t) + 0.5 * sin(4 * PF_PI * x) * cos(4 * c * PF_PI * t);
  }
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {2};

const pf_pde pf_pde_wave = {
    .name = "wave",
    .residual = "u_tt - c^2 u_xx",
    .inputs = {"x", "t"},
    .lo = {0, 0},
    .hi = {1, 1},
    .outputs = {"u"},
    .components = {"r"},
    .nhidden = 5,
    .hidden = {100, 100, 100, 100, 100},
    .initial_points = 1000,
    .ncoef = 1,
    .coef = {{"c", "wave speed", 1e-3, 1e3}},
    .ops = {.d = 2,
            .m = 1,
            .k = 1,
            .nread = NREAD,
            .read = {{0, PF_CH_XX}, {0, PF_CH_TT}},
            .weight = {1},
            .transform = transform,
            .residual = residual,
            .ctx = defaults},
    .exact = exact,
};
