/* Allen-Cahn: u_t - 0.001 u_xx + 5 (u^3 - u) = 0 on [-1,1] x [0,1],
 * u = t (1 + x)(1 - x) N + x^2 cos(pi x). No closed form; the reference is computed by a spectral
 * solver (ref_allen_cahn.c). */
#include "pde_impl.h"

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
  for (size_t i = 0; i < n; i++) {
    const double v = CH(u, PF_CH_V);
    r[i] = CH(u, PF_CH_T) - 0.001 * CH(u, PF_CH_XX) + 5 * (v * v * v - v);
    if (dr) CH(dr, PF_CH_V) = 5 * (3 * v * v - 1), CH(dr, PF_CH_T) = 1, CH(dr, PF_CH_XX) = -0.001;
    if (d2r) CH2(d2r, PF_CH_V, PF_CH_V) = 30 * v;
  }
}

const pf_pde pf_pde_allen_cahn = {
    .name = "allen_cahn",
    .residual = "u_t - 0.001 u_xx + 5 (u^3 - u)",
    .xlo = -1,
    .xhi = 1,
    .tlo = 0,
    .thi = 1,
    .nhidden = 3,
    .hidden = {64, 64, 64},
    .initial_points = 1000,
    .ops = {PF_CH_STD, transform, residual, NULL},
    .exact = NULL,
};
