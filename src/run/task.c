/* One task: the cycle loop of PAPER.md section 2 (resample, Adam, L-BFGS, metrics) on one rank. */
#include "../pde/pde_impl.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/observations.h"
#include "pinnfluence/optim.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/run.h"
#include "pinnfluence/terms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t pf_task_drawn_per_cycle(const pf_task_spec *s) {
  return s->method->resamples ? s->per_cycle : 0;
}

size_t pf_task_final_points(const pf_task_spec *s) {
  if (!s->method->resamples || s->cycles == 0) return s->initial_points;
  return s->replace ? s->per_cycle : s->initial_points + (size_t)s->cycles * s->per_cycle;
}

void pf_task_result_free(pf_task_result *res) {
  PF_FREE(&res->theta);
  PF_FREE(&res->X);
}

/* Everything a task holds, with one destroy path (task_free), so a task that fails half-way
 * frees what it took (STYLE.md, "Recoverable errors free what they took"). */
typedef struct {
  pf_mlp *net;
  pf_engine *eng;
  int d; /* input coordinates of the problem; points are (n, d) */
  size_t nh;
  /* holdout set: points (nh, d), reference (nh, m), residuals (nh, k), jets (m, nj, nh) */
  double *hX, *href, *hr, *hu;
  pf_points *hold;
  double *tX; /* training set (capacity, d): room for the largest it can become */
  pf_points *train;
  /* pool (pool, d), its scores (pool), work (work_len), drawn points (per_cycle, d) */
  double *pX, *scores, *work, *dX;
  size_t *chosen; /* (per_cycle) */
  size_t work_len;
  pf_adam *adam;
  pf_lbfgs *lbfgs;
  /* the problem as trained: spec->pde, or (trainable coefficients) the task's own copy of it
   * whose ctx holds the coefficient values the objective sets before each evaluation */
  const pf_pde *pde;
  pf_pde tp;
  pf_pde_ctx tctx;
  /* trained coefficient j is c = cscale[j] x[P + j], cscale[j] the power of two nearest its
   * initial guess (frexp), so that Adam's steps (lr) are relative to the coefficient's size; a
   * power of two makes c <-> x exact both ways (a resume restores x bit for bit) */
  double cscale[PF_PDE_MAX_COEF];
  pf_target_list targets; /* soft conditions and data (fixed during the task) */
  pf_terms *terms;
  /* coefficient gradient: residuals (cap, k), jets (m, nj, cap), quantities (nread, cap),
   * d r / d coef (k * ncoef, cap) on the training set */
  double *cr, *cu, *cq, *cdrc;
} task_mem;

static void task_free(task_mem *m) {
  /* destroy functions accept NULL; their errors cannot make things worse here */
  (void)pf_terms_destroy(&m->terms);
  pf_target_list_free(&m->targets);
  PF_FREE(&m->cr), PF_FREE(&m->cu), PF_FREE(&m->cq), PF_FREE(&m->cdrc);
  (void)pf_adam_destroy(&m->adam);
  (void)pf_lbfgs_destroy(&m->lbfgs);
  PF_FREE(&m->pX), PF_FREE(&m->scores), PF_FREE(&m->work);
  PF_FREE(&m->dX), PF_FREE(&m->chosen);
  PF_FREE(&m->tX);
  PF_FREE(&m->hX), PF_FREE(&m->href), PF_FREE(&m->hr), PF_FREE(&m->hu);
  (void)pf_points_destroy(&m->train);
  (void)pf_points_destroy(&m->hold);
  (void)pf_engine_destroy(&m->eng);
  (void)pf_mlp_destroy(&m->net);
}

/* State shared by the objective and the progress monitor. */
typedef struct {
  const pf_ctx *ctx;
  const pf_task_spec *spec;
  pf_engine *eng;
  pf_points *train;
  task_mem *m;
  int cycle;         /* 0-based */
  long iter_cycle;   /* iterations of the cycle before the current optimiser run */
  long iter_base;    /* iterations of the task before the current optimiser run */
  const char *phase; /* "adam" or "lbfgs" */
  double t_start, t_last_log;
} task_state;

