/* Private state of the engine and the per-block kernels shared by its drivers. */
#ifndef PF_NN_ENGINE_IMPL_H
#define PF_NN_ENGINE_IMPL_H

#include "pinnfluence/nn.h"

/* Jet flags of the derivative channels carried (v is always carried). */
typedef struct {
  int hx, ht, hxx, htt;
} pf_jetset;

/* Block matrices have one row per neuron and the channels side by side: row j holds
 * [v(0..nb) | x(0..nb) | t(0..nb) | xx(0..nb) | tt(0..nb)] for the carried channels, so the
 * leading dimension is ld = nc * nb for a block of nb points and one GEMM serves all channels. */
struct pf_engine {
  const pf_mlp *net; /* borrowed */
  pf_pinn_ops ops;
  pf_jetset js;
  int nc;            /* channels carried (slot of v is 0, then x, t, xx, tt as carried) */
  int slot[PF_NCH];  /* slot of each channel, -1 if not carried */
  int block, maxw;   /* points per block, widest layer */
  double **Z, **A;   /* [L] pre-activations (sizes[l+1], nc*block), layer inputs (sizes[l], ...) */
  double **Zd, **Ad; /* tangents of Z and A (HVP, JVP) */
  double *G0, *G1, *Gd0, *Gd1;          /* adjoints and their tangents (maxw, nc*block) */
  double *u, *dr, *udot, *ubar, *ubard; /* (PF_NCH, block) */
  double *d2r;                          /* (PF_NCH*PF_NCH, block) */
  double *r, *rdot;                     /* (block) */
  double *gblk;                         /* (nparams) sums of one block */
  double *At;                           /* (nc*block, maxw) transposed layer input (J rows) */
};

/* Forward pass of a block (points i0 .. i0+nb-1): fills Z and A of every layer. */
void pf_jets_forward(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb);
/* Tangent of the forward pass along v (needs pf_jets_forward first): fills Zd and Ad. */
void pf_jets_forward_tangent(pf_engine *e, const double *theta, const double *v, int nb);
/* The constrained jets u (PF_NCH, nb) from the network output jets (last Z) or its tangent
 * (tangent = 1: the A term is dropped, u is linear in N). */
void pf_jets_constrain(const pf_engine *e, const pf_points *pts, size_t i0, int nb, const double *N,
                       double *u, int tangent);
/* Adjoint of the constraint: output-layer adjoint G (1, nc*nb) from ubar (PF_NCH, nb). */
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

#endif
