/* Soft constraints (pde.h): pf_pde_soft and pf_pde_soft_sets on the six built-in problems.
 *  - a soft instance keeps name, coefficients and reference, has the identity transform, is
 *    interned (same p, same instance; soft of soft is itself), and works with coefficient
 *    instances both ways round (instance of a soft problem = soft of the instance);
 *  - the derived faces and conditions are what each problem's hard constraint encodes (listed
 *    from the problem files: B = (1 - x^2) t etc.), on per_face Hammersley points of the face;
 *  - the targets equal the prescribed initial and boundary values (pde_values.h) and, where the
 *    problem has one, the closed-form solution on the face (value within 1e-12; a normal
 *    derivative against central differences of the solution);
 *  - conditions written for a problem (p->cond) land on their faces with their targets; too many
 *    conditions on a face are refused;
 *  - the composite gradient (residual loss on collocation points plus the soft terms) of a soft
 *    problem against central differences. */
#include "pde_values.h"
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"
#include "pinnfluence/terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The faces and conditions each built-in problem's hard constraint encodes (read off the
 * transforms in the problem files under src/pde): face name, then its conditions as "u" (value) or
 * "u_<input>". */
typedef struct {
  const char *pde;
  int nfaces;
  const char *face[6];
  const char *conds[6];
} expected;
static const expected want[] = {
    {"diffusion", 3, {"x=lo", "x=hi", "t=lo"}, {"u", "u", "u"}},
    {"burgers", 3, {"x=lo", "x=hi", "t=lo"}, {"u", "u", "u"}},
    {"allen_cahn", 3, {"x=lo", "x=hi", "t=lo"}, {"u", "u", "u"}},
    {"wave", 3, {"x=lo", "x=hi", "t=lo"}, {"u", "u", "u u_t"}},
    {"drift_diffusion", 3, {"x=lo", "x=hi", "t=lo"}, {"u", "u", "u"}},
    {"heat2d", 5, {"x=lo", "x=hi", "y=lo", "y=hi", "t=lo"}, {"u", "u", "u", "u", "u"}},
};

static double vdc2(uint64_t i) {
  double f = 0.5, r = 0;
  for (; i; i >>= 1, f *= 0.5)
    if (i & 1) r += f;
  return r;
}

/* "u u_t" style text of a set's reads. */
static void describe(const pf_pde *p, const pf_target_set *s, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int a = 0; a < s->nread; a++) {
    const pf_read q = s->read[a];
    const char *sep = a ? " " : "";
    if (q.jet == 0)
      used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, p->outputs[q.out]);
    else if (q.jet <= p->ops.d)
      used += (size_t)snprintf(buf + used, len - used, "%s%s_%s", sep, p->outputs[q.out],
                               p->inputs[q.jet - 1]);
    else
      used += (size_t)snprintf(buf + used, len - used, "%s%s_jet%d", sep, p->outputs[q.out], q.jet);
  }
}

static double worst_exact, worst_prescribed, worst_deriv;

