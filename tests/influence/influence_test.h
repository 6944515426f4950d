/* Helpers of the influence tests, written independently of src/influence: a small network on a
 * problem with random parameters, the Hessian of sum_z l(z) (l = sum_j w_j r_j^2; one component:
 * r^2) and the per-point loss gradients from Richardson-extrapolated central differences, a
 * cyclic Jacobi eigensolver, captum's selection rules, and brute-force scores from explicit
 * gradients. */
#ifndef PF_INFLUENCE_TEST_H
#define PF_INFLUENCE_TEST_H

#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const pf_pde *pde;
  pf_mlp *net;
  pf_engine *eng;
  double *theta;
  size_t P;
} it_net;

/* A network of the given sizes on pde; theta standard normal times amp (biases included, so z_v
 * is away from 0) from the test stream `seed`, or Glorot (zero biases) when amp == 0. */
static inline void it_net_setup(it_net *T, const pf_pde *pde, int nl, const int *sizes, int block,
                                uint64_t seed, double amp) {
  memset(T, 0, sizeof *T);
  T->pde = pde;
  pf_mlp_create(nl, sizes, &T->net);
  T->P = T->net->nparams;
  pf_engine_create(T->net, &pde->ops, block, &T->eng);
  T->theta = calloc(T->P, sizeof(double));
  if (amp == 0) {
    pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_INIT, 0);
    pf_mlp_init_glorot(T->net, &s, T->theta);
  } else {
    pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_TEST, 11);
    pf_rng_normal(&s, 0, T->P, T->theta);
    for (size_t k = 0; k < T->P; k++) T->theta[k] *= amp;
  }
}

static inline void it_net_teardown(it_net *T) {
  pf_engine_destroy(&T->eng);
  pf_mlp_destroy(&T->net);
  free(T->theta);
}

/* n uniform points of the box from the test stream `index`: coordinate j of point i is element
 * j n + i (for (x, t): x the first n elements, t the next n). */
static inline pf_points *it_points(const pf_pde *p, uint64_t seed, uint64_t index, size_t n) {
  const size_t d = (size_t)p->ops.d;
  double *X = calloc(n * d, sizeof(double)), *c = calloc(n, sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_TEST, index);
  for (size_t j = 0; j < d; j++) {
    pf_rng_uniform_range(&s, j * n, n, p->lo[j], p->hi[j], c);
    for (size_t i = 0; i < n; i++) X[i * d + j] = c[i];
  }
  pf_points *pts = NULL;
  pf_points_create(&p->ops, n, X, &pts);
  free(X);
  free(c);
  return pts;
}

/* The Z set of a cycle as pf_points (via pf_influence_zset). */
static inline pf_points *it_zset(const pf_pde *p, uint64_t seed, int cycle, size_t n) {
  double *X = calloc(n * (size_t)p->ops.d, sizeof(double));
  pf_influence_zset(p, seed, cycle, 0, n, X);
  pf_points *pts = NULL;
  pf_points_create(&p->ops, n, X, &pts);
  free(X);
  return pts;
}

/* Richardson-extrapolated central difference: (4 D(h/2) - D(h)) / 3, error O(h^4). */
#define IT_FD_H 1e-3

/* Hessian of sum_z l(z) (P, P) row-major from differences of the engine's loss gradient (of the
 * mean, scaled by |Z|), symmetrised. */
static inline void it_fd_hessian(it_net *T, const pf_points *Z, double *H) {
  const size_t P = T->P;
  double *th = malloc(P * sizeof(double)), *g[4];
  for (int k = 0; k < 4; k++) g[k] = malloc(P * sizeof(double));
  const double hs[2] = {IT_FD_H, IT_FD_H / 2};
  for (size_t j = 0; j < P; j++) {
    for (int k = 0; k < 4; k++) {
      memcpy(th, T->theta, P * sizeof(double));
      th[j] += (k % 2 ? -1 : 1) * hs[k / 2];
      double L;
      pf_engine_loss_grad(T->eng, th, Z, &L, g[k]);
    }
    for (size_t i = 0; i < P; i++) {
      const double d1 = (g[0][i] - g[1][i]) / (2 * hs[0]), d2 = (g[2][i] - g[3][i]) / (2 * hs[1]);
      H[i * P + j] = (double)Z->n * (4 * d2 - d1) / 3;
    }
  }
  for (size_t i = 0; i < P; i++)
    for (size_t j = i + 1; j < P; j++) {
      const double a = 0.5 * (H[i * P + j] + H[j * P + i]);
      H[i * P + j] = a, H[j * P + i] = a;
    }
  free(th);
  for (int k = 0; k < 4; k++) free(g[k]);
}

/* Per-point gradients g(x) = grad_theta l(x) = sum_c 2 w_c r_c(x) grad_theta r_c(x) (one
 * component: 2 r grad_theta r), (n, P) row-major, with grad_theta r_c from differences of the
 * engine's residuals (n, K). */
