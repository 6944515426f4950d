/* Residuals and hard-constraint transforms used by the engine tests (written out by hand here,
 * independently of src/pde): Burgers (nonlinear u u_x), Allen-Cahn (cubic), wave (needs tt),
 * diffusion with a forcing term (linear), the raw network (u = N) to test jets alone, and a
 * manufactured problem for the general path: d = 3 inputs (x, y, t), m = 3 outputs (u, v, p),
 * k = 3 coupled nonlinear residual components with unequal weights that read mixed derivatives
 * and products of outputs, with non-trivial A and B in every jet entry.
 *
 * The paper-style problems (d = 2, one output) compute exactly the expressions the engine tests
 * used before the general description, so their numbers are unchanged. */
#ifndef PF_TEST_PROBLEMS_H
#define PF_TEST_PROBLEMS_H

#include "pinnfluence/nn.h"

#include <math.h>
#include <string.h>

#define TP_PI 3.14159265358979323846
/* d = 2 helpers: coordinates, read quantities, partials of component 0 (NR reads) */
#define XX0        X[2 * i]
#define TT0        X[2 * i + 1]
#define Q(a)       q[(a)*n + i]
#define DR(a)      dr[(a)*n + i]
#define D2R(a, b)  d2r[((a)*NR + (b)) * n + i]
#define SETA(c, v) A[(c)*n + i] = (v)
#define SETB(c, v) B[(c)*n + i] = (v)
#define TP_READ1(c)                                                                                \
  { 0, (c) }

/* Burgers: reads v, x, t, xx (q0 .. q3) */
static inline void tp_burgers_transform(const void *ctx, size_t n, const double *X, double *A,
                                        double *B) {
  for (size_t i = 0; i < n; i++) {
    const double x = XX0, t = TT0;
    double s = sin(TP_PI * x), c = cos(TP_PI * x);
    SETA(PF_CH_V, -s), SETA(PF_CH_X, -TP_PI * c), SETA(PF_CH_T, 0),
        SETA(PF_CH_XX, TP_PI * TP_PI * s), SETA(PF_CH_XT, 0), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, (1 - x * x) * t), SETB(PF_CH_X, -2 * x * t), SETB(PF_CH_T, 1 - x * x),
        SETB(PF_CH_XX, -2 * t), SETB(PF_CH_XT, -2 * x), SETB(PF_CH_TT, 0);
  }
}
static inline void tp_burgers_residual(const void *ctx, size_t n, const double *X, const double *q,
                                       double *r, double *dr, double *d2r) {
  enum { V, DX, DT, DXX, NR };
  const double nu = 0.01 / TP_PI;
  for (size_t i = 0; i < n; i++) {
    r[i] = Q(DT) + Q(V) * Q(DX) - nu * Q(DXX);
    if (dr) DR(V) = Q(DX), DR(DX) = Q(V), DR(DT) = 1, DR(DXX) = -nu;
    if (d2r) D2R(V, DX) = 1, D2R(DX, V) = 1;
  }
}

/* Allen-Cahn: reads v, t, xx */
static inline void tp_allen_cahn_transform(const void *ctx, size_t n, const double *X, double *A,
                                           double *B) {
  for (size_t i = 0; i < n; i++) {
    const double x = XX0, t = TT0;
    double s = sin(TP_PI * x), c = cos(TP_PI * x);
    SETA(PF_CH_V, x * x * c), SETA(PF_CH_X, 2 * x * c - TP_PI * x * x * s), SETA(PF_CH_T, 0),
        SETA(PF_CH_XX, 2 * c - 4 * TP_PI * x * s - TP_PI * TP_PI * x * x * c), SETA(PF_CH_XT, 0),
        SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, t * (1 - x * x)), SETB(PF_CH_X, -2 * x * t), SETB(PF_CH_T, 1 - x * x),
        SETB(PF_CH_XX, -2 * t), SETB(PF_CH_XT, -2 * x), SETB(PF_CH_TT, 0);
  }
}
static inline void tp_allen_cahn_residual(const void *ctx, size_t n, const double *X,
                                          const double *q, double *r, double *dr, double *d2r) {
  enum { V, DT, DXX, NR };
  for (size_t i = 0; i < n; i++) {
    double v = Q(V);
    r[i] = Q(DT) - 0.001 * Q(DXX) + 5 * (v * v * v - v);
    if (dr) DR(V) = 5 * (3 * v * v - 1), DR(DT) = 1, DR(DXX) = -0.001;
    if (d2r) D2R(V, V) = 30 * v;
  }
}

