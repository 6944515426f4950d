/* pinnfluence validate: does the influence estimate predict retraining? (issue 12)
 *
 * For each task of a configuration: train to the state after cycle validate.at_cycle
 * (pf_task_run), draw G groups of candidates from the next cycle's pool (half by the method's own
 * distribution, half uniformly), predict each group's effect on the test loss with every
 * predictor, then measure it: retrain from the state with the group added, on a fixed
 * warm-started schedule (validate.retrain), against the same schedule without the group (the
 * baseline). The retrainings are units a farm over MPI ranks hands out dynamically; the file
 * (src/io/validate_store.c) is resumable and bitwise identical whatever the number of ranks.
 *
 * Predictors of the change of the test loss (the mean of l over the holdout set) when a group C
 * is added to the n training points:
 *   <hessian>_<backend>[_r<rank>]  -g_test^T H^{-1} sum_{c in C} g(c), H the Hessian of
 *       sum_{x in X} l(x): `train` (X the training set: the textbook influence function, whose
 *       first-order response of the re-converged optimum is -(1/n) H_mean^{-1} sum g(c)) or
 *       `paper` (X = Z, the cycle's influence set, PAPER.md section 3); backends exact (full rank
 *       and rank influence.rank, up to validate.exact_max_params parameters), arnoldi (rank 10
 *       and influence.rank, the prefixes of one factor) and gauss_newton (rank influence.rank);
 *   score_<method>  minus the sum over C of the method's score (rar, out_grad, loss_grad,
 *       grad_dot, pinnfluence), so that for every predictor a positive correlation with the
 *       actual effect means it predicts the effect's direction.
 */
#ifndef PINNFLUENCE_VALIDATE_H
#define PINNFLUENCE_VALIDATE_H

#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The predictors, in the column order of /predicted. */
typedef enum {
  PF_VP_TRAIN_EXACT = 0,
  PF_VP_TRAIN_EXACT_RANK,
  PF_VP_TRAIN_ARNOLDI_R10,
  PF_VP_TRAIN_ARNOLDI_RANK,
  PF_VP_TRAIN_GAUSS_NEWTON,
  PF_VP_PAPER_EXACT,
  PF_VP_PAPER_EXACT_RANK,
  PF_VP_PAPER_ARNOLDI_R10,
  PF_VP_PAPER_ARNOLDI_RANK,
  PF_VP_PAPER_GAUSS_NEWTON,
  PF_VP_SCORE_RAR,
  PF_VP_SCORE_OUT_GRAD,
  PF_VP_SCORE_LOSS_GRAD,
  PF_VP_SCORE_GRAD_DOT,
  PF_VP_SCORE_PINNFLUENCE,
  PF_VP_COUNT
} pf_validate_predictor;

/* "train_exact", ... ("train_exact_r50", "train_arnoldi_r50" name influence.rank = 50). */
void pf_validate_predictor_name(int p, int rank, char *buf, size_t len);

/* The effects measured, in the column order of /actual. */
enum { PF_VE_TEST_LOSS = 0, PF_VE_L2, PF_VE_COUNT };
/* Columns of /correlation: per predictor and effect. */
enum {
  PF_VC_SPEARMAN = 0,
  PF_VC_SPEARMAN_LO,
  PF_VC_SPEARMAN_HI,
  PF_VC_PEARSON,
  PF_VC_PEARSON_LO,
  PF_VC_PEARSON_HI,
  PF_VC_GROUPS,
  PF_VC_COUNT
};

/* Everything the predictors of one state need. Local (no MPI). */
typedef struct {
  pf_engine *eng;
  const pf_mlp *net;
  const pf_pde *pde;
  const double *theta;        /* (P) the state */
  const pf_points *train;     /* the training set of the state */
  const pf_points *hold;      /* the holdout set: the test loss is its mean of l */
  pf_influence_params ip;     /* damping, eig_tol, rank, arnoldi_* and test_points (|Z|) */
  int exact_max_params;       /* exact columns are NaN above this P */
  uint64_t seed;              /* the task's seed */
  int cycle;                  /* 1-based cycle of the round (at_cycle + 1): Z, Arnoldi, scores */
  size_t ngroups, group_size; /* G, S */
  const double *GX;           /* (G * S, d) the groups' points, group-major */
  size_t block;               /* engine block size */
} pf_validate_state;

/* pred (G, PF_VP_COUNT) row-major: every predictor of every group (NaN where a predictor is not
 * computed: exact above exact_max_params). progress: NULL or a stream for a line per phase. */
int pf_validate_predict(const pf_validate_state *vs, FILE *progress, double *pred);

/* Retrain from theta (P) on the n points X (n, d), warm-started, adam_iters Adam (learning rate
 * adam_lr) then lbfgs_iters L-BFGS (step, history, max_eval as a run's cycle), then the test loss
 * and L2 relative error over the holdout set (uref (nh, m) its reference). theta is overwritten
 * with the result. *interrupted: a signal stopped it (pf_run_stop_requested). fault/fault_cycle:
 * the PF_FAULT_SIGNAL hook (NULL: none), checked at every iteration as cycle fault_cycle. */
typedef struct {
  long adam_iters;
  double adam_lr;
  long lbfgs_iters;
  int lbfgs_step, lbfgs_history, lbfgs_max_eval;
} pf_validate_schedule;
struct pf_fault;
int pf_validate_retrain(pf_engine *eng, const pf_mlp *net, const pf_pde *pde,
                        const pf_validate_schedule *sch, size_t n, const double *X,
                        const pf_points *hold, const double *uref, struct pf_fault *fault,
                        const char *label, int fault_cycle, double *theta, double *test_loss,
                        double *l2, int *interrupted, int *failed);

/* Spearman and Pearson correlation of pred and act over the n entries where both are finite,
 * with percentile bootstrap intervals (2.5 %, 97.5 %) from nboot resamples of those entries
 * from the stream (seed, 0, PF_RNG_VALIDATE, index). out (PF_VC_COUNT). */
int pf_validate_correlate(size_t n, const double *pred, size_t pstride, const double *act,
                          size_t astride, int nboot, uint64_t seed, uint64_t index, double *out);

/* The validate part of a task's identity (its keys, canonical order), for the file's check on
 * --resume. */
int pf_validate_canonical(const pf_config *cfg, char *buf, size_t len);

typedef struct {
  const char *out_path;
  int overwrite, resume;
  const char *sweep_config; /* the configuration as given */
  const char *command_line;
} pf_validate_run_options;

/* pinnfluence validate. Collective on ctx->comm: every task's state and predictions, then every
 * retraining unit, farmed over the ranks (dynamic dispatch from a counter on rank 0), then the
 * correlations (rank 0), into opt->out_path. *interrupted: a signal stopped it (the file is
 * resumable). *nfailed: tasks or units that failed numerically. */
struct pf_sweep;
int pf_validate_run(const pf_ctx *ctx, const struct pf_sweep *sweep,
                    const pf_validate_run_options *opt, int *nfailed, int *interrupted);

#ifdef __cplusplus
}
#endif
#endif
