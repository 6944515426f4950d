/* Allen-Cahn: u_t - D u_xx + k (u^3 - u) = 0 on [-1,1] x [0,1] (the paper's D = 0.001, k = 5),
 * u = t (1 + x)(1 - x) N + x^2 cos(pi x). No closed form; the reference is computed by a spectral
 * solver (ref_allen_cahn.c). Inputs (x, t), reads u, u_t, u_xx. */
#include "pde_impl.h"
#include "pinnfluence/reference.h"

#include <math.h>

#define NREAD 3 /* q_0 = u, q_1 = u_t, q_2 = u_xx */

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1], s = sin(PF_PI * x), c = cos(PF_PI * x);
    CH(A, PF_CH_V) = x * x * c;
    CH(A, PF_CH_X) = 2 * x * c - PF_PI * x * x * s;
    CH(A, PF_CH_XX) = 2 * c - 4 * PF_PI * x * s - PF_PI * PF_PI * x * x * c;
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_XT) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = t * (1 - x * x), CH(B, PF_CH_X) = -2 * x * t, CH(B, PF_CH_XX) = -2 * t;
    CH(B, PF_CH_T) = 1 - x * x, CH(B, PF_CH_XT) = -2 * x, CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  (void)X;
  const double D = ((const double *)ctx)[0], k = ((const double *)ctx)[1];
  for (size_t i = 0; i < n; i++) {
    const double v = Q(0);
    r[i] = Q(1) - D * Q(2) + k * (v * v * v - v);
    if (dr) DR(0) = k * (3 * v * v - 1), DR(1) = 1, DR(2) = -D;
    if (d2r) D2R(0, 0) = 6 * k * v;
  }
}

static int grid(const double *coef, double *x, double *t, double *u) {
  return pf_ref_allen_cahn_grid_coef(coef[0], coef[1], 0, 0, x, t, u);
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {0.001, 5};

const pf_pde pf_pde_allen_cahn = {
    .name = "allen_cahn",
    .residual = "u_t - D u_xx + k (u^3 - u)",
    .inputs = {"x", "t"},
    .lo = {-1, 0},
    .hi = {1, 1},
    .outputs = {"u"},
    .components = {"r"},
    .nhidden = 3,
    .hidden = {64, 64, 64},
    .initial_points = 1000,
    .ncoef = 2,
    .coef = {{"D", "diffusion", PF_REF_ALLEN_CAHN_D_MIN, PF_REF_ALLEN_CAHN_D_MAX},
             {"k", "reaction", PF_REF_ALLEN_CAHN_K_MIN, PF_REF_ALLEN_CAHN_K_MAX}},
    .ops = {.d = 2,
            .m = 1,
            .k = 1,
            .nread = NREAD,
            .read = {{0, PF_CH_V}, {0, PF_CH_T}, {0, PF_CH_XX}},
            .weight = {1},
            .transform = transform,
            .residual = residual,
            .ctx = defaults},
    .exact = NULL,
    .grid_nx = PF_REF_ALLEN_CAHN_NX,
    .grid_nt = PF_REF_ALLEN_CAHN_NT,
    .grid = grid,
};