double pf_task_coef_scale(double c0) {
  int e = 0;
  (void)frexp(c0, &e); /* c0 = f 2^e, 0.5 <= |f| < 1 (e = 0 for c0 = 0) */
  return ldexp(1.0, e);
}

/* d L / d c_j of the residual loss L = (1/n) sum_i sum_k w_k r_ik^2 in the trained coefficients
 * c (current values in the task's ctx): (1/n) sum_i sum_k w_k 2 r_ik d r_k / d c_j, with r and the
 * read quantities from one more forward pass and d r / d c from pde->residual_coef (exact). */
static int coefficient_grad(const task_state *st, const double *theta, double *gc) {
  task_mem *m = st->m;
  const pf_pde *p = m->pde;
  const pf_pinn_ops *ops = &p->ops;
  const size_t n = st->train->n, nj = (size_t)pf_jet_count(ops->d), k = (size_t)ops->k;
  const size_t nc = (size_t)p->ncoef;
  PF_CALL(pf_engine_residuals(st->eng, theta, st->train, m->cr, m->cu));
  for (int a = 0; a < ops->nread; a++)
    memcpy(m->cq + (size_t)a * n,
           m->cu + ((size_t)ops->read[a].out * nj + (size_t)ops->read[a].jet) * n,
           n * sizeof *m->cq);
  p->residual_coef(ops->ctx, n, st->train->X, m->cq, m->cdrc);
  for (int j = 0; j < st->spec->ntrained; j++) {
    const size_t c = (size_t)st->spec->trained[j];
    double sum = 0;
    for (size_t i = 0; i < n; i++)
      for (size_t q = 0; q < k; q++)
        sum += ops->weight[q] * 2.0 * m->cr[i * k + q] * m->cdrc[(q * nc + c) * n + i];
    gc[j] = sum / (double)n * m->cscale[j]; /* d L / d x = cscale dL / dc (exact) */
  }
  return PF_OK;
}

/* The task's objective over x = [theta (P), c / cscale (ntrained)]: the residual loss over the
 * training points plus the soft-condition and data terms (terms.h). */
static int objective(void *user, const double *theta, double *loss, double *grad) {
  task_state *st = user;
  task_mem *m = st->m;
  const size_t P = m->net->nparams;
  for (int j = 0; j < st->spec->ntrained; j++)
    m->tctx.coef[st->spec->trained[j]] = m->cscale[j] * theta[P + (size_t)j];
  PF_CALL(pf_engine_loss_grad(st->eng, theta, st->train, loss, grad));
  if (st->spec->ntrained && grad) PF_CALL(coefficient_grad(st, theta, grad + P));
  PF_CALL(pf_terms_loss_grad(m->terms, theta, loss, grad, NULL));
  /* fault injection for tests of failure handling */
  if (st->spec->fault_nan_cycle > 0 && st->cycle + 1 >= st->spec->fault_nan_cycle) *loss = NAN;
  return PF_OK;
}

/* Progress inside a cycle when a cycle is long (wave): a line at most every 30 s. */
static int monitor(void *user, long iteration, double loss, int *stop) {
  task_state *st = user;
  if (st->spec->fault)
    pf_fault_check(st->spec->fault, st->spec->label, st->cycle + 1, st->iter_cycle + iteration);
  double now = pf_wtime();
  if (now - st->t_last_log >= 30.0) {
    pf_log(st->ctx, PF_LOG_INFO, 1, "%s: cycle %d/%d %s iteration %ld loss %.3e (%.0f s)",
           st->spec->label, st->cycle + 1, st->spec->cycles, st->phase, st->iter_base + iteration,
           loss, now - st->t_start);
    st->t_last_log = now;
  }
  *stop = pf_run_stop_requested();
  return PF_OK;
}

