/* Influence with composite losses (influence.h): the Hessian of sum_{z in Z} l(z) + |Z| sum_t w_t
 * L_t over the fixed target sets of terms.h, on (a) soft burgers (2-5-5-1) with its derived soft
 * conditions and a data set, (b) the d = 3, m = 2, K = 2 system of system_problem.h (3-4-4-2)
 * with a value set and a derivative set:
 *  - the brute-force dense Hessian, built column by column here as |Z| pf_engine_hvp(Z) e_j +
 *    pf_terms_hvp(e_j, scale |Z|), against central differences of the composite gradient
 *    (a few columns), and pf_hessian_dense_terms against it bit for bit;
 *  - the exact backend's factor with terms against that Hessian's Jacobi eigenpairs and captum's
 *    rules (eigenvalues to 1e-10 of the largest; directions);
 *  - arnoldi with terms: the same iteration through pf_influence_factor_arnoldi with a callback
 *    pf_engine_hvp + pf_terms_hvp (the group path's) bit for bit; a full Krylov space gives the
 *    exact backend's top eigenvalues;
 *  - gauss_newton with terms: K |Z| + pf_terms_rows candidates (rows) and the eigenpairs of the
 *    explicit G = 2 J^T J of J = [J_Z; terms' rows with scale |Z|];
 *  - pinnfluence scores with terms against brute-force scores from explicit gradients and the
 *    Jacobi factor; with NULL terms pf_influence_score bit for bit; the pinnfluence method with
 *    pf_score_ctx.terms equals pf_influence_score_terms. */
#include "influence/system_problem.h"
#include "influence_test.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/terms.h"

#include <stdio.h>

typedef struct {
  const char *label;
  it_net T;
  const pf_pde *pde;
  pf_target_list list;
  pf_terms *terms;
  pf_points *Z;
  size_t nz;
} fixture;

/* n points uniform in the box from the test stream `index`, targets a smooth function plus
 * stream noise. */
static void add_data(fixture *f, const char *name, double w, int nread, const pf_read *read,
                     size_t n, uint64_t index) {
  const pf_pde *p = f->pde;
  const int d = p->ops.d;
  double *X = NULL, *Y = NULL, *c = malloc(n * sizeof(double));
  PF_TEST_OK(pf_target_list_add(&f->list, name, w, nread, read, n, d, &X, &Y));
  if (!X) return;
  pf_rng_stream s = pf_rng_stream_make(3, 0, PF_RNG_TEST, index);
  for (int j = 0; j < d; j++) {
    pf_rng_uniform_range(&s, (uint64_t)j * n, n, p->lo[j], p->hi[j], c);
    for (size_t i = 0; i < n; i++) X[i * (size_t)d + (size_t)j] = c[i];
  }
  pf_rng_normal(&s, (uint64_t)d * n, n * (size_t)nread, Y);
  for (size_t i = 0; i < n; i++)
    for (int a = 0; a < nread; a++)
      Y[i * (size_t)nread + (size_t)a] =
          0.3 * Y[i * (size_t)nread + (size_t)a] + sin(X[i * (size_t)d]);
  free(c);
}

static void setup(fixture *f, const char *label, const pf_pde *pde, int nl, const int *sizes,
                  size_t nz) {
  memset(f, 0, sizeof *f);
  f->label = label;
  f->pde = pde;
  f->nz = nz;
  it_net_setup(&f->T, pde, nl, sizes, 8, 5, 0.7);
  f->Z = it_zset(pde, 1, 1, nz);
}

static void make_terms(fixture *f) {
  PF_TEST_OK(pf_terms_create(f->T.net, &f->pde->ops, 8, f->list.nsets, f->list.set, &f->terms));
}

static void teardown(fixture *f) {
  pf_terms_destroy(&f->terms);
  pf_target_list_free(&f->list);
  pf_points_destroy(&f->Z);
  it_net_teardown(&f->T);
}

/* The composite objective's gradient |Z| (grad mean_Z l + grad sum_t w_t L_t) at th. */
static void full_gradient(fixture *f, const double *th, double *g) {
  const size_t P = f->T.P;
  double L = 0;
  pf_engine_loss_grad(f->T.eng, th, f->Z, &L, g);
  pf_terms_loss_grad(f->terms, th, &L, g, NULL);
  for (size_t k = 0; k < P; k++) g[k] *= (double)f->nz;
}

