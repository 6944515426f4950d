/* The engine's exact derivatives against central finite differences:
 *  - the transforms' jets A, B and every carried jet entry of u (first and second derivatives,
 *    mixed included) against differences in the inputs; entries not carried are 0;
 *  - the loss gradient, Hessian-vector products, Jacobian-vector products and Jacobian rows of the
 *    weighted residuals against differences in theta; the loss against the residuals;
 * for several network shapes and residuals (linear, nonlinear in u, with u_tt) on the specialised
 * path, the raw network on both paths, and a manufactured problem on the general path (d = 3,
 * m = 3 outputs, k = 3 coupled components with unequal weights reading mixed derivatives), over
 * point sets that span several blocks including a partial one. The general path forced on the
 * paper-style problems agrees with the specialised one to rounding. */
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

/* Largest relative error measured per quantity over all problems (for the report). */
enum { W_A, W_U1, W_U2, W_GRAD, W_HVP, W_JVP, W_J, W_LOSS, W_AGREE, W_HVP_MULTI, W_N };
static const char *worst_name[W_N] = {"transform jets A, B vs FD",
                                      "u first derivatives vs FD",
                                      "u second derivatives vs FD (mixed incl.)",
                                      "gradient vs FD",
                                      "Hv vs FD of gradients",
                                      "Jv vs FD of weighted residuals",
                                      "J rows vs FD (max err / max entry)",
                                      "loss vs mean of sum_j w_j r_j^2",
                                      "general vs specialised path",
                                      "hvp_multi columns vs hvp"};
enum { B_SPEC, B_FORCED, B_MMS, B_POLY, B_N };
static const char *bucket_name[B_N] = {
    "specialised path (paper-style problems, raw network)",
    "general path (paper-style problems forced, raw network with xt)",
    "general path (manufactured d = 3, m = 3, k = 3)", "general path (d = 1 and d = 4)"};
static double worst[B_N][W_N];
static int cur_bucket; /* bucket of the general-path fixtures being set up */
static void note(int bucket, int what, double err) {
  if (err > worst[bucket][what]) worst[bucket][what] = err;
}

typedef struct {
  pf_mlp *net;
  pf_engine *eng;
  pf_points *pts;
  const pf_pinn_ops *ops;
  double *theta;
  size_t n, P;
  int d, m, k, nj, gen, bucket;
} fixture;

/* Points: coordinate j of point i uniform in lo_j .. hi_j from element j*n + i of the stream
 * (for d = 2 the x and t arrays the tests always used). */
static void make_points(const pf_pinn_ops *ops, const double *lo, const double *hi, size_t n,
                        uint64_t seed, double *X) {
  const int d = ops->d;
  double *c = malloc(n * sizeof(double));
  pf_rng_stream ps = pf_rng_stream_make(seed, 0, PF_RNG_TEST, 2);
  for (int j = 0; j < d; j++) {
    pf_rng_uniform_range(&ps, (uint64_t)j * n, n, lo[j], hi[j], c);
    for (size_t i = 0; i < n; i++) X[i * (size_t)d + (size_t)j] = c[i];
  }
  free(c);
}

static void setup(fixture *f, int nl, const int *sizes, const pf_pinn_ops *ops, const double *lo,
                  const double *hi, size_t n, int block, uint64_t seed, int force_general) {
  memset(f, 0, sizeof *f);
  f->ops = ops;
  f->n = n;
  f->d = ops->d, f->m = ops->m, f->k = ops->k, f->nj = pf_jet_count(ops->d);
  PF_TEST_OK(pf_mlp_create(nl, sizes, &f->net));
  f->P = f->net->nparams;
  PF_TEST_OK(pf_engine_create(f->net, ops, block, &f->eng));
  if (force_general) PF_TEST_OK(pf_engine_force_general(f->eng));
  f->gen = !pf_engine_specialised(f->eng);
  f->bucket = f->gen ? cur_bucket : B_SPEC;
  f->theta = malloc(f->P * sizeof(double));
  /* Random weights and biases (nonzero biases exercise z_v away from 0). */
  pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_TEST, 1);
  pf_rng_normal(&s, 0, f->P, f->theta);
  for (size_t k = 0; k < f->P; k++) f->theta[k] *= 0.6;
  double *X = malloc(n * (size_t)f->d * sizeof(double));
  make_points(ops, lo, hi, n, seed, X);
  PF_TEST_OK(pf_points_create(ops, n, X, &f->pts));
  free(X);
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