/* Faces, conditions, points and targets of the soft sets of problem p (soft or not: hard). */
static void check_sets(const pf_pde *hard, const pf_pde *soft, const expected *e, const char *tag) {
  const size_t per_face = 23;
  const int d = hard->ops.d;
  pf_target_list l;
  memset(&l, 0, sizeof l);
  /* the hard problem has no conditions of its own: no sets */
  PF_TEST_OK(pf_pde_soft_sets(hard, per_face, 1.0, &l));
  PF_TEST_EXPECT(l.nsets == 0, "%s: the hard problem gave %d soft sets", hard->name, l.nsets);
  PF_TEST_OK(pf_pde_soft_sets(soft, per_face, 2.5, &l));
  printf("  %-16s %-9s", hard->name, tag);
  PF_TEST_EXPECT(l.nsets == e->nfaces, "%s: %d faces, want %d", hard->name, l.nsets, e->nfaces);
  for (int t = 0; t < l.nsets && t < e->nfaces; t++) {
    const pf_target_set *s = &l.set[t];
    char buf[128];
    describe(hard, s, buf, sizeof buf);
    printf(" %s: %s;", s->name, buf);
    PF_TEST_EXPECT(!strcmp(s->name, e->face[t]) && !strcmp(buf, e->conds[t]),
                   "%s: set %d is %s (%s), want %s (%s)", hard->name, t, s->name, buf, e->face[t],
                   e->conds[t]);
    PF_TEST_EXPECT(s->n == per_face && s->weight == 2.5, "%s %s: %zu points, weight %g", hard->name,
                   s->name, s->n, s->weight);
    /* the face: input a at its bound; the others Hammersley in the face (d - 1 coordinates) */
    int a = -1, side = 0;
    for (int j = 0; j < d; j++)
      if (hard->inputs[j][0] == s->name[0]) a = j;
    side = !strcmp(s->name + 2, "hi");
    PF_TEST_EXPECT(a >= 0, "%s: face %s of no input", hard->name, s->name);
    if (a < 0) continue;
    double emax = 0;
    for (size_t i = 0; i < s->n; i++) {
      const double *X = s->X + i * (size_t)d;
      PF_TEST_EXPECT(X[a] == (side ? hard->hi[a] : hard->lo[a]), "%s %s: point %zu off the face",
                     hard->name, s->name, i);
      /* free coordinates: (vdc2(j + 3), (j + 1) / (n + 2)) for d - 1 = 2, ((j + 1) / (n + 2)) for
       * d - 1 = 1, j = i + 1, scaled to the face */
      double u[2];
      const size_t j = i + 1;
      if (d == 3)
        u[0] = vdc2(j + 3), u[1] = (double)(j + 1) / (double)(per_face + 2);
      else
        u[0] = (double)(j + 1) / (double)(per_face + 2);
      for (int c = 0, f = 0; c < d; c++) {
        if (c == a) continue;
        const double xc = hard->lo[c] + (hard->hi[c] - hard->lo[c]) * u[f++];
        emax = fmax(emax, fabs(X[c] - xc));
      }
    }
    PF_TEST_EXPECT(emax <= 1e-15, "%s %s: face points are not the Hammersley points (err %.3g)",
                   hard->name, s->name, emax);
    /* targets: the prescribed values, the closed form, the normal derivative of the closed form */
    const double *coef = pf_pde_coefficients(soft);
    double *ue = malloc(s->n * sizeof(double)), *up = malloc(s->n * sizeof(double));
    double *um = malloc(s->n * sizeof(double)), *Xs = malloc(s->n * (size_t)d * sizeof(double));
    if (hard->exact) hard->exact(coef, s->n, s->X, ue);
    for (int r = 0; r < s->nread; r++) {
      const pf_read q = s->read[r];
      if (q.jet == 0) {
        for (size_t i = 0; i < s->n; i++) {
          const double *X = s->X + i * (size_t)d, y = s->Y[i * (size_t)s->nread + (size_t)r];
          const int initial = a == d - 1 && !side;
          const double pv = initial ? initial_value(hard->name, X) : boundary_value(soft, X);
          worst_prescribed = fmax(worst_prescribed, fabs(y - pv));
          PF_TEST_EXPECT(fabs(y - pv) <= 1e-12, "%s %s: target %.17g, prescribed %.17g", hard->name,
                         s->name, y, pv);
          if (hard->exact) {
            worst_exact = fmax(worst_exact, fabs(y - ue[i]));
            PF_TEST_EXPECT(fabs(y - ue[i]) <= 1e-12, "%s %s: target %.17g, exact %.17g", hard->name,
                           s->name, y, ue[i]);
          }
        }
      } else if (hard->exact) {
        const int dir = q.jet - 1;
        const double h = 1e-5;
        for (int sg = 0; sg < 2; sg++) {
          memcpy(Xs, s->X, s->n * (size_t)d * sizeof(double));
          for (size_t i = 0; i < s->n; i++) Xs[i * (size_t)d + (size_t)dir] += sg ? -h : h;
          hard->exact(coef, s->n, Xs, sg ? um : up);
        }
        for (size_t i = 0; i < s->n; i++) {
          const double fd = (up[i] - um[i]) / (2 * h);
          const double y = s->Y[i * (size_t)s->nread + (size_t)r];
          worst_deriv = fmax(worst_deriv, fabs(y - fd));
          PF_TEST_EXPECT(fabs(y - fd) <= 1e-8, "%s %s: derivative target %.17g, FD %.17g",
                         hard->name, s->name, y, fd);
        }
      }
    }
    free(ue), free(up), free(um), free(Xs);
  }
  printf("\n");
  pf_target_list_free(&l);
}

