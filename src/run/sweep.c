/* A sweep over MPI: every task's configuration is resolved and checked first (nothing is written
 * if one is bad); the store is created (or, with resume, reopened and checked against the
 * configuration); the world's ranks split into groups of run.ranks_per_task; the group leaders
 * take tasks from a shared counter (MPI_Fetch_and_op on a window at world rank 0), longest
 * estimated task first, so no rank idles as a pure manager; each leader trains its task while the
 * other ranks of its group wait for scoring rounds. A task's numerical failure is recorded, not
 * fatal; a signal (pf_run_stop_requested) stops every rank at a safe point, the interrupted tasks
 * are marked interrupted (never left running), and the file is left resumable. */
#include "pinnfluence/group.h"
#include "pinnfluence/sweep.h"
#include "pinnfluence/terms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Commands from a group leader to the other ranks of its group: serve the scoring rounds of task
 * i (CMD_TASK, i), or leave the sweep (CMD_QUIT). */
enum { CMD_TASK = 1, CMD_QUIT = 2 };

typedef struct {
  pf_store *st;
  int task;
  MPI_Comm group;
  const pf_task_spec *spec;
  size_t z_points;
  pf_group_scorer *gs; /* group-parallel scoring (groups of more than one rank) */
} hook_ctx;

/* A resampling round scored by the whole group. */
static int group_hook(void *user, int cycle, const double *theta, double *X, double *scores) {
  hook_ctx *h = user;
  return pf_group_score(h->gs, cycle, theta, X, scores, NULL);
}

static int on_cycle(void *user, int c, const double row[PF_MET_NCOLS], size_t n, const double *X) {
  hook_ctx *h = user;
  PF_CALL(pf_store_write_metrics(h->st, h->task, c, row));
  if (n) PF_CALL(pf_store_write_drawn(h->st, h->task, c, n, X));
  return PF_OK;
}

/* The coefficient values after cycle c of a task that trains some: a row of /coefficients,
 * written by the rank that runs the task, like its /metrics row. */
static int on_coef_done(void *user, int c, int ncoef, const double *coef) {
  hook_ctx *h = user;
  return pf_store_write_coef(h->st, h->task, c, ncoef, coef);
}

/* A checkpoint into the store's two slots (pf_store_write_checkpoint), for a resume; with the
 * coefficient values when the task trains some (s->coef, NULL otherwise). */
static int on_checkpoint(void *user, const pf_task_start *s) {
  hook_ctx *h = user;
  pf_store_checkpoint ck = {
      .cycles_done = s->cycles_done, .ntrain = s->ntrain, .iterations = s->iterations};
  return pf_store_write_checkpoint(h->st, h->task, &ck, s->theta, s->X, s->coef);
}

/* The task's last checkpoint, if it has one: *start points at it (with the metrics row of its
 * cycle), theta and X hold its parameters and training set (freed by the caller), coef its
 * coefficient values (start->coef, NULL when the task trains none). */
static int read_checkpoint(pf_store *st, int i, const pf_store_task *desc, pf_task_start *start,
                           double **theta, double **X, double coef[PF_STORE_MAX_COEF], int *found) {
  *found = 0;
  pf_store_checkpoint ck;
  double *rows = NULL; /* (cycles, PF_STORE_METRIC_COLUMNS) */
  int rc = PF_CALLOC(desc->nparams, theta);
  if (!rc) rc = PF_CALLOC((desc->final_points ? desc->final_points : 1) * (size_t)desc->dim, X);
  if (!rc) rc = pf_store_read_checkpoint(st, i, &ck, *theta, *X, coef);
  if (!rc && ck.found) rc = PF_CALLOC((size_t)desc->cycles * PF_STORE_METRIC_COLUMNS, &rows);
  if (!rc && ck.found) rc = pf_store_read_metrics(st, i, rows);
  if (!rc && ck.found) {
    memset(start, 0, sizeof *start);
    start->cycles_done = ck.cycles_done;
    start->ntrain = ck.ntrain;
    start->iterations = ck.iterations;
    /* the wall time so far (timing only): the cycles' scoring and training seconds */
    for (int c = 0; c < ck.cycles_done; c++)
      start->seconds += rows[(size_t)c * PF_STORE_METRIC_COLUMNS + PF_MET_SECONDS_SCORE] +
                        rows[(size_t)c * PF_STORE_METRIC_COLUMNS + PF_MET_SECONDS_TRAIN];
    start->theta = *theta;
    start->X = *X;
    memcpy(start->last, rows + (size_t)(ck.cycles_done - 1) * PF_STORE_METRIC_COLUMNS,
           sizeof start->last);
    start->coef = ck.has_coef ? coef : NULL;
    *found = 1;
  }
  PF_FREE(&rows);
  return rc;
}

