/* The arnoldi backend against LAPACK on the same Hessian (the dense Hessian of sum_z r(z)^2 from
 * exact HVPs, eigenpairs from dsyev) on tiny networks:
 *  - with arnoldi_iters = P + 1 and arnoldi_tol = 0 captum's Krylov basis has P vectors, the
 *    whole space: every kept Ritz pair is an eigenpair of H (eigenvalues to 1e-8 relative,
 *    eigenvectors to 1e-6 in angle where the eigenvalue is separated);
 *  - with the defaults (tol 0.1, 200 iterations > P) the iteration stops early by the tolerance
 *    (captum then drops the last vector): the top eigenpairs have converged;
 *  - captum's bookkeeping: 200 HVPs give a 199-dimensional space; the same seed and cycle give
 *    the same factor, another cycle another start vector;
 *  - the kept Ritz vectors are unit vectors (captum's eigenvector normalisation) and R R^T g
 *    matches V Lambda^-1 V^T g built from LAPACK's eigenpairs. */
#include "influence_test.h"

#include <lapacke.h>
#include <mpi.h>

typedef struct {
  size_t P;
  double *w, *V; /* LAPACK eigenvalues (ascending) and eigenvectors, column j at V + j*P */
} lapack_eig;

static void lapack_eigs(it_net *T, const pf_points *Z, lapack_eig *E) {
  const size_t P = T->P;
  E->P = P;
  E->w = malloc(P * sizeof(double));
  E->V = malloc(P * P * sizeof(double));
  PF_TEST_OK(pf_hessian_dense(T->eng, T->net, T->theta, Z, E->V));
  int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', (int)P, E->V, (int)P, E->w);
  PF_TEST_EXPECT(info == 0, "dsyev info %d", info);
}

/* Compare the factor's kept pairs with LAPACK's: eigenvalues (relative, for the first `nconv`
 * only) and eigenvectors (|cos| for pairs separated from their neighbours by > 1e-3 relative). */
