/* One task end to end on small settings: training lowers the loss and the L2 error, results are
 * bitwise reproducible, the training set grows (add) or is replaced (replace) as specified and
 * stays in the domain, a cycle without any iteration (adam_iters = lbfgs_iters = 0) records the
 * loss where theta stands, and a residual that turns non-finite marks the task failed with a
 * reason instead of crashing. */
#include "pf_test.h"
#include "pinnfluence/run.h"

#include <stdlib.h>
#include <string.h>

static pf_task_spec spec_for(const pf_pde *p, const char *method, int replace, int cycles) {
  pf_task_spec s;
  memset(&s, 0, sizeof s);
  s.pde = p;
  s.nhidden = 2;
  s.hidden[0] = s.hidden[1] = 16;
  s.seed = 1;
  s.initial_points = 60;
  s.cycles = cycles;
  s.adam_iters = 150;
  s.adam_lr = 1e-3;
  s.lbfgs_iters = 60;
  s.lbfgs_step = 20;
  s.lbfgs_history = 20;
  s.lbfgs_max_eval = 25;
  s.method = pf_score_method_find(method);
  s.replace = replace;
  s.pool = 500;
  s.per_cycle = replace ? 40 : 5;
  s.k = replace ? 1 : 2;
  s.c = replace ? 1 : 0;
  s.holdout_points = 2000;
  s.block = 64;
  s.label = "test";
  return s;
}

typedef struct {
  int calls;
  double first_l2, first_train;
} hook_log;

static int on_cycle(void *user, int c, const double *row, size_t n, const double *X) {
  hook_log *h = user;
  if (h->calls == 0) h->first_l2 = row[PF_MET_L2], h->first_train = row[PF_MET_TRAIN_LOSS];
  h->calls++;
  return 0;
}

static void nan_residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                         double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) r[i] = NAN; /* one component: r (1, n) */
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_ctx *ctx = NULL;
  pf_ctx_create(MPI_COMM_WORLD, &ctx);
  ctx->log_level = PF_LOG_WARN; /* keep the test output short */
  const pf_pde *diff = pf_pde_find("diffusion");

  /* training lowers loss and error over the cycles; reproducible bits */
  pf_task_spec s = spec_for(diff, "random", 0, 4);
  hook_log h = {0};
  pf_task_hooks hooks = {.user = &h, .cycle_done = on_cycle};
  pf_task_result a, b;
  PF_TEST_OK(pf_task_run(ctx, &s, &hooks, &a));
  PF_TEST_EXPECT(!a.failed, "task failed: %s", a.reason);
  PF_TEST_EXPECT(h.calls == 4, "cycle hook called %d times", h.calls);
  PF_TEST_EXPECT(a.last[PF_MET_L2] < 0.5 * h.first_l2, "L2 %.3g did not fall below half of %.3g",
                 a.last[PF_MET_L2], h.first_l2);
  PF_TEST_EXPECT(a.last[PF_MET_ITERATION] > 4 * 150, "iterations %g", a.last[PF_MET_ITERATION]);
  PF_TEST_EXPECT(a.ntrain == pf_task_final_points(&s) && a.ntrain == 60 + 4 * 5, "add mode: %zu",
                 a.ntrain);
  PF_TEST_OK(pf_task_run(ctx, &s, NULL, &b));
  PF_TEST_EXPECT(a.d == 2 && b.d == 2, "d %d %d", a.d, b.d);
  PF_TEST_EXPECT(a.nparams == b.nparams && !memcmp(a.theta, b.theta, a.nparams * sizeof(double)) &&
                     !memcmp(a.X, b.X, 2 * a.ntrain * sizeof(double)),
                 "two runs of the same task differ");
  for (size_t i = 0; i < a.ntrain; i++)
    PF_TEST_EXPECT(a.X[2 * i] >= -1 && a.X[2 * i] <= 1 && a.X[2 * i + 1] >= 0 &&
                       a.X[2 * i + 1] <= 1,
                   "point outside");
  /* the first points are the Hammersley points */
  double hX[2 * 60];
  pf_pde_hammersley(diff, 60, hX);
  PF_TEST_EXPECT(!memcmp(hX, a.X, sizeof hX), "initial points are not the Hammersley points");
  pf_task_result_free(&a);
  pf_task_result_free(&b);

  /* replace mode: the set is exactly the last draw; rar and loss_grad run */
  const char *methods[] = {"rar", "loss_grad", "out_grad"};
  for (int m = 0; m < 3; m++) {
    s = spec_for(pf_pde_find("burgers"), methods[m], 1, 2);
    PF_TEST_OK(pf_task_run(ctx, &s, NULL, &a));
    PF_TEST_EXPECT(!a.failed && a.ntrain == 40, "%s replace: failed %d n %zu", methods[m], a.failed,
                   a.ntrain);
    pf_task_result_free(&a);
  }

  /* static: no resampling, the initial set stays */
  s = spec_for(diff, "static", 0, 2);
  PF_TEST_OK(pf_task_run(ctx, &s, NULL, &a));
  PF_TEST_EXPECT(!a.failed && a.ntrain == 60, "static: n %zu", a.ntrain);
  pf_task_result_free(&a);

  /* no iteration at all: the task finishes with the untrained network, and its train loss is the
   * objective at that network over the training points (here the 60 Hammersley points) */
  s = spec_for(diff, "static", 0, 1);
  s.adam_iters = 0, s.lbfgs_iters = 0;
  PF_TEST_OK(pf_task_run(ctx, &s, NULL, &a));
  PF_TEST_EXPECT(!a.failed, "no iterations: failed: %s", a.reason);
  PF_TEST_EXPECT(a.last[PF_MET_ITERATION] == 0, "no iterations: %g", a.last[PF_MET_ITERATION]);
  {
    static const int sizes[] = {2, 16, 16, 1};
    pf_mlp *net = NULL;
    pf_engine *eng = NULL;
    pf_points *pts = NULL;
    double L = NAN;
    PF_TEST_OK(pf_mlp_create(3, sizes, &net));
    PF_TEST_OK(pf_engine_create(net, &diff->ops, s.block, &eng));
    PF_TEST_OK(pf_points_create(&diff->ops, 60, hX, &pts));
    PF_TEST_OK(pf_engine_loss_grad(eng, a.theta, pts, &L, NULL));
    PF_TEST_EXPECT(isfinite(L) && a.last[PF_MET_TRAIN_LOSS] == L,
                   "no iterations: train loss %.17g, the loss at theta %.17g",
                   a.last[PF_MET_TRAIN_LOSS], L);
    pf_points_destroy(&pts);
    pf_engine_destroy(&eng);
    pf_mlp_destroy(&net);
  }
  pf_task_result_free(&a);

  /* a residual that is NaN: the task is recorded failed, with a reason, and nothing crashes */
  pf_pde bad = *diff;
  bad.ops.residual = nan_residual;
  s = spec_for(&bad, "static", 0, 2);
  PF_TEST_OK(pf_task_run(ctx, &s, NULL, &a));
  PF_TEST_EXPECT(a.failed && strstr(a.reason, "non-finite"), "NaN task: failed %d reason '%s'",
                 a.failed, a.reason);
  for (size_t k = 0; k < a.nparams; k++)
    PF_TEST_EXPECT(isfinite(a.theta[k]), "parameter %zu not finite after failure", k);
  pf_task_result_free(&a);

  int rc = pf_test_report("test_task");
  pf_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc;
}
