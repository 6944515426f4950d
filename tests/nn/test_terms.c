/* The terms of a composite loss (terms.h) against independent values:
 *  - the loss sum_t w_t (1/n_t) sum_i sum_a (u^{(c_a)}_{o_a}(X_i) - Y_ia)^2 against the same sum
 *    formed here from the jets of pf_engine_residuals on the task problem (no shift);
 *  - the gradient against central differences of the loss, the Hessian-vector product (scaled,
 *    added to what hv held) against central differences of the gradient, the Jacobian rows
 *    against central differences of the scaled misfits, the misfits against the jets;
 *  - 2 J^T s = scale * gradient (so 2 J^T J is scale times the Gauss-Newton matrix) and
 *    sum s^2 = scale * loss;
 * on (a) burgers (hard constraint, d = 2, m = 1: the sets run on the specialised path) with a
 * value set and a derivative set (u_t), and (b) the d = 3, m = 2 system of tests/influence with
 * a value set of both outputs and a set of v_t and the mixed u_xy (general path). Also the target
 * list and the checks of malformed sets. */
#include "influence/system_problem.h"
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/terms.h"

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
static void random_normal(size_t n, uint64_t key, double scale, double *v) {
  pf_rng_stream s = pf_rng_stream_make(key, 3, PF_RNG_TEST, 5);
  pf_rng_normal(&s, 0, n, v);
  for (size_t i = 0; i < n; i++) v[i] *= scale;
}

/* Worst errors measured (printed at the end). */
static double w_loss, w_grad, w_hvp, w_J, w_s, w_gn, w_ss;

typedef struct {
  const char *label;
  const pf_pinn_ops *ops;
  const double *lo, *hi;
  pf_mlp *net;
  double *theta;
  size_t P;
  pf_target_list list;
  pf_terms *T;
} fixture;

/* A set with n points uniform in the box and targets N(0, 0.5). */
static void add_set(fixture *f, const char *name, double w, int nread, const pf_read *read,
                    size_t n, uint64_t key) {
  double *X = NULL, *Y = NULL;
  const int d = f->ops->d;
  PF_TEST_OK(pf_target_list_add(&f->list, name, w, nread, read, n, d, &X, &Y));
  if (!X) return;
  double *c = malloc(n * sizeof(double));
  pf_rng_stream s = pf_rng_stream_make(key, 1, PF_RNG_TEST, 4);
  for (int j = 0; j < d; j++) {
    pf_rng_uniform_range(&s, (uint64_t)j * n, n, f->lo[j], f->hi[j], c);
    for (size_t i = 0; i < n; i++) X[i * (size_t)d + (size_t)j] = c[i];
  }
  free(c);
  random_normal(n * (size_t)nread, key + 100, 0.5, Y);
}

static void setup(fixture *f, const char *label, const pf_pinn_ops *ops, const double *lo,
                  const double *hi, int nl, const int *sizes, int block) {
  memset(f, 0, sizeof *f);
  f->label = label;
  f->ops = ops;
  f->lo = lo;
  f->hi = hi;
  PF_TEST_OK(pf_mlp_create(nl, sizes, &f->net));
  f->P = f->net->nparams;
  f->theta = malloc(f->P * sizeof(double));
  random_normal(f->P, 77, 0.6, f->theta);
  (void)block;
}

static void teardown(fixture *f) {
  pf_terms_destroy(&f->T);
  PF_TEST_EXPECT(f->T == NULL, "%s: destroy does not null the pointer", f->label);
  pf_target_list_free(&f->list);
  PF_TEST_EXPECT(f->list.nsets == 0, "%s: list not empty after free", f->label);
  pf_mlp_destroy(&f->net);
  free(f->theta);
}

static double loss_at(fixture *f, const double *th) {
  double L = 0;
  pf_terms_loss_grad(f->T, th, &L, NULL, NULL);
  return L;
}