/* The last pool, its scores and (for grad_dot and pinnfluence) the influence set Z, regenerated
 * from its stream, so anyone can recompute a score from the file. */
static int on_pool(void *user, int cycle, const double *theta, const double *X,
                   const double *scores) {
  hook_ctx *h = user;
  double *Z = NULL; /* (z_points, d) */
  if (h->z_points) {
    PF_CALL(PF_CALLOC(h->z_points * (size_t)pf_pde_dim(h->spec->pde), &Z));
    pf_influence_zset(h->spec->pde, h->spec->seed, cycle, 0, h->z_points, Z);
  }
  int rc = pf_store_write_pool(h->st, h->task, theta, X, scores, Z);
  PF_FREE(&Z);
  return rc;
}

/* Relative cost of a task (for longest-first ordering): parameter-point products over the whole
 * schedule, plus the scoring rounds of the influence methods. */
static double estimated_cost(const pf_task_spec *s, const pf_store_task *d) {
  double npts = (double)s->initial_points;
  if (s->method->resamples)
    npts = s->replace ? (double)s->per_cycle
                      : (double)s->initial_points + 0.5 * s->cycles * (double)s->per_cycle;
  const double P = (double)d->nparams;
  double cost =
      (double)s->cycles * (double)(s->adam_iters + 1.3 * (double)s->lbfgs_iters) * npts * P;
  if (!strcmp(s->method->name, "pinnfluence"))
    cost += (double)s->cycles * P *
            ((double)s->influence.arnoldi_iters * 3.0 * (double)s->influence.test_points +
             (double)s->pool + (double)s->influence.test_points);
  else if (!strcmp(s->method->name, "grad_dot"))
    cost += (double)s->cycles * P * ((double)s->pool * (double)s->influence.test_points / 50.0);
  else if (s->method->resamples)
    cost += (double)s->cycles * P * (double)s->pool;
  return cost;
}

typedef struct {
  double cost;
  int task;
} order_t;

static int by_cost_desc(const void *a, const void *b) {
  const order_t *p = a, *q = b;
  if (p->cost > q->cost) return -1;
  if (p->cost < q->cost) return 1;
  return (p->task > q->task) - (p->task < q->task);
}

/* Collective: the same error code on every rank (the largest). */
static int agree(MPI_Comm comm, int rc) {
  int any = 0;
  PF_CALL_MPI(MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, comm));
  return any;
}

static int send_cmd(MPI_Comm group, int cmd, int arg) {
  int c[2] = {cmd, arg};
  PF_CALL_MPI(MPI_Bcast(c, 2, MPI_INT, 0, group));
  return PF_OK;
}

/* Errors of a task that are recorded as its failure (the sweep goes on): numerical breakdown,
 * LAPACK failures, and memory the machine could not give. Anything else (I/O, MPI, a bug) stops
 * the sweep. */
static int recordable(int rc) {
  return rc == PF_ERR_NUMERIC || rc == PF_ERR_LAPACK || rc == PF_ERR_MEM;
}

/* Run one task as the group leader and record it; in a group of G > 1 ranks the others score
 * the resampling rounds with it. */
