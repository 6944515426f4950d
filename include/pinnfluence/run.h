/* pinnfluence run: one task, the cycle loop of PAPER.md section 2 on one rank:
 *   initial network (seed) and Hammersley points; holdout set with its reference;
 *   for cycle = 1..C: resample (pool -> scores -> draw -> add/replace), Adam, L-BFGS, metrics.
 * A numerical failure (non-finite loss, gradient or metric) ends the task as failed with a reason;
 * it is not an error of the program. */
#ifndef PINNFLUENCE_RUN_H
#define PINNFLUENCE_RUN_H

#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/sample.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything one task needs, resolved (no defaults left). */
typedef struct {
  const pf_pde *pde;
  int nhidden;
  int hidden[PF_PDE_MAX_HIDDEN];
  uint64_t seed;
  size_t initial_points;
  int cycles;
  long adam_iters;
  double adam_lr;
  long lbfgs_iters;
  int lbfgs_step, lbfgs_history, lbfgs_max_eval;
  const pf_score_method *method;
  int replace;                   /* 0: add mode, 1: replace mode */
  int top_k;                     /* 0: distribution draw, 1: top-k */
  size_t pool, per_cycle;        /* candidates per cycle, points drawn per cycle */
  double k, c;                   /* distribution exponent and offset */
  size_t holdout_points;         /* size of random holdout sets */
  int block;                     /* engine block size */
  pf_influence_params influence; /* grad_dot / pinnfluence (backend points at influence_backend) */
  char influence_backend[32];
  const char *label;      /* prefix of progress lines, e.g. "burgers/rar/add seed 1" */
  int fault_nan_cycle;    /* testing: from this cycle (1-based) on the loss is NaN; 0: off */
  struct pf_fault *fault; /* testing: a signal at a chosen cycle and iteration; NULL: off */
  int store_pool;         /* hand the last cycle's pool and scores to hooks->pool_done */
  int checkpoint_every;   /* hooks->checkpoint after every this many cycles; 0: never */
  /* Soft conditions, data and trainable coefficients (README "Soft constraints, data and inverse
   * problems"). pde is the problem as the task trains it (pf_pde_soft of the configured one for
   * constraints = "soft"), with the true coefficient values (reference and data). */
  size_t soft_points; /* boundary.points: Hammersley points per face of each soft condition set */
  double soft_weight; /* boundary.weight */
  struct {
    size_t reference; /* observations drawn from the reference; 0: none */
    double noise;     /* their noise level (times the rms of each observed output) */
    uint64_t seed;    /* their stream */
    double weight;    /* weight of the data misfit; the set is named "data" */
    int nout;         /* observed outputs of reference data; 0: every output */
    int out[PF_MAX_OUT];
    char file[256]; /* or observations from this CSV file ("" : none) */
  } data;
  /* Trainable coefficients (`trainable = { nu = "..."; }`; inverse problems). The coefficients'
   * given values pf_pde_coefficients(pde) stay the truth (reference, data, stored as
   * /tasks/coef_true); the trained ones start at coef_init. The optimisation vector is
   * x = [theta (nparams), the trained coefficients in this order (ntrained)]. */
  int ntrained;                      /* trained coefficients, 0..pde->ncoef; 0: none */
  int trained[PF_PDE_MAX_COEF];      /* their indices into pde->coef, ascending (ntrained) */
  double coef_init[PF_PDE_MAX_COEF]; /* initial guesses, indexed like pde->coef */
} pf_task_spec;

/* Columns of a metrics row (also the columns of /metrics in the store). */
enum {
  PF_MET_CYCLE = 0,
  PF_MET_ITERATION,
  PF_MET_L2,
  PF_MET_TEST_LOSS,
  PF_MET_TRAIN_LOSS,
  PF_MET_TRAIN_SIZE,
  PF_MET_SECONDS_SCORE,
  PF_MET_SECONDS_TRAIN,
  PF_MET_NCOLS
};

