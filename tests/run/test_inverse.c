/* The training objective of a task with soft conditions, data and a trainable coefficient
 * (pf_task_objective_eval): its gradient in the coefficient and in a few network parameters
 * against central finite differences of the whole objective; the objective without soft, data
 * or trainable keys equals the engine's residual loss exactly; observations drawn from the
 * reference depend on data.seed only. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/observations.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/run.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *problem =
    "problem = { name = \"burgers_fd\"; inputs = [\"x\", \"t\"]; domain = ([-1.0, 1.0], [0.0, "
    "1.0]); outputs = [\"u\"]; coefficients = { nu = \"0.01/pi\"; k = 0.5; };\n"
    "  residuals = [\"u_t + u*u_x - nu*u_xx + k*sin(nu*x)*u\"];\n"
    "  constraints = ({ soft = ( { face = \"x=lo\"; value = \"0\"; }, { face = \"x=hi\"; value = "
    "\"0\"; }, { face = \"t=lo\"; value = \"-sin(pi*x)\"; }, { face = \"t=lo\"; derivative = "
    "\"x\"; value = \"-pi*cos(pi*x)\"; } ); });\n"
    "  grid = \"burgers\"; hidden = [8, 8]; initial_points = 50; };\n";

static int spec_of(const char *extra, pf_task_spec *spec, pf_config *cfg) {
  char text[4096], err[PF_CONFIG_ERR_MAX];
  snprintf(text, sizeof text, "%s%s", problem, extra);
  pf_sweep *sw = NULL;
  int rc = pf_sweep_create_from_string("inverse.cfg", text, 0, NULL, &sw, err, sizeof err);
  if (rc) fprintf(stderr, "%s\n", err);
  if (!rc) rc = pf_sweep_task(sw, 0, cfg);
  pf_sweep_destroy(&sw);
  if (!rc) rc = pf_task_spec_from_config(cfg, spec);
  return rc;
}

static size_t nparams(const pf_task_spec *s) {
  int sizes[PF_PDE_MAX_HIDDEN + 2];
  sizes[0] = s->pde->ops.d;
  for (int l = 0; l < s->nhidden; l++) sizes[l + 1] = s->hidden[l];
  sizes[s->nhidden + 1] = s->pde->ops.m;
  size_t P = 0;
  for (int l = 0; l <= s->nhidden; l++) P += (size_t)(sizes[l] + 1) * (size_t)sizes[l + 1];
  return P;
}

int main(void) {
  pf_task_spec spec;
  pf_config cfg;
  /* 1. soft conditions (one on a derivative), reference data of 1 % noise, nu trainable */
  PF_TEST_OK(spec_of("trainable = { nu = \"5*0.01/pi\"; };\n"
                     "data = { reference = 40; noise = 0.01; seed = 3; weight = 2.0; };\n"
                     "boundary = { points = 16; weight = 0.5; };\n"
                     "train = { cycles = 1; };\n",
                     &spec, &cfg));
  PF_TEST_EXPECT(spec.ntrained == 1 && spec.trained[0] == 0, "nu is trainable");
  const size_t P = nparams(&spec), nx = P + 1;
  double *x = calloc(nx, sizeof *x), *g = calloc(nx, sizeof *g), *xp = calloc(nx, sizeof *xp);
  pf_rng_stream st = pf_rng_stream_make(7, 0, PF_RNG_TEST, 0);
  pf_rng_uniform_range(&st, 0, P, -0.6, 0.6, x);
  x[P] = 0.05;
  double L = 0, Lp = 0, Lm = 0;
  PF_TEST_OK(pf_task_objective_eval(&spec, x, &L, g));
  PF_TEST_EXPECT(isfinite(L) && L > 0, "objective %g", L);
  /* d/dnu: central differences, h relative to nu; the objective is smooth in nu */
  const size_t check[] = {P, 0, 7, P / 2, P - 1};
  for (size_t c = 0; c < sizeof check / sizeof check[0]; c++) {
    const size_t j = check[c];
    const double h = j == P ? 1e-5 * fabs(x[P]) : 1e-5;
    memcpy(xp, x, nx * sizeof *x);
    xp[j] = x[j] + h;
    PF_TEST_OK(pf_task_objective_eval(&spec, xp, &Lp, NULL));
    xp[j] = x[j] - h;
    PF_TEST_OK(pf_task_objective_eval(&spec, xp, &Lm, NULL));
    const double fd = (Lp - Lm) / (2 * h);
    char what[64];
    snprintf(what, sizeof what, "dL/dx[%zu]%s", j, j == P ? " (nu)" : "");
    PF_TEST_CLOSE(g[j], fd, 1e-6, 1e-8, what);
    fprintf(stderr, "%s: exact %.12e fd %.12e\n", what, g[j], fd);
  }
  PF_TEST_EXPECT(fabs(g[P]) > 1e-6, "the coefficient gradient is not trivially zero (%g)", g[P]);

  /* 2. the soft conditions at a negligible weight: the objective is the engine's residual loss
   * over the initial Hammersley points, computed here on its own */
  pf_task_spec tiny;
  PF_TEST_OK(spec_of("boundary = { weight = 1e-300; };\ntrain = { cycles = 1; };\n", &tiny, &cfg));
  PF_TEST_EXPECT(tiny.ntrained == 0 && tiny.data.reference == 0, "no data, nothing trained");
  double Lsoft = 0, Lref = 0, Lfull = 0;
  PF_TEST_OK(pf_task_objective_eval(&tiny, x, &Lsoft, NULL));
  {
    int sizes[] = {2, 8, 8, 1};
    pf_mlp *net = NULL;
    pf_engine *eng = NULL;
    pf_points *pts = NULL;
    double X[100];
    PF_TEST_OK(pf_mlp_create(3, sizes, &net));
    PF_TEST_OK(pf_engine_create(net, &tiny.pde->ops, tiny.block, &eng));
    pf_pde_hammersley(tiny.pde, 50, X);
    PF_TEST_OK(pf_points_create(&tiny.pde->ops, 50, X, &pts));
    PF_TEST_OK(pf_engine_loss_grad(eng, x, pts, &Lref, NULL));
    pf_points_destroy(&pts);
    pf_engine_destroy(&eng);
    pf_mlp_destroy(&net);
  }
  PF_TEST_CLOSE(Lsoft, Lref, 1e-15, 1e-300, "residual loss alone");
  pf_task_spec full;
  PF_TEST_OK(spec_of("train = { cycles = 1; };\n", &full, &cfg));
  PF_TEST_OK(pf_task_objective_eval(&full, x, &Lfull, NULL));
  PF_TEST_EXPECT(Lfull > Lref, "the soft conditions add to the loss (%g vs %g)", Lfull, Lref);

  /* 3. observations depend on data.seed only */
  pf_observations a = {0}, b = {0}, c2 = {0};
  PF_TEST_OK(pf_observations_reference(spec.pde, 3, 1000, 40, 0.01, 0, NULL, &a));
  PF_TEST_OK(pf_observations_reference(spec.pde, 3, 1000, 40, 0.01, 0, NULL, &b));
  PF_TEST_OK(pf_observations_reference(spec.pde, 4, 1000, 40, 0.01, 0, NULL, &c2));
  PF_TEST_EXPECT(a.n == 40 && !memcmp(a.X, b.X, 80 * sizeof(double)) &&
                     !memcmp(a.Y, b.Y, 40 * sizeof(double)),
                 "same seed, same data");
  PF_TEST_EXPECT(memcmp(a.X, c2.X, 80 * sizeof(double)), "another seed, other points");
  /* distinct points of the grid */
  int distinct = 1;
  for (size_t i = 0; i < a.n; i++)
    for (size_t j = 0; j < i; j++)
      if (a.X[2 * i] == a.X[2 * j] && a.X[2 * i + 1] == a.X[2 * j + 1]) distinct = 0;
  PF_TEST_EXPECT(distinct, "the observations are distinct points");
  /* noise 0: the reference itself */
  pf_observations z = {0};
  PF_TEST_OK(pf_observations_reference(spec.pde, 3, 1000, 40, 0.0, 0, NULL, &z));
  double dev = 0, ss = 0;
  for (size_t i = 0; i < 40; i++) dev += pow(a.Y[i] - z.Y[i], 2), ss += z.Y[i] * z.Y[i];
  /* noise 1 % of the rms: the deviation's rms is about 0.01 rms(u) (40 normals: within 50 %) */
  const double ratio = sqrt(dev / 40) / sqrt(ss / 40);
  PF_TEST_EXPECT(ratio > 0.005 && ratio < 0.015, "noise level %g of the rms", ratio);
  pf_observations_free(&a), pf_observations_free(&b), pf_observations_free(&c2);
  pf_observations_free(&z);
  free(x), free(g), free(xp);
  return pf_test_report("test_inverse");
}
