/* pinnfluence optim: the two optimisers of a training cycle, Adam and L-BFGS, with exactly the
 * semantics of torch.optim.Adam and torch.optim.LBFGS (PyTorch 1.13, line_search_fn="strong_wolfe")
 * driven the way DeepXDE drives them, since that is what produced the paper's numbers
 * (PAPER.md section 2).
 *
 * Both optimisers minimise an objective given as a callback on one contiguous parameter vector.
 * Everything is allocated at creation; no function here allocates while iterating. Nothing here is
 * collective: the optimisers run on the rank that owns training. A non-finite loss or gradient
 * never propagates into the parameters: the run stops with PF_OPTIM_STOP_NONFINITE and theta is
 * left at the last iterate whose loss and gradient were finite. */
#ifndef PINNFLUENCE_OPTIM_H
#define PINNFLUENCE_OPTIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The objective: given theta (n), write the loss and its gradient grad (n, same layout as theta).
 * Returns 0 or a pinnfluence error code, which the optimiser propagates unchanged. A non-finite
 * loss or gradient is not an error for the callback to report: the optimiser detects it. */
typedef int (*pf_objective_fn)(void *user, const double *theta, double *loss, double *grad);

/* Progress callback: called with the iteration count so far and the latest loss (see each `run`
 * for when exactly). Set *stop = 1 to end the run (reason PF_OPTIM_STOP_REQUESTED); *stop is 0 on
 * entry. Returns 0 or a pinnfluence error code, which the optimiser propagates. */
typedef int (*pf_optim_monitor_fn)(void *user, long iteration, double loss, int *stop);

/* Why a run ended. */
typedef enum {
  PF_OPTIM_STOP_ITERATIONS = 0, /* the iteration budget is exhausted */
  PF_OPTIM_STOP_CONVERGED,      /* L-BFGS: a step made at most one iteration (DeepXDE's test;
                                   zero iterations: max|grad| <= tolerance_grad at its start) */
  PF_OPTIM_STOP_LINE_SEARCH,    /* L-BFGS: converged as above, but because the line search could
                                   find no point lower than the current one (step length 0) */
  PF_OPTIM_STOP_NONFINITE,      /* a loss or gradient was NaN or infinite (or, in L-BFGS, the
                                   line search's step length, or in Adam the update) */
  PF_OPTIM_STOP_REQUESTED       /* the monitor asked to stop */
} pf_optim_stop;

/* Name of a stop reason ("iterations", "converged", "line_search", "nonfinite", "requested"). */
const char *pf_optim_stop_name(pf_optim_stop reason);

/* What a run did. */
typedef struct {
  long iterations;      /* parameter updates made in this run */
  long func_evals;      /* objective evaluations made in this run */
  double loss;          /* see each `run` */
  pf_optim_stop reason; /* why the run ended */
} pf_optim_result;

/* ------------------------------------------------------------------ Adam */

/* torch.optim.Adam hyper-parameters (weight_decay 0, amsgrad off, maximize off). */
typedef struct {
  double lr;    /* learning rate; default 1e-3 */
  double beta1; /* default 0.9 */
  double beta2; /* default 0.999 */
  double eps;   /* default 1e-8 */
} pf_adam_params;

/* The defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
pf_adam_params pf_adam_params_default(void);

typedef struct pf_adam pf_adam;

/* Create an Adam optimiser for n parameters; it owns its moment vectors m, v, a gradient buffer
 * and a copy of the previous iterate (4n doubles), all zeroed. params == NULL means defaults.
 * Destroy with pf_adam_destroy. */
int pf_adam_create(size_t n, const pf_adam_params *params, pf_adam **adam);
/* Free everything; accepts NULL and *adam == NULL, and nulls the pointer. */
int pf_adam_destroy(pf_adam **adam);
/* Zero the moments and the step count (a fresh torch.optim.Adam). */
int pf_adam_reset(pf_adam *adam);

/* One torch Adam update of theta (n) with the gradient grad (n), which must be finite:
 *   t += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g;
 *   theta -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
int pf_adam_step(pf_adam *adam, double *theta, const double *grad);

/* Reset, then `iters` iterations of: evaluate the objective at theta, update theta
 * (one torch optimizer.step(closure) each, the state re-created as the paper does every cycle).
 * After each update the monitor (may be NULL) gets (iteration, loss evaluated before the update).
 * On return res->loss is the last finite loss evaluated, i.e. at theta before the last update
 * (torch reports it the same way). If a loss or gradient is non-finite, theta is restored to the
 * previous iterate, whose finite loss res->loss then is, and the reason is
 * PF_OPTIM_STOP_NONFINITE (likewise if an update itself overflowed; with eps > 0 it cannot turn
 * NaN). An error from a callback is returned as is (theta finite). */
