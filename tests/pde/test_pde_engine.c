/* The registry's problems through the engine (src/nn) with a random network: each description
 * passes pf_pinn_ops_check; the paper's five run on the specialised kernels and heat2d on the
 * general path; the constrained output satisfies the initial and boundary conditions (the wave
 * equation also u_t = 0 at t = 0) for random weights and biases; the engine's residuals are the
 * problem's residual of the engine's jets, gathered by the read list. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

#include "pde_values.h"

/* residuals r (n, k) and jets u (m, nj, n) of the network theta at X (n, d); checks that r is the
 * problem's residual of u's read entries */
static void evaluate(const pf_pde *p, pf_engine *eng, const double *theta, size_t n,
                     const double *X, double *r, double *u) {
  const pf_pinn_ops *o = &p->ops;
  const int nj = pf_jet_count(o->d);
  pf_points *pts = NULL;
  PF_TEST_OK(pf_points_create(o, n, X, &pts));
  PF_TEST_OK(pf_engine_residuals(eng, theta, pts, r, u));
  pf_points_destroy(&pts);
  double *q = malloc((size_t)o->nread * n * sizeof *q), *rr = malloc((size_t)o->k * n * sizeof *rr);
  for (int a = 0; a < o->nread; a++)
    memcpy(q + a * n, u + ((size_t)o->read[a].out * nj + o->read[a].jet) * n, n * sizeof *q);
  o->residual(o->ctx, n, X, q, rr, NULL, NULL);
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < o->k; j++)
      PF_TEST_EXPECT(
          fabs(r[i * o->k + j] - rr[j * n + i]) <= 1e-13 * fmax(1.0, fabs(rr[j * n + i])),
          "%s: engine residual %.17g, problem's %.17g", p->name, r[i * o->k + j], rr[j * n + i]);
  free(q), free(rr);
}

static void check_problem(const pf_pde *p) {
  enum { N = 40 };
  const pf_pinn_ops *o = &p->ops;
  const int d = o->d, tdim = d - 1;
  PF_TEST_OK(pf_pinn_ops_check(o));
  const int sizes[] = {d, 12, 12, o->m};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  PF_TEST_OK(pf_mlp_create(3, sizes, &net));
  PF_TEST_OK(pf_engine_create(net, o, 16, &eng));
  if (!eng) return;
  const int paper = d == 2 && strcmp(p->name, "heat2d");
  PF_TEST_EXPECT(pf_engine_specialised(eng) == paper, "%s: %s kernels", p->name,
                 paper ? "the specialised" : "the general");
  double *theta = malloc(net->nparams * sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(2, 0, PF_RNG_TEST, 41);
  pf_rng_normal(&s, 0, net->nparams, theta); /* random weights and biases */
  double X[N * PF_MAX_DIM], Xb[N * PF_MAX_DIM], col[N], r[N * PF_MAX_RES];
  double u[PF_MAX_OUT * PF_MAX_JET * N];
  for (int j = 0; j < d; j++) {
    pf_rng_uniform_range(&s, 1000 * (j + 1), N, p->lo[j], p->hi[j], col);
    for (int i = 0; i < N; i++) X[i * d + j] = col[i];
  }
  evaluate(p, eng, theta, N, X, r, u);
  /* t = 0: the initial condition (and, for the wave equation, u_t = 0) */
  memcpy(Xb, X, sizeof X);
  for (int i = 0; i < N; i++) Xb[i * d + tdim] = p->lo[tdim];
  evaluate(p, eng, theta, N, Xb, r, u);
  const int jt = pf_jet_index(d, tdim, -1);
  for (int i = 0; i < N; i++) {
    const double want = initial_value(p->name, Xb + i * d);
    PF_TEST_EXPECT(fabs(u[i] - want) <= 1e-14, "%s: u(t = 0) = %.17g, want %.17g", p->name, u[i],
                   want);
    if (!strcmp(p->name, "wave"))
      PF_TEST_EXPECT(fabs(u[jt * N + i]) <= 1e-14, "wave: u_t(%g, 0) = %g", Xb[i * d],
                     u[jt * N + i]);
  }
  /* the two ends of every spatial coordinate */
  for (int a = 0; a < tdim; a++)
    for (int side = 0; side < 2; side++) {
      memcpy(Xb, X, sizeof X);
      for (int i = 0; i < N; i++) Xb[i * d + a] = side ? p->hi[a] : p->lo[a];
      evaluate(p, eng, theta, N, Xb, r, u);
      for (int i = 0; i < N; i++) {
        const double want = boundary_value(p, Xb + i * d);
        PF_TEST_EXPECT(fabs(u[i] - want) <= 1e-13, "%s: u = %.17g on the face %s = %g, want %.17g",
                       p->name, u[i], p->inputs[a], Xb[i * d + a], want);
      }
    }
  free(theta);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  for (int i = 0; i < pf_pde_count(); i++) check_problem(pf_pde_at(i));
  /* heat2d at another diffusivity */
  const double alpha = 0.4;
  const pf_pde *q = NULL;
  PF_TEST_OK(pf_pde_instance(pf_pde_find("heat2d"), &alpha, &q));
  if (q) check_problem(q);
  int rc = pf_test_report("test_pde_engine");
  MPI_Finalize();
  return rc;
}
