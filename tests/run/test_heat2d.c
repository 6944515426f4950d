/* heat2d in (x, y, t) end to end (issue 10's acceptance): a short sweep with every score method
 * runs into a results file (none fails); each task stores d = 3, its input, output and component
 * names, a 3-(hidden)-1 network, training and drawn points of three coordinates inside the unit
 * box, and its last pool and Z (for grad_dot and pinnfluence) that are the cycle's streams; for rar
 * the stored pool scores are the |r| of the stored pool at the stored parameters, bit for bit;
 * `predict` on the task's holdout set writes the header "# x y t u r" and reproduces the stored
 * final L2 relative error to 1e-12, and refuses a line of two numbers naming the line and the
 * columns. A store holding a d = 2 task (diffusion) beside heat2d keeps three point columns, gives
 * the d = 2 task its two coordinates back, and predict reproduces both tasks' errors. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/predict.h"
#include "pinnfluence/store.h"
#include "pinnfluence/sweep.h"
#include "run_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NMETHODS 7
static const char *const methods[NMETHODS] = {"static",    "random",   "rar",        "out_grad",
                                              "loss_grad", "grad_dot", "pinnfluence"};

static const char *const every_method =
    "pde = \"heat2d\";\n"
    "network = { hidden = [10, 10]; };\n"
    "points = { initial = 60; };\n"
    "holdout = { points = 400; };\n"
    "train = { cycles = 2; adam_iters = 60; lbfgs_iters = 30; };\n"
    "sample = { method = [\"static\", \"random\", \"rar\", \"out_grad\", \"loss_grad\", "
    "\"grad_dot\", \"pinnfluence\"]; pool = 300; per_cycle = 5; };\n"
    "influence = { test_points = 100; arnoldi_iters = 20; };\n"
    "run = { store_pool_scores = true; };\n";

static const char *const mixed = "pde = [\"diffusion\", \"heat2d\"];\n"
                                 "network = { hidden = [10, 10]; };\n"
                                 "points = { initial = 40; };\n"
                                 "holdout = { points = 300; };\n"
                                 "train = { cycles = 2; adam_iters = 60; lbfgs_iters = 30; };\n"
                                 "sample = { method = \"rar\"; pool = 200; per_cycle = 5; };\n";

static int in_box(const pf_pde *p, size_t n, const double *X) {
  const int d = pf_pde_dim(p);
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < d; j++) {
      const double v = X[i * (size_t)d + (size_t)j];
      if (!(v >= p->lo[j] && v <= p->hi[j])) return 0;
    }
  return 1;
}

/* Run the sweep of text into path; 0 if it ran with no failed task. */
static int run_sweep(pf_ctx *ctx, const char *text, const char *path, int ntasks) {
  char err[PF_CONFIG_ERR_MAX] = "";
  pf_sweep *sw = NULL;
  PF_TEST_OK(pf_sweep_create_from_string("heat2d.cfg", text, 0, NULL, &sw, err, sizeof err));
  if (!sw) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  PF_TEST_EXPECT(pf_sweep_ntasks(sw) == ntasks, "%d tasks, want %d", pf_sweep_ntasks(sw), ntasks);
  pf_sweep_run_options opt = {
      .out_path = path, .overwrite = 1, .sweep_config = text, .command_line = "test_heat2d"};
  int nfailed = -1, interrupted = -1;
  int rc = pf_sweep_run(ctx, sw, &opt, &nfailed, &interrupted);
  PF_TEST_OK(rc);
  PF_TEST_EXPECT(nfailed == 0 && interrupted == 0, "%d failed, interrupted %d", nfailed,
                 interrupted);
  pf_sweep_destroy(&sw);
  return rc || nfailed || interrupted;
}

/* The stored pool, scores, Z and parameters of a heat2d task: Z is the cycle's stream, the pool
 * lies in the box, and for rar the scores are |r| of the pool at the stored parameters. */