/* Brute-force Hessian, column by column; returns it (P, P) symmetrised. */
static double *brute_hessian(fixture *f) {
  const size_t P = f->T.P;
  double *H = calloc(P * P, sizeof(double)), *e = calloc(P, sizeof(double));
  double *col = malloc(P * sizeof(double));
  for (size_t j = 0; j < P; j++) {
    e[j] = 1.0;
    PF_TEST_OK(pf_engine_hvp(f->T.eng, f->T.theta, f->Z, e, col));
    for (size_t i = 0; i < P; i++) col[i] *= (double)f->nz;
    PF_TEST_OK(pf_terms_hvp(f->terms, f->T.theta, e, (double)f->nz, col));
    e[j] = 0.0;
    for (size_t i = 0; i < P; i++) H[i * P + j] = col[i];
  }
  for (size_t i = 0; i < P; i++)
    for (size_t j = i + 1; j < P; j++) {
      const double a = 0.5 * (H[i * P + j] + H[j * P + i]);
      H[i * P + j] = a, H[j * P + i] = a;
    }
  free(e), free(col);
  return H;
}

static void check_hessian(fixture *f, double *H) {
  const size_t P = f->T.P;
  /* columns against central differences of the composite gradient */
  double *th = malloc(P * sizeof(double)), *gp = malloc(P * sizeof(double));
  double *gm = malloc(P * sizeof(double));
  double emax = 0, smax = 0;
  for (size_t j = 0; j < P; j += 7) {
    const double h = 1e-5;
    memcpy(th, f->T.theta, P * sizeof(double));
    th[j] += h;
    full_gradient(f, th, gp);
    th[j] -= 2 * h;
    full_gradient(f, th, gm);
    for (size_t i = 0; i < P; i++) {
      const double fd = (gp[i] - gm[i]) / (2 * h);
      emax = fmax(emax, fabs(H[i * P + j] - fd));
      smax = fmax(smax, fabs(fd));
    }
  }
  printf("  %s: brute-force H columns vs FD of the composite gradient: max err %.3g (max %.3g)\n",
         f->label, emax, smax);
  PF_TEST_EXPECT(emax <= 1e-6 * smax, "%s: H vs FD: %.3g (scale %.3g)", f->label, emax, smax);
  /* pf_hessian_dense_terms is that matrix bit for bit; the terms matter */
  double *Hd = malloc(P * P * sizeof(double)), *Hz = malloc(P * P * sizeof(double));
  PF_TEST_OK(pf_hessian_dense_terms(f->T.eng, f->T.net, f->T.theta, f->Z, f->terms, Hd));
  PF_TEST_EXPECT(!memcmp(Hd, H, P * P * sizeof(double)),
                 "%s: pf_hessian_dense_terms differs from the brute-force Hessian", f->label);
  PF_TEST_OK(pf_hessian_dense(f->T.eng, f->T.net, f->T.theta, f->Z, Hz));
  double dz = 0, nh = 0;
  for (size_t i = 0; i < P * P; i++) dz += (H[i] - Hz[i]) * (H[i] - Hz[i]), nh += H[i] * H[i];
  printf("  %s: ||H - H_Z|| / ||H|| = %.3g (the terms' share)\n", f->label, sqrt(dz / nh));
  PF_TEST_EXPECT(sqrt(dz / nh) > 1e-3, "%s: the terms do not change the Hessian", f->label);
  PF_TEST_OK(pf_hessian_dense_terms(f->T.eng, f->T.net, f->T.theta, f->Z, NULL, Hd));
  PF_TEST_EXPECT(!memcmp(Hd, Hz, P * P * sizeof(double)),
                 "%s: pf_hessian_dense_terms(NULL) differs from pf_hessian_dense", f->label);
  free(th), free(gp), free(gm), free(Hd), free(Hz);
}

/* Factor F against explicit eigenpairs (lam, Rb, kb): eigenvalues (max err / largest, and worst
 * relative), directions where separated. */
