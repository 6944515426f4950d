/* The scores of a system (K = 2 weighted residual components, m = 2 outputs, d = 3 inputs, a mixed
 * derivative; tests/influence/system_problem.h) on a small network 3-6-5-2 against independent
 * computations:
 *  - rar = sqrt(w_0 r_0^2 + w_1 r_1^2) from the engine's residuals (n, K), and sqrt of the
 *    one-point loss;
 *  - loss_grad = ||grad_theta l|| against Richardson differences of l_i = sum_j w_j r_j^2 in theta
 *    and against the one-point loss gradient;
 *  - the Jacobian rows (K per point) give g = 2 sum_j s_j J_j = the one-point loss gradient;
 *  - out_grad = ||grad_X u||_F over both outputs and the three directions against differences
 *    of u in X;
 *  - grad_dot and its gradient embeddings against explicit one-point loss gradients;
 *  - pinnfluence with the exact backend against the brute force (Hessian of sum_z l(z) from
 *    differences of the loss gradient, Jacobi, captum's rules, explicit gradients); the
 *    gauss_newton factor against the explicit G = 2 sum_z sum_j J_zj^T J_zj and its scores;
 *    arnoldi with a full Krylov basis against exact;
 *  - the pool and the Z set in (x, y, t) follow the stream convention (coordinate j of element i
 *    at stream position 3 i + j). */
#include "influence_test.h"
#include "pinnfluence/sample.h"
#include "system_problem.h"

#include <mpi.h>

/* One-point loss and its gradient l(x_i), grad l(x_i) (exact, by the engine's loss path). */
static void point_losses(it_net *T, const pf_points *pts, double *l, double *G) {
  for (size_t i = 0; i < pts->n; i++) {
    pf_points *one = NULL;
    pf_points_create(&T->pde->ops, 1, pts->X + i * (size_t)pts->d, &one);
    PF_TEST_OK(pf_engine_loss_grad(T->eng, T->theta, one, l + i, G + i * T->P));
    pf_points_destroy(&one);
  }
}

/* grad_theta l_i from Richardson differences of l_i = sum_j w_j r_j^2 (residuals of the engine). */
static void fd_loss_gradients(it_net *T, const pf_points *pts, double *G) {
  const size_t P = T->P, n = pts->n, K = SYS_K;
  const double *w = T->pde->ops.weight;
  double *th = malloc(P * sizeof(double)), *r = malloc(n * K * sizeof(double)), *l[4];
  for (int k = 0; k < 4; k++) l[k] = malloc(n * sizeof(double));
  const double hs[2] = {IT_FD_H, IT_FD_H / 2};
  for (size_t p = 0; p < P; p++) {
    for (int k = 0; k < 4; k++) {
      memcpy(th, T->theta, P * sizeof(double));
      th[p] += (k % 2 ? -1 : 1) * hs[k / 2];
      pf_engine_residuals(T->eng, th, pts, r, NULL);
      for (size_t i = 0; i < n; i++)
        l[k][i] = w[0] * r[i * K] * r[i * K] + w[1] * r[i * K + 1] * r[i * K + 1];
    }
    for (size_t i = 0; i < n; i++) {
      const double d1 = (l[0][i] - l[1][i]) / (2 * hs[0]), d2 = (l[2][i] - l[3][i]) / (2 * hs[1]);
      G[i * P + p] = (4 * d2 - d1) / 3;
    }
  }
  free(th), free(r);
  for (int k = 0; k < 4; k++) free(l[k]);
}

static double norm2(size_t n, const double *v) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i] * v[i];
  return sqrt(s);
}

/* The registered method `name` on pts with the scratch its work_size asks for. */
static void method_scores(it_net *T, const char *name, const pf_influence_params *ip,
                          const pf_points *pts, double *S) {
  const pf_score_method *m = pf_score_method_find(name);
  PF_TEST_EXPECT(m && m->score, "%s is not registered", name);
  if (!m || !m->score) return;
  const size_t wl =
      m->work_size ? m->work_size(&T->pde->ops, pts->n, T->P, pf_engine_block_size(T->eng)) : 0;
  double *work = wl ? malloc(wl * sizeof(double)) : NULL;
  pf_score_ctx sc = {T->eng, T->net, T->pde, 2, 3, work, wl, ip, NULL};
  PF_TEST_OK(m->score(&sc, T->theta, pts, S));
  free(work);
}

