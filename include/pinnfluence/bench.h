/* pinnfluence bench: times the engine's hot paths on one core (loss + gradient and one
 * Hessian-vector product over a batch of uniform points) for the paper's network shapes, next to
 * the machine's dgemm rate at exactly the GEMM shapes the engine issues, measured in the same run.
 */
#ifndef PINNFLUENCE_BENCH_H
#define PINNFLUENCE_BENCH_H

#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int json;        /* one JSON object per line instead of the table */
  size_t points;   /* batch size (default 2000) */
  int reps;        /* timed repetitions per measurement; the median is reported (default 11) */
  int block;       /* engine block size (default 128) */
  const char *pde; /* residual to use (default "burgers"; NULL = default) */
  /* a configuration file with a problem = { ... } group, or NULL: then the loss + gradient of
   * that problem and of the built-in pde (default: the problem's name without "_cfg") at the
   * paper's shapes, timed alternately in one run, with their ratio */
  const char *problem;
  /* 1: instead of the above, nv = 8 and 16 Hessian-vector products at 2-32-32-32-1 and
   * 2-64-64-64-1: pf_engine_hvp_multi against nv pf_engine_hvp calls, alternating, medians and
   * their ratio (bench --hvp-multi) */
  int hvp_multi;
} pf_bench_options;

/* Default options. */
pf_bench_options pf_bench_defaults(void);

/* Run the benchmark on rank 0 of ctx and print to out (the other ranks wait).
 * Collective on ctx->comm. */
int pf_bench_run(const pf_ctx *ctx, const pf_bench_options *opt, FILE *out);

/* bench --farm. Collective on ctx->comm: a sweep of ntasks no-op tasks into the store at path
 * (overwritten): wall seconds to parse the configuration, resolve the tasks, create the store and
 * dispatch the tasks over the ranks (the farm's shared counter and each task's status writes),
 * the dispatch rate, the peak RSS per rank; then rank 0 times `pinnfluence status` and `report`
 * on the store as child processes (wall seconds, peak RSS). One line (or a JSON object, "what":
 * "farm") on out from rank 0. */
int pf_bench_farm(const pf_ctx *ctx, int ntasks, const char *path, int json, FILE *out);

/* ------------------------------------------------------------------ influence stability */
/* pinnfluence bench --influence-stability (src/bench/stability.c): how far the PINNfluence scores
 * of the paper's rank-50 Arnoldi factor are from those of the exact Hessian, per setting of
 * arnoldi_iters, rank and damping, at network states of a real run, with the spectrum of H. */

/* Spearman's rank correlation of a and b (n): Pearson's correlation of their ranks, tied values
 * getting the average of the ranks they span. NaN when n < 2 or either has all values equal.
 * PF_ERR_MEM if the scratch cannot be allocated. */
int pf_bench_spearman(size_t n, const double *a, const double *b, double *rho);
/* How many of the k largest entries of a are among the k largest of b (ties: lower index
 * first). PF_ERR_MEM as above. */
int pf_bench_topk_overlap(size_t n, const double *a, const double *b, size_t k, int *overlap);

#define PF_STABILITY_MAX_VALUES 16

/* What one state is measured with. */
typedef struct {
  size_t pool;              /* candidates (10,000): the pool stream of the cycle */
  size_t topk;              /* the top-k overlap's k (10) */
  pf_influence_params base; /* defaults every sweep starts from (captum's; test_points = Z) */
  int n_iters, n_rank, n_damping;
  int iters[PF_STABILITY_MAX_VALUES];      /* {25, 50, 100, 200, 400} */
  int rank[PF_STABILITY_MAX_VALUES];       /* {5, 10, 20, 50, 100, 200} */
  double damping[PF_STABILITY_MAX_VALUES]; /* {1e-6, ..., 1e-1} */
  int gauss_newton; /* 1: one more row, the gauss_newton backend at base's settings (default) */
  int n_block;      /* block_krylov rows at base's settings with these (block_size, block_iters) */
  int block_size[PF_STABILITY_MAX_VALUES];  /* {8, 16, 16, 32, 32} */
  int block_iters[PF_STABILITY_MAX_VALUES]; /* {8, 4, 8, 4, 8} */
} pf_stability_settings;

