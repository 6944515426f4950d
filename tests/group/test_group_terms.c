/* Group-parallel pinnfluence with the fixed terms of a composite loss (pf_group_scorer_set_terms):
 * rank 0's scores from pf_group_score equal, bit for bit, those of the serial
 * pf_influence_score_terms with the same target sets, for every inverse-Hessian backend, two
 * engine block sizes (32, 128: slice unit 256, so Z is split among the ranks) and two cycles, on
 * (a) soft burgers (2-8-8-1) with its derived soft conditions and a data set, and (b) the system of
 * tests/influence/system_problem.h (3-6-6-2, K = 2) with two data sets; removing the terms
 * (nsets = 0) gives pf_influence_score's scores again. Run with 1, 2 and 3 ranks; every rank
 * returns the same status. */
#include "influence/system_problem.h"
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/group.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/terms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPOOL 1000
#define NZ    600
#define SEED  9

static int rank_ = 0;

static pf_task_spec make_spec(const pf_pde *pde, int nh, const char *backend, int block) {
  pf_task_spec s;
  memset(&s, 0, sizeof s);
  s.pde = pde;
  s.nhidden = 2;
  s.hidden[0] = nh, s.hidden[1] = nh;
  s.seed = SEED;
  s.method = pf_score_method_find("pinnfluence");
  s.pool = NPOOL;
  s.per_cycle = 10;
  s.block = block;
  s.influence = pf_influence_params_default();
  s.influence.test_points = NZ;
  s.influence.rank = 30;
  snprintf(s.influence_backend, sizeof s.influence_backend, "%s", backend);
  s.label = "test_group_terms";
  return s;
}

/* A data set of n points of the box with targets sin(x) + stream noise (the same on every rank). */
static void add_data(pf_target_list *l, const pf_pde *p, const char *name, double w, int nread,
                     const pf_read *read, size_t n, uint64_t index) {
  const int d = p->ops.d;
  double *X = NULL, *Y = NULL, *c = malloc(n * sizeof(double));
  PF_TEST_OK(pf_target_list_add(l, name, w, nread, read, n, d, &X, &Y));
  if (X) {
    pf_rng_stream s = pf_rng_stream_make(SEED, 0, PF_RNG_TEST, index);
    for (int j = 0; j < d; j++) {
      pf_rng_uniform_range(&s, (uint64_t)j * n, n, p->lo[j], p->hi[j], c);
      for (size_t i = 0; i < n; i++) X[i * (size_t)d + (size_t)j] = c[i];
    }
    pf_rng_normal(&s, (uint64_t)d * n, n * (size_t)nread, Y);
    for (size_t i = 0; i < n * (size_t)nread; i++)
      Y[i] = 0.1 * Y[i] + sin(X[i / (size_t)nread * (size_t)d]);
  }
  free(c);
}

/* The serial round on rank 0: network, engine and terms of its own, pf_influence_score_terms
 * over the cycle's pool. */
static int serial_scores(const pf_task_spec *spec, const pf_target_list *l, const double *theta,
                         int cycle, double *X, double *scores) {
  const int sizes[] = {spec->pde->ops.d, spec->hidden[0], spec->hidden[1], spec->pde->ops.m};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_points *pool = NULL;
  pf_terms *T = NULL;
  PF_CALL(pf_mlp_create(3, sizes, &net));
  PF_CALL(pf_engine_create(net, &spec->pde->ops, spec->block, &eng));
  if (l) PF_CALL(pf_terms_create(net, &spec->pde->ops, spec->block, l->nsets, l->set, &T));
  pf_sample_pool(spec->pde, spec->seed, cycle, 0, spec->pool, X);
  PF_CALL(pf_points_create(&spec->pde->ops, spec->pool, X, &pool));
  pf_influence_params ip = spec->influence;
  ip.backend = spec->influence_backend;
  if (T)
    PF_CALL(pf_influence_score_terms(eng, net, spec->pde, T, &ip, PF_INFLUENCE_PINNFLUENCE,
                                     spec->seed, cycle, theta, pool, scores, NULL));
  else
    PF_CALL(pf_influence_score(eng, net, spec->pde, &ip, PF_INFLUENCE_PINNFLUENCE, spec->seed,
                               cycle, theta, pool, scores, NULL));
  pf_terms_destroy(&T);
  pf_points_destroy(&pool);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  return PF_OK;
}

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

/* Glorot weights and small nonzero biases from the task's stream (every rank computes it; only
 * rank 0's is used). */