/* L2 relative error over every output and test loss (the mean over the points of the per-point
 * loss l_i = sum_j w_j r_ij^2) over the holdout set: u (m, nj, n) the constrained outputs' jets,
 * uref (n, m) the reference, r (n, k) the residuals. For one output and one component of weight 1
 * (the paper's problems) this is the arithmetic of the d = 2 code, in its order: w_0 (r r) = r r
 * exactly, and the sums run over the same terms in the same order. */
static int evaluate(pf_engine *eng, const double *theta, const pf_points *hold, const double *uref,
                    double *r, double *u, double *l2, double *test_loss) {
  const size_t n = hold->n;
  const pf_pinn_ops *ops = pf_engine_ops(eng);
  const int m = ops->m, k = ops->k, nj = pf_jet_count(ops->d);
  PF_CALL(pf_engine_residuals(eng, theta, hold, r, u));
  double num = 0, den = 0, rr = 0;
  for (size_t i = 0; i < n; i++) {
    for (int o = 0; o < m; o++) {
      const double ref = uref[i * (size_t)m + (size_t)o];
      const double d = ref - u[(size_t)o * (size_t)nj * n + i];
      num += d * d, den += ref * ref;
    }
    const double *ri = r + i * (size_t)k;
    double li = ops->weight[0] * (ri[0] * ri[0]);
    for (int j = 1; j < k; j++) li += ops->weight[j] * (ri[j] * ri[j]);
    rr += li;
  }
  *l2 = sqrt(num) / sqrt(den);
  *test_loss = rr / (double)n;
  return PF_OK;
}

static void fail(pf_task_result *res, const char *fmt, int cycle, const char *what) {
  res->failed = 1;
  snprintf(res->reason, sizeof res->reason, fmt, cycle, what);
}

static void format_seconds(double s, char *buf, size_t len) {
  if (s < 120)
    snprintf(buf, len, "%.1f s", s);
  else if (s < 7200)
    snprintf(buf, len, "%.1f min", s / 60);
  else
    snprintf(buf, len, "%.1f h", s / 3600);
}

int pf_task_targets(const pf_task_spec *spec, pf_target_list *list) {
  const pf_pde *p = spec->pde;
  /* soft conditions: those written for the problem, and a soft problem's removed constraints */
  if (p->ncond > 0 || p->soft)
    PF_CALL(pf_pde_soft_sets(p, spec->soft_points, spec->soft_weight, list));
  /* data: from the reference (the truth's coefficients: spec->pde) or a file */
  if (spec->data.reference > 0 || spec->data.file[0]) {
    pf_observations obs = {0};
    int rc = PF_OK;
    if (spec->data.reference > 0) {
      rc = pf_observations_reference(p, spec->data.seed, spec->holdout_points, spec->data.reference,
                                     spec->data.noise, spec->data.nout, spec->data.out, &obs);
    } else {
      /* CSV or HDF5, as the configuration read it (its hash is in the task's text) */
      char *bytes = NULL, err[600];
      size_t len = 0;
      if (pf_observations_load(spec->data.file, &bytes, &len, err, sizeof err))
        rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "data.file: cannot read %s: %s",
                      spec->data.file, err);
      if (!rc) {
        rc = pf_observations_parse(p, spec->data.file, bytes, len, &obs, err, sizeof err);
        if (rc) rc = pf_error(rc, __FILE__, __LINE__, __func__, "data.file: %s", err);
      }
      free(bytes);
    }
    pf_read read[PF_MAX_RES];
    for (int a = 0; a < obs.nobs; a++) read[a] = (pf_read){obs.out[a], 0};
    double *X = NULL, *Y = NULL;
    if (!rc)
      rc = pf_target_list_add(list, "data", spec->data.weight, obs.nobs, read, obs.n, p->ops.d, &X,
                              &Y);
    if (!rc) {
      memcpy(X, obs.X, obs.n * (size_t)p->ops.d * sizeof *X);
      memcpy(Y, obs.Y, obs.n * (size_t)obs.nobs * sizeof *Y);
    }
    pf_observations_free(&obs);
    if (rc) {
      pf_target_list_free(list);
      return pf_trace(rc, __FILE__, __LINE__, __func__);
    }
  }
  return PF_OK;
}

