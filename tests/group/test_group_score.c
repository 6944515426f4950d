/* Group-parallel scoring (include/pinnfluence/group.h) against the one-rank path: for a small
 * burgers network (2-16-16-1) at a partly trained theta (300 Adam steps on rank 0 only; the other
 * ranks pass theta = NULL), a pool of 2000 candidates and Z of 600 points, two engine block sizes
 * (128: slice unit 256; 48: unit 768, so some ranks hold no Z rows) and two cycles, every method
 * and every inverse-Hessian backend: the scores rank 0 gets from pf_group_score must equal, bit
 * for bit, those of the registered method called on rank 0 alone as the task loop calls it, and
 * the gathered pool (n, d) must equal pf_sample_pool's. The same for a system in (x, y, t) with
 * two outputs and two weighted residual components (tests/influence/system_problem.h, 3-16-16-2
 * at its Glorot initialisation, block 48): three doubles per gathered point, two Jacobian rows
 * per Z point for gauss_newton. Then the protocol: pf_group_serve on the other
 * ranks, and failures on one rank (no eigenvalue survives, NaN theta, a NULL argument on rank 0,
 * a method without rounds, ranks given different tasks) returned as the same code on every
 * rank without a hang. Run with 1, 2, 3 and 4 ranks; every rank returns the same status. */
#include "influence/system_problem.h"
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/group.h"
#include "pinnfluence/optim.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPOOL 2000
#define NZ    600
#define SEED  7

static int rank_ = 0;

static pf_task_spec make_spec_pde(const pf_pde *pde, const char *method, const char *backend,
                                  int block) {
  pf_task_spec s;
  memset(&s, 0, sizeof s);
  s.pde = pde;
  s.nhidden = 2;
  s.hidden[0] = 16, s.hidden[1] = 16;
  s.seed = SEED;
  s.method = pf_score_method_find(method);
  s.pool = NPOOL;
  s.per_cycle = 10;
  s.block = block;
  s.influence = pf_influence_params_default();
  s.influence.test_points = NZ;
  snprintf(s.influence_backend, sizeof s.influence_backend, "%s", backend);
  s.label = "test_group_score";
  return s;
}

static pf_task_spec make_spec(const char *method, const char *backend, int block) {
  return make_spec_pde(pf_pde_find("burgers"), method, backend, block);
}

/* The one-rank path, as src/run/task.c calls a method: the whole pool, method->score. */
static int serial_scores(const pf_task_spec *spec, const double *theta, int cycle, double *X,
                         double *scores) {
  const int sizes[] = {spec->pde->ops.d, spec->hidden[0], spec->hidden[1], spec->pde->ops.m};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_points *pool = NULL;
  double *work = NULL;
  PF_CALL(pf_mlp_create(3, sizes, &net));
  PF_CALL(pf_engine_create(net, &spec->pde->ops, spec->block, &eng));
  pf_sample_pool(spec->pde, spec->seed, cycle, 0, spec->pool, X);
  PF_CALL(pf_points_create(&spec->pde->ops, spec->pool, X, &pool));
  pf_influence_params ip = spec->influence;
  ip.backend = spec->influence_backend;
  const size_t wl = spec->method->work_size ? spec->method->work_size(&spec->pde->ops, spec->pool,
                                                                      net->nparams, spec->block)
                                            : 0;
  PF_CALL(PF_CALLOC(wl, &work));
  pf_score_ctx sc = {.influence = &ip,
                     .eng = eng,
                     .net = net,
                     .pde = spec->pde,
                     .seed = spec->seed,
                     .cycle = cycle,
                     .work = work,
                     .work_len = wl};
  PF_CALL(spec->method->score(&sc, theta, pool, scores));
  PF_FREE(&work);
  pf_points_destroy(&pool);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  return PF_OK;
}

typedef struct {
  pf_engine *eng;
  pf_points *train;
} fit_ctx;

