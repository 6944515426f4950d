/* A hand-made system for the tests of the scores of systems (tests/influence, tests/group):
 * inputs (x, y, t) on [0, 1] x [-1, 1] x [0, 0.5], outputs (u, v) with the hard constraints
 *   u = x y + N_0,   v = t N_1,
 * and two residual components with weights w = (0.7, 1.9), reading u, v, u_x, v_t and the mixed
 * u_xy:
 *   r_0 = u_x + u v - x + u_xy / 2,
 *   r_1 = v_t - u^2 + y t.
 * Nonlinear and coupled (r_0 through u v, r_1 through u^2), so every score of a system (rar,
 * out_grad over two outputs and three directions, loss_grad, grad_dot, pinnfluence with K = 2
 * Jacobian rows per point) has something to get wrong. */
#ifndef PF_TEST_SYSTEM_PROBLEM_H
#define PF_TEST_SYSTEM_PROBLEM_H

#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <string.h>

enum { SYS_D = 3, SYS_M = 2, SYS_K = 2, SYS_NREAD = 5, SYS_NJ = 10 /* pf_jet_count(3) */ };

static void sys_transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  (void)ctx;
  const size_t nj = SYS_NJ;
  memset(A, 0, SYS_M * nj * n * sizeof *A);
  memset(B, 0, SYS_M * nj * n * sizeof *B);
  const int xy = pf_jet_index(SYS_D, 0, 1);
  for (size_t i = 0; i < n; i++) {
    const double x = X[3 * i], y = X[3 * i + 1], t = X[3 * i + 2];
    /* u: A = x y (A_x = y, A_y = x, A_xy = 1), B = 1 */
    A[0 * n + i] = x * y;
    A[1 * n + i] = y;
    A[2 * n + i] = x;
    A[(size_t)xy * n + i] = 1.0;
    B[0 * n + i] = 1.0;
    /* v: A = 0, B = t (B_t = 1) */
    B[(nj + 0) * n + i] = t;
    B[(nj + 3) * n + i] = 1.0;
  }
}

/* q: u, v, u_x, v_t, u_xy */
static void sys_residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                         double *dr, double *d2r) {
  (void)ctx;
  const size_t nr = SYS_NREAD;
  for (size_t i = 0; i < n; i++) {
    const double x = X[3 * i], y = X[3 * i + 1], t = X[3 * i + 2];
    const double u = q[0 * n + i], v = q[1 * n + i], ux = q[2 * n + i], vt = q[3 * n + i];
    const double uxy = q[4 * n + i];
    r[0 * n + i] = ux + u * v - x + 0.5 * uxy;
    r[1 * n + i] = vt - u * u + y * t;
    if (dr) {
      dr[(0 * nr + 0) * n + i] = v;
      dr[(0 * nr + 1) * n + i] = u;
      dr[(0 * nr + 2) * n + i] = 1.0;
      dr[(0 * nr + 4) * n + i] = 0.5;
      dr[(1 * nr + 0) * n + i] = -2.0 * u;
      dr[(1 * nr + 3) * n + i] = 1.0;
    }
    if (d2r) {
      d2r[((0 * nr + 0) * nr + 1) * n + i] = 1.0;
      d2r[((0 * nr + 1) * nr + 0) * n + i] = 1.0;
      d2r[((1 * nr + 0) * nr + 0) * n + i] = -2.0;
    }
  }
}

/* The problem as a registry-style entry (not registered). */
static const pf_pde sys_pde = {
    .name = "system_test",
    .residual = "u_x + u v - x + u_xy / 2; v_t - u^2 + y t",
    .inputs = {"x", "y", "t"},
    .lo = {0.0, -1.0, 0.0},
    .hi = {1.0, 1.0, 0.5},
    .outputs = {"u", "v"},
    .components = {"r0", "r1"},
    .nhidden = 2,
    .hidden = {16, 16},
    .initial_points = 50,
    .ncoef = 0,
    .ops = {.d = SYS_D,
            .m = SYS_M,
            .k = SYS_K,
            .nread = SYS_NREAD,
            /* u, v, u_x, v_t, u_xy: jet positions for d = 3 (1 + a first, 4.. the pairs) */
            .read = {{0, 0}, {1, 0}, {0, 1}, {1, 3}, {0, 5}},
            .weight = {0.7, 1.9},
            .transform = sys_transform,
            .residual = sys_residual,
            .ctx = NULL},
    .exact = NULL,
};

#endif