static int lead_task(const pf_ctx *ctx, pf_store *st, MPI_Comm group, int G, int i,
                     const pf_task_spec *spec, const pf_store_task *desc, int *failed,
                     int *interrupted, double *l2) {
  /* a task interrupted (or killed) after a checkpoint goes on from there */
  pf_task_start start;
  double *ck_theta = NULL, *ck_X = NULL, ck_coef[PF_STORE_MAX_COEF];
  int found = 0;
  int crc = read_checkpoint(st, i, desc, &start, &ck_theta, &ck_X, ck_coef, &found);
  if (!crc) crc = pf_store_write_blas_core(st, i, pf_blas_core());
  if (!crc) crc = pf_store_set_status(st, i, PF_TASK_RUNNING, "", 0.0);
  if (crc) {
    PF_FREE(&ck_theta);
    PF_FREE(&ck_X);
    return pf_trace(crc, __FILE__, __LINE__, __func__);
  }
  hook_ctx hc = {st, i, group, spec, desc->z_points, NULL};
  pf_task_hooks hooks = {.user = &hc,
                         .cycle_done = on_cycle,
                         .score = NULL,
                         .pool_done = on_pool,
                         .checkpoint = on_checkpoint,
                         .start = found ? &start : NULL,
                         .coef_done = on_coef_done};
  if (G > 1 && spec->method->resamples) {
    PF_CALL(send_cmd(group, CMD_TASK, i));
    PF_CALL(pf_group_scorer_create(group, spec, &hc.gs)); /* fails on every rank alike */
    hooks.score = group_hook;
  }
  pf_task_result r;
  memset(&r, 0, sizeof r);
  pf_error_clear();
  /* the composite loss's fixed target sets (soft conditions, data) for pinnfluence's Hessian on
   * the group (only rank 0 uses them; the serving ranks need nothing) */
  int rc = PF_OK;
  if (hc.gs) {
    pf_target_list tl = {0};
    rc = pf_task_targets(spec, &tl);
    if (!rc && tl.nsets) rc = pf_group_scorer_set_terms(hc.gs, tl.nsets, tl.set);
    pf_target_list_free(&tl);
  }
  if (!rc) rc = pf_task_run(ctx, spec, &hooks, &r);
  PF_FREE(&ck_theta);
  PF_FREE(&ck_X);
  /* always: the serving ranks wait for it */
  int drc = hc.gs ? pf_group_scorer_destroy(&hc.gs) : PF_OK;
  if (!rc) rc = drc;
  if (recordable(rc)) {
    /* the specific message ("Krylov basis is empty"), not only the error class */
    r.failed = 1;
    snprintf(r.reason, sizeof r.reason, "%s: %s", pf_error_string(rc),
             pf_error_last()[0] ? pf_error_last() : "see the log");
    rc = PF_OK;
  }
  if (!rc && r.interrupted) {
    char why[PF_STORE_REASON_LEN];
    snprintf(why, sizeof why, "interrupted by %s in cycle %d of %d; run --resume to go on",
             pf_run_stop_signal_name(), r.cycles_done + 1, spec->cycles);
    rc = pf_store_set_status(st, i, PF_TASK_INTERRUPTED, why, 0.0);
  } else if (!rc) {
    if (r.theta) rc = pf_store_write_params(st, i, r.theta);
    if (!rc && !r.failed) rc = pf_store_write_final_points(st, i, r.ntrain, r.X);
    if (!rc)
      rc =
          pf_store_set_status(st, i, r.failed ? PF_TASK_FAILED : PF_TASK_DONE, r.reason, r.seconds);
  }
  *failed = !rc && r.failed && !r.interrupted;
  *interrupted = r.interrupted;
  *l2 = r.cycles_done ? r.last[PF_MET_L2] : NAN;
  if (*failed) pf_log(ctx, PF_LOG_WARN, 1, "%s: failed: %s", spec->label, r.reason);
  pf_task_result_free(&r);
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  return PF_OK;
}

/* The other ranks of a group: serve the scoring rounds of the leader's tasks until it quits. A
 * scorer that cannot be created fails on every rank alike (the leader records the error). */
