/* pinnfluence validate over MPI: every task's configuration is resolved and checked first; the
 * file is created (or reopened and checked for a resume); then two farms with dynamic dispatch,
 * as `run` farms tasks (a shared counter on world rank 0 that every rank fetches from, so no rank
 * idles as a manager):
 *   1. state units, one per task: train to validate.at_cycle (pf_task_run), draw the groups from
 *      the next cycle's pool, compute every predictor, store the state and the predictions;
 *   2. retraining units, G + 1 per task (the baseline, then each group): read the state from the
 *      file, retrain warm-started on the fixed schedule, store test loss and L2 error.
 * Finally rank 0 forms the effects and the correlations. Every unit is computed by one rank from
 * the stored state and the task's streams, so the file is bitwise identical (outside /timing)
 * whatever the number of ranks, and a unit interrupted by a signal is simply rerun on --resume.
 * Fault injection: PF_FAULT_SIGNAL=i:c:k:ACTION fires in task i's training to the state (cycles
 * 1 .. at_cycle) or in its retraining unit u (0 = baseline) as cycle at_cycle + 1 + u. */
#include "pinnfluence/config.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/run.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/sweep.h"
#include "pinnfluence/validate.h"
#include "pinnfluence/validate_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_PENDING = 0, ST_DONE = 2, ST_FAILED = 3 };

typedef struct {
  int T, G, S, D, NP;
  pf_config *cfg;      /* (T) */
  pf_task_spec *spec;  /* (T), cycles = at_cycle */
  char (*labels)[160]; /* (T) */
  size_t *P, *ntrain;  /* (T) parameters, training points of the state */
  pf_fault *fault;
  pf_vstore *vs;
  /* a rank's cached task (units of one task run one after the other) */
  int ctask;
  pf_mlp *net;
  pf_engine *eng;
  double *hX, *href;
  size_t nh;
  pf_points *hold;
} vmem;

static void task_cache_free(vmem *m) {
  (void)pf_points_destroy(&m->hold);
  PF_FREE(&m->hX), PF_FREE(&m->href);
  (void)pf_engine_destroy(&m->eng);
  (void)pf_mlp_destroy(&m->net);
  m->ctask = -1;
}

static int vmem_free(vmem *m) {
  int rc = pf_vstore_close(&m->vs);
  task_cache_free(m);
  pf_fault_destroy(&m->fault);
  PF_FREE(&m->cfg), PF_FREE(&m->spec), PF_FREE(&m->labels), PF_FREE(&m->P), PF_FREE(&m->ntrain);
  return rc;
}

static int agree(MPI_Comm comm, int rc) {
  int any = 0;
  PF_CALL_MPI(MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, comm));
  return any;
}

static int recordable(int rc) {
  return rc == PF_ERR_NUMERIC || rc == PF_ERR_LAPACK || rc == PF_ERR_MEM;
}

/* The network, engine and holdout set of task i on this rank (kept for its next unit). */
static int task_cache(vmem *m, int i) {
  if (m->ctask == i) return PF_OK;
  task_cache_free(m);
  const pf_task_spec *s = &m->spec[i];
  int sizes[PF_PDE_MAX_HIDDEN + 2];
  sizes[0] = pf_pde_dim(s->pde);
  for (int l = 0; l < s->nhidden; l++) sizes[l + 1] = s->hidden[l];
  sizes[s->nhidden + 1] = pf_pde_outputs(s->pde);
  PF_CALL(pf_mlp_create(s->nhidden + 1, sizes, &m->net));
  PF_CALL(pf_engine_create(m->net, &s->pde->ops, s->block, &m->eng));
  PF_CALL(pf_pde_holdout(s->pde, s->seed, s->holdout_points, &m->nh, &m->hX, &m->href));
  PF_CALL(pf_points_create(&s->pde->ops, m->nh, m->hX, &m->hold));
  m->ctask = i;
  return PF_OK;
}

