/* pinnfluence group: group-parallel scoring of a resampling round (DESIGN.md section 4). A task
 * runs on a group of G ranks (a communicator); group rank 0 trains, and at every resampling round
 * all G ranks score the cycle's candidate pool together: theta is broadcast from rank 0, every
 * rank generates its own slice of the pool (and of the influence set Z) straight from the task's
 * streams, computes its share of the work, and the pool (d doubles per point) and its scores are
 * gathered to rank 0, which draws the new points.
 *
 * What is split, and how:
 *   random                   scores from the cycle's stream, each rank its pool slice;
 *   rar, out_grad, loss_grad each rank scores its pool slice with the registered method;
 *   grad_dot, pinnfluence    each rank embeds its Z slice, the embeddings of Z are shared
 *                            (allgather), each rank embeds and scores its pool slice;
 *   pinnfluence factors      arnoldi: rank 0 runs the iteration; each Hessian-vector product is
 *                            the sum of per-engine-block terms of which every rank computes those
 *                            of its Z slice; rank 0 adds all of them in block order from zero
 *                            (as pf_engine_hvp does); exact: the P Hessian rows are split among
 *                            the ranks (each row one HVP over all of Z) and gathered; gauss_newton:
 *                            the Jacobian rows of Z (k per point) are computed by slice and
 *                            gathered; the eigensolve is done on rank 0 and R broadcast.
 * Slices start at multiples of a unit that does not depend on G (the least common multiple of the
 * engine block size and PF_INFLUENCE_SCORE_BLOCK), so every point lies in the same engine block
 * and every candidate in the same score block whatever G is, and every sum is formed in the order
 * of the serial path: rank 0's scores equal those of the registered method (method->score, as
 * the one-rank task loop calls it) bit for bit, for every G. (On a group whose ranks run
 * different BLAS kernels, e.g. different CPU types, that cannot hold; the ranks still agree.)
 *
 * Errors: a failure on any rank becomes the same error code on every rank (agreed before each
 * collective step returns); no rank is left waiting in a collective. */
#ifndef PINNFLUENCE_GROUP_H
#define PINNFLUENCE_GROUP_H

#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/run.h"

#include <mpi.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pf_group_scorer pf_group_scorer;

/* Collective on comm (duplicated; the scorer communicates only on its duplicate). spec: the task
 * (method, pool size, influence params, block size, pde, network sizes in spec->hidden/nhidden,
 * seed); every rank passes an identical spec (checked: a fingerprint of the fields that matter
 * is compared, a mismatch fails on every rank with PF_ERR_ARG). Creates the network, engine and
 * buffers each rank needs for its slices (allocated once here; each round allocates only its
 * point sets, the factor and, for exact / gauss_newton, the gathered Hessian / Jacobian).
 * spec is copied; the pde and method it points at must outlive the scorer. */
int pf_group_scorer_create(MPI_Comm comm, const pf_task_spec *spec, pf_group_scorer **gs);

/* Local. The fixed target sets of the task's composite loss (terms.h: soft conditions, data), for
 * the Hessian of pinnfluence's factor (influence.h: H of sum_{z in Z} l(z) + |Z| sum_t w_t L_t).
 * Only group rank 0 uses them: it adds the terms' Hessian-vector products after the block sum of
 * Z's (arnoldi), their Hessian rows after the gather (exact), their Jacobian rows after Z's
 * (gauss_newton); on the other ranks the call does nothing. The sets are copied (pf_terms_create
 * on the scorer's network and spec->pde's transform, the scorer's block size); nsets = 0 removes
 * them. Call before the rounds; rank 0's scores then equal pf_influence_score_terms with the same
 * sets bit for bit. The scorer frees them. */
int pf_group_scorer_set_terms(pf_group_scorer *gs, int nsets, const pf_target_set *sets);

/* Collective on the scorer's communicator. On group rank 0 it also ends pf_group_serve on the
 * other ranks: every rank either serves until then or calls destroy itself. Accepts NULL and
 * *gs == NULL (on every rank alike), and nulls the pointer. */
int pf_group_scorer_destroy(pf_group_scorer **gs);

/* Collective on the scorer's communicator: every group rank calls it once per resampling round,
 * same cycle, in the same order (or the ranks other than 0 are in pf_group_serve). theta
 * (nparams, then the spec->ntrained trained coefficients' current values: the task's x) is read
 * on group rank 0 only (broadcast inside; may be NULL elsewhere; not read at all for `random`). On
 * rank 0 on return: X (spec->pool, d) the whole candidate pool of the cycle (equal to
 * pf_sample_pool's) and scores (spec->pool) their scores; on other ranks X, scores may be NULL and
 * are not touched. stats (may be NULL): seconds per phase on the calling rank (hessian: Z set and
 * factor; embed: embeddings incl. sharing those of Z; score: score GEMMs or the pointwise scores,
 * and the gather to rank 0) and, for pinnfluence, the factor's rank, candidates, HVPs and Krylov
 * dimension (on every rank). The method `static` has no round: PF_ERR_ARG on every rank. */
int pf_group_score(pf_group_scorer *gs, int cycle, const double *theta, double *X, double *scores,
                   pf_influence_stats *stats);

/* Collective on the scorer's communicator; for group ranks other than 0 (PF_ERR_ARG on rank 0,
 * which must not call it). Takes part in every pf_group_score that rank 0 makes, for the cycle
 * rank 0 gives, until rank 0 calls pf_group_scorer_destroy; then returns PF_OK (destroy this
 * scorer next). A round that fails fails on rank 0 too, whose caller decides what happens; the
 * rank keeps serving. Returns an error only if MPI itself fails. */
int pf_group_serve(pf_group_scorer *gs);

/* The slice unit of the scorer (points; a multiple of the engine block size and of
 * PF_INFLUENCE_SCORE_BLOCK), and the slice first .. first+count-1 of an n-point set that group
 * rank `rank` of `size` takes: whole units, contiguous, in rank order. */
size_t pf_group_unit(const pf_group_scorer *gs);
void pf_group_slice(size_t n, size_t unit, int size, int rank, size_t *first, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