int pf_adam_run(pf_adam *adam, pf_objective_fn objective, void *user, double *theta, long iters,
                pf_optim_monitor_fn monitor, void *monitor_user, pf_optim_result *res);

/* ------------------------------------------------------------------ L-BFGS */

/* torch.optim.LBFGS hyper-parameters (line_search_fn="strong_wolfe", whose constants are fixed as
 * in torch: c1 1e-4, c2 0.9, bracket tolerance 1e-9, at most 25 line-search iterations), plus the
 * DeepXDE driver's iteration budget. */
typedef struct {
  double lr;               /* default 1 */
  int max_iter;            /* iterations per step() call; default 100 */
  int max_eval;            /* function evaluations per step() call; default 1250 */
  double tolerance_grad;   /* stop when max|grad| <= this; default 1e-8 */
  double tolerance_change; /* stop when max|t d| or |loss change| <= / < this; default 0 */
  int history;             /* number of (s, y) pairs kept; default 100 */
  long total_iters;        /* pf_lbfgs_run: stop when the iterations reach this; default 1000 */
} pf_lbfgs_params;

/* The paper's defaults (above). */
pf_lbfgs_params pf_lbfgs_params_default(void);

typedef struct pf_lbfgs pf_lbfgs;

/* Create an L-BFGS optimiser for n parameters. It allocates (2 history + 9) n doubles: the history
 * of up to `history` (s, y) pairs, the direction, current and previous gradients, a trial point and
 * line-search gradients. params == NULL means defaults. Destroy with pf_lbfgs_destroy. */
int pf_lbfgs_create(size_t n, const pf_lbfgs_params *params, pf_lbfgs **lbfgs);
/* Free everything; accepts NULL and *lbfgs == NULL, and nulls the pointer. */
int pf_lbfgs_destroy(pf_lbfgs **lbfgs);
/* Forget all state (history, direction, iteration and evaluation counts): a fresh
 * torch.optim.LBFGS. */
int pf_lbfgs_reset(pf_lbfgs *lbfgs);

/* What one step did. */
typedef struct {
  int iterations;    /* iterations made in this step (0 if max|grad| <= tolerance_grad at start) */
  int func_evals;    /* objective evaluations in this step, including the one at its start */
  double loss_start; /* loss at theta on entry (what torch's step() returns) */
  double loss;       /* loss at theta on return */
  int line_search_failed; /* the last line search returned step length 0 (no lower point) */
  int nonfinite;          /* a non-finite loss or gradient ended the step; theta is untouched
                             since the last accepted iterate */
} pf_lbfgs_step_info;

/* One torch.optim.LBFGS.step(closure): evaluate at theta, then up to max_iter iterations of
 * two-loop direction + strong-Wolfe line search, updating theta (n) in place. State (direction,
 * step, history, H_diag, previous gradient and loss, cumulative n_iter and func_evals) persists
 * across calls until pf_lbfgs_reset. info may be NULL. */
int pf_lbfgs_step(pf_lbfgs *lbfgs, pf_objective_fn objective, void *user, double *theta,
                  pf_lbfgs_step_info *info);

/* Cumulative iterations / function evaluations since the last reset (torch's state["n_iter"] and
 * state["func_evals"]). */
long pf_lbfgs_n_iter(const pf_lbfgs *lbfgs);
long pf_lbfgs_func_evals(const pf_lbfgs *lbfgs);

/* One cycle's L-BFGS as DeepXDE runs it: reset, then step() until the cumulative iterations reach
 * total_iters (the last step is not truncated, as in DeepXDE), or a step makes exactly one
 * iteration (converged; or line search failure if that iteration's line search returned 0), or no
 * iteration at all (converged: DeepXDE would loop forever there), or a non-finite value appears.
 * A failed line search ends its step (torch's "lack of progress" test); as in DeepXDE, the next
 * step then tries once more from the same point (with torch's step length, which differs from the
 * first one only at the very first iteration) and the run ends when that makes one iteration.
 * The monitor (may be NULL) is called after each step with (cumulative iterations, loss at theta).
 * res->loss is the loss at the final theta; res->iterations and res->func_evals are torch's
 * cumulative n_iter and func_evals. An error from a callback is returned as is; theta then holds
 * the last accepted iterate. */
int pf_lbfgs_run(pf_lbfgs *lbfgs, pf_objective_fn objective, void *user, double *theta,
                 pf_optim_monitor_fn monitor, void *monitor_user, pf_optim_result *res);

#ifdef __cplusplus
}
#endif
#endif