/* The task's problem (its own copy when it trains coefficients), its soft-condition and data
 * target sets and their terms, and the coefficient-gradient buffers. */
static int task_problem(const pf_task_spec *spec, task_mem *m, size_t cap) {
  const pf_pde *p = spec->pde;
  m->pde = p;
  if (spec->ntrained) {
    PF_CHECK(p->residual_coef, PF_ERR_ARG, "%s: its coefficients cannot be trained", p->name);
    m->tp = *p;
    memcpy(m->tctx.coef, pf_pde_coefficients(p), (size_t)p->ncoef * sizeof(double));
    if (p->text) m->tctx.data = ((const pf_pde_ctx *)p->ops.ctx)->data;
    for (int j = 0; j < spec->ntrained; j++) {
      const double c0 = spec->coef_init[spec->trained[j]];
      m->cscale[j] = pf_task_coef_scale(c0);
      m->tctx.coef[spec->trained[j]] = c0;
    }
    m->tp.ops.ctx = &m->tctx;
    m->pde = &m->tp;
    const size_t nj = (size_t)pf_jet_count(p->ops.d);
    PF_CALL(PF_CALLOC(cap * (size_t)p->ops.k, &m->cr));
    PF_CALL(PF_CALLOC(cap * nj * (size_t)p->ops.m, &m->cu));
    PF_CALL(PF_CALLOC(cap * (size_t)p->ops.nread, &m->cq));
    PF_CALL(PF_CALLOC(cap * (size_t)p->ops.k * (size_t)p->ncoef, &m->cdrc));
  }
  PF_CALL(pf_task_targets(spec, &m->targets));
  if (m->targets.nsets > 0)
    PF_CALL(pf_terms_create(m->net, &m->pde->ops, spec->block, m->targets.nsets, m->targets.set,
                            &m->terms));
  return PF_OK;
}

/* Allocate what the task holds: network and engine, initial parameters (into res->theta), the
 * holdout set and its reference, the initial training set, the resampling buffers, optimisers. */
