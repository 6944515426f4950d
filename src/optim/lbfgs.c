/* L-BFGS with exactly the semantics of torch.optim.LBFGS (PyTorch 1.13, torch/optim/lbfgs.py,
 * line_search_fn="strong_wolfe"), and the step driver DeepXDE wraps around it
 * (deepxde/model.py, _train_pytorch_lbfgs), which together produced the paper's numbers.
 *
 * pf_lbfgs_step is torch's LBFGS.step(closure) statement by statement; the state torch keeps
 * between step() calls (d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss, n_iter,
 * func_evals) lives in the object until pf_lbfgs_reset. torch's Python lists old_dirs/old_stps,
 * whose pop(0) drops the oldest pair, are a ring of preallocated vectors here, with one spare pair
 * that new (s, y) are computed into and swapped in, so nothing is copied or allocated per
 * iteration. Deviations from torch, all where torch would produce NaN: a non-finite loss,
 * gradient or step length ends the step with theta at the last accepted iterate. */
#include <math.h>
#include <string.h>

#include "optim/optim_impl.h"
#include "pinnfluence/core.h"

struct pf_lbfgs {
  size_t n;
  pf_lbfgs_params p;

  double *d;                 /* (n) search direction (torch state["d"]) */
  double *g;                 /* (n) gradient at theta (torch flat_grad) */
  double *prev_g;            /* (n) gradient at the previous iterate (state["prev_flat_grad"]) */
  double *xt;                /* (n) line-search trial point */
  double *work[3];           /* (n) each: line-search gradients */
  double *spare_y, *spare_s; /* (n) each: the next (y, s) pair, swapped into the ring on use */
  double **dirs;             /* (history) pointers to y vectors (torch old_dirs), ring order */
  double **stps;             /* (history) pointers to s vectors (torch old_stps), ring order */
  double *ro;                /* (history) 1 / (y . s), ring order */
  double *al;                /* (history) two-loop coefficients, logical order (state["al"]) */
  int head;                  /* ring index of the oldest pair */
  int num_old;               /* pairs held (len(old_dirs)) */

  double t;         /* state["t"]: last step length */
  double H_diag;    /* state["H_diag"] */
  double prev_loss; /* state["prev_loss"] */
  long n_iter;      /* state["n_iter"] */
  long func_evals;  /* state["func_evals"] */
};

pf_lbfgs_params pf_lbfgs_params_default(void) {
  pf_lbfgs_params p;
  p.lr = 1;
  p.max_iter = 100;
  p.max_eval = 1250;
  p.tolerance_grad = 1e-8;
  p.tolerance_change = 0;
  p.history = 100;
  p.total_iters = 1000;
  return p;
}

static int check_params(const pf_lbfgs_params *p) {
  PF_CHECK(isfinite(p->lr) && p->lr > 0, PF_ERR_ARG, "L-BFGS lr must be > 0, got %g", p->lr);
  PF_CHECK(p->max_iter >= 1, PF_ERR_ARG, "L-BFGS max_iter must be >= 1, got %d", p->max_iter);
  PF_CHECK(p->max_eval >= 1, PF_ERR_ARG, "L-BFGS max_eval must be >= 1, got %d", p->max_eval);
  PF_CHECK(p->history >= 1, PF_ERR_ARG, "L-BFGS history must be >= 1, got %d", p->history);
  PF_CHECK(p->tolerance_grad >= 0, PF_ERR_ARG, "L-BFGS tolerance_grad must be >= 0, got %g",
           p->tolerance_grad);
  PF_CHECK(p->tolerance_change >= 0, PF_ERR_ARG, "L-BFGS tolerance_change must be >= 0, got %g",
           p->tolerance_change);
  PF_CHECK(p->total_iters >= 0, PF_ERR_ARG, "L-BFGS total_iters must be >= 0, got %ld",
           p->total_iters);
  return PF_OK;
}

