/* pinnfluence nn: tanh MLPs evaluated on blocks of points with exact input-derivative jets, and
 * the exact derivatives of a PINN loss with respect to the parameters: gradient, Hessian-vector
 * products, Jacobian-vector products and rows of the residual Jacobian.
 *
 * Parameter layout (one contiguous array theta of pf_mlp.nparams doubles, PyTorch's order): for
 * layer l = 0 .. nlayers-1, W_l of shape (sizes[l+1], sizes[l]) row-major at theta + w_off[l],
 * immediately followed by b_l (sizes[l+1]) at theta + b_off[l]. Hidden layers apply tanh, the last
 * layer is linear. Gradients, tangents and optimiser moments use the same layout.
 *
 * Jets: each point carries the value and the input derivatives a problem needs, as channels
 * v, x, t, xx, tt (pf_channel). The network output N is combined with a hard-constraint transform
 * u = A(x,t) + B(x,t) N(x,t) and a residual r(u, u_x, u_t, u_xx, u_tt, x, t), both supplied by the
 * caller (pf_pinn_ops); the loss is L = (1/n) sum_i r_i^2 over a point set. */
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
  int *sizes;     /* sizes[0] inputs (2: x, t) ... sizes[L] outputs (1) */
  size_t nparams; /* total number of parameters */
  size_t *w_off;  /* (L) offset of W_l in theta */
  size_t *b_off;  /* (L) offset of b_l in theta */
} pf_mlp;

/* An MLP with nlayers weight layers and sizes[0..nlayers]; sizes[0] must be 2 and
 * sizes[nlayers] 1 (a PINN of (x, t)). Free with pf_mlp_destroy. */
int pf_mlp_create(int nlayers, const int *sizes, pf_mlp **net);
int pf_mlp_destroy(pf_mlp **net);
/* Glorot-normal weights (std = sqrt(2/(fan_in + fan_out))) and zero biases. The weights of all
 * layers, in layout order, are consecutive elements of the normal stream s starting at 0. */
int pf_mlp_init_glorot(const pf_mlp *net, const pf_rng_stream *s, double *theta);
/* "2-32-32-32-1" style text of the sizes into buf. */
void pf_mlp_describe(const pf_mlp *net, char *buf, size_t len);

/* ------------------------------------------------------------------ problems */
typedef enum {
  PF_CH_V = 0,
  PF_CH_X = 1,
  PF_CH_T = 2,
  PF_CH_XX = 3,
  PF_CH_TT = 4,
  PF_NCH = 5
} pf_channel;
#define PF_JET(c) (1u << (c))

/* What the engine needs from a problem. Arrays of channels have layout (PF_NCH, n): channel c
 * of point i at [c * n + i]; channels a problem does not use may be left untouched. */
typedef struct {
  /* Channels of u the residual reads (PF_JET(PF_CH_V) | ...). The engine adds the channels the
   * jet rules need (xx needs x, tt needs t). */
  unsigned channels;
  /* Constraint u = A + B N: fill A and B and their input derivatives, (PF_NCH, n) each. */
  void (*transform)(const void *ctx, size_t n, const double *x, const double *t, double *A,
                    double *B);
  /* Residual r (n) from the jets u (PF_NCH, n); if dr is not NULL its partials
   * dr[c*n + i] = dr/du_c; if d2r is not NULL the second partials
   * d2r[(c*PF_NCH + d)*n + i] = d2r/du_c du_d (symmetric; zero for linear residuals). */
  void (*residual)(const void *ctx, size_t n, const double *x, const double *t, const double *u,
                   double *r, double *dr, double *d2r);
  const void *ctx; /* passed to the callbacks */
} pf_pinn_ops;

/* A point set with its constraint coefficients, computed once (they do not depend on theta). */
typedef struct {
  size_t n;
  double *x, *t; /* (n) */
  double *A, *B; /* (PF_NCH, n) */
} pf_points;

int pf_points_create(const pf_pinn_ops *ops, size_t n, const double *x, const double *t,
                     pf_points **pts);
int pf_points_destroy(pf_points **pts);

/* ------------------------------------------------------------------ the engine */
/* Workspace for evaluating one network on blocks of `block` points (64-128 keeps a layer's
 * channels in L2). Not thread-safe; one per rank. All functions below are local (no MPI); sums
 * over points are formed per block and added in block order, so results do not depend on how
 * a point set is later split among ranks as long as the block boundaries are the same.
 * Non-finite values (a diverged network) are returned as they are; callers check. */
typedef struct pf_engine pf_engine;

int pf_engine_create(const pf_mlp *net, const pf_pinn_ops *ops, int block, pf_engine **eng);
int pf_engine_destroy(pf_engine **eng);
int pf_engine_block_size(const pf_engine *eng);
/* Number of jet channels carried (for flop counts). */
int pf_engine_channels(const pf_engine *eng);

/* L = (1/n) sum r_i^2 over pts and, if grad is not NULL, dL/dtheta (nparams). */
int pf_engine_loss_grad(pf_engine *eng, const double *theta, const pf_points *pts, double *loss,
                        double *grad);
/* Per-point residuals r (n) and, if u is not NULL, the constrained jets u (PF_NCH, n). */
int pf_engine_residuals(pf_engine *eng, const double *theta, const pf_points *pts, double *r,
                        double *u);
/* Exact Hessian-vector product hv = (d^2 L / dtheta^2) v, forward over reverse. */
int pf_engine_hvp(pf_engine *eng, const double *theta, const pf_points *pts, const double *v,
                  double *hv);
/* The per-block terms of that sum, for splitting a Hessian-vector product among ranks: block b of
 * pts holds points b*block .. min((b+1)*block, n)-1 (blocks at multiples of the block size, as
 * pf_engine_hvp forms them), and out[(b - first_block) * nparams + k] is the Hessian-vector
 * product of scale * sum_{i in block b} r_i^2 for b = first_block .. first_block+nblocks-1.
 * With scale = 1/N, adding the terms of all blocks of an N-point set in block order starting from
 * zero (hv = ((0 + out_0) + out_1) + ...) gives pf_engine_hvp's hv bit for bit. out:
 * (nblocks, nparams) row-major. */
int pf_engine_hvp_blocks(pf_engine *eng, const double *theta, const pf_points *pts,
                         size_t first_block, size_t nblocks, const double *v, double *out,
                         double scale);
/* Exact Jacobian-vector product of the residuals: jv[i] = (dr_i/dtheta) . v, (n). */
int pf_engine_jvp(pf_engine *eng, const double *theta, const pf_points *pts, const double *v,
                  double *jv);
/* Rows first .. first+count-1 of J = dr/dtheta: J[(i - first) * nparams + k] = dr_i/dtheta_k,
 * from one batched backward pass per block; if r is not NULL also those residuals (count). */
int pf_engine_jacobian_rows(pf_engine *eng, const double *theta, const pf_points *pts, size_t first,
                            size_t count, double *J, double *r);

#ifdef __cplusplus
}
#endif
#endif
