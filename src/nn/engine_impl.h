/* Private state of the engine and the per-block kernels shared by its drivers. */
#ifndef PF_NN_ENGINE_IMPL_H
#define PF_NN_ENGINE_IMPL_H

#include "pinnfluence/nn.h"

#define PF_INLINE static inline __attribute__((always_inline))
/* The elementwise kernels (activation.c, jacobian.c) are compiled for AVX-512, AVX2 and baseline
 * x86-64 and picked at load time. With -ffp-contract=off every clone performs the same IEEE
 * operations in the same order (no FMA, no reductions across points), so the results are bitwise
 * identical whichever clone runs. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PF_NO_CLONES)
#define PF_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PF_CLONES
#endif

/* Jet flags of the derivative channels carried by the specialised kernels (d = 2; v is always
 * carried). */
typedef struct {
  int hx, ht, hxx, htt;
} pf_jetset;

/* Per-row temporaries of the general kernels (arrays of block doubles each). */
#define PF_NN_NTMP 12

/* Block matrices have one row per neuron and the channels side by side: row j holds
 * [v(0..nb) | first derivatives along X_0 .. X_{d-1} | the carried pairs in full-jet order], so
 * the leading dimension is ld = nc * nb for a block of nb points and one GEMM serves all channels.
 * For d = 2 without the mixed pair these are today's v, x, t, xx, tt.
 *
 * Per-block problem arrays: u, udot, ubar, ubard are (m, nj, nb) in full-jet order (entries not
 * carried stay 0); q, qdot (nread, nb) the read quantities; r, rdot (k, nb); dr (k, nread, nb) and
 * d2r (k, nread, nread, nb) as the residual callback writes them. The specialised path also keeps
 * drd (k, nj, nb) and d2rd (k, nj, nj, nb): the partials scattered to full-jet order (m = 1), so
 * its sums run over every jet entry in order, as the engine always did. */
struct pf_engine {
  const pf_mlp *net; /* borrowed */
  pf_pinn_ops ops;
  int d, m, k, nj, nread;
  int spec;                           /* 1: specialised kernels (d = 2, m = 1, no mixed pair) */
  pf_jetset js;                       /* channel flags of the specialised kernels */
  int nc;                             /* channels carried: 1 + d + npair */
  int npair;                          /* second derivatives carried */
  int pa[PF_MAX_JET], pb[PF_MAX_JET]; /* directions a <= b of pair p (slot 1 + d + p) */
  int pairq[PF_MAX_DIM][PF_MAX_DIM];  /* pair index of (a, b) (symmetric), -1 if not carried */
  int slot[PF_MAX_JET];               /* slot of each jet entry, -1 if not carried */
  int jet[PF_MAX_JET];                /* jet entry of each slot */
  int qrow[PF_MAX_READ];              /* row of read a in the (m, nj) arrays: out * nj + jet */
  double wsq[PF_MAX_RES];             /* sqrt(w_j) */
  int block, maxw;                    /* points per block, widest layer */
  int small_gemm;                     /* OpenBLAS runs small-matrix dgemm kernels */
  double **Z, **A;   /* [L] pre-activations (sizes[l+1], nc*block), layer inputs (sizes[l], ...) */
  double **Zd, **Ad; /* tangents of Z and A (HVP, JVP) */
  double *G0, *G1, *Gd0, *Gd1;     /* adjoints and their tangents (maxw, nc*block) */
  double *u, *udot, *ubar, *ubard; /* (m*nj, block) */
  double *q, *qdot;                /* (nread, block) */
  double *r, *rdot;                /* (k, block) */
  double *dr, *d2r;                /* (k*nread, block), (k*nread*nread, block) */
  double *drd, *d2rd;              /* specialised path: (k*nj, block), (k*nj*nj, block) */
  double *tmp;                     /* (PF_NN_NTMP, block) */
  double *gblk;                    /* (nparams) sums of one block */
  double *At;                      /* (nc*block, maxw) transposed layer input (J rows) */
};

/* Forward pass of a block (points i0 .. i0+nb-1): fills Z and A of every layer. */
void pf_jets_forward(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb);
/* Tangent of the forward pass along v (needs pf_jets_forward first): fills Zd and Ad. */
void pf_jets_forward_tangent(pf_engine *e, const double *theta, const double *v, int nb);
/* The constrained jets u (m, nj, nb) from the network output jets N (last Z: m rows of nc*nb) or
 * its tangent (tangent = 1: the A term is dropped, u is linear in N). Entries not carried are 0. */