/* The identity transform: A = 0, B = 1 in the value jet, 0 in the derivatives, every output. */
static void check_identity(const pf_pde *soft) {
  const int d = soft->ops.d, m = soft->ops.m, nj = pf_jet_count(d);
  const size_t n = 9;
  double *X = malloc(n * (size_t)d * sizeof(double));
  pf_pde_hammersley(soft, n, X);
  pf_points *pts = NULL;
  PF_TEST_OK(pf_points_create(&soft->ops, n, X, &pts));
  int bad = 0;
  for (int o = 0; o < m; o++)
    for (int c = 0; c < nj; c++)
      for (size_t i = 0; i < n; i++) {
        const size_t k = ((size_t)o * (size_t)nj + (size_t)c) * n + i;
        bad += pts->A[k] != 0.0 || pts->B[k] != (c == 0 ? 1.0 : 0.0);
      }
  PF_TEST_EXPECT(!bad, "%s: the soft transform is not the identity (%d entries)", soft->name, bad);
  pf_points_destroy(&pts);
  free(X);
}

/* Soft instances: identity, interning, coefficient instances both ways round. */
static void check_instance(const pf_pde *p, const pf_pde **softp) {
  const pf_pde *s = NULL, *s2 = NULL, *s3 = NULL;
  PF_TEST_OK(pf_pde_soft(p, &s));
  PF_TEST_OK(pf_pde_soft(p, &s2));
  if (!s) return;
  PF_TEST_OK(pf_pde_soft(s, &s3));
  PF_TEST_EXPECT(s != p && s == s2 && s3 == s && s->soft == 1 && p->soft == 0,
                 "%s: soft instance not interned or not marked", p->name);
  PF_TEST_EXPECT(!strcmp(s->name, p->name) && pf_pde_find(p->name) == p && pf_pde_base(s) == p,
                 "%s: the soft instance changed name or base", p->name);
  PF_TEST_EXPECT(s->ops.residual == p->ops.residual && s->exact == p->exact && s->grid == p->grid &&
                     s->ops.ctx == p->ops.ctx && s->ops.transform != p->ops.transform,
                 "%s: the soft instance did not keep the residual and reference", p->name);
  check_identity(s);
  /* coefficients: the instance of a soft problem is the soft of the instance */
  double coef[PF_PDE_MAX_COEF];
  for (int j = 0; j < p->ncoef; j++) coef[j] = 0.5 * (p->coef[j].lo + pf_pde_coefficients(p)[j]);
  const pf_pde *hi = NULL, *si = NULL, *sh = NULL, *back = NULL;
  PF_TEST_OK(pf_pde_instance(p, coef, &hi));
  PF_TEST_OK(pf_pde_instance(s, coef, &si));
  PF_TEST_OK(pf_pde_soft(hi, &sh));
  PF_TEST_EXPECT(hi && si && si == sh && si != s && si->soft && !hi->soft,
                 "%s: instance of the soft problem is not the soft of the instance", p->name);
  PF_TEST_EXPECT(pf_pde_base(si) == p && pf_pde_base(hi) == p, "%s: base of the instances",
                 p->name);
  int same = 1;
  for (int j = 0; j < p->ncoef && si; j++) same = same && pf_pde_coefficients(si)[j] == coef[j];
  PF_TEST_EXPECT(same, "%s: the soft coefficient instance lost its coefficients", p->name);
  PF_TEST_OK(pf_pde_instance(si, pf_pde_coefficients(p), &back));
  PF_TEST_EXPECT(back == s, "%s: the soft instance at the defaults is not the soft problem",
                 p->name);
  PF_TEST_OK(pf_pde_instance(s, pf_pde_coefficients(p), &back));
  PF_TEST_EXPECT(back == s, "%s: instance of the soft problem at the defaults", p->name);
  *softp = s;
  /* the conditions of the coefficient instance come from its own hard transform */
  if (si) {
    for (size_t e = 0; e < sizeof want / sizeof want[0]; e++)
      if (!strcmp(want[e].pde, p->name)) check_sets(hi, si, &want[e], "(coef.)");
  }
}