/* Wave: reads tt, xx (deliberately not in jet order) */
static inline void tp_wave_transform(const void *ctx, size_t n, const double *X, double *A,
                                     double *B) {
  for (size_t i = 0; i < n; i++) {
    const double x = XX0, t = TT0;
    SETA(PF_CH_V, sin(TP_PI * x) + 0.5 * sin(4 * TP_PI * x));
    SETA(PF_CH_X, TP_PI * cos(TP_PI * x) + 2 * TP_PI * cos(4 * TP_PI * x));
    SETA(PF_CH_XX, -TP_PI * TP_PI * sin(TP_PI * x) - 8 * TP_PI * TP_PI * sin(4 * TP_PI * x));
    SETA(PF_CH_T, 0), SETA(PF_CH_XT, 0), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, 20 * x * (1 - x) * t * t), SETB(PF_CH_X, 20 * (1 - 2 * x) * t * t),
        SETB(PF_CH_XX, -40 * t * t), SETB(PF_CH_T, 40 * x * (1 - x) * t),
        SETB(PF_CH_XT, 40 * (1 - 2 * x) * t), SETB(PF_CH_TT, 40 * x * (1 - x));
  }
}
static inline void tp_wave_residual(const void *ctx, size_t n, const double *X, const double *q,
                                    double *r, double *dr, double *d2r) {
  enum { DTT, DXX, NR };
  for (size_t i = 0; i < n; i++) {
    r[i] = Q(DTT) - 4 * Q(DXX);
    if (dr) DR(DTT) = 1, DR(DXX) = -4;
  }
}

/* Diffusion with forcing: reads t, xx */
static inline void tp_diffusion_transform(const void *ctx, size_t n, const double *X, double *A,
                                          double *B) {
  for (size_t i = 0; i < n; i++) {
    const double x = XX0, t = TT0;
    double s = sin(TP_PI * x), c = cos(TP_PI * x);
    SETA(PF_CH_V, s), SETA(PF_CH_X, TP_PI * c), SETA(PF_CH_T, 0),
        SETA(PF_CH_XX, -TP_PI * TP_PI * s), SETA(PF_CH_XT, 0), SETA(PF_CH_TT, 0);
    SETB(PF_CH_V, (1 - x * x) * t), SETB(PF_CH_X, -2 * x * t), SETB(PF_CH_T, 1 - x * x),
        SETB(PF_CH_XX, -2 * t), SETB(PF_CH_XT, -2 * x), SETB(PF_CH_TT, 0);
  }
}
static inline void tp_diffusion_residual(const void *ctx, size_t n, const double *X,
                                         const double *q, double *r, double *dr, double *d2r) {
  enum { DT, DXX, NR };
  for (size_t i = 0; i < n; i++) {
    double s = sin(TP_PI * XX0);
    r[i] = Q(DT) - Q(DXX) + exp(-TT0) * (s - TP_PI * TP_PI * s);
    if (dr) DR(DT) = 1, DR(DXX) = -1;
  }
}

/* u = N: the raw network; residual = u (the first read is the value, the others are carried only
 * to be checked). */
static inline void tp_identity_transform(const void *ctx, size_t n, const double *X, double *A,
                                         double *B) {
  memset(A, 0, PF_NCH * n * sizeof *A);
  memset(B, 0, PF_NCH * n * sizeof *B);
  for (size_t i = 0; i < n; i++) B[i] = 1.0;
}
static inline void tp_identity_residual(const void *ctx, size_t n, const double *X, const double *q,
                                        double *r, double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) {
    r[i] = q[i];
    if (dr) dr[i] = 1;
  }
}

#define TP_D2OPS(nr, tf, rf, ...)                                                                  \
  {                                                                                                \
    .d = 2, .m = 1, .k = 1, .nread = (nr), .read = {__VA_ARGS__}, .weight = {1},                   \
    .transform = (tf), .residual = (rf), .ctx = NULL                                               \
  }

typedef struct {
  const char *name;
  pf_pinn_ops ops;
  double lo[PF_MAX_DIM], hi[PF_MAX_DIM]; /* box of the test points */
} tp_problem;