/* 1 if the jet entry c of d inputs is carried for ops (value, first derivatives, read pairs). */
static int carried(const pf_pinn_ops *ops, int c) {
  if (c <= ops->d) return 1;
  for (int a = 0; a < ops->nread; a++)
    if (ops->read[a].jet == c) return 1;
  return 0;
}

/* The points shifted by s along X_dir. */
static pf_points *shifted(fixture *f, int dir, double s) {
  const size_t n = f->n, d = (size_t)f->d;
  double *X = malloc(n * d * sizeof(double));
  memcpy(X, f->pts->X, n * d * sizeof(double));
  for (size_t i = 0; i < n; i++) X[i * d + (size_t)dir] += s;
  pf_points *q = NULL;
  pf_points_create(f->ops, n, X, &q);
  free(X);
  return q;
}

/* Jets of the transform coefficients A and B against central differences of their value and
 * first-derivative entries along every input (all nj entries, mixed included). */
static void check_transform(fixture *f, const char *label) {
  const size_t n = f->n;
  const int d = f->d, nj = f->nj;
  const double h = 1e-5;
  for (int dir = 0; dir < d; dir++) {
    pf_points *pp = shifted(f, dir, h), *pm = shifted(f, dir, -h);
    double emax = 0, smax = 0;
    for (int which = 0; which < 2; which++) {
      const double *C = which ? f->pts->B : f->pts->A;
      const double *Cp = which ? pp->B : pp->A, *Cm = which ? pm->B : pm->A;
      for (int o = 0; o < f->m; o++)
        for (int b = -1; b < d; b++) { /* FD along dir of entry (b) = value or first along b */
          const int src = pf_jet_index(d, b, -1), dst = pf_jet_index(d, dir, b < 0 ? -1 : b);
          const int want = b < 0 ? 1 + dir : dst;
          for (size_t i = 0; i < n; i++) {
            const size_t is = ((size_t)o * (size_t)nj + (size_t)src) * n + i;
            const double fd = (Cp[is] - Cm[is]) / (2 * h);
            const double ex = C[((size_t)o * (size_t)nj + (size_t)want) * n + i];
            emax = fmax(emax, fabs(ex - fd));
            smax = fmax(smax, fabs(fd));
          }
        }
    }
    const double rel = emax / fmax(smax, 1e-3);
    note(f->bucket, W_A, rel);
    PF_TEST_EXPECT(rel <= 1e-7, "%s: transform jets along X_%d vs FD: max err %.3g (scale %.3g)",
                   label, dir, emax, smax);
    pf_points_destroy(&pp);
    pf_points_destroy(&pm);
  }
}

/* Jets of u at the points against central differences of u and of its own first derivatives:
 * u_a vs FD of u along a; u_ab vs FD along a of u_b and along b of u_a; u_aa also vs the second
 * difference of u. Entries not carried must be 0. */