/* Conditions written for a problem: a copy of burgers with two conditions on x=hi (u_x and u) and
 * one on t=hi; and too many on one face. */
static void cond_target(const void *ctx, int which, size_t n, const double *X, double *y) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) y[i] = 10.0 * which + X[2 * i] + 3 * X[2 * i + 1];
}
static void check_written(void) {
  static pf_pde p;
  p = pf_pde_burgers;
  p.name = "burgers_cond";
  p.ncond = 3;
  p.cond[0].out = 0, p.cond[0].jet = PF_CH_X, p.cond[0].input = 0, p.cond[0].side = 1;
  p.cond[1].out = 0, p.cond[1].jet = PF_CH_T, p.cond[1].input = 1, p.cond[1].side = 1;
  p.cond[2].out = 0, p.cond[2].jet = PF_CH_XX, p.cond[2].input = 0, p.cond[2].side = 1;
  p.cond_target = cond_target;
  pf_target_list l;
  memset(&l, 0, sizeof l);
  /* the hard problem: only the written ones (x=hi: u_x, u_xx; t=hi: u_t) */
  PF_TEST_OK(pf_pde_soft_sets(&p, 5, 1.0, &l));
  PF_TEST_EXPECT(l.nsets == 2 && !strcmp(l.set[0].name, "x=hi") && l.set[0].nread == 2 &&
                     !strcmp(l.set[1].name, "t=hi") && l.set[1].nread == 1,
                 "written conditions: %d sets", l.nsets);
  if (l.nsets == 2) {
    const pf_target_set *s = &l.set[0];
    PF_TEST_EXPECT(s->read[0].jet == PF_CH_X && s->read[1].jet == PF_CH_XX, "x=hi reads");
    for (size_t i = 0; i < s->n; i++) {
      const double x = s->X[2 * i], t = s->X[2 * i + 1];
      PF_TEST_EXPECT(s->Y[2 * i] == x + 3 * t && s->Y[2 * i + 1] == 20 + x + 3 * t,
                     "x=hi targets at point %zu", i);
    }
    PF_TEST_EXPECT(l.set[1].Y[0] == 10 + l.set[1].X[0] + 3 * l.set[1].X[1], "t=hi target");
  }
  pf_target_list_free(&l);
  /* soft: the written ones first, then the derived value on each face */
  const pf_pde *s = NULL;
  PF_TEST_OK(pf_pde_soft(&p, &s));
  PF_TEST_OK(pf_pde_soft_sets(s, 5, 1.0, &l));
  PF_TEST_EXPECT(l.nsets == 4, "soft with written conditions: %d sets", l.nsets);
  if (l.nsets == 4) {
    PF_TEST_EXPECT(!strcmp(l.set[1].name, "x=hi") && l.set[1].nread == 3 &&
                       l.set[1].read[2].jet == PF_CH_V && fabs(l.set[1].Y[2]) <= 1e-15,
                   "x=hi: written u_x, u_xx then u = 0");
    PF_TEST_EXPECT(!strcmp(l.set[3].name, "t=hi") && l.set[3].nread == 1, "t=hi");
  }
  pf_target_list_free(&l);
  /* five conditions on one face */
  static pf_pde q;
  q = p;
  q.name = "burgers_many";
  q.ncond = 5;
  for (int k = 0; k < 5; k++)
    q.cond[k].out = 0, q.cond[k].jet = k, q.cond[k].input = 1, q.cond[k].side = 1;
  pf_error_set_quiet(1);
  PF_TEST_EXPECT(pf_pde_soft_sets(&q, 5, 1.0, &l) == PF_ERR_ARG, "5 conditions on a face accepted");
  PF_TEST_EXPECT(strstr(pf_error_last(), "t=hi") != NULL, "message: %s", pf_error_last());
  pf_error_set_quiet(0);
  pf_target_list_free(&l);
}

/* The composite loss of a soft problem: (1/n) sum r^2 on collocation points + sum_t w_t L_t on
 * the soft sets; its gradient against central differences. */
