/* A problem written in the configuration beyond the paper's shape: inputs (x, y, t), outputs
 * (u, v), two weighted residual components reading mixed and second derivatives of both outputs.
 * Its read list, the constraint jets A and B of both outputs (every first and second input
 * derivative, against fourth-order differences of the transform itself), the residual partials
 * (against differences in q), the closed form, and a loss + gradient through the engine's general
 * path. */
#include "pf_test.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/sweep.h"

#include <stdlib.h>
#include <string.h>

static const char *const text =
    "problem = {\n"
    "  name = \"system3\";\n"
    "  inputs = [\"x\", \"y\", \"t\"];\n"
    "  domain = ([0.0, 1.0], [-1.0, 2.0], [0.0, 0.5]);\n"
    "  outputs = [\"u\", \"v\"];\n"
    "  coefficients = { a = 0.7; b = \"sqrt(2)\"; };\n"
    "  residuals = [\"u_t - a*u_xy*v + sin(v_y)\", \"v_tt - u*v_xx + b*exp(u_x*v)/(1 + u^2)\"];\n"
    "  weights = [1.0, 2.5];\n"
    "  constraints = ({ A = \"sin(pi*x)*cos(y) + x*y^2\"; B = \"x*(1 - x)*(y + 1)*(2 - y)*t\"; },\n"
    "                 { A = \"exp(-a*t)*x^3*y\"; B = \"sin(pi*x)*(y + 1)*(2 - y)*t^2\"; });\n"
    "  reference = [\"exp(-t)*sin(pi*x)*cos(y)\", \"x*y*t\"];\n"
    "  hidden = [8, 8];\n"
    "  initial_points = 50;\n"
    "};\n"
    "train = { cycles = 1; };\n";

#define N 20