static void check_jets(fixture *f, const char *label) {
  const size_t n = f->n, m = (size_t)f->m, nj = (size_t)f->nj, k = (size_t)f->k;
  const int d = f->d;
  const double h = 1e-4;
  double *u = malloc(m * nj * n * sizeof(double)), *r = malloc(n * k * sizeof(double));
  double *up = malloc(m * nj * n * sizeof(double)), *um = malloc(m * nj * n * sizeof(double));
  pf_engine_residuals(f->eng, f->theta, f->pts, r, u);
  for (size_t o = 0; o < m; o++)
    for (size_t c = 0; c < nj; c++) {
      if (carried(f->ops, (int)c)) continue;
      double z = 0;
      for (size_t i = 0; i < n; i++) z = fmax(z, fabs(u[(o * nj + c) * n + i]));
      PF_TEST_EXPECT(z == 0, "%s: u entry (out %zu, jet %zu) is not carried but %.3g", label, o, c,
                     z);
    }
  for (int dir = 0; dir < d; dir++) {
    for (int sgn = 0; sgn < 2; sgn++) {
      pf_points *q = shifted(f, dir, sgn ? -h : h);
      pf_engine_residuals(f->eng, f->theta, q, r, sgn ? um : up);
      pf_points_destroy(&q);
    }
    for (size_t o = 0; o < m; o++) {
      const double *U = u + o * nj * n, *Up = up + o * nj * n, *Um = um + o * nj * n;
      double e1 = 0, s1 = 0;
      const size_t c1 = (size_t)pf_jet_index(d, dir, -1);
      for (size_t i = 0; i < n; i++) {
        double fd1 = (Up[i] - Um[i]) / (2 * h);
        e1 = fmax(e1, fabs(U[c1 * n + i] - fd1));
        s1 = fmax(s1, fabs(fd1));
      }
      note(f->bucket, W_U1, e1 / fmax(s1, 1e-3));
      PF_TEST_EXPECT(e1 <= 1e-6 * fmax(s1, 1e-3),
                     "%s: output %zu: u_%d vs FD: max err %.3g (scale %.3g)", label, o, dir, e1,
                     s1);
      for (int b = 0; b < d; b++) {
        const size_t c2 = (size_t)pf_jet_index(d, dir, b), cb = (size_t)pf_jet_index(d, b, -1);
        if (!carried(f->ops, (int)c2)) continue;
        double e2 = 0, s2 = 0, e3 = 0;
        for (size_t i = 0; i < n; i++) {
          double fd2 = (Up[cb * n + i] - Um[cb * n + i]) / (2 * h);
          e2 = fmax(e2, fabs(U[c2 * n + i] - fd2));
          s2 = fmax(s2, fabs(fd2));
          if (b == dir) {
            double fd2b = (Up[i] - 2 * U[i] + Um[i]) / (h * h);
            e3 = fmax(e3, fabs(U[c2 * n + i] - fd2b));
          }
        }
        note(f->bucket, W_U2, e2 / fmax(s2, 1e-3));
        PF_TEST_EXPECT(e2 <= 1e-6 * fmax(s2, 1e-3),
                       "%s: output %zu: u_%d%d vs FD along %d of u_%d: max err %.3g (scale %.3g)",
                       label, o, dir, b, dir, b, e2, s2);
        if (b == dir)
          PF_TEST_EXPECT(e3 <= 1e-4 * fmax(s2, 1e-3),
                         "%s: output %zu: u_%d%d vs second difference: err %.3g", label, o, dir,
                         dir, e3);
      }
    }
  }
  free(u), free(r), free(up), free(um);
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
  note(f->bucket, W_GRAD, rel);
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
  note(f->bucket, W_HVP, rel);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: Hv vs FD of gradients: relative error %.3g", label, rel);
  /* symmetry: w.(Hv) = v.(Hw) */
  PF_TEST_OK(pf_engine_hvp(f->eng, f->theta, f->pts, w, hw));
  double a = 0, b = 0, sa = 0;
  for (size_t k = 0; k < P; k++) a += w[k] * hv[k], b += v[k] * hw[k], sa += fabs(w[k] * hv[k]);
  PF_TEST_EXPECT(fabs(a - b) <= 1e-12 * sa, "%s: w.Hv = %.17g but v.Hw = %.17g", label, a, b);
  /* the per-block terms added in block order from zero are pf_engine_hvp's sum, bit for bit */
  const size_t bs = (size_t)pf_engine_block_size(f->eng), nbt = (f->n + bs - 1) / bs;
  double *out = malloc(nbt * P * sizeof(double));
  PF_TEST_OK(pf_engine_hvp_blocks(f->eng, f->theta, f->pts, 0, nbt, v, out, 1.0 / (double)f->n));
  for (size_t k = 0; k < P; k++) gm[k] = 0;
  for (size_t b2 = 0; b2 < nbt; b2++)
    for (size_t k = 0; k < P; k++) gm[k] += out[b2 * P + k];
  PF_TEST_EXPECT(!memcmp(gm, hv, P * sizeof(double)), "%s: HVP blocks do not add up to Hv", label);
  free(out);
  /* nv directions at once: column j is pf_engine_hvp along V_j (to 1e-12 relative, and in fact bit
   * for bit: the per-direction operations are the same) */
  {
    enum { NV = 11 };
    double *V = malloc(NV * P * sizeof(double)), *HV = malloc(NV * P * sizeof(double));
    memcpy(V, v, P * sizeof(double));
    memcpy(V + P, w, P * sizeof(double));
    for (int j = 2; j < NV; j++) random_vector(P, 11 + (uint64_t)j, V + (size_t)j * P);
    PF_TEST_OK(pf_engine_hvp_multi(f->eng, f->theta, f->pts, NV, V, HV));
    for (int j = 0; j < NV; j++) {
      PF_TEST_OK(pf_engine_hvp(f->eng, f->theta, f->pts, V + (size_t)j * P, gm));
      const double e = diff2(P, HV + (size_t)j * P, gm) / norm2(P, gm);
      note(f->bucket, W_HVP_MULTI, e);
      PF_TEST_EXPECT(e <= 1e-12, "%s: hvp_multi column %d vs hvp: relative error %.3g", label, j,
                     e);
      PF_TEST_EXPECT(!memcmp(HV + (size_t)j * P, gm, P * sizeof(double)),
                     "%s: hvp_multi column %d is not pf_engine_hvp's bit for bit", label, j);
    }
    PF_TEST_OK(pf_engine_hvp_multi(f->eng, f->theta, f->pts, 0, NULL, NULL));
    free(V), free(HV);
  }
  free(v), free(w), free(hv), free(hw), free(gp), free(gm), free(th);
}

