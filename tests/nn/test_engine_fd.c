/* The engine's exact derivatives against central finite differences:
 *  - every jet channel of u against differences in the inputs x and t;
 *  - the loss gradient, Hessian-vector products, Jacobian-vector products and Jacobian rows
 *    against differences in theta;
 * for several network shapes and residuals (linear, nonlinear in u, with u_tt), over point sets
 * that span several blocks including a partial one. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "test_problems.h"

#include <stdlib.h>
#include <string.h>

static double norm2(size_t n, const double *a) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * a[i];
  return sqrt(s);
}
static double diff2(size_t n, const double *a, const double *b) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt(s);
}

typedef struct {
  pf_mlp *net;
  pf_engine *eng;
  pf_points *pts;
  const pf_pinn_ops *ops;
  double *theta;
  size_t n, P;
} fixture;

static void setup(fixture *f, int nl, const int *sizes, const pf_pinn_ops *ops, double xlo,
                  double xhi, size_t n, int block, uint64_t seed) {
  memset(f, 0, sizeof *f);
  f->ops = ops;
  f->n = n;
  pf_mlp_create(nl, sizes, &f->net);
  f->P = f->net->nparams;
  pf_engine_create(f->net, ops, block, &f->eng);
  f->theta = malloc(f->P * sizeof(double));
  /* Random weights and biases (nonzero biases exercise z_v away from 0). */
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_TEST, 1);
  pf_rng_normal(&s, 0, f->P, f->theta);
  for (size_t k = 0; k < f->P; k++) f->theta[k] *= 0.6;
  double *x = malloc(n * sizeof(double)), *t = malloc(n * sizeof(double));
  pf_rng_stream ps = pf_rng_stream_make(seed, 0, PF_RNG_TEST, 2);
  pf_rng_uniform_range(&ps, 0, n, xlo, xhi, x);
  pf_rng_uniform_range(&ps, n, n, 0.05, 1.0, t);
  pf_points_create(ops, n, x, t, &f->pts);
  free(x);
  free(t);
}

static void teardown(fixture *f) {
  pf_points_destroy(&f->pts);
  pf_engine_destroy(&f->eng);
  pf_mlp_destroy(&f->net);
  free(f->theta);
}

static double loss_at(fixture *f, const double *th) {
  double L = 0;
  pf_engine_loss_grad(f->eng, th, f->pts, &L, NULL);
  return L;
}

/* Jets of u at the points against central differences of u and of its own derivative channels. */
static void check_jets(fixture *f, const char *label) {
  const size_t n = f->n;
  const double h = 1e-4;
  double *u = malloc(PF_NCH * n * sizeof(double)), *r = malloc(n * sizeof(double));
  double *up = malloc(PF_NCH * n * sizeof(double)), *um = malloc(PF_NCH * n * sizeof(double));
  double *xs = malloc(n * sizeof(double)), *ts = malloc(n * sizeof(double));
  pf_engine_residuals(f->eng, f->theta, f->pts, r, u);
  for (int dir = 0; dir < 2; dir++) { /* 0: x, 1: t */
    const int c1 = dir ? PF_CH_T : PF_CH_X, c2 = dir ? PF_CH_TT : PF_CH_XX;
    const int has2 = dir ? (f->ops->channels & PF_JET(PF_CH_TT)) != 0 : 1;
    for (int sgn = 0; sgn < 2; sgn++) {
      for (size_t i = 0; i < n; i++) {
        xs[i] = f->pts->x[i] + (dir == 0 ? (sgn ? -h : h) : 0);
        ts[i] = f->pts->t[i] + (dir == 1 ? (sgn ? -h : h) : 0);
      }
      pf_points *q = NULL;
      pf_points_create(f->ops, n, xs, ts, &q);
      pf_engine_residuals(f->eng, f->theta, q, r, sgn ? um : up);
      pf_points_destroy(&q);
    }
    double e1 = 0, s1 = 0, e2 = 0, s2 = 0, e3 = 0;
    for (size_t i = 0; i < n; i++) {
      double fd1 = (up[i] - um[i]) / (2 * h);
      double fd2 = (up[c1 * n + i] - um[c1 * n + i]) / (2 * h);
      double fd2b = (up[i] - 2 * u[i] + um[i]) / (h * h);
      e1 = fmax(e1, fabs(u[c1 * n + i] - fd1));
      s1 = fmax(s1, fabs(fd1));
      if (has2) {
        e2 = fmax(e2, fabs(u[c2 * n + i] - fd2));
        e3 = fmax(e3, fabs(u[c2 * n + i] - fd2b));
        s2 = fmax(s2, fabs(fd2));
      }
    }
    PF_TEST_EXPECT(e1 <= 1e-6 * fmax(s1, 1e-3), "%s: u_%s vs FD: max err %.3g (scale %.3g)", label,
                   dir ? "t" : "x", e1, s1);
    if (has2) {
      PF_TEST_EXPECT(e2 <= 1e-6 * fmax(s2, 1e-3),
                     "%s: u_%s%s vs FD of u_%s: max err %.3g (scale %.3g)", label, dir ? "t" : "x",
                     dir ? "t" : "x", dir ? "t" : "x", e2, s2);
      PF_TEST_EXPECT(e3 <= 1e-4 * fmax(s2, 1e-3), "%s: u_%s%s vs second difference: err %.3g",
                     label, dir ? "t" : "x", dir ? "t" : "x", e3);
    }
  }
  free(u), free(r), free(up), free(um), free(xs), free(ts);
}