static int task_setup(const pf_task_spec *spec, pf_task_result *res, task_mem *m) {
  const pf_pde *pde = spec->pde;
  const int d = pde->ops.d, mo = pde->ops.m, k = pde->ops.k;
  const size_t D = (size_t)d;
  m->d = d;
  res->d = d;
  res->nlayers = spec->nhidden + 1;
  res->sizes[0] = d;
  for (int l = 0; l < spec->nhidden; l++) res->sizes[l + 1] = spec->hidden[l];
  res->sizes[res->nlayers] = mo;
  PF_CALL(pf_mlp_create(res->nlayers, res->sizes, &m->net));
  const size_t cap = spec->initial_points + (size_t)spec->cycles * spec->per_cycle;
  PF_CALL(task_problem(spec, m, cap));
  PF_CALL(pf_engine_create(m->net, &m->pde->ops, spec->block, &m->eng));
  const size_t P = m->net->nparams, nt = (size_t)spec->ntrained;
  res->nparams = P;
  /* the optimisation vector x = [theta (P), trained coefficients / cscale (nt)] */
  PF_CALL(PF_CALLOC(P + nt, &res->theta));
  pf_rng_stream init = pf_rng_stream_make(spec->seed, 0, PF_RNG_INIT, 0);
  PF_CALL(pf_mlp_init_glorot(m->net, &init, res->theta));
  for (size_t j = 0; j < nt; j++)
    res->theta[P + j] = spec->coef_init[spec->trained[j]] / m->cscale[j];

  /* holdout set and reference */
  PF_CALL(pf_pde_holdout(pde, spec->seed, spec->holdout_points, &m->nh, &m->hX, &m->href));
  PF_CALL(pf_points_create(&pde->ops, m->nh, m->hX, &m->hold));
  PF_CALL(PF_CALLOC((size_t)k * m->nh, &m->hr));
  PF_CALL(PF_CALLOC((size_t)mo * (size_t)pf_jet_count(d) * m->nh, &m->hu));

  /* training set: capacity for the largest it can become */
  PF_CALL(PF_CALLOC(cap * D, &m->tX));
  pf_pde_hammersley(pde, spec->initial_points, m->tX);
  PF_CALL(pf_points_create(&m->pde->ops, spec->initial_points, m->tX, &m->train));

  /* resampling buffers */
  if (spec->method->resamples) {
    PF_CALL(PF_CALLOC(spec->pool * D, &m->pX));
    PF_CALL(PF_CALLOC(spec->pool, &m->scores));
    PF_CALL(PF_CALLOC(spec->per_cycle, &m->chosen));
    PF_CALL(PF_CALLOC(spec->per_cycle * D, &m->dX));
    if (spec->method->work_size)
      m->work_len = spec->method->work_size(&pde->ops, spec->pool, P, spec->block);
    PF_CALL(PF_CALLOC(m->work_len, &m->work));
  }

  /* optimisers: state re-created (reset) every cycle */
  pf_adam_params ap = pf_adam_params_default();
  ap.lr = spec->adam_lr;
  pf_lbfgs_params lp = pf_lbfgs_params_default();
  /* a step never exceeds the cycle's budget (DeepXDE: iter_per_step = min(step, maxiter)) */
  lp.max_iter = spec->lbfgs_iters > 0 && spec->lbfgs_iters < spec->lbfgs_step
                    ? (int)spec->lbfgs_iters
                    : spec->lbfgs_step;
  lp.max_eval = spec->lbfgs_max_eval;
  lp.history = spec->lbfgs_history;
  lp.total_iters = spec->lbfgs_iters;
  PF_CALL(pf_adam_create(P + nt, &ap, &m->adam));
  if (spec->lbfgs_iters > 0) PF_CALL(pf_lbfgs_create(P + nt, &lp, &m->lbfgs));
  return PF_OK;
}

/* The resampling round of cycle c (0-based): score the pool, draw, add or replace. */
static int task_resample(const pf_task_spec *spec, const pf_task_hooks *hooks, int c, double *theta,
                         task_mem *m, size_t *ntrain) {
  const pf_pde *pde = m->pde;
  if (hooks && hooks->score) {
    PF_CALL(hooks->score(hooks->user, c + 1, theta, m->pX, m->scores));
  } else {
    pf_sample_pool(pde, spec->seed, c + 1, 0, spec->pool, m->pX);
    pf_points *pool = NULL;
    PF_CALL(pf_points_create(&pde->ops, spec->pool, m->pX, &pool));
    pf_influence_params ip = spec->influence;
    ip.backend = spec->influence_backend;
    pf_score_ctx sc = {.influence = &ip,
                       .terms = m->terms,
                       .eng = m->eng,
                       .net = m->net,
                       .pde = pde,
                       .seed = spec->seed,
                       .cycle = c + 1,
                       .work = m->work,
                       .work_len = m->work_len};
    int src = spec->method->score(&sc, theta, pool, m->scores);
    PF_CALL(pf_points_destroy(&pool));
    PF_CALL(src);
  }
  if (spec->store_pool && c == spec->cycles - 1 && hooks && hooks->pool_done)
    PF_CALL(hooks->pool_done(hooks->user, c + 1, theta, m->pX, m->scores));
  if (spec->top_k)
    PF_CALL(pf_sample_top_k(spec->pool, m->scores, spec->per_cycle, m->chosen));
  else
    PF_CALL(pf_sample_distribution(spec->pool, m->scores, spec->k, spec->c, spec->per_cycle,
                                   spec->seed, c + 1, m->chosen));
  const size_t ndrawn = spec->per_cycle, d = (size_t)m->d;
  for (size_t i = 0; i < ndrawn; i++)
    memcpy(m->dX + i * d, m->pX + m->chosen[i] * d, d * sizeof *m->dX);
  if (spec->replace) *ntrain = 0;
  memcpy(m->tX + *ntrain * d, m->dX, ndrawn * d * sizeof *m->tX);
  *ntrain += ndrawn;
  PF_CALL(pf_points_destroy(&m->train));
  PF_CALL(pf_points_create(&pde->ops, *ntrain, m->tX, &m->train));
  return PF_OK;
}

