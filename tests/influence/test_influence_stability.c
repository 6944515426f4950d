/* The influence-stability bench (src/bench/stability.c): Spearman's rank correlation against
 * hand-computed values (with and without ties), the top-k overlap, the exact backend split into
 * eigendecomposition + factor (bit for bit the one-call factor), and on a tiny network (2-6-6-1,
 * 67 parameters, Burgers residual, pool 300, Z 40) the measurement of one state: its reference
 * equals pf_influence_score with the exact backend at rank P bit for bit; Arnoldi with more
 * iterations than parameters and rank P reproduces it (Spearman >= 0.999), rank 1 clearly does
 * not; the spectrum's counts are those of its eigenvalues, whose sum is the Hessian's trace. */
#include "influence_test.h"
#include "pinnfluence/bench.h"
#include "pinnfluence/sample.h"

#include <mpi.h>

static void check_spearman(void) {
  double rho;
  /* no ties: 1 - 6 sum d^2 / (n (n^2 - 1)), d = (0, -1, 1, -1, 1) -> 1 - 24 / 120 */
  const double a1[] = {10, 20, 30, 40, 50}, b1[] = {1, 3, 2, 5, 4};
  PF_TEST_OK(pf_bench_spearman(5, a1, b1, &rho));
  PF_TEST_CLOSE(rho, 0.8, 1e-15, 1.0, "spearman without ties");
  const double a2[] = {1, 2, 3, 4}, b2[] = {0.4, 0.3, 0.2, 0.1};
  PF_TEST_OK(pf_bench_spearman(4, a2, b2, &rho));
  PF_TEST_CLOSE(rho, -1.0, 1e-15, 1.0, "spearman of reversed order");
  /* a tie in b: ranks of b (1, 2, 3.5, 5, 3.5); deviations from 3: a (-2, -1, 0, 1, 2),
   * b (-2, -1, 0.5, 2, 0.5); sum ab = 8, sum aa = 10, sum bb = 9.5: rho = 8 / sqrt(95) */
  const double b3[] = {5, 6, 7, 8, 7};
  PF_TEST_OK(pf_bench_spearman(5, a1, b3, &rho));
  PF_TEST_CLOSE(rho, 8.0 / sqrt(95.0), 1e-15, 1.0, "spearman with a tie");
  /* ties in both: ranks a (3, 1.5, 4, 1.5, 5), b (2.5, 4, 1, 5, 2.5): sum ab = -7.5,
   * sum aa = sum bb = 9.5 */
  const double a4[] = {3, 1, 4, 1, 5}, b4[] = {2, 7, 1, 8, 2};
  PF_TEST_OK(pf_bench_spearman(5, a4, b4, &rho));
  PF_TEST_CLOSE(rho, -7.5 / 9.5, 1e-15, 1.0, "spearman with ties in both");
  /* tied pairs that cancel: ranks (1.5, 1.5, 3.5, 3.5) and (1.5, 3.5, 1.5, 3.5) */
  const double a5[] = {1, 1, 2, 2}, b5[] = {1, 2, 1, 2};
  PF_TEST_OK(pf_bench_spearman(4, a5, b5, &rho));
  PF_TEST_CLOSE(rho, 0.0, 0.0, 1.0, "spearman of orthogonal tied ranks");
  /* invariant under monotone maps, symmetric */
  const double a6[] = {exp(3), exp(1), exp(4), exp(1), exp(5)};
  double rho2;
  PF_TEST_OK(pf_bench_spearman(5, a6, b4, &rho2));
  PF_TEST_OK(pf_bench_spearman(5, b4, a4, &rho));
  PF_TEST_EXPECT(rho2 == -7.5 / 9.5 || fabs(rho2 + 7.5 / 9.5) < 1e-15, "monotone map: %.17g", rho2);
  PF_TEST_CLOSE(rho, -7.5 / 9.5, 1e-15, 1.0, "spearman(b, a)");
  /* undefined: constant input, fewer than two values */
  const double c[] = {2, 2, 2, 2, 2};
  PF_TEST_OK(pf_bench_spearman(5, a1, c, &rho));
  PF_TEST_EXPECT(isnan(rho), "constant input: rho %g, want NaN", rho);
  PF_TEST_OK(pf_bench_spearman(1, a1, b1, &rho));
  PF_TEST_EXPECT(isnan(rho), "n = 1: rho %g, want NaN", rho);

  int ov;
  const double d1[] = {5, 4, 3, 2, 1}, d2[] = {1, 2, 3, 4, 5};
  PF_TEST_OK(pf_bench_topk_overlap(5, d1, d2, 2, &ov));
  PF_TEST_EXPECT(ov == 0, "top-2 overlap of reversed orders: %d", ov);
  PF_TEST_OK(pf_bench_topk_overlap(5, d1, d2, 3, &ov));
  PF_TEST_EXPECT(ov == 1, "top-3 overlap of reversed orders: %d (index 2 only)", ov);
  PF_TEST_OK(pf_bench_topk_overlap(5, d1, a4, 10, &ov));
  PF_TEST_EXPECT(ov == 5, "top-k with k > n: %d", ov);
  /* ties: the lower index first, so {0, 1} in both */
  PF_TEST_OK(pf_bench_topk_overlap(5, c, c, 2, &ov));
  PF_TEST_EXPECT(ov == 2, "top-2 of constant arrays: %d", ov);
}

