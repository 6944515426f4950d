/* The library under mpiexec: every rank builds the same network and points from the same streams,
 * computes its share of Jacobian rows (a contiguous range that does not start on a block
 * boundary), and rank 0 gathers them; they must equal the serial rows bit for bit, as must the
 * loss and gradient every rank computes; for a paper-style problem (specialised path) and for the
 * manufactured d = 3, m = 3, k = 3 problem (general path, k rows per point). Every rank returns
 * the same status. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "test_problems.h"

#include <stdlib.h>
#include <string.h>

static void check_problem(const pf_ctx *ctx, const tp_problem *pr, const int *sizes, int nl) {
  const size_t n = 101;
  const int d = pr->ops.d, k = pr->ops.k;
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_points *pts = NULL;
  PF_TEST_OK(pf_mlp_create(nl, sizes, &net));
  const size_t P = net->nparams, K = (size_t)k;
  PF_TEST_OK(pf_engine_create(net, &pr->ops, 32, &eng));
  double *theta = malloc(P * sizeof(double)), *c = malloc(n * sizeof(double));
  double *X = malloc(n * (size_t)d * sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(5, 0, PF_RNG_INIT, 0);
  PF_TEST_OK(pf_mlp_init_glorot(net, &s, theta));
  pf_rng_stream ps = pf_rng_stream_make(5, 0, PF_RNG_POOL, 0);
  for (int j = 0; j < d; j++) {
    pf_rng_uniform_range(&ps, (uint64_t)j * n, n, pr->lo[j], pr->hi[j], c);
    for (size_t i = 0; i < n; i++) X[i * (size_t)d + (size_t)j] = c[i];
  }
  PF_TEST_OK(pf_points_create(&pr->ops, n, X, &pts));

  /* loss and gradient: identical bits on every rank */
  double L, *g = malloc(P * sizeof(double)), *g0 = malloc(P * sizeof(double));
  PF_TEST_OK(pf_engine_loss_grad(eng, theta, pts, &L, g));
  memcpy(g0, g, P * sizeof(double));
  double L0 = L;
  MPI_Bcast(g0, (int)P, MPI_DOUBLE, 0, ctx->comm);
  MPI_Bcast(&L0, 1, MPI_DOUBLE, 0, ctx->comm);
  PF_TEST_EXPECT(L == L0 && !memcmp(g, g0, P * sizeof(double)),
                 "%s: rank %d: loss/gradient differ from rank 0", pr->name, ctx->rank);

  /* Jacobian rows (k per point) split over ranks, gathered on rank 0 */
  const size_t per = (n + (size_t)ctx->size - 1) / (size_t)ctx->size;
  const size_t first = per * (size_t)ctx->rank;
  const size_t count = first >= n ? 0 : (first + per <= n ? per : n - first);
  double *Jloc = malloc((count ? count : 1) * K * P * sizeof(double));
  if (count) PF_TEST_OK(pf_engine_jacobian_rows(eng, theta, pts, first, count, Jloc, NULL));
  int *counts = malloc((size_t)ctx->size * sizeof(int)),
      *displs = malloc((size_t)ctx->size * sizeof(int));
  for (int r = 0; r < ctx->size; r++) {
    size_t f = per * (size_t)r, cnt = f >= n ? 0 : (f + per <= n ? per : n - f);
    counts[r] = (int)(cnt * K * P);
    displs[r] = (int)(f * K * P);
  }
  double *J = ctx->rank == 0 ? malloc(n * K * P * sizeof(double)) : NULL;
  MPI_Gatherv(Jloc, (int)(count * K * P), MPI_DOUBLE, J, counts, displs, MPI_DOUBLE, 0, ctx->comm);
  if (ctx->rank == 0) {
    double *Js = malloc(n * K * P * sizeof(double));
    PF_TEST_OK(pf_engine_jacobian_rows(eng, theta, pts, 0, n, Js, NULL));
    PF_TEST_EXPECT(!memcmp(J, Js, n * K * P * sizeof(double)),
                   "%s: gathered Jacobian rows differ from the serial rows", pr->name);
    free(Js);
    free(J);
  }
  free(theta), free(c), free(X), free(g), free(g0), free(Jloc), free(counts), free(displs);
  pf_points_destroy(&pts);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_ctx *ctx = NULL;
  pf_ctx_create(MPI_COMM_WORLD, &ctx);
  const int sizes[] = {2, 16, 16, 1}, sizes3[] = {3, 16, 16, 3};
  check_problem(ctx, &tp_problems[0], sizes, 3);
  check_problem(ctx, &tp_mms, sizes3, 3);
  int fail = pf_test_failures, anyfail = 0;
  MPI_Allreduce(&fail, &anyfail, 1, MPI_INT, MPI_MAX, ctx->comm);
  int rank = ctx->rank;
  pf_ctx_destroy(&ctx);
  MPI_Finalize();
  if (rank == 0) pf_test_report("test_engine_mpi");
  return anyfail ? 1 : 0;
}