static int resolve(const pf_sweep *sweep, vmem *m, char *err, size_t errlen) {
  const int T = m->T;
  for (int i = 0; i < T; i++) {
    PF_CALL(pf_sweep_task(sweep, i, &m->cfg[i]));
    const pf_config *c = &m->cfg[i];
    pf_task_spec *s = &m->spec[i];
    PF_CALL(pf_task_spec_from_config(c, s));
    s->influence.backend = s->influence_backend;
    s->cycles = c->validate.at_cycle;
    char lab[96];
    PF_CALL(pf_sweep_task_label(sweep, i, lab, sizeof lab));
    snprintf(m->labels[i], sizeof m->labels[i], "validate task %d/%d%s%s", i + 1, T,
             lab[0] ? " " : "", lab);
    s->label = m->labels[i];
    /* validate's retraining and its predictors use the residual loss alone: a composite objective
     * would be validated against the wrong loss, so it is refused rather than ignored */
    if (s->ntrained || s->data.reference || s->data.file[0] || s->pde->soft || s->pde->ncond) {
      snprintf(err, errlen,
               "validate: task %d (%s) has %s; validate supports the residual loss only (no soft "
               "conditions, constraints = \"soft\", data or trainable coefficients); allowed: "
               "problems with hard constraints and no data (use `pinnfluence run` for this one)",
               i + 1, lab[0] ? lab : s->pde->name,
               s->ntrained                            ? "trainable coefficients"
               : s->data.reference || s->data.file[0] ? "a data term"
                                                      : "soft conditions");
      return PF_ERR_CONFIG;
    }
    if (pf_fault_nan_task(m->fault, i)) s->fault_nan_cycle = 1;
    if (pf_fault_signal_task(m->fault, i)) s->fault = m->fault;
    size_t P = 0;
    for (int l = 0, in = pf_pde_dim(s->pde); l <= s->nhidden; l++) {
      const int outw = l < s->nhidden ? s->hidden[l] : pf_pde_outputs(s->pde);
      P += (size_t)(in + 1) * (size_t)outw, in = outw;
    }
    m->P[i] = P;
    m->ntrain[i] = c->validate.at_cycle == 0 ? s->initial_points : pf_task_final_points(s);
    const int S = c->validate.group_size ? c->validate.group_size : c->sample.per_cycle;
    if (i == 0) m->S = S, m->G = c->validate.groups;
    if (S > c->sample.pool) {
      snprintf(err, errlen,
               "validate.group_size: %d points per group exceed sample.pool = %d; allowed: at "
               "most the pool",
               S, c->sample.pool);
      return PF_ERR_CONFIG;
    }
    if (S != m->S) {
      snprintf(err, errlen,
               "validate: the tasks' groups differ in size (%d and %d: sample.per_cycle is a sweep "
               "axis); set validate.group_size",
               m->S, S);
      return PF_ERR_CONFIG;
    }
    if (pf_pde_dim(s->pde) > m->D) m->D = pf_pde_dim(s->pde);
  }
  return PF_OK;
}

/* ------------------------------------------------------------------ the state unit */
typedef struct {
  pf_task_result res;
  int have_res;
  double *PX, *scores, *work, *GX, *pred, *ones;
  size_t *chosen;
  int32_t *source;
  pf_points *pool, *train;
} state_mem;

static void state_free(state_mem *s) {
  if (s->have_res) pf_task_result_free(&s->res);
  PF_FREE(&s->PX), PF_FREE(&s->scores), PF_FREE(&s->work), PF_FREE(&s->GX), PF_FREE(&s->pred);
  PF_FREE(&s->ones), PF_FREE(&s->chosen), PF_FREE(&s->source);
  (void)pf_points_destroy(&s->pool);
  (void)pf_points_destroy(&s->train);
}