static int follow(MPI_Comm group, const pf_task_spec *spec) {
  for (;;) {
    int cmd[2];
    PF_CALL_MPI(MPI_Bcast(cmd, 2, MPI_INT, 0, group));
    if (cmd[0] == CMD_QUIT) return PF_OK;
    pf_group_scorer *gs = NULL;
    if (pf_group_scorer_create(group, &spec[cmd[1]], &gs) == PF_OK) {
      int rc = pf_group_serve(gs);
      PF_CALL(pf_group_scorer_destroy(&gs));
      PF_CALL(rc);
    }
  }
}

/* The store's description of the problem's coefficients (names, trained ones, given values) from
 * the task's spec; names: storage for the names (desc->coef_names points into it). */
static int describe_coef(const pf_task_spec *spec, pf_store_task *desc,
                         char names[PF_STORE_NAMES_LEN + 1]) {
  const pf_pde *p = spec->pde;
  PF_CHECK(p->ncoef >= 0 && p->ncoef <= PF_STORE_MAX_COEF, PF_ERR_INTERNAL,
           "problem %s has %d coefficients, the store holds at most %d", p->name, p->ncoef,
           PF_STORE_MAX_COEF);
  PF_CHECK(spec->ntrained >= 0 && spec->ntrained <= p->ncoef, PF_ERR_INTERNAL,
           "%s: %d trained coefficients of %d", spec->label ? spec->label : p->name, spec->ntrained,
           p->ncoef);
  const double *given = pf_pde_coefficients(p);
  size_t n = 0;
  names[0] = '\0';
  desc->ncoef = p->ncoef;
  for (int j = 0; j < p->ncoef; j++) {
    n += (size_t)snprintf(names + n, PF_STORE_NAMES_LEN + 1 - n, "%s%s", j ? "," : "",
                          p->coef[j].name);
    PF_CHECK(n <= PF_STORE_NAMES_LEN, PF_ERR_CONFIG,
             "problem %s: the names of its coefficients take more than %d characters", p->name,
             PF_STORE_NAMES_LEN);
    desc->coef_true[j] = given[j];
    desc->trainable[j] = 0;
  }
  for (int k = 0; k < spec->ntrained; k++) {
    const int j = spec->trained[k];
    PF_CHECK(j >= 0 && j < p->ncoef, PF_ERR_INTERNAL, "trained coefficient index %d of %d", j,
             p->ncoef);
    desc->trainable[j] = 1;
  }
  desc->coef_names = names;
  return PF_OK;
}

/* Resolve every task: specs, store descriptions, labels, fault injection. */
static int resolve(const pf_sweep *sweep, pf_fault *fault, pf_task_spec *spec, pf_task_layout *lay,
                   pf_store_task *desc, char (*labels)[160],
                   char (*coef_names)[PF_STORE_NAMES_LEN + 1]) {
  const int T = pf_sweep_ntasks(sweep);
  for (int i = 0; i < T; i++) {
    pf_config cfg;
    PF_CALL(pf_sweep_task(sweep, i, &cfg));
    PF_CALL(pf_task_spec_from_config(&cfg, &spec[i]));
    PF_CALL(pf_store_task_from_config(&cfg, &spec[i], &lay[i]));
    desc[i] = lay[i].desc;
    PF_CALL(describe_coef(&spec[i], &desc[i], coef_names[i]));
    char lab[128];
    PF_CALL(pf_sweep_task_label(sweep, i, lab, sizeof lab));
    snprintf(labels[i], sizeof labels[i], "task %d/%d%s%s", i + 1, T, lab[0] ? " " : "", lab);
    spec[i].label = labels[i];
    if (pf_fault_nan_task(fault, i)) spec[i].fault_nan_cycle = 1;
    if (pf_fault_signal_task(fault, i)) spec[i].fault = fault;
  }
  return PF_OK;
}

/* Rank 0 of a resume: every task that ran (done, failed, interrupted, or running when its run was
 * killed) ran with the OpenBLAS kernel this run uses; kernels order their floating-point operations
 * differently, so a task finished or continued with another one would not give the same bits. */