/* Where a resumed task starts: its state after cycle cycles_done (a checkpoint). The optimisers
 * start afresh every cycle and every random number comes from a stream keyed by the cycle, so
 * this is everything the next cycle reads. */
typedef struct {
  int cycles_done;
  size_t ntrain;
  long iterations;
  double seconds;
  const double *theta;       /* (nparams) */
  const double *X;           /* (ntrain, d) */
  double last[PF_MET_NCOLS]; /* metrics row of cycle cycles_done (for the result) */
  const double *coef;        /* (pde->ncoef) coefficient values at that point, or NULL when
                                the task trains none */
} pf_task_start;

/* Called as the task progresses; any may be NULL. A nonzero return aborts the task with that
 * error code. */
typedef struct {
  void *user;
  /* after cycle c (0-based): its metrics row and the points drawn in it (n = 0 for static) */
  int (*cycle_done)(void *user, int c, const double row[PF_MET_NCOLS], size_t n, const double *X);
  /* the resampling round of cycle c (1-based): fill the pool X (spec->pool, d) and its scores;
   * NULL: the task scores alone with spec->method */
  int (*score)(void *user, int cycle, const double *theta, double *X, double *scores);
  /* with spec->store_pool: the last cycle's (1-based) pool and its scores (spec->pool each) */
  int (*pool_done)(void *user, int cycle, const double *theta, const double *X,
                   const double *scores);
  /* after every spec->checkpoint_every cycles but the last: the state a resume starts from */
  int (*checkpoint)(void *user, const pf_task_start *state);
  /* non-NULL: continue from this state instead of starting at cycle 1 */
  const pf_task_start *start;
  /* after cycle c (0-based), right after cycle_done, when the task trains coefficients
   * (`trainable`): the values of all ncoef coefficients of the problem (the trained ones as
   * learned so far, the others as given) */
  int (*coef_done)(void *user, int c, int ncoef, const double *coef);
} pf_task_hooks;

typedef struct {
  int failed;      /* 1: numerical failure, reason says why */
  int interrupted; /* 1: stopped by a signal (pf_run_stop_requested); results incomplete */
  char reason[256];
  int nlayers; /* weight layers; sizes has nlayers + 1 entries */
  int sizes[PF_PDE_MAX_HIDDEN + 2];
  size_t nparams;
  double *theta; /* (nparams) final parameters */
  size_t ntrain;
  int d;     /* input coordinates */
  double *X; /* (ntrain, d) final training points */
  int cycles_done;
  double last[PF_MET_NCOLS];    /* metrics of the last completed cycle */
  double seconds;               /* wall time of the task */
  int ntrained;                 /* coefficients trained (0: none) */
  double coef[PF_PDE_MAX_COEF]; /* final values of all the problem's coefficients */
} pf_task_result;

/* Interruption: SIGTERM, SIGUSR1 and SIGINT (what SLURM and a user send before a job ends) set a
 * flag that running tasks check at every optimiser iteration/step and between cycles. */
void pf_run_install_signal_handlers(void);
int pf_run_stop_requested(void);
void pf_run_request_stop(void);
/* "SIGTERM", "SIGUSR1", "SIGINT": the first signal that asked to stop ("a stop request": none). */
const char *pf_run_stop_signal_name(void);