static int state_in(const pf_ctx *ctx, vmem *m, int i, state_mem *s, int *interrupted,
                    int *failed) {
  const pf_task_spec *sp = &m->spec[i];
  const pf_config *c = &m->cfg[i];
  const size_t G = (size_t)m->G, S = (size_t)m->S, d = (size_t)pf_pde_dim(sp->pde);
  const double t0 = pf_wtime();
  s->have_res = 1;
  pf_log(ctx, PF_LOG_INFO, 1, "%s: training to the state after cycle %d", sp->label, sp->cycles);
  PF_CALL(pf_task_run(ctx, sp, NULL, &s->res));
  if (s->res.interrupted) return *interrupted = 1, PF_OK;
  if (s->res.failed) {
    *failed = 1;
    char reason[PF_VSTORE_REASON_LEN] = "";
    snprintf(reason, sizeof reason, "%s", s->res.reason);
    const size_t st[2] = {(size_t)i, 0}, cn[2] = {1, PF_VSTORE_REASON_LEN};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_TASK_REASON, 1, st, cn, reason));
    return PF_OK;
  }
  PF_CALL(task_cache(m, i));
  const int cycle = sp->cycles + 1;
  const size_t n = sp->pool;
  PF_CALL(PF_CALLOC(n * d, &s->PX));
  pf_sample_pool(sp->pde, sp->seed, cycle, 0, n, s->PX);
  PF_CALL(pf_points_create(&sp->pde->ops, n, s->PX, &s->pool));
  PF_CALL(PF_CALLOC(n, &s->scores));
  PF_CALL(PF_CALLOC(n, &s->ones));
  for (size_t j = 0; j < n; j++) s->ones[j] = 1;
  const int own = sp->method->resamples && sp->method->score;
  if (own) {
    const size_t wl =
        sp->method->work_size ? sp->method->work_size(&sp->pde->ops, n, m->P[i], sp->block) : 0;
    PF_CALL(PF_CALLOC(wl ? wl : 1, &s->work));
    pf_score_ctx sc = {.eng = m->eng,
                       .net = m->net,
                       .pde = sp->pde,
                       .seed = sp->seed,
                       .cycle = cycle,
                       .work = s->work,
                       .work_len = wl,
                       .influence = &sp->influence};
    PF_CALL(sp->method->score(&sc, s->res.theta, s->pool, s->scores));
  }
  /* the groups: the first half by the method's distribution (uniform for methods without
   * scores), the rest uniformly from the pool; group g's draw uses the stream of the draw at
   * "cycle" 1000001 + g, past any cycle a run reaches */
  PF_CALL(PF_CALLOC(G * S * d, &s->GX));
  PF_CALL(PF_CALLOC(S, &s->chosen));
  PF_CALL(PF_CALLOC(G, &s->source));
  for (size_t g = 0; g < G; g++) {
    const int uniform = !own || g >= G / 2;
    s->source[g] = uniform;
    PF_CALL(pf_sample_distribution(n, uniform ? s->ones : s->scores, sp->k, sp->c, S, sp->seed,
                                   1000001 + (int)g, s->chosen));
    for (size_t j = 0; j < S; j++)
      memcpy(s->GX + (g * S + j) * d, s->PX + s->chosen[j] * d, d * sizeof *s->GX);
  }
  PF_CALL(pf_points_create(&sp->pde->ops, s->res.ntrain, s->res.X, &s->train));
  pf_validate_state vst = {.eng = m->eng,
                           .net = m->net,
                           .pde = sp->pde,
                           .theta = s->res.theta,
                           .train = s->train,
                           .hold = m->hold,
                           .ip = sp->influence,
                           .exact_max_params = c->validate.exact_max_params,
                           .seed = sp->seed,
                           .cycle = cycle,
                           .ngroups = G,
                           .group_size = S,
                           .GX = s->GX,
                           .block = (size_t)sp->block};
  PF_CALL(PF_CALLOC(G * PF_VP_COUNT, &s->pred));
  PF_CALL(pf_validate_predict(&vst, ctx->log_level >= PF_LOG_INFO ? stderr : NULL, s->pred));

  /* store: the state, the groups, the predictions, then the status */
  const double row[PF_VSTORE_STATE_COLS] = {
      (double)sp->cycles, s->res.cycles_done ? s->res.last[PF_MET_L2] : NAN,
      s->res.cycles_done ? s->res.last[PF_MET_TEST_LOSS] : NAN,
      s->res.cycles_done ? s->res.last[PF_MET_TRAIN_LOSS] : NAN, (double)s->res.ntrain};
  const size_t I = (size_t)i;
  {
    const size_t st[2] = {I, 0}, cn[2] = {1, PF_VSTORE_STATE_COLS};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_STATE_METRICS, 1, st, cn, (void *)row));
  }
  {
    const size_t st[2] = {I, 0}, cn[2] = {1, m->P[i]};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_STATE_PARAMS, 1, st, cn, s->res.theta));
    int64_t np = (int64_t)m->P[i];
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_STATE_NPARAMS, 1, st, cn, &np));
  }
  {
    const size_t st[3] = {I, 0, 0}, cn[3] = {1, s->res.ntrain, d};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_STATE_TRAIN, 1, st, cn, s->res.X));
  }
  {
    const size_t st[4] = {I, 0, 0, 0}, cn[4] = {1, G, S, d};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_GROUP_POINTS, 1, st, cn, s->GX));
  }
  {
    const size_t st[2] = {I, 0}, cn[2] = {1, G};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_GROUP_SOURCE, 1, st, cn, s->source));
  }
  {
    const size_t st[3] = {I, 0, 0}, cn[3] = {1, G, PF_VP_COUNT};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_PREDICTED, 1, st, cn, s->pred));
  }
  {
    char label[PF_VSTORE_LABEL_LEN] = "";
    snprintf(label, sizeof label, "%s", m->labels[i]);
    const size_t st[2] = {I, 0}, cn[2] = {1, PF_VSTORE_LABEL_LEN};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_TASK_LABEL, 1, st, cn, label));
  }
  {
    double sec = pf_wtime() - t0;
    const size_t st[2] = {I, 0}, cn[2] = {1, 1};
    PF_CALL(pf_vstore_rw(m->vs, PF_VS_TIMING, 1, st, cn, &sec));
  }
  pf_log(ctx, PF_LOG_INFO, 1,
         "%s: state after cycle %d (L2 rel %.3e, test loss %.3e, n %zu) and %d predictors of %zu "
         "groups in %.1f s",
         sp->label, sp->cycles, row[1], row[2], s->res.ntrain, PF_VP_COUNT, G, pf_wtime() - t0);
  return PF_OK;
}