static int check_kernels(pf_store *st, const char *path, int T) {
  const char *core = pf_blas_core();
  for (int i = 0; i < T; i++) {
    char was[PF_STORE_NAME_LEN + 1];
    PF_CALL(pf_store_read_blas_core(st, i, was));
    if (was[0] && strcasecmp(was, core))
      return pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                      "%s: task %d ran with the OpenBLAS kernel set %s, this run's is %s; a "
                      "resume on other kernels would not give the same bits, so it is refused. "
                      "Pin the file's kernel: --set run.blas_core=%s (or run = { blas_core = "
                      "\"%s\"; }; in the configuration; OPENBLAS_CORETYPE=%s does the same)",
                      path, i, was, core, was, was, was);
  }
  return PF_OK;
}

/* Collective: the kernel run.blas_core pins is the one OpenBLAS runs, and every rank runs the same
 * kernel set (nodes of different types with "native" would mix kernels in one sweep). */
static int check_rank_kernels(const pf_ctx *ctx, const char *pinned) {
  const char *core = pf_blas_core();
  int rc = PF_OK;
  if (strcmp(pinned, "native") && strcasecmp(core, pinned))
    rc = pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                  "run.blas_core = \"%s\": OpenBLAS runs its %s kernels on rank %d instead (the "
                  "CPU cannot run %s kernels, or this OpenBLAS does not have them); pin a kernel "
                  "set every node runs, e.g. Haswell on x86-64 nodes with AVX2",
                  pinned, core, ctx->rank, pinned);
  rc = agree(ctx->comm, rc);
  if (rc) return rc;
  char mine[2][64] = {{0}}, *all = NULL; /* (size, 2, 64): kernel, host */
  snprintf(mine[0], sizeof mine[0], "%s", core);
  if (gethostname(mine[1], sizeof mine[1] - 1)) snprintf(mine[1], sizeof mine[1], "?");
  rc = agree(ctx->comm, PF_CALLOC((size_t)ctx->size * 128, &all));
  if (rc) {
    PF_FREE(&all);
    return rc;
  }
  PF_CALL_MPI(MPI_Allgather(mine, 128, MPI_CHAR, all, 128, MPI_CHAR, ctx->comm));
  for (int r = 1; r < ctx->size && !rc; r++)
    if (strcasecmp(all + (size_t)r * 128, all)) rc = PF_ERR_CONFIG;
  if (rc && ctx->rank == 0) {
    int r = 1;
    while (!strcasecmp(all + (size_t)r * 128, all)) r++;
    pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
             "the ranks run different OpenBLAS kernel sets (rank 0 on %s: %s; rank %d on %s: %s), "
             "so the tasks' bits would depend on the node that ran them; pin one kernel set for "
             "all: --set run.blas_core=%s (or Haswell, which every x86-64 node with AVX2 runs)",
             all + 64, all, r, all + (size_t)r * 128 + 64, all + (size_t)r * 128, all);
  }
  PF_FREE(&all);
  return rc;
}

/* Create the store, or reopen it for a resume after checking that it holds this sweep. */
static int open_store(const pf_ctx *ctx, const pf_sweep *sweep, const pf_sweep_run_options *opt,
                      int T, const pf_store_task *desc, pf_store **st) {
  char *canonical = NULL;
  PF_CALL(pf_sweep_canonical(sweep, &canonical));
  uint64_t sweep_hash;
  char hex[PF_CONFIG_HASH_HEX];
  int rc = pf_sweep_hash(sweep, &sweep_hash, hex);
  if (!rc && opt->resume) {
    rc = pf_store_open(ctx->comm, opt->out_path, 1, st);
    char *stored = NULL;
    if (!rc) rc = pf_store_read_sweep_canonical(*st, &stored);
    if (!rc && (pf_store_ntasks(*st) != T || strcmp(stored, canonical))) {
      if (ctx->rank == 0)
        pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                 "%s was written by a different configuration than the one given; refusing to "
                 "resume (compare `h5dump -d /sweep/canonical %s` with the configuration, or "
                 "run without --resume into a new file)",
                 opt->out_path, opt->out_path);
      rc = PF_ERR_CONFIG;
      pf_store_close(st);
    }
    /* the stored task layout must be the one computed here: writes use these sizes */
    if (!rc && (rc = pf_store_check_tasks(*st, T, desc))) pf_store_close(st);
    if (!rc) {
      int krc = ctx->rank == 0 ? check_kernels(*st, opt->out_path, T) : PF_OK;
      if ((rc = agree(ctx->comm, krc))) pf_store_close(st);
    }
    free(stored);
  } else if (!rc) {
    rc = pf_store_create(ctx->comm, opt->out_path, opt->overwrite, opt->sweep_config, canonical,
                         sweep_hash, T, desc, opt->command_line, st);
  }
  free(canonical);
  return rc;
}