static double *make_theta(const pf_task_spec *spec) {
  const int sizes[] = {spec->pde->ops.d, spec->hidden[0], spec->hidden[1], spec->pde->ops.m};
  pf_mlp *net = NULL;
  pf_mlp_create(3, sizes, &net);
  double *theta = calloc(net->nparams, sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(SEED, 0, PF_RNG_INIT, 0);
  pf_mlp_init_glorot(net, &s, theta);
  for (int l = 0; l < net->nlayers; l++)
    for (int j = 0; j < sizes[l + 1]; j++) theta[net->b_off[l] + (size_t)j] = 0.05 * (j % 5 - 2);
  pf_mlp_destroy(&net);
  return theta;
}

static void check_problem(MPI_Comm comm, const char *label, const pf_pde *pde, int nh,
                          const pf_target_list *l) {
  const size_t d = (size_t)pde->ops.d;
  double *X = calloc(NPOOL * d, sizeof(double)), *sX = calloc(NPOOL * d, sizeof(double));
  double *sc = calloc(NPOOL, sizeof(double)), *ssc = calloc(NPOOL, sizeof(double));
  const char *backends[] = {"arnoldi", "exact", "gauss_newton"};
  const int blocks[] = {32, 128};
  for (int b = 0; b < 3; b++)
    for (int k = 0; k < 2; k++) {
      pf_task_spec spec = make_spec(pde, nh, backends[b], blocks[k]);
      double *theta = make_theta(&spec);
      pf_group_scorer *gs = NULL;
      PF_TEST_OK(pf_group_scorer_create(comm, &spec, &gs));
      if (!gs) {
        free(theta);
        continue;
      }
      PF_TEST_OK(pf_group_scorer_set_terms(gs, l->nsets, l->set));
      for (int cycle = 1; cycle <= 3; cycle++) {
        /* cycle 3: the terms removed */
        if (cycle == 3) PF_TEST_OK(pf_group_scorer_set_terms(gs, 0, NULL));
        pf_influence_stats st;
        const double t0 = MPI_Wtime();
        if (rank_ == 0)
          PF_TEST_OK(serial_scores(&spec, cycle == 3 ? NULL : l, theta, cycle, sX, ssc));
        const double t1 = MPI_Wtime();
        const int rc = pf_group_score(gs, cycle, rank_ == 0 ? theta : NULL, rank_ == 0 ? X : NULL,
                                      rank_ == 0 ? sc : NULL, &st);
        const double t2 = MPI_Wtime();
        PF_TEST_EXPECT(rc == 0, "%s %s block %d cycle %d: pf_group_score returned %d", label,
                       backends[b], blocks[k], cycle, rc);
        if (rank_ != 0 || rc) continue;
        char what[128];
        snprintf(what, sizeof what, "%s %s block %d cycle %d%s scores", label, backends[b],
                 blocks[k], cycle, cycle == 3 ? " (terms removed)" : "");
        compare(what, sc, ssc, NPOOL);
        compare("pool", X, sX, NPOOL * d);
        if (cycle ==
            1) { /* the terms change the scores (so the comparison above means something) */
          PF_TEST_OK(serial_scores(&spec, NULL, theta, cycle, sX, ssc));
          PF_TEST_EXPECT(memcmp(sc, ssc, NPOOL * sizeof *sc), "%s: the terms change nothing", what);
        }
        fprintf(stderr,
                "  %-12s %-12s block %3d cycle %d%s: serial %.3f s, group %.3f s, rank %d, "
                "candidates %d\n",
                label, backends[b], blocks[k], cycle, cycle == 3 ? " no terms" : "", t1 - t0,
                t2 - t1, st.rank, st.candidates);
      }
      PF_TEST_OK(pf_group_scorer_destroy(&gs));
      free(theta);
    }
  free(X), free(sX), free(sc), free(ssc);
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv);
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  int size = 1;
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &size);
  if (rank_ == 0) fprintf(stderr, "test_group_terms on %d rank(s)\n", size);
  {
    const pf_pde *soft = NULL;
    PF_TEST_OK(pf_pde_soft(&pf_pde_burgers, &soft));
    pf_target_list l;
    memset(&l, 0, sizeof l);
    PF_TEST_OK(pf_pde_soft_sets(soft, 40, 2.0, &l));
    const pf_read ru = {0, PF_CH_V};
    add_data(&l, soft, "data u", 0.5, 1, &ru, 50, 31);
    if (soft) check_problem(comm, "soft burgers", soft, 8, &l);
    pf_target_list_free(&l);
  }
  {
    pf_target_list l;
    memset(&l, 0, sizeof l);
    const pf_read r2[2] = {{0, 0}, {1, 0}};
    const pf_read r3[2] = {{1, pf_jet_index(3, 2, -1)}, {0, pf_jet_index(3, 0, 1)}};
    add_data(&l, &sys_pde, "values u v", 1.5, 2, r2, 30, 32);
    add_data(&l, &sys_pde, "v_t u_xy", 0.4, 2, r3, 20, 33);
    check_problem(comm, "system", &sys_pde, 6, &l);
    pf_target_list_free(&l);
  }
  /* every rank the same status */
  int mine = pf_test_failures, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MAX, comm);
  pf_test_failures = all;
  MPI_Finalize();
  return pf_test_report("test_group_terms");
}