/* Weighted residuals s_ij = sqrt(w_j) r_ij (n, k) at theta th. */
static void weighted_residuals(fixture *f, const double *th, double *s) {
  pf_engine_residuals(f->eng, th, f->pts, s, NULL);
  for (size_t i = 0; i < f->n; i++)
    for (int j = 0; j < f->k; j++) s[i * (size_t)f->k + (size_t)j] *= sqrt(f->ops->weight[j]);
}

static void check_jvp_and_rows(fixture *f, const char *label) {
  const size_t P = f->P, n = f->n, k = (size_t)f->k, nk = n * k;
  double *v = malloc(P * sizeof(double)), *jv = malloc(nk * sizeof(double));
  double *rp = malloc(nk * sizeof(double)), *rm = malloc(nk * sizeof(double));
  double *r = malloc(nk * sizeof(double)), *th = malloc(P * sizeof(double));
  double *J = malloc(nk * P * sizeof(double));
  random_vector(P, 21, v);
  PF_TEST_OK(pf_engine_jvp(f->eng, f->theta, f->pts, v, jv));
  const double h = 1e-5 / norm2(P, v) * sqrt((double)P);
  for (size_t q = 0; q < P; q++) th[q] = f->theta[q] + h * v[q];
  weighted_residuals(f, th, rp);
  for (size_t q = 0; q < P; q++) th[q] = f->theta[q] - h * v[q];
  weighted_residuals(f, th, rm);
  for (size_t i = 0; i < nk; i++) rp[i] = (rp[i] - rm[i]) / (2 * h);
  double rel = diff2(nk, jv, rp) / norm2(nk, rp);
  note(f->bucket, W_JVP, rel);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: Jv vs FD of residuals: relative error %.3g", label, rel);

  /* Jacobian rows: a window that starts and ends inside blocks */
  const size_t first = 3, count = n - 5, ck = count * k;
  PF_TEST_OK(pf_engine_jacobian_rows(f->eng, f->theta, f->pts, first, count, J, r));
  memcpy(th, f->theta, P * sizeof(double));
  double emax = 0, smax = 0;
  for (size_t q = 0; q < P; q++) {
    double hk = 1e-5 * fmax(1.0, fabs(th[q]));
    th[q] = f->theta[q] + hk;
    weighted_residuals(f, th, rp);
    th[q] = f->theta[q] - hk;
    weighted_residuals(f, th, rm);
    th[q] = f->theta[q];
    for (size_t i = 0; i < ck; i++) {
      double fd = (rp[first * k + i] - rm[first * k + i]) / (2 * hk);
      emax = fmax(emax, fabs(J[i * P + q] - fd));
      smax = fmax(smax, fabs(fd));
    }
  }
  note(f->bucket, W_J, emax / smax);
  PF_TEST_EXPECT(emax <= 1e-6 * smax, "%s: J rows vs FD: max error %.3g (scale %.3g)", label, emax,
                 smax);
  /* consistency: the rows times v are Jv, the residuals match */
  double e2 = 0, s2 = 0;
  for (size_t i = 0; i < ck; i++) {
    double s = 0;
    for (size_t q = 0; q < P; q++) s += J[i * P + q] * v[q];
    e2 = fmax(e2, fabs(s - jv[first * k + i]));
    s2 = fmax(s2, fabs(jv[first * k + i]));
  }
  PF_TEST_EXPECT(e2 <= 1e-12 * s2, "%s: J rows . v differs from Jv by %.3g", label, e2);
  weighted_residuals(f, f->theta, rm);
  for (size_t i = 0; i < ck; i++)
    PF_TEST_EXPECT(r[i] == rm[first * k + i], "%s: residual %zu from J rows differs", label, i);
  free(v), free(jv), free(rp), free(rm), free(r), free(th), free(J);
}

