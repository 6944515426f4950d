/* Residuals and hard-constraint transforms used by the engine tests (written out by hand here,
 * independently of src/pde): Burgers (nonlinear u u_x), Allen-Cahn (cubic), wave (needs tt),
 * diffusion with a forcing term (linear), and the raw network (u = N) to test jets alone. */
#ifndef PF_TEST_PROBLEMS_H
#define PF_TEST_PROBLEMS_H

#include "pinnfluence/nn.h"

#include <math.h>
#include <string.h>

#define TP_PI      3.14159265358979323846
#define U(c)       u[(c)*n + i]
#define DR(c)      dr[(c)*n + i]
#define D2R(c, d)  d2r[((c)*PF_NCH + (d)) * n + i]
#define SETA(c, v) A[(c)*n + i] = (v)
#define SETB(c, v) B[(c)*n + i] = (v)

static inline void tp_burgers_transform(const void *ctx, size_t n, const double *x, const double *t,
                                        double *A, double *B) {
  for (size_t i = 0; i < n; i++) {
    double s = sin(TP_PI * x[i]), c = cos(TP_PI * x[i]);
    SETA(PF_CH_V, -s), SETA(PF_CH_X, -TP_PI * c), SETA(PF_CH_T, 0),
        SETA(PF_CH_XX, TP_PI * TP_PI * s), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, (1 - x[i] * x[i]) * t[i]), SETB(PF_CH_X, -2 * x[i] * t[i]),
        SETB(PF_CH_T, 1 - x[i] * x[i]), SETB(PF_CH_XX, -2 * t[i]), SETB(PF_CH_TT, 0);
  }
}
static inline void tp_burgers_residual(const void *ctx, size_t n, const double *x, const double *t,
                                       const double *u, double *r, double *dr, double *d2r) {
  const double nu = 0.01 / TP_PI;
  for (size_t i = 0; i < n; i++) {
    r[i] = U(PF_CH_T) + U(PF_CH_V) * U(PF_CH_X) - nu * U(PF_CH_XX);
    if (dr) DR(PF_CH_V) = U(PF_CH_X), DR(PF_CH_X) = U(PF_CH_V), DR(PF_CH_T) = 1, DR(PF_CH_XX) = -nu;
    if (d2r) D2R(PF_CH_V, PF_CH_X) = 1, D2R(PF_CH_X, PF_CH_V) = 1;
  }
}

static inline void tp_allen_cahn_transform(const void *ctx, size_t n, const double *x,
                                           const double *t, double *A, double *B) {
  for (size_t i = 0; i < n; i++) {
    double X = x[i], s = sin(TP_PI * X), c = cos(TP_PI * X);
    SETA(PF_CH_V, X * X * c), SETA(PF_CH_X, 2 * X * c - TP_PI * X * X * s), SETA(PF_CH_T, 0),
        SETA(PF_CH_XX, 2 * c - 4 * TP_PI * X * s - TP_PI * TP_PI * X * X * c), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, t[i] * (1 - X * X)), SETB(PF_CH_X, -2 * X * t[i]), SETB(PF_CH_T, 1 - X * X),
        SETB(PF_CH_XX, -2 * t[i]), SETB(PF_CH_TT, 0);
  }
}
static inline void tp_allen_cahn_residual(const void *ctx, size_t n, const double *x,
                                          const double *t, const double *u, double *r, double *dr,
                                          double *d2r) {
  for (size_t i = 0; i < n; i++) {
    double v = U(PF_CH_V);
    r[i] = U(PF_CH_T) - 0.001 * U(PF_CH_XX) + 5 * (v * v * v - v);
    if (dr) DR(PF_CH_V) = 5 * (3 * v * v - 1), DR(PF_CH_T) = 1, DR(PF_CH_XX) = -0.001;
    if (d2r) D2R(PF_CH_V, PF_CH_V) = 30 * v;
  }
}