static void compare_factor(const char *label, const pf_influence_factor *F, size_t P,
                           const double *lam, const double *Rb, int kb, double *worst_rel) {
  PF_TEST_EXPECT(F->rank == kb, "%s: kept %d pairs, explicit %d", label, F->rank, kb);
  const int k = F->rank < kb ? F->rank : kb;
  double el = 0, eli = 0, ev = 0;
  for (int j = 0; j < k; j++) {
    el = fmax(el, fabs(F->lambda[j] - lam[j]) / lam[0]);
    eli = fmax(eli, fabs(F->lambda[j] - lam[j]) / lam[j]);
    const double gap =
        fmin(j > 0 ? lam[j - 1] - lam[j] : INFINITY, j + 1 < k ? lam[j] - lam[j + 1] : INFINITY);
    if (gap <= 1e-3 * lam[j]) continue;
    double dot = 0, na = 0, nb = 0;
    for (size_t p = 0; p < P; p++) {
      const double a = F->R[p * (size_t)F->rank + (size_t)j], b = Rb[p * (size_t)kb + (size_t)j];
      dot += a * b, na += a * a, nb += b * b;
    }
    ev = fmax(ev, 1 - fabs(dot) / sqrt(na * nb));
  }
  *worst_rel = eli;
  printf("  %s: %d pairs (lambda %.4g .. %.4g), eigenvalue err / largest %.2e (each %.2e), "
         "max 1-|cos| %.2e\n",
         label, k, lam[0], lam[k - 1], el, eli, ev);
  PF_TEST_EXPECT(el <= 1e-10, "%s: eigenvalues differ by %.3g of the largest", label, el);
  PF_TEST_EXPECT(ev <= 1e-8, "%s: eigenvectors differ by 1-|cos| = %.3g", label, ev);
}

typedef struct {
  fixture *f;
} hvp_user;
static int composite_hvp(void *user, const double *v, double *hv) {
  fixture *f = ((hvp_user *)user)->f;
  PF_CALL(pf_engine_hvp(f->T.eng, f->T.theta, f->Z, v, hv));
  PF_CALL(pf_terms_hvp(f->terms, f->T.theta, v, 1.0, hv));
  return PF_OK;
}

/* Per-point gradients g = 2 sum_j s_j J_j from the rows and weighted residuals, (n, P). */
static void gradients(fixture *f, const pf_points *pts, double *G) {
  const size_t P = f->T.P, n = pts->n, K = (size_t)f->pde->ops.k;
  double *J = malloc(n * K * P * sizeof(double)), *s = malloc(n * K * sizeof(double));
  PF_TEST_OK(pf_engine_jacobian_rows(f->T.eng, f->T.theta, pts, 0, n, J, s));
  for (size_t i = 0; i < n; i++)
    for (size_t p = 0; p < P; p++) {
      double g = 0;
      for (size_t j = 0; j < K; j++) g += 2 * s[i * K + j] * J[(i * K + j) * P + p];
      G[i * P + p] = g;
    }
  free(J), free(s);
}