static int state_unit(const pf_ctx *ctx, vmem *m, int i, int *interrupted) {
  state_mem s = {0};
  int failed = 0;
  pf_error_clear();
  int rc = state_in(ctx, m, i, &s, interrupted, &failed);
  if (recordable(rc)) {
    failed = 1;
    char reason[PF_VSTORE_REASON_LEN] = "";
    snprintf(reason, sizeof reason, "%s: %s", pf_error_string(rc),
             pf_error_last()[0] ? pf_error_last() : "see the log");
    const size_t st[2] = {(size_t)i, 0}, cn[2] = {1, PF_VSTORE_REASON_LEN};
    rc = pf_vstore_rw(m->vs, PF_VS_TASK_REASON, 1, st, cn, reason);
  }
  if (!rc && !*interrupted) {
    int32_t status = failed ? ST_FAILED : ST_DONE;
    const size_t st[1] = {(size_t)i}, cn[1] = {1};
    rc = pf_vstore_rw(m->vs, PF_VS_TASK_STATUS, 1, st, cn, &status);
    if (failed) pf_log(ctx, PF_LOG_WARN, 1, "%s: failed", m->spec[i].label);
  }
  state_free(&s);
  return rc;
}

/* ------------------------------------------------------------------ a retraining unit */
static int retrain_unit(const pf_ctx *ctx, vmem *m, int i, int u, int *interrupted) {
  const pf_task_spec *sp = &m->spec[i];
  const pf_config *c = &m->cfg[i];
  const size_t I = (size_t)i, S = (size_t)m->S, d = (size_t)pf_pde_dim(sp->pde), P = m->P[i],
               nt = m->ntrain[i];
  const size_t n = nt + (u > 0 ? S : 0);
  const double t0 = pf_wtime();
  double *theta = NULL, *X = NULL;
  int rc = task_cache(m, i);
  if (!rc) rc = PF_CALLOC(P, &theta);
  if (!rc) rc = PF_CALLOC(n * d, &X);
  if (!rc) {
    const size_t st[2] = {I, 0}, cn[2] = {1, P};
    rc = pf_vstore_rw(m->vs, PF_VS_STATE_PARAMS, 0, st, cn, theta);
  }
  if (!rc) {
    const size_t st[3] = {I, 0, 0}, cn[3] = {1, nt, d};
    rc = pf_vstore_rw(m->vs, PF_VS_STATE_TRAIN, 0, st, cn, X);
  }
  if (!rc && u > 0) {
    const size_t st[4] = {I, (size_t)u - 1, 0, 0}, cn[4] = {1, 1, S, d};
    rc = pf_vstore_rw(m->vs, PF_VS_GROUP_POINTS, 0, st, cn, X + nt * d);
  }
  double tl = NAN, l2 = NAN;
  int failed = 0;
  if (!rc) {
    pf_validate_schedule sch = {c->validate.retrain.adam_iters,
                                sp->adam_lr,
                                c->validate.retrain.lbfgs_iters,
                                sp->lbfgs_step,
                                sp->lbfgs_history,
                                sp->lbfgs_max_eval};
    pf_error_clear();
    rc = pf_validate_retrain(m->eng, m->net, sp->pde, &sch, n, X, m->hold, m->href,
                             pf_fault_signal_task(m->fault, i) ? m->fault : NULL, sp->label,
                             sp->cycles + 1 + u, theta, &tl, &l2, interrupted, &failed);
    if (recordable(rc)) failed = 1, rc = PF_OK;
  }
  if (!rc && !*interrupted) {
    const double met[2] = {tl, l2};
    const size_t st[3] = {I, (size_t)u, 0}, cn[3] = {1, 1, 2};
    rc = pf_vstore_rw(m->vs, PF_VS_UNIT_METRICS, 1, st, cn, (void *)met);
    double sec = pf_wtime() - t0;
    const size_t st2[2] = {I, (size_t)u + 1}, cn2[2] = {1, 1};
    if (!rc) rc = pf_vstore_rw(m->vs, PF_VS_TIMING, 1, st2, cn2, &sec);
    int32_t status = failed ? ST_FAILED : ST_DONE;
    if (!rc) rc = pf_vstore_rw(m->vs, PF_VS_UNIT_STATUS, 1, st, cn2, &status);
    if (!rc)
      pf_log(ctx, PF_LOG_INFO, 1, "%s: unit %d/%d (%s): %s test loss %.6e L2 rel %.6e (%.1f s)",
             sp->label, u, m->G, u == 0 ? "baseline" : "group added",
             failed ? "FAILED" : "retrained,", tl, l2, sec);
  }
  PF_FREE(&theta), PF_FREE(&X);
  return rc;
}

