/* pinnfluence nn: tanh MLPs evaluated on blocks of points with exact input-derivative jets, and
 * the exact derivatives of a PINN loss with respect to the parameters: gradient, Hessian-vector
 * products, Jacobian-vector products and rows of the residual Jacobian.
 *
 * Parameter layout (one contiguous array theta of pf_mlp.nparams doubles, PyTorch's order): for
 * layer l = 0 .. nlayers-1, W_l of shape (sizes[l+1], sizes[l]) row-major at theta + w_off[l],
 * immediately followed by b_l (sizes[l+1]) at theta + b_off[l]. Hidden layers apply tanh, the last
 * layer is linear. Gradients, tangents and optimiser moments use the same layout.
 *
 * Jets: each point carries the value and the input derivatives (order 1 and 2, mixed included) a
 * problem reads (pf_pinn_ops, DESIGN.md section 8). The network outputs N_o are combined with
 * hard-constraint transforms u_o = A_o(X) + B_o(X) N_o(X) and residual components
 * r_j(X, u and its derivatives), both supplied by the caller; the loss is
 * L = sum_j w_j (1/n) sum_i r_j(X_i)^2 over a point set. Problems whose jets fit the paper's
 * channel sets (d = 2, one output, no mixed derivative) run through specialised kernels; every
 * other problem through the general path; both give the exact derivatives. */
#ifndef PINNFLUENCE_NN_H
#define PINNFLUENCE_NN_H

#include "pinnfluence/rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ architecture */
typedef struct {
  int nlayers;    /* number of weight layers L; sizes has L+1 entries */
  int *sizes;     /* sizes[0] inputs (d) ... sizes[L] outputs (m) */
  size_t nparams; /* total number of parameters */
  size_t *w_off;  /* (L) offset of W_l in theta */
  size_t *b_off;  /* (L) offset of b_l in theta */
} pf_mlp;

/* An MLP with nlayers weight layers and sizes[0..nlayers]; sizes[0] in 1 .. PF_MAX_DIM (inputs)
 * and sizes[nlayers] in 1 .. PF_MAX_OUT (outputs). Free with pf_mlp_destroy. */
int pf_mlp_create(int nlayers, const int *sizes, pf_mlp **net);
int pf_mlp_destroy(pf_mlp **net);
/* Glorot-normal weights (std = sqrt(2/(fan_in + fan_out))) and zero biases. The weights of all
 * layers, in layout order, are consecutive elements of the normal stream s starting at 0. */
int pf_mlp_init_glorot(const pf_mlp *net, const pf_rng_stream *s, double *theta);
/* "2-32-32-32-1" style text of the sizes into buf. */
void pf_mlp_describe(const pf_mlp *net, char *buf, size_t len);

/* ------------------------------------------------------------------ problems */
/* The general problem description the engine follows (DESIGN.md section 8): d input coordinates
 * X = (X_0 .. X_{d-1}) (e.g. x, y, t), m network outputs N_0 .. N_{m-1}, hard constraints
 * u_o = A_o(X) + B_o(X) N_o(X), and k residual components r_0 .. r_{k-1} with loss weights w_j,
 * L = sum_j w_j mean_i r_j(X_i)^2.
 *
 * Points are point-major everywhere: coordinate j of point i at X[i * d + j] (the store's (n, d)).
 *
 * Jets: the value and the input derivatives of order 1 and 2 of a function of X, mixed ones
 * included, in the fixed "full jet" order of nj = 1 + d + d (d + 1) / 2 entries:
 *   0 the value; 1 + a the first derivative along X_a (a = 0 .. d-1); then the second derivatives
 *   d2/dX_a dX_b for the pairs a <= b in the order (0,0), (0,1), .., (0,d-1), (1,1), .., (d-1,d-1).
 * pf_jet_index gives the position. For d = 2 (x, t) the named constants PF_CH_* below are those
 * positions: v, x, t, xx, xt, tt. */
#define PF_MAX_DIM  4  /* input coordinates */
#define PF_MAX_OUT  4  /* network outputs */
#define PF_MAX_RES  4  /* residual components */
#define PF_MAX_READ 32 /* partial derivatives the residual reads */
#define PF_MAX_JET  15 /* full jet of d = PF_MAX_DIM: 1 + 4 + 10 */

