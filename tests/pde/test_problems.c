/* The problems of the registry (the paper's five and heat2d), at their default coefficients and at
 * others, through their ops callbacks alone (no engine): the constraint coefficients A, B in every
 * jet entry, mixed ones included, against central differences in the inputs; the constraint
 * satisfies the initial and boundary conditions for any network value; the residual's partials in
 * the read quantities against central differences; the residual vanishes (to rounding) on the
 * closed-form solutions, whose jets are written out here independently of src/pde; the
 * Hammersley points for any d (d = 2: the old formula bit for bit) and the holdout sets. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/reference.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

#include "pde_values.h"

/* largest errors measured, reported at the end */
static double worst_jet1 = 0, worst_jet2 = 0, worst_dr = 0, worst_d2r = 0, worst_exact = 0;

/* n random points in p's box, coordinate j of point i uniform from element j * n + i */
static void random_points(const pf_pde *p, uint64_t index, size_t n, double *X) {
  const int d = p->ops.d;
  double *col = malloc(n * sizeof *col);
  pf_rng_stream s = pf_rng_stream_make(1, 0, PF_RNG_TEST, index);
  for (int j = 0; j < d; j++) {
    pf_rng_uniform_range(&s, (uint64_t)j * n, n, p->lo[j], p->hi[j], col);
    for (size_t i = 0; i < n; i++) X[i * d + j] = col[i];
  }
  free(col);
}

/* The description itself: names for every input, output and component, time last, a box, a read
 * list of distinct entries inside the jet. */
static void check_description(const pf_pde *p) {
  const pf_pinn_ops *o = &p->ops;
  PF_TEST_EXPECT(o->d >= 1 && o->d <= PF_MAX_DIM && o->m >= 1 && o->m <= PF_MAX_OUT && o->k >= 1 &&
                     o->k <= PF_MAX_RES && o->nread >= 1 && o->nread <= PF_MAX_READ,
                 "%s: dimensions", p->name);
  PF_TEST_EXPECT(o->transform && o->residual && o->ctx, "%s: callbacks", p->name);
  for (int j = 0; j < o->d; j++)
    PF_TEST_EXPECT(p->inputs[j] && p->lo[j] < p->hi[j], "%s: input %d", p->name, j);
  PF_TEST_EXPECT(!strcmp(p->inputs[o->d - 1], "t"), "%s: time is the last input", p->name);
  for (int j = 0; j < o->m; j++) PF_TEST_EXPECT(p->outputs[j], "%s: output %d", p->name, j);
  for (int j = 0; j < o->k; j++)
    PF_TEST_EXPECT(p->components[j] && o->weight[j] == 1, "%s: component %d", p->name, j);
  for (int a = 0; a < o->nread; a++) {
    PF_TEST_EXPECT(o->read[a].out >= 0 && o->read[a].out < o->m && o->read[a].jet >= 0 &&
                       o->read[a].jet < pf_jet_count(o->d),
                   "%s: read entry %d", p->name, a);
    for (int b = 0; b < a; b++)
      PF_TEST_EXPECT(o->read[a].out != o->read[b].out || o->read[a].jet != o->read[b].jet,
                     "%s: read entries %d and %d repeat", p->name, b, a);
  }
}

/* A and B (m, nj, n) in every jet entry against central differences in the inputs (fourth order,
 * (8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h: drift_diffusion's A oscillates at 2 beta = 40 in
 * t, too fast for the second-order rule at a step that rounding allows): the first derivative along
 * X_a from the values, the second along (X_a, X_b) from the first derivative along X_b, for every a
 * and b (so each mixed entry twice). Every entry is written. */