void pf_jets_constrain(const pf_engine *e, const pf_points *pts, size_t i0, int nb, const double *N,
                       double *u, int tangent);
/* Adjoint of the constraint: output-layer adjoint G (m, nc*nb) from ubar (m, nj, nb) (only the
 * carried entries of ubar are read). */
void pf_jets_constrain_adjoint(const pf_engine *e, const pf_points *pts, size_t i0, int nb,
                               const double *ubar, double *G);

/* Elementwise kernels of a hidden layer (rows neurons, nb points); see DESIGN.md appendix. */
void pf_act_forward(const pf_engine *e, int rows, int nb, const double *bias, const double *Z,
                    double *A);
void pf_act_forward_tangent(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                            const double *Zd, double *Ad);
/* In place: G holds the adjoint of the layer output a and becomes the adjoint of z. */
void pf_act_backward(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                     double *G);
/* In place: (G, Gd) adjoint and its tangent of a become those of z. */
void pf_act_backward_tangent(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                             const double *Zd, double *G, double *Gd);
/* The same for the layer under a one-row output layer (the output layer of one output), whose
 * input adjoint is the outer product w g1 of its weights w (rows) and its output adjoint g1 (one
 * row of nc*nb), and in the tangent w gd1 + vw g1 (vw: the weights' tangent): G (and Gd) are
 * written, not read. The products are rounded as dgemm rounds a K = 1 product (the product, then
 * the sum), so this returns the bits of the dgemm followed by pf_act_backward (checked on
 * OpenBLAS's Haswell, SkylakeX, Cooperlake and Prescott kernels) without the call's overhead,
 * which is most of it at these sizes (6.6 us for 32 x 512 x 1), and without writing the product
 * out and reading it back. */
void pf_act_backward_outer(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                           const double *w, const double *g1, double *G);
void pf_act_backward_tangent_outer(const pf_engine *e, int rows, int nb, const double *A,
                                   const double *Z, const double *Zd, const double *w,
                                   const double *vw, const double *g1, const double *gd1, double *G,
                                   double *Gd);

/* The reverse step through layer l >= 1 of a block (the loss gradient's, also the Jacobian
 * rows'): Gn (sizes[l], nc*nb), the adjoint of layer l-1's pre-activations, from G
 * (sizes[l+1], nc*nb), that of layer l's: W_l^T G, then the activation's reverse step. */
void pf_nn_reverse_step(pf_engine *e, const double *theta, int l, int nb, const double *G,
                        double *Gn);

/* Forward pass, constraint and residual of the block i0 .. i0+nb-1: fills u, q, r and (if want)
 * dr, d2r (and their full-jet copies drd, d2rd on the specialised path). Second derivatives only
 * when asked for (HVP). */
void pf_nn_block_residual(pf_engine *e, const double *theta, const pf_points *pts, size_t i0,
                          int nb, int want_dr, int want_d2r);

/* The pieces of a block's Hessian-vector product (engine.c), shared by pf_engine_hvp and
 * pf_engine_hvp_multi (hvp_multi.c) so both perform the same operations per direction. After
 * pf_nn_block_residual(.., 1, 1): pf_nn_block_rdot fills udot, qdot, rdot along v (the forward
 * tangent, overwriting Zd and Ad); pf_nn_seed_hvp the seeds ubar, ubard (sigma = 2/n); then, after
 * the constraint adjoints into G0 and Gd0, pf_nn_block_backward_tangent the block's product into
 * hout (nparams), overwriting it (G0, G1, Gd0, Gd1 are consumed). */
void pf_nn_block_rdot(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb,
                      const double *v);
void pf_nn_seed_hvp(pf_engine *e, int nb, double sigma);
void pf_nn_block_backward_tangent(pf_engine *e, const double *theta, const double *v, int nb,
                                  double *hout);

/* Carried second derivatives of a problem: mask bit c set for every pair jet entry c some read
 * quantity needs; returns their number (ops must be valid). */
int pf_nn_carried_pairs(const pf_pinn_ops *ops, unsigned *mask);

#endif