static const tp_problem tp_problems[] = {
    {"burgers",
     TP_D2OPS(4, tp_burgers_transform, tp_burgers_residual, TP_READ1(PF_CH_V), TP_READ1(PF_CH_X),
              TP_READ1(PF_CH_T), TP_READ1(PF_CH_XX)),
     {-1, 0.05},
     {1, 1}},
    {"allen_cahn",
     TP_D2OPS(3, tp_allen_cahn_transform, tp_allen_cahn_residual, TP_READ1(PF_CH_V),
              TP_READ1(PF_CH_T), TP_READ1(PF_CH_XX)),
     {-1, 0.05},
     {1, 1}},
    {"wave",
     TP_D2OPS(2, tp_wave_transform, tp_wave_residual, TP_READ1(PF_CH_TT), TP_READ1(PF_CH_XX)),
     {0, 0.05},
     {1, 1}},
    {"diffusion",
     TP_D2OPS(2, tp_diffusion_transform, tp_diffusion_residual, TP_READ1(PF_CH_T),
              TP_READ1(PF_CH_XX)),
     {-1, 0.05},
     {1, 1}},
};
#define TP_NPROBLEMS (sizeof tp_problems / sizeof tp_problems[0])

/* The raw network with the channels v, x, t, xx, tt (specialised path) and with every entry of
 * the full jet, the mixed xt included (general path). */
static const pf_pinn_ops tp_identity_ops =
    TP_D2OPS(5, tp_identity_transform, tp_identity_residual, TP_READ1(PF_CH_V), TP_READ1(PF_CH_X),
             TP_READ1(PF_CH_T), TP_READ1(PF_CH_XX), TP_READ1(PF_CH_TT));
static const pf_pinn_ops tp_identity_mixed_ops =
    TP_D2OPS(6, tp_identity_transform, tp_identity_residual, TP_READ1(PF_CH_V), TP_READ1(PF_CH_X),
             TP_READ1(PF_CH_T), TP_READ1(PF_CH_XX), TP_READ1(PF_CH_XT), TP_READ1(PF_CH_TT));

/* ------------------------------------------------------------------ the manufactured problem */
/* Full jets (value, first, second in pf_jet_index order) of simple functions of X (d inputs),
 * added times `scale` to out[nj]. */
/* g(alpha . X + c0) with g = sin (kind 0) or exp (kind 1): f_a = g' alpha_a,
 * f_ab = g'' alpha_a alpha_b. */
static inline void tp_jet_ridge(int d, const double *X, const double *alpha, double c0, int kind,
                                double scale, double *out) {
  double s = c0;
  for (int a = 0; a < d; a++) s += alpha[a] * X[a];
  const double g = kind ? exp(s) : sin(s), g1 = kind ? exp(s) : cos(s),
               g2 = kind ? exp(s) : -sin(s);
  out[0] += scale * g;
  for (int a = 0; a < d; a++) {
    out[1 + a] += scale * g1 * alpha[a];
    for (int b = a; b < d; b++) out[pf_jet_index(d, a, b)] += scale * g2 * alpha[a] * alpha[b];
  }
}
/* prod_a h_a(X_a), h_a(x) = c[a][0] + c[a][1] x + c[a][2] x^2 + c[a][3] x^3. */
static inline void tp_jet_prod(int d, const double *X, const double (*c)[4], double scale,
                               double *out) {
  double h[PF_MAX_DIM], h1[PF_MAX_DIM], h2[PF_MAX_DIM];
  for (int a = 0; a < d; a++) {
    const double x = X[a];
    h[a] = c[a][0] + x * (c[a][1] + x * (c[a][2] + x * c[a][3]));
    h1[a] = c[a][1] + x * (2 * c[a][2] + 3 * x * c[a][3]);
    h2[a] = 2 * c[a][2] + 6 * x * c[a][3];
  }
  double v0 = 1;
  for (int a = 0; a < d; a++) v0 *= h[a];
  out[0] += scale * v0;
  for (int a = 0; a < d; a++) {
    double v1 = 1;
    for (int e = 0; e < d; e++) v1 *= e == a ? h1[e] : h[e];
    out[1 + a] += scale * v1;
    for (int b = a; b < d; b++) {
      double v2 = 1;
      for (int e = 0; e < d; e++) v2 *= e == a && e == b ? h2[e] : e == a || e == b ? h1[e] : h[e];
      out[pf_jet_index(d, a, b)] += scale * v2;
    }
  }
}