/* L = (1/n) sum_i sum_j w_j r_ij^2 from the residuals; the gradient is not needed for the loss. */
static void check_loss(fixture *f, const char *label) {
  const size_t n = f->n, k = (size_t)f->k;
  double *r = malloc(n * k * sizeof(double)), L, L2, *g = malloc(f->P * sizeof(double));
  PF_TEST_OK(pf_engine_residuals(f->eng, f->theta, f->pts, r, NULL));
  PF_TEST_OK(pf_engine_loss_grad(f->eng, f->theta, f->pts, &L, NULL));
  PF_TEST_OK(pf_engine_loss_grad(f->eng, f->theta, f->pts, &L2, g));
  double s = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < k; j++) s += f->ops->weight[j] * r[i * k + j] * r[i * k + j];
  s /= (double)n;
  note(f->bucket, W_LOSS, fabs(L - s) / s);
  PF_TEST_EXPECT(fabs(L - s) <= 1e-13 * s, "%s: loss %.17g but mean of w r^2 is %.17g", label, L,
                 s);
  PF_TEST_EXPECT(L == L2, "%s: the loss depends on whether the gradient is asked for", label);
  free(r), free(g);
}

/* The same quantities from two engines (the second forced onto the general path). */
static void check_agreement(fixture *f, const char *label) {
  pf_engine *g = NULL;
  PF_TEST_OK(pf_engine_create(f->net, f->ops, pf_engine_block_size(f->eng), &g));
  PF_TEST_OK(pf_engine_force_general(g));
  PF_TEST_EXPECT(pf_engine_specialised(f->eng) && !pf_engine_specialised(g),
                 "%s: expected a specialised engine and a forced general one", label);
  PF_TEST_EXPECT(pf_engine_channels(g) == pf_engine_channels(f->eng),
                 "%s: the forced engine carries other channels", label);
  const size_t P = f->P, n = f->n, k = (size_t)f->k, nu = (size_t)f->m * (size_t)f->nj * n;
  pf_engine *E[2] = {f->eng, g};
  double L[2], *gr[2], *hv[2], *jv[2], *J[2], *r[2], *u[2];
  double *v = malloc(P * sizeof(double));
  random_vector(P, 31, v);
  for (int e = 0; e < 2; e++) {
    gr[e] = malloc(P * sizeof(double)), hv[e] = malloc(P * sizeof(double));
    jv[e] = malloc(n * k * sizeof(double)), J[e] = malloc(n * k * P * sizeof(double));
    r[e] = malloc(n * k * sizeof(double)), u[e] = malloc(nu * sizeof(double));
    PF_TEST_OK(pf_engine_loss_grad(E[e], f->theta, f->pts, &L[e], gr[e]));
    PF_TEST_OK(pf_engine_hvp(E[e], f->theta, f->pts, v, hv[e]));
    PF_TEST_OK(pf_engine_jvp(E[e], f->theta, f->pts, v, jv[e]));
    PF_TEST_OK(pf_engine_jacobian_rows(E[e], f->theta, f->pts, 0, n, J[e], NULL));
    PF_TEST_OK(pf_engine_residuals(E[e], f->theta, f->pts, r[e], u[e]));
  }
  struct {
    const char *what;
    size_t len;
    double *a, *b;
  } q[] = {{"loss", 1, &L[0], &L[1]},
           {"gradient", P, gr[0], gr[1]},
           {"Hv", P, hv[0], hv[1]},
           {"Jv", n * k, jv[0], jv[1]},
           {"J rows", n * k * P, J[0], J[1]},
           {"residuals", n * k, r[0], r[1]},
           {"u", nu, u[0], u[1]}};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    double rel = diff2(q[i].len, q[i].a, q[i].b) / norm2(q[i].len, q[i].a);
    note(B_SPEC, W_AGREE, rel);
    PF_TEST_EXPECT(rel <= 1e-13, "%s: %s of the general path differs from the specialised by %.3g",
                   label, q[i].what, rel);
  }
  for (int e = 0; e < 2; e++)
    free(gr[e]), free(hv[e]), free(jv[e]), free(J[e]), free(r[e]), free(u[e]);
  free(v);
  pf_engine_destroy(&g);
}