/* What a sweep holds, with one destroy path. */
typedef struct {
  pf_task_spec *spec;                         /* (T) */
  pf_task_layout *lay;                        /* (T) */
  pf_store_task *desc;                        /* (T) */
  char (*labels)[160];                        /* (T) */
  char (*coef_names)[PF_STORE_NAMES_LEN + 1]; /* (T) the problems' coefficient names */
  order_t *order;                             /* (T) the tasks still to do, longest first */
  pf_fault *fault;                            /* fault injection (tests), NULL normally */
  pf_store *st;
  int noop;       /* bench --farm */
  int dispatched; /* tasks this rank took (noop) */
} sweep_mem;

/* Collective (the store's close). */
static int sweep_free(sweep_mem *m) {
  int rc = pf_store_close(&m->st);
  pf_fault_destroy(&m->fault);
  PF_FREE(&m->spec);
  PF_FREE(&m->lay);
  PF_FREE(&m->desc);
  PF_FREE(&m->labels);
  PF_FREE(&m->coef_names);
  PF_FREE(&m->order);
  return rc;
}

/* Every rank: the tasks still to do (not done or failed), longest first, into m->order. */
static int todo_list(const pf_sweep_run_options *opt, int T, sweep_mem *m, int *ntodo, int *already,
                     double *total_cost) {
  *ntodo = *already = 0;
  for (int i = 0; i < T; i++) {
    pf_task_status s = PF_TASK_PENDING;
    if (opt->shard_count > 1 && i % opt->shard_count != opt->shard_index) continue;
    if (opt->resume) PF_CALL(pf_store_read_status(m->st, i, &s, NULL, 0));
    if (s == PF_TASK_DONE || s == PF_TASK_FAILED) {
      (*already)++;
      continue;
    }
    m->order[*ntodo].task = i;
    m->order[*ntodo].cost = estimated_cost(&m->spec[i], &m->desc[i]);
    (*ntodo)++;
  }
  qsort(m->order, (size_t)*ntodo, sizeof *m->order, by_cost_desc);
  *total_cost = 0;
  for (int k = 0; k < *ntodo; k++) *total_cost += m->order[k].cost;
  return PF_OK;
}

/* Collective on ctx->comm: the farm. The world splits into groups of G; group leaders take tasks
 * from the shared counters, the other ranks serve their leader's scoring rounds. *interrupted:
 * this rank's leader stopped a task for a signal. */
