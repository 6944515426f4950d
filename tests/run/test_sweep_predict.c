/* A small sweep through the library into a results file, then `predict` on the holdout set of
 * each task reproduces the stored final L2 relative error (its header names the columns "# x t u
 * r"); the stored training points and drawn points agree with the task's sizes; the stored last
 * pool, Z and parameters reproduce the stored scores. */
#include "pf_test.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/predict.h"
#include "pinnfluence/store.h"
#include "pinnfluence/sweep.h"
#include "run_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *cfg_text = "pde = \"diffusion\";\n"
                              "seed = [1, 2];\n"
                              "network = { hidden = [12, 12]; };\n"
                              "train = { cycles = 2; adam_iters = 100; lbfgs_iters = 40; };\n"
                              "sample = { method = [\"static\", \"rar\"]; pool = 300; };\n"
                              "holdout = { points = 500; };\n";

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_ctx *ctx = NULL;
  pf_ctx_create(MPI_COMM_WORLD, &ctx);
  ctx->log_level = PF_LOG_WARN;
  char path[] = "/tmp/pf_test_sweep_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  char err[512] = "";
  pf_sweep *sw = NULL;
  PF_TEST_OK(pf_sweep_create_from_string("inline.cfg", cfg_text, 0, NULL, &sw, err, sizeof err));
  PF_TEST_EXPECT(pf_sweep_ntasks(sw) == 4, "4 tasks, got %d", pf_sweep_ntasks(sw));
  pf_sweep_run_options opt = {
      .out_path = path, .overwrite = 1, .sweep_config = cfg_text, .command_line = "test"};
  int nfailed = -1, interrupted = -1;
  PF_TEST_OK(pf_sweep_run(ctx, sw, &opt, &nfailed, &interrupted));
  PF_TEST_EXPECT(interrupted == 0, "interrupted");
  PF_TEST_EXPECT(nfailed == 0, "%d tasks failed", nfailed);

  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(ctx->comm, path, 0, &st));
  for (int i = 0; i < 4; i++) {
    pf_store_task d;
    pf_task_status s;
    char reason[256];
    PF_TEST_OK(pf_store_read_task(st, i, &d));
    PF_TEST_OK(pf_store_read_status(st, i, &s, reason, sizeof reason));
    PF_TEST_EXPECT(s == PF_TASK_DONE, "task %d status %d", i, (int)s);
    double rows[2 * 8];
    PF_TEST_OK(pf_store_read_metrics(st, i, rows));
    PF_TEST_EXPECT(d.dim == 2 && !strcmp(d.inputs, "x,t") && !strcmp(d.outputs, "u") &&
                       !strcmp(d.components, "r"),
                   "task %d: problem %d %s %s %s", i, d.dim, d.inputs, d.outputs, d.components);
    double l2 = rt_predicted_l2(ctx, path, i, pf_pde_find(d.pde), (uint64_t)d.seed, 500, NULL);
    PF_TEST_CLOSE(l2, rows[8 + 2], 1e-12, 0, "predicted L2 vs stored final L2");
    const int rar = !strcmp(d.method, "rar");
    PF_TEST_EXPECT(d.final_points == (rar ? 30u + 2u : 30u), "task %d (%s) final points %zu", i,
                   d.method, d.final_points);
  }
  pf_store_close(&st);
  pf_sweep_destroy(&sw);

  /* the last pool with its scores, Z and the parameters it was scored with: recomputing the
   * scores from the file gives the stored ones, bit for bit */
  const char *pool_cfg = "pde = \"burgers\";\n"
                         "network = { hidden = [10, 10]; };\n"
                         "points = { initial = 50; };\n"
                         "train = { cycles = 2; adam_iters = 40; lbfgs_iters = 10; };\n"
                         "sample = { method = [\"rar\", \"pinnfluence\"]; pool = 300; };\n"
                         "influence = { test_points = 100; arnoldi_iters = 20; };\n"
                         "run = { store_pool_scores = true; };\n";
  PF_TEST_OK(pf_sweep_create_from_string("pool.cfg", pool_cfg, 0, NULL, &sw, err, sizeof err));
  opt.sweep_config = pool_cfg;
  PF_TEST_OK(pf_sweep_run(ctx, sw, &opt, &nfailed, &interrupted));
  PF_TEST_OK(pf_store_open(ctx->comm, path, 0, &st));
  for (int i = 0; i < 2; i++) {
    pf_store_task d;
    PF_TEST_OK(pf_store_read_task(st, i, &d));
    const int pinn = !strcmp(d.method, "pinnfluence");
    PF_TEST_EXPECT(d.pool_points == 300 && d.z_points == (pinn ? 100u : 0u), "pool sizes %zu %zu",
                   d.pool_points, d.z_points);
    double *th = malloc(d.nparams * sizeof(double)), pX[2 * 300], sc[300], Z[2 * 100];
    double again[300];
    PF_TEST_OK(pf_store_read_pool(st, i, th, pX, sc, Z));
    const pf_pde *pde = pf_pde_find(d.pde);
    pf_mlp *net = NULL;
    pf_engine *eng = NULL;
    pf_points *pool = NULL;
    pf_mlp_create(d.nlayers, d.sizes, &net);
    pf_engine_create(net, &pde->ops, 128, &eng);
    pf_points_create(&pde->ops, 300, pX, &pool);
    if (pinn) {
      pf_influence_params ip = pf_influence_params_default();
      ip.test_points = 100;
      ip.arnoldi_iters = 20;
      PF_TEST_OK(pf_influence_score(eng, net, pde, &ip, PF_INFLUENCE_PINNFLUENCE, (uint64_t)d.seed,
                                    2, th, pool, again, NULL));
      double Z2[2 * 100];
      pf_influence_zset(pde, (uint64_t)d.seed, 2, 0, 100, Z2);
      PF_TEST_EXPECT(!memcmp(Z, Z2, sizeof Z), "stored Z");
    } else {
      PF_TEST_OK(pf_engine_residuals(eng, th, pool, again, NULL));
      for (int k = 0; k < 300; k++) again[k] = fabs(again[k]);
    }
    PF_TEST_EXPECT(!memcmp(sc, again, sizeof sc), "%s: recomputed pool scores differ", d.method);
    pf_points_destroy(&pool);
    pf_engine_destroy(&eng);
    pf_mlp_destroy(&net);
    free(th);
  }
  pf_store_close(&st);
  pf_sweep_destroy(&sw);
  remove(path);
  int rc = pf_test_report("test_sweep_predict");
  pf_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc;
}
