/* The gauss_newton backend against the explicitly formed G = 2 J^T J (dense P x P from the rows
 * of J over Z, summed here point by point) and its Jacobi eigen-decomposition with captum's rules,
 * on a tiny network (2-4-4-1, 37 parameters, Burgers residual):
 *  - |Z| = 15 < P: G has rank 15; with rank 10 the kept pairs are G's top 10;
 *  - |Z| = 60 > P: with rank 50 all pairs of G's numerical range are kept (G's null space, the
 *    eigenvalues at rounding level, is excluded on both sides as gauss_newton.c documents);
 * eigenvalues, eigenvectors (|cos|) and the pinnfluence scores of a pool must agree. */
#include "influence_test.h"

#include <mpi.h>

static void check(it_net *T, size_t nz, int rank, const char *label) {
  const size_t P = T->P, nc = 20;
  const pf_pde *pde = T->pde;
  pf_points *Z = it_zset(pde, 1, 1, nz);
  pf_points *pool = it_points(pde, 5, 2, nc);
  pf_influence_params ip = pf_influence_params_default();
  ip.backend = "gauss_newton";
  ip.test_points = nz;
  ip.rank = rank;

  /* explicit G = 2 sum_z J_z^T J_z, one row at a time */
  double *J = malloc(nz * P * sizeof(double)), *G = calloc(P * P, sizeof(double));
  PF_TEST_OK(pf_engine_jacobian_rows(T->eng, T->theta, Z, 0, nz, J, NULL));
  for (size_t z = 0; z < nz; z++)
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < P; j++) G[i * P + j] += 2 * J[z * P + i] * J[z * P + j];
  double *w = malloc(P * sizeof(double)), *V = malloc(P * P * sizeof(double));
  double *Rb = malloc(P * P * sizeof(double)), *lam = malloc(P * sizeof(double));
  it_jacobi((int)P, G, w, V);
  /* G's null space (eigenvalues at rounding level, max(|Z|, P) eps max|w| and below) is not
   * used by the backend (see gauss_newton.c): exclude it here too */
  double wmax = 0;
  for (size_t i = 0; i < P; i++) wmax = fmax(wmax, fabs(w[i]));
  int nnull = 0;
  for (size_t i = 0; i < P; i++)
    if (w[i] <= (double)(nz > P ? nz : P) * 2.220446049250313e-16 * wmax) w[i] = -INFINITY, nnull++;
  const int kb = it_rules((int)P, w, V, ip.damping, ip.eig_tol, ip.rank, Rb, lam);

  pf_influence_factor *F = NULL;
  PF_TEST_OK(pf_influence_factor_create(T->eng, T->net, T->theta, Z, &ip, 1, 1, &F));
  if (F) {
    PF_TEST_EXPECT(F->rank == kb, "%s: kept %d pairs, explicit G %d", label, F->rank, kb);
    const int k = F->rank < kb ? F->rank : kb;
    double el = 0, ev = 0;
    for (int j = 0; j < k; j++) {
      el = fmax(el, fabs(F->lambda[j] - lam[j]) / lam[j]);
      /* directions only where the eigenvalue is separated from its neighbours */
      const double gap =
          fmin(j > 0 ? lam[j - 1] - lam[j] : INFINITY, j + 1 < k ? lam[j] - lam[j + 1] : INFINITY);
      if (gap <= 1e-3 * lam[j]) continue;
      /* columns of R are v / sqrt(lambda): compare directions */
      double dot = 0, na = 0, nb = 0;
      for (size_t p = 0; p < P; p++) {
        const double a = F->R[p * (size_t)F->rank + (size_t)j], b = Rb[p * (size_t)kb + (size_t)j];
        dot += a * b, na += a * a, nb += b * b;
      }
      ev = fmax(ev, 1 - fabs(dot) / sqrt(na * nb));
    }
    printf("%s: %d pairs (lambda %.4g .. %.4g; %d null eigenvalues of G), max rel eigenvalue "
           "error %.2e, max 1-|cos| %.2e\n",
           label, k, lam[0], lam[k - 1], nnull, el, ev);
    PF_TEST_EXPECT(el <= 1e-10, "%s: eigenvalues differ by %.3g", label, el);
    PF_TEST_EXPECT(ev <= 1e-8, "%s: eigenvectors differ by 1-|cos| = %.3g", label, ev);
    PF_TEST_EXPECT(F->hvps == 0, "%s: gauss_newton used %d HVPs", label, F->hvps);
  }
  pf_influence_factor_destroy(&F);

  /* scores from explicit gradients g = 2 r J_x (rows of the same J) and the explicit factor */
  double *gz = malloc(nz * P * sizeof(double)), *gc = malloc(nc * P * sizeof(double));
  double *rz = malloc(nz * sizeof(double)), *rc = malloc(nc * sizeof(double));
  double *Sb = malloc(nc * sizeof(double)), *S = malloc(nc * sizeof(double));
  PF_TEST_OK(pf_engine_residuals(T->eng, T->theta, Z, rz, NULL));
  PF_TEST_OK(pf_engine_residuals(T->eng, T->theta, pool, rc, NULL));
  PF_TEST_OK(pf_engine_jacobian_rows(T->eng, T->theta, pool, 0, nc, gc, NULL));
  for (size_t i = 0; i < nz * P; i++) gz[i] = 2 * rz[i / P] * J[i];
  for (size_t i = 0; i < nc * P; i++) gc[i] *= 2 * rc[i / P];
  it_scores(P, nz, gz, nc, gc, Rb, kb, Sb);
  PF_TEST_OK(pf_influence_score(T->eng, T->net, pde, &ip, PF_INFLUENCE_PINNFLUENCE, 1, 1, T->theta,
                                pool, S, NULL));
  const double e = it_maxrel_each(nc, S, Sb);
  printf("%s: scores vs explicit G max rel error %.2e\n", label, e);
  PF_TEST_EXPECT(e <= 1e-8, "%s: scores differ by %.3g", label, e);

  free(J), free(G), free(w), free(V), free(Rb), free(lam), free(gz), free(gc), free(rz), free(rc);
  free(Sb), free(S);
  pf_points_destroy(&Z);
  pf_points_destroy(&pool);
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv); /* Debian's OpenBLAS misdetects some CPUs: pick the kernels */
  MPI_Init(&argc, &argv);
  const pf_pde *pde = pf_pde_find("burgers");
  static const int sizes[] = {2, 4, 4, 1};
  it_net T;
  it_net_setup(&T, pde, 3, sizes, 8, 5, 0.6);
  check(&T, 15, 10, "gauss_newton |Z| = 15 < P, rank 10");
  check(&T, 60, 50, "gauss_newton |Z| = 60 > P, rank 50");
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_gauss_newton");
  MPI_Finalize();
  return rc;
}