/* A_o, B_o for o = 0, 1, 2 over (x, y, t) in [-1, 1] x [-1, 1] x [0, 1]. */
static inline void tp_mms_transform(const void *ctx, size_t n, const double *X, double *A,
                                    double *B) {
  enum { D = 3, NJ = 10 };
  static const double alpha[3][3] = {{0.7, -0.4, 0.9}, {-0.5, 0.8, 0.3}, {0.6, 0.5, -0.7}};
  static const double beta[3][3] = {{0.3, 0.2, -0.4}, {0.1, -0.3, 0.5}, {-0.2, 0.4, 0.3}};
  static const double pa[3][3][4] = {
      {{0.2, 1.0, 0.0, -0.3}, {1.0, 0.3, -0.5, 0.0}, {0.5, 0.0, 0.4, 0.0}},
      {{1.0, -0.2, 0.6, 0.0}, {0.3, 0.0, 0.0, 0.5}, {1.0, 0.7, 0.0, 0.0}},
      {{0.0, 0.8, 0.0, 0.2}, {1.0, 0.0, -0.4, 0.0}, {0.2, 0.0, 0.0, 0.9}}};
  /* B: vanishes at x = +-1 and at t = 0 (a hard constraint's shape), plus a mixed factor */
  static const double pb[3][3][4] = {
      {{1.0, 0.0, -1.0, 0.0}, {1.2, 0.4, 0.0, 0.0}, {0.0, 1.0, 0.5, 0.0}},
      {{1.0, 0.0, -1.0, 0.0}, {0.8, 0.0, 0.3, 0.0}, {0.0, 0.5, 0.0, 0.7}},
      {{1.0, 0.0, -1.0, 0.0}, {1.0, -0.5, 0.0, 0.2}, {0.0, 2.0, 0.0, 0.0}}};
  for (size_t i = 0; i < n; i++) {
    const double *Xi = X + i * D;
    for (int o = 0; o < 3; o++) {
      double a[NJ] = {0}, b[NJ] = {0};
      tp_jet_ridge(D, Xi, alpha[o], 0.1 * o, 0, 1.0, a);
      tp_jet_prod(D, Xi, pa[o], 0.5, a);
      tp_jet_prod(D, Xi, pb[o], 1.0, b);
      tp_jet_ridge(D, Xi, beta[o], -0.2, 1, 0.1, b);
      for (int c = 0; c < NJ; c++) {
        A[((size_t)o * NJ + (size_t)c) * n + i] = a[c];
        B[((size_t)o * NJ + (size_t)c) * n + i] = b[c];
      }
    }
  }
}

/* Reads (shuffled on purpose): jet entries for d = 3: v 0, x 1, y 2, t 3, xx 4, xy 5, xt 6,
 * yy 7, yt 8, tt 9. */
enum {
  TPM_UT,   /* (0, t) */
  TPM_U,    /* (0, v) */
  TPM_VX,   /* (1, x) */
  TPM_UXX,  /* (0, xx) */
  TPM_UYY,  /* (0, yy) */
  TPM_UXY,  /* (0, xy) */
  TPM_P,    /* (2, v) */
  TPM_VXT,  /* (1, xt) */
  TPM_V,    /* (1, v) */
  TPM_PY,   /* (2, y) */
  TPM_VYY,  /* (1, yy) */
  TPM_UX,   /* (0, x) */
  TPM_PX,   /* (2, x) */
  TPM_PTT,  /* (2, tt) */
  TPM_UY,   /* (0, y) */
  TPM_NREAD /* 15 */
};
#define TPM_NU 0.1
/* r0 = u_t + u v_x - nu (u_xx + u_yy) + u_xy p + sin(x) y t
 * r1 = v_xt + u v p_y + v_yy u_x
 * r2 = p_x p_y - u_xy + 0.3 v^3 + p_tt u_y - cos(y) */