/* Number of full-jet entries for d inputs. */
static inline int pf_jet_count(int d) {
  return 1 + d + d * (d + 1) / 2;
}
/* Position of a jet entry for d inputs: a = b = -1 the value; b = -1 the first derivative along
 * X_a; else the second derivative along X_a and X_b (either order). */
static inline int pf_jet_index(int d, int a, int b) {
  if (a < 0) return 0;
  if (b < 0) return 1 + a;
  if (b < a) {
    int s = a;
    a = b;
    b = s;
  }
  /* pairs (i, j), i <= j, before (a, b): rows i < a hold d - i pairs each */
  return 1 + d + a * d - a * (a - 1) / 2 + (b - a);
}

/* Jet positions for d = 2 with inputs (x, t). */
typedef enum {
  PF_CH_V = 0,
  PF_CH_X = 1,
  PF_CH_T = 2,
  PF_CH_XX = 3,
  PF_CH_XT = 4,
  PF_CH_TT = 5,
  PF_NCH = 6 /* pf_jet_count(2) */
} pf_channel;

/* One quantity the residual reads: the jet entry `jet` (pf_jet_index) of constrained output
 * `out`. */
typedef struct {
  int out;
  int jet;
} pf_read;

/* What the engine needs from a problem. */
typedef struct {
  int d;                     /* input coordinates, 1 .. PF_MAX_DIM */
  int m;                     /* outputs, 1 .. PF_MAX_OUT */
  int k;                     /* residual components, 1 .. PF_MAX_RES */
  int nread;                 /* quantities the residual reads, 1 .. PF_MAX_READ ... */
  pf_read read[PF_MAX_READ]; /* ... q_0 .. q_{nread-1}, each (out, jet) at most once */
  double weight[PF_MAX_RES]; /* w_j > 0 of r_j in the loss (1 for every paper problem) */
  /* Constraint u_o = A_o + B_o N_o: fill A and B with their full jets, (m, nj, n) each:
   * A[(o * nj + c) * n + i] for output o, jet entry c, point i. X: (n, d). */
  void (*transform)(const void *ctx, size_t n, const double *X, double *A, double *B);
  /* Residual components r (k, n) from the read quantities q (nread, n), q[a * n + i]. If dr is not
   * NULL its partials dr[(j * nread + a) * n + i] = dr_j / dq_a; if d2r is not NULL the second
   * partials d2r[((j * nread + a) * nread + b) * n + i] = d2r_j / dq_a dq_b (symmetric in a, b).
   * dr and d2r arrive zeroed: entries that are zero may be left untouched. */
  void (*residual)(const void *ctx, size_t n, const double *X, const double *q, double *r,
                   double *dr, double *d2r);
  const void *ctx; /* passed to the callbacks */
} pf_pinn_ops;

/* PF_ERR_ARG naming the field if ops is not a valid description (dimensions out of range, a read
 * entry out of range or repeated, a weight not positive and finite, a callback missing). */
int pf_pinn_ops_check(const pf_pinn_ops *ops);
/* Jet channels per output the engine carries for ops (the value, every first derivative, and the
 * second derivatives some read quantity needs): pf_engine_channels of an engine made from ops. */
int pf_pinn_ops_channels(const pf_pinn_ops *ops);

/* A point set with its constraint coefficients, computed once (they do not depend on theta). */
typedef struct {
  size_t n;
  int d, m, nj;  /* inputs, outputs, pf_jet_count(d) */
  double *X;     /* (n, d) */
  double *A, *B; /* (m, nj, n) */
} pf_points;

/* The n points X (n, d) (copied) with ops' transform applied. Free with pf_points_destroy. */
int pf_points_create(const pf_pinn_ops *ops, size_t n, const double *X, pf_points **pts);
int pf_points_destroy(pf_points **pts);

/* ------------------------------------------------------------------ the engine */
/* Workspace for evaluating one network on blocks of `block` points (64-128 keeps a layer's
 * channels in L2). Not thread-safe; one per rank. All functions below are local (no MPI); sums
 * over points are formed per block and added in block order, so results do not depend on how
 * a point set is later split among ranks as long as the block boundaries are the same.
 * Non-finite values (a diverged network) are returned as they are; callers check. */
typedef struct pf_engine pf_engine;

/* The network must have ops->d inputs and ops->m outputs (PF_ERR_ARG otherwise). */
int pf_engine_create(const pf_mlp *net, const pf_pinn_ops *ops, int block, pf_engine **eng);
int pf_engine_destroy(pf_engine **eng);
int pf_engine_block_size(const pf_engine *eng);
/* Number of jet channels carried per output (for flop counts). The engine always carries the
 * value and every first derivative, and the second derivatives some read quantity needs. */