/* The cycles of PAPER.md section 2 on the task's resources; *ntrain: training-set size. */
static int task_cycles(const pf_ctx *ctx, const pf_task_spec *spec, const pf_task_hooks *hooks,
                       pf_task_result *res, task_mem *m, double t0, size_t *ntrain) {
  double *theta = res->theta;
  const int resamples = spec->method->resamples;
  task_state st = {ctx, spec, m->eng, m->train, m, 0, 0, 0, "adam", t0, t0};
  long iterations = 0;
  int c0 = 0;        /* the first cycle to run (0-based) */
  double before = 0; /* wall seconds of the task before a resume */
  if (hooks && hooks->start) {
    const pf_task_start *s = hooks->start;
    c0 = s->cycles_done;
    iterations = s->iterations;
    before = s->seconds;
    res->cycles_done = c0;
    memcpy(res->last, s->last, sizeof res->last);
  }
  for (int c = c0; c < spec->cycles && !res->failed; c++) {
    if (pf_run_stop_requested()) {
      res->interrupted = 1;
      break;
    }
    double row[PF_MET_NCOLS];
    st.cycle = c;
    /* 1. resample (the first round sees the untrained network) */
    const double ts0 = pf_wtime();
    const size_t ndrawn = resamples ? spec->per_cycle : 0;
    if (resamples) {
      PF_CALL(task_resample(spec, hooks, c, theta, m, ntrain));
      st.train = m->train;
    }
    const double ts1 = pf_wtime();

    /* 2. Adam, then L-BFGS */
    pf_optim_result ar = {0}, lr = {0};
    st.phase = "adam";
    st.iter_base = iterations;
    st.iter_cycle = 0;
    PF_CALL(pf_adam_run(m->adam, objective, &st, theta, spec->adam_iters, monitor, &st, &ar));
    iterations += ar.iterations;
    if (ar.reason == PF_OPTIM_STOP_REQUESTED) {
      res->interrupted = 1;
      break;
    }
    if (ar.reason == PF_OPTIM_STOP_NONFINITE) {
      fail(res, "cycle %d: %s produced a non-finite loss or gradient", c + 1, "Adam");
      break;
    }
    double train_loss = ar.loss;
    if (m->lbfgs) {
      st.phase = "lbfgs";
      st.iter_base = iterations;
      st.iter_cycle = ar.iterations;
      PF_CALL(pf_lbfgs_run(m->lbfgs, objective, &st, theta, monitor, &st, &lr));
      iterations += lr.iterations;
      if (lr.reason == PF_OPTIM_STOP_REQUESTED) {
        res->interrupted = 1;
        break;
      }
      if (lr.reason == PF_OPTIM_STOP_NONFINITE) {
        fail(res, "cycle %d: %s produced a non-finite loss or gradient", c + 1, "L-BFGS");
        break;
      }
      train_loss = lr.loss;
    }
    /* no iteration at all (adam_iters = lbfgs_iters = 0: a cycle that only resamples, e.g. the
     * untrained network of bench --influence-stability): the objective where theta stands */
    if (ar.iterations + lr.iterations == 0 && !isfinite(train_loss))
      PF_CALL(objective(&st, theta, &train_loss, NULL));
    const double ts2 = pf_wtime();

    /* the coefficients of the final iterate (the optimisers leave theta at their last finite
     * iterate, which the objective may not have been evaluated at last) */
    const size_t P = m->net->nparams;
    for (int j = 0; j < spec->ntrained; j++)
      m->tctx.coef[spec->trained[j]] = m->cscale[j] * theta[P + (size_t)j];

    /* 3. metrics on the holdout set */
    double l2 = NAN, test_loss = NAN;
    PF_CALL(evaluate(m->eng, theta, m->hold, m->href, m->hr, m->hu, &l2, &test_loss));
    row[PF_MET_CYCLE] = c + 1;
    row[PF_MET_ITERATION] = (double)iterations;
    row[PF_MET_L2] = l2;
    row[PF_MET_TEST_LOSS] = test_loss;
    row[PF_MET_TRAIN_LOSS] = train_loss;
    row[PF_MET_TRAIN_SIZE] = (double)*ntrain;
    row[PF_MET_SECONDS_SCORE] = ts1 - ts0;
    row[PF_MET_SECONDS_TRAIN] = ts2 - ts1;
    memcpy(res->last, row, sizeof row);
    res->cycles_done = c + 1;
    if (hooks && hooks->cycle_done) PF_CALL(hooks->cycle_done(hooks->user, c, row, ndrawn, m->dX));
    if (spec->ntrained && hooks && hooks->coef_done)
      PF_CALL(hooks->coef_done(hooks->user, c, m->pde->ncoef, m->tctx.coef));
    if (!isfinite(l2) || !isfinite(test_loss) || !isfinite(train_loss)) {
      fail(res, "cycle %d: %s", c + 1, "non-finite metrics (the network diverged)");
      break;
    }
    const double el = pf_wtime() - t0, eta = el / (c + 1 - c0) * (spec->cycles - c - 1);
    char els[32], etas[32];
    format_seconds(before + el, els, sizeof els);
    format_seconds(eta, etas, sizeof etas);
    char coefs[160] = "";
    for (int j = 0, used = 0; j < spec->ntrained && used < (int)sizeof coefs; j++)
      used += snprintf(coefs + used, sizeof coefs - (size_t)used, " %s %.6g",
                       m->pde->coef[spec->trained[j]].name, m->tctx.coef[spec->trained[j]]);
    pf_log(ctx, PF_LOG_INFO, 1,
           "%s: cycle %d/%d iteration %ld train loss %.3e L2 rel %.3e test loss %.3e n %zu%s "
           "[%s, ETA %s]",
           spec->label, c + 1, spec->cycles, iterations, train_loss, l2, test_loss, *ntrain, coefs,
           els, etas);
    if (hooks && hooks->checkpoint && spec->checkpoint_every > 0 && c + 1 < spec->cycles &&
        (c + 1) % spec->checkpoint_every == 0) {
      pf_task_start ck = {.cycles_done = c + 1,
                          .ntrain = *ntrain,
                          .iterations = iterations,
                          .seconds = before + pf_wtime() - t0,
                          .theta = theta,
                          .X = m->tX,
                          .coef = spec->ntrained ? m->tctx.coef : NULL};
      memcpy(ck.last, row, sizeof row);
      PF_CALL(hooks->checkpoint(hooks->user, &ck));
    }
    st.t_last_log = pf_wtime();
  }
  return PF_OK;
}