static void check_transform(const pf_pde *p) {
  enum { N = 50 };
  const int d = p->ops.d, m = p->ops.m, nj = pf_jet_count(d);
  const size_t len = (size_t)m * nj * N;
  double X[N * PF_MAX_DIM], Xs[N * PF_MAX_DIM];
  double *A = malloc(len * sizeof *A), *B = malloc(len * sizeof *B);
  double *As[4], *Bs[4]; /* shifted by +h, -h, +2h, -2h */
  for (int k = 0; k < 4; k++) As[k] = malloc(len * sizeof *A), Bs[k] = malloc(len * sizeof *A);
  random_points(p, 40, N, X);
  for (size_t e = 0; e < len; e++) A[e] = B[e] = NAN;
  p->ops.transform(p->ops.ctx, N, X, A, B);
  for (size_t e = 0; e < len; e++)
    PF_TEST_EXPECT(!isnan(A[e]) && !isnan(B[e]), "%s: jet entry %d of output %d not written",
                   p->name, (int)(e / N % nj), (int)(e / N / nj));
  const double h = 1e-4, shift[4] = {h, -h, 2 * h, -2 * h};
  for (int a = 0; a < d; a++) {
    for (int k = 0; k < 4; k++) {
      memcpy(Xs, X, sizeof X);
      for (int i = 0; i < N; i++) Xs[i * d + a] += shift[k];
      p->ops.transform(p->ops.ctx, N, Xs, As[k], Bs[k]);
    }
    for (int w = 0; w < 2; w++) {
      const double *C = w ? B : A, *const *S =
                                       w ? (const double *const *)Bs : (const double *const *)As;
#define FD(e) ((8 * (S[0][e] - S[1][e]) - (S[2][e] - S[3][e])) / (12 * h))
      for (int o = 0; o < m; o++)
        for (int i = 0; i < N; i++) {
          const size_t v0 = (size_t)(o * nj) * N + i;
          const size_t va = (size_t)(o * nj + pf_jet_index(d, a, -1)) * N + i;
          const double fd = FD(v0), err = fabs(C[va] - fd) / fmax(1.0, fabs(fd));
          worst_jet1 = fmax(worst_jet1, err);
          PF_TEST_EXPECT(err <= 1e-8, "%s: %c_%s of output %d at point %d: %.10g vs FD %.10g",
                         p->name, w ? 'B' : 'A', p->inputs[a], o, i, C[va], fd);
          for (int b = 0; b < d; b++) {
            const size_t vb = (size_t)(o * nj + pf_jet_index(d, b, -1)) * N + i;
            const size_t vab = (size_t)(o * nj + pf_jet_index(d, a, b)) * N + i;
            const double fd2 = FD(vb), err2 = fabs(C[vab] - fd2) / fmax(1.0, fabs(fd2));
            worst_jet2 = fmax(worst_jet2, err2);
            PF_TEST_EXPECT(err2 <= 1e-8, "%s: %c_%s%s of output %d at point %d: %.10g vs FD %.10g",
                           p->name, w ? 'B' : 'A', p->inputs[b], p->inputs[a], o, i, C[vab], fd2);
          }
        }
#undef FD
    }
  }
  free(A), free(B);
  for (int k = 0; k < 4; k++) free(As[k]), free(Bs[k]);
}

/* u = A + B N for arbitrary network values N: at t = 0 the initial value (and B = 0, so any N
 * keeps it; the wave equation also u_t = 0: A_t = B_t = 0), on each face of the spatial box the
 * boundary value (B = 0 exactly there). */
