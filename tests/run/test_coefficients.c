/* A coefficient grid end to end: sweeps over burgers' viscosity and over the wave speed run into a
 * results file; for each task, predict (which reads the task's coefficients from the store alone)
 * reproduces the stored final L2 error against the reference of that task's coefficients (the
 * Cole-Hopf solution of its nu, the closed form of its c) to 1e-12, and that reference differs from
 * the one of the paper's coefficients, so the check could fail; predict's residual is the one of
 * the task's coefficients. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/predict.h"
#include "pinnfluence/store.h"
#include "pinnfluence/sweep.h"
#include "run_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const configs[2] = {
    "pde = \"burgers\";\n"
    "coefficients = { nu = [0.003183098861837907, 0.0006366197723675814]; };\n"
    "network = { hidden = [10, 10]; };\n"
    "points = { initial = 60; };\n"
    "train = { cycles = 2; adam_iters = 60; lbfgs_iters = 30; };\n"
    "sample = { method = [\"rar\", \"pinnfluence\"]; pool = 300; per_cycle = 5; };\n"
    "influence = { test_points = 100; arnoldi_iters = 20; };\n",
    "pde = \"wave\";\n"
    "coefficients = { c = [2.0, 1.25]; };\n"
    "network = { hidden = [10, 10]; };\n"
    "points = { initial = 60; };\n"
    "holdout = { points = 400; };\n"
    "train = { cycles = 2; adam_iters = 60; lbfgs_iters = 30; };\n"
    "sample = { method = \"rar\"; pool = 300; per_cycle = 5; };\n"};

static void run_grid(pf_ctx *ctx, const char *text, int ntasks) {
  char path[] = "/tmp/pf_test_coef_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  char err[PF_CONFIG_ERR_MAX] = "";
  pf_sweep *sw = NULL;
  PF_TEST_OK(pf_sweep_create_from_string("grid.cfg", text, 0, NULL, &sw, err, sizeof err));
  if (!sw) {
    fprintf(stderr, "%s\n", err);
    return;
  }
  PF_TEST_EXPECT(pf_sweep_ntasks(sw) == ntasks, "%d tasks, want %d", pf_sweep_ntasks(sw), ntasks);
  pf_sweep_run_options opt = {
      .out_path = path, .overwrite = 1, .sweep_config = text, .command_line = "test"};
  int nfailed = -1, interrupted = -1;
  PF_TEST_OK(pf_sweep_run(ctx, sw, &opt, &nfailed, &interrupted));
  PF_TEST_EXPECT(nfailed == 0 && interrupted == 0, "%d failed, interrupted %d", nfailed,
                 interrupted);
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(ctx->comm, path, 0, &st));
  for (int i = 0; st && i < ntasks; i++) {
    pf_store_task d;
    PF_TEST_OK(pf_store_read_task(st, i, &d));
    pf_config cfg;
    PF_TEST_OK(pf_task_config_from_text(d.canonical, &cfg, err, sizeof err));
    const pf_pde *p = NULL, *base = pf_pde_find(cfg.pde);
    PF_TEST_OK(pf_task_problem(&cfg, &p));
    if (!p) continue;
    double rows[2 * 8];
    PF_TEST_OK(pf_store_read_metrics(st, i, rows));
    size_t n = 0, nb = 0;
    double *X = NULL, *u = NULL, *Xb = NULL, *ub = NULL;
    PF_TEST_OK(pf_pde_holdout(p, (uint64_t)d.seed, 400, &n, &X, &u));
    PF_TEST_OK(pf_pde_holdout(base, (uint64_t)d.seed, 400, &nb, &Xb, &ub));
    double *res = malloc(n * sizeof *res), *resb = malloc(n * sizeof *resb);
    const double l2 = rt_predict(ctx, path, i, p, n, X, u, NULL, res);
    PF_TEST_CLOSE(l2, rows[8 + 2], 1e-12, 0, "predicted L2 vs stored final L2");
    /* the residual predict reports is the task's: evaluate it with the default problem too */
    pf_mlp *net = NULL;
    pf_engine *eng = NULL;
    pf_points *pts = NULL;
    double *theta = malloc(d.nparams * sizeof *theta), *ujet = malloc(PF_NCH * n * sizeof *ujet);
    PF_TEST_EXPECT(pf_pde_dim(p) == 2 && pf_pde_outputs(p) == 1 && p->ops.k == 1, "%s: d, m, k",
                   cfg.pde);
    PF_TEST_OK(pf_store_read_params(st, i, theta));
    PF_TEST_OK(pf_mlp_create(d.nlayers, d.sizes, &net));
    PF_TEST_OK(pf_engine_create(net, &base->ops, 128, &eng));
    PF_TEST_OK(pf_points_create(&base->ops, n, X, &pts));
    PF_TEST_OK(pf_engine_residuals(eng, theta, pts, resb, ujet));
    double dres = 0, dref = 0;
    for (size_t k = 0; k < n && n == nb; k++) {
      dres = fmax(dres, fabs(res[k] - resb[k]));
      dref = fmax(dref, fabs(u[k] - ub[k]));
    }
    const int paper = p == base;
    fprintf(stderr,
            "%s task %d: L2 %.6e (stored %.6e); vs the paper's coefficients: max |du_ref| "
            "%.3g, max |dr| %.3g\n",
            cfg.pde, i, l2, rows[8 + 2], dref, dres);
    PF_TEST_EXPECT(paper ? dref == 0 && dres == 0 : dref > 1e-3 && dres > 1e-6,
                   "task %d: reference or residual does not follow the coefficients", i);
    pf_points_destroy(&pts);
    pf_engine_destroy(&eng);
    pf_mlp_destroy(&net);
    free(theta), free(ujet), free(res), free(resb);
    PF_FREE(&X), PF_FREE(&u), PF_FREE(&Xb), PF_FREE(&ub);
  }
  PF_TEST_OK(pf_store_close(&st));
  pf_sweep_destroy(&sw);
  unlink(path);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_ctx *ctx = NULL;
  pf_ctx_create(MPI_COMM_WORLD, &ctx);
  ctx->log_level = PF_LOG_WARN;
  run_grid(ctx, configs[0], 4);
  run_grid(ctx, configs[1], 2);
  pf_ctx_destroy(&ctx);
  int rc = pf_test_report("test_coefficients");
  MPI_Finalize();
  return rc;
}