int pf_task_run(const pf_ctx *ctx, const pf_task_spec *spec, const pf_task_hooks *hooks,
                pf_task_result *res) {
  const double t0 = pf_wtime();
  memset(res, 0, sizeof *res);
  PF_CHECK(spec->nhidden >= 1 && spec->nhidden <= PF_PDE_MAX_HIDDEN, PF_ERR_ARG,
           "%d hidden layers; allowed 1..%d", spec->nhidden, PF_PDE_MAX_HIDDEN);
  PF_CHECK(!spec->method->resamples || spec->per_cycle <= spec->pool, PF_ERR_ARG,
           "sample.per_cycle (%zu) exceeds sample.pool (%zu)", spec->per_cycle, spec->pool);
  task_mem m = {0};
  size_t ntrain = spec->initial_points;
  int rc = task_setup(spec, res, &m);
  const pf_task_start *start = hooks ? hooks->start : NULL;
  if (!rc && start) {
    /* continue from a checkpoint: its parameters and training set replace the initial ones */
    const size_t d = (size_t)m.d,
                 cap = spec->initial_points + (size_t)spec->cycles * spec->per_cycle;
    if (start->cycles_done < 1 || start->cycles_done > spec->cycles || start->ntrain > cap ||
        start->ntrain < 1)
      rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                    "%s: a checkpoint after cycle %d with %zu points does not fit the task",
                    spec->label, start->cycles_done, start->ntrain);
    if (!rc && spec->ntrained && !start->coef)
      rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                    "%s: a checkpoint without the trained coefficients", spec->label);
    if (!rc) {
      memcpy(res->theta, start->theta, res->nparams * sizeof *res->theta);
      for (int j = 0; j < spec->ntrained; j++) {
        res->theta[res->nparams + (size_t)j] = start->coef[spec->trained[j]] / m.cscale[j];
        m.tctx.coef[spec->trained[j]] = start->coef[spec->trained[j]];
      }
      memcpy(m.tX, start->X, start->ntrain * d * sizeof *m.tX);
      ntrain = start->ntrain;
      rc = pf_points_destroy(&m.train);
    }
    if (!rc) rc = pf_points_create(&m.pde->ops, ntrain, m.tX, &m.train);
    if (!rc)
      pf_log(ctx, PF_LOG_INFO, 1,
             "%s: resumed from its checkpoint after cycle %d of %d (iteration %ld, n %zu); "
             "cycles %d..%d not redone",
             spec->label, start->cycles_done, spec->cycles, start->iterations, ntrain, 1,
             start->cycles_done);
  }
  if (!rc) rc = task_cycles(ctx, spec, hooks, res, &m, t0, &ntrain);
  /* results: final parameters (the last finite iterate, in res->theta) and training points */
  if (!rc) {
    res->ntrain = ntrain;
    const size_t d = (size_t)m.d;
    rc = PF_CALLOC(ntrain * d, &res->X);
    if (!rc) memcpy(res->X, m.tX, ntrain * d * sizeof *m.tX);
  }
  /* the coefficients: the trained ones as learned, the others as given */
  res->ntrained = spec->ntrained;
  if (m.pde) {
    const double *cv = spec->ntrained ? m.tctx.coef : pf_pde_coefficients(m.pde);
    memcpy(res->coef, cv, (size_t)m.pde->ncoef * sizeof *cv);
  }
  res->seconds = pf_wtime() - t0 + (start ? start->seconds : 0.0);
  task_free(&m);
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  return PF_OK;
}

int pf_task_objective_eval(const pf_task_spec *spec, const double *x, double *loss, double *grad) {
  PF_CHECK(spec && x && loss, PF_ERR_ARG, "pf_task_objective_eval: null argument");
  pf_task_result res;
  memset(&res, 0, sizeof res);
  task_mem m = {0};
  int rc = task_setup(spec, &res, &m);
  if (!rc) {
    task_state st = {.spec = spec, .eng = m.eng, .train = m.train, .m = &m};
    rc = objective(&st, x, loss, grad);
  }
  task_free(&m);
  pf_task_result_free(&res);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}