/* ------------------------------------------------------------------ the farms */
/* Collective: hand out indices 0 .. n-1 from a counter on rank 0; work(k) for each one taken.
 * Stops at a signal or an error. */
typedef int (*unit_fn)(const pf_ctx *ctx, vmem *m, int k, const int *list, int *interrupted);

static int farm(const pf_ctx *ctx, vmem *m, int n, const int *list, unit_fn work,
                int *interrupted) {
  int64_t *cnt = NULL;
  MPI_Win win;
  PF_CALL_MPI(MPI_Win_allocate(ctx->rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0, sizeof(int64_t),
                               MPI_INFO_NULL, ctx->comm, &cnt, &win));
  if (ctx->rank == 0) {
    PF_CALL_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
    cnt[0] = 0;
    PF_CALL_MPI(MPI_Win_unlock(0, win));
  }
  PF_CALL_MPI(MPI_Barrier(ctx->comm));
  int rc = PF_OK;
  while (!rc && !*interrupted && !pf_run_stop_requested()) {
    const int64_t one = 1;
    int64_t k = 0;
    PF_CALL_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
    PF_CALL_MPI(MPI_Fetch_and_op(&one, &k, MPI_INT64_T, 0, 0, MPI_SUM, win));
    PF_CALL_MPI(MPI_Win_unlock(0, win));
    if (k >= n) break;
    rc = work(ctx, m, (int)k, list, interrupted);
  }
  PF_CALL_MPI(MPI_Win_free(&win));
  return rc;
}

static int do_state(const pf_ctx *ctx, vmem *m, int k, const int *list, int *interrupted) {
  return state_unit(ctx, m, list[k], interrupted);
}

static int do_retrain(const pf_ctx *ctx, vmem *m, int k, const int *list, int *interrupted) {
  return retrain_unit(ctx, m, list[2 * k], list[2 * k + 1], interrupted);
}