static void check_pool(pf_store *st, int i, const pf_store_task *d, const pf_pde *p) {
  const size_t np = d->pool_points, nz = d->z_points;
  const int gd = !strcmp(d->method, "grad_dot") || !strcmp(d->method, "pinnfluence");
  const int resamples = strcmp(d->method, "static") != 0;
  PF_TEST_EXPECT(np == (resamples ? 300u : 0u) && nz == (gd ? 100u : 0u), "%s: pool %zu, Z %zu",
                 d->method, np, nz);
  if (!np) return;
  double *th = malloc(d->nparams * sizeof *th), *pX = malloc(3 * np * sizeof *pX);
  double *sc = malloc(np * sizeof *sc), *Z = malloc(3 * (nz ? nz : 1) * sizeof *Z);
  double *Z2 = malloc(3 * (nz ? nz : 1) * sizeof *Z2), *again = malloc(np * sizeof *again);
  PF_TEST_OK(pf_store_read_pool(st, i, th, pX, sc, Z));
  PF_TEST_EXPECT(in_box(p, np, pX), "%s: a pool point outside the box", d->method);
  if (nz) {
    pf_influence_zset(p, (uint64_t)d->seed, d->cycles, 0, nz, Z2);
    PF_TEST_EXPECT(!memcmp(Z, Z2, 3 * nz * sizeof *Z), "%s: stored Z", d->method);
  }
  if (!strcmp(d->method, "rar")) {
    pf_mlp *net = NULL;
    pf_engine *eng = NULL;
    pf_points *pool = NULL;
    PF_TEST_OK(pf_mlp_create(d->nlayers, d->sizes, &net));
    PF_TEST_OK(pf_engine_create(net, &p->ops, 128, &eng));
    PF_TEST_OK(pf_points_create(&p->ops, np, pX, &pool));
    PF_TEST_OK(pf_engine_residuals(eng, th, pool, again, NULL));
    for (size_t k = 0; k < np; k++) again[k] = fabs(again[k]);
    PF_TEST_EXPECT(!memcmp(sc, again, np * sizeof *sc), "rar: recomputed pool scores differ");
    pf_points_destroy(&pool);
    pf_engine_destroy(&eng);
    pf_mlp_destroy(&net);
  }
  free(th), free(pX), free(sc), free(Z), free(Z2), free(again);
}

