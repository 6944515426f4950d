/* The exact backend and pinnfluence scores against a brute-force computation on a tiny network
 * (2-4-4-1, 37 parameters, Burgers residual): the Hessian of sum_z r(z)^2 from differences of
 * the loss gradient, its eigen-decomposition by Jacobi rotations, captum's damping / threshold /
 * rank rules, gradients g(x) = 2 r grad r from differences of the residuals, and the scores
 * sum_i |g(z_i)^T R R^T g(c)| formed explicitly. Also: the Z set is the cycle's stream element by
 * element, and the dense Hessian from exact HVPs matches the differenced one. */
#include "influence_test.h"

#include <mpi.h>

static void check_zset(const pf_pde *pde) {
  const size_t n = 12;
  double X[24], Xs[6]; /* (n, 2): x, t */
  pf_influence_zset(pde, 7, 3, 0, n, X);
  pf_rng_stream s = pf_rng_stream_make(7, 0, PF_RNG_ZSET, 3);
  for (size_t i = 0; i < n; i++) {
    double u[2];
    pf_rng_uniform(&s, 2 * i, 2, u);
    PF_TEST_EXPECT(X[2 * i] == pde->lo[0] + (pde->hi[0] - pde->lo[0]) * u[0] &&
                       X[2 * i + 1] == pde->lo[1] + (pde->hi[1] - pde->lo[1]) * u[1],
                   "zset element %zu is not stream positions 2i, 2i+1", i);
  }
  pf_influence_zset(pde, 7, 3, 5, 3, Xs);
  for (size_t i = 0; i < 3; i++)
    PF_TEST_EXPECT(Xs[2 * i] == X[2 * (5 + i)] && Xs[2 * i + 1] == X[2 * (5 + i) + 1],
                   "zset slice element %zu differs", i);
  /* another cycle, another set */
  pf_influence_zset(pde, 7, 4, 0, 3, Xs);
  PF_TEST_EXPECT(Xs[0] != X[0] && Xs[1] != X[1], "zset of cycle 4 equals that of cycle 3");
}

/* One comparison: exact-backend scores against the brute force for rank `rank`. */
static void check_scores(it_net *T, const pf_points *Z, const pf_points *pool, const double *Hfd,
                         const double *gz, const double *gc, int rank, double tol,
                         const char *label) {
  const size_t P = T->P, nz = Z->n, nc = pool->n;
  pf_influence_params ip = pf_influence_params_default();
  ip.backend = "exact";
  ip.test_points = nz;
  ip.rank = rank;
  /* brute force */
  double *A = malloc(P * P * sizeof(double)), *w = malloc(P * sizeof(double));
  double *V = malloc(P * P * sizeof(double)), *Rb = malloc(P * P * sizeof(double));
  double *lam = malloc(P * sizeof(double)), *Sb = malloc(nc * sizeof(double));
  double *S = malloc(nc * sizeof(double));
  memcpy(A, Hfd, P * P * sizeof(double));
  it_jacobi((int)P, A, w, V);
  const int kb = it_rules((int)P, w, V, ip.damping, ip.eig_tol, ip.rank, Rb, lam);
  it_scores(P, nz, gz, nc, gc, Rb, kb, Sb);

  /* the library: factor, then the whole round */
  pf_influence_factor *F = NULL;
  PF_TEST_OK(pf_influence_factor_create(T->eng, T->net, T->theta, Z, &ip, 1, 1, &F));
  if (F) {
    PF_TEST_EXPECT(F->rank == kb, "%s: kept %d eigenpairs, brute force %d", label, F->rank, kb);
    if (F->rank == kb) {
      const double e = it_maxrel_each((size_t)kb, F->lambda, lam);
      printf("%s: %d eigenpairs kept (lambda %.4g .. %.4g), max rel eigenvalue error %.2e\n", label,
             kb, lam[0], lam[kb - 1], e);
      PF_TEST_EXPECT(e <= 1e-7, "%s: eigenvalues differ by %.3g", label, e);
    }
    PF_TEST_EXPECT(F->hvps == (int)P, "%s: %d HVPs, want %zu", label, F->hvps, P);
  }
  pf_influence_factor_destroy(&F);
  PF_TEST_OK(pf_influence_score(T->eng, T->net, T->pde, &ip, PF_INFLUENCE_PINNFLUENCE, 1, 1,
                                T->theta, pool, S, NULL));
  const double e = it_maxrel_each(nc, S, Sb);
  printf("%s: scores vs brute force max rel error %.2e (S in %.3g .. %.3g)\n", label, e, Sb[0],
         Sb[nc - 1]);
  PF_TEST_EXPECT(e <= tol, "%s: scores differ from the brute force by %.3g > %.1g", label, e, tol);
  free(A), free(w), free(V), free(Rb), free(lam), free(Sb), free(S);
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv); /* Debian's OpenBLAS misdetects some CPUs: pick the kernels */
  MPI_Init(&argc, &argv);
  const pf_pde *pde = pf_pde_find("burgers");
  check_zset(pde);

  static const int sizes[] = {2, 4, 4, 1};
  it_net T;
  it_net_setup(&T, pde, 3, sizes, 8, 5, 0.6);
  const size_t P = T.P, nz = 15, nc = 20;
  pf_points *Z = it_zset(pde, 1, 1, nz); /* the set pf_influence_score draws for seed 1, cycle 1 */
  pf_points *pool = it_points(pde, 5, 2, nc);

  /* dense Hessian from exact HVPs vs differences of the gradient */
  double *Hfd = malloc(P * P * sizeof(double)), *H = malloc(P * P * sizeof(double));
  it_fd_hessian(&T, Z, Hfd);
  PF_TEST_OK(pf_hessian_dense(T.eng, T.net, T.theta, Z, H));
  const double eh = it_maxrel(P * P, H, Hfd);
  printf("dense Hessian (%zu x %zu) vs differences: max error / max entry %.2e\n", P, P, eh);
  PF_TEST_EXPECT(eh <= 1e-9, "dense Hessian differs from differences by %.3g", eh);
  int sym = 1;
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < P; j++) sym &= H[i * P + j] == H[j * P + i];
  PF_TEST_EXPECT(sym, "dense Hessian is not exactly symmetric");

  /* explicit gradients of Z and of the pool */
  double *gz = malloc(nz * P * sizeof(double)), *gc = malloc(nc * P * sizeof(double));
  it_fd_gradients(&T, Z, gz);
  it_fd_gradients(&T, pool, gc);

  /* the eigenvalues, to choose ranks away from near-ties */
  double *A = malloc(P * P * sizeof(double)), *w = malloc(P * sizeof(double));
  double *V = malloc(P * P * sizeof(double));
  memcpy(A, Hfd, P * P * sizeof(double));
  it_jacobi((int)P, A, w, V);
  int npos = 0;
  for (size_t i = 0; i < P; i++) npos += w[i] + 1e-3 > 1e-4;
  printf("Hessian: %d of %zu damped eigenvalues above eig_tol\n", npos, P);

  check_scores(&T, Z, pool, Hfd, gz, gc, 8, 1e-6, "exact rank 8");
  check_scores(&T, Z, pool, Hfd, gz, gc, 50, 1e-6, "exact rank 50 (all above eig_tol)");

  free(Hfd), free(H), free(gz), free(gc), free(A), free(w), free(V);
  pf_points_destroy(&Z);
  pf_points_destroy(&pool);
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_exact");
  MPI_Finalize();
  return rc;
}
