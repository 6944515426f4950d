/* Burgers: u_t + u u_x - nu u_xx = 0 on [-1,1] x [0,1], u = -sin(pi x) + (1 - x^2) t N; the paper's
 * nu = 0.01/pi. No closed form; the reference is the Cole-Hopf integral (ref_burgers.c). Inputs
 * (x, t), reads u, u_x, u_t, u_xx. */
#include "pde_impl.h"
#include "pinnfluence/reference.h"

#include <math.h>

#define NREAD 4 /* q_0 = u, q_1 = u_x, q_2 = u_t, q_3 = u_xx */

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) {
    const double x = X[2 * i], t = X[2 * i + 1], s = sin(PF_PI * x), c = cos(PF_PI * x);
    CH(A, PF_CH_V) = -s, CH(A, PF_CH_X) = -PF_PI * c, CH(A, PF_CH_XX) = PF_PI * PF_PI * s;
    CH(A, PF_CH_T) = 0, CH(A, PF_CH_XT) = 0, CH(A, PF_CH_TT) = 0;
    CH(B, PF_CH_V) = (1 - x * x) * t, CH(B, PF_CH_X) = -2 * x * t, CH(B, PF_CH_XX) = -2 * t;
    CH(B, PF_CH_T) = 1 - x * x, CH(B, PF_CH_XT) = -2 * x, CH(B, PF_CH_TT) = 0;
  }
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  (void)X;
  const double nu = ((const double *)ctx)[0];
  for (size_t i = 0; i < n; i++) {
    const double v = Q(0), vx = Q(1);
    r[i] = Q(2) + v * vx - nu * Q(3);
    if (dr) {
      DR(0) = vx, DR(1) = v;
      DR(2) = 1, DR(3) = -nu;
    }
    if (d2r) D2R(0, 1) = 1, D2R(1, 0) = 1;
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
    .inputs = {"x", "t"},
    .lo = {-1, 0},
    .hi = {1, 1},
    .outputs = {"u"},
    .components = {"r"},
    .nhidden = 3,
    .hidden = {32, 32, 32},
    .initial_points = 1000,
    .ncoef = 1,
    .coef = {{"nu", "viscosity", PF_REF_BURGERS_NU_MIN, PF_REF_BURGERS_NU_MAX}},
    .ops = {.d = 2,
            .m = 1,
            .k = 1,
            .nread = NREAD,
            .read = {{0, PF_CH_V}, {0, PF_CH_X}, {0, PF_CH_T}, {0, PF_CH_XX}},
            .weight = {1},
            .transform = transform,
            .residual = residual,
            .ctx = defaults},
    .exact = NULL,
    .grid_nx = PF_REF_BURGERS_NX,
    .grid_nt = PF_REF_BURGERS_NT,
    .grid = grid,
};