static inline void tp_mms_residual(const void *ctx, size_t n, const double *X, const double *q,
                                   double *r, double *dr, double *d2r) {
  enum { NR = TPM_NREAD };
#define DRJ(j, a)        dr[((size_t)(j)*NR + (a)) * n + i]
#define D2RJ(j, a, b)    d2r[(((size_t)(j)*NR + (a)) * NR + (b)) * n + i]
#define D2RS(j, a, b, v) (D2RJ(j, a, b) = (v), D2RJ(j, b, a) = (v))
  for (size_t i = 0; i < n; i++) {
    const double x = X[3 * i], y = X[3 * i + 1], t = X[3 * i + 2];
    const double u = Q(TPM_U), v = Q(TPM_V), p = Q(TPM_P), ux = Q(TPM_UX), uy = Q(TPM_UY);
    const double vx = Q(TPM_VX), py = Q(TPM_PY), px = Q(TPM_PX), uxy = Q(TPM_UXY);
    const double vyy = Q(TPM_VYY), ptt = Q(TPM_PTT);
    r[i] = Q(TPM_UT) + u * vx - TPM_NU * (Q(TPM_UXX) + Q(TPM_UYY)) + uxy * p + sin(x) * y * t;
    r[n + i] = Q(TPM_VXT) + u * v * py + vyy * ux;
    r[2 * n + i] = px * py - uxy + 0.3 * v * v * v + ptt * uy - cos(y);
    if (dr) {
      DRJ(0, TPM_UT) = 1, DRJ(0, TPM_U) = vx, DRJ(0, TPM_VX) = u, DRJ(0, TPM_UXX) = -TPM_NU;
      DRJ(0, TPM_UYY) = -TPM_NU, DRJ(0, TPM_UXY) = p, DRJ(0, TPM_P) = uxy;
      DRJ(1, TPM_VXT) = 1, DRJ(1, TPM_U) = v * py, DRJ(1, TPM_V) = u * py, DRJ(1, TPM_PY) = u * v;
      DRJ(1, TPM_VYY) = ux, DRJ(1, TPM_UX) = vyy;
      DRJ(2, TPM_PX) = py, DRJ(2, TPM_PY) = px, DRJ(2, TPM_UXY) = -1, DRJ(2, TPM_V) = 0.9 * v * v;
      DRJ(2, TPM_PTT) = uy, DRJ(2, TPM_UY) = ptt;
    }
    if (d2r) {
      D2RS(0, TPM_U, TPM_VX, 1), D2RS(0, TPM_UXY, TPM_P, 1);
      D2RS(1, TPM_U, TPM_V, py), D2RS(1, TPM_U, TPM_PY, v), D2RS(1, TPM_V, TPM_PY, u);
      D2RS(1, TPM_VYY, TPM_UX, 1);
      D2RS(2, TPM_PX, TPM_PY, 1), D2RJ(2, TPM_V, TPM_V) = 1.8 * v, D2RS(2, TPM_PTT, TPM_UY, 1);
    }
  }
#undef DRJ
#undef D2RJ
#undef D2RS
}

static const tp_problem tp_mms = {"manufactured d3 m3 k3",
                                  {.d = 3,
                                   .m = 3,
                                   .k = 3,
                                   .nread = TPM_NREAD,
                                   .read = {{0, 3},
                                            {0, 0},
                                            {1, 1},
                                            {0, 4},
                                            {0, 7},
                                            {0, 5},
                                            {2, 0},
                                            {1, 6},
                                            {1, 0},
                                            {2, 2},
                                            {1, 7},
                                            {0, 1},
                                            {2, 1},
                                            {2, 9},
                                            {0, 2}},
                                   .weight = {1.0, 0.5, 2.0},
                                   .transform = tp_mms_transform,
                                   .residual = tp_mms_residual,
                                   .ctx = NULL},
                                  {-1, -1, 0},
                                  {1, 1, 1}};

/* ------------------------------------------------------------------ any d: a polynomial family */
/* For d inputs and m outputs (ctx: the pf_pinn_ops itself, whose read list is any), the residual
 * components r_j = sum_a alpha_ja q_a + beta_j sum_a q_a q_{(a+1) mod nread} + gamma_j q_0^3 + X_0,
 * and A_o, B_o ridge and product functions with coefficients drawn from o and the direction. */