static inline void it_fd_gradients(it_net *T, const pf_points *pts, double *G) {
  const pf_pinn_ops *ops = &T->pde->ops;
  const size_t P = T->P, n = pts->n, K = (size_t)ops->k;
  double *th = malloc(P * sizeof(double)), *r0 = malloc(n * K * sizeof(double)), *r[4];
  for (int k = 0; k < 4; k++) r[k] = malloc(n * K * sizeof(double));
  const double hs[2] = {IT_FD_H, IT_FD_H / 2};
  pf_engine_residuals(T->eng, T->theta, pts, r0, NULL);
  for (size_t j = 0; j < P; j++) {
    for (int k = 0; k < 4; k++) {
      memcpy(th, T->theta, P * sizeof(double));
      th[j] += (k % 2 ? -1 : 1) * hs[k / 2];
      pf_engine_residuals(T->eng, th, pts, r[k], NULL);
    }
    for (size_t i = 0; i < n; i++) {
      double g = 0;
      for (size_t c = 0; c < K; c++) {
        const size_t e = i * K + c;
        const double d1 = (r[0][e] - r[1][e]) / (2 * hs[0]), d2 = (r[2][e] - r[3][e]) / (2 * hs[1]);
        g += 2 * ops->weight[c] * r0[e] * (4 * d2 - d1) / 3;
      }
      G[i * P + j] = g;
    }
  }
  free(th), free(r0);
  for (int k = 0; k < 4; k++) free(r[k]);
}

/* Cyclic Jacobi eigensolver (Golub & Van Loan, Alg. 8.5.3) for a symmetric n x n row-major A
 * (destroyed): eigenvalues w (unsorted), eigenvectors as columns of V (row-major). */
static inline void it_jacobi(int n, double *A, double *w, double *V) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) V[i * n + j] = i == j;
  double fro = 0;
  for (int i = 0; i < n * n; i++) fro += A[i] * A[i];
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off <= 1e-34 * fro) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        const double apq = A[p * n + q];
        if (apq == 0) continue;
        const double th = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
        const double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) { /* A J */
          const double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq, A[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) { /* J^T (A J) */
          const double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk, A[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) { /* V J */
          const double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq, V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  for (int i = 0; i < n; i++) w[i] = A[i * n + i];
}

/* captum's rules on eigenpairs (w, columns of V (n x n row-major)): damped = w + damping,
 * keep damped > eig_tol, the `rank` largest in decreasing order. Returns k and fills
 * R (n, k) row-major = v_j / sqrt(damped_j) and lam (k) = damped_j. */
static inline int it_rules(int n, const double *w, const double *V, double damping, double eig_tol,
                           int rank, double *R, double *lam) {
  int *used = calloc((size_t)n, sizeof(int)), k = 0;
  int *sel = calloc((size_t)n, sizeof(int));
  for (; k < rank; k++) {
    int best = -1;
    for (int i = 0; i < n; i++)
      if (!used[i] && w[i] + damping > eig_tol && (best < 0 || w[i] > w[best])) best = i;
    if (best < 0) break;
    used[best] = 1, sel[k] = best;
  }
  for (int j = 0; j < k; j++) {
    const double d = w[sel[j]] + damping;
    lam[j] = d;
    for (int p = 0; p < n; p++) R[p * k + j] = V[p * n + sel[j]] / sqrt(d);
  }
  free(used), free(sel);
  return k;
}

/* Brute-force scores: S(c) = sum_i |gz_i^T R R^T gc| (R (P, k) row-major) or, with R == NULL,
 * sum_i |gz_i . gc|. gz (nz, P), gc (nc, P) row-major. */
static inline void it_scores(size_t P, size_t nz, const double *gz, size_t nc, const double *gc,
                             const double *R, int k, double *S) {
  double *ez = calloc(nz * (size_t)(R ? k : 1), sizeof(double));
  double *ec = calloc((size_t)(R ? k : 1), sizeof(double));
  if (R)
    for (size_t i = 0; i < nz; i++)
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (size_t p = 0; p < P; p++) s += gz[i * P + p] * R[p * k + j];
        ez[i * k + j] = s;
      }
  for (size_t c = 0; c < nc; c++) {
    if (R)
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (size_t p = 0; p < P; p++) s += gc[c * P + p] * R[p * k + j];
        ec[j] = s;
      }
    double tot = 0;
    for (size_t i = 0; i < nz; i++) {
      double d = 0;
      if (R)
        for (int j = 0; j < k; j++) d += ez[i * k + j] * ec[j];
      else
        for (size_t p = 0; p < P; p++) d += gz[i * P + p] * gc[c * P + p];
      tot += fabs(d);
    }
    S[c] = tot;
  }
  free(ez), free(ec);
}

/* max_i |a_i - b_i| / max_i |b_i| */
static inline double it_maxrel(size_t n, const double *a, const double *b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    num = fmax(num, fabs(a[i] - b[i]));
    den = fmax(den, fabs(b[i]));
  }
  return num / den;
}

/* max_i |a_i - b_i| / |b_i| (entrywise relative) */
static inline double it_maxrel_each(size_t n, const double *a, const double *b) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]) / fabs(b[i]));
  return m;
}

#endif
