/* The five problems of the registry, at the paper's coefficients and at others: their constraint
 * coefficients A, B and every input derivative against finite differences; the constrained output
 * satisfies the initial and boundary conditions for a random network; the residual vanishes (to
 * rounding) on the closed-form solutions, with derivatives written out here independently of
 * src/pde. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static void check_coefficients(const pf_pde *p) {
  enum { N = 50 };
  double x[N], t[N], xs[N], ts[N], A[PF_NCH * N], B[PF_NCH * N];
  double Ap[PF_NCH * N], Am[PF_NCH * N], Bp[PF_NCH * N], Bm[PF_NCH * N];
  pf_rng_stream s = pf_rng_stream_make(1, 0, PF_RNG_TEST, 40);
  pf_rng_uniform_range(&s, 0, N, p->xlo, p->xhi, x);
  pf_rng_uniform_range(&s, N, N, p->tlo, p->thi, t);
  memset(A, 0, sizeof A), memset(B, 0, sizeof B);
  p->ops.transform(p->ops.ctx, N, x, t, A, B);
  const double h = 1e-5;
  for (int dir = 0; dir < 2; dir++) {
    const int c1 = dir ? PF_CH_T : PF_CH_X, c2 = dir ? PF_CH_TT : PF_CH_XX;
    for (int sgn = 0; sgn < 2; sgn++) {
      for (int i = 0; i < N; i++) {
        xs[i] = x[i] + (dir == 0 ? (sgn ? -h : h) : 0);
        ts[i] = t[i] + (dir == 1 ? (sgn ? -h : h) : 0);
      }
      double *Ao = sgn ? Am : Ap, *Bo = sgn ? Bm : Bp;
      memset(Ao, 0, sizeof Ap), memset(Bo, 0, sizeof Bp);
      p->ops.transform(p->ops.ctx, N, xs, ts, Ao, Bo);
    }
    for (int i = 0; i < N; i++) {
      const double *C[2] = {A, B}, *Cp[2] = {Ap, Bp}, *Cm[2] = {Am, Bm};
      for (int k = 0; k < 2; k++) {
        double d1 = (Cp[k][i] - Cm[k][i]) / (2 * h);
        double d2 = (Cp[k][c1 * N + i] - Cm[k][c1 * N + i]) / (2 * h);
        double sc1 = fmax(1.0, fabs(d1)), sc2 = fmax(1.0, fabs(d2));
        PF_TEST_EXPECT(fabs(C[k][c1 * N + i] - d1) <= 1e-6 * sc1,
                       "%s: %c_%s at (%g,%g): %g vs FD %g", p->name, k ? 'B' : 'A', dir ? "t" : "x",
                       x[i], t[i], C[k][c1 * N + i], d1);
        PF_TEST_EXPECT(fabs(C[k][c2 * N + i] - d2) <= 1e-6 * sc2,
                       "%s: %c_%s%s at (%g,%g): %g vs FD %g", p->name, k ? 'B' : 'A',
                       dir ? "t" : "x", dir ? "t" : "x", x[i], t[i], C[k][c2 * N + i], d2);
      }
    }
  }
}

/* initial and boundary values the problem prescribes (PAPER.md section 1) */
static double initial_value(const char *name, double x) {
  if (!strcmp(name, "diffusion")) return sin(PI * x);
  if (!strcmp(name, "burgers")) return -sin(PI * x);
  if (!strcmp(name, "allen_cahn")) return x * x * cos(PI * x);
  if (!strcmp(name, "wave")) return sin(PI * x) + 0.5 * sin(4 * PI * x);
  return sin(2 * x + PI / 4); /* drift_diffusion */
}
static double boundary_value(const pf_pde *p, double x, double t) {
  const double *k = pf_pde_coefficients(p);
  if (!strcmp(p->name, "allen_cahn")) return -1.0;
  if (!strcmp(p->name, "drift_diffusion"))
    return sin(2 * x - 2 * k[1] * t + PI / 4) * exp(-4 * k[0] * t);
  return 0.0;
}