static void check_all(fixture *f, const char *label, int jvp) {
  check_transform(f, label);
  check_jets(f, label);
  check_loss(f, label);
  check_gradient(f, label);
  check_hvp(f, label);
  if (jvp) check_jvp_and_rows(f, label);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const int shape_a[] = {2, 8, 6, 1};
  const int shape_b[] = {2, 5, 7, 4, 1};
  struct {
    int nl;
    const int *sizes;
  } shapes[] = {{3, shape_a}, {4, shape_b}};
  char label[160];
  cur_bucket = B_FORCED;
  for (size_t ip = 0; ip < TP_NPROBLEMS; ip++) {
    for (int is = 0; is < 2; is++) {
      for (int gen = 0; gen < 2; gen++) {
        fixture f;
        setup(&f, shapes[is].nl, shapes[is].sizes, &tp_problems[ip].ops, tp_problems[ip].lo,
              tp_problems[ip].hi, 37, 16, 100 + ip * 10 + (size_t)is, gen);
        snprintf(label, sizeof label, "%s shape %d%s", tp_problems[ip].name, is,
                 gen ? " (general path forced)" : "");
        PF_TEST_EXPECT(pf_engine_specialised(f.eng) == !gen, "%s: path", label);
        check_all(&f, label, 1);
        if (!gen) check_agreement(&f, label);
        teardown(&f);
      }
    }
  }
  /* raw network jets, u = N: channels v, x, t, xx, tt (specialised), and every entry of the full
   * jet, xt included (general) */
  {
    const double lo[] = {-1, 0.05}, hi[] = {1, 1};
    fixture f;
    setup(&f, 4, shape_b, &tp_identity_ops, lo, hi, 21, 8, 999, 0);
    PF_TEST_EXPECT(pf_engine_specialised(f.eng) && pf_engine_channels(f.eng) == 5,
                   "raw network: specialised with 5 channels");
    check_all(&f, "raw network", 0);
    check_agreement(&f, "raw network");
    teardown(&f);
    setup(&f, 4, shape_b, &tp_identity_mixed_ops, lo, hi, 21, 8, 999, 0);
    PF_TEST_EXPECT(!pf_engine_specialised(f.eng) && pf_engine_channels(f.eng) == 6,
                   "raw network with xt: general with 6 channels");
    check_all(&f, "raw network with xt", 1);
    teardown(&f);
  }
  /* the manufactured problem: d = 3, m = 3, k = 3 on the general path */
  cur_bucket = B_MMS;
  {
    const int shape_c[] = {3, 9, 7, 3};
    const int shape_d[] = {3, 6, 5, 8, 3};
    fixture f;
    setup(&f, 3, shape_c, &tp_mms.ops, tp_mms.lo, tp_mms.hi, 37, 16, 4242, 0);
    PF_TEST_EXPECT(!pf_engine_specialised(f.eng) && pf_engine_channels(f.eng) == 9 &&
                       pf_pinn_ops_channels(&tp_mms.ops) == 9,
                   "manufactured: general path with 1 + 3 + 5 channels");
    check_all(&f, "manufactured shape 0", 1);
    teardown(&f);
    setup(&f, 4, shape_d, &tp_mms.ops, tp_mms.lo, tp_mms.hi, 29, 7, 4343, 0);
    check_all(&f, "manufactured shape 1", 1);
    teardown(&f);
  }
  /* any d: d = 1 (m = 2, k = 2) and d = 4 (m = 4, k = 4, the limits) */
  cur_bucket = B_POLY;
  {
    const int shape_1[] = {1, 7, 6, 2}, shape_4[] = {4, 8, 6, 4};
    const double lo[] = {-0.8, -0.6, 0.1, -0.5}, hi[] = {0.9, 0.7, 1.0, 0.6};
    fixture f;
    setup(&f, 3, shape_1, &tp_poly1, lo, hi, 23, 8, 5151, 0);
    PF_TEST_EXPECT(!pf_engine_specialised(f.eng) && pf_engine_channels(f.eng) == 3,
                   "d = 1: general path with 3 channels");
    check_all(&f, "d = 1, m = 2, k = 2", 1);
    teardown(&f);
    setup(&f, 3, shape_4, &tp_poly4, lo, hi, 23, 8, 5252, 0);
    PF_TEST_EXPECT(!pf_engine_specialised(f.eng) && pf_engine_channels(f.eng) == 1 + 4 + 7,
                   "d = 4: general path with 12 channels");
    check_all(&f, "d = 4, m = 4, k = 4", 1);
    teardown(&f);
  }
  for (int b = 0; b < B_N; b++) {
    printf("%s, max relative error:\n", bucket_name[b]);
    for (int w = 0; w < W_N; w++)
      if (worst[b][w] > 0 || w != W_AGREE) printf("  %-44s %.3g\n", worst_name[w], worst[b][w]);
  }
  int rc = pf_test_report("test_engine_fd");
  MPI_Finalize();
  return rc;
}