static void check_every_method(pf_ctx *ctx, const char *path) {
  if (run_sweep(ctx, every_method, path, NMETHODS)) return;
  const pf_pde *p = pf_pde_find("heat2d");
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(ctx->comm, path, 0, &st));
  for (int i = 0; st && i < NMETHODS; i++) {
    pf_store_task d;
    pf_task_status s;
    char reason[PF_STORE_REASON_LEN];
    PF_TEST_OK(pf_store_read_task(st, i, &d));
    PF_TEST_OK(pf_store_read_status(st, i, &s, reason, sizeof reason));
    PF_TEST_EXPECT(s == PF_TASK_DONE && !strcmp(d.method, methods[i]), "task %d (%s): status %d %s",
                   i, d.method, (int)s, reason);
    PF_TEST_EXPECT(d.dim == 3 && !strcmp(d.inputs, "x,y,t") && !strcmp(d.outputs, "u") &&
                       !strcmp(d.components, "r"),
                   "task %d: problem %d %s %s %s", i, d.dim, d.inputs, d.outputs, d.components);
    PF_TEST_EXPECT(d.nlayers == 3 && d.sizes[0] == 3 && d.sizes[1] == 10 && d.sizes[2] == 10 &&
                       d.sizes[3] == 1,
                   "task %d: layers", i);
    const int resamples = strcmp(d.method, "static") != 0;
    PF_TEST_EXPECT(d.final_points == (resamples ? 70u : 60u), "task %d: %zu final points", i,
                   d.final_points);
    double *X = malloc(3 * d.final_points * sizeof *X);
    PF_TEST_OK(pf_store_read_final_points(st, i, X));
    PF_TEST_EXPECT(in_box(p, d.final_points, X), "task %d: a training point outside the box", i);
    /* the first points are the Hammersley points of the box */
    double H[3 * 60];
    pf_pde_hammersley(p, 60, H);
    PF_TEST_EXPECT(!memcmp(H, X, sizeof H), "task %d: initial points", i);
    for (int c = 0; c < d.cycles && d.drawn_per_cycle; c++) {
      PF_TEST_OK(pf_store_read_drawn(st, i, c, X));
      PF_TEST_EXPECT(in_box(p, d.drawn_per_cycle, X), "task %d: drawn points of cycle %d", i, c);
    }
    free(X);
    check_pool(st, i, &d, p);
    double rows[2 * 8];
    PF_TEST_OK(pf_store_read_metrics(st, i, rows));
    const double l2 = rt_predicted_l2(ctx, path, i, p, (uint64_t)d.seed, 400, NULL);
    PF_TEST_CLOSE(l2, rows[8 + 2], 1e-12, 0, "heat2d: predicted L2 vs stored final L2");
    fprintf(stderr, "heat2d %-12s L2 %.6e (stored %.6e), test loss %.3e\n", d.method, l2,
            rows[8 + 2], rows[8 + 3]);
  }
  PF_TEST_OK(pf_store_close(&st));

  /* a line of two numbers for a problem of three inputs: refused, naming the line and columns */
  FILE *in = tmpfile(), *out = tmpfile();
  fprintf(in, "0.5 0.5 0.5\n# comment\n0.25 0.75\n");
  rewind(in);
  pf_error_set_quiet(1);
  const int rc = pf_predict(ctx, path, 2, in, out);
  pf_error_set_quiet(0);
  PF_TEST_EXPECT(rc == PF_ERR_ARG && strstr(pf_error_last(), "line 3") &&
                     strstr(pf_error_last(), "3 numbers 'x y t'"),
                 "predict of a short line: %d \"%s\"", rc, pf_error_last());
  fclose(in), fclose(out);
}

static void check_mixed(pf_ctx *ctx, const char *path) {
  if (run_sweep(ctx, mixed, path, 2)) return;
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(ctx->comm, path, 0, &st));
  for (int i = 0; st && i < 2; i++) {
    pf_store_task d;
    PF_TEST_OK(pf_store_read_task(st, i, &d));
    const pf_pde *p = pf_pde_find(d.pde);
    const int d3 = !strcmp(d.pde, "heat2d");
    PF_TEST_EXPECT(p && d.dim == (d3 ? 3 : 2) && !strcmp(d.inputs, d3 ? "x,y,t" : "x,t"),
                   "task %d (%s): dim %d inputs %s", i, d.pde, d.dim, d.inputs);
    if (!p) continue;
    double *X = malloc((size_t)d.dim * d.final_points * sizeof *X);
    PF_TEST_OK(pf_store_read_final_points(st, i, X));
    PF_TEST_EXPECT(in_box(p, d.final_points, X), "task %d (%s): points outside the box", i, d.pde);
    free(X);
    double rows[2 * 8];
    PF_TEST_OK(pf_store_read_metrics(st, i, rows));
    const double l2 = rt_predicted_l2(ctx, path, i, p, (uint64_t)d.seed, 300, NULL);
    PF_TEST_CLOSE(l2, rows[8 + 2], 1e-12, 0, "mixed store: predicted L2 vs stored final L2");
  }
  PF_TEST_OK(pf_store_close(&st));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_ctx *ctx = NULL;
  pf_ctx_create(MPI_COMM_WORLD, &ctx);
  ctx->log_level = PF_LOG_WARN;
  char path[] = "/tmp/pf_test_heat2d_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  if (!pf_pde_find("heat2d")) {
    PF_TEST_EXPECT(0, "heat2d is not registered");
  } else {
    check_every_method(ctx, path);
    check_mixed(ctx, path);
  }
  unlink(path);
  pf_ctx_destroy(&ctx);
  int rc = pf_test_report("test_heat2d");
  MPI_Finalize();
  return rc;
}
