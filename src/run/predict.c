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

/* A task's problem and the buffers of one chunk of points. */
typedef struct {
  const pf_pde *pde;
  int d, m, k, nj;
  pf_engine *eng;
  const double *theta;
  double *X, *r, *u; /* (CHUNK, d), (CHUNK, k), (m, nj, CHUNK) */
} predict_chunk;

/* Evaluate and print one chunk of n points: the inputs, every output, every residual component. */
static int flush_chunk(const predict_chunk *c, size_t n, FILE *out) {
  if (!n) return PF_OK;
  pf_points *pts = NULL;
  PF_CALL(pf_points_create(&c->pde->ops, n, c->X, &pts));
  int rc = pf_engine_residuals(c->eng, c->theta, pts, c->r, c->u);
  pf_points_destroy(&pts);
  PF_CALL(rc);
  for (size_t i = 0; i < n; i++) {
    for (int j = 0; j < c->d; j++)
      fprintf(out, "%s%.17g", j ? " " : "", c->X[i * (size_t)c->d + (size_t)j]);
    for (int o = 0; o < c->m; o++) fprintf(out, " %.17g", c->u[(size_t)o * (size_t)c->nj * n + i]);
    for (int j = 0; j < c->k; j++) fprintf(out, " %.17g", c->r[i * (size_t)c->k + (size_t)j]);
    fputc('\n', out);
  }
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

/* The stored description must be the problem's: its inputs and outputs, the network's ends. */
static int check_problem(const pf_store_task *d, const pf_pde *pde, const char *path, int task) {
  char inputs[PF_STORE_NAMES_LEN + 1], outputs[PF_STORE_NAMES_LEN + 1];
  pf_task_problem_names(pde, PF_NAMES_INPUTS, ',', inputs, sizeof inputs);
  pf_task_problem_names(pde, PF_NAMES_OUTPUTS, ',', outputs, sizeof outputs);
  PF_CHECK(d->dim == pf_pde_dim(pde) && !strcmp(d->inputs, inputs) &&
               !strcmp(d->outputs, outputs) && d->sizes[0] == pf_pde_dim(pde) &&
               d->sizes[d->nlayers] == pf_pde_outputs(pde),
           PF_ERR_IO,
           "%s: task %d: the stored inputs \"%s\" and outputs \"%s\" (network %d-...-%d) are not "
           "those of its problem %s (\"%s\", \"%s\"); the file is damaged",
           path, task, d->inputs, d->outputs, d->sizes[0], d->sizes[d->nlayers], pde->name, inputs,
           outputs);
  return PF_OK;
}

/* "# x t u r": the names of the columns predict writes. */
static int write_header(const pf_pde *pde, FILE *out) {
  char in[PF_STORE_NAMES_LEN + 1], outs[PF_STORE_NAMES_LEN + 1], comps[PF_STORE_NAMES_LEN + 1];
  pf_task_problem_names(pde, PF_NAMES_INPUTS, ' ', in, sizeof in);
  pf_task_problem_names(pde, PF_NAMES_OUTPUTS, ' ', outs, sizeof outs);
  pf_task_problem_names(pde, PF_NAMES_COMPONENTS, ' ', comps, sizeof comps);
  fprintf(out, "# %s %s %s\n", in, outs, comps);
  PF_CHECK(!ferror(out), PF_ERR_IO, "predict: writing the output failed");
  return PF_OK;
}

/* Parse the d numbers of a line into x; 0 on success. */
static int parse_line(const char *p, int d, double *x) {
  for (int j = 0; j < d; j++) {
    char *e = NULL;
    errno = 0;
    x[j] = strtod(p, &e);
    if (errno || e == p || (*e && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n')) return 1;
    p = e;
  }
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
  return *p != '\0';
}

/* Read the points of in, evaluate and print them in chunks. */
static int predict_stream(predict_chunk *c, FILE *in, FILE *out) {
  char inputs[PF_STORE_NAMES_LEN + 1];
  pf_task_problem_names(c->pde, PF_NAMES_INPUTS, ' ', inputs, sizeof inputs);
  PF_CALL(write_header(c->pde, out));
  char line[1024];
  size_t n = 0;
  long lineno = 0;
  int rc = PF_OK;
  while (!rc && fgets(line, sizeof line, in)) {
    lineno++;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
    if (parse_line(p, c->d, c->X + n * (size_t)c->d)) {
      rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                    "predict: input line %ld: expected %d number%s '%s' (the inputs of %s), got: "
                    "%.60s",
                    lineno, c->d, c->d == 1 ? "" : "s", inputs, c->pde->name, line);
      break;
    }
    if (++n == CHUNK) {
      rc = flush_chunk(c, n, out);
      n = 0;
    }
  }
  if (!rc) rc = flush_chunk(c, n, out);
  return rc;
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
  /* the problem with the task's coefficients, from its configuration in the store (which also
   * defines a problem written in the configuration) */
  const pf_pde *pde = NULL;
  PF_CALL(problem_of(d.canonical, path, task, &pde));
  PF_CHECK(pf_pde_find(d.pde), PF_ERR_IO,
           "%s: dataset /tasks/pde, task %d: \"%s\" is not a known problem; the file is damaged",
           path, task, d.pde);
  PF_CHECK(pf_score_method_find(d.method) != NULL, PF_ERR_IO,
           "%s: dataset /tasks/method, task %d: \"%s\" is not a known method; the file is damaged",
           path, task, d.method);
  PF_CHECK(!strcmp(d.mode, "add") || !strcmp(d.mode, "replace"), PF_ERR_IO,
           "%s: dataset /tasks/mode, task %d: \"%s\" is not a mode (add, replace); the file is "
           "damaged",
           path, task, d.mode);
  PF_CALL(check_problem(&d, pde, path, task));
  pf_mlp *net = NULL;
  PF_CALL(pf_mlp_create(d.nlayers, d.sizes, &net));
  predict_chunk c = {.pde = pde,
                     .d = pf_pde_dim(pde),
                     .m = pf_pde_outputs(pde),
                     .k = pde->ops.k,
                     .nj = pf_jet_count(pf_pde_dim(pde))};
  double *theta = NULL;
  int rc = net->nparams == d.nparams ? PF_OK
                                     : pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                                                "%s: task %d: %zu parameters stored for %zu", path,
                                                task, d.nparams, net->nparams);
  if (!rc) rc = pf_engine_create(net, &pde->ops, 128, &c.eng);
  if (!rc) rc = PF_CALLOC(net->nparams, &theta);
  if (!rc) rc = PF_CALLOC(CHUNK * (size_t)c.d, &c.X);
  if (!rc) rc = PF_CALLOC(CHUNK * (size_t)c.k, &c.r);
  if (!rc) rc = PF_CALLOC((size_t)c.m * (size_t)c.nj * CHUNK, &c.u);
  if (!rc) rc = pf_store_read_params(st, task, theta);
  c.theta = theta;
  if (!rc) rc = predict_stream(&c, in, out);
  PF_FREE(&theta), PF_FREE(&c.X), PF_FREE(&c.r), PF_FREE(&c.u);
  pf_engine_destroy(&c.eng);
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
