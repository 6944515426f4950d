/* `pinnfluence predict`: the stored network of a task evaluated on points from a stream, in
 * chunks so any number of points streams through in bounded memory. */
#include "pinnfluence/config.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/predict.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/store.h"
#include "pinnfluence/sweep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

/* Evaluate and print one chunk of points. */
static int flush_chunk(pf_engine *eng, const pf_pde *pde, const double *theta, size_t n,
                       const double *x, const double *t, double *r, double *u, FILE *out) {
  if (!n) return PF_OK;
  pf_points *pts = NULL;
  PF_CALL(pf_points_create(&pde->ops, n, x, t, &pts));
  int rc = pf_engine_residuals(eng, theta, pts, r, u);
  pf_points_destroy(&pts);
  PF_CALL(rc);
  for (size_t i = 0; i < n; i++) fprintf(out, "%.17g %.17g %.17g %.17g\n", x[i], t[i], u[i], r[i]);
  PF_CHECK(!ferror(out), PF_ERR_IO, "predict: writing the output failed");
  return PF_OK;
}

/* The problem of a task from its canonical configuration text (its coefficients). */
static int problem_of(const char *canonical, const char *path, int task, const pf_pde **pde) {
  char err[PF_CONFIG_ERR_MAX] = "";
  pf_config cfg;
  PF_CHECK(!pf_task_config_from_text(canonical, &cfg, err, sizeof err), PF_ERR_IO,
           "%s: dataset /tasks/config, task %d: not a valid task configuration (%s); the file is "
           "damaged",
           path, task, err);
  PF_CALL(pf_task_problem(&cfg, pde));
  return PF_OK;
}

static int predict_task(pf_store *st, int task, FILE *in, FILE *out, const char *path) {
  pf_store_task d;
  PF_CALL(pf_store_read_task(st, task, &d));
  pf_task_status status;
  char reason[PF_STORE_REASON_LEN];
  PF_CALL(pf_store_read_status(st, task, &status, reason, sizeof reason));
  PF_CHECK(status == PF_TASK_DONE || status == PF_TASK_FAILED, PF_ERR_ARG,
           "%s: task %d has not finished (status %s): no parameters to evaluate", path, task,
           status == PF_TASK_RUNNING ? "running" : "pending");
  PF_CHECK(pf_pde_find(d.pde), PF_ERR_IO,
           "%s: dataset /tasks/pde, task %d: \"%s\" is not a known problem; the file is damaged",
           path, task, d.pde);
  /* the problem with the task's coefficients, from its configuration in the store */
  const pf_pde *pde = NULL;
  PF_CALL(problem_of(d.canonical, path, task, &pde));
  PF_CHECK(pf_score_method_find(d.method) != NULL, PF_ERR_IO,
           "%s: dataset /tasks/method, task %d: \"%s\" is not a known method; the file is damaged",
           path, task, d.method);
  PF_CHECK(!strcmp(d.mode, "add") || !strcmp(d.mode, "replace"), PF_ERR_IO,
           "%s: dataset /tasks/mode, task %d: \"%s\" is not a mode (add, replace); the file is "
           "damaged",
           path, task, d.mode);
  pf_mlp *net = NULL;
  PF_CALL(pf_mlp_create(d.nlayers, d.sizes, &net));
  PF_CHECK(net->nparams == d.nparams, PF_ERR_IO, "%s: task %d: %zu parameters stored for %zu", path,
           task, d.nparams, net->nparams);
  pf_engine *eng = NULL;
  PF_CALL(pf_engine_create(net, &pde->ops, 128, &eng));
  double *theta = NULL, *x = NULL, *t = NULL, *r = NULL, *u = NULL;
  PF_CALL(PF_CALLOC(net->nparams, &theta));
  PF_CALL(PF_CALLOC(CHUNK, &x));
  PF_CALL(PF_CALLOC(CHUNK, &t));
  PF_CALL(PF_CALLOC(CHUNK, &r));
  PF_CALL(PF_CALLOC(PF_NCH * CHUNK, &u));
  PF_CALL(pf_store_read_params(st, task, theta));
  char line[1024];
  size_t n = 0;
  long lineno = 0;
  int rc = PF_OK;
  while (!rc && fgets(line, sizeof line, in)) {
    lineno++;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
    char *e1, *e2;
    errno = 0;
    double xv = strtod(p, &e1), tv = strtod(e1, &e2);
    while (*e2 == ' ' || *e2 == '\t' || *e2 == '\r' || *e2 == '\n') e2++;
    if (errno || e1 == p || e2 == e1 || *e2) {
      rc =
          pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                   "predict: input line %ld: expected two numbers 'x t', got: %.60s", lineno, line);
      break;
    }
    x[n] = xv, t[n] = tv, n++;
    if (n == CHUNK) {
      rc = flush_chunk(eng, pde, theta, n, x, t, r, u, out);
      n = 0;
    }
  }
  if (!rc) rc = flush_chunk(eng, pde, theta, n, x, t, r, u, out);
  PF_FREE(&theta), PF_FREE(&x), PF_FREE(&t), PF_FREE(&r), PF_FREE(&u);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  return rc;
}

int pf_predict(const pf_ctx *ctx, const char *path, int task, FILE *in, FILE *out) {
  pf_store *st = NULL;
  PF_CALL(pf_store_open(ctx->comm, path, 0, &st));
  const int T = pf_store_ntasks(st);
  int rc = PF_OK;
  if (task < 0 && T != 1)
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "%s holds %d tasks: choose one with --task 0..%d", path, T, T - 1);
  else if (task >= T)
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "%s holds %d task%s: --task %d is out of range 0..%d", path, T, T == 1 ? "" : "s",
                  task, T - 1);
  else
    rc = predict_task(st, task < 0 ? 0 : task, in, out, path);
  pf_store_close(&st);
  return rc;
}