/* ------------------------------------------------------------------ effects and correlations */
static int summarise(vmem *m, FILE *out) {
  const int T = m->T, G = m->G, NP = PF_VP_COUNT;
  double *met = NULL, *act = NULL, *pred = NULL, *cor = NULL;
  int32_t *ust = NULL;
  int rc = PF_OK;
  if ((rc = PF_CALLOC((size_t)(G + 1) * 2, &met)) || (rc = PF_CALLOC((size_t)G * 2, &act)) ||
      (rc = PF_CALLOC((size_t)G * NP, &pred)) || (rc = PF_CALLOC((size_t)NP * 2 * 7, &cor)) ||
      (rc = PF_CALLOC((size_t)G + 1, &ust)))
    goto done;
  for (int i = 0; i < T && !rc; i++) {
    int32_t ts = 0;
    const size_t I = (size_t)i;
    {
      const size_t st[1] = {I}, cn[1] = {1};
      if ((rc = pf_vstore_rw(m->vs, PF_VS_TASK_STATUS, 0, st, cn, &ts))) break;
    }
    if (ts != ST_DONE) continue;
    {
      const size_t st[2] = {I, 0}, cn[2] = {1, (size_t)G + 1};
      if ((rc = pf_vstore_rw(m->vs, PF_VS_UNIT_STATUS, 0, st, cn, ust))) break;
    }
    int pending = 0;
    for (int u = 0; u <= G; u++) pending += ust[u] == ST_PENDING;
    if (pending) continue;
    {
      const size_t st[3] = {I, 0, 0}, cn[3] = {1, (size_t)G + 1, 2};
      if ((rc = pf_vstore_rw(m->vs, PF_VS_UNIT_METRICS, 0, st, cn, met))) break;
      const size_t cp[3] = {1, (size_t)G, (size_t)NP};
      if ((rc = pf_vstore_rw(m->vs, PF_VS_PREDICTED, 0, st, cp, pred))) break;
    }
    for (int g = 0; g < G; g++)
      for (int e = 0; e < 2; e++)
        act[g * 2 + e] =
            ust[0] == ST_DONE && ust[g + 1] == ST_DONE ? met[(g + 1) * 2 + e] - met[e] : NAN;
    {
      const size_t st[3] = {I, 0, 0}, cn[3] = {1, (size_t)G, 2};
      if ((rc = pf_vstore_rw(m->vs, PF_VS_ACTUAL, 1, st, cn, act))) break;
    }
    for (int p = 0; p < NP && !rc; p++)
      for (int e = 0; e < 2 && !rc; e++)
        rc = pf_validate_correlate((size_t)G, pred + p, (size_t)NP, act + e, 2,
                                   m->cfg[i].validate.bootstrap, m->spec[i].seed,
                                   (uint64_t)(p * 2 + e), cor + (p * 2 + e) * 7);
    if (rc) break;
    {
      const size_t st[4] = {I, 0, 0, 0}, cn[4] = {1, (size_t)NP, 2, 7};
      if ((rc = pf_vstore_rw(m->vs, PF_VS_CORRELATION, 1, st, cn, cor))) break;
    }
    if (out) {
      fprintf(out,
              "\n## %s: %d groups of %d points after cycle %d; effect on the test loss "
              "(and the L2 error) of adding a group; %d bootstrap resamples\n",
              m->labels[i], G, m->S, m->spec[i].cycles, m->cfg[i].validate.bootstrap);
      fprintf(out, "%-22s %8s %18s %8s %18s %8s %8s\n", "predictor", "spearman", "95% interval",
              "pearson", "95% interval", "sp(L2)", "groups");
      for (int p = 0; p < NP; p++) {
        char name[48];
        pf_validate_predictor_name(p, m->spec[i].influence.rank, name, sizeof name);
        const double *c0 = cor + p * 2 * 7, *c1 = c0 + 7;
        fprintf(out, "%-22s %8.3f [%7.3f, %7.3f] %8.3f [%7.3f, %7.3f] %8.3f %8.0f\n", name,
                c0[PF_VC_SPEARMAN], c0[PF_VC_SPEARMAN_LO], c0[PF_VC_SPEARMAN_HI], c0[PF_VC_PEARSON],
                c0[PF_VC_PEARSON_LO], c0[PF_VC_PEARSON_HI], c1[PF_VC_SPEARMAN], c0[PF_VC_GROUPS]);
      }
      fflush(out);
    }
  }
done:
  PF_FREE(&met), PF_FREE(&act), PF_FREE(&pred), PF_FREE(&cor), PF_FREE(&ust);
  return rc;
}