/* r = q_0: the residual of the direct evaluation (only the jets are used). */
static void first_read(const void *ctx, size_t n, const double *X, const double *q, double *r,
                       double *dr, double *d2r) {
  (void)ctx, (void)X, (void)dr, (void)d2r;
  memcpy(r, q, n * sizeof *r);
}

/* The task problem's transform reading every entry some set reads (so the engine carries it). */
static pf_pinn_ops direct_ops(const fixture *f) {
  pf_pinn_ops o;
  memset(&o, 0, sizeof o);
  o.d = f->ops->d;
  o.m = f->ops->m;
  o.k = 1;
  o.weight[0] = 1;
  o.transform = f->ops->transform;
  o.residual = first_read;
  o.ctx = f->ops->ctx;
  for (int t = 0; t < f->list.nsets; t++)
    for (int a = 0; a < f->list.set[t].nread; a++) {
      const pf_read q = f->list.set[t].read[a];
      int seen = 0;
      for (int b = 0; b < o.nread; b++) seen |= o.read[b].out == q.out && o.read[b].jet == q.jet;
      if (!seen) o.read[o.nread++] = q;
    }
  return o;
}

/* The loss from the jets of the unshifted problem, per set into want[t]; returns the sum. */
static double direct_loss(fixture *f, const double *th, double *want) {
  const pf_pinn_ops dops = direct_ops(f), *ops = &dops;
  const size_t nj = (size_t)pf_jet_count(ops->d);
  pf_engine *eng = NULL;
  PF_TEST_OK(pf_engine_create(f->net, ops, 16, &eng));
  double total = 0;
  for (int t = 0; t < f->list.nsets; t++) {
    const pf_target_set *s = &f->list.set[t];
    pf_points *pts = NULL;
    PF_TEST_OK(pf_points_create(ops, s->n, s->X, &pts));
    double *r = malloc(s->n * (size_t)ops->k * sizeof(double));
    double *u = malloc((size_t)ops->m * nj * s->n * sizeof(double));
    PF_TEST_OK(pf_engine_residuals(eng, th, pts, r, u));
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
      for (int a = 0; a < s->nread; a++) {
        const double ua = u[((size_t)s->read[a].out * nj + (size_t)s->read[a].jet) * s->n + i];
        const double e = ua - s->Y[i * (size_t)s->nread + (size_t)a];
        sum += e * e;
      }
    want[t] = s->weight * sum / (double)s->n;
    total += want[t];
    free(r), free(u);
    pf_points_destroy(&pts);
  }
  pf_engine_destroy(&eng);
  return total;
}

static void check_loss(fixture *f) {
  const int ns = f->list.nsets;
  double want[PF_TERMS_MAX_SETS], got[PF_TERMS_MAX_SETS];
  const double W = direct_loss(f, f->theta, want);
  double L = 0.25; /* added to */
  PF_TEST_OK(pf_terms_loss_grad(f->T, f->theta, &L, NULL, got));
  L -= 0.25;
  double e = fabs(L - W) / W;
  for (int t = 0; t < ns; t++) {
    const double et = fabs(got[t] - want[t]) / want[t];
    e = fmax(e, et);
    PF_TEST_EXPECT(et <= 1e-12, "%s: set %d (%s) loss %.17g, direct %.17g", f->label, t,
                   pf_terms_name(f->T, t), got[t], want[t]);
  }
  w_loss = fmax(w_loss, e);
  PF_TEST_EXPECT(fabs(L - W) <= 1e-12 * W, "%s: loss %.17g, direct %.17g", f->label, L, W);
  printf("  %s: loss %.6g, direct %.6g, rel err %.3g\n", f->label, L, W, e);
}