static void compare(const pf_influence_factor *F, const lapack_eig *E, double damping, int nconv,
                    double tol_lambda, double tol_vec, const char *label) {
  const size_t P = E->P;
  double worst_l = 0, worst_v = 0, worst_norm = 0;
  for (int j = 0; j < F->rank && j < nconv; j++) {
    const size_t li = P - 1 - (size_t)j; /* LAPACK's j-th largest */
    const double want = E->w[li] + damping;
    worst_l = fmax(worst_l, fabs(F->lambda[j] - want) / fabs(want));
    /* v_j = sqrt(lambda_j) R[:, j] */
    double dot = 0, nrm = 0;
    for (size_t p = 0; p < P; p++) {
      const double v = sqrt(F->lambda[j]) * F->R[p * (size_t)F->rank + (size_t)j];
      dot += v * E->V[li * P + p], nrm += v * v;
    }
    worst_norm = fmax(worst_norm, fabs(sqrt(nrm) - 1));
    const double gap_lo = li > 0 ? E->w[li] - E->w[li - 1] : INFINITY;
    const double gap_hi = li + 1 < P ? E->w[li + 1] - E->w[li] : INFINITY;
    if (fmin(gap_lo, gap_hi) > 1e-3 * fabs(E->w[li]))
      worst_v = fmax(worst_v, 1 - fabs(dot) / sqrt(nrm));
  }
  printf("%s: rank %d, Krylov dim %d, %d HVPs, residual %.3g; over %d pairs max rel eigenvalue "
         "error %.2e, max 1-|cos| %.2e, max | ||v|| - 1 | %.2e\n",
         label, F->rank, F->krylov_dim, F->hvps, F->residual, nconv < F->rank ? nconv : F->rank,
         worst_l, worst_v, worst_norm);
  PF_TEST_EXPECT(worst_l <= tol_lambda, "%s: eigenvalues differ by %.3g > %.1g", label, worst_l,
                 tol_lambda);
  PF_TEST_EXPECT(worst_v <= tol_vec, "%s: eigenvectors differ by 1-|cos| = %.3g > %.1g", label,
                 worst_v, tol_vec);
  PF_TEST_EXPECT(worst_norm <= 1e-8, "%s: Ritz vectors are not unit vectors (%.3g)", label,
                 worst_norm);
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv); /* Debian's OpenBLAS misdetects some CPUs: pick the kernels */
  MPI_Init(&argc, &argv);
  const pf_pde *pde = pf_pde_find("burgers");
  static const int sizes[] = {2, 4, 4, 1};
  it_net T;
  it_net_setup(&T, pde, 3, sizes, 8, 5, 0.6);
  const size_t P = T.P, nz = 15;
  pf_points *Z = it_zset(pde, 1, 1, nz);
  lapack_eig E;
  lapack_eigs(&T, Z, &E);

  pf_influence_params ip = pf_influence_params_default();
  ip.test_points = nz;
  pf_influence_factor *F = NULL;

  /* 1. a full Krylov basis: every kept pair exact */
  ip.arnoldi_iters = (int)P + 1;
  ip.arnoldi_tol = 0.0;
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 3, 1, &F));
  if (F) {
    PF_TEST_EXPECT(F->krylov_dim == (int)P && F->hvps == (int)P + 1,
                   "full basis: Krylov dim %d and %d HVPs, want %zu and %zu", F->krylov_dim,
                   F->hvps, P, P + 1);
    int npos = 0;
    for (size_t i = 0; i < P; i++) npos += E.w[i] + ip.damping > ip.eig_tol;
    PF_TEST_EXPECT(F->rank == npos, "full basis: kept %d, LAPACK has %d above eig_tol", F->rank,
                   npos);
    compare(F, &E, ip.damping, F->rank, 1e-8, 1e-6, "arnoldi, full basis");

    /* R R^T g against V Lambda^-1 V^T g from LAPACK, for a random g */
    double *g = malloc(P * sizeof(double)), *a = calloc(P, sizeof(double));
    double *b = calloc(P, sizeof(double));
    pf_rng_stream s = pf_rng_stream_make(9, 0, PF_RNG_TEST, 1);
    pf_rng_normal(&s, 0, P, g);
    const int k = F->rank;
    for (int j = 0; j < k; j++) {
      double rg = 0, vg = 0;
      const size_t li = P - 1 - (size_t)j;
      for (size_t p = 0; p < P; p++) rg += F->R[p * k + j] * g[p], vg += E.V[li * P + p] * g[p];
      for (size_t p = 0; p < P; p++) {
        a[p] += F->R[p * k + j] * rg;
        b[p] += E.V[li * P + p] * vg / (E.w[li] + ip.damping);
      }
    }
    const double e = it_maxrel(P, a, b);
    printf("arnoldi, full basis: R R^T g vs LAPACK V Lambda^-1 V^T g: rel error %.2e\n", e);
    PF_TEST_EXPECT(e <= 1e-8, "R R^T g differs from LAPACK's by %.3g", e);
    free(g), free(a), free(b);
  }
  pf_influence_factor_destroy(&F);

  /* 2. the defaults: the tolerance stops the iteration; the top pairs have converged */
  ip = pf_influence_params_default();
  ip.test_points = nz;
  ip.rank = 10;
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 3, 1, &F));
  if (F) {
    PF_TEST_EXPECT(F->hvps < ip.arnoldi_iters && F->residual < ip.arnoldi_tol &&
                       F->krylov_dim == F->hvps - 1,
                   "defaults: %d HVPs, residual %g, Krylov dim %d: expected a stop by tolerance "
                   "with the last vector dropped",
                   F->hvps, F->residual, F->krylov_dim);
    compare(F, &E, ip.damping, 4, 1e-8, 1e-6, "arnoldi, defaults");
  }
  pf_influence_factor_destroy(&F);

  /* 3. bookkeeping: n HVPs without a stop give n - 1 vectors; determinism; the stream */
  ip.arnoldi_iters = 12;
  ip.arnoldi_tol = 0.0;
  pf_influence_factor *F2 = NULL, *F3 = NULL;
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 3, 1, &F));
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 3, 1, &F2));
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 3, 2, &F3));
  if (F && F2 && F3) {
    PF_TEST_EXPECT(F->hvps == 12 && F->krylov_dim == 11, "12 iterations: %d HVPs, dim %d", F->hvps,
                   F->krylov_dim);
    PF_TEST_EXPECT(F->rank == F2->rank &&
                       !memcmp(F->R, F2->R, P * (size_t)F->rank * sizeof(double)),
                   "the same seed and cycle gave different factors");
    PF_TEST_EXPECT(F->rank != F3->rank || memcmp(F->R, F3->R, P * (size_t)F->rank * sizeof(double)),
                   "cycles 1 and 2 gave the same factor (the start vector ignores the cycle)");
    /* captum's sign rule in Krylov coordinates: V = Q Y with sum(Y[:, j]) > 0. Q^T is not
     * available here; check instead that the top Ritz vector is close to LAPACK's up to sign. */
    compare(F, &E, ip.damping, 1, 1e-6, 1e-4, "arnoldi, 12 iterations");
  }
  pf_influence_factor_destroy(&F);
  pf_influence_factor_destroy(&F2);
  pf_influence_factor_destroy(&F3);

  /* 4. errors: an empty basis (tolerance above ||H q0||) is reported, not crashed on */
  ip = pf_influence_params_default();
  ip.test_points = nz;
  ip.arnoldi_tol = 1e12;
  pf_error_set_quiet(1);
  PF_TEST_EXPECT(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 3, 1, &F) ==
                     PF_ERR_NUMERIC,
                 "an empty Krylov basis was not reported as PF_ERR_NUMERIC");
  ip = pf_influence_params_default();
  ip.backend = "lanczos";
  PF_TEST_EXPECT(pf_influence_params_check(&ip) == PF_ERR_CONFIG, "unknown backend accepted");
  pf_error_set_quiet(0);
  PF_TEST_EXPECT(F == NULL, "a failed create left a factor");

  free(E.w), free(E.V);
  pf_points_destroy(&Z);
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_arnoldi");
  MPI_Finalize();
  return rc;
}
