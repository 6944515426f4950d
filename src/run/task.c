/* One task: the cycle loop of PAPER.md section 2 (resample, Adam, L-BFGS, metrics) on one rank. */
#include "pinnfluence/nn.h"
#include "pinnfluence/optim.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/run.h"

#include <math.h>
#include <stdio.h>
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
  PF_FREE(&res->x);
  PF_FREE(&res->t);
}

/* State shared by the objective and the progress monitor. */
typedef struct {
  const pf_ctx *ctx;
  const pf_task_spec *spec;
  pf_engine *eng;
  pf_points *train;
  int cycle;         /* 0-based */
  long iter_base;    /* iterations before the current optimiser run */
  const char *phase; /* "adam" or "lbfgs" */
  double t_start, t_last_log;
} task_state;

static int objective(void *user, const double *theta, double *loss, double *grad) {
  task_state *st = user;
  PF_CALL(pf_engine_loss_grad(st->eng, theta, st->train, loss, grad));
  /* fault injection for tests of failure handling */
  if (st->spec->fault_nan_cycle > 0 && st->cycle + 1 >= st->spec->fault_nan_cycle) *loss = NAN;
  return PF_OK;
}

/* Progress inside a cycle when a cycle is long (wave): a line at most every 30 s. */
static int monitor(void *user, long iteration, double loss, int *stop) {
  task_state *st = user;
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

/* L2 relative error and mean squared residual over the holdout set. */
static int evaluate(pf_engine *eng, const double *theta, const pf_points *hold, const double *uref,
                    double *r, double *u, double *l2, double *test_loss) {
  const size_t n = hold->n;
  PF_CALL(pf_engine_residuals(eng, theta, hold, r, u));
  double num = 0, den = 0, rr = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = uref[i] - u[i];
    num += d * d, den += uref[i] * uref[i], rr += r[i] * r[i];
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

int pf_task_run(const pf_ctx *ctx, const pf_task_spec *spec, const pf_task_hooks *hooks,
                pf_task_result *res) {
  const pf_pde *pde = spec->pde;
  const double t0 = pf_wtime();
  memset(res, 0, sizeof *res);
  PF_CHECK(spec->nhidden >= 1 && spec->nhidden <= PF_PDE_MAX_HIDDEN, PF_ERR_ARG,
           "%d hidden layers; allowed 1..%d", spec->nhidden, PF_PDE_MAX_HIDDEN);
  PF_CHECK(!spec->method->resamples || spec->per_cycle <= spec->pool, PF_ERR_ARG,
           "sample.per_cycle (%zu) exceeds sample.pool (%zu)", spec->per_cycle, spec->pool);

  /* network */
  res->nlayers = spec->nhidden + 1;
  res->sizes[0] = 2;
  for (int l = 0; l < spec->nhidden; l++) res->sizes[l + 1] = spec->hidden[l];
  res->sizes[res->nlayers] = 1;
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  PF_CALL(pf_mlp_create(res->nlayers, res->sizes, &net));
  PF_CALL(pf_engine_create(net, &pde->ops, spec->block, &eng));
  const size_t P = net->nparams;
  res->nparams = P;
  PF_CALL(PF_CALLOC(P, &res->theta));
  double *theta = res->theta;
  pf_rng_stream init = pf_rng_stream_make(spec->seed, 0, PF_RNG_INIT, 0);
  PF_CALL(pf_mlp_init_glorot(net, &init, theta));

  /* holdout set and reference */
  size_t nh = 0;
  double *hx = NULL, *ht = NULL, *href = NULL, *hr = NULL, *hu = NULL;
  PF_CALL(pf_pde_holdout(pde, spec->seed, spec->holdout_points, &nh, &hx, &ht, &href));
  pf_points *hold = NULL;
  PF_CALL(pf_points_create(&pde->ops, nh, hx, ht, &hold));
  PF_CALL(PF_CALLOC(nh, &hr));
  PF_CALL(PF_CALLOC(PF_NCH * nh, &hu));

  /* training set: capacity for the largest it can become */
  const size_t cap = spec->initial_points + (size_t)spec->cycles * spec->per_cycle;
  double *tx = NULL, *tt = NULL;
  PF_CALL(PF_CALLOC(cap, &tx));
  PF_CALL(PF_CALLOC(cap, &tt));
  size_t ntrain = spec->initial_points;
  pf_pde_hammersley(pde, ntrain, tx, tt);
  pf_points *train = NULL;
  PF_CALL(pf_points_create(&pde->ops, ntrain, tx, tt, &train));

  /* resampling buffers */
  const int resamples = spec->method->resamples;
  double *px = NULL, *pt = NULL, *scores = NULL, *work = NULL, *dx = NULL, *dt = NULL;
  size_t *chosen = NULL, work_len = 0;
  if (resamples) {
    PF_CALL(PF_CALLOC(spec->pool, &px));
    PF_CALL(PF_CALLOC(spec->pool, &pt));
    PF_CALL(PF_CALLOC(spec->pool, &scores));
    PF_CALL(PF_CALLOC(spec->per_cycle, &chosen));
    PF_CALL(PF_CALLOC(spec->per_cycle, &dx));
    PF_CALL(PF_CALLOC(spec->per_cycle, &dt));
    if (spec->method->work_size) work_len = spec->method->work_size(spec->pool, P, spec->block);
    PF_CALL(PF_CALLOC(work_len, &work));
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
  pf_adam *adam = NULL;
  pf_lbfgs *lbfgs = NULL;
  PF_CALL(pf_adam_create(P, &ap, &adam));
  if (spec->lbfgs_iters > 0) PF_CALL(pf_lbfgs_create(P, &lp, &lbfgs));

  task_state st = {ctx, spec, eng, train, 0, 0, "adam", t0, t0};
  long iterations = 0;
  for (int c = 0; c < spec->cycles && !res->failed; c++) {
    if (pf_run_stop_requested()) {
      res->interrupted = 1;
      break;
    }
    double row[PF_MET_NCOLS];
    st.cycle = c;
    /* 1. resample (the first round sees the untrained network) */
    const double ts0 = pf_wtime();
    size_t ndrawn = 0;
    if (resamples && hooks && hooks->score) {
      PF_CALL(hooks->score(hooks->user, c + 1, theta, px, pt, scores));
    } else if (resamples) {
      pf_sample_pool(pde, spec->seed, c + 1, 0, spec->pool, px, pt);
      pf_points *pool = NULL;
      PF_CALL(pf_points_create(&pde->ops, spec->pool, px, pt, &pool));
      pf_influence_params ip = spec->influence;
      ip.backend = spec->influence_backend;
      pf_score_ctx sc = {.influence = &ip,
                         .eng = eng,
                         .net = net,
                         .pde = pde,
                         .seed = spec->seed,
                         .cycle = c + 1,
                         .work = work,
                         .work_len = work_len};
      int src = spec->method->score(&sc, theta, pool, scores);
      PF_CALL(pf_points_destroy(&pool));
      PF_CALL(src);
    }
    if (resamples && spec->store_pool && c == spec->cycles - 1 && hooks && hooks->pool_done)
      PF_CALL(hooks->pool_done(hooks->user, c + 1, theta, px, pt, scores));
    if (resamples) {
      if (spec->top_k)
        PF_CALL(pf_sample_top_k(spec->pool, scores, spec->per_cycle, chosen));
      else
        PF_CALL(pf_sample_distribution(spec->pool, scores, spec->k, spec->c, spec->per_cycle,
                                       spec->seed, c + 1, chosen));
      ndrawn = spec->per_cycle;
      for (size_t i = 0; i < ndrawn; i++) dx[i] = px[chosen[i]], dt[i] = pt[chosen[i]];
      if (spec->replace) ntrain = 0;
      memcpy(tx + ntrain, dx, ndrawn * sizeof *tx);
      memcpy(tt + ntrain, dt, ndrawn * sizeof *tt);
      ntrain += ndrawn;
      PF_CALL(pf_points_destroy(&train));
      PF_CALL(pf_points_create(&pde->ops, ntrain, tx, tt, &train));
      st.train = train;
    }
    const double ts1 = pf_wtime();

    /* 2. Adam, then L-BFGS */
    pf_optim_result ar = {0}, lr = {0};
    st.phase = "adam";
    st.iter_base = iterations;
    PF_CALL(pf_adam_run(adam, objective, &st, theta, spec->adam_iters, monitor, &st, &ar));
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
    if (lbfgs) {
      st.phase = "lbfgs";
      st.iter_base = iterations;
      PF_CALL(pf_lbfgs_run(lbfgs, objective, &st, theta, monitor, &st, &lr));
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
    const double ts2 = pf_wtime();

    /* 3. metrics on the holdout set */
    double l2 = NAN, test_loss = NAN;
    PF_CALL(evaluate(eng, theta, hold, href, hr, hu, &l2, &test_loss));
    row[PF_MET_CYCLE] = c + 1;
    row[PF_MET_ITERATION] = (double)iterations;
    row[PF_MET_L2] = l2;
    row[PF_MET_TEST_LOSS] = test_loss;
    row[PF_MET_TRAIN_LOSS] = train_loss;
    row[PF_MET_TRAIN_SIZE] = (double)ntrain;
    row[PF_MET_SECONDS_SCORE] = ts1 - ts0;
    row[PF_MET_SECONDS_TRAIN] = ts2 - ts1;
    memcpy(res->last, row, sizeof row);
    res->cycles_done = c + 1;
    if (hooks && hooks->cycle_done) PF_CALL(hooks->cycle_done(hooks->user, c, row, ndrawn, dx, dt));
    if (!isfinite(l2) || !isfinite(test_loss) || !isfinite(train_loss)) {
      fail(res, "cycle %d: %s", c + 1, "non-finite metrics (the network diverged)");
      break;
    }
    const double el = pf_wtime() - t0, eta = el / (c + 1) * (spec->cycles - c - 1);
    char els[32], etas[32];
    format_seconds(el, els, sizeof els);
    format_seconds(eta, etas, sizeof etas);
    pf_log(ctx, PF_LOG_INFO, 1,
           "%s: cycle %d/%d iteration %ld train loss %.3e L2 rel %.3e test loss %.3e n %zu "
           "[%s, ETA %s]",
           spec->label, c + 1, spec->cycles, iterations, train_loss, l2, test_loss, ntrain, els,
           etas);
    st.t_last_log = pf_wtime();
  }

  /* results: final parameters (the last finite iterate) and training points */
  res->ntrain = ntrain;
  PF_CALL(PF_CALLOC(ntrain, &res->x));
  PF_CALL(PF_CALLOC(ntrain, &res->t));
  memcpy(res->x, tx, ntrain * sizeof *tx);
  memcpy(res->t, tt, ntrain * sizeof *tt);
  res->seconds = pf_wtime() - t0;

  PF_CALL(pf_adam_destroy(&adam));
  PF_CALL(pf_lbfgs_destroy(&lbfgs));
  PF_FREE(&px), PF_FREE(&pt), PF_FREE(&scores), PF_FREE(&work), PF_FREE(&dx), PF_FREE(&dt);
  PF_FREE(&chosen);
  PF_FREE(&tx), PF_FREE(&tt);
  PF_FREE(&hx), PF_FREE(&ht), PF_FREE(&href), PF_FREE(&hr), PF_FREE(&hu);
  PF_CALL(pf_points_destroy(&train));
  PF_CALL(pf_points_destroy(&hold));
  PF_CALL(pf_engine_destroy(&eng));
  PF_CALL(pf_mlp_destroy(&net));
  return PF_OK;
}