static void check_gradient(fixture *f) {
  const size_t P = f->P;
  double *g = calloc(P, sizeof(double)), *fd = calloc(P, sizeof(double));
  double *th = malloc(P * sizeof(double)), L = 0;
  PF_TEST_OK(pf_terms_loss_grad(f->T, f->theta, &L, g, NULL));
  memcpy(th, f->theta, P * sizeof(double));
  for (size_t k = 0; k < P; k++) {
    const double h = 1e-5 * fmax(1.0, fabs(th[k]));
    th[k] = f->theta[k] + h;
    const double lp = loss_at(f, th);
    th[k] = f->theta[k] - h;
    const double lm = loss_at(f, th);
    th[k] = f->theta[k];
    fd[k] = (lp - lm) / (2 * h);
  }
  const double rel = diff2(P, g, fd) / norm2(P, fd);
  w_grad = fmax(w_grad, rel);
  printf("  %s: gradient vs FD: rel err %.3g\n", f->label, rel);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: gradient vs FD: relative error %.3g", f->label, rel);
  /* grad is added to */
  double *g2 = malloc(P * sizeof(double)), L2 = 0;
  for (size_t k = 0; k < P; k++) g2[k] = 1.0;
  PF_TEST_OK(pf_terms_loss_grad(f->T, f->theta, &L2, g2, NULL));
  double e = 0;
  for (size_t k = 0; k < P; k++) e = fmax(e, fabs((g2[k] - 1.0) - g[k]));
  PF_TEST_EXPECT(e <= 1e-14 * (1 + norm2(P, g)), "%s: gradient not added to: %.3g", f->label, e);
  PF_TEST_EXPECT(L == L2, "%s: the loss depends on whether the gradient is asked for", f->label);
  free(g), free(fd), free(th), free(g2);
}

static void check_hvp(fixture *f) {
  const size_t P = f->P;
  const double scale = 1.7;
  double *v = malloc(P * sizeof(double)), *hv = malloc(P * sizeof(double));
  double *gp = calloc(P, sizeof(double)), *gm = calloc(P, sizeof(double));
  double *th = malloc(P * sizeof(double)), L = 0;
  random_normal(P, 11, 1.0, v);
  for (size_t k = 0; k < P; k++) hv[k] = 0.5; /* added to */
  PF_TEST_OK(pf_terms_hvp(f->T, f->theta, v, scale, hv));
  for (size_t k = 0; k < P; k++) hv[k] -= 0.5;
  const double h = 1e-5 / norm2(P, v) * sqrt((double)P);
  for (size_t k = 0; k < P; k++) th[k] = f->theta[k] + h * v[k];
  pf_terms_loss_grad(f->T, th, &L, gp, NULL);
  for (size_t k = 0; k < P; k++) th[k] = f->theta[k] - h * v[k];
  pf_terms_loss_grad(f->T, th, &L, gm, NULL);
  for (size_t k = 0; k < P; k++) gp[k] = scale * (gp[k] - gm[k]) / (2 * h);
  const double rel = diff2(P, hv, gp) / norm2(P, gp);
  w_hvp = fmax(w_hvp, rel);
  printf("  %s: scale * Hv vs FD of gradients: rel err %.3g\n", f->label, rel);
  PF_TEST_EXPECT(rel <= 1e-6, "%s: Hv vs FD of gradients: relative error %.3g", f->label, rel);
  free(v), free(hv), free(gp), free(gm), free(th);
}

/* The scaled misfits s at th from the jets: sqrt(scale w_t / n_t) (u - Y), set after set. */
static void direct_misfits(fixture *f, const double *th, double scale, double *s) {
  const pf_pinn_ops dops = direct_ops(f), *ops = &dops;
  const size_t nj = (size_t)pf_jet_count(ops->d);
  pf_engine *eng = NULL;
  PF_TEST_OK(pf_engine_create(f->net, ops, 16, &eng));
  size_t row = 0;
  for (int t = 0; t < f->list.nsets; t++) {
    const pf_target_set *st = &f->list.set[t];
    pf_points *pts = NULL;
    PF_TEST_OK(pf_points_create(ops, st->n, st->X, &pts));
    double *r = malloc(st->n * (size_t)ops->k * sizeof(double));
    double *u = malloc((size_t)ops->m * nj * st->n * sizeof(double));
    PF_TEST_OK(pf_engine_residuals(eng, th, pts, r, u));
    const double c = sqrt(scale * st->weight / (double)st->n);
    for (size_t i = 0; i < st->n; i++)
      for (int a = 0; a < st->nread; a++) {
        const double ua = u[((size_t)st->read[a].out * nj + (size_t)st->read[a].jet) * st->n + i];
        s[row++] = c * (ua - st->Y[i * (size_t)st->nread + (size_t)a]);
      }
    free(r), free(u);
    pf_points_destroy(&pts);
  }
  pf_engine_destroy(&eng);
}