static inline void tp_wave_transform(const void *ctx, size_t n, const double *x, const double *t,
                                     double *A, double *B) {
  for (size_t i = 0; i < n; i++) {
    double X = x[i], T = t[i];
    SETA(PF_CH_V, sin(TP_PI * X) + 0.5 * sin(4 * TP_PI * X));
    SETA(PF_CH_X, TP_PI * cos(TP_PI * X) + 2 * TP_PI * cos(4 * TP_PI * X));
    SETA(PF_CH_XX, -TP_PI * TP_PI * sin(TP_PI * X) - 8 * TP_PI * TP_PI * sin(4 * TP_PI * X));
    SETA(PF_CH_T, 0), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, 20 * X * (1 - X) * T * T), SETB(PF_CH_X, 20 * (1 - 2 * X) * T * T),
        SETB(PF_CH_XX, -40 * T * T), SETB(PF_CH_T, 40 * X * (1 - X) * T),
        SETB(PF_CH_TT, 40 * X * (1 - X));
  }
}
static inline void tp_wave_residual(const void *ctx, size_t n, const double *x, const double *t,
                                    const double *u, double *r, double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) {
    r[i] = U(PF_CH_TT) - 4 * U(PF_CH_XX);
    if (dr) DR(PF_CH_TT) = 1, DR(PF_CH_XX) = -4;
  }
}

static inline void tp_diffusion_transform(const void *ctx, size_t n, const double *x,
                                          const double *t, double *A, double *B) {
  for (size_t i = 0; i < n; i++) {
    double s = sin(TP_PI * x[i]), c = cos(TP_PI * x[i]);
    SETA(PF_CH_V, s), SETA(PF_CH_X, TP_PI * c), SETA(PF_CH_T, 0),
        SETA(PF_CH_XX, -TP_PI * TP_PI * s), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, (1 - x[i] * x[i]) * t[i]), SETB(PF_CH_X, -2 * x[i] * t[i]),
        SETB(PF_CH_T, 1 - x[i] * x[i]), SETB(PF_CH_XX, -2 * t[i]), SETB(PF_CH_TT, 0);
  }
}
static inline void tp_diffusion_residual(const void *ctx, size_t n, const double *x,
                                         const double *t, const double *u, double *r, double *dr,
                                         double *d2r) {
  for (size_t i = 0; i < n; i++) {
    double s = sin(TP_PI * x[i]);
    r[i] = U(PF_CH_T) - U(PF_CH_XX) + exp(-t[i]) * (s - TP_PI * TP_PI * s);
    if (dr) DR(PF_CH_T) = 1, DR(PF_CH_XX) = -1;
  }
}

/* u = N: the raw network with all five channels; residual = u (so r carries N itself). */
static inline void tp_identity_transform(const void *ctx, size_t n, const double *x,
                                         const double *t, double *A, double *B) {
  memset(A, 0, PF_NCH * n * sizeof *A);
  memset(B, 0, PF_NCH * n * sizeof *B);
  for (size_t i = 0; i < n; i++) B[i] = 1.0;
}
static inline void tp_identity_residual(const void *ctx, size_t n, const double *x, const double *t,
                                        const double *u, double *r, double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) {
    r[i] = U(PF_CH_V);
    if (dr) DR(PF_CH_V) = 1;
  }
}

#define ALL_CH (PF_JET(PF_CH_V) | PF_JET(PF_CH_X) | PF_JET(PF_CH_T) | PF_JET(PF_CH_XX))
static const struct {
  const char *name;
  pf_pinn_ops ops;
  double xlo, xhi;
} tp_problems[] = {
    {"burgers", {ALL_CH, tp_burgers_transform, tp_burgers_residual, NULL}, -1, 1},
    {"allen_cahn", {ALL_CH, tp_allen_cahn_transform, tp_allen_cahn_residual, NULL}, -1, 1},
    {"wave", {ALL_CH | PF_JET(PF_CH_TT), tp_wave_transform, tp_wave_residual, NULL}, 0, 1},
    {"diffusion", {ALL_CH, tp_diffusion_transform, tp_diffusion_residual, NULL}, -1, 1},
};
#define TP_NPROBLEMS (sizeof tp_problems / sizeof tp_problems[0])

#undef U
#undef DR
#undef D2R
#undef SETA
#undef SETB
#endif