static int farm(const pf_ctx *ctx, int T, int G, sweep_mem *m, int ntodo, int already,
                double total_cost, int *interrupted) {
  /* groups and the shared counters: [0] next position in order, [1] finished, [2] failed,
   * [3] finished cost (in units of total_cost / 2^40) */
  MPI_Comm group;
  PF_CALL_MPI(MPI_Comm_split(ctx->comm, ctx->rank / G, ctx->rank, &group));
  int grank;
  PF_CALL_MPI(MPI_Comm_rank(group, &grank));
  int64_t *cnt = NULL;
  MPI_Win win;
  PF_CALL_MPI(MPI_Win_allocate(ctx->rank == 0 ? 4 * (MPI_Aint)sizeof(int64_t) : 0, sizeof(int64_t),
                               MPI_INFO_NULL, ctx->comm, &cnt, &win));
  if (ctx->rank == 0) {
    PF_CALL_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
    for (int k = 0; k < 4; k++) cnt[k] = 0;
    PF_CALL_MPI(MPI_Win_unlock(0, win));
  }
  PF_CALL_MPI(MPI_Barrier(ctx->comm));

  const double t0 = pf_wtime();
  int rc = PF_OK;
  *interrupted = 0;
  if (grank != 0) {
    rc = follow(group, m->spec);
  } else {
    while (!rc && !pf_run_stop_requested()) {
      const int64_t one = 1;
      int64_t k = 0;
      PF_CALL_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
      PF_CALL_MPI(MPI_Fetch_and_op(&one, &k, MPI_INT64_T, 0, 0, MPI_SUM, win));
      PF_CALL_MPI(MPI_Win_unlock(0, win));
      if (k >= ntodo) break;
      const int i = m->order[k].task;
      int failed = 0, task_interrupted = 0;
      double l2 = NAN;
      if (m->noop) {
        /* bench --farm: the dispatch and the status writes of a task, no work */
        rc = pf_store_set_status(m->st, i, PF_TASK_RUNNING, "", 0.0);
        if (!rc) rc = pf_store_set_status(m->st, i, PF_TASK_DONE, "", 0.0);
        m->dispatched++;
        continue;
      }
      rc = lead_task(ctx, m->st, group, G, i, &m->spec[i], &m->desc[i], &failed, &task_interrupted,
                     &l2);
      if (rc || task_interrupted) {
        *interrupted = task_interrupted;
        break;
      }
      /* global progress: finished and failed counts, finished cost for the ETA */
      int64_t add[2] = {1, failed}, got[2];
      int64_t costu = (int64_t)(m->order[k].cost / total_cost * 1099511627776.0), gotc;
      PF_CALL_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
      PF_CALL_MPI(MPI_Fetch_and_op(&add[0], &got[0], MPI_INT64_T, 0, 1, MPI_SUM, win));
      PF_CALL_MPI(MPI_Fetch_and_op(&add[1], &got[1], MPI_INT64_T, 0, 2, MPI_SUM, win));
      PF_CALL_MPI(MPI_Fetch_and_op(&costu, &gotc, MPI_INT64_T, 0, 3, MPI_SUM, win));
      PF_CALL_MPI(MPI_Win_unlock(0, win));
      const double frac = (double)(gotc + costu) / 1099511627776.0;
      const double el = pf_wtime() - t0, eta = frac > 0 ? el * (1 - frac) / frac : NAN;
      pf_log(
          ctx, PF_LOG_INFO, 1,
          "%s: %s, L2 rel %.3e | sweep: %lld/%d finished, %lld failed, elapsed %.0f s, ETA %.0f s",
          m->spec[i].label, failed ? "FAILED" : "done", l2, (long long)(got[0] + 1 + already), T,
          (long long)(got[1] + failed), el, eta);
    }
    if (G > 1) {
      int qrc = send_cmd(group, CMD_QUIT, 0);
      if (!rc) rc = qrc;
    }
  }
  PF_CALL_MPI(MPI_Win_free(&win));
  PF_CALL_MPI(MPI_Comm_free(&group));
  return rc;
}