static void check_rows(fixture *f) {
  const size_t P = f->P, R = pf_terms_rows(f->T);
  const double scale = 40.0;
  size_t want_rows = 0;
  for (int t = 0; t < f->list.nsets; t++)
    want_rows += f->list.set[t].n * (size_t)f->list.set[t].nread;
  PF_TEST_EXPECT(R == want_rows, "%s: %zu rows, want %zu", f->label, R, want_rows);
  double *J = malloc(R * P * sizeof(double)), *s = malloc(R * sizeof(double));
  double *sd = malloc(R * sizeof(double)), *sp = malloc(R * sizeof(double));
  double *sm = malloc(R * sizeof(double)), *th = malloc(P * sizeof(double));
  PF_TEST_OK(pf_terms_jacobian_rows(f->T, f->theta, scale, J, s));
  /* misfits against the jets */
  direct_misfits(f, f->theta, scale, sd);
  const double es = diff2(R, s, sd) / norm2(R, sd);
  w_s = fmax(w_s, es);
  PF_TEST_EXPECT(es <= 1e-12, "%s: misfits vs jets: relative error %.3g", f->label, es);
  /* rows against central differences of the misfits */
  memcpy(th, f->theta, P * sizeof(double));
  double emax = 0, smax = 0;
  for (size_t q = 0; q < P; q++) {
    const double h = 1e-5 * fmax(1.0, fabs(th[q]));
    th[q] = f->theta[q] + h;
    direct_misfits(f, th, scale, sp);
    th[q] = f->theta[q] - h;
    direct_misfits(f, th, scale, sm);
    th[q] = f->theta[q];
    for (size_t i = 0; i < R; i++) {
      const double fd = (sp[i] - sm[i]) / (2 * h);
      emax = fmax(emax, fabs(J[i * P + q] - fd));
      smax = fmax(smax, fabs(fd));
    }
  }
  w_J = fmax(w_J, emax / smax);
  printf("  %s: %zu J rows vs FD: max err %.3g (max entry %.3g), misfits vs jets %.3g\n", f->label,
         R, emax, smax, es);
  PF_TEST_EXPECT(emax <= 1e-6 * smax, "%s: J rows vs FD: max error %.3g (scale %.3g)", f->label,
                 emax, smax);
  /* 2 J^T s = scale * gradient; sum s^2 = scale * loss */
  double *g = calloc(P, sizeof(double)), *jts = calloc(P, sizeof(double)), L = 0, ss = 0;
  PF_TEST_OK(pf_terms_loss_grad(f->T, f->theta, &L, g, NULL));
  for (size_t i = 0; i < R; i++) {
    ss += s[i] * s[i];
    for (size_t q = 0; q < P; q++) jts[q] += 2.0 * J[i * P + q] * s[i];
  }
  for (size_t q = 0; q < P; q++) g[q] *= scale;
  const double egn = diff2(P, jts, g) / norm2(P, g), ess = fabs(ss - scale * L) / (scale * L);
  w_gn = fmax(w_gn, egn);
  w_ss = fmax(w_ss, ess);
  printf("  %s: 2 J^T s vs scale * gradient: rel err %.3g; sum s^2 vs scale * loss %.3g\n",
         f->label, egn, ess);
  PF_TEST_EXPECT(egn <= 1e-12, "%s: 2 J^T s vs scale * gradient: relative error %.3g", f->label,
                 egn);
  PF_TEST_EXPECT(ess <= 1e-12, "%s: sum s^2 vs scale * loss: relative error %.3g", f->label, ess);
  /* without s */
  double *J2 = malloc(R * P * sizeof(double));
  PF_TEST_OK(pf_terms_jacobian_rows(f->T, f->theta, scale, J2, NULL));
  PF_TEST_EXPECT(!memcmp(J, J2, R * P * sizeof(double)), "%s: rows depend on s", f->label);
  free(J), free(J2), free(s), free(sd), free(sp), free(sm), free(th), free(g), free(jts);
}