static void check_conditions(const pf_pde *p) {
  enum { N = 40 };
  const int d = p->ops.d, tdim = d - 1;
  double X[N * PF_MAX_DIM], Xb[N * PF_MAX_DIM], net[N];
  double A[PF_MAX_OUT * PF_MAX_JET * N], B[PF_MAX_OUT * PF_MAX_JET * N];
  random_points(p, 41, N, X);
  pf_rng_stream s = pf_rng_stream_make(2, 0, PF_RNG_TEST, 41);
  pf_rng_uniform_range(&s, 0, N, -50, 50, net);
  /* t = 0 */
  memcpy(Xb, X, sizeof X);
  for (int i = 0; i < N; i++) Xb[i * d + tdim] = p->lo[tdim];
  p->ops.transform(p->ops.ctx, N, Xb, A, B);
  const int jt = pf_jet_index(d, tdim, -1);
  for (int i = 0; i < N; i++) {
    const double u = A[i] + B[i] * net[i], want = initial_value(p->name, Xb + i * d);
    PF_TEST_EXPECT(B[i] == 0 && fabs(u - want) <= 1e-14, "%s: u(t = 0) = %.17g, want %.17g (B %g)",
                   p->name, u, want, B[i]);
    if (!strcmp(p->name, "wave"))
      PF_TEST_EXPECT(A[jt * N + i] == 0 && B[jt * N + i] == 0, "wave: u_t(%g, 0) = %g + %g N",
                     Xb[i * d], A[jt * N + i], B[jt * N + i]);
  }
  /* the two ends of every spatial coordinate */
  for (int a = 0; a < tdim; a++)
    for (int side = 0; side < 2; side++) {
      memcpy(Xb, X, sizeof X);
      for (int i = 0; i < N; i++) Xb[i * d + a] = side ? p->hi[a] : p->lo[a];
      p->ops.transform(p->ops.ctx, N, Xb, A, B);
      for (int i = 0; i < N; i++) {
        const double u = A[i] + B[i] * net[i], want = boundary_value(p, Xb + i * d);
        PF_TEST_EXPECT(B[i] == 0 && fabs(u - want) <= 1e-13,
                       "%s: u = %.17g on the face %s = %g, want %.17g (B %g)", p->name, u,
                       p->inputs[a], Xb[i * d + a], want, B[i]);
      }
    }
}

/* Full jets of the closed-form solutions for the coefficients k (value, first derivatives, second
 * derivatives in pf_jet_index order), written out here from the formulas. */
static void exact_jets(const char *name, const double *k, const double *X, double *j) {
  const double x = X[0];
  if (!strcmp(name, "diffusion")) { /* u = e^{-t} sin(pi x) */
    const double t = X[1], e = exp(-t), s = sin(PI * x), c = cos(PI * x);
    j[PF_CH_V] = e * s, j[PF_CH_X] = PI * e * c, j[PF_CH_T] = -e * s;
    j[PF_CH_XX] = -PI * PI * e * s, j[PF_CH_XT] = -PI * e * c, j[PF_CH_TT] = e * s;
  } else if (!strcmp(name, "wave")) {
    /* u = sin(pi x) cos(c pi t) + sin(4 pi x) cos(4 c pi t) / 2 */
    const double t = X[1], c = k[0], w1 = c * PI, w4 = 4 * c * PI;
    double a = sin(PI * x), b = sin(4 * PI * x), ca = cos(PI * x), cb = cos(4 * PI * x);
    double c1 = cos(w1 * t), c4 = cos(w4 * t), s1 = sin(w1 * t), s4 = sin(w4 * t);
    j[PF_CH_V] = a * c1 + 0.5 * b * c4;
    j[PF_CH_X] = PI * ca * c1 + 2 * PI * cb * c4;
    j[PF_CH_XX] = -PI * PI * a * c1 - 8 * PI * PI * b * c4;
    j[PF_CH_T] = -w1 * a * s1 - 0.5 * w4 * b * s4;
    j[PF_CH_XT] = -w1 * PI * ca * s1 - 2 * PI * w4 * cb * s4;
    j[PF_CH_TT] = -w1 * w1 * a * c1 - 0.5 * w4 * w4 * b * c4;
  } else if (!strcmp(name, "drift_diffusion")) {
    /* u = sin(2x - 2 beta t + pi/4) e^{-4 D t} */
    const double t = X[1], D = k[0], beta = k[1];
    double ph = 2 * x - 2 * beta * t + PI / 4, e = exp(-4 * D * t);
    j[PF_CH_V] = sin(ph) * e, j[PF_CH_X] = 2 * cos(ph) * e, j[PF_CH_XX] = -4 * sin(ph) * e;
    j[PF_CH_T] = (-2 * beta * cos(ph) - 4 * D * sin(ph)) * e;
    j[PF_CH_XT] = (4 * beta * sin(ph) - 8 * D * cos(ph)) * e;
    j[PF_CH_TT] = ((16 * D * D - 4 * beta * beta) * sin(ph) + 16 * D * beta * cos(ph)) * e;
  } else { /* heat2d: sum of two modes sin(a pi x) sin(pi y) e^{-(a^2 + 1) pi^2 alpha t} */
    const double y = X[1], t = X[2], al = k[0];
    for (int c = 0; c < 10; c++) j[c] = 0;
    for (int mode = 1; mode <= 2; mode++) {
      const double a = mode * PI, b = PI, lam = (a * a + b * b) * al, amp = mode == 1 ? 1 : 0.5;
      const double sx = sin(a * x), cx = cos(a * x), sy = sin(b * y), cy = cos(b * y);
      const double e = amp * exp(-lam * t);
      const double v[10] = {sx * sy * e,
                            a * cx * sy * e,
                            b * sx * cy * e,
                            -lam * sx * sy * e,
                            -a * a * sx * sy * e,
                            a * b * cx * cy * e,
                            -lam * a * cx * sy * e,
                            -b * b * sx * sy * e,
                            -lam * b * sx * cy * e,
                            lam * lam * sx * sy * e};
      for (int c = 0; c < 10; c++) j[c] += v[c];
    }
  }
}