int pf_sweep_run(const pf_ctx *ctx, const pf_sweep *sweep, const pf_sweep_run_options *opt,
                 int *nfailed, int *ninterrupted) {
  const int T = pf_sweep_ntasks(sweep);
  sweep_mem m = {0};
  m.noop = opt->noop;
  double tw = pf_wtime();
  int rc = PF_CALLOC(T, &m.spec);
  if (!rc) rc = PF_CALLOC(T, &m.lay);
  if (!rc) rc = PF_CALLOC(T, &m.desc);
  if (!rc) rc = PF_CALLOC(T, &m.labels);
  if (!rc) rc = PF_CALLOC(T, &m.coef_names);
  if (!rc) rc = PF_CALLOC(T, &m.order);
  rc = agree(ctx->comm, rc);
  if (!rc) rc = agree(ctx->comm, pf_fault_create(ctx, &m.fault));
  if (!rc)
    rc = agree(ctx->comm, resolve(sweep, m.fault, m.spec, m.lay, m.desc, m.labels, m.coef_names));
  int G = 1;
  if (!rc) {
    pf_config cfg0;
    rc = pf_sweep_task(sweep, 0, &cfg0);
    G = cfg0.run.ranks_per_task;
    if (!rc) rc = check_rank_kernels(ctx, cfg0.run.blas_core);
    if (!rc && ctx->size % G != 0)
      rc = pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                    "run.ranks_per_task = %d does not divide the %d MPI ranks; start a multiple "
                    "of %d",
                    G, ctx->size, G);
  }
  if (opt->timing) opt->timing->resolve = pf_wtime() - tw, tw = pf_wtime();
  /* open_store agrees on its outcome itself */
  if (!rc) rc = open_store(ctx, sweep, opt, T, m.desc, &m.st);
  if (opt->timing) opt->timing->create = pf_wtime() - tw;
  int ntodo = 0, already = 0;
  double total_cost = 0;
  if (!rc) rc = agree(ctx->comm, todo_list(opt, T, &m, &ntodo, &already, &total_cost));
  if (rc) {
    int frc = sweep_free(&m);
    (void)frc;
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  pf_log(ctx, PF_LOG_INFO, 0,
         "sweep of %d task%s (%d to run%s) on %d rank%s in groups of %d, into %s", T,
         T == 1 ? "" : "s", ntodo, opt->resume ? ", resumed" : "", ctx->size,
         ctx->size == 1 ? "" : "s", G, opt->out_path);

  int my_interrupted = 0;
  tw = pf_wtime();
  rc = farm(ctx, T, G, &m, ntodo, already, total_cost, &my_interrupted);
  if (opt->timing) {
    int brc = MPI_Barrier(ctx->comm);
    (void)brc;
    opt->timing->farm = pf_wtime() - tw;
    opt->timing->dispatched = m.dispatched;
  }

  /* agree on the outcome before the collective close */
  int stop_local = pf_run_stop_requested() || my_interrupted;
  const int any_rc = agree(ctx->comm, rc), any_stop = agree(ctx->comm, stop_local);
  /* failed tasks, counting those recorded before a resume */
  int counts[2] = {0, 0}; /* failed, unfinished */
  if (ctx->rank == 0)
    for (int i = 0; i < T; i++) {
      pf_task_status s;
      if (opt->shard_count > 1 && i % opt->shard_count != opt->shard_index) continue;
      if (pf_store_read_status(m.st, i, &s, NULL, 0)) continue;
      counts[0] += s == PF_TASK_FAILED;
      counts[1] += s == PF_TASK_PENDING || s == PF_TASK_RUNNING || s == PF_TASK_INTERRUPTED;
    }
  int brc = MPI_Bcast(counts, 2, MPI_INT, 0, ctx->comm);
  *nfailed = counts[0];
  /* a signal that came after the last task finished interrupted nothing */
  *ninterrupted = any_stop && counts[1] > 0;
  int frc = sweep_free(&m);
  if (brc != MPI_SUCCESS) return pf_error_mpi(brc, __FILE__, __LINE__, __func__);
  if (any_rc && ctx->rank != 0) return any_rc; /* rank 0 says it once */
  if (any_rc) PF_RAISE(any_rc, "the sweep stopped: a task hit an error that could not be recorded");
  PF_CALL(frc);
  if (*ninterrupted)
    pf_log(
        ctx, PF_LOG_WARN, 0,
        "interrupted by a signal: finished tasks are stored, the rest are interrupted or pending; "
        "complete "
        "the sweep with: pinnfluence run ... --resume -o %s",
        opt->out_path);
  else
    pf_log(ctx, PF_LOG_INFO, 0, "sweep finished: %d task%s, %d failed; results in %s", T,
           T == 1 ? "" : "s", *nfailed, opt->out_path);
  return PF_OK;
}