static int objective(void *user, const double *theta, double *loss, double *grad) {
  fit_ctx *f = user;
  return pf_engine_loss_grad(f->eng, theta, f->train, loss, grad);
}

/* Glorot, then 300 Adam steps on 300 Hammersley points: a network that has started to fit. */
static double *trained_theta(void) {
  pf_task_spec s = make_spec("rar", "arnoldi", 128);
  const int sizes[] = {2, 16, 16, 1};
  pf_mlp *net = NULL;
  fit_ctx f = {NULL, NULL};
  pf_adam *adam = NULL;
  pf_optim_result res;
  double X[600]; /* (300, 2) */
  pf_mlp_create(3, sizes, &net);
  pf_engine_create(net, &s.pde->ops, 128, &f.eng);
  double *theta = calloc(net->nparams, sizeof(double));
  pf_rng_stream init = pf_rng_stream_make(SEED, 0, PF_RNG_INIT, 0);
  pf_mlp_init_glorot(net, &init, theta);
  pf_pde_hammersley(s.pde, 300, X);
  pf_points_create(&s.pde->ops, 300, X, &f.train);
  pf_adam_create(net->nparams, NULL, &adam);
  PF_TEST_OK(pf_adam_run(adam, objective, &f, theta, 300, NULL, NULL, &res));
  pf_adam_destroy(&adam);
  pf_points_destroy(&f.train);
  pf_engine_destroy(&f.eng);
  pf_mlp_destroy(&net);
  return theta;
}

/* Rank 0: compare the group result with the serial one. */
static void compare(const char *what, const double *a, const double *b, size_t n) {
  if (!memcmp(a, b, n * sizeof *a)) return;
  size_t first = 0, diff = 0;
  double rel = 0;
  for (size_t i = n; i-- > 0;)
    if (memcmp(a + i, b + i, sizeof *a)) {
      first = i, diff++;
      rel = fmax(rel, fabs(a[i] - b[i]) / fabs(b[i]));
    }
  PF_TEST_EXPECT(0, "%s: %zu of %zu differ (first %zu: %.17g vs %.17g, max rel %.3g)", what, diff,
                 n, first, a[first], b[first], rel);
}

static void check_variant(MPI_Comm comm, const pf_pde *pde, const double *theta, const char *method,
                          const char *backend, int block, double *X, double *sc, double *sX,
                          double *ssc) {
  pf_task_spec spec = make_spec_pde(pde, method, backend, block);
  const size_t d = (size_t)pde->ops.d;
  pf_group_scorer *gs = NULL;
  PF_TEST_OK(pf_group_scorer_create(comm, &spec, &gs));
  for (int cycle = 1; cycle <= 2; cycle++) {
    char what[96];
    pf_influence_stats st;
    const double t0 = MPI_Wtime();
    if (rank_ == 0) PF_TEST_OK(serial_scores(&spec, theta, cycle, sX, ssc));
    const double t1 = MPI_Wtime();
    const int rc = pf_group_score(gs, cycle, rank_ == 0 ? theta : NULL, rank_ == 0 ? X : NULL,
                                  rank_ == 0 ? sc : NULL, &st);
    const double t2 = MPI_Wtime();
    PF_TEST_EXPECT(rc == 0, "%s %s/%s block %d cycle %d: pf_group_score returned %d", pde->name,
                   method, backend, block, cycle, rc);
    if (rank_ != 0 || rc) continue;
    snprintf(what, sizeof what, "%s %s/%s block %d cycle %d scores", pde->name, method, backend,
             block, cycle);
    compare(what, sc, ssc, NPOOL);
    /* the pool (n, d): every coordinate (x and t; x, y and t) */
    snprintf(what, sizeof what, "%s %s/%s block %d cycle %d pool X", pde->name, method, backend,
             block, cycle);
    compare(what, X, sX, NPOOL * d);
    fprintf(stderr,
            "  %-11s %-11s %-12s block %3d cycle %d: serial %.3f s, group %.3f s, rank %d\n",
            pde->name, method, backend, block, cycle, t1 - t0, t2 - t1, st.rank);
  }
  PF_TEST_OK(pf_group_scorer_destroy(&gs));
  PF_TEST_EXPECT(gs == NULL, "destroy must null the handle");
}