static void check_exact(const pf_pde *p) {
  if (!p->exact) return;
  enum { N = 64 };
  const int d = p->ops.d, nj = pf_jet_count(d), nr = p->ops.nread;
  double X[N * PF_MAX_DIM], u[PF_MAX_JET * N], q[PF_MAX_READ * N], r[N], uex[N];
  double dr[PF_MAX_READ * N];
  random_points(p, 42, N, X);
  for (int i = 0; i < N; i++) {
    double j[PF_MAX_JET] = {0};
    exact_jets(p->name, pf_pde_coefficients(p), X + i * d, j);
    for (int c = 0; c < nj; c++) u[c * N + i] = j[c];
  }
  for (int a = 0; a < nr; a++) memcpy(q + a * N, u + p->ops.read[a].jet * N, N * sizeof *q);
  p->exact(pf_pde_coefficients(p), N, X, uex);
  memset(dr, 0, sizeof dr);
  p->ops.residual(p->ops.ctx, N, X, q, r, dr, NULL);
  for (int i = 0; i < N; i++) {
    PF_TEST_EXPECT(fabs(uex[i] - u[i]) <= 1e-15, "%s: exact() %.17g differs from the written %.17g",
                   p->name, uex[i], u[i]);
    double scale = 0; /* size of the terms: sum |dr/dq_a q_a| */
    for (int a = 0; a < nr; a++) scale += fabs(dr[a * N + i] * q[a * N + i]);
    const double rel = fabs(r[i]) / fmax(scale, 1.0);
    worst_exact = fmax(worst_exact, rel);
    PF_TEST_EXPECT(rel <= 1e-13, "%s: residual %.3g of the exact solution at point %d", p->name,
                   r[i], i);
  }
}