static void run_checks(fixture *f, int block) {
  PF_TEST_OK(pf_terms_create(f->net, f->ops, block, f->list.nsets, f->list.set, &f->T));
  if (!f->T) return;
  PF_TEST_EXPECT(pf_terms_count(f->T) == f->list.nsets, "%s: count", f->label);
  for (int t = 0; t < f->list.nsets; t++) {
    PF_TEST_EXPECT(!strcmp(pf_terms_name(f->T, t), f->list.set[t].name), "%s: name %d", f->label,
                   t);
    PF_TEST_EXPECT(pf_terms_points(f->T, t) == f->list.set[t].n, "%s: points %d", f->label, t);
    PF_TEST_EXPECT(pf_terms_weight(f->T, t) == f->list.set[t].weight, "%s: weight %d", f->label, t);
  }
  check_loss(f);
  check_gradient(f);
  check_hvp(f);
  check_rows(f);
}

/* NULL and empty terms add nothing. */
static void check_empty(void) {
  double L = 3.0, g[2] = {1, 2}, v[2] = {1, 1}, th[2] = {0, 0};
  PF_TEST_OK(pf_terms_loss_grad(NULL, th, &L, g, NULL));
  PF_TEST_OK(pf_terms_hvp(NULL, th, v, 1.0, g));
  PF_TEST_OK(pf_terms_jacobian_rows(NULL, th, 1.0, g, NULL));
  PF_TEST_EXPECT(L == 3.0 && g[0] == 1 && g[1] == 2, "NULL terms changed something");
  PF_TEST_EXPECT(pf_terms_rows(NULL) == 0 && pf_terms_count(NULL) == 0, "NULL terms not empty");
  pf_mlp *net = NULL;
  const int sizes[] = {2, 3, 1};
  PF_TEST_OK(pf_mlp_create(2, sizes, &net));
  pf_terms *T = NULL;
  PF_TEST_OK(pf_terms_create(net, &pf_pde_burgers.ops, 8, 0, NULL, &T));
  PF_TEST_EXPECT(T && pf_terms_count(T) == 0 && pf_terms_rows(T) == 0, "empty terms not empty");
  double *gg = calloc(net->nparams, sizeof(double)), *tt = calloc(net->nparams, sizeof(double));
  PF_TEST_OK(pf_terms_loss_grad(T, tt, &L, gg, NULL));
  PF_TEST_EXPECT(L == 3.0, "empty terms changed the loss");
  pf_terms_destroy(&T);
  pf_mlp_destroy(&net);
  free(gg), free(tt);
}

