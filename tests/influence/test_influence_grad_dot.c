/* grad_dot against explicit per-point gradient dot products: g(x) from the engine's loss gradient
 * on the one-point set {x} (L = r(x)^2, so dL/dtheta = g(x) exactly, by a path independent of
 * the Jacobian rows), S(c) = sum_i |g(z_i) . g(c)| summed here. Also, for grad_dot and
 * pinnfluence: the registry entries give the same scores through pf_score_ctx (with and without
 * influence parameters), and a candidate's score does not depend on how the pool is split as
 * long as the split is at a multiple of the engine block size (bitwise). */
#include "influence_test.h"
#include "pinnfluence/sample.h"

#include <mpi.h>

/* g(x_i) for every point of pts, each from a one-point loss gradient. G: (n, P) row-major. */
static void point_gradients(it_net *T, const pf_points *pts, double *G) {
  for (size_t i = 0; i < pts->n; i++) {
    pf_points *one = NULL;
    pf_points_create(&T->pde->ops, 1, pts->X + i * (size_t)pts->d, &one);
    double L;
    PF_TEST_OK(pf_engine_loss_grad(T->eng, T->theta, one, &L, G + i * T->P));
    pf_points_destroy(&one);
  }
}

/* pf_points of elements first .. first+n-1 of pts */
static pf_points *slice(const pf_pde *pde, const pf_points *pts, size_t first, size_t n) {
  pf_points *s = NULL;
  pf_points_create(&pde->ops, n, pts->X + first * (size_t)pts->d, &s);
  return s;
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv); /* Debian's OpenBLAS misdetects some CPUs: pick the kernels */
  MPI_Init(&argc, &argv);
  const pf_pde *pde = pf_pde_find("burgers");
  static const int sizes[] = {2, 6, 5, 1};
  it_net T;
  const int block = 8;
  it_net_setup(&T, pde, 3, sizes, block, 4, 0.7);
  const size_t P = T.P, nz = 15, nc = 21; /* pool blocks 8, 8, 5 */
  pf_points *Z = it_zset(pde, 2, 3, nz);
  pf_points *pool = it_points(pde, 4, 5, nc);
  pf_influence_params ip = pf_influence_params_default();
  ip.test_points = nz;

  /* (d) explicit gradients and dot products */
  double *gz = malloc(nz * P * sizeof(double)), *gc = malloc(nc * P * sizeof(double));
  double *Sb = malloc(nc * sizeof(double)), *S = malloc(nc * sizeof(double));
  point_gradients(&T, Z, gz);
  point_gradients(&T, pool, gc);
  it_scores(P, nz, gz, nc, gc, NULL, 0, Sb);
  PF_TEST_OK(pf_influence_score(T.eng, T.net, pde, &ip, PF_INFLUENCE_GRAD_DOT, 2, 3, T.theta, pool,
                                S, NULL));
  const double e = it_maxrel_each(nc, S, Sb);
  printf("grad_dot vs explicit gradient dot products (P = %zu, |Z| = %zu, %zu candidates): max "
         "rel error %.2e\n",
         P, nz, nc, e);
  PF_TEST_EXPECT(e <= 1e-12, "grad_dot differs from explicit dot products by %.3g", e);

  /* the gradient embeddings themselves (R = NULL) against the one-point gradients */
  double *E = malloc(nc * P * sizeof(double));
  double *work = malloc(pf_influence_embed_work(P, block, 1) * sizeof(double));
  PF_TEST_OK(pf_influence_embed(T.eng, T.net, T.theta, pool, 3, 11, NULL, P, E, work));
  const double eg = it_maxrel(11 * P, E, gc + 3 * P);
  printf("gradient embeddings of pool[3..13] vs one-point gradients: rel error %.2e\n", eg);
  PF_TEST_EXPECT(eg <= 1e-13, "gradient embeddings differ by %.3g", eg);

  /* the registry and pf_score_ctx, with explicit parameters and with NULL (the defaults) */
  const char *names[2] = {"grad_dot", "pinnfluence"};
  for (int m = 0; m < 2; m++) {
    const pf_score_method *sm = pf_score_method_find(names[m]);
    PF_TEST_EXPECT(sm && sm->resamples && sm->score, "%s is not registered", names[m]);
    if (!sm) continue;
    double *Sr = malloc(nc * sizeof(double)), *Sd = malloc(nc * sizeof(double));
    double *Sn = malloc(nc * sizeof(double));
    pf_score_ctx sc = {T.eng, T.net, pde, 2, 3, NULL, 0, &ip, NULL};
    PF_TEST_OK(sm->score(&sc, T.theta, pool, Sr));
    PF_TEST_OK(pf_influence_score(T.eng, T.net, pde, &ip, (pf_influence_method)m, 2, 3, T.theta,
                                  pool, Sd, NULL));
    PF_TEST_EXPECT(!memcmp(Sr, Sd, nc * sizeof(double)), "%s: registry and direct call differ",
                   names[m]);
    /* NULL parameters mean the defaults: |Z| = 1000 */
    sc.influence = NULL;
    PF_TEST_OK(sm->score(&sc, T.theta, pool, Sn));
    pf_influence_params d = pf_influence_params_default();
    PF_TEST_OK(pf_influence_score(T.eng, T.net, pde, &d, (pf_influence_method)m, 2, 3, T.theta,
                                  pool, Sd, NULL));
    PF_TEST_EXPECT(!memcmp(Sn, Sd, nc * sizeof(double)),
                   "%s: NULL influence parameters are not the defaults", names[m]);

    /* split invariance: the pool as [0, 8) + [8, 21) and as [0, 16) + [16, 21) */
    const size_t cuts[2] = {8, 16};
    for (int c = 0; c < 2; c++) {
      pf_points *a = slice(pde, pool, 0, cuts[c]), *b = slice(pde, pool, cuts[c], nc - cuts[c]);
      double *Ss = malloc(nc * sizeof(double));
      PF_TEST_OK(pf_influence_score(T.eng, T.net, pde, &ip, (pf_influence_method)m, 2, 3, T.theta,
                                    a, Ss, NULL));
      PF_TEST_OK(pf_influence_score(T.eng, T.net, pde, &ip, (pf_influence_method)m, 2, 3, T.theta,
                                    b, Ss + cuts[c], NULL));
      PF_TEST_EXPECT(!memcmp(Ss, Sr, nc * sizeof(double)),
                     "%s: scores depend on the split of the pool at %zu", names[m], cuts[c]);
      free(Ss);
      pf_points_destroy(&a);
      pf_points_destroy(&b);
    }
    free(Sr), free(Sd), free(Sn);
  }

  free(gz), free(gc), free(Sb), free(S), free(E), free(work);
  pf_points_destroy(&Z);
  pf_points_destroy(&pool);
  it_net_teardown(&T);
  int rc = pf_test_report("test_influence_grad_dot");
  MPI_Finalize();
  return rc;
}