static void check_composite(const pf_pde *soft, int nhid) {
  const int d = soft->ops.d, m = soft->ops.m;
  int sizes[4] = {d, nhid, nhid, m};
  pf_mlp *net = NULL;
  PF_TEST_OK(pf_mlp_create(3, sizes, &net));
  const size_t P = net->nparams, n = 37;
  double *theta = malloc(P * sizeof(double)), *X = malloc(n * (size_t)d * sizeof(double));
  pf_rng_stream rs = pf_rng_stream_make(5, 0, PF_RNG_TEST, 9);
  pf_rng_normal(&rs, 0, P, theta);
  for (size_t k = 0; k < P; k++) theta[k] *= 0.5;
  pf_pde_hammersley(soft, n, X);
  pf_engine *eng = NULL;
  pf_points *pts = NULL;
  pf_terms *T = NULL;
  pf_target_list l;
  memset(&l, 0, sizeof l);
  PF_TEST_OK(pf_engine_create(net, &soft->ops, 16, &eng));
  PF_TEST_OK(pf_points_create(&soft->ops, n, X, &pts));
  PF_TEST_OK(pf_pde_soft_sets(soft, 11, 3.0, &l));
  PF_TEST_OK(pf_terms_create(net, &soft->ops, 16, l.nsets, l.set, &T));
  if (!eng || !pts || !T) return;
  double *g = calloc(P, sizeof(double)), *gt = calloc(P, sizeof(double));
  double *fd = calloc(P, sizeof(double)), *th = malloc(P * sizeof(double)), L;
  PF_TEST_OK(pf_engine_loss_grad(eng, theta, pts, &L, g));
  PF_TEST_OK(pf_terms_loss_grad(T, theta, &L, g, NULL));
  memcpy(th, theta, P * sizeof(double));
  for (size_t k = 0; k < P; k++) {
    const double h = 1e-5 * fmax(1.0, fabs(theta[k]));
    double lp, lm;
    th[k] = theta[k] + h;
    pf_engine_loss_grad(eng, th, pts, &lp, NULL);
    pf_terms_loss_grad(T, th, &lp, NULL, NULL);
    th[k] = theta[k] - h;
    pf_engine_loss_grad(eng, th, pts, &lm, NULL);
    pf_terms_loss_grad(T, th, &lm, NULL, NULL);
    th[k] = theta[k];
    fd[k] = (lp - lm) / (2 * h);
  }
  double e = 0, s = 0;
  for (size_t k = 0; k < P; k++) e += (g[k] - fd[k]) * (g[k] - fd[k]), s += fd[k] * fd[k];
  const double rel = sqrt(e / s);
  printf("  %s soft: composite loss %.6g over %d sets, gradient vs FD rel err %.3g\n", soft->name,
         L, pf_terms_count(T), rel);
  PF_TEST_EXPECT(rel <= 1e-6, "%s soft: composite gradient vs FD: relative error %.3g", soft->name,
                 rel);
  free(g), free(gt), free(fd), free(th), free(theta), free(X);
  pf_terms_destroy(&T);
  pf_target_list_free(&l);
  pf_points_destroy(&pts);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
}

int main(void) {
  printf("derived soft conditions (face: conditions):\n");
  for (size_t e = 0; e < sizeof want / sizeof want[0]; e++) {
    const pf_pde *p = pf_pde_find(want[e].pde), *s = NULL;
    PF_TEST_EXPECT(p != NULL, "no problem %s", want[e].pde);
    if (!p) continue;
    check_instance(p, &s);
    if (!s) continue;
    check_sets(p, s, &want[e], "");
  }
  printf("worst target errors: vs prescribed values %.3g, vs closed form %.3g, normal derivative "
         "vs FD of closed form %.3g\n",
         worst_prescribed, worst_exact, worst_deriv);
  check_written();
  const pf_pde *s = NULL;
  PF_TEST_OK(pf_pde_soft(&pf_pde_wave, &s));
  if (s) check_composite(s, 8);
  PF_TEST_OK(pf_pde_soft(&pf_pde_heat2d, &s));
  if (s) check_composite(s, 6);
  return pf_test_report("test_soft");
}
