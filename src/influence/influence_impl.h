/* Private interface of the influence module: the inverse-Hessian backends and the eigenpair
 * selection rules they share (captum's _top_eigen: damped eigenvalues > eig_tol, the `rank`
 * largest, eigenvector signs fixed by the sign of their entry sum). */
#ifndef PF_INFLUENCE_IMPL_H
#define PF_INFLUENCE_IMPL_H

#include "pinnfluence/influence.h"

/* The error code for a LAPACKE info (use where lapacke.h is included): LAPACKE's own failures to
 * allocate its workspace are out-of-memory (a task records them as failed), the rest
 * PF_ERR_LAPACK. */
#define PF_LAPACK_ERROR(info)                                                                      \
  ((info) == LAPACK_WORK_MEMORY_ERROR || (info) == LAPACK_TRANSPOSE_MEMORY_ERROR ? PF_ERR_MEM      \
                                                                                 : PF_ERR_LAPACK)
#define PF_LAPACK_WHAT(info) ((info) <= LAPACK_WORK_MEMORY_ERROR ? ": out of memory" : "")

/* A backend fills F->R, F->lambda, F->rank, F->candidates and its diagnostics; F->nparams is
 * set and F->R / F->lambda are allocated with room for ip->rank columns before the call. terms:
 * the fixed terms of a composite objective in the Hessian (influence.h), NULL: none. */
typedef int (*pf_influence_backend_fn)(pf_engine *eng, const pf_mlp *net, const double *theta,
                                       const pf_points *Z, pf_terms *terms,
                                       const pf_influence_params *ip, uint64_t seed, int cycle,
                                       pf_influence_factor *F);

typedef struct {
  const char *name;
  pf_influence_backend_fn factor;
  const char *description;
} pf_influence_backend;

int pf_arnoldi_factor(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *Z,
                      pf_terms *terms, const pf_influence_params *ip, uint64_t seed, int cycle,
                      pf_influence_factor *F);
int pf_hessian_exact_factor(pf_engine *eng, const pf_mlp *net, const double *theta,
                            const pf_points *Z, pf_terms *terms, const pf_influence_params *ip,
                            uint64_t seed, int cycle, pf_influence_factor *F);
int pf_hessian_gn_factor(pf_engine *eng, const pf_mlp *net, const double *theta, const pf_points *Z,
                         pf_terms *terms, const pf_influence_params *ip, uint64_t seed, int cycle,
                         pf_influence_factor *F);

/* A factor with nparams set and R, lambda allocated (zeroed) with room for `rank` columns. */
int pf_influence_factor_alloc(size_t nparams, int rank, pf_influence_factor **F);

/* The backend registered under name, or NULL. */
const pf_influence_backend *pf_influence_backend_find(const char *name);

/* Indices of the damped eigenvalues dlam (n) that captum keeps: dlam > eig_tol, the `rank`
 * largest, in decreasing order of dlam (ties: lower index first); NaN never kept.
 * idx: (n) scratch, on return idx[0 .. *k-1] are the kept indices. */
int pf_influence_select(size_t n, const double *dlam, double eig_tol, int rank, size_t *idx,
                        int *k);

/* captum's sign rule for an eigenvector of n entries with stride inc: +1 if its entries sum to
 * more than 0, else -1 (the multiplier to apply). */
double pf_influence_sign(size_t n, const double *v, size_t inc);

/* Whether all n entries are finite. */
int pf_influence_finite(size_t n, const double *a);

#endif