static void check_gradient(fixture *f, const char *label) {
  const size_t P = f->P;
  double L, *g = malloc(P * sizeof(double)), *fd = malloc(P * sizeof(double));
  double *th = malloc(P * sizeof(double));
  PF_TEST_OK(pf_engine_loss_grad(f->eng, f->theta, f->pts, &L, g));
  memcpy(th, f->theta, P * sizeof(double));
  for (size_t k = 0; k < P; k++) {
    double h = 1e-5 * fmax(1.0, fabs(th[k]));
    th[k] = f->theta[k] + h;
    double lp = loss_at(f, th);
    th[k] = f->theta[k] - h;
    double lm = loss_at(f, th);
    th[k] = f->theta[k];
    fd[k] = (lp - lm) / (2 * h);
  }
  double rel = diff2(P, g, fd) / norm2(P, fd);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: gradient vs FD: relative error %.3g", label, rel);
  /* componentwise, relative to the largest component */
  double gmax = 0, emax = 0;
  for (size_t k = 0; k < P; k++)
    gmax = fmax(gmax, fabs(fd[k])), emax = fmax(emax, fabs(g[k] - fd[k]));
  PF_TEST_EXPECT(emax <= 1e-6 * gmax, "%s: gradient component error %.3g (max %.3g)", label, emax,
                 gmax);
  free(g), free(fd), free(th);
}

static void random_vector(size_t n, uint64_t key, double *v) {
  pf_rng_stream s = pf_rng_stream_make(key, 7, PF_RNG_TEST, 3);
  pf_rng_normal(&s, 0, n, v);
}

static void check_hvp(fixture *f, const char *label) {
  const size_t P = f->P;
  double *v = malloc(P * sizeof(double)), *w = malloc(P * sizeof(double));
  double *hv = malloc(P * sizeof(double)), *hw = malloc(P * sizeof(double));
  double *gp = malloc(P * sizeof(double)), *gm = malloc(P * sizeof(double));
  double *th = malloc(P * sizeof(double)), L;
  random_vector(P, 11, v);
  random_vector(P, 12, w);
  PF_TEST_OK(pf_engine_hvp(f->eng, f->theta, f->pts, v, hv));
  const double h = 1e-5 / norm2(P, v) * sqrt((double)P);
  for (size_t k = 0; k < P; k++) th[k] = f->theta[k] + h * v[k];
  pf_engine_loss_grad(f->eng, th, f->pts, &L, gp);
  for (size_t k = 0; k < P; k++) th[k] = f->theta[k] - h * v[k];
  pf_engine_loss_grad(f->eng, th, f->pts, &L, gm);
  for (size_t k = 0; k < P; k++) gp[k] = (gp[k] - gm[k]) / (2 * h);
  double rel = diff2(P, hv, gp) / norm2(P, gp);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: Hv vs FD of gradients: relative error %.3g", label, rel);
  /* symmetry: w.(Hv) = v.(Hw) */
  PF_TEST_OK(pf_engine_hvp(f->eng, f->theta, f->pts, w, hw));
  double a = 0, b = 0, sa = 0;
  for (size_t k = 0; k < P; k++) a += w[k] * hv[k], b += v[k] * hw[k], sa += fabs(w[k] * hv[k]);
  PF_TEST_EXPECT(fabs(a - b) <= 1e-12 * sa, "%s: w.Hv = %.17g but v.Hw = %.17g", label, a, b);
  free(v), free(w), free(hv), free(hw), free(gp), free(gm), free(th);
}