/* dr/dq_a and d2r/dq_a dq_b of the residual against central differences in q */
static void check_residual_partials(const pf_pde *p) {
  enum { N = 20 };
  const int nr = p->ops.nread;
  double X[N * PF_MAX_DIM], q[PF_MAX_READ * N], qs[PF_MAX_READ * N], r[N], rp[N], rm[N];
  double *dr = calloc((size_t)nr * N, sizeof *dr), *drp = calloc((size_t)nr * N, sizeof *dr);
  double *drm = calloc((size_t)nr * N, sizeof *dr);
  double *d2r = calloc((size_t)nr * nr * N, sizeof *dr);
  random_points(p, 43, N, X);
  pf_rng_stream s = pf_rng_stream_make(4, 0, PF_RNG_TEST, 43);
  pf_rng_uniform_range(&s, 0, (size_t)nr * N, -1.5, 1.5, q);
  p->ops.residual(p->ops.ctx, N, X, q, r, dr, d2r);
  const double h = 1e-6;
  for (int a = 0; a < nr; a++) {
    memcpy(qs, q, sizeof q);
    for (int i = 0; i < N; i++) qs[a * N + i] = q[a * N + i] + h;
    memset(drp, 0, (size_t)nr * N * sizeof *dr);
    p->ops.residual(p->ops.ctx, N, X, qs, rp, drp, NULL);
    for (int i = 0; i < N; i++) qs[a * N + i] = q[a * N + i] - h;
    memset(drm, 0, (size_t)nr * N * sizeof *dr);
    p->ops.residual(p->ops.ctx, N, X, qs, rm, drm, NULL);
    for (int i = 0; i < N; i++) {
      const double fd = (rp[i] - rm[i]) / (2 * h);
      const double err = fabs(dr[a * N + i] - fd) / fmax(1.0, fabs(fd));
      worst_dr = fmax(worst_dr, err);
      PF_TEST_EXPECT(err <= 1e-7, "%s: dr/dq_%d = %g vs FD %g", p->name, a, dr[a * N + i], fd);
      for (int b = 0; b < nr; b++) {
        const double fd2 = (drp[b * N + i] - drm[b * N + i]) / (2 * h);
        const double got = d2r[(b * nr + a) * N + i], got_t = d2r[(a * nr + b) * N + i];
        const double err2 = fabs(got - fd2) / fmax(1.0, fabs(fd2));
        worst_d2r = fmax(worst_d2r, err2);
        PF_TEST_EXPECT(err2 <= 1e-6 && got == got_t, "%s: d2r/dq_%d dq_%d = %g (%g) vs FD %g",
                       p->name, b, a, got, got_t, fd2);
      }
    }
  }
  free(dr), free(drp), free(drm), free(d2r);
}

/* ------------------------------------------------------------------ Hammersley, holdout */

/* the base-2 radical inverse as the old code formed it: the bits mirrored */
static double vdc2(uint64_t i) {
  double r = 0.0, f = 0.5;
  for (; i; i >>= 1, f *= 0.5)
    if (i & 1) r += f;
  return r;
}
/* radical inverse in base b summed digit by digit (to rounding) */
static double radical_inverse_sum(int b, uint64_t i) {
  double r = 0.0, f = 1.0 / b;
  for (; i; i /= (uint64_t)b, f /= b) r += f * (double)(i % (uint64_t)b);
  return r;
}

