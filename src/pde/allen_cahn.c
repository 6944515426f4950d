/* Allen-Cahn: u_t - D u_xx + k (u^3 - u) = 0 on [-1,1] x [0,1] (the paper's D = 0.001, k = 5),
 * u = t (1 + x)(1 - x) N + x^2 cos(pi x). No closed form; the reference is computed by a spectral
 * solver (ref_allen_cahn.c). */
#include "pde_impl.h"
#include "pinnfluence/reference.h"

#include <math.h>

static void transform(const void *ctx, size_t n, const double *x, const double *t, double *A,
                      double *B) {
  for (size_t i = 0; i < n; i++) {
    const double X = x[i], T = t[i], s = sin(PF_PI * X), c = cos(PF_PI * X);
    CH(A, PF_CH_V) = X * X * c;
    CH(A, PF_CH_X) = 2 * X * c - PF_PI * X * X * s;
    CH(A, PF_CH_XX) = 2 * c - 4 * PF_PI * X * s - PF_PI * PF_PI * X * X * c;
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = T * (1 - X * X), CH(B, PF_CH_X) = -2 * X * T, CH(B, PF_CH_XX) = -2 * T;
    CH(B, PF_CH_T) = 1 - X * X, CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                     double *r, double *dr, double *d2r) {
  const double D = ((const double *)ctx)[0], k = ((const double *)ctx)[1];
  for (size_t i = 0; i < n; i++) {
    const double v = CH(u, PF_CH_V);
    r[i] = CH(u, PF_CH_T) - D * CH(u, PF_CH_XX) + k * (v * v * v - v);
    if (dr) CH(dr, PF_CH_V) = k * (3 * v * v - 1), CH(dr, PF_CH_T) = 1, CH(dr, PF_CH_XX) = -D;
    if (d2r) CH2(d2r, PF_CH_V, PF_CH_V) = 6 * k * v;
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
    .xlo = -1,
    .xhi = 1,
    .tlo = 0,
    .thi = 1,
    .nhidden = 3,
    .hidden = {64, 64, 64},
    .initial_points = 1000,
    .ncoef = 2,
    .coef = {{"D", "diffusion", PF_REF_ALLEN_CAHN_D_MIN, PF_REF_ALLEN_CAHN_D_MAX},
             {"k", "reaction", PF_REF_ALLEN_CAHN_K_MIN, PF_REF_ALLEN_CAHN_K_MAX}},
    .ops = {PF_CH_STD, transform, residual, defaults},
    .exact = NULL,
    .grid_nx = PF_REF_ALLEN_CAHN_NX,
    .grid_nt = PF_REF_ALLEN_CAHN_NT,
    .grid = grid,
};