static void check_backends(fixture *f) {
  const size_t P = f->T.P, nz = f->nz, K = (size_t)f->pde->ops.k, nc = 25;
  double worst;
  /* exact */
  double *H = brute_hessian(f);
  check_hessian(f, H);
  double *w = malloc(P * sizeof(double)), *V = malloc(P * P * sizeof(double));
  double *Rb = malloc(P * P * sizeof(double)), *lam = malloc(P * sizeof(double));
  it_jacobi((int)P, H, w, V);
  pf_influence_params ip = pf_influence_params_default();
  ip.test_points = nz;
  ip.backend = "exact";
  ip.rank = 20;
  const int kb = it_rules((int)P, w, V, ip.damping, ip.eig_tol, ip.rank, Rb, lam);
  pf_influence_factor *F = NULL, *Fa = NULL, *Fb = NULL;
  char what[96];
  PF_TEST_OK(pf_influence_factor_create_terms(f->T.eng, f->T.net, f->T.theta, f->Z, f->terms, &ip,
                                              1, 1, &F));
  snprintf(what, sizeof what, "%s exact", f->label);
  if (F) compare_factor(what, F, P, lam, Rb, kb, &worst);

  /* arnoldi: the callback path is the built-in one bit for bit; a full Krylov space */
  pf_influence_params ia = ip;
  ia.backend = "arnoldi";
  ia.arnoldi_iters = (int)P + 1;
  ia.arnoldi_tol = 1e-12;
  PF_TEST_OK(pf_influence_factor_create_terms(f->T.eng, f->T.net, f->T.theta, f->Z, f->terms, &ia,
                                              1, 1, &Fa));
  hvp_user u = {f};
  PF_TEST_OK(pf_influence_factor_arnoldi(composite_hvp, &u, P, nz, &ia, 1, 1, &Fb));
  if (Fa && Fb) {
    PF_TEST_EXPECT(Fa->rank == Fb->rank &&
                       !memcmp(Fa->R, Fb->R, P * (size_t)Fa->rank * sizeof(double)) &&
                       !memcmp(Fa->lambda, Fb->lambda, (size_t)Fa->rank * sizeof(double)),
                   "%s: arnoldi through the callback differs from the built-in", f->label);
    double e = 0;
    const int k = Fa->rank < 5 ? Fa->rank : 5;
    for (int j = 0; j < k; j++) e = fmax(e, fabs(Fa->lambda[j] - lam[j]) / lam[j]);
    printf("  %s arnoldi (Krylov dim %d): top %d eigenvalues vs exact: max rel err %.2e\n",
           f->label, Fa->krylov_dim, k, e);
    PF_TEST_EXPECT(e <= 1e-8, "%s: arnoldi top eigenvalues differ by %.3g", f->label, e);
  }
  pf_influence_factor_destroy(&Fa);
  pf_influence_factor_destroy(&Fb);

  /* scores with the exact factor against brute force; NULL terms; the method with sc.terms */
  pf_points *pool = it_points(f->pde, 5, 2, nc);
  double *gz = malloc(nz * P * sizeof(double)), *gc = malloc(nc * P * sizeof(double));
  double *Sb = malloc(nc * sizeof(double)), *S = malloc(nc * sizeof(double));
  double *S0 = malloc(nc * sizeof(double)), *S1 = malloc(nc * sizeof(double));
  gradients(f, f->Z, gz);
  gradients(f, pool, gc);
  it_scores(P, nz, gz, nc, gc, Rb, kb, Sb);
  /* pf_influence_score_terms draws Z = the cycle's set (seed 1, cycle 1) as f->Z */
  PF_TEST_OK(pf_influence_score_terms(f->T.eng, f->T.net, f->pde, f->terms, &ip,
                                      PF_INFLUENCE_PINNFLUENCE, 1, 1, f->T.theta, pool, S, NULL));
  const double es = it_maxrel_each(nc, S, Sb);
  printf("  %s exact: pinnfluence scores with terms vs brute force: max rel err %.2e\n", f->label,
         es);
  PF_TEST_EXPECT(es <= 1e-8, "%s: scores with terms differ from brute force by %.3g", f->label, es);
  PF_TEST_OK(pf_influence_score_terms(f->T.eng, f->T.net, f->pde, NULL, &ip,
                                      PF_INFLUENCE_PINNFLUENCE, 1, 1, f->T.theta, pool, S0, NULL));
  PF_TEST_OK(pf_influence_score(f->T.eng, f->T.net, f->pde, &ip, PF_INFLUENCE_PINNFLUENCE, 1, 1,
                                f->T.theta, pool, S1, NULL));
  PF_TEST_EXPECT(!memcmp(S0, S1, nc * sizeof(double)),
                 "%s: pf_influence_score_terms(NULL) differs from pf_influence_score", f->label);
  PF_TEST_EXPECT(memcmp(S0, S, nc * sizeof(double)), "%s: the terms do not change the scores",
                 f->label);
  const pf_score_method *m = pf_score_method_find("pinnfluence");
  pf_score_ctx sc = {.eng = f->T.eng,
                     .net = f->T.net,
                     .pde = f->pde,
                     .seed = 1,
                     .cycle = 1,
                     .influence = &ip,
                     .terms = f->terms};
  PF_TEST_OK(m->score(&sc, f->T.theta, pool, S1));
  PF_TEST_EXPECT(!memcmp(S1, S, nc * sizeof(double)),
                 "%s: the pinnfluence method with sc.terms differs", f->label);

  /* gauss_newton: explicit J = [J_Z; terms' rows, scale |Z|], G = 2 J^T J */
  const size_t nt = pf_terms_rows(f->terms), nr = K * nz + nt;
  double *J = malloc(nr * P * sizeof(double)), *G = calloc(P * P, sizeof(double));
  PF_TEST_OK(pf_engine_jacobian_rows(f->T.eng, f->T.theta, f->Z, 0, nz, J, NULL));
  PF_TEST_OK(pf_terms_jacobian_rows(f->terms, f->T.theta, (double)nz, J + K * nz * P, NULL));
  for (size_t r = 0; r < nr; r++)
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < P; j++) G[i * P + j] += 2 * J[r * P + i] * J[r * P + j];
  it_jacobi((int)P, G, w, V);
  double wmax = 0;
  for (size_t i = 0; i < P; i++) wmax = fmax(wmax, fabs(w[i]));
  for (size_t i = 0; i < P; i++)
    if (w[i] <= (double)(nr > P ? nr : P) * 2.220446049250313e-16 * wmax) w[i] = -INFINITY;
  pf_influence_params ig = ip;
  ig.backend = "gauss_newton";
  ig.rank = 30;
  const int kg = it_rules((int)P, w, V, ig.damping, ig.eig_tol, ig.rank, Rb, lam);
  pf_influence_factor *Fg = NULL;
  PF_TEST_OK(pf_influence_factor_create_terms(f->T.eng, f->T.net, f->T.theta, f->Z, f->terms, &ig,
                                              1, 1, &Fg));
  if (Fg) {
    snprintf(what, sizeof what, "%s gauss_newton (%zu + %zu rows)", f->label, K * nz, nt);
    compare_factor(what, Fg, P, lam, Rb, kg, &worst);
    PF_TEST_EXPECT((size_t)Fg->candidates == (nr < P ? nr : P),
                   "%s: gauss_newton has %d candidates, want the %zu rows", f->label,
                   Fg->candidates, nr);
  }
  pf_influence_factor_destroy(&Fg);
  pf_influence_factor_destroy(&F);
  pf_points_destroy(&pool);
  free(H), free(w), free(V), free(Rb), free(lam), free(gz), free(gc), free(Sb), free(S), free(S0),
      free(S1), free(J), free(G);
}