/* Malformed sets are refused, naming the set. */
static void check_errors(void) {
  pf_error_set_quiet(1);
  pf_target_list l;
  memset(&l, 0, sizeof l);
  double *X = NULL, *Y = NULL;
  const pf_read rv[2] = {{0, 0}, {0, 0}};
  PF_TEST_EXPECT(pf_target_list_add(&l, "w0", 0.0, 1, rv, 4, 2, &X, &Y) == PF_ERR_ARG,
                 "weight 0 accepted");
  PF_TEST_EXPECT(strstr(pf_error_last(), "w0") != NULL, "message does not name the set: %s",
                 pf_error_last());
  PF_TEST_EXPECT(pf_target_list_add(&l, "rep", 1.0, 2, rv, 4, 2, &X, &Y) == PF_ERR_ARG,
                 "repeated read accepted");
  PF_TEST_EXPECT(pf_target_list_add(&l, "n0", 1.0, 1, rv, 0, 2, &X, &Y) == PF_ERR_ARG,
                 "empty set accepted");
  PF_TEST_EXPECT(pf_target_list_add(&l, "k5", 1.0, 5, rv, 4, 2, &X, &Y) == PF_ERR_ARG,
                 "5 reads accepted");
  PF_TEST_EXPECT(l.nsets == 0, "a refused set was added");
  /* a long name is truncated; the list fills up */
  char longname[100];
  memset(longname, 'a', 99);
  longname[99] = '\0';
  for (int t = 0; t < PF_TERMS_MAX_SETS; t++)
    PF_TEST_OK(pf_target_list_add(&l, t ? "s" : longname, 1.0, 1, rv, 2, 2, &X, &Y));
  PF_TEST_EXPECT(strlen(l.set[0].name) == 63, "name not truncated to 63: %zu",
                 strlen(l.set[0].name));
  PF_TEST_EXPECT(pf_target_list_add(&l, "full", 1.0, 1, rv, 2, 2, &X, &Y) == PF_ERR_ARG,
                 "a full list accepted a set");
  /* an output the problem does not have */
  pf_mlp *net = NULL;
  const int sizes[] = {2, 3, 1};
  PF_TEST_OK(pf_mlp_create(2, sizes, &net));
  pf_target_list l2;
  memset(&l2, 0, sizeof l2);
  const pf_read r1 = {1, 0};
  PF_TEST_OK(pf_target_list_add(&l2, "out1", 1.0, 1, &r1, 2, 2, &X, &Y));
  pf_terms *T = NULL;
  PF_TEST_EXPECT(pf_terms_create(net, &pf_pde_burgers.ops, 8, l2.nsets, l2.set, &T) == PF_ERR_ARG,
                 "output 1 of a one-output problem accepted");
  PF_TEST_EXPECT(T == NULL && strstr(pf_error_last(), "out1") != NULL, "error: %s",
                 pf_error_last());
  pf_target_list_free(&l);
  pf_target_list_free(&l2);
  pf_target_list_free(NULL);
  pf_mlp_destroy(&net);
  pf_error_set_quiet(0);
}

int main(void) {
  check_empty();
  check_errors();
  {
    /* (a) burgers: a value set and a derivative set (u_t), several blocks, a partial one */
    fixture f;
    const int sizes[] = {2, 7, 6, 1};
    setup(&f, "burgers", &pf_pde_burgers.ops, pf_pde_burgers.lo, pf_pde_burgers.hi, 3, sizes, 8);
    const pf_read rv = {0, PF_CH_V}, rt = {0, PF_CH_T};
    add_set(&f, "x=lo u", 2.5, 1, &rv, 21, 1);
    add_set(&f, "data u_t", 0.3, 1, &rt, 13, 2);
    run_checks(&f, 8);
    teardown(&f);
  }
  {
    /* (b) the d = 3, m = 2 system: values of both outputs, and v_t with the mixed u_xy */
    fixture f;
    const int sizes[] = {3, 6, 5, 2};
    setup(&f, "system", &sys_pde.ops, sys_pde.lo, sys_pde.hi, 3, sizes, 8);
    const pf_read r2[2] = {{0, 0}, {1, 0}};
    const pf_read r3[2] = {{1, pf_jet_index(3, 2, -1)}, {0, pf_jet_index(3, 0, 1)}};
    const pf_read r1 = {1, pf_jet_index(3, 1, 1)}; /* v_yy: a pair the task never reads */
    add_set(&f, "values u v", 1.3, 2, r2, 19, 3);
    add_set(&f, "v_t u_xy", 0.8, 2, r3, 11, 4);
    add_set(&f, "v_yy", 0.05, 1, &r1, 5, 5);
    run_checks(&f, 8);
    teardown(&f);
  }
  printf("worst: loss vs jets %.3g, gradient vs FD %.3g, Hv vs FD %.3g, J rows vs FD %.3g, "
         "misfits vs jets %.3g, 2 J^T s vs scale grad %.3g, sum s^2 vs scale loss %.3g\n",
         w_loss, w_grad, w_hvp, w_J, w_s, w_gn, w_ss);
  return pf_test_report("test_terms");
}