static inline double tp_coef(int j, int a, int salt) {
  return 0.35 * sin(1.7 * j + 2.3 * a + 0.9 * salt + 0.4);
}
static inline void tp_poly_transform(const void *ctx, size_t n, const double *X, double *A,
                                     double *B) {
  const pf_pinn_ops *ops = ctx;
  const int d = ops->d, nj = pf_jet_count(d);
  for (size_t i = 0; i < n; i++) {
    const double *Xi = X + i * (size_t)d;
    for (int o = 0; o < ops->m; o++) {
      double a[PF_MAX_JET] = {0}, b[PF_MAX_JET] = {0}, al[PF_MAX_DIM], be[PF_MAX_DIM];
      double ca[PF_MAX_DIM][4], cb[PF_MAX_DIM][4];
      for (int e = 0; e < d; e++) {
        al[e] = 1.5 * tp_coef(o, e, 1) + 0.2;
        be[e] = tp_coef(o, e, 2);
        for (int z = 0; z < 4; z++)
          ca[e][z] = tp_coef(o, e, 3 + z), cb[e][z] = tp_coef(e, o, 7 + z);
        cb[e][0] += 1.0; /* B away from 0 */
      }
      tp_jet_ridge(d, Xi, al, 0.3 * o, 0, 1.0, a);
      tp_jet_prod(d, Xi, (const double(*)[4])ca, 0.7, a);
      tp_jet_prod(d, Xi, (const double(*)[4])cb, 1.0, b);
      tp_jet_ridge(d, Xi, be, 0.1, 1, 0.2, b);
      for (int c = 0; c < nj; c++) {
        A[((size_t)o * (size_t)nj + (size_t)c) * n + i] = a[c];
        B[((size_t)o * (size_t)nj + (size_t)c) * n + i] = b[c];
      }
    }
  }
}
static inline void tp_poly_residual(const void *ctx, size_t n, const double *X, const double *q,
                                    double *r, double *dr, double *d2r) {
  const pf_pinn_ops *ops = ctx;
  const size_t NR = (size_t)ops->nread, d = (size_t)ops->d;
  for (int j = 0; j < ops->k; j++) {
    const double beta = tp_coef(j, 0, 20) + 0.5, gamma = tp_coef(j, 1, 21);
    const size_t J = (size_t)j;
    for (size_t i = 0; i < n; i++) {
      double s = X[i * d] + gamma * Q(0) * Q(0) * Q(0);
      for (size_t a = 0; a < NR; a++) {
        const size_t b = (a + 1) % NR;
        s += tp_coef(j, (int)a, 22) * Q(a) + beta * Q(a) * Q(b);
        if (dr) {
          dr[(J * NR + a) * n + i] += tp_coef(j, (int)a, 22) + beta * Q(b);
          dr[(J * NR + b) * n + i] += beta * Q(a);
        }
        if (d2r) {
          d2r[((J * NR + a) * NR + b) * n + i] += beta;
          d2r[((J * NR + b) * NR + a) * n + i] += beta;
        }
      }
      if (dr) dr[(J * NR) * n + i] += 3 * gamma * Q(0) * Q(0);
      if (d2r) d2r[(J * NR * NR) * n + i] += 6 * gamma * Q(0);
      r[J * n + i] = s;
    }
  }
}

/* d = 1: m = 2, k = 2; reads u, u_x, u_xx, v, v_xx. */
static const pf_pinn_ops tp_poly1 = {.d = 1,
                                     .m = 2,
                                     .k = 2,
                                     .nread = 5,
                                     .read = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 2}},
                                     .weight = {0.7, 1.9},
                                     .transform = tp_poly_transform,
                                     .residual = tp_poly_residual,
                                     .ctx = &tp_poly1};
/* d = 4 (the limits: 4 inputs, 4 outputs, 4 components): reads mixed and pure pairs of several
 * outputs; jet entries for d = 4: v 0, first 1..4, (0,0) 5, (0,1) 6, (0,2) 7, (0,3) 8, (1,1) 9,
 * (1,2) 10, (1,3) 11, (2,2) 12, (2,3) 13, (3,3) 14. The pairs (0,2), (1,2), (2,2) are not read. */
static const pf_pinn_ops tp_poly4 = {.d = 4,
                                     .m = 4,
                                     .k = 4,
                                     .nread = 12,
                                     .read = {{0, 0},
                                              {1, 8},
                                              {2, 3},
                                              {3, 0},
                                              {0, 6},
                                              {1, 1},
                                              {2, 14},
                                              {3, 9},
                                              {0, 11},
                                              {2, 13},
                                              {1, 5},
                                              {3, 4}},
                                     .weight = {1.0, 0.3, 2.5, 0.8},
                                     .transform = tp_poly_transform,
                                     .residual = tp_poly_residual,
                                     .ctx = &tp_poly4};

#undef XX0
#undef TT0
#undef Q
#undef DR
#undef D2R
#undef SETA
#undef SETB
#undef TP_READ1
#endif