/* The paper's settings above. */
pf_stability_settings pf_stability_settings_default(void);

/* One setting of a sweep. */
typedef struct {
  const char *sweep;          /* "arnoldi_iters", "rank", "damping", "gauss_newton" (its
                                 round at base's settings; value = base's rank) or
                                 "block_krylov" (value = block_size, iters = block_iters) */
  int iters;                  /* block_krylov: block_iters; 0 otherwise */
  double value;               /* the swept parameter's value */
  double spearman;            /* arnoldi scores at this setting vs the reference */
  double spearman_base;       /* the same scores vs the exact backend's at base's settings */
  double spearman_exact;      /* rank, damping: the exact backend at this setting vs the reference
                                 (rank: the top `rank` eigenpairs; damping: rank P); NaN otherwise */
  int topk, topk_exact;       /* top-k overlaps (of k) of the same pairs; -1 where not measured */
  int krylov_dim, rank, hvps; /* of the arnoldi factor */
  double seconds;             /* wall time of the arnoldi round (pf_influence_score) */
  double seconds_exact;       /* factor from the shared eigenpairs + embeddings + scores */
} pf_stability_row;

/* The spectrum of H = Hessian of sum_{z in Z} l(z) (as the exact backend forms it). */
typedef struct {
  size_t nparams;
  double *eig;       /* (P) eigenvalues, ascending, undamped; owned, free with _spectrum_free */
  int negative;      /* lambda < 0 */
  int below_damping; /* |lambda| < damping */
  int discarded;     /* lambda + damping <= eig_tol: what the threshold drops */
  int ref_rank;      /* eigenpairs in the reference factor (P - discarded) */
  double hessian_seconds, eigen_seconds, reference_seconds;
} pf_stability_spectrum;
void pf_stability_spectrum_free(pf_stability_spectrum *s);

/* Rows a state produces: n_iters + n_rank + n_damping (+ 1 with gauss_newton) + n_block. */
int pf_stability_nrows(const pf_stability_settings *s);

/* Measures one state: theta of net on pde, the pool and the Z set (s->base.test_points) of the
 * streams of (seed, cycle). The reference is the exact backend at full rank (rank = P) and
 * s->base's damping and eig_tol; its scores equal pf_influence_score's with that backend and
 * rank bit for bit (one dense Hessian and one dsyevd serve the reference, the spectrum and every
 * exact setting). Then the arnoldi round (pf_influence_score, as a run calls it) per setting,
 * and with s->gauss_newton the gauss_newton backend's round (spearman, topk, rank, seconds).
 * rows: (pf_stability_nrows(s)); *spec filled (free with pf_stability_spectrum_free, also after
 * an error); reference: NULL or (s->pool) for the reference scores. progress: NULL or a stream
 * for progress lines (the Hessian rows, each setting). Local (no MPI). */
int pf_stability_state(pf_engine *eng, const pf_mlp *net, const pf_pde *pde, const double *theta,
                       uint64_t seed, int cycle, const pf_stability_settings *s, FILE *progress,
                       pf_stability_row *rows, pf_stability_spectrum *spec, double *reference);

typedef struct {
  const char *pde; /* problem (default "burgers") */
  int ncycles;
  int cycles[PF_STABILITY_MAX_VALUES]; /* states after these cycles' training (default 1, 10) */
  long adam_iters, lbfgs_iters;        /* per cycle; -1: the paper's (config defaults) */
  int json;
} pf_stability_options;
pf_stability_options pf_stability_defaults(void);

/* pinnfluence bench --influence-stability: trains the problem at its paper network with rar in
 * add mode, seed 1 (pf_task_run on the spec of pf_config_default, once per requested cycle),
 * measures each state with the default settings and prints a table per state (or JSON lines:
 * "what": "stability_state", "stability_spectrum", "stability"). Progress on stderr. Rank 0
 * works, the others wait. PF_ERR_ARG for an unknown problem. Collective on ctx->comm. */
int pf_bench_stability(const pf_ctx *ctx, const pf_stability_options *o, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