/* ------------------------------------------------------------------ the command */
static int open_file(const pf_ctx *ctx, const pf_sweep *sweep, const pf_validate_run_options *opt,
                     vmem *m) {
  char *sc = NULL;
  PF_CALL(pf_sweep_canonical(sweep, &sc));
  char vtext[1024];
  int rc = pf_validate_canonical(&m->cfg[0], vtext, sizeof vtext);
  char *canonical = NULL;
  if (!rc) {
    canonical = malloc(strlen(sc) + strlen(vtext) + 1);
    if (!canonical)
      rc = PF_ERR_MEM;
    else
      strcat(strcpy(canonical, sc), vtext);
  }
  free(sc);
  PF_CALL(rc);
  pf_vstore_dims dims = {m->T, m->G, m->S, m->D, PF_VP_COUNT, 0, 0};
  for (int i = 0; i < m->T; i++) {
    if (m->P[i] > dims.max_params) dims.max_params = m->P[i];
    if (m->ntrain[i] > dims.max_train) dims.max_train = m->ntrain[i];
  }
  if (opt->resume) {
    pf_vstore_dims got = {0};
    char *stored = NULL;
    rc = pf_vstore_open(ctx->comm, opt->out_path, &got, &stored, &m->vs);
    const int same_dims = got.ntasks == dims.ntasks && got.ngroups == dims.ngroups &&
                          got.group_size == dims.group_size && got.dim == dims.dim &&
                          got.npred == dims.npred && got.max_params == dims.max_params &&
                          got.max_train == dims.max_train;
    if (!rc && (strcmp(stored, canonical) || !same_dims)) {
      if (ctx->rank == 0)
        pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                 "%s was written by a different configuration than the one given; refusing to "
                 "resume (compare the file's `canonical` attribute with the configuration, or "
                 "run without --resume into a new file)",
                 opt->out_path);
      rc = PF_ERR_CONFIG;
    }
    free(stored);
  } else {
    char names[PF_VP_COUNT * 32] = "";
    for (int p = 0; p < PF_VP_COUNT; p++) {
      char nm[48];
      pf_validate_predictor_name(p, m->spec[0].influence.rank, nm, sizeof nm);
      if (p) strcat(names, ",");
      strcat(names, nm);
    }
    rc = pf_vstore_create(ctx->comm, opt->out_path, &dims, opt->sweep_config, canonical, names,
                          opt->command_line, &m->vs);
  }
  free(canonical);
  return rc;
}

