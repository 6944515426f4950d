/* The block_krylov backend against LAPACK on the same Hessian (the dense Hessian of sum_z r(z)^2
 * from exact HVPs, eigenpairs from dsyev) on a tiny network:
 *  - with block_size x block_iters > P and arnoldi_tol = 0 the block Krylov space is the whole
 *    space (the surplus directions deflate): every kept Ritz pair is an eigenpair of H
 *    (eigenvalues to 1e-8 relative, eigenvectors to 1e-6 in angle where separated), at the
 *    defaults too;
 *  - a smaller space: Ritz values interlace (none above H's largest eigenvalue), Ritz vectors are
 *    unit vectors;
 *  - the factor from a callback of single pf_engine_hvp products (what the group path serves)
 *    equals pf_influence_factor_create's bit for bit; the same seed and cycle give the same
 *    factor, another cycle another start block;
 *  - the keys' checks. */
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

/* The factor's kept pairs against LAPACK's: eigenvalues (relative) and eigenvectors (|cos| for
 * pairs separated from their neighbours by > 1e-3 relative); Ritz vectors of unit norm. */
static void compare(const pf_influence_factor *F, const lapack_eig *E, double damping,
                    double tol_lambda, double tol_vec, const char *label) {
  const size_t P = E->P;
  double worst_l = 0, worst_v = 0, worst_norm = 0;
  for (int j = 0; j < F->rank; j++) {
    const size_t li = P - 1 - (size_t)j; /* LAPACK's j-th largest */
    const double want = E->w[li] + damping;
    worst_l = fmax(worst_l, fabs(F->lambda[j] - want) / fabs(want));
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
  printf("%s: rank %d, Krylov dim %d, %d HVPs; max rel eigenvalue error %.2e, max 1-|cos| %.2e, "
         "max | ||v|| - 1 | %.2e\n",
         label, F->rank, F->krylov_dim, F->hvps, worst_l, worst_v, worst_norm);
  PF_TEST_EXPECT(worst_l <= tol_lambda, "%s: eigenvalues differ by %.3g > %.1g", label, worst_l,
                 tol_lambda);
  PF_TEST_EXPECT(worst_v <= tol_vec, "%s: eigenvectors differ by 1-|cos| = %.3g > %.1g", label,
                 worst_v, tol_vec);
  PF_TEST_EXPECT(worst_norm <= 1e-8, "%s: Ritz vectors are not unit vectors (%.3g)", label,
                 worst_norm);
}

typedef struct {
  it_net *T;
  const pf_points *Z;
  int calls;
  size_t widest;
} single_ctx;

/* A block of products as nv single pf_engine_hvp calls. */
static int single_hvps(void *user, size_t nv, const double *V, double *HV) {
  single_ctx *c = user;
  c->calls++;
  if (nv > c->widest) c->widest = nv;
  for (size_t j = 0; j < nv; j++)
    PF_CALL(pf_engine_hvp(c->T->eng, c->T->theta, c->Z, V + j * c->T->P, HV + j * c->T->P));
  return PF_OK;
}

static int same_factor(const pf_influence_factor *a, const pf_influence_factor *b) {
  return a->rank == b->rank && a->hvps == b->hvps && a->krylov_dim == b->krylov_dim &&
         !memcmp(a->lambda, b->lambda, (size_t)a->rank * sizeof(double)) &&
         !memcmp(a->R, b->R, a->nparams * (size_t)a->rank * sizeof(double));
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
  ip.backend = "block_krylov";
  ip.test_points = nz;
  pf_influence_factor *F = NULL, *G = NULL;

  /* the whole space: 8 x 6 = 48 > P = 37 directions, tol 0 */
  ip.block_size = 8, ip.block_iters = 6, ip.arnoldi_tol = 0;
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 7, 1, &F));
  PF_TEST_EXPECT(F->krylov_dim == (int)P, "whole space: Krylov dim %d, want P = %zu", F->krylov_dim,
                 P);
  PF_TEST_EXPECT(F->hvps == F->krylov_dim, "whole space: %d HVPs for dimension %d", F->hvps,
                 F->krylov_dim);
  compare(F, &E, ip.damping, 1e-8, 1e-6, "block 8 x 6, tol 0");
  pf_influence_factor_destroy(&F);

  /* the defaults (16 x 8, captum's tol 0.1): the whole space as well at this size */
  ip = pf_influence_params_default();
  ip.backend = "block_krylov", ip.test_points = nz;
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 7, 1, &F));
  compare(F, &E, ip.damping, 1e-8, 1e-6, "block defaults");

  /* the group path's products: single HVPs through the callback, bit for bit */
  single_ctx sc = {&T, Z, 0, 0};
  PF_TEST_OK(pf_influence_factor_block_krylov(single_hvps, &sc, P, nz, &ip, 7, 1, &G));
  PF_TEST_EXPECT(same_factor(F, G), "callback of single HVPs: factor differs from the engine's");
  PF_TEST_EXPECT(sc.widest <= (size_t)ip.block_size && sc.calls <= ip.block_iters,
                 "callback: %d calls of up to %zu directions", sc.calls, sc.widest);
  pf_influence_factor_destroy(&G);
  /* same seed and cycle: same factor; another cycle: another start block */
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 7, 1, &G));
  PF_TEST_EXPECT(same_factor(F, G), "same seed and cycle: factor differs");
  pf_influence_factor_destroy(&G);
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 7, 2, &G));
  PF_TEST_EXPECT(!same_factor(F, G), "another cycle: the same factor");
  pf_influence_factor_destroy(&G);
  pf_influence_factor_destroy(&F);

  /* a smaller space (4 x 3 = 12 < P): Ritz values interlace, unit Ritz vectors */
  ip.block_size = 4, ip.block_iters = 3, ip.rank = 50;
  PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ip, 7, 1, &F));
  PF_TEST_EXPECT(F->krylov_dim == 12 && F->hvps == 12, "4 x 3: Krylov dim %d, %d HVPs",
                 F->krylov_dim, F->hvps);
  const double top = E.w[P - 1] + ip.damping;
  PF_TEST_EXPECT(F->lambda[0] <= top * (1 + 1e-12),
                 "4 x 3: Ritz value %.17g above lambda_max %.17g", F->lambda[0], top);
  printf("4 x 3: largest Ritz value %.10g, lambda_max %.10g\n", F->lambda[0], top);
  compare(F, &E, ip.damping, INFINITY, INFINITY, "block 4 x 3 (norms only)");
  pf_influence_factor_destroy(&F);

  /* the keys' checks */
  pf_influence_params bad = pf_influence_params_default();
  bad.backend = "block_krylov";
  bad.block_size = 0;
  PF_TEST_EXPECT(pf_influence_params_check(&bad) == PF_ERR_CONFIG, "block_size 0 accepted");
  bad.block_size = 4097;
  PF_TEST_EXPECT(pf_influence_params_check(&bad) == PF_ERR_CONFIG, "block_size 4097 accepted");
  bad.block_size = 16, bad.block_iters = 0;
  PF_TEST_EXPECT(pf_influence_params_check(&bad) == PF_ERR_CONFIG, "block_iters 0 accepted");
  bad.block_size = 1000, bad.block_iters = 101;
  PF_TEST_EXPECT(pf_influence_params_check(&bad) == PF_ERR_CONFIG,
                 "block dimension 101000 accepted");
  bad.block_iters = 100;
  PF_TEST_OK(pf_influence_params_check(&bad));

  free(E.w), free(E.V);
  pf_points_destroy(&Z);
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_block_krylov");
  MPI_Finalize();
  return rc;
}