/* Fault injection, for tests only, from the environment (read by pf_sweep_run):
 *   PF_FAULT_NAN_TASK=i           task i (0-based) diverges: its loss is NaN from cycle 1 on
 *   PF_FAULT_SIGNAL=i:c:k:ACTION  when task i reaches iteration k (1-based, counted within the
 *                                 cycle: Adam's iterations, then L-BFGS's) of cycle c (1-based),
 *                                 the rank running it does ACTION, once:
 *       SIG         raise SIG (TERM, USR1, INT or KILL) in this rank (KILL: dies as if killed)
 *       SIG@parent  send SIG to the parent process (mpiexec, which forwards USR1 to every rank)
 *       SIG@ranks   send SIG to every rank of the run (pids gathered at the start; one host)
 *       SIG@job     send SIG to the parent and to every rank (what slurmstepd does on scancel:
 *                   every process of the job step gets it, and mpirun passes it on again)
 *       wait        send nothing: wait for a signal from outside (a test's scancel, kill)
 *                   and then the rank waits until the stop request has reached it, so the
 *                   signal always lands mid-task, whatever the machine's speed
 *   PF_FAULT_MARK=path            the fault creates this file when it fires (a test waiting to
 *                                 signal from outside watches for it) and does not fire when it
 *                                 exists already (a resumed or requeued run passes the point)
 *   PF_FAULT_CHECKPOINT_KILL=i:c  (read by the store) SIGKILL while task i is checkpointed after
 *                                 cycle c, between the slot and its index */
typedef enum {
  PF_FAULT_TARGET_SELF,
  PF_FAULT_TARGET_PARENT,
  PF_FAULT_TARGET_RANKS,
  PF_FAULT_TARGET_JOB
} pf_fault_target;
typedef struct pf_fault pf_fault;
/* Collective on ctx->comm (gathers pids for @ranks). *fault = NULL when no variable is set; a
 * malformed value is PF_ERR_CONFIG with a message naming the variable. */
int pf_fault_create(const pf_ctx *ctx, pf_fault **fault);
void pf_fault_destroy(pf_fault **fault);
/* Whether task (0-based) is the one PF_FAULT_NAN_TASK / PF_FAULT_SIGNAL names (0 for NULL). */
int pf_fault_nan_task(const pf_fault *fault, int task);
int pf_fault_signal_task(const pf_fault *fault, int task);
/* Called by the task at every optimiser iteration: fires the signal fault once at its point. */
void pf_fault_check(pf_fault *fault, const char *label, int cycle, long iteration_in_cycle);

/* Training-set size after the last cycle and points drawn per cycle, from the spec alone. */
size_t pf_task_final_points(const pf_task_spec *spec);
size_t pf_task_drawn_per_cycle(const pf_task_spec *spec);

/* Run the task on the calling rank (local: no communication). Progress goes to the log of ctx.
 * Whatever it returns, everything the task allocated is freed except what res holds (on an error
 * res->theta holds the last parameters if it got that far): call pf_task_result_free always. */
int pf_task_run(const pf_ctx *ctx, const pf_task_spec *spec, const pf_task_hooks *hooks,
                pf_task_result *res);
void pf_task_result_free(pf_task_result *res);

/* The fixed target sets of the task's objective (terms.h), appended to list: the soft
 * conditions (pf_pde_soft_sets with spec->soft_points and soft_weight) when spec->pde has
 * conditions of its own or is soft, and the data set "data" (observations from the reference or
 * spec->data.file). Local. On an error list is freed. */
/* The scale s of a trained coefficient whose initial guess is c0: the power of two with c0 = f s,
 * 0.5 <= |f| < 1 (s = 1 for c0 = 0). The optimisers see x = c / s (exact both ways). */
double pf_task_coef_scale(double c0);

struct pf_target_list;
int pf_task_targets(const pf_task_spec *spec, struct pf_target_list *list);

/* For tests: the task's training objective (the residual loss over the initial training points
 * plus the soft-condition and data terms) at x = [theta (nparams), trained coefficients in units
 * of their scale (spec->ntrained)], and its gradient grad (same layout; may be NULL), exactly as
 * the optimisers see it. A trained coefficient is c = s x, s the power of two of its initial guess
 * (frexp: the guess is f s with 0.5 <= |f| < 1), so Adam's steps are relative to its size. Local.
 */
int pf_task_objective_eval(const pf_task_spec *spec, const double *x, double *loss, double *grad);

#ifdef __cplusplus
}
#endif
#endif