int pf_engine_channels(const pf_engine *eng);
/* 1 if the engine runs the specialised kernels of the paper's channel sets, 0 the general path. */
int pf_engine_specialised(const pf_engine *eng);
/* Rows per call into which the engine splits a layer GEMM with m rows (neurons), n columns
 * (channels x points) and inner size k, as it runs (m if it does not split it); for benchmarks
 * that replay its GEMMs. */
int pf_engine_gemm_rows(const pf_engine *eng, int m, int n, int k);
/* The problem the engine was created with (copied). */
const pf_pinn_ops *pf_engine_ops(const pf_engine *eng);
/* For tests and benchmarks only: from now on run eng through the general path even where the
 * specialised kernels apply (pf_engine_specialised then returns 0). Results agree with the
 * specialised path to rounding (about 1e-13 relative), not bit for bit. */
int pf_engine_force_general(pf_engine *eng);

/* L = (1/n) sum_i l_i over pts, l_i = sum_j w_j r_j(X_i)^2, and, if grad is not NULL,
 * dL/dtheta (nparams). */
int pf_engine_loss_grad(pf_engine *eng, const double *theta, const pf_points *pts, double *loss,
                        double *grad);
/* Per-point residual components r (n, k) point-major, r[i * k + j] = r_j(X_i) (unweighted), and,
 * if u is not NULL, the constrained outputs' full jets u (m, nj, n), u[(o * nj + c) * n + i];
 * entries the engine does not carry (second derivatives nothing reads) are 0. */
int pf_engine_residuals(pf_engine *eng, const double *theta, const pf_points *pts, double *r,
                        double *u);
/* Exact Hessian-vector product hv = (d^2 L / dtheta^2) v, forward over reverse. */
int pf_engine_hvp(pf_engine *eng, const double *theta, const pf_points *pts, const double *v,
                  double *hv);
/* The per-block terms of that sum, for splitting a Hessian-vector product among ranks: block b of
 * pts holds points b*block .. min((b+1)*block, n)-1 (blocks at multiples of the block size, as
 * pf_engine_hvp forms them), and out[(b - first_block) * nparams + k] is the Hessian-vector
 * product of scale * sum_{i in block b} l_i for b = first_block .. first_block+nblocks-1.
 * With scale = 1/N, adding the terms of all blocks of an N-point set in block order starting from
 * zero (hv = ((0 + out_0) + out_1) + ...) gives pf_engine_hvp's hv bit for bit. out:
 * (nblocks, nparams) row-major. */
int pf_engine_hvp_blocks(pf_engine *eng, const double *theta, const pf_points *pts,
                         size_t first_block, size_t nblocks, const double *v, double *out,
                         double scale);
/* Hessian-vector products along nv directions at once: HV[j * nparams + k] = (H V_j)_k with
 * V_j = V + j * nparams, V and HV (nv, nparams) row-major. Each block's forward pass and residual
 * partials are formed once for all directions; every column equals pf_engine_hvp along V_j bit for
 * bit (the per-direction operations are the same). nv = 0 does nothing. */
int pf_engine_hvp_multi(pf_engine *eng, const double *theta, const pf_points *pts, size_t nv,
                        const double *V, double *HV);
/* Exact Jacobian-vector product of the weighted residuals s_ij = sqrt(w_j) r_j(X_i):
 * jv[i * k + j] = (ds_ij/dtheta) . v, (n, k). */
int pf_engine_jvp(pf_engine *eng, const double *theta, const pf_points *pts, const double *v,
                  double *jv);
/* The rows of points first .. first+count-1 of J = ds/dtheta, s_ij = sqrt(w_j) r_j(X_i) (k rows per
 * point, point-major): J[((i - first) * k + j) * nparams + p] = ds_ij/dtheta_p, from one batched
 * backward pass per block; if r is not NULL also those s_ij at r[(i - first) * k + j]. The
 * per-point loss is l_i = sum_j s_ij^2, its gradient 2 sum_j s_ij J_ij. For the paper's problems
 * (k = 1, w = 1) the rows are dr_i/dtheta and r the residuals. */
int pf_engine_jacobian_rows(pf_engine *eng, const double *theta, const pf_points *pts, size_t first,
                            size_t count, double *J, double *r);

#ifdef __cplusplus
}
#endif
#endif
