/* pinnfluence terms: the fixed parts of a composite training objective (README "Soft constraints,
 * data and inverse problems"): soft boundary and initial conditions and data misfits. Each is a
 * "target set": points X (n, d) at which jet entries of the outputs must equal given targets Y,
 *   L_t = w_t (1/n_t) sum_i sum_a (u_{o_a}^{(c_a)}(X_i) - Y_ia)^2,
 * u the outputs after the task problem's transform (u_o = A_o + B_o N_o; for a soft problem
 * u_o = N_o). The composite objective of a task is
 *   L = (1/n) sum_i l(x_i)  [the residual loss over the collocation points, pf_engine_loss_grad]
 *       + sum_t L_t          [these terms, in set order].
 * The target sets never change during a task; resampling acts on the collocation points only.
 *
 * Each set runs through the engine as a problem of its own: residual components r_a = q_a, the
 * read quantities q_a = (o_a, c_a), and the task problem's transform whose A has been shifted by
 * -Y once at creation (so u^{(c_a)} - Y_a is what the engine sees as q_a). Everything is exact:
 * gradients, Hessian-vector products and Jacobian rows are the engine's. Local (no MPI). */
#ifndef PINNFLUENCE_TERMS_H
#define PINNFLUENCE_TERMS_H

#include "pinnfluence/nn.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One target set as its maker describes it (copied by pf_terms_create). */
typedef struct {
  const char *name;         /* for messages and reports, e.g. "x=lo u", "t=lo u_t", "data u" */
  double weight;            /* w_t > 0, finite */
  int nread;                /* targets per point, 1 .. PF_MAX_RES */
  pf_read read[PF_MAX_RES]; /* (output, jet entry pf_jet_index) of each target; distinct */
  size_t n;                 /* points, >= 1 */
  const double *X;          /* (n, d) */
  const double *Y;          /* (n, nread): Y[i * nread + a] the target of read[a] at point i */
} pf_target_set;

/* A list of target sets that owns their names, points and targets. */
#define PF_TERMS_MAX_SETS 32
typedef struct pf_target_list {
  int nsets;
  pf_target_set set[PF_TERMS_MAX_SETS]; /* set[t].name, .X, .Y point into the arrays below */
  char name[PF_TERMS_MAX_SETS][64];
  double *X[PF_TERMS_MAX_SETS]; /* (n_t, d) owned */
  double *Y[PF_TERMS_MAX_SETS]; /* (n_t, nread_t) owned */
} pf_target_list;

/* Append a set named name (copied, truncated to 63 characters) with weight, reads and n points of
 * d coordinates; *X (n, d) and *Y (n, nread) are allocated zeroed for the caller to fill.
 * PF_ERR_ARG when the list is full or the set is malformed (naming it). */
int pf_target_list_add(pf_target_list *l, const char *name, double weight, int nread,
                       const pf_read *read, size_t n, int d, double **X, double **Y);
/* Free what the list owns; nsets becomes 0. Accepts NULL. */
void pf_target_list_free(pf_target_list *l);

typedef struct pf_terms pf_terms;

/* The terms for network net (ops->d inputs, ops->m outputs) with the task problem ops (its
 * transform and ctx; its residual is not used), engines of block size `block`. nsets may be 0
 * (then every function below adds nothing). PF_ERR_ARG naming the set for a malformed one.
 * Free with pf_terms_destroy (accepts NULL, nulls the pointer). */
int pf_terms_create(const pf_mlp *net, const pf_pinn_ops *ops, int block, int nsets,
                    const pf_target_set *sets, pf_terms **T);
int pf_terms_destroy(pf_terms **T);
/* Number of sets (0 for NULL), a set's name, points and weight. */
int pf_terms_count(const pf_terms *T);
const char *pf_terms_name(const pf_terms *T, int t);
size_t pf_terms_points(const pf_terms *T, int t);
double pf_terms_weight(const pf_terms *T, int t);

/* *loss += sum_t w_t L_t(theta) and, if grad is not NULL, grad (nparams) += its gradient; the
 * sets in order, each the engine's mean loss and gradient times w_t, then added. If set_loss is
 * not NULL, set_loss[t] = w_t L_t. T NULL or empty: nothing is touched. */
int pf_terms_loss_grad(pf_terms *T, const double *theta, double *loss, double *grad,
                       double *set_loss);
/* hv (nparams) += scale * (d^2/dtheta^2 sum_t w_t L_t) v, exact (the engine's HVP per set). */
int pf_terms_hvp(pf_terms *T, const double *theta, const double *v, double scale, double *hv);
/* Number of Jacobian rows of all sets: sum_t n_t nread_t (0 for NULL). */
size_t pf_terms_rows(const pf_terms *T);
/* Those rows J (pf_terms_rows, nparams) row-major, set after set, each set's rows point-major
 * (the nread rows of a point together), row (i, a) of set t = sqrt(scale w_t / n_t) d(u^{(c_a)}
 * - Y_a)(X_i)/dtheta; if s is not NULL also the scaled misfits sqrt(scale w_t / n_t)(u - Y) there.
 * Then 2 J^T J is scale times the Gauss-Newton matrix of sum_t w_t L_t. */
int pf_terms_jacobian_rows(pf_terms *T, const double *theta, double scale, double *J, double *s);

#ifdef __cplusplus
}
#endif
#endif
