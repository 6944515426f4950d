/* Burgers: u_t + u u_x - nu u_xx = 0 on [-1,1] x [0,1], u = -sin(pi x) + (1 - x^2) t N; the paper's
 * nu = 0.01/pi. No closed form; the reference is the Cole-Hopf integral (ref_burgers.c). */
#include "pde_impl.h"
#include "pinnfluence/reference.h"

#include <math.h>

static void transform(const void *ctx, size_t n, const double *x, const double *t, double *A,
                      double *B) {
  for (size_t i = 0; i < n; i++) {
    const double s = sin(PF_PI * x[i]), c = cos(PF_PI * x[i]), X = x[i], T = t[i];
    CH(A, PF_CH_V) = -s, CH(A, PF_CH_X) = -PF_PI * c, CH(A, PF_CH_XX) = PF_PI * PF_PI * s;
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = (1 - X * X) * T, CH(B, PF_CH_X) = -2 * X * T, CH(B, PF_CH_XX) = -2 * T;
    CH(B, PF_CH_T) = 1 - X * X, CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                     double *r, double *dr, double *d2r) {
  const double nu = ((const double *)ctx)[0];
  for (size_t i = 0; i < n; i++) {
    const double v = CH(u, PF_CH_V), vx = CH(u, PF_CH_X);
    r[i] = CH(u, PF_CH_T) + v * vx - nu * CH(u, PF_CH_XX);
    if (dr) {
      CH(dr, PF_CH_V) = vx, CH(dr, PF_CH_X) = v;
      CH(dr, PF_CH_T) = 1, CH(dr, PF_CH_XX) = -nu;
    }
    if (d2r) CH2(d2r, PF_CH_V, PF_CH_X) = 1, CH2(d2r, PF_CH_X, PF_CH_V) = 1;
  }
}

static int grid(const double *coef, double *x, double *t, double *u) {
  return pf_ref_burgers_grid_nu(coef[0], 0, x, t, u);
}

/* the paper's coefficients: the defaults */
static const double defaults[] = {PF_REF_BURGERS_NU};

const pf_pde pf_pde_burgers = {
    .name = "burgers",
    .residual = "u_t + u u_x - nu u_xx",
    .xlo = -1,
    .xhi = 1,
    .tlo = 0,
    .thi = 1,
    .nhidden = 3,
    .hidden = {32, 32, 32},
    .initial_points = 1000,
    .ncoef = 1,
    .coef = {{"nu", "viscosity", PF_REF_BURGERS_NU_MIN, PF_REF_BURGERS_NU_MAX}},
    .ops = {PF_CH_STD, transform, residual, defaults},
    .exact = NULL,
    .grid_nx = PF_REF_BURGERS_NX,
    .grid_nt = PF_REF_BURGERS_NT,
    .grid = grid,
};
