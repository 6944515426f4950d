/* Hand-checkable scores. Problem: u = N (no constraint), residual r = u - x, on [0,1] x [0,1];
 * network 2-1-1, N = w2 tanh(w_x x + w_t t + b1) + b2, parameters (w_x, w_t, b1, w2, b2) at
 * (0, 0, 0, 0, beta). There tanh = 0 and tanh' = 1, so
 *   r(x) = beta - x,  grad r = e_b2,  g(x) = 2 (beta - x) e_b2,
 *   d2r / dw2 d(w_x, w_t, b1) = (x, t, 1), all other second derivatives 0,
 *   H = sum_z 2 (grad r grad r^T + r d2r) = 2 |Z| e_b2 e_b2^T + 2 (c e_w2^T + e_w2 c^T),
 *       c = sum_z r(z) (x_z, t_z, 1, 0, 0).
 * e_b2 is an eigenvector of H with eigenvalue 2|Z| and every other eigenvector is orthogonal to
 * it, so with damping d, as long as 2|Z| + d is kept,
 *   grad_dot     S(c) = 4 |beta - x_c| sum_i |beta - x_i|
 *   pinnfluence  S(c) = 4 |beta - x_c| sum_i |beta - x_i| / (2 |Z| + d)
 * for every backend (Gauss-Newton: G = 2 |Z| e_b2 e_b2^T, one non-zero eigenpair; Arnoldi: H has
 * four distinct eigenvalues 2|Z|, +-2||c||, 0, so 5 iterations with tol 0 give the invariant
 * 4-dimensional Krylov space that contains e_b2). */
#include "influence_test.h"
#include "pinnfluence/sample.h"

#include <mpi.h>

static void id_transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  memset(A, 0, PF_NCH * n * sizeof *A);
  memset(B, 0, PF_NCH * n * sizeof *B);
  for (size_t i = 0; i < n; i++) B[PF_CH_V * n + i] = 1.0;
}

/* reads q_0 = u; X (n, 2): x = X[2i] */
static void res_u_minus_x(const void *ctx, size_t n, const double *X, const double *q, double *r,
                          double *dr, double *d2r) {
  for (size_t i = 0; i < n; i++) {
    r[i] = q[i] - X[2 * i];
    if (dr) dr[i] = 1.0;
  }
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv); /* Debian's OpenBLAS misdetects some CPUs: pick the kernels */
  MPI_Init(&argc, &argv);
  const pf_pde hand = {.name = "hand",
                       .residual = "u - x",
                       .inputs = {"x", "t"},
                       .lo = {0, 0},
                       .hi = {1, 1},
                       .outputs = {"u"},
                       .components = {"r"},
                       .nhidden = 1,
                       .hidden = {1},
                       .initial_points = 4,
                       .ops = {.d = 2,
                               .m = 1,
                               .k = 1,
                               .nread = 1,
                               .read = {{0, PF_CH_V}},
                               .weight = {1.0},
                               .transform = id_transform,
                               .residual = res_u_minus_x,
                               .ctx = NULL},
                       .exact = NULL};
  static const int sizes[] = {2, 1, 1};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_mlp_create(2, sizes, &net);
  pf_engine_create(net, &hand.ops, 4, &eng);
  const double beta = 0.5, d = 1e-3;
  const double theta[5] = {0, 0, 0, 0, beta};
  PF_TEST_EXPECT(net->nparams == 5, "2-1-1 has %zu parameters", net->nparams);

  const size_t nz = 4, nc = 6;
  double ZX[8], PX[12]; /* (n, 2): x, t */
  pf_influence_zset(&hand, 11, 2, 0, nz, ZX);
  pf_sample_pool(&hand, 11, 2, 0, nc, PX);
  pf_points *pool = NULL;
  pf_points_create(&hand.ops, nc, PX, &pool);

  double sz = 0, want_gd[6], want_pf[6];
  for (size_t i = 0; i < nz; i++) sz += fabs(beta - ZX[2 * i]);
  for (size_t c = 0; c < nc; c++) {
    want_gd[c] = 4 * fabs(beta - PX[2 * c]) * sz;
    want_pf[c] = want_gd[c] / (2.0 * (double)nz + d);
  }

  pf_influence_params ip = pf_influence_params_default();
  ip.test_points = nz;
  ip.damping = d;
  double S[6];
  pf_score_ctx sc = {eng, net, &hand, 11, 2, NULL, 0, &ip, NULL};
  PF_TEST_OK(pf_score_method_find("grad_dot")->score(&sc, theta, pool, S));
  for (size_t c = 0; c < nc; c++)
    PF_TEST_CLOSE(S[c], want_gd[c], 1e-14, 1e-300, "grad_dot = 4 |b - x_c| sum |b - x_i|");
  printf("grad_dot: S = %.15g ... (want %.15g ...)\n", S[0], want_gd[0]);

  static const char *backends[] = {"exact", "gauss_newton", "arnoldi"};
  for (int b = 0; b < 3; b++) {
    ip.backend = backends[b];
    ip.arnoldi_iters = 5;
    ip.arnoldi_tol = 0.0;
    PF_TEST_OK(pf_score_method_find("pinnfluence")->score(&sc, theta, pool, S));
    char what[96];
    snprintf(what, sizeof what, "pinnfluence/%s = 4 |b - x_c| sum |b - x_i| / (2|Z| + d)",
             backends[b]);
    for (size_t c = 0; c < nc; c++) PF_TEST_CLOSE(S[c], want_pf[c], 1e-10, 1e-300, what);
    printf("pinnfluence/%s: S = %.15g ... (want %.15g ...)\n", backends[b], S[0], want_pf[0]);
  }

  /* the factor's top eigenpair is (2|Z| + d, e_b2) for every backend */
  pf_points *Z = NULL;
  pf_points_create(&hand.ops, nz, ZX, &Z);
  for (int b = 0; b < 3; b++) {
    ip.backend = backends[b];
    pf_influence_factor *F = NULL;
    PF_TEST_OK(pf_influence_factor_create(eng, net, theta, Z, &ip, 11, 2, &F));
    if (!F) continue;
    int found = 0;
    for (int j = 0; j < F->rank; j++)
      if (fabs(F->lambda[j] - (2.0 * (double)nz + d)) <= 1e-12 * (2.0 * (double)nz + d)) {
        const double rb2 = F->R[4 * (size_t)F->rank + (size_t)j];
        /* exact, gauss_newton: the sign rule (entry sum > 0) gives + e_b2 / sqrt(lambda);
         * arnoldi applies it in Krylov coordinates, so only the magnitude is fixed */
        const double got = b == 2 ? fabs(rb2) : rb2;
        found = fabs(got - 1 / sqrt(F->lambda[j])) <= 1e-12;
      }
    PF_TEST_EXPECT(found, "%s: no eigenpair (2|Z| + d, +e_b2) among the %d kept", backends[b],
                   F->rank);
    pf_influence_factor_destroy(&F);
  }

  pf_points_destroy(&Z);
  pf_points_destroy(&pool);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  int rc = pf_test_report("test_influence_hand");
  MPI_Finalize();
  return rc;
}
