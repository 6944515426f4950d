/* pinnfluence run: the memory a task needs, estimated from its resolved configuration before any
 * work, and the check that refuses a sweep with a task that cannot fit the memory of a rank.
 *
 * The estimate counts what the task loop, the engine, the score methods and the inverse-Hessian
 * backends allocate (doubles, 8 bytes): with P parameters, B = run.block, Z =
 * influence.test_points, the problem's d inputs, m outputs, k residual components, q read
 * quantities and nj = 1 + d + d (d + 1) / 2 jet entries, n_c the engine's jet channels
 * (pf_pinn_ops_channels), widths n_0 = d, n_1..n_L, n_{L+1} = m:
 *   parameters and optimisers   P (theta) + 4 P (Adam) + 9 P (L-BFGS, when lbfgs_iters > 0)
 *   L-BFGS history              2 x train.lbfgs_history x P
 *   engine (per block)          n_c B (2 sum_l (n_l + n_{l+1}) + 5 max n_l)
 *                               + B (4 m nj + 2 q + 2 k + k q + k q^2 + k nj + k nj^2 + 12) + P
 *   training set                d x (points.initial + train.cycles x sample.per_cycle)
 *                               + (2 d + 2 m nj) x size
 *   holdout set                 (2 d + m + 2 m nj + k + m nj) x holdout points (the grids of
 *                               burgers and allen_cahn)
 *   pool                        (2 d + 1 + 2 m nj) x sample.pool + (1 + d) x per_cycle + the
 *                               method's work (out_grad 5 x pool, loss_grad B (P + 1))
 *   Z and embeddings            (2 d + 2 m nj) Z + Z r + B r + B k (P + 1) + 256 Z; r = P for
 *                               grad_dot, the kept rank for pinnfluence
 *   influence factor            P x influence.rank (allocated at the rank asked for)
 *   backend temporaries         arnoldi: (arnoldi_iters + 1) P basis + (iters + 1) iters
 *                               + 2 iters^2; exact: 3 P^2 (Hessian, dsyevd workspace);
 *                               gauss_newton: Zk P + 3 (Zk)^2 + Zk r (k Jacobian rows per point)
 *   sweep table per task of the sweep, about 8.7 KB (specs, layouts, store rows)
 *   runtime                     192 MiB + 64 MiB per BLAS thread (MPI, HDF5, OpenBLAS buffers)
 * In groups (run.ranks_per_task > 1) the leader also holds the group scorer: a second engine, the
 * factor again, Z x influence.rank embeddings and (arnoldi) ceil(Z / B) x P block terms. The
 * estimate is computed in double precision, so no setting can overflow it. */
#ifndef PINNFLUENCE_FOOTPRINT_H
#define PINNFLUENCE_FOOTPRINT_H

#include "pinnfluence/config.h"
#include "pinnfluence/core.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PF_FOOT_PARAMS,  /* parameters, Adam and L-BFGS working vectors */
  PF_FOOT_HISTORY, /* L-BFGS history */
  PF_FOOT_ENGINE,  /* the engine's per-block workspace */
  PF_FOOT_TRAIN,   /* training set at its largest */
  PF_FOOT_HOLDOUT, /* holdout set and its reference */
  PF_FOOT_POOL,    /* candidate pool, scores and the method's scratch */
  PF_FOOT_ZSET,    /* influence set Z and the embeddings */
  PF_FOOT_FACTOR,  /* the inverse-Hessian factor, P x influence.rank */
  PF_FOOT_BACKEND, /* the backend's temporaries (Krylov basis, dense Hessian, Jacobian over Z) */
  PF_FOOT_SWEEP,   /* the sweep's per-task tables */
  PF_FOOT_RUNTIME, /* MPI, HDF5 and OpenBLAS buffers */
  PF_FOOT_NPARTS
} pf_footprint_part;

typedef struct {
  size_t nparams;                   /* P */
  double part[PF_FOOT_NPARTS];      /* bytes */
  double total;                     /* bytes, the sum of the parts */
  int largest;                      /* the largest part */
  char what[PF_FOOT_NPARTS][160];   /* each part with its formula and numbers, for messages */
  const char *hint[PF_FOOT_NPARTS]; /* the keys that shrink each part */
} pf_footprint;

/* Estimated peak memory of the rank leading task cfg in a sweep of ntasks tasks. PF_ERR_ARG for an
 * unknown pde or method (a validated config has neither). */
int pf_task_footprint(const pf_config *cfg, int ntasks, pf_footprint *fp);

/* Collective on comm. The memory one rank may use, the same on every rank (the least over the
 * ranks): PF_MEMORY_LIMIT_BYTES if set (bytes per rank; for tests, and for administrators who know
 * better), else the node's physical memory (sysconf), or the memory limit of the process's cgroup
 * (v2 memory.max or v1 memory.limit_in_bytes) when lower (SLURM confines jobs so), divided by the
 * ranks of comm on the node. basis (len bytes) says which, e.g. "23.4 GiB of physical memory / 2
 * ranks on this node". PF_ERR_CONFIG for a malformed PF_MEMORY_LIMIT_BYTES (message in basis). */
int pf_memory_per_rank(MPI_Comm comm, double *bytes, char *basis, size_t len);

/* Check every task of the sweep against limit bytes per rank (basis: how the limit was found, for
 * the message); also refuse what the backends cannot run (exact beyond
 * PF_INFLUENCE_EXACT_MAX_PARAMS parameters; gauss_newton with a Z whose Gram eigensolver workspace
 * exceeds 32-bit LAPACK indices). PF_ERR_CONFIG with one line in err for the first task refused,
 * e.g. "burgers.cfg: task 0 (network 2-64-64-64-1, P = 8577): needs about 6.7 GiB per rank, 6.4
 * GiB of it for the influence factor (P x influence.rank = 8577 x 100000 doubles); more than the
 * 3.7 GiB available per rank (PF_MEMORY_LIMIT_BYTES); lower influence.rank". Not collective. */
int pf_sweep_check_memory_limit(const pf_sweep *sweep, double limit, const char *basis, char *err,
                                size_t errlen);

/* Collective on ctx->comm: pf_memory_per_rank, then pf_sweep_check_memory_limit; the same result
 * on every rank. */
int pf_sweep_check_memory(const pf_ctx *ctx, const pf_sweep *sweep, char *err, size_t errlen);

/* "6.4 GiB", "512 MiB", "2.1 PiB": binary units, two or three significant digits. */
void pf_format_bytes(double bytes, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
