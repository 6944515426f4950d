/* The paper's five problems written in the configuration (configs/problems/NAME.cfg) against the
 * built-in ones (src/pde/NAME.c): the same read list, and at random points of the box the same
 * constraint jets (A, B with every first and second input derivative), residuals, residual
 * partials dr/dq and d2r/dq dq and closed forms; their canonical text round-trips and defines the
 * same problem again. Usage: test_problem_files CONFIGS_DIR */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/sweep.h"

#include <stdlib.h>
#include <string.h>

#define N 257

static double worst = 0;

static void compare(const char *what, const char *name, const double *a, const double *b, size_t n,
                    double tol) {
  for (size_t i = 0; i < n; i++) {
    const double e = fabs(a[i] - b[i]) / fmax(1, fabs(b[i]));
    worst = fmax(worst, e);
    if (!(e <= tol)) {
      PF_TEST_EXPECT(0, "%s %s[%zu]: defined %.17g, built-in %.17g", name, what, i, a[i], b[i]);
      return;
    }
  }
}

static void check_problem(const char *dir, const char *name) {
  char path[512], err[PF_CONFIG_ERR_MAX];
  snprintf(path, sizeof path, "%s/%s.cfg", dir, name);
  pf_sweep *sw = NULL;
  int rc = pf_sweep_create(path, 0, NULL, &sw, err, sizeof err);
  PF_TEST_EXPECT(rc == 0, "%s: %s", path, err);
  if (rc) return;
  pf_config cfg;
  const pf_pde *p = NULL, *b = pf_pde_find(name);
  char defname[64];
  snprintf(defname, sizeof defname, "%s_cfg", name);
  PF_TEST_OK(pf_sweep_task(sw, 0, &cfg));
  PF_TEST_OK(pf_task_problem(&cfg, &p));
  pf_sweep_destroy(&sw);
  if (!p || !b) return;
  PF_TEST_EXPECT(!strcmp(p->name, defname) && pf_pde_find(defname) == p, "%s: found by name", name);
  PF_TEST_EXPECT(p->text != NULL && b->text == NULL, "%s: defined vs built-in", name);
  const pf_pinn_ops *po = &p->ops, *bo = &b->ops;
  PF_TEST_EXPECT(po->d == bo->d && po->m == bo->m && po->k == bo->k && po->nread == bo->nread,
                 "%s: shapes", name);
  for (int a = 0; a < bo->nread && a < po->nread; a++)
    PF_TEST_EXPECT(po->read[a].out == bo->read[a].out && po->read[a].jet == bo->read[a].jet,
                   "%s: read %d", name, a);
  PF_TEST_EXPECT(p->nhidden == b->nhidden && p->initial_points == b->initial_points,
                 "%s: default network and points", name);
  /* the defaults that follow the problem (network, points, per mode) are the built-in's */
  for (int mode = 0; mode < 2; mode++) {
    pf_config da, db;
    const char *mn = mode ? "replace" : "add";
    PF_TEST_OK(pf_config_default(p->name, mn, &da));
    PF_TEST_OK(pf_config_default(b->name, mn, &db));
    PF_TEST_EXPECT(da.sample.per_cycle == db.sample.per_cycle && da.sample.k == db.sample.k &&
                       da.sample.c == db.sample.c && da.points.initial == db.points.initial &&
                       da.network.nhidden == db.network.nhidden &&
                       !memcmp(da.network.hidden, db.network.hidden, sizeof da.network.hidden),
                   "%s: defaults in %s mode", name, mn);
  }
  for (int j = 0; j < bo->d; j++)
    PF_TEST_EXPECT(p->lo[j] == b->lo[j] && p->hi[j] == b->hi[j], "%s: domain", name);
  for (int j = 0; j < b->ncoef; j++)
    PF_TEST_EXPECT(pf_pde_coefficients(p)[j] == pf_pde_coefficients(b)[j], "%s: coefficient %s",
                   name, b->coef[j].name);
  const int d = bo->d, nj = pf_jet_count(d), nr = bo->nread, k = bo->k;
  double *X = calloc((size_t)N * d, sizeof *X), *big = calloc((size_t)N * 4 * 64, sizeof *big);
  double *A[2], *B[2], *q, *r[2], *dr[2], *d2r[2], *u[2];
  for (int s = 0; s < 2; s++) {
    A[s] = calloc((size_t)N * nj, sizeof(double));
    B[s] = calloc((size_t)N * nj, sizeof(double));
    r[s] = calloc((size_t)N * k, sizeof(double));
    dr[s] = calloc((size_t)N * k * nr, sizeof(double));
    d2r[s] = calloc((size_t)N * k * nr * nr, sizeof(double));
    u[s] = calloc((size_t)N, sizeof(double));
  }
  q = calloc((size_t)N * nr, sizeof(double));
  srand(7);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < d; j++)
      X[i * d + j] = b->lo[j] + (b->hi[j] - b->lo[j]) * (rand() / (double)RAND_MAX);
  for (int i = 0; i < N * nr; i++) q[i] = 4 * (rand() / (double)RAND_MAX) - 2;
  const pf_pde *pp[2] = {p, b};
  for (int s = 0; s < 2; s++) {
    pp[s]->ops.transform(pp[s]->ops.ctx, N, X, A[s], B[s]);
    pp[s]->ops.residual(pp[s]->ops.ctx, N, X, q, r[s], dr[s], d2r[s]);
    if (pp[s]->exact) pp[s]->exact(pf_pde_coefficients(pp[s]), N, X, u[s]);
  }
  compare("A", name, A[0], A[1], (size_t)N * nj, 1e-13);
  compare("B", name, B[0], B[1], (size_t)N * nj, 1e-13);
  compare("r", name, r[0], r[1], (size_t)N * k, 1e-13);
  compare("dr", name, dr[0], dr[1], (size_t)N * k * nr, 1e-13);
  compare("d2r", name, d2r[0], d2r[1], (size_t)N * k * nr * nr, 1e-13);
  PF_TEST_EXPECT(!p->exact == !b->exact && !p->grid == !b->grid, "%s: reference kind", name);
  if (b->exact) compare("exact", name, u[0], u[1], N, 1e-13);
  /* r and dr alone (the engine's cheaper calls) agree with the full call */
  memset(r[1], 0, (size_t)N * k * sizeof(double));
  p->ops.residual(p->ops.ctx, N, X, q, r[1], NULL, NULL);
  compare("r alone", name, r[1], r[0], (size_t)N * k, 0);
  /* the canonical text defines the same problem again */
  char text[PF_CONFIG_CANONICAL_MAX], text2[PF_CONFIG_CANONICAL_MAX];
  PF_TEST_OK(pf_config_canonical(&cfg, text, sizeof text));
  PF_TEST_EXPECT(strstr(text, "problem = {") && strstr(text, p->ops.nread ? "residuals" : ""),
                 "%s: the canonical text holds the problem", name);
  pf_config back;
  rc = pf_task_config_from_text(text, &back, err, sizeof err);
  PF_TEST_EXPECT(rc == 0, "%s: canonical text: %s", name, err);
  const pf_pde *p2 = NULL;
  if (!rc) {
    PF_TEST_OK(pf_task_problem(&back, &p2));
    PF_TEST_EXPECT(p2 == p, "%s: the text defines the same problem", name);
    PF_TEST_OK(pf_config_canonical(&back, text2, sizeof text2));
    PF_TEST_EXPECT(!strcmp(text, text2), "%s: canonical text round trip", name);
  }
  for (int s = 0; s < 2; s++) {
    free(A[s]), free(B[s]), free(r[s]), free(dr[s]), free(d2r[s]), free(u[s]);
  }
  free(q);
  free(X);
  free(big);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_problem_files CONFIGS_DIR\n");
    return 2;
  }
  static const char *const names[] = {"burgers", "diffusion", "allen_cahn", "wave",
                                      "drift_diffusion"};
  for (int i = 0; i < 5; i++) check_problem(argv[1], names[i]);
  fprintf(stderr, "worst relative difference from the built-in problems: %.2e\n", worst);
  return pf_test_report("test_problem_files");
}