static void check_hammersley(void) {
  enum { N = 777 };
  static double X[N * PF_MAX_DIM];
  /* d = 2: today's formula, bit for bit */
  for (int ip = 0; ip < pf_pde_count(); ip++) {
    const pf_pde *p = pf_pde_at(ip);
    if (p->ops.d != 2) continue;
    pf_pde_hammersley(p, N, X);
    int bad = 0;
    for (size_t j = 1; j <= N; j++) {
      const double x = p->lo[0] + (p->hi[0] - p->lo[0]) * vdc2(j + 3);
      const double t = p->lo[1] + (p->hi[1] - p->lo[1]) * ((double)(j + 1) / (double)(N + 2));
      bad += X[2 * (j - 1)] != x || X[2 * (j - 1) + 1] != t;
    }
    PF_TEST_EXPECT(!bad, "%s: %d Hammersley points differ from the d = 2 formula", p->name, bad);
  }
  /* d = 3 (heat2d) and a d = 4 box: inside the box, radical inverses in bases 2, 3, 5, even last
   * coordinate, no repeated point */
  pf_pde four = {.name = "four", .lo = {-1, 0, 2, 0}, .hi = {1, 3, 2.5, 0.5}};
  four.ops.d = 4;
  const pf_pde *ps[2] = {pf_pde_find("heat2d"), &four};
  for (int k = 0; k < 2; k++) {
    const pf_pde *p = ps[k];
    const int d = p->ops.d, base[3] = {2, 3, 5};
    pf_pde_hammersley(p, N, X);
    int bad = 0, repeat = 0;
    for (size_t j = 1; j <= N; j++) {
      const double *Xj = X + (j - 1) * d;
      for (int a = 0; a < d; a++) {
        const double u =
            a < d - 1 ? radical_inverse_sum(base[a], j + 3) : (double)(j + 1) / (double)(N + 2);
        bad += !(Xj[a] >= p->lo[a] && Xj[a] <= p->hi[a]) ||
               fabs(Xj[a] - (p->lo[a] + (p->hi[a] - p->lo[a]) * u)) > 1e-15 * fabs(p->hi[a]);
      }
      bad += Xj[0] != p->lo[0] + (p->hi[0] - p->lo[0]) * vdc2(j + 3);
      for (size_t l = 1; l < j && l < 200; l++)
        repeat += !memcmp(Xj, X + (l - 1) * d, (size_t)d * sizeof *X);
    }
    PF_TEST_EXPECT(!bad && !repeat, "d = %d Hammersley: %d coordinates wrong, %d repeats", d, bad,
                   repeat);
  }
  /* hand values for heat2d, j = 1: j + 3 = 4 = 100_2 = 11_3 */
  pf_pde_hammersley(pf_pde_find("heat2d"), 1, X);
  PF_TEST_EXPECT(X[0] == 0.125 && fabs(X[1] - 4.0 / 9.0) <= 1e-16 && X[2] == 2.0 / 3.0,
                 "heat2d first Hammersley point (%.17g, %.17g, %.17g)", X[0], X[1], X[2]);
}