static void check_streams(void) {
  const pf_pde *p = &sys_pde;
  double X[3 * 9], u[3 * 9];
  pf_sample_pool(p, 5, 2, 0, 9, X);
  pf_rng_stream s = pf_rng_stream_make(5, 0, PF_RNG_POOL, 2);
  pf_rng_uniform(&s, 0, 27, u);
  int ok = 1;
  for (int e = 0; e < 27; e++) ok &= X[e] == p->lo[e % 3] + (p->hi[e % 3] - p->lo[e % 3]) * u[e];
  PF_TEST_EXPECT(ok, "pool in (x, y, t): coordinate j of element i is not stream position 3i + j");
  double Z[3 * 9], Zs[3 * 2];
  pf_influence_zset(p, 5, 2, 0, 9, Z);
  pf_influence_zset(p, 5, 2, 4, 2, Zs);
  pf_rng_stream z = pf_rng_stream_make(5, 0, PF_RNG_ZSET, 2);
  pf_rng_uniform(&z, 0, 27, u);
  ok = 1;
  for (int e = 0; e < 27; e++) ok &= Z[e] == p->lo[e % 3] + (p->hi[e % 3] - p->lo[e % 3]) * u[e];
  PF_TEST_EXPECT(ok, "Z set in (x, y, t): coordinate j of element i is not stream position 3i + j");
  PF_TEST_EXPECT(!memcmp(Zs, Z + 3 * 4, sizeof Zs), "Z slice differs from the whole");
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv); /* Debian's OpenBLAS misdetects some CPUs: pick the kernels */
  MPI_Init(&argc, &argv);
  const pf_pde *pde = &sys_pde;
  PF_TEST_OK(pf_pinn_ops_check(&pde->ops));
  check_streams();

  static const int sizes[] = {SYS_D, 6, 5, SYS_M};
  it_net T;
  const int block = 8;
  it_net_setup(&T, pde, 3, sizes, block, 4, 0.7);
  const size_t P = T.P, nz = 15, nc = 21, K = SYS_K; /* pool blocks 8, 8, 5 */
  const double *w = pde->ops.weight;
  pf_points *Z = it_zset(pde, 2, 3, nz); /* the set pf_influence_score draws for seed 2, cycle 3 */
  pf_points *pool = it_points(pde, 4, 5, nc);
  pf_influence_params ip = pf_influence_params_default();
  ip.test_points = nz;
  double *S = malloc(nc * sizeof(double)), *Sb = malloc(nc * sizeof(double));
  double *r = malloc(nc * K * sizeof(double)), *l = malloc(nc * sizeof(double));
  double *gc = malloc(nc * P * sizeof(double)), *gz = malloc(nz * P * sizeof(double));
  double *lz = malloc(nz * sizeof(double));
  point_losses(&T, pool, l, gc);
  point_losses(&T, Z, lz, gz);

  /* rar */
  PF_TEST_OK(pf_engine_residuals(T.eng, T.theta, pool, r, NULL));
  method_scores(&T, "rar", &ip, pool, S);
  for (size_t i = 0; i < nc; i++) {
    const double want = sqrt(w[0] * (r[2 * i] * r[2 * i]) + w[1] * (r[2 * i + 1] * r[2 * i + 1]));
    PF_TEST_CLOSE(S[i], want, 1e-15, 1e-300, "rar = sqrt(w0 r0^2 + w1 r1^2)");
    PF_TEST_CLOSE(S[i], sqrt(l[i]), 1e-13, 1e-300, "rar = sqrt(one-point loss)");
  }
  printf("rar: S[0] = %.15g (r = %.6g, %.6g)\n", S[0], r[0], r[1]);

  /* Jacobian rows: K per point, g = 2 sum_j s_j J_j is the one-point loss gradient, s_j^2 sums
   * to l */
  {
    double *J = malloc(nc * K * P * sizeof(double)), *s = malloc(nc * K * sizeof(double));
    double *g = malloc(P * sizeof(double));
    PF_TEST_OK(pf_engine_jacobian_rows(T.eng, T.theta, pool, 0, nc, J, s));
    double eg = 0;
    for (size_t i = 0; i < nc; i++) {
      for (size_t p = 0; p < P; p++)
        g[p] = 2 * s[2 * i] * J[(2 * i) * P + p] + 2 * s[2 * i + 1] * J[(2 * i + 1) * P + p];
      eg = fmax(eg, it_maxrel(P, g, gc + i * P));
      PF_TEST_CLOSE(s[2 * i] * s[2 * i] + s[2 * i + 1] * s[2 * i + 1], l[i], 1e-13, 1e-300,
                    "sum_j s_j^2 = l");
    }
    printf("Jacobian rows: 2 sum_j s_j J_j vs one-point loss gradients: rel error %.2e\n", eg);
    PF_TEST_EXPECT(eg <= 1e-12, "2 sum_j s_j J_j differs from the loss gradient by %.3g", eg);
    free(J), free(s), free(g);
  }

  /* loss_grad */
  {
    double *G = malloc(nc * P * sizeof(double));
    fd_loss_gradients(&T, pool, G);
    method_scores(&T, "loss_grad", &ip, pool, S);
    double e_fd = 0, e_ex = 0;
    for (size_t i = 0; i < nc; i++) {
      e_fd = fmax(e_fd, fabs(S[i] - norm2(P, G + i * P)) / norm2(P, G + i * P));
      e_ex = fmax(e_ex, fabs(S[i] - norm2(P, gc + i * P)) / norm2(P, gc + i * P));
    }
    printf("loss_grad vs differences of l in theta: rel error %.2e; vs one-point gradients %.2e\n",
           e_fd, e_ex);
    PF_TEST_EXPECT(e_fd <= 1e-8, "loss_grad differs from differences of l by %.3g", e_fd);
    PF_TEST_EXPECT(e_ex <= 1e-13, "loss_grad differs from the one-point gradient norm by %.3g",
                   e_ex);
    free(G);
  }

  /* out_grad: differences of u_o in X_a for both outputs and the three directions */
  {
    method_scores(&T, "out_grad", &ip, pool, S);
    const size_t nj = SYS_NJ, d = SYS_D;
    double e = 0;
    for (size_t i = 0; i < nc; i++) {
      double ss = 0;
      for (size_t a = 0; a < d; a++) {
        const double hs[2] = {1e-3, 5e-4};
        double uo[4][SYS_M];
        for (int k = 0; k < 4; k++) {
          double Xi[SYS_D], ri[SYS_K], ui[SYS_M * SYS_NJ];
          memcpy(Xi, pool->X + i * d, sizeof Xi);
          Xi[a] += (k % 2 ? -1 : 1) * hs[k / 2];
          pf_points *one = NULL;
          pf_points_create(&pde->ops, 1, Xi, &one);
          PF_TEST_OK(pf_engine_residuals(T.eng, T.theta, one, ri, ui));
          for (size_t o = 0; o < SYS_M; o++) uo[k][o] = ui[o * nj];
          pf_points_destroy(&one);
        }
        for (size_t o = 0; o < SYS_M; o++) {
          const double d1 = (uo[0][o] - uo[1][o]) / (2 * hs[0]);
          const double d2 = (uo[2][o] - uo[3][o]) / (2 * hs[1]);
          const double g = (4 * d2 - d1) / 3;
          ss += g * g;
        }
      }
      e = fmax(e, fabs(S[i] - sqrt(ss)) / sqrt(ss));
    }
    printf("out_grad vs differences of u in X (2 outputs x 3 directions): rel error %.2e\n", e);
    PF_TEST_EXPECT(e <= 1e-8, "out_grad differs from differences of u in X by %.3g", e);
  }

  /* grad_dot: explicit one-point gradients; the gradient embeddings themselves */
  {
    it_scores(P, nz, gz, nc, gc, NULL, 0, Sb);
    method_scores(&T, "grad_dot", &ip, pool, S);
    const double e = it_maxrel_each(nc, S, Sb);
    printf("grad_dot vs explicit gradient dot products: max rel error %.2e\n", e);
    PF_TEST_EXPECT(e <= 1e-12, "grad_dot differs from explicit dot products by %.3g", e);
    double *E = malloc(nc * P * sizeof(double));
    double *work = malloc(pf_influence_embed_work(P, block, SYS_K) * sizeof(double));
    PF_TEST_OK(pf_influence_embed(T.eng, T.net, T.theta, pool, 3, 11, NULL, P, E, work));
    const double eg = it_maxrel(11 * P, E, gc + 3 * P);
    printf("gradient embeddings of pool[3..13] vs one-point gradients: rel error %.2e\n", eg);
    PF_TEST_EXPECT(eg <= 1e-13, "gradient embeddings differ by %.3g", eg);
    free(E), free(work);
  }

  /* pinnfluence, exact backend: brute force */
  double *Hfd = malloc(P * P * sizeof(double)), *H = malloc(P * P * sizeof(double));
  double *A = malloc(P * P * sizeof(double)), *ev = malloc(P * sizeof(double));
  double *V = malloc(P * P * sizeof(double)), *Rb = malloc(P * P * sizeof(double));
  double *lam = malloc(P * sizeof(double)), *Se = malloc(nc * sizeof(double));
  it_fd_hessian(&T, Z, Hfd);
  PF_TEST_OK(pf_hessian_dense(T.eng, T.net, T.theta, Z, H));
  const double eh = it_maxrel(P * P, H, Hfd);
  printf("dense Hessian of sum_z l(z) (%zu x %zu) vs differences: max error / max entry %.2e\n", P,
         P, eh);
  PF_TEST_EXPECT(eh <= 1e-9, "dense Hessian differs from differences by %.3g", eh);
  {
    double *gzf = malloc(nz * P * sizeof(double));
    it_fd_gradients(&T, Z, gzf);
    const double ef = it_maxrel(nz * P, gzf, gz);
    printf("differenced gradients sum_j 2 w_j r_j grad r_j vs one-point gradients: %.2e\n", ef);
    PF_TEST_EXPECT(ef <= 1e-8, "differenced gradients differ by %.3g", ef);
    free(gzf);
  }
  memcpy(A, Hfd, P * P * sizeof(double));
  it_jacobi((int)P, A, ev, V);
  ip.backend = "exact";
  ip.rank = 20;
  const int kb = it_rules((int)P, ev, V, ip.damping, ip.eig_tol, ip.rank, Rb, lam);
  it_scores(P, nz, gz, nc, gc, Rb, kb, Sb);
  method_scores(&T, "pinnfluence", &ip, pool, Se);
  {
    const double e = it_maxrel_each(nc, Se, Sb);
    printf("pinnfluence/exact rank %d vs brute force: max rel error %.2e\n", kb, e);
    PF_TEST_EXPECT(e <= 1e-6, "pinnfluence/exact differs from the brute force by %.3g", e);
  }

  /* arnoldi with a full Krylov basis reproduces exact */
  {
    pf_influence_params ia = ip;
    ia.backend = "arnoldi";
    ia.arnoldi_iters = (int)P + 1;
    ia.arnoldi_tol = 0.0;
    method_scores(&T, "pinnfluence", &ia, pool, S);
    const double e = it_maxrel_each(nc, S, Se);
    printf("pinnfluence/arnoldi (full Krylov basis) vs exact: max rel error %.2e\n", e);
    PF_TEST_EXPECT(e <= 1e-6, "arnoldi with a full basis differs from exact by %.3g", e);
  }

  /* gauss_newton: G = 2 sum_z sum_j J_zj^T J_zj, K rows per point */
  {
    double *J = malloc(nz * K * P * sizeof(double)), *G = calloc(P * P, sizeof(double));
    PF_TEST_OK(pf_engine_jacobian_rows(T.eng, T.theta, Z, 0, nz, J, NULL));
    for (size_t z = 0; z < nz * K; z++)
      for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++) G[i * P + j] += 2 * J[z * P + i] * J[z * P + j];
    it_jacobi((int)P, G, ev, V);
    double wmax = 0;
    for (size_t i = 0; i < P; i++) wmax = fmax(wmax, fabs(ev[i]));
    int nnull = 0;
    const size_t rows = nz * K;
    for (size_t i = 0; i < P; i++)
      if (ev[i] <= (double)(rows > P ? rows : P) * 2.220446049250313e-16 * wmax)
        ev[i] = -INFINITY, nnull++;
    pf_influence_params ig = ip;
    ig.backend = "gauss_newton";
    ig.rank = 10;
    const int kg = it_rules((int)P, ev, V, ig.damping, ig.eig_tol, ig.rank, Rb, lam);
    pf_influence_factor *F = NULL;
    PF_TEST_OK(pf_influence_factor_create(T.eng, T.net, T.theta, Z, &ig, 2, 3, &F));
    if (F) {
      PF_TEST_EXPECT(F->rank == kg, "gauss_newton: kept %d pairs, explicit G %d", F->rank, kg);
      PF_TEST_EXPECT(F->candidates == (int)rows,
                     "gauss_newton: %d candidates, want the %zu rows of K |Z| (G has %d null "
                     "eigenvalues)",
                     F->candidates, rows, nnull);
      double el = 0;
      for (int j = 0; j < F->rank && j < kg; j++)
        el = fmax(el, fabs(F->lambda[j] - lam[j]) / lam[j]);
      printf("gauss_newton: %d pairs of %d candidates, max rel eigenvalue error %.2e\n", F->rank,
             F->candidates, el);
      PF_TEST_EXPECT(el <= 1e-10, "gauss_newton eigenvalues differ by %.3g", el);
    }
    pf_influence_factor_destroy(&F);
    it_scores(P, nz, gz, nc, gc, Rb, kg, Sb);
    method_scores(&T, "pinnfluence", &ig, pool, S);
    const double e = it_maxrel_each(nc, S, Sb);
    printf("pinnfluence/gauss_newton vs explicit G: max rel error %.2e\n", e);
    PF_TEST_EXPECT(e <= 1e-8, "pinnfluence/gauss_newton differs from explicit G by %.3g", e);
    free(J), free(G);
  }

  free(Hfd), free(H), free(A), free(ev), free(V), free(Rb), free(lam), free(Se);
  free(S), free(Sb), free(r), free(l), free(gc), free(gz), free(lz);
  pf_points_destroy(&Z);
  pf_points_destroy(&pool);
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_system");
  MPI_Finalize();
  return rc;
}
