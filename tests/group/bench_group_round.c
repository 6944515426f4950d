/* Wall time of one group-parallel scoring round (not a test): mpiexec -n G bench_group_round
 * [method [backend [Z [pool [hidden width [layers [reps]]]]]]], default pinnfluence arnoldi 1000
 * 10000 32 3 3, burgers, Glorot theta, block 128. Prints rank 0's phases per repetition and the
 * best time. Set OPENBLAS_NUM_THREADS=1 (and OPENBLAS_CORETYPE) in the environment. */
#include "pinnfluence/core.h"
#include "pinnfluence/group.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  pf_blas_select_core(argv);
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *method = argc > 1 ? argv[1] : "pinnfluence";
  const char *backend = argc > 2 ? argv[2] : "arnoldi";
  const size_t nz = argc > 3 ? (size_t)atol(argv[3]) : 1000;
  const size_t pool = argc > 4 ? (size_t)atol(argv[4]) : 10000;
  const int width = argc > 5 ? atoi(argv[5]) : 32, layers = argc > 6 ? atoi(argv[6]) : 3;
  const int reps = argc > 7 ? atoi(argv[7]) : 3;
  pf_task_spec s;
  memset(&s, 0, sizeof s);
  s.pde = pf_pde_find("burgers");
  s.nhidden = layers;
  for (int l = 0; l < layers; l++) s.hidden[l] = width;
  s.seed = 1;
  s.method = pf_score_method_find(method);
  s.pool = pool;
  s.per_cycle = 10;
  s.block = 128;
  s.influence = pf_influence_params_default();
  s.influence.test_points = nz;
  snprintf(s.influence_backend, sizeof s.influence_backend, "%s", backend);
  pf_group_scorer *gs = NULL;
  if (!s.method || pf_group_scorer_create(MPI_COMM_WORLD, &s, &gs)) {
    MPI_Finalize();
    return 2;
  }
  int sizes[PF_PDE_MAX_HIDDEN + 2] = {pf_pde_dim(s.pde)};
  for (int l = 0; l < layers; l++) sizes[l + 1] = width;
  sizes[layers + 1] = pf_pde_outputs(s.pde);
  pf_mlp *net = NULL;
  pf_mlp_create(layers + 1, sizes, &net);
  double *theta = calloc(net->nparams, sizeof(double));
  pf_rng_stream init = pf_rng_stream_make(1, 0, PF_RNG_INIT, 0);
  pf_mlp_init_glorot(net, &init, theta);
  double *X = calloc(pool * (size_t)pf_pde_dim(s.pde), sizeof(double));
  double *sc = calloc(pool, sizeof(double)), best = 1e300;
  int rc = 0;
  for (int r = 0; r < reps && !rc; r++) {
    pf_influence_stats st;
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    rc = pf_group_score(gs, 1, theta, X, sc, &st);
    const double dt = MPI_Wtime() - t0;
    best = dt < best ? dt : best;
    if (rank == 0)
      printf("%s/%s P %zu Z %zu pool %zu ranks %d: %.3f s (hessian %.3f embed %.3f score %.3f "
             "hvps %d rank %d)\n",
             method, backend, net->nparams, nz, pool, size, dt, st.hessian_seconds,
             st.embed_seconds, st.score_seconds, st.hvps, st.rank);
  }
  if (rank == 0 && !rc) printf("best of %d: %.3f s on %d rank(s)\n", reps, best, size);
  pf_group_scorer_destroy(&gs);
  free(theta), free(X), free(sc);
  pf_mlp_destroy(&net);
  MPI_Finalize();
  return rc ? 1 : 0;
}
