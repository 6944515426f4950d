/* Group-parallel scoring with a trainable coefficient: rank 0 passes x = [theta, nu] and every
 * rank must score with that nu. The scores rank 0 gets must equal, bit for bit, those of the
 * registered method on one rank for the problem instance whose coefficient is nu (and differ
 * from those at the initial guess, so the test would see a rank that kept it). rar, loss_grad
 * and pinnfluence (arnoldi); 1 and 2 ranks; every rank returns the same status. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/group.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *text =
    "problem = { name = \"burgers_gc\"; inputs = [\"x\", \"t\"]; domain = ([-1.0, 1.0], [0.0, "
    "1.0]); outputs = [\"u\"]; coefficients = { nu = \"0.01/pi\"; }; residuals = [\"u_t + "
    "u*u_x - nu*u_xx\"]; constraints = ({ A = \"-sin(pi*x)\"; B = \"(1 - x^2)*t\"; }); grid = "
    "\"burgers\"; hidden = [12, 12]; initial_points = 100; };\n"
    "trainable = { nu = 0.05; };\n"
    "sample = { pool = 600; per_cycle = 5; };\n"
    "influence = { test_points = 300; arnoldi_iters = 30; };\n";

static int serial(const pf_task_spec *s, const pf_pde *pde, const double *theta, int cycle,
                  double *X, double *scores) {
  const int sizes[] = {2, s->hidden[0], s->hidden[1], 1};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_points *pool = NULL;
  double *work = NULL;
  PF_CALL(pf_mlp_create(3, sizes, &net));
  PF_CALL(pf_engine_create(net, &pde->ops, s->block, &eng));
  pf_sample_pool(pde, s->seed, cycle, 0, s->pool, X);
  PF_CALL(pf_points_create(&pde->ops, s->pool, X, &pool));
  pf_influence_params ip = s->influence;
  ip.backend = s->influence_backend;
  const size_t wl =
      s->method->work_size ? s->method->work_size(&pde->ops, s->pool, net->nparams, s->block) : 0;
  PF_CALL(PF_CALLOC(wl ? wl : 1, &work));
  pf_score_ctx sc = {.influence = &ip,
                     .eng = eng,
                     .net = net,
                     .pde = pde,
                     .seed = s->seed,
                     .cycle = cycle,
                     .work = work,
                     .work_len = wl};
  PF_CALL(s->method->score(&sc, theta, pool, scores));
  PF_FREE(&work);
  pf_points_destroy(&pool);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  return PF_OK;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  static const char *methods[] = {"rar", "loss_grad", "pinnfluence"};
  for (size_t mi = 0; mi < sizeof methods / sizeof methods[0]; mi++) {
    char set[64], err[PF_CONFIG_ERR_MAX];
    snprintf(set, sizeof set, "sample.method=%s", methods[mi]);
    const char *sets[] = {set};
    pf_sweep *sw = NULL;
    pf_config cfg;
    pf_task_spec spec;
    PF_TEST_OK(pf_sweep_create_from_string("group_coef.cfg", text, 1, sets, &sw, err, sizeof err));
    PF_TEST_OK(pf_sweep_task(sw, 0, &cfg));
    PF_TEST_OK(pf_task_spec_from_config(&cfg, &spec));
    pf_sweep_destroy(&sw);
    const size_t P = (2 + 1) * 12 + 13 * 12 + 13;
    double *x = calloc(P + 1, sizeof *x), *X = calloc(2 * spec.pool, sizeof *X);
    double *sc = calloc(spec.pool, sizeof *sc), *ref = calloc(spec.pool, sizeof *ref);
    double *at_init = calloc(spec.pool, sizeof *at_init), *sX = calloc(2 * spec.pool, sizeof *sX);
    pf_rng_stream st = pf_rng_stream_make(5, 0, PF_RNG_TEST, 0);
    pf_rng_uniform_range(&st, 0, P, -0.5, 0.5, x);
    /* the coefficient as trained so far, nu = 0.02 (the guess was 0.05), in the optimisers' units
     * (x = nu / scale, scale the power of two of the guess: exact) */
    const double nu = 0.02;
    x[P] = nu / pf_task_coef_scale(0.05);
    pf_group_scorer *gs = NULL;
    PF_TEST_OK(pf_group_scorer_create(MPI_COMM_WORLD, &spec, &gs));
    PF_TEST_OK(pf_group_score(gs, 2, rank == 0 ? x : NULL, rank == 0 ? X : NULL,
                              rank == 0 ? sc : NULL, NULL));
    PF_TEST_OK(pf_group_scorer_destroy(&gs));
    if (rank == 0) {
      const pf_pde *at = NULL, *guess = NULL;
      double c = nu;
      PF_TEST_OK(pf_pde_instance(spec.pde, &c, &at));
      PF_TEST_OK(serial(&spec, at, x, 2, sX, ref));
      c = 0.05;
      PF_TEST_OK(pf_pde_instance(spec.pde, &c, &guess));
      PF_TEST_OK(serial(&spec, guess, x, 2, sX, at_init));
      PF_TEST_EXPECT(!memcmp(sc, ref, spec.pool * sizeof *sc),
                     "%s: the group's scores are those at nu = %g", methods[mi], nu);
      PF_TEST_EXPECT(memcmp(ref, at_init, spec.pool * sizeof *sc),
                     "%s: the scores depend on nu (else this test sees nothing)", methods[mi]);
      PF_TEST_EXPECT(!memcmp(X, sX, 2 * spec.pool * sizeof *X), "%s: the pool", methods[mi]);
    }
    free(x), free(X), free(sc), free(ref), free(at_init), free(sX);
  }
  int fails = pf_test_failures, all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  pf_test_failures = all;
  const int rc = pf_test_report("test_group_coef");
  MPI_Finalize();
  return rc;
}
