/* A sweep: every task's configuration is resolved and checked first (nothing is written if one is
 * bad), the store is created with every dataset, then the ranks run their tasks and record them.
 * Task i runs on rank i mod size (the dynamic, longest-first farm of DESIGN.md section 4 replaces
 * this in the distributed-sweeps work). A task's numerical failure is recorded, not fatal. */
#include "pinnfluence/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  pf_store *st;
  int task;
} hook_ctx;

static int on_cycle(void *user, int c, const double row[PF_MET_NCOLS], size_t n, const double *x,
                    const double *t) {
  hook_ctx *h = user;
  PF_CALL(pf_store_write_metrics(h->st, h->task, c, row));
  if (n) PF_CALL(pf_store_write_drawn(h->st, h->task, c, n, x, t));
  return PF_OK;
}

/* Run one task and record it. Numerical failures are recorded as failed tasks. */
static int run_one(const pf_ctx *ctx, pf_store *st, int i, const pf_task_spec *spec, int *failed) {
  PF_CALL(pf_store_set_status(st, i, PF_TASK_RUNNING, "", 0.0));
  hook_ctx hc = {st, i};
  pf_task_hooks hooks = {&hc, on_cycle};
  pf_task_result r;
  int rc = pf_task_run(ctx, spec, &hooks, &r);
  if (rc == PF_ERR_NUMERIC || rc == PF_ERR_LAPACK) {
    r.failed = 1;
    snprintf(r.reason, sizeof r.reason, "%s (see the log)", pf_error_string(rc));
  } else if (rc) {
    pf_task_result_free(&r);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  if (r.theta) PF_CALL(pf_store_write_params(st, i, r.theta));
  if (!r.failed) PF_CALL(pf_store_write_final_points(st, i, r.ntrain, r.x, r.t));
  PF_CALL(
      pf_store_set_status(st, i, r.failed ? PF_TASK_FAILED : PF_TASK_DONE, r.reason, r.seconds));
  *failed = r.failed;
  if (r.failed) pf_log(ctx, PF_LOG_WARN, 1, "%s: failed: %s", spec->label, r.reason);
  pf_task_result_free(&r);
  return PF_OK;
}

int pf_sweep_run(const pf_ctx *ctx, const pf_sweep *sweep, const pf_sweep_run_options *opt,
                 int *nfailed) {
  const int T = pf_sweep_ntasks(sweep);
  pf_task_spec *spec = NULL;
  pf_task_layout *lay = NULL;
  pf_store_task *desc = NULL;
  char(*labels)[160] = NULL;
  PF_CALL(PF_CALLOC(T, &spec));
  PF_CALL(PF_CALLOC(T, &lay));
  PF_CALL(PF_CALLOC(T, &desc));
  PF_CALL(PF_CALLOC(T, &labels));
  for (int i = 0; i < T; i++) {
    pf_config cfg;
    PF_CALL(pf_sweep_task(sweep, i, &cfg));
    PF_CALL(pf_task_spec_from_config(&cfg, &spec[i]));
    PF_CALL(pf_store_task_from_config(&cfg, &spec[i], &lay[i]));
    desc[i] = lay[i].desc;
    char lab[128];
    PF_CALL(pf_sweep_task_label(sweep, i, lab, sizeof lab));
    snprintf(labels[i], sizeof labels[i], "task %d/%d%s%s", i + 1, T, lab[0] ? " " : "", lab);
    spec[i].label = labels[i];
  }
  char *canonical = NULL;
  PF_CALL(pf_sweep_canonical(sweep, &canonical));
  uint64_t sweep_hash;
  char hex[PF_CONFIG_HASH_HEX];
  PF_CALL(pf_sweep_hash(sweep, &sweep_hash, hex));
  pf_store *st = NULL;
  int rc = pf_store_create(ctx->comm, opt->out_path, opt->overwrite, opt->sweep_config, canonical,
                           sweep_hash, T, desc, opt->command_line, &st);
  free(canonical);
  PF_CALL(rc);
  pf_log(ctx, PF_LOG_INFO, 0, "sweep of %d task%s on %d rank%s into %s", T, T == 1 ? "" : "s",
         ctx->size, ctx->size == 1 ? "" : "s", opt->out_path);

  int local_failed = 0, local_done = 0;
  rc = PF_OK;
  for (int i = ctx->rank; i < T && !rc; i += ctx->size) {
    int failed = 0;
    rc = run_one(ctx, st, i, &spec[i], &failed);
    local_failed += failed;
    local_done += !rc;
    if (!rc)
      pf_log(ctx, PF_LOG_INFO, 1, "%s: %s (this rank: %d finished, %d failed)", spec[i].label,
             failed ? "FAILED" : "done", local_done, local_failed);
  }
  /* agree on the outcome before the collective close */
  int any_rc = 0;
  PF_CALL_MPI(MPI_Allreduce(&rc, &any_rc, 1, MPI_INT, MPI_MAX, ctx->comm));
  PF_CALL_MPI(MPI_Allreduce(&local_failed, nfailed, 1, MPI_INT, MPI_SUM, ctx->comm));
  PF_CALL(pf_store_close(&st));
  PF_FREE(&spec);
  PF_FREE(&lay);
  PF_FREE(&desc);
  PF_FREE(&labels);
  if (any_rc) PF_RAISE(any_rc, "the sweep stopped: a task hit an error that could not be recorded");
  pf_log(ctx, PF_LOG_INFO, 0, "sweep finished: %d task%s, %d failed; results in %s", T,
         T == 1 ? "" : "s", *nfailed, opt->out_path);
  return PF_OK;
}