static int run_in(const pf_ctx *ctx, const pf_sweep *sweep, const pf_validate_run_options *opt,
                  vmem *m, int *nfailed, int *interrupted) {
  char err[PF_CONFIG_ERR_MAX] = "";
  int rc = agree(ctx->comm, resolve(sweep, m, err, sizeof err));
  if (rc) {
    if (ctx->rank == 0 && err[0]) pf_error(rc, __FILE__, __LINE__, __func__, "%s", err);
    return rc;
  }
  /* every rank the same rank checks: the exact predictors above the limit become NaN; say so */
  PF_CALL(agree(ctx->comm, open_file(ctx, sweep, opt, m)));
  const int T = m->T, G = m->G;
  int *list = NULL;
  PF_CALL(PF_CALLOC((size_t)T * (size_t)(G + 1) * 2 + 2, &list));
  /* 1. state units of the tasks not stored yet */
  int n = 0;
  for (int i = 0; i < T && !rc; i++) {
    int32_t ts = 0;
    const size_t st[1] = {(size_t)i}, cn[1] = {1};
    rc = pf_vstore_rw(m->vs, PF_VS_TASK_STATUS, 0, st, cn, &ts);
    if (ts == ST_PENDING) list[n++] = i;
  }
  rc = agree(ctx->comm, rc);
  pf_log(ctx, PF_LOG_INFO, 0,
         "validate: %d task%s (%d state%s to compute%s), %d groups of %d points, %d rank%s, "
         "into %s",
         T, T == 1 ? "" : "s", n, n == 1 ? "" : "s", opt->resume ? ", resumed" : "", G, m->S,
         ctx->size, ctx->size == 1 ? "" : "s", opt->out_path);
  int my_int = 0;
  if (!rc) rc = farm(ctx, m, n, list, do_state, &my_int);
  rc = agree(ctx->comm, rc);
  int stop = agree(ctx->comm, my_int || pf_run_stop_requested());
  if (!rc) rc = agree(ctx->comm, pf_vstore_flush(m->vs)); /* the states, for every rank */
  /* 2. retraining units of the stored states */
  if (!rc && !stop) {
    n = 0;
    int32_t *ust = NULL;
    rc = PF_CALLOC((size_t)G + 1, &ust);
    for (int i = 0; i < T && !rc; i++) {
      int32_t ts = 0;
      const size_t st[1] = {(size_t)i}, cn[1] = {1};
      rc = pf_vstore_rw(m->vs, PF_VS_TASK_STATUS, 0, st, cn, &ts);
      if (rc || ts != ST_DONE) continue;
      const size_t s2[2] = {(size_t)i, 0}, c2[2] = {1, (size_t)G + 1};
      rc = pf_vstore_rw(m->vs, PF_VS_UNIT_STATUS, 0, s2, c2, ust);
      for (int u = 0; u <= G && !rc; u++)
        if (ust[u] == ST_PENDING) list[2 * n] = i, list[2 * n + 1] = u, n++;
    }
    PF_FREE(&ust);
    rc = agree(ctx->comm, rc);
    pf_log(ctx, PF_LOG_INFO, 0, "validate: %d retraining unit%s to run", n, n == 1 ? "" : "s");
    if (!rc) rc = farm(ctx, m, n, list, do_retrain, &my_int);
    rc = agree(ctx->comm, rc);
    stop = agree(ctx->comm, my_int || pf_run_stop_requested());
    if (!rc) rc = agree(ctx->comm, pf_vstore_flush(m->vs)); /* the units, for rank 0 */
  }
  PF_FREE(&list);
  /* 3. effects and correlations (rank 0; the others wait at the close) */
  if (!rc && !stop && ctx->rank == 0) rc = summarise(m, stdout);
  rc = agree(ctx->comm, rc);
  /* failures and what is left */
  int counts[2] = {0, 0};
  if (!rc && ctx->rank == 0) {
    int32_t *ust = calloc((size_t)G + 1, sizeof *ust);
    for (int i = 0; i < T && ust; i++) {
      int32_t ts = 0;
      const size_t st[1] = {(size_t)i}, cn[1] = {1};
      if (pf_vstore_rw(m->vs, PF_VS_TASK_STATUS, 0, st, cn, &ts)) continue;
      counts[0] += ts == ST_FAILED;
      counts[1] += ts == ST_PENDING;
      if (ts != ST_DONE) continue;
      const size_t s2[2] = {(size_t)i, 0}, c2[2] = {1, (size_t)G + 1};
      if (pf_vstore_rw(m->vs, PF_VS_UNIT_STATUS, 0, s2, c2, ust)) continue;
      for (int u = 0; u <= G; u++) counts[0] += ust[u] == ST_FAILED, counts[1] += ust[u] == 0;
    }
    free(ust);
  }
  PF_CALL_MPI(MPI_Bcast(counts, 2, MPI_INT, 0, ctx->comm));
  *nfailed = counts[0];
  *interrupted = stop && counts[1] > 0;
  return rc;
}

int pf_validate_run(const pf_ctx *ctx, const struct pf_sweep *sweep,
                    const pf_validate_run_options *opt, int *nfailed, int *interrupted) {
  *nfailed = *interrupted = 0;
  vmem m = {0};
  m.ctask = -1;
  m.T = pf_sweep_ntasks(sweep);
  const size_t T = (size_t)m.T;
  int rc = PF_CALLOC(T, &m.cfg);
  if (!rc) rc = PF_CALLOC(T, &m.spec);
  if (!rc) rc = PF_CALLOC(T, &m.labels);
  if (!rc) rc = PF_CALLOC(T, &m.P);
  if (!rc) rc = PF_CALLOC(T, &m.ntrain);
  rc = agree(ctx->comm, rc);
  if (!rc) rc = agree(ctx->comm, pf_fault_create(ctx, &m.fault));
  if (!rc) rc = run_in(ctx, sweep, opt, &m, nfailed, interrupted);
  int crc = vmem_free(&m);
  if (!rc) rc = agree(ctx->comm, crc);
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  if (*interrupted)
    pf_log(ctx, PF_LOG_WARN, 0,
           "interrupted by a signal: finished units are stored; complete the validation with: "
           "pinnfluence validate ... --resume -o %s",
           opt->out_path);
  else
    pf_log(ctx, PF_LOG_INFO, 0, "validation finished (%d failed); results in %s", *nfailed,
           opt->out_path);
  return PF_OK;
}