/* A round expected to fail: every rank must get `want`. */
static void expect_failure(MPI_Comm comm, const char *what, pf_task_spec *spec, const double *theta,
                           int null_theta, int want, double *X, double *sc) {
  pf_group_scorer *gs = NULL;
  PF_TEST_OK(pf_group_scorer_create(comm, spec, &gs));
  pf_error_set_quiet(1);
  const int rc = pf_group_score(gs, 1, rank_ == 0 && !null_theta ? theta : NULL,
                                rank_ == 0 ? X : NULL, rank_ == 0 ? sc : NULL, NULL);
  pf_error_set_quiet(0);
  PF_TEST_EXPECT(rc == want, "%s: rank %d got %d, want %d", what, rank_, rc, want);
  /* after a failed round the ranks are still in step: a good round works (NULL theta case) */
  if (null_theta) {
    const int rc2 = pf_group_score(gs, 2, rank_ == 0 ? theta : NULL, rank_ == 0 ? X : NULL,
                                   rank_ == 0 ? sc : NULL, NULL);
    PF_TEST_EXPECT(rc2 == 0, "%s: the round after the failure returned %d", what, rc2);
  }
  PF_TEST_OK(pf_group_scorer_destroy(&gs));
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv);
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  int size = 1;
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &size);
  double *theta = rank_ == 0 ? trained_theta() : NULL;
  /* pools (NPOOL, d) for d up to 3 */
  double *X = calloc(3 * NPOOL, sizeof(double)), *sX = calloc(3 * NPOOL, sizeof(double));
  double *sc = calloc(NPOOL, sizeof(double)), *ssc = calloc(NPOOL, sizeof(double));

  /* every method and backend, bit for bit against the one-rank path */
  static const char *variants[][2] = {
      {"random", "arnoldi"},          {"rar", "arnoldi"},
      {"out_grad", "arnoldi"},        {"loss_grad", "arnoldi"},
      {"grad_dot", "arnoldi"},        {"pinnfluence", "arnoldi"},
      {"pinnfluence", "exact"},       {"pinnfluence", "gauss_newton"},
      {"pinnfluence", "block_krylov"}};
  static const int blocks[] = {128, 48};
  if (rank_ == 0) fprintf(stderr, "test_group_score on %d rank(s)\n", size);
  const pf_pde *burgers = pf_pde_find("burgers");
  for (int b = 0; b < 2; b++)
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
      check_variant(comm, burgers, theta, variants[v][0], variants[v][1], blocks[b], X, sc, sX,
                    ssc);

  /* a system in (x, y, t): its own network, Glorot on rank 0 */
  {
    const int sizes[] = {SYS_D, 16, 16, SYS_M};
    pf_mlp *net = NULL;
    pf_mlp_create(3, sizes, &net);
    double *th = NULL;
    if (rank_ == 0) {
      th = calloc(net->nparams, sizeof(double));
      pf_rng_stream init = pf_rng_stream_make(SEED, 0, PF_RNG_INIT, 0);
      pf_mlp_init_glorot(net, &init, th);
    }
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
      check_variant(comm, &sys_pde, th, variants[v][0], variants[v][1], 48, X, sc, sX, ssc);
    free(th);
    pf_mlp_destroy(&net);
  }

  /* slices: whole units, contiguous, covering the set in rank order */
  {
    size_t next = 0;
    for (int r = 0; r < size; r++) {
      size_t f, c;
      pf_group_slice(NPOOL, 768, size, r, &f, &c);
      PF_TEST_EXPECT(f == next && (f % 768 == 0 || c == 0), "slice %d: %zu + %zu", r, f, c);
      next = f + c;
    }
    PF_TEST_EXPECT(next == NPOOL, "slices cover %zu of %d", next, NPOOL);
  }

  /* the other ranks serve while rank 0 scores two rounds (cycles 5 and 3), then destroys */
  {
    pf_task_spec spec = make_spec("pinnfluence", "arnoldi", 128);
    pf_group_scorer *gs = NULL;
    PF_TEST_OK(pf_group_scorer_create(comm, &spec, &gs));
    if (rank_ == 0) {
      static const int cycles[] = {5, 3};
      for (int i = 0; i < 2; i++) {
        PF_TEST_OK(serial_scores(&spec, theta, cycles[i], sX, ssc));
        PF_TEST_OK(pf_group_score(gs, cycles[i], theta, X, sc, NULL));
        compare("served round scores", sc, ssc, NPOOL);
        compare("served round pool X", X, sX, 2 * NPOOL);
      }
    } else {
      PF_TEST_OK(pf_group_serve(gs));
    }
    PF_TEST_OK(pf_group_scorer_destroy(&gs));
  }

  /* failures on one rank become the same failure on all */
  {
    pf_task_spec spec = make_spec("pinnfluence", "arnoldi", 128);
    spec.influence.eig_tol = 1e30; /* no Ritz value survives: fails on rank 0 (the eigensolve) */
    expect_failure(comm, "arnoldi without eigenvalues", &spec, theta, 0, PF_ERR_NUMERIC, X, sc);
    spec = make_spec("pinnfluence", "gauss_newton", 128);
    spec.influence.eig_tol = 1e30;
    expect_failure(comm, "gauss_newton without eigenvalues", &spec, theta, 0, PF_ERR_NUMERIC, X,
                   sc);
    spec = make_spec("pinnfluence", "exact", 128);
    spec.influence.eig_tol = 1e30;
    expect_failure(comm, "exact without eigenvalues", &spec, theta, 0, PF_ERR_NUMERIC, X, sc);
    spec = make_spec("pinnfluence", "block_krylov", 128);
    spec.influence.eig_tol = 1e30;
    expect_failure(comm, "block_krylov without eigenvalues", &spec, theta, 0, PF_ERR_NUMERIC, X,
                   sc);
    spec = make_spec("rar", "arnoldi", 128);
    expect_failure(comm, "NULL theta on rank 0", &spec, theta, 1, PF_ERR_ARG, X, sc);
    spec = make_spec("static", "arnoldi", 128);
    expect_failure(comm, "static has no round", &spec, theta, 0, PF_ERR_ARG, X, sc);

    /* NaN parameters: the Arnoldi iteration breaks down (non-finite HVP) on every rank alike */
    double *bad = NULL;
    if (rank_ == 0) {
      bad = malloc(337 * sizeof(double));
      memcpy(bad, theta, 337 * sizeof(double));
      bad[5] = NAN;
    }
    spec = make_spec("pinnfluence", "arnoldi", 128);
    expect_failure(comm, "NaN theta", &spec, bad, 0, PF_ERR_NUMERIC, X, sc);
    free(bad);

    /* ranks given different tasks */
    if (size > 1) {
      spec = make_spec("rar", "arnoldi", 128);
      if (rank_ == size - 1) spec.pool = NPOOL - 1;
      pf_group_scorer *gs = NULL;
      pf_error_set_quiet(1);
      const int rc = pf_group_scorer_create(comm, &spec, &gs);
      pf_error_set_quiet(0);
      PF_TEST_EXPECT(rc == PF_ERR_ARG && gs == NULL, "different tasks: rank %d got %d", rank_, rc);
    }
  }

  int fail = pf_test_failures, anyfail = 0;
  MPI_Allreduce(&fail, &anyfail, 1, MPI_INT, MPI_MAX, comm);
  free(theta), free(X), free(sc), free(sX), free(ssc);
  MPI_Finalize();
  if (rank_ == 0) pf_test_report("test_group_score");
  return anyfail ? 1 : 0;
}