static void check_jvp_and_rows(fixture *f, const char *label) {
  const size_t P = f->P, n = f->n;
  double *v = malloc(P * sizeof(double)), *jv = malloc(n * sizeof(double));
  double *rp = malloc(n * sizeof(double)), *rm = malloc(n * sizeof(double));
  double *r = malloc(n * sizeof(double)), *th = malloc(P * sizeof(double));
  double *J = malloc(n * P * sizeof(double));
  random_vector(P, 21, v);
  PF_TEST_OK(pf_engine_jvp(f->eng, f->theta, f->pts, v, jv));
  const double h = 1e-5 / norm2(P, v) * sqrt((double)P);
  for (size_t k = 0; k < P; k++) th[k] = f->theta[k] + h * v[k];
  pf_engine_residuals(f->eng, th, f->pts, rp, NULL);
  for (size_t k = 0; k < P; k++) th[k] = f->theta[k] - h * v[k];
  pf_engine_residuals(f->eng, th, f->pts, rm, NULL);
  for (size_t i = 0; i < n; i++) rp[i] = (rp[i] - rm[i]) / (2 * h);
  double rel = diff2(n, jv, rp) / norm2(n, rp);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: Jv vs FD of residuals: relative error %.3g", label, rel);

  /* Jacobian rows: a window that starts and ends inside blocks */
  const size_t first = 3, count = n - 5;
  PF_TEST_OK(pf_engine_jacobian_rows(f->eng, f->theta, f->pts, first, count, J, r));
  memcpy(th, f->theta, P * sizeof(double));
  double emax = 0, smax = 0;
  for (size_t k = 0; k < P; k++) {
    double hk = 1e-5 * fmax(1.0, fabs(th[k]));
    th[k] = f->theta[k] + hk;
    pf_engine_residuals(f->eng, th, f->pts, rp, NULL);
    th[k] = f->theta[k] - hk;
    pf_engine_residuals(f->eng, th, f->pts, rm, NULL);
    th[k] = f->theta[k];
    for (size_t i = 0; i < count; i++) {
      double fd = (rp[first + i] - rm[first + i]) / (2 * hk);
      emax = fmax(emax, fabs(J[i * P + k] - fd));
      smax = fmax(smax, fabs(fd));
    }
  }
  PF_TEST_EXPECT(emax <= 1e-6 * smax, "%s: J rows vs FD: max error %.3g (scale %.3g)", label, emax,
                 smax);
  /* consistency: the rows times v are Jv, the residuals match */
  double e2 = 0, s2 = 0;
  for (size_t i = 0; i < count; i++) {
    double s = 0;
    for (size_t k = 0; k < P; k++) s += J[i * P + k] * v[k];
    e2 = fmax(e2, fabs(s - jv[first + i]));
    s2 = fmax(s2, fabs(jv[first + i]));
  }
  PF_TEST_EXPECT(e2 <= 1e-12 * s2, "%s: J rows . v differs from Jv by %.3g", label, e2);
  pf_engine_residuals(f->eng, f->theta, f->pts, rm, NULL);
  for (size_t i = 0; i < count; i++)
    PF_TEST_EXPECT(r[i] == rm[first + i], "%s: residual %zu from J rows differs", label, i);
  free(v), free(jv), free(rp), free(rm), free(r), free(th), free(J);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const int shape_a[] = {2, 8, 6, 1};
  const int shape_b[] = {2, 5, 7, 4, 1};
  struct {
    int nl;
    const int *sizes;
  } shapes[] = {{3, shape_a}, {4, shape_b}};
  char label[128];
  for (size_t ip = 0; ip < TP_NPROBLEMS; ip++) {
    for (int is = 0; is < 2; is++) {
      fixture f;
      setup(&f, shapes[is].nl, shapes[is].sizes, &tp_problems[ip].ops, tp_problems[ip].xlo,
            tp_problems[ip].xhi, 37, 16, 100 + ip * 10 + (size_t)is);
      snprintf(label, sizeof label, "%s shape %d", tp_problems[ip].name, is);
      check_jets(&f, label);
      check_gradient(&f, label);
      check_hvp(&f, label);
      check_jvp_and_rows(&f, label);
      teardown(&f);
    }
  }
  /* raw network jets, all five channels, u = N */
  {
    pf_pinn_ops id = {ALL_CH | PF_JET(PF_CH_TT), tp_identity_transform, tp_identity_residual, NULL};
    fixture f;
    setup(&f, 4, shape_b, &id, -1, 1, 21, 8, 999);
    check_jets(&f, "raw network");
    check_gradient(&f, "raw network");
    check_hvp(&f, "raw network");
    teardown(&f);
  }
  int rc = pf_test_report("test_engine_fd");
  MPI_Finalize();
  return rc;
}
