/* The library under mpiexec: every rank builds the same network and points from the same streams,
 * computes its share of Jacobian rows (a contiguous range that does not start on a block
 * boundary), and rank 0 gathers them; they must equal the serial rows bit for bit, as must the
 * loss and gradient every rank computes. Every rank returns the same status. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "test_problems.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_ctx *ctx = NULL;
  pf_ctx_create(MPI_COMM_WORLD, &ctx);
  const int sizes[] = {2, 16, 16, 1};
  const size_t n = 101;
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_points *pts = NULL;
  PF_TEST_OK(pf_mlp_create(3, sizes, &net));
  const size_t P = net->nparams;
  PF_TEST_OK(pf_engine_create(net, &tp_problems[0].ops, 32, &eng));
  double *theta = malloc(P * sizeof(double)), *x = malloc(n * sizeof(double));
  double *t = malloc(n * sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(5, 0, PF_RNG_INIT, 0);
  PF_TEST_OK(pf_mlp_init_glorot(net, &s, theta));
  pf_rng_stream ps = pf_rng_stream_make(5, 0, PF_RNG_POOL, 0);
  pf_rng_uniform_range(&ps, 0, n, -1, 1, x);
  pf_rng_uniform_range(&ps, n, n, 0, 1, t);
  PF_TEST_OK(pf_points_create(&tp_problems[0].ops, n, x, t, &pts));

  /* loss and gradient: identical bits on every rank */
  double L, *g = malloc(P * sizeof(double)), *g0 = malloc(P * sizeof(double));
  PF_TEST_OK(pf_engine_loss_grad(eng, theta, pts, &L, g));
  memcpy(g0, g, P * sizeof(double));
  double L0 = L;
  MPI_Bcast(g0, (int)P, MPI_DOUBLE, 0, ctx->comm);
  MPI_Bcast(&L0, 1, MPI_DOUBLE, 0, ctx->comm);
  PF_TEST_EXPECT(L == L0 && !memcmp(g, g0, P * sizeof(double)),
                 "rank %d: loss/gradient differ from rank 0", ctx->rank);

  /* Jacobian rows split over ranks, gathered on rank 0 */
  const size_t per = (n + (size_t)ctx->size - 1) / (size_t)ctx->size;
  const size_t first = per * (size_t)ctx->rank;
  const size_t count = first >= n ? 0 : (first + per <= n ? per : n - first);
  double *Jloc = malloc((count ? count : 1) * P * sizeof(double));
  if (count) PF_TEST_OK(pf_engine_jacobian_rows(eng, theta, pts, first, count, Jloc, NULL));
  int *counts = malloc((size_t)ctx->size * sizeof(int)),
      *displs = malloc((size_t)ctx->size * sizeof(int));
  for (int r = 0; r < ctx->size; r++) {
    size_t f = per * (size_t)r, c = f >= n ? 0 : (f + per <= n ? per : n - f);
    counts[r] = (int)(c * P);
    displs[r] = (int)(f * P);
  }
  double *J = ctx->rank == 0 ? malloc(n * P * sizeof(double)) : NULL;
  MPI_Gatherv(Jloc, (int)(count * P), MPI_DOUBLE, J, counts, displs, MPI_DOUBLE, 0, ctx->comm);
  if (ctx->rank == 0) {
    double *Js = malloc(n * P * sizeof(double));
    PF_TEST_OK(pf_engine_jacobian_rows(eng, theta, pts, 0, n, Js, NULL));
    PF_TEST_EXPECT(!memcmp(J, Js, n * P * sizeof(double)),
                   "gathered Jacobian rows differ from the serial rows");
    free(Js);
    free(J);
  }
  int fail = pf_test_failures, anyfail = 0;
  MPI_Allreduce(&fail, &anyfail, 1, MPI_INT, MPI_MAX, ctx->comm);
  free(theta), free(x), free(t), free(g), free(g0), free(Jloc), free(counts), free(displs);
  pf_points_destroy(&pts);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  int rank = ctx->rank;
  pf_ctx_destroy(&ctx);
  MPI_Finalize();
  if (rank == 0) pf_test_report("test_engine_mpi");
  return anyfail ? 1 : 0;
}