int main(void) {
  pf_sweep *sw = NULL;
  char err[PF_CONFIG_ERR_MAX];
  int rc = pf_sweep_create_from_string("system3.cfg", text, 0, NULL, &sw, err, sizeof err);
  PF_TEST_EXPECT(rc == 0, "%s", err);
  if (rc) return pf_test_report("test_problem_general");
  pf_config cfg;
  const pf_pde *p = NULL;
  PF_TEST_OK(pf_sweep_task(sw, 0, &cfg));
  PF_TEST_OK(pf_task_problem(&cfg, &p));
  pf_sweep_destroy(&sw);
  if (!p) return pf_test_report("test_problem_general");
  const pf_pinn_ops *ops = &p->ops;
  const int d = 3, m = 2, k = 2, nj = pf_jet_count(d);
  PF_TEST_EXPECT(ops->d == d && ops->m == m && ops->k == k, "shapes %d %d %d", ops->d, ops->m,
                 ops->k);
  PF_TEST_EXPECT(ops->weight[0] == 1 && ops->weight[1] == 2.5, "weights");
  /* reads, by output then jet: u, u_x, u_t, u_xy; v, v_y, v_xx, v_tt */
  const pf_read want[] = {
      {0, 0}, {0, pf_jet_index(d, 0, -1)}, {0, pf_jet_index(d, 2, -1)}, {0, pf_jet_index(d, 0, 1)},
      {1, 0}, {1, pf_jet_index(d, 1, -1)}, {1, pf_jet_index(d, 0, 0)},  {1, pf_jet_index(d, 2, 2)}};
  const int nr = (int)(sizeof want / sizeof want[0]);
  PF_TEST_EXPECT(ops->nread == nr, "nread %d", ops->nread);
  for (int a = 0; a < nr && a < ops->nread; a++)
    PF_TEST_EXPECT(ops->read[a].out == want[a].out && ops->read[a].jet == want[a].jet,
                   "read %d: (%d, %d), want (%d, %d)", a, ops->read[a].out, ops->read[a].jet,
                   want[a].out, want[a].jet);
  PF_TEST_EXPECT(!strcmp(p->components[0], "r1") && !strcmp(p->outputs[1], "v"), "names");
  PF_TEST_EXPECT(fabs(pf_pde_coefficients(p)[1] - sqrt(2)) < 1e-16, "coefficient b");

  /* constraint jets against differences of the transform */
  double X[N * 3], A[2 * 10 * N], B[2 * 10 * N];
  srand(3);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < d; j++)
      X[i * d + j] = p->lo[j] + (p->hi[j] - p->lo[j]) * (0.1 + 0.8 * rand() / (double)RAND_MAX);
  ops->transform(ops->ctx, N, X, A, B);
  const double h = 1e-3;
  double worst = 0;
  for (int i = 0; i < N; i++)
    for (int a = 0; a < d; a++) {
      double f[4][2 * 10 * 2];
      const double s[4] = {-2, -1, 1, 2};
      for (int q = 0; q < 4; q++) {
        double Y[3], Aq[2 * 10], Bq[2 * 10];
        memcpy(Y, X + i * d, sizeof Y);
        Y[a] += s[q] * h;
        ops->transform(ops->ctx, 1, Y, Aq, Bq);
        memcpy(f[q], Aq, sizeof Aq);
        memcpy(f[q] + 2 * nj, Bq, sizeof Bq);
      }
      for (int ab = 0; ab < 2; ab++)
        for (int o = 0; o < m; o++) {
          const double *J = (ab ? B : A) + (size_t)o * nj * N;
          /* the value's difference is the first derivative; the first derivative b's is the
           * second derivative (a, b) */
          for (int c = 0; c <= d; c++) {
            const int e = ab * 2 * nj + o * nj + c;
            const double fd = (f[0][e] - 8 * f[1][e] + 8 * f[2][e] - f[3][e]) / (12 * h);
            const int target = c == 0 ? pf_jet_index(d, a, -1) : pf_jet_index(d, a, c - 1);
            const double got = J[(size_t)target * N + i];
            const double err1 = fabs(got - fd) / fmax(1, fabs(fd));
            worst = fmax(worst, err1);
            PF_TEST_EXPECT(err1 < 1e-8, "%s of output %d, jet %d at point %d: %.12g vs %.12g",
                           ab ? "B" : "A", o, target, i, got, fd);
          }
        }
    }
  fprintf(stderr, "constraint jets: worst relative error %.2e\n", worst);

  /* residual partials against differences in q */
  double q[8 * N], r[2 * N], dr[2 * 8 * N], d2r[2 * 8 * 8 * N];
  for (int e = 0; e < nr * N; e++) q[e] = 0.8 * rand() / (double)RAND_MAX - 0.4;
  memset(dr, 0, sizeof dr);
  memset(d2r, 0, sizeof d2r);
  ops->residual(ops->ctx, N, X, q, r, dr, d2r);
  worst = 0;
  for (int a = 0; a < nr; a++) {
    double fr[4][2 * N], fd1[4][2 * 8 * N];
    const double s[4] = {-2, -1, 1, 2};
    for (int t = 0; t < 4; t++) {
      double qq[8 * N], d2tmp[2 * 8 * 8 * N];
      memcpy(qq, q, sizeof qq);
      for (int i = 0; i < N; i++) qq[a * N + i] += s[t] * h;
      memset(fd1[t], 0, sizeof fd1[t]);
      ops->residual(ops->ctx, N, X, qq, fr[t], fd1[t], d2tmp);
    }
    for (int j = 0; j < k; j++)
      for (int i = 0; i < N; i++) {
        const int e = j * N + i;
        const double fd = (fr[0][e] - 8 * fr[1][e] + 8 * fr[2][e] - fr[3][e]) / (12 * h);
        const double got = dr[(j * nr + a) * N + i];
        worst = fmax(worst, fabs(got - fd) / fmax(1, fabs(fd)));
        PF_TEST_EXPECT(fabs(got - fd) < 1e-8 * fmax(1, fabs(fd)), "dr%d/dq%d: %.12g vs %.12g", j, a,
                       got, fd);
        for (int b = 0; b < nr; b++) {
          const int eb = (j * nr + b) * N + i;
          const double fd2 = (fd1[0][eb] - 8 * fd1[1][eb] + 8 * fd1[2][eb] - fd1[3][eb]) / (12 * h);
          const double got2 = d2r[((j * nr + b) * nr + a) * N + i];
          worst = fmax(worst, fabs(got2 - fd2) / fmax(1, fabs(fd2)));
          PF_TEST_EXPECT(fabs(got2 - fd2) < 1e-7 * fmax(1, fabs(fd2)),
                         "d2r%d/dq%d dq%d: %.12g vs %.12g", j, b, a, got2, fd2);
        }
      }
  }
  fprintf(stderr, "residual partials: worst relative error %.2e\n", worst);

  /* the closed form, point-major (n, m) */
  double u[2 * N];
  p->exact(pf_pde_coefficients(p), N, X, u);
  for (int i = 0; i < N; i++) {
    const double x = X[3 * i], y = X[3 * i + 1], t = X[3 * i + 2];
    PF_TEST_CLOSE(u[2 * i], exp(-t) * sin(3.14159265358979323846 * x) * cos(y), 1e-14, 1e-14,
                  "reference u");
    PF_TEST_CLOSE(u[2 * i + 1], x * y * t, 1e-14, 1e-14, "reference v");
  }

  /* through the engine (general path): a finite loss and gradient */
  const int sizes[] = {3, 8, 8, 2};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  pf_points *pts = NULL;
  PF_TEST_OK(pf_mlp_create(3, sizes, &net));
  PF_TEST_OK(pf_engine_create(net, ops, 16, &eng));
  PF_TEST_OK(pf_points_create(ops, N, X, &pts));
  double *theta = calloc(net->nparams, sizeof *theta), *g = calloc(net->nparams, sizeof *g);
  pf_rng_stream is = pf_rng_stream_make(1, 0, PF_RNG_INIT, 0);
  PF_TEST_OK(pf_mlp_init_glorot(net, &is, theta));
  double loss = NAN, gn = 0;
  PF_TEST_OK(pf_engine_loss_grad(eng, theta, pts, &loss, g));
  for (size_t i = 0; i < net->nparams; i++) gn += g[i] * g[i];
  PF_TEST_EXPECT(isfinite(loss) && loss > 0 && isfinite(gn) && gn > 0, "loss %g, |g|^2 %g", loss,
                 gn);
  free(theta);
  free(g);
  pf_points_destroy(&pts);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  return pf_test_report("test_problem_general");
}