/* pf_hessian_eigen + pf_influence_factor_from_eigen is pf_influence_factor_from_hessian. */
static void check_eigen_split(it_net *T, const pf_points *Z) {
  const size_t P = T->P;
  double *H = malloc(P * P * sizeof(double)), *H2 = malloc(P * P * sizeof(double));
  double *w = malloc(P * sizeof(double));
  PF_TEST_OK(pf_hessian_dense(T->eng, T->net, T->theta, Z, H));
  memcpy(H2, H, P * P * sizeof(double));
  pf_influence_params ip = pf_influence_params_default();
  ip.backend = "exact";
  ip.rank = 20;
  pf_influence_factor *F1 = NULL, *F2 = NULL;
  PF_TEST_OK(pf_influence_factor_from_hessian(H, P, &ip, &F1));
  PF_TEST_OK(pf_hessian_eigen(H2, P, w));
  PF_TEST_OK(pf_influence_factor_from_eigen(H2, w, P, &ip, &F2));
  if (F1 && F2) {
    PF_TEST_EXPECT(F1->rank == F2->rank && F1->candidates == F2->candidates && F1->hvps == F2->hvps,
                   "split factor: rank %d/%d candidates %d/%d", F1->rank, F2->rank, F1->candidates,
                   F2->candidates);
    if (F1->rank == F2->rank)
      PF_TEST_EXPECT(!memcmp(F1->R, F2->R, P * (size_t)F1->rank * sizeof(double)) &&
                         !memcmp(F1->lambda, F2->lambda, (size_t)F1->rank * sizeof(double)),
                     "split factor differs from pf_influence_factor_from_hessian");
  }
  for (size_t j = 1; j < P; j++) PF_TEST_EXPECT(w[j - 1] <= w[j], "eigenvalues not ascending");
  pf_influence_factor_destroy(&F1);
  pf_influence_factor_destroy(&F2);
  free(H), free(H2), free(w);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  pf_blas_set_threads(1);
  check_spearman();

  const pf_pde *pde = pf_pde_find("burgers");
  static const int sizes[] = {2, 6, 6, 1};
  it_net T;
  it_net_setup(&T, pde, 3, sizes, 16, 3, 0.7);
  const size_t P = T.P, nz = 40, npool = 300;
  const uint64_t seed = 1;
  const int cycle = 2;
  pf_points *Z = it_zset(pde, seed, cycle, nz);
  check_eigen_split(&T, Z);

  /* one state: arnoldi_iters 100 > P with rank P; rank P and 1; the default damping and 0.1 */
  pf_stability_settings s = pf_stability_settings_default();
  s.pool = npool;
  s.base.test_points = nz;
  s.base.arnoldi_iters = 100;
  /* captum's absolute tol 0.1 ends this Krylov space at 49 of 67 dimensions; stop only when the
   * space is exhausted (||v|| at roundoff level, H's norm is about 700) */
  s.base.arnoldi_tol = 1e-6;
  s.base.rank = (int)P;
  s.n_iters = 1, s.iters[0] = 100;
  s.n_rank = 2, s.rank[0] = (int)P, s.rank[1] = 1;
  s.n_damping = 2, s.damping[0] = 1e-3, s.damping[1] = 1e-1;
  s.gauss_newton = 0;
  s.n_block = 0; /* block_krylov: test_influence_block_krylov */
  const int nr = pf_stability_nrows(&s);
  PF_TEST_EXPECT(nr == 5, "rows %d, want 5", nr);
  pf_stability_row rows[5];
  pf_stability_spectrum sp;
  double *ref = calloc(npool, sizeof(double)), *S = calloc(npool, sizeof(double));
  PF_TEST_OK(pf_stability_state(T.eng, T.net, pde, T.theta, seed, cycle, &s, NULL, rows, &sp, ref));
  for (int r = 0; r < nr; r++)
    printf("%-14s %8g: spearman %.6f top10 %d krylov %d rank %d | exact %.6f top10 %d\n",
           rows[r].sweep, rows[r].value, rows[r].spearman, rows[r].topk, rows[r].krylov_dim,
           rows[r].rank, rows[r].spearman_exact, rows[r].topk_exact);

  /* the reference is what a run's round computes with the exact backend at rank P */
  {
    double *X = calloc(2 * npool, sizeof(double)); /* (npool, 2): x, t */
    pf_sample_pool(pde, seed, cycle, 0, npool, X);
    pf_points *pool = NULL;
    PF_TEST_OK(pf_points_create(&pde->ops, npool, X, &pool));
    pf_influence_params ip = s.base;
    ip.backend = "exact";
    ip.rank = (int)P;
    pf_influence_stats st;
    PF_TEST_OK(pf_influence_score(T.eng, T.net, pde, &ip, PF_INFLUENCE_PINNFLUENCE, seed, cycle,
                                  T.theta, pool, S, &st));
    PF_TEST_EXPECT(!memcmp(S, ref, npool * sizeof(double)),
                   "reference scores differ from pf_influence_score (exact, rank P)");
    PF_TEST_EXPECT(st.rank == sp.ref_rank, "reference rank %d, pf_influence_score %d", sp.ref_rank,
                   st.rank);
    pf_points_destroy(&pool);
    free(X);
  }

  /* Arnoldi's Krylov space is the whole space: the reference again */
  PF_TEST_EXPECT(!strcmp(rows[0].sweep, "arnoldi_iters") && rows[0].value == 100,
                 "row 0 is %s = %g", rows[0].sweep, rows[0].value);
  PF_TEST_EXPECT(rows[0].krylov_dim >= (int)P - 1, "Krylov dimension %d of P = %zu",
                 rows[0].krylov_dim, P);
  PF_TEST_EXPECT(rows[0].spearman >= 0.999, "iters 100 > P, rank P: spearman %.6f < 0.999",
                 rows[0].spearman);
  PF_TEST_EXPECT(rows[1].spearman >= 0.999, "rank P: spearman %.6f < 0.999", rows[1].spearman);
  PF_TEST_EXPECT(rows[1].spearman_exact == 1.0 && rows[1].topk_exact == 10,
                 "exact at rank P is the reference: spearman %.17g top10 %d",
                 rows[1].spearman_exact, rows[1].topk_exact);
  PF_TEST_EXPECT(rows[2].rank == 1 && rows[2].spearman < 0.95,
                 "rank 1: kept %d, spearman %.6f (want clearly below the full rank's)",
                 rows[2].rank, rows[2].spearman);
  PF_TEST_EXPECT(rows[2].spearman_exact < 0.95, "exact rank 1: spearman %.6f",
                 rows[2].spearman_exact);
  PF_TEST_EXPECT(rows[3].spearman_exact == 1.0, "exact at the default damping: spearman %.17g",
                 rows[3].spearman_exact);
  PF_TEST_EXPECT(isnan(rows[0].spearman_exact) && rows[0].topk_exact == -1,
                 "the iterations sweep has no exact comparison");

  /* the spectrum's counts from its eigenvalues; their sum is the trace of H */
  PF_TEST_EXPECT(sp.nparams == P && sp.eig != NULL, "spectrum of %zu values", sp.nparams);
  if (sp.eig) {
    int neg = 0, small = 0, disc = 0;
    double tr = 0, sum = 0;
    for (size_t j = 0; j < P; j++) {
      neg += sp.eig[j] < 0;
      small += fabs(sp.eig[j]) < s.base.damping;
      disc += sp.eig[j] + s.base.damping <= s.base.eig_tol;
      sum += sp.eig[j];
      if (j) PF_TEST_EXPECT(sp.eig[j - 1] <= sp.eig[j], "eigenvalues not ascending at %zu", j);
    }
    printf("spectrum: %d negative, %d below damping, %d discarded, reference rank %d; "
           "lambda %.4g .. %.4g\n",
           sp.negative, sp.below_damping, sp.discarded, sp.ref_rank, sp.eig[0], sp.eig[P - 1]);
    PF_TEST_EXPECT(neg == sp.negative && small == sp.below_damping && disc == sp.discarded,
                   "counts %d/%d/%d, recounted %d/%d/%d", sp.negative, sp.below_damping,
                   sp.discarded, neg, small, disc);
    PF_TEST_EXPECT(sp.ref_rank == (int)P - disc, "reference rank %d, P - discarded %d", sp.ref_rank,
                   (int)P - disc);
    PF_TEST_EXPECT(neg > 0, "a random network's Hessian has negative eigenvalues");
    double *H = malloc(P * P * sizeof(double));
    PF_TEST_OK(pf_hessian_dense(T.eng, T.net, T.theta, Z, H));
    for (size_t j = 0; j < P; j++) tr += H[j * P + j];
    PF_TEST_CLOSE(sum, tr, 1e-10, fabs(sp.eig[P - 1]), "sum of eigenvalues vs trace of H");
    free(H);
  }

  /* a bad setting is refused, and what was allocated is freed */
  pf_stability_spectrum sp2;
  pf_stability_settings bad = s;
  bad.pool = 0;
  PF_TEST_EXPECT(pf_stability_state(T.eng, T.net, pde, T.theta, seed, cycle, &bad, NULL, rows, &sp2,
                                    NULL) == PF_ERR_ARG,
                 "pool 0 accepted");
  pf_stability_spectrum_free(&sp2);

  pf_stability_spectrum_free(&sp);
  free(ref), free(S);
  pf_points_destroy(&Z);
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_stability");
  MPI_Finalize();
  return rc;
}