static void check_conditions(const pf_pde *p) {
  enum { N = 40 };
  const int sizes[] = {2, 12, 12, 1};
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  PF_TEST_OK(pf_mlp_create(3, sizes, &net));
  PF_TEST_OK(pf_engine_create(net, &p->ops, 16, &eng));
  double *theta = malloc(net->nparams * sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(2, 0, PF_RNG_TEST, 41);
  pf_rng_normal(&s, 0, net->nparams, theta); /* random weights and biases */
  double x[N], t[N], r[N], u[PF_NCH * N];
  pf_rng_uniform_range(&s, 1000, N, p->xlo, p->xhi, x);
  pf_rng_uniform_range(&s, 2000, N, p->tlo, p->thi, t);
  /* t = 0: the initial condition (and, for the wave equation, u_t = 0) */
  double t0[N], xb[N];
  for (int i = 0; i < N; i++) t0[i] = 0.0;
  pf_points *pts = NULL;
  PF_TEST_OK(pf_points_create(&p->ops, N, x, t0, &pts));
  PF_TEST_OK(pf_engine_residuals(eng, theta, pts, r, u));
  for (int i = 0; i < N; i++) {
    PF_TEST_EXPECT(fabs(u[i] - initial_value(p->name, x[i])) <= 1e-14, "%s: u(%g, 0) = %.17g",
                   p->name, x[i], u[i]);
    if (!strcmp(p->name, "wave"))
      PF_TEST_EXPECT(fabs(u[PF_CH_T * N + i]) <= 1e-14, "wave: u_t(%g, 0) = %g", x[i],
                     u[PF_CH_T * N + i]);
  }
  pf_points_destroy(&pts);
  /* the two ends of the interval */
  for (int side = 0; side < 2; side++) {
    for (int i = 0; i < N; i++) xb[i] = side ? p->xhi : p->xlo;
    PF_TEST_OK(pf_points_create(&p->ops, N, xb, t, &pts));
    PF_TEST_OK(pf_engine_residuals(eng, theta, pts, r, u));
    for (int i = 0; i < N; i++)
      PF_TEST_EXPECT(fabs(u[i] - boundary_value(p, xb[i], t[i])) <= 1e-13,
                     "%s: u(%g, %g) = %.17g, want %.17g", p->name, xb[i], t[i], u[i],
                     boundary_value(p, xb[i], t[i]));
    pf_points_destroy(&pts);
  }
  free(theta);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
}

/* exact jets (value, x, t, xx, tt) of the closed-form solutions for the coefficients k */
static void exact_jets(const char *name, const double *k, double x, double t, double j[PF_NCH]) {
  if (!strcmp(name, "diffusion")) {
    double e = exp(-t);
    j[PF_CH_V] = e * sin(PI * x), j[PF_CH_X] = PI * e * cos(PI * x), j[PF_CH_T] = -j[PF_CH_V];
    j[PF_CH_XX] = -PI * PI * j[PF_CH_V], j[PF_CH_TT] = j[PF_CH_V];
  } else if (!strcmp(name, "wave")) {
    /* u = sin(pi x) cos(c pi t) + sin(4 pi x) cos(4 c pi t) / 2 */
    const double c = k[0], w1 = c * PI, w4 = 4 * c * PI;
    double a = sin(PI * x), b = sin(4 * PI * x), ca = cos(PI * x), cb = cos(4 * PI * x);
    double c1 = cos(w1 * t), c4 = cos(w4 * t), s1 = sin(w1 * t), s4 = sin(w4 * t);
    j[PF_CH_V] = a * c1 + 0.5 * b * c4;
    j[PF_CH_X] = PI * ca * c1 + 2 * PI * cb * c4;
    j[PF_CH_XX] = -PI * PI * a * c1 - 8 * PI * PI * b * c4;
    j[PF_CH_T] = -w1 * a * s1 - 0.5 * w4 * b * s4;
    j[PF_CH_TT] = -w1 * w1 * a * c1 - 0.5 * w4 * w4 * b * c4;
  } else { /* drift_diffusion: u = sin(2x - 2 beta t + pi/4) e^{-4 D t} */
    const double D = k[0], beta = k[1];
    double ph = 2 * x - 2 * beta * t + PI / 4, e = exp(-4 * D * t);
    j[PF_CH_V] = sin(ph) * e, j[PF_CH_X] = 2 * cos(ph) * e, j[PF_CH_XX] = -4 * sin(ph) * e;
    j[PF_CH_T] = (-2 * beta * cos(ph) - 4 * D * sin(ph)) * e;
    j[PF_CH_TT] = ((16 * D * D - 4 * beta * beta) * sin(ph) + 16 * D * beta * cos(ph)) * e;
  }
}

static void check_exact(const pf_pde *p) {
  if (!p->exact) return;
  enum { N = 64 };
  double x[N], t[N], u[PF_NCH * N], r[N], uex[N], dr[PF_NCH * N];
  pf_rng_stream s = pf_rng_stream_make(3, 0, PF_RNG_TEST, 42);
  pf_rng_uniform_range(&s, 0, N, p->xlo, p->xhi, x);
  pf_rng_uniform_range(&s, N, N, p->tlo, p->thi, t);
  for (int i = 0; i < N; i++) {
    double j[PF_NCH];
    exact_jets(p->name, pf_pde_coefficients(p), x[i], t[i], j);
    for (int c = 0; c < PF_NCH; c++) u[c * N + i] = j[c];
  }
  p->exact(pf_pde_coefficients(p), N, x, t, uex);
  memset(dr, 0, sizeof dr);
  p->ops.residual(p->ops.ctx, N, x, t, u, r, dr, NULL);
  for (int i = 0; i < N; i++) {
    PF_TEST_EXPECT(fabs(uex[i] - u[i]) <= 1e-15, "%s: exact() differs from the written solution",
                   p->name);
    double scale = 0; /* size of the terms: sum |dr/du_c u_c| plus the value */
    for (int c = 0; c < PF_NCH; c++) scale += fabs(dr[c * N + i] * u[c * N + i]);
    PF_TEST_EXPECT(fabs(r[i]) <= 1e-13 * fmax(scale, 1.0),
                   "%s: residual %.3g of the exact solution at (%g, %g)", p->name, r[i], x[i],
                   t[i]);
  }
}

/* dr/du_c and d2r/du_c du_d of the residual against central differences in the jets */
static void check_residual_partials(const pf_pde *p) {
  enum { N = 20 };
  double x[N], t[N], u[PF_NCH * N], up[PF_NCH * N], r[N], rp[N], rm[N];
  double dr[PF_NCH * N], d2r[PF_NCH * PF_NCH * N], drp[PF_NCH * N], drm[PF_NCH * N];
  pf_rng_stream s = pf_rng_stream_make(4, 0, PF_RNG_TEST, 43);
  pf_rng_uniform_range(&s, 0, N, p->xlo, p->xhi, x);
  pf_rng_uniform_range(&s, N, N, p->tlo, p->thi, t);
  pf_rng_uniform_range(&s, 2 * N, PF_NCH * N, -1.5, 1.5, u);
  memset(dr, 0, sizeof dr), memset(d2r, 0, sizeof d2r);
  p->ops.residual(p->ops.ctx, N, x, t, u, r, dr, d2r);
  const double h = 1e-6;
  for (int c = 0; c < PF_NCH; c++) {
    memcpy(up, u, sizeof u);
    for (int i = 0; i < N; i++) up[c * N + i] = u[c * N + i] + h;
    memset(drp, 0, sizeof drp);
    p->ops.residual(p->ops.ctx, N, x, t, up, rp, drp, NULL);
    for (int i = 0; i < N; i++) up[c * N + i] = u[c * N + i] - h;
    memset(drm, 0, sizeof drm);
    p->ops.residual(p->ops.ctx, N, x, t, up, rm, drm, NULL);
    for (int i = 0; i < N; i++) {
      double fd = (rp[i] - rm[i]) / (2 * h);
      PF_TEST_EXPECT(fabs(dr[c * N + i] - fd) <= 1e-7 * fmax(1.0, fabs(fd)),
                     "%s: dr/du_%d = %g vs FD %g", p->name, c, dr[c * N + i], fd);
      for (int d = 0; d < PF_NCH; d++) {
        double fd2 = (drp[d * N + i] - drm[d * N + i]) / (2 * h);
        double got = d2r[(d * PF_NCH + c) * N + i];
        PF_TEST_EXPECT(fabs(got - fd2) <= 1e-6 * fmax(1.0, fabs(fd2)),
                       "%s: d2r/du_%d du_%d = %g vs FD %g", p->name, d, c, got, fd2);
      }
    }
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  PF_TEST_EXPECT(pf_pde_count() == 5, "5 problems registered, got %d", pf_pde_count());
  PF_TEST_EXPECT(pf_pde_find("no_such_pde") == NULL, "unknown name must give NULL");
  char names[256];
  pf_pde_names(names, sizeof names);
  PF_TEST_EXPECT(!strcmp(names, "diffusion, burgers, allen_cahn, wave, drift_diffusion"),
                 "names: %s", names);
  const char *with_exact[] = {"diffusion", "wave", "drift_diffusion"};
  for (int i = 0; i < 3; i++)
    PF_TEST_EXPECT(pf_pde_find(with_exact[i])->exact != NULL, "%s has a closed form",
                   with_exact[i]);
  /* every problem at the paper's coefficients, and at others (pf_pde_instance) */
  static const struct {
    const char *name;
    double coef[PF_PDE_MAX_COEF];
  } other[] = {{"diffusion", {0.3}},
               {"burgers", {0.002 / PI}},
               {"allen_cahn", {1e-4, 2}},
               {"wave", {1.5}},
               {"drift_diffusion", {0.25, -7}}};
  for (int i = 0; i < pf_pde_count(); i++) {
    const pf_pde *base = pf_pde_at(i), *q = NULL, *q2 = NULL;
    PF_TEST_EXPECT(pf_pde_find(base->name) == base, "find(%s)", base->name);
    PF_TEST_EXPECT(base->ncoef >= 1 && base->ops.ctx != NULL, "%s: coefficients", base->name);
    PF_TEST_OK(pf_pde_instance(base, pf_pde_coefficients(base), &q));
    PF_TEST_EXPECT(q == base, "%s: the defaults give the registry entry itself", base->name);
    PF_TEST_OK(pf_pde_instance(base, other[i].coef, &q));
    PF_TEST_OK(pf_pde_instance(base, other[i].coef, &q2));
    PF_TEST_EXPECT(q && q != base && q == q2 && pf_pde_base(q) == base &&
                       !strcmp(q->name, other[i].name),
                   "%s: an instance with other coefficients, interned", base->name);
    for (int j = 0; q && j < base->ncoef; j++)
      PF_TEST_EXPECT(pf_pde_coefficients(q)[j] == other[i].coef[j], "%s: coefficient %s",
                     base->name, base->coef[j].name);
    double bad[PF_PDE_MAX_COEF];
    memcpy(bad, other[i].coef, sizeof bad);
    bad[0] = base->coef[0].hi * 2 + 1;
    pf_error_set_quiet(1);
    PF_TEST_EXPECT(pf_pde_instance(base, bad, &q2) == PF_ERR_ARG, "%s: %s out of range accepted",
                   base->name, base->coef[0].name);
    pf_error_set_quiet(0);
    const pf_pde *both[2] = {base, q};
    for (int v = 0; v < 2 && both[v]; v++) {
      const pf_pde *p = both[v];
      check_coefficients(p);
      check_conditions(p);
      check_exact(p);
      check_residual_partials(p);
    }
  }
  int rc = pf_test_report("test_problems");
  MPI_Finalize();
  return rc;
}