int pf_lbfgs_create(size_t n, const pf_lbfgs_params *params, pf_lbfgs **lbfgs) {
  PF_CHECK(lbfgs != NULL, PF_ERR_ARG, "lbfgs must not be NULL");
  *lbfgs = NULL;
  PF_CHECK(n >= 1, PF_ERR_ARG, "L-BFGS needs at least one parameter");
  pf_lbfgs_params p = params ? *params : pf_lbfgs_params_default();
  PF_CALL(check_params(&p));

  pf_lbfgs *L;
  PF_CALL(PF_CALLOC(1, &L));
  L->n = n;
  L->p = p;
  const size_t h = (size_t)p.history;
  int rc = PF_CALLOC(n, &L->d);
  if (!rc) rc = PF_CALLOC(n, &L->g);
  if (!rc) rc = PF_CALLOC(n, &L->prev_g);
  if (!rc) rc = PF_CALLOC(n, &L->xt);
  for (int k = 0; k < 3 && !rc; k++) rc = PF_CALLOC(n, &L->work[k]);
  if (!rc) rc = PF_CALLOC(n, &L->spare_y);
  if (!rc) rc = PF_CALLOC(n, &L->spare_s);
  if (!rc) rc = PF_CALLOC(h, &L->dirs);
  if (!rc) rc = PF_CALLOC(h, &L->stps);
  if (!rc) rc = PF_CALLOC(h, &L->ro);
  if (!rc) rc = PF_CALLOC(h, &L->al);
  for (size_t k = 0; k < h && !rc; k++) {
    rc = PF_CALLOC(n, &L->dirs[k]);
    if (!rc) rc = PF_CALLOC(n, &L->stps[k]);
  }
  if (rc) {
    pf_lbfgs_destroy(&L);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  PF_CALL(pf_lbfgs_reset(L));
  *lbfgs = L;
  return PF_OK;
}

int pf_lbfgs_destroy(pf_lbfgs **lbfgs) {
  if (!lbfgs || !*lbfgs) return PF_OK;
  pf_lbfgs *L = *lbfgs;
  for (int k = 0; k < L->p.history; k++) {
    if (L->dirs) PF_FREE(&L->dirs[k]);
    if (L->stps) PF_FREE(&L->stps[k]);
  }
  PF_FREE(&L->dirs);
  PF_FREE(&L->stps);
  PF_FREE(&L->ro);
  PF_FREE(&L->al);
  PF_FREE(&L->d);
  PF_FREE(&L->g);
  PF_FREE(&L->prev_g);
  PF_FREE(&L->xt);
  for (int k = 0; k < 3; k++) PF_FREE(&L->work[k]);
  PF_FREE(&L->spare_y);
  PF_FREE(&L->spare_s);
  PF_FREE(lbfgs);
  return PF_OK;
}

int pf_lbfgs_reset(pf_lbfgs *L) {
  PF_CHECK(L != NULL, PF_ERR_ARG, "lbfgs must not be NULL");
  L->head = 0;
  L->num_old = 0;
  L->t = 0;
  L->H_diag = 1;
  L->prev_loss = 0;
  L->n_iter = 0;
  L->func_evals = 0;
  return PF_OK;
}

long pf_lbfgs_n_iter(const pf_lbfgs *L) {
  return L ? L->n_iter : 0;
}

long pf_lbfgs_func_evals(const pf_lbfgs *L) {
  return L ? L->func_evals : 0;
}

/* The L-BFGS memory update and two-loop recursion of torch (Nocedal & Wright, Alg. 7.4, with
 * H0 = H_diag I, H_diag = y.s / y.y): on return L->d = -H g. */
static void lbfgs_direction(pf_lbfgs *L) {
  const size_t n = L->n;
  const int hist = L->p.history;
  double *d = L->d;
  const double *g = L->g;

  /* do lbfgs update (update memory): y = g - g_prev, s = d t */
  double *y = L->spare_y, *s = L->spare_s;
  for (size_t i = 0; i < n; i++) y[i] = g[i] - L->prev_g[i];
  for (size_t i = 0; i < n; i++) s[i] = d[i] * L->t;
  double ys = pf_optim_dot(n, y, s);
  if (ys > 1e-10) {
    /* store the new pair in place of the oldest when full (torch: pop(0), then append) */
    int slot;
    if (L->num_old == hist) {
      slot = L->head;
      L->head = (L->head + 1) % hist;
    } else {
      slot = (L->head + L->num_old) % hist;
      L->num_old++;
    }
    L->spare_y = L->dirs[slot];
    L->spare_s = L->stps[slot];
    L->dirs[slot] = y;
    L->stps[slot] = s;
    L->ro[slot] = 1. / ys;
    /* update scale of initial Hessian approximation */
    L->H_diag = ys / pf_optim_dot(n, y, y);
  }

  /* compute the approximate (L-BFGS) inverse Hessian multiplied by the gradient; torch's q and
   * r/d are one buffer here, as they are in torch after its first line */
  const int num_old = L->num_old;
  double *al = L->al;
  for (size_t i = 0; i < n; i++) d[i] = -g[i];
  for (int i = num_old - 1; i >= 0; i--) {
    int k = (L->head + i) % hist;
    al[i] = pf_optim_dot(n, L->stps[k], d) * L->ro[k];
    const double *yk = L->dirs[k];
    const double a = -al[i];
    for (size_t j = 0; j < n; j++) d[j] = d[j] + a * yk[j];
  }
  /* multiply by initial Hessian */
  const double H_diag = L->H_diag;
  for (size_t j = 0; j < n; j++) d[j] = d[j] * H_diag;
  for (int i = 0; i < num_old; i++) {
    int k = (L->head + i) % hist;
    double be_i = pf_optim_dot(n, L->dirs[k], d) * L->ro[k];
    const double *sk = L->stps[k];
    const double a = al[i] - be_i;
    for (size_t j = 0; j < n; j++) d[j] = d[j] + a * sk[j];
  }
}

int pf_lbfgs_step(pf_lbfgs *L, pf_objective_fn objective, void *user, double *theta,
                  pf_lbfgs_step_info *info) {
  PF_CHECK(L != NULL && objective != NULL && theta != NULL, PF_ERR_ARG,
           "lbfgs, objective and theta must not be NULL");
  const size_t n = L->n;
  const pf_lbfgs_params *p = &L->p;
  pf_lbfgs_step_info local;
  if (!info) info = &local;
  memset(info, 0, sizeof *info);

  /* evaluate initial f(x) and df/dx */
  double loss;
  PF_CALL(objective(user, theta, &loss, L->g));
  int current_evals = 1;
  L->func_evals++;
  info->loss_start = loss;
  info->loss = loss;
  info->func_evals = 1;
  if (!isfinite(loss) || !pf_optim_all_finite(n, L->g)) {
    info->nonfinite = 1;
    return PF_OK;
  }

  /* optimal condition */
  if (pf_optim_amax(n, L->g) <= p->tolerance_grad) return PF_OK;

  pf_line_fn lf = {.fn = objective,
                   .user = user,
                   .n = n,
                   .x = theta,
                   .d = L->d,
                   .xt = L->xt,
                   .work = {L->work[0], L->work[1], L->work[2]},
                   .evals = 0};
  int n_iter = 0;
  double t = L->t;
  /* optimize for a max of max_iter iterations */
  while (n_iter < p->max_iter) {
    /* keep track of nb of iterations */
    n_iter++;
    L->n_iter++;

    /* compute gradient descent direction */
    if (L->n_iter == 1) {
      for (size_t i = 0; i < n; i++) L->d[i] = -L->g[i];
      L->head = 0;
      L->num_old = 0;
      L->H_diag = 1;
    } else {
      L->t = t;
      lbfgs_direction(L);
    }
    memcpy(L->prev_g, L->g, n * sizeof *L->g);
    L->prev_loss = loss;

    /* compute step length: reset initial guess for step size */
    if (L->n_iter == 1) {
      /* min(1., 1. / flat_grad.abs().sum()) * lr, Python's min: 1 unless the other is smaller */
      double inv = 1. / pf_optim_asum(n, L->g);
      t = (inv < 1. ? inv : 1.) * p->lr;
    } else {
      t = p->lr;
    }

    /* directional derivative */
    double gtd = pf_optim_dot(n, L->g, L->d);
    /* directional derivative is below tolerance */
    if (gtd > -p->tolerance_change) break;

    /* perform line search; theta itself stays at the current iterate throughout */
    pf_line_result ls;
    PF_CALL(pf_line_search_strong_wolfe(&lf, t, loss, L->g, gtd, &ls));
    current_evals += ls.evals;
    L->func_evals += ls.evals;
    info->func_evals += ls.evals;
    if (ls.nonfinite) {
      info->nonfinite = 1;
      break;
    }
    loss = ls.f;
    t = ls.t;
    if (ls.g != L->g) memcpy(L->g, ls.g, n * sizeof *L->g);
    for (size_t i = 0; i < n; i++) theta[i] = theta[i] + t * L->d[i];
    int opt_cond = pf_optim_amax(n, L->g) <= p->tolerance_grad;
    info->line_search_failed = (t == 0);

    /* check conditions */
    if (n_iter == p->max_iter) break;
    if (current_evals >= p->max_eval) break;
    /* optimal condition */
    if (opt_cond) break;
    /* lack of progress: max |d t| <= tolerance_change */
    double dt_max = 0;
    for (size_t i = 0; i < n; i++) {
      double a = fabs(L->d[i] * t);
      if (a > dt_max) dt_max = a;
    }
    if (dt_max <= p->tolerance_change) break;
    if (fabs(loss - L->prev_loss) < p->tolerance_change) break;
  }
  L->t = t;
  info->iterations = n_iter;
  info->loss = loss;
  return PF_OK;
}

int pf_lbfgs_run(pf_lbfgs *L, pf_objective_fn objective, void *user, double *theta,
                 pf_optim_monitor_fn monitor, void *monitor_user, pf_optim_result *res) {
  PF_CHECK(L != NULL && objective != NULL && theta != NULL && res != NULL, PF_ERR_ARG,
           "lbfgs, objective, theta and res must not be NULL");
  PF_CALL(pf_lbfgs_reset(L));
  res->iterations = 0;
  res->func_evals = 0;
  res->loss = NAN;
  res->reason = PF_OPTIM_STOP_ITERATIONS;

  /* DeepXDE: while prev_n_iter < maxiter: step; if prev_n_iter == n_iter - 1: converged, break */
  long prev_n_iter = 0;
  while (prev_n_iter < L->p.total_iters) {
    pf_lbfgs_step_info info;
    PF_CALL(pf_lbfgs_step(L, objective, user, theta, &info));
    res->iterations = L->n_iter;
    res->func_evals = L->func_evals;
    /* info.loss is non-finite only if the evaluation at the step's start was: keep the last
     * finite loss then (theta has not moved since it was computed) */
    if (isfinite(info.loss)) res->loss = info.loss;
    if (info.nonfinite) {
      res->reason = PF_OPTIM_STOP_NONFINITE;
      break;
    }
    int stop = 0;
    if (monitor) PF_CALL(monitor(monitor_user, L->n_iter, info.loss, &stop));
    if (L->n_iter == prev_n_iter) {
      /* no iteration: max|g| <= tolerance_grad at the start (DeepXDE would loop forever) */
      res->reason = PF_OPTIM_STOP_CONVERGED;
      break;
    }
    if (L->n_iter == prev_n_iter + 1) {
      res->reason = info.line_search_failed ? PF_OPTIM_STOP_LINE_SEARCH : PF_OPTIM_STOP_CONVERGED;
      break;
    }
    if (stop) {
      res->reason = PF_OPTIM_STOP_REQUESTED;
      break;
    }
    prev_n_iter = L->n_iter;
  }
  return PF_OK;
}