static void check_holdout(void) {
  /* random points, d = 2 and d = 3: coordinate j of point i is element j * n + i of the holdout
   * stream, u the closed form */
  const double alpha = 0.4;
  for (int k = 0; k < 3; k++) {
    const pf_pde *p = pf_pde_find(k ? "heat2d" : "diffusion");
    if (k == 2) PF_TEST_OK(pf_pde_instance(p, &alpha, &p)); /* heat2d at alpha = 0.4 */
    const int d = p->ops.d;
    const size_t nr = 10000;
    size_t n = 0;
    double *X = NULL, *u = NULL, *col = malloc(nr * sizeof *col);
    PF_TEST_OK(pf_pde_holdout(p, 11, nr, &n, &X, &u));
    PF_TEST_EXPECT(n == nr, "%s: holdout of %zu points", p->name, n);
    pf_rng_stream s = pf_rng_stream_make(11, 0, PF_RNG_HOLDOUT, 0);
    int bad = 0, outside = 0, wrong = 0;
    for (int j = 0; j < d && n == nr; j++) {
      pf_rng_uniform_range(&s, (uint64_t)j * nr, nr, p->lo[j], p->hi[j], col);
      for (size_t i = 0; i < n; i++) {
        bad += X[i * d + j] != col[i];
        outside += !(X[i * d + j] >= p->lo[j] && X[i * d + j] <= p->hi[j]);
      }
    }
    for (size_t i = 0; i < n; i++) {
      double jet[PF_MAX_JET] = {0};
      exact_jets(p->name, pf_pde_coefficients(p), X + i * d, jet);
      wrong += fabs(u[i] - jet[0]) > 1e-15;
    }
    PF_TEST_EXPECT(!bad && !outside && !wrong,
                   "%s holdout: %d coordinates not from the stream, %d outside, %d values wrong",
                   p->name, bad, outside, wrong);
    PF_FREE(&X), PF_FREE(&u);
    free(col);
  }
  /* the Burgers grid: (x, t) pairs with x fastest, u the Cole-Hopf grid */
  enum { NX = PF_REF_BURGERS_NX, NT = PF_REF_BURGERS_NT };
  static double gx[NX], gt[NT], gu[NX * NT];
  PF_TEST_OK(pf_ref_burgers_grid(0, gx, gt, gu));
  size_t n = 0;
  double *X = NULL, *u = NULL;
  PF_TEST_OK(pf_pde_holdout(pf_pde_find("burgers"), 11, 10000, &n, &X, &u));
  int bad = n != (size_t)NX * NT;
  for (size_t it = 0; !bad && it < NT; it++)
    for (size_t ix = 0; ix < NX; ix++) {
      const size_t i = it * NX + ix;
      bad += X[2 * i] != gx[ix] || X[2 * i + 1] != gt[it] || u[i] != gu[i];
    }
  PF_TEST_EXPECT(!bad, "burgers holdout: %zu points, %d differ from the grid", n, bad);
  PF_FREE(&X), PF_FREE(&u);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  PF_TEST_EXPECT(pf_pde_count() == 6, "6 problems registered, got %d", pf_pde_count());
  PF_TEST_EXPECT(pf_pde_find("no_such_pde") == NULL, "unknown name must give NULL");
  char names[256];
  pf_pde_names(names, sizeof names);
  PF_TEST_EXPECT(!strcmp(names, "diffusion, burgers, allen_cahn, wave, drift_diffusion, heat2d"),
                 "names: %s", names);
  const char *with_exact[] = {"diffusion", "wave", "drift_diffusion", "heat2d"};
  for (int i = 0; i < 4; i++)
    PF_TEST_EXPECT(pf_pde_find(with_exact[i])->exact != NULL, "%s has a closed form",
                   with_exact[i]);
  /* heat2d: inputs (x, y, t), reads u_t, u_xx, u_yy */
  const pf_pde *heat = pf_pde_find("heat2d");
  PF_TEST_EXPECT(heat && heat->ops.d == 3 && heat->ops.m == 1 && heat->ops.k == 1 &&
                     !strcmp(heat->inputs[1], "y") && heat->ops.nread == 3 &&
                     heat->ops.read[0].jet == pf_jet_index(3, 2, -1) &&
                     heat->ops.read[1].jet == pf_jet_index(3, 0, 0) &&
                     heat->ops.read[2].jet == pf_jet_index(3, 1, 1) &&
                     pf_pde_coef_index(heat, "alpha") == 0,
                 "heat2d description");
  /* every problem at the paper's coefficients, and at others (pf_pde_instance) */
  static const struct {
    const char *name;
    double coef[PF_PDE_MAX_COEF];
  } other[] = {{"diffusion", {0.3}}, {"burgers", {0.002 / PI}},       {"allen_cahn", {1e-4, 2}},
               {"wave", {1.5}},      {"drift_diffusion", {0.25, -7}}, {"heat2d", {0.4}}};
  for (int i = 0; i < pf_pde_count(); i++) {
    const pf_pde *base = pf_pde_at(i), *q = NULL, *q2 = NULL;
    PF_TEST_EXPECT(!strcmp(base->name, other[i].name), "registry order: %s", base->name);
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
      check_description(p);
      check_transform(p);
      check_conditions(p);
      check_exact(p);
      check_residual_partials(p);
    }
  }
  check_hammersley();
  check_holdout();
  printf("largest relative errors against central differences: jets order 1 %.2g, order 2 %.2g; "
         "dr %.2g, d2r %.2g; residual of the closed forms %.2g\n",
         worst_jet1, worst_jet2, worst_dr, worst_d2r, worst_exact);
  int rc = pf_test_report("test_problems");
  MPI_Finalize();
  return rc;
}