int main(void) {
  {
    /* (a) soft burgers: the derived conditions (x=lo, x=hi, t=lo) and a data set */
    fixture f;
    const pf_pde *soft = NULL;
    PF_TEST_OK(pf_pde_soft(&pf_pde_burgers, &soft));
    const int sizes[] = {2, 5, 5, 1};
    setup(&f, "soft burgers", soft, 3, sizes, 10);
    PF_TEST_OK(pf_pde_soft_sets(soft, 6, 2.0, &f.list));
    const pf_read ru = {0, PF_CH_V};
    add_data(&f, "data u", 0.7, 1, &ru, 8, 21);
    make_terms(&f);
    printf("soft burgers: P = %zu, |Z| = %zu, %d sets, %zu term rows\n", f.T.P, f.nz,
           pf_terms_count(f.terms), pf_terms_rows(f.terms));
    check_backends(&f);
    teardown(&f);
  }
  {
    /* (b) the system: values of u and v, and v_t with the mixed u_xy */
    fixture f;
    const int sizes[] = {3, 4, 4, 2};
    setup(&f, "system", &sys_pde, 3, sizes, 6);
    const pf_read r2[2] = {{0, 0}, {1, 0}};
    const pf_read r3[2] = {{1, pf_jet_index(3, 2, -1)}, {0, pf_jet_index(3, 0, 1)}};
    add_data(&f, "values u v", 1.5, 2, r2, 7, 22);
    add_data(&f, "v_t u_xy", 0.4, 2, r3, 5, 23);
    make_terms(&f);
    printf("system: P = %zu, |Z| = %zu, %d sets, %zu term rows\n", f.T.P, f.nz,
           pf_terms_count(f.terms), pf_terms_rows(f.terms));
    check_backends(&f);
    teardown(&f);
  }
  return pf_test_report("test_influence_terms");
}
