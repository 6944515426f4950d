/* Problems defined in the configuration (pf_pde_define): the formulas are parsed into one
 * expression pool (src/expr), the residual partials in the quantities read and the constraints'
 * input jets are derived symbolically, and each set of roots the engine asks for is compiled into
 * a tape evaluated over the engine's blocks. The defined problems live until the program ends and
 * are found by name like the built-in ones. */
#include "pde_impl.h"
#include "pinnfluence/core.h"
#include "pinnfluence/expr.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NJMAX PF_MAX_JET

typedef struct defined {
  pf_pde pde;
  pf_pde_ctx ctx;
  char *text;
  char names[PF_MAX_DIM + PF_MAX_OUT + PF_PDE_MAX_COEF + PF_MAX_RES + 1][32];
  char residual_text[1024];
  int d, m, k, nj, ncoef, nread;
  int qbase;               /* variable id of quantity (o, c): qbase + o * nj + c */
  pf_expr_prog *prog_r[3]; /* r; r and dr; r, dr and d2r */
  int nroots_r[3];
  int *root_off[3];                         /* (nroots) offset / n of each root's destination ... */
  int *root_arr[3];                         /* ... in r (0), dr (1) or d2r (2) */
  pf_expr_prog *prog_t;                     /* A and B full jets */
  pf_expr_prog *prog_exact;                 /* reference, m roots, or NULL */
  pf_expr_prog *prog_rc;                    /* d r_j / d coef_c, k * ncoef roots (residual_coef) */
  pf_expr_prog *prog_cond[PF_PDE_MAX_COND]; /* each soft condition's target */
  const pf_pde *grid_base;        /* built-in problem whose grid is the reference, or NULL */
  int grid_coef[PF_PDE_MAX_COEF]; /* its coefficient j is this problem's grid_coef[j] */
  struct defined *next;
} defined;

static defined *defined_list = NULL;

const pf_pde *pf_pde_find_defined(const char *name) {
  for (const defined *q = defined_list; q; q = q->next)
    if (!strcmp(q->pde.name, name)) return &q->pde;
  return NULL;
}

/* ------------------------------------------------------------------ callbacks */

static const defined *of(const void *ctx) {
  return (const defined *)((const pf_pde_ctx *)ctx)->data;
}

static void bind_common(const defined *u, const void *ctx, const double *X, pf_expr_bind *b) {
  for (int j = 0; j < u->d; j++) b[j] = (pf_expr_bind){X + j, (size_t)u->d};
  for (int j = 0; j < u->ncoef; j++)
    b[u->d + j] = (pf_expr_bind){&((const pf_pde_ctx *)ctx)->coef[j], 0};
}

/* The read quantities q (nread, n) as the variables of the outputs' jet entries they are. */
static void bind_quantities(const defined *u, size_t n, const double *q, pf_expr_bind *b) {
  const pf_pinn_ops *ops = &u->pde.ops;
  for (int a = 0; a < u->nread; a++)
    b[u->qbase + ops->read[a].out * u->nj + ops->read[a].jet] =
        (pf_expr_bind){q + (size_t)a * n, 1};
}

static void transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  const defined *u = of(ctx);
  pf_expr_bind b[PF_MAX_DIM + PF_PDE_MAX_COEF];
  bind_common(u, ctx, X, b);
  double *out[2 * PF_MAX_OUT * NJMAX] = {0};
  const size_t per = (size_t)u->m * (size_t)u->nj;
  for (size_t r = 0; r < per; r++) {
    out[r] = A + r * n;
    out[per + r] = B + r * n;
  }
  /* the engine's callbacks cannot fail; an allocation failure leaves NaN that its checks catch */
  if (pf_expr_eval(u->prog_t, n, b, out, 1))
    for (size_t r = 0; r < n * per; r++) A[r] = NAN;
}

static void residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                     double *dr, double *d2r) {
  const defined *u = of(ctx);
  pf_expr_bind b[PF_MAX_DIM + PF_PDE_MAX_COEF + PF_MAX_OUT * NJMAX];
  bind_common(u, ctx, X, b);
  bind_quantities(u, n, q, b);
  const int which = d2r ? 2 : dr ? 1 : 0;
  const int nr = u->nroots_r[which];
  double **out = malloc((size_t)(nr > 0 ? nr : 1) * sizeof *out);
  double *const arr[3] = {r, dr, d2r};
  if (out) {
    for (int j = 0; j < nr; j++)
      out[j] = arr[u->root_arr[which][j]] + (size_t)u->root_off[which][j] * n;
    if (!pf_expr_eval(u->prog_r[which], n, b, out, 1)) {
      free(out);
      return;
    }
  }
  free(out);
  for (size_t i = 0; i < n * (size_t)u->k; i++) r[i] = NAN;
}

static void residual_coef(const void *ctx, size_t n, const double *X, const double *q,
                          double *drc) {
  const defined *u = of(ctx);
  if (!u->prog_rc) return; /* no coefficients */
  pf_expr_bind b[PF_MAX_DIM + PF_PDE_MAX_COEF + PF_MAX_OUT * NJMAX];
  bind_common(u, ctx, X, b);
  bind_quantities(u, n, q, b);
  double *out[PF_MAX_RES * PF_PDE_MAX_COEF];
  const int nr = u->k * u->ncoef;
  for (int r = 0; r < nr; r++) out[r] = drc + (size_t)r * n;
  if (pf_expr_eval(u->prog_rc, n, b, out, 1))
    for (size_t i = 0; i < n * (size_t)nr; i++) drc[i] = NAN;
}

static void cond_target(const void *ctx, int which, size_t n, const double *X, double *y) {
  const defined *u = of(ctx);
  pf_expr_bind b[PF_MAX_DIM + PF_PDE_MAX_COEF];
  bind_common(u, ctx, X, b);
  double *out[1] = {y};
  if (which < 0 || which >= u->pde.ncond || pf_expr_eval(u->prog_cond[which], n, b, out, 1))
    for (size_t i = 0; i < n; i++) y[i] = NAN;
}

static void exact(const double *coef, size_t n, const double *X, double *uo) {
  const defined *u = of(coef);
  pf_expr_bind b[PF_MAX_DIM + PF_PDE_MAX_COEF];
  bind_common(u, coef, X, b);
  double *out[PF_MAX_OUT];
  for (int o = 0; o < u->m; o++) out[o] = uo + o;
  if (pf_expr_eval(u->prog_exact, n, b, out, (size_t)u->m))
    for (size_t i = 0; i < n * (size_t)u->m; i++) uo[i] = NAN;
}

static int grid(const double *coef, double *x, double *t, double *uo) {
  const defined *u = of(coef);
  double c[PF_PDE_MAX_COEF];
  memcpy(c, pf_pde_coefficients(u->grid_base), sizeof(double) * (size_t)u->grid_base->ncoef);
  for (int j = 0; j < u->grid_base->ncoef; j++)
    if (u->grid_coef[j] >= 0) c[j] = coef[u->grid_coef[j]];
  return u->grid_base->grid(c, x, t, uo);
}

/* ------------------------------------------------------------------ parsing the formulas */

typedef enum { SYM_RESIDUAL, SYM_INPUTS } sym_kind;

typedef struct {
  const pf_pde_spec *s;
  defined *u;
  sym_kind kind;
  int used[PF_MAX_OUT * NJMAX];
} resolver_state;

static int same(const char *name, size_t len, const char *s) {
  return s && strlen(s) == len && !strncmp(name, s, len);
}

static int resolve(void *user, const char *name, size_t len, char *msg, size_t mlen) {
  resolver_state *rs = user;
  const pf_pde_spec *s = rs->s;
  for (int j = 0; j < s->d; j++)
    if (same(name, len, s->inputs[j])) return j;
  for (int j = 0; j < s->ncoef; j++)
    if (same(name, len, s->coef[j])) return s->d + j;
  /* an output or one of its partial derivatives: u, u_x, u_xt */
  const char *us = memchr(name, '_', len);
  const size_t base = us ? (size_t)(us - name) : len;
  for (int o = 0; o < s->m; o++) {
    if (!same(name, base, s->outputs[o])) continue;
    if (rs->kind != SYM_RESIDUAL) {
      snprintf(msg, mlen,
               "\"%.*s\": an output here; allowed: the inputs, the coefficients and pi (outputs "
               "and their derivatives appear in the residuals only)",
               (int)len, name);
      return -1;
    }
    int dir[2] = {-1, -1}, nd = 0;
    for (size_t c = base + 1; us && c < len; c++) {
      int a = -1;
      for (int j = 0; j < s->d; j++)
        if (s->inputs[j][0] == name[c]) a = j;
      if (a < 0) {
        snprintf(msg, mlen,
                 "\"%.*s\": '%c' is not an input; derivatives are written %s_x, %s_xt "
                 "with input letters",
                 (int)len, name, name[c], s->outputs[o], s->outputs[o]);
        return -1;
      }
      if (nd == 2) {
        snprintf(msg, mlen, "\"%.*s\": a derivative of order %d; allowed: order 2 at most",
                 (int)len, name, (int)(len - base - 1));
        return -1;
      }
      dir[nd++] = a;
    }
    if (us && nd == 0) {
      snprintf(msg, mlen, "\"%.*s\": no input letter after '_'", (int)len, name);
      return -1;
    }
    const int jet = pf_jet_index(s->d, dir[0], dir[1]);
    rs->used[o * rs->u->nj + jet] = 1;
    return rs->u->qbase + o * rs->u->nj + jet;
  }
  char list[256];
  size_t used = (size_t)snprintf(list, sizeof list, "inputs");
  for (int j = 0; j < s->d; j++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : " ", s->inputs[j]);
  if (s->ncoef && used < sizeof list)
    used += (size_t)snprintf(list + used, sizeof list - used, "; coefficients");
  for (int j = 0; j < s->ncoef && used < sizeof list; j++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : " ", s->coef[j]);
  if (rs->kind == SYM_RESIDUAL && used < sizeof list) {
    used += (size_t)snprintf(list + used, sizeof list - used, "; outputs");
    for (int o = 0; o < s->m && used < sizeof list; o++)
      used +=
          (size_t)snprintf(list + used, sizeof list - used, "%s%s", o ? ", " : " ", s->outputs[o]);
    if (used < sizeof list) snprintf(list + used, sizeof list - used, " and their derivatives");
  }
  snprintf(msg, mlen, "unknown symbol \"%.*s\"; allowed: %s, pi", (int)len, name, list);
  return -1;
}

static int parse_one(pf_expr_pool *pool, const pf_pde_formula *f, resolver_state *rs, int *node,
                     char *err, size_t errlen) {
  if (!f->text || !*f->text)
    return snprintf(err, errlen, "%s: an empty formula", f->where), PF_ERR_CONFIG;
  int col;
  char msg[512];
  int rc = pf_expr_parse(pool, f->text, resolve, rs, node, &col, msg, sizeof msg);
  if (rc == PF_ERR_CONFIG)
    snprintf(err, errlen, "%s: column %d of \"%s\": %s", f->where, col, f->text, msg);
  return rc;
}

static int isc0(const pf_expr_pool *pool, int node) {
  double c;
  return pf_expr_is_const(pool, node, &c) && c == 0;
}

/* ------------------------------------------------------------------ checks */

/* kind 1: one lower-case letter; 0: letters and digits; 2: also '_' */
static int name_ok(const char *s, int kind) {
  if (!s || !isalpha((unsigned char)s[0])) return 0;
  if (kind == 1) return !s[1] && islower((unsigned char)s[0]);
  for (const char *c = s; *c; c++)
    if (!isalnum((unsigned char)*c) && !(kind == 2 && *c == '_')) return 0;
  return strlen(s) < 32;
}

static int reserved(const char *s) {
  static const char *const r[] = {"pi", "sin", "cos", "exp", "log", "tanh", "sqrt", "abs", "pow"};
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (!strcmp(s, r[i])) return 1;
  return 0;
}

/* B_o = 0 on every face but t = hi, at a few points of each face. */
static int check_faces(const pf_expr_pool *pool, const pf_pde_spec *s, int o, int nodeB, char *err,
                       size_t errlen) {
  static const double frac[] = {0.0, 0.137, 0.291, 0.5, 0.618, 0.853, 1.0};
  const int nf = (int)(sizeof frac / sizeof frac[0]);
  double vars[PF_MAX_DIM + PF_PDE_MAX_COEF] = {0};
  for (int j = 0; j < s->ncoef; j++) vars[s->d + j] = s->coef_value[j];
  /* scale: |B| inside the box */
  double scale = 0;
  for (int p = 0; p < nf; p++) {
    for (int j = 0; j < s->d; j++)
      vars[j] = s->lo[j] + (s->hi[j] - s->lo[j]) * (0.25 + 0.5 * frac[(p + 2 * j) % nf]);
    scale = fmax(scale, fabs(pf_expr_eval1(pool, nodeB, vars)));
  }
  if (!(scale > 0)) scale = 1;
  for (int a = 0; a < s->d; a++)
    for (int side = 0; side < 2; side++) {
      if (side == 1 && !strcmp(s->inputs[a], "t")) continue; /* the end time is free */
      for (int p = 0; p < nf * nf; p++) {
        for (int j = 0, e = 0; j < s->d; j++) {
          if (j == a) continue;
          const double f = frac[(e++ ? p / nf : p % nf) % nf];
          vars[j] = s->lo[j] + (s->hi[j] - s->lo[j]) * f;
        }
        vars[a] = side ? s->hi[a] : s->lo[a];
        const double v = pf_expr_eval1(pool, nodeB, vars);
        if (!(fabs(v) <= 1e-12 * scale)) {
          char at[256];
          size_t used = 0;
          for (int j = 0; j < s->d; j++)
            used += (size_t)snprintf(at + used, sizeof at - used, "%s%s = %.6g", j ? ", " : "",
                                     s->inputs[j], vars[j]);
          snprintf(err, errlen,
                   "%s: B does not vanish on the face %s = %s (%g): B = %.6g at %s; a hard "
                   "constraint u = A + B N needs B = 0 on every face but t = hi",
                   s->B[o].where, s->inputs[a], side ? "hi" : "lo", side ? s->hi[a] : s->lo[a], v,
                   at);
          return PF_ERR_CONFIG;
        }
      }
    }
  return PF_OK;
}

/* ------------------------------------------------------------------ the canonical text */

static void put_double(char *buf, size_t len, double x) {
  snprintf(buf, len, "%.17g", x);
  if (!strpbrk(buf, ".eninf")) strncat(buf, ".0", len - strlen(buf) - 1);
}

typedef struct {
  char *buf;
  size_t len, cap;
  int fail;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->fail) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->fail = 1;
      return;
    }
    if (b->buf && b->len + (size_t)k < b->cap) {
      b->len += (size_t)k;
      return;
    }
    size_t cap = 2 * (b->cap + (size_t)k + 64);
    char *nb = realloc(b->buf, cap);
    if (!nb) {
      b->fail = 1;
      return;
    }
    b->buf = nb;
    b->cap = cap;
  }
}

static char *canonical_text(const pf_pde_spec *s) {
  sbuf b = {0};
  char x[40], y[40];
  sb_printf(&b, "problem = {\n  name = \"%s\";\n  inputs = [", s->name);
  for (int j = 0; j < s->d; j++) sb_printf(&b, "%s\"%s\"", j ? ", " : "", s->inputs[j]);
  sb_printf(&b, "];\n  domain = (");
  for (int j = 0; j < s->d; j++) {
    put_double(x, sizeof x, s->lo[j]);
    put_double(y, sizeof y, s->hi[j]);
    sb_printf(&b, "%s[%s, %s]", j ? ", " : "", x, y);
  }
  sb_printf(&b, ");\n  outputs = [");
  for (int o = 0; o < s->m; o++) sb_printf(&b, "%s\"%s\"", o ? ", " : "", s->outputs[o]);
  sb_printf(&b, "];\n  coefficients = {");
  for (int j = 0; j < s->ncoef; j++) {
    put_double(x, sizeof x, s->coef_value[j]);
    sb_printf(&b, " %s = %s;", s->coef[j], x);
  }
  sb_printf(&b, "%s};\n  residuals = [", s->ncoef ? " " : "");
  for (int j = 0; j < s->k; j++) sb_printf(&b, "%s\"%s\"", j ? ", " : "", s->residual[j].text);
  sb_printf(&b, "];\n  weights = [");
  for (int j = 0; j < s->k; j++) {
    put_double(x, sizeof x, s->weight[j]);
    sb_printf(&b, "%s%s", j ? ", " : "", x);
  }
  sb_printf(&b, "];\n  constraints = (");
  for (int o = 0; o < s->m; o++) {
    if (!s->soft[o]) {
      sb_printf(&b, "%s{ A = \"%s\"; B = \"%s\"; }", o ? ", " : "", s->A[o].text, s->B[o].text);
      continue;
    }
    sb_printf(&b, "%s{ soft = (", o ? ", " : "");
    for (int c = 0, first = 1; c < s->ncond; c++) {
      if (s->cond[c].out != o) continue;
      sb_printf(&b, "%s{ face = \"%s\"; ", first ? " " : ", ", s->cond[c].face);
      if (s->cond[c].derivative) sb_printf(&b, "derivative = \"%s\"; ", s->cond[c].derivative);
      sb_printf(&b, "value = \"%s\"; }", s->cond[c].value.text);
      first = 0;
    }
    sb_printf(&b, " ); }");
  }
  sb_printf(&b, ");\n");
  if (s->reference[0].text) {
    sb_printf(&b, "  reference = [");
    for (int o = 0; o < s->m; o++) sb_printf(&b, "%s\"%s\"", o ? ", " : "", s->reference[o].text);
    sb_printf(&b, "];\n");
  }
  if (s->grid) sb_printf(&b, "  grid = \"%s\";\n", s->grid);
  sb_printf(&b, "  hidden = [");
  for (int l = 0; l < s->nhidden; l++) sb_printf(&b, "%s%d", l ? ", " : "", s->hidden[l]);
  sb_printf(&b, "];\n  initial_points = %d;\n};\n", s->initial_points);
  if (b.fail) {
    free(b.buf);
    return NULL;
  }
  return b.buf;
}

/* ------------------------------------------------------------------ define */

static void defined_free(defined *u) {
  if (!u) return;
  for (int w = 0; w < 3; w++) {
    pf_expr_prog_destroy(&u->prog_r[w]);
    free(u->root_off[w]);
    free(u->root_arr[w]);
  }
  pf_expr_prog_destroy(&u->prog_t);
  pf_expr_prog_destroy(&u->prog_exact);
  pf_expr_prog_destroy(&u->prog_rc);
  for (int c = 0; c < PF_PDE_MAX_COND; c++) pf_expr_prog_destroy(&u->prog_cond[c]);
  free(u->text);
  free(u);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return PF_ERR_CONFIG;
}

static int check_spec(const pf_pde_spec *s, char *err, size_t errlen) {
  const char *w = s->where_name ? s->where_name : "problem";
  if (!s->name || !name_ok(s->name, 2))
    return fail(err, errlen, "%s: name \"%s\"; allowed: letters, digits and _, at most 31", w,
                s->name ? s->name : "");
  if (s->d < 1 || s->d > PF_MAX_DIM)
    return fail(err, errlen, "%s: %d inputs; allowed: 1 .. %d", w, s->d, PF_MAX_DIM);
  if (s->m < 1 || s->m > PF_MAX_OUT)
    return fail(err, errlen, "%s: %d outputs; allowed: 1 .. %d", w, s->m, PF_MAX_OUT);
  if (s->k < 1 || s->k > PF_MAX_RES)
    return fail(err, errlen, "%s: %d residuals; allowed: 1 .. %d", w, s->k, PF_MAX_RES);
  if (s->ncoef < 0 || s->ncoef > PF_PDE_MAX_COEF)
    return fail(err, errlen, "%s: %d coefficients; allowed: at most %d", w, s->ncoef,
                PF_PDE_MAX_COEF);
  const char *all[PF_MAX_DIM + PF_MAX_OUT + PF_PDE_MAX_COEF];
  int na = 0;
  for (int j = 0; j < s->d; j++) {
    if (!name_ok(s->inputs[j], 1))
      return fail(err, errlen, "%s: input \"%s\"; allowed: one lower-case letter (x, y, z, t)", w,
                  s->inputs[j] ? s->inputs[j] : "");
    if (!(s->lo[j] < s->hi[j]) || !isfinite(s->lo[j]) || !isfinite(s->hi[j]))
      return fail(err, errlen, "%s: domain of %s is [%g, %g]; allowed: finite lo < hi", w,
                  s->inputs[j], s->lo[j], s->hi[j]);
    all[na++] = s->inputs[j];
  }
  for (int o = 0; o < s->m; o++) {
    if (!name_ok(s->outputs[o], 0))
      return fail(err, errlen, "%s: output \"%s\"; allowed: letters and digits (no '_')", w,
                  s->outputs[o] ? s->outputs[o] : "");
    all[na++] = s->outputs[o];
  }
  for (int j = 0; j < s->ncoef; j++) {
    if (!name_ok(s->coef[j], 2))
      return fail(err, errlen, "%s: coefficient \"%s\"; allowed: letters, digits and _", w,
                  s->coef[j] ? s->coef[j] : "");
    if (!isfinite(s->coef_value[j]))
      return fail(err, errlen, "%s: coefficient %s is not finite", w, s->coef[j]);
    all[na++] = s->coef[j];
  }
  for (int i = 0; i < na; i++) {
    if (reserved(all[i]))
      return fail(err, errlen, "%s: the name \"%s\" is reserved (pi and the functions)", w, all[i]);
    for (int j = 0; j < i; j++)
      if (!strcmp(all[i], all[j]))
        return fail(err, errlen,
                    "%s: the name \"%s\" is used twice (inputs, outputs and "
                    "coefficients need distinct names)",
                    w, all[i]);
  }
  for (int j = 0; j < s->k; j++)
    if (!(s->weight[j] > 0) || !isfinite(s->weight[j]))
      return fail(err, errlen, "%s: weight %d is %g; allowed: positive and finite", w, j,
                  s->weight[j]);
  if (!s->reference[0].text && !s->grid)
    return fail(err, errlen,
                "%s: no reference; allowed: reference = [\"closed form\", ...] (one "
                "per output) or grid = \"burgers\" / \"allen_cahn\" (their computed grids)",
                w);
  if (s->nhidden < 1 || s->nhidden > PF_PDE_MAX_HIDDEN || s->initial_points < 1)
    return fail(err, errlen, "%s: hidden (%d layers) or initial_points (%d) out of range", w,
                s->nhidden, s->initial_points);
  return PF_OK;
}

#define TRY(...)                                                                                   \
  do {                                                                                             \
    int try_rc_ = (__VA_ARGS__);                                                                   \
    if (try_rc_) return try_rc_;                                                                   \
  } while (0)
#define NODE(x)                                                                                    \
  do {                                                                                             \
    if ((x) < 0) PF_RAISE(PF_ERR_MEM, "cannot allocate expression nodes");                         \
  } while (0)

static void add_root(int *roots, int *arr, int *off, int *n, int node, int a, int o) {
  roots[*n] = node;
  arr[*n] = a;
  off[*n] = o;
  (*n)++;
}

/* The residual tapes: which = 0 r; 1 r and the nonzero dr; 2 also the nonzero d2r (both (a, b)
 * and (b, a)). */
static int residual_tapes(defined *u, pf_expr_pool *pool, const int *rnode) {
  const int k = u->k, nr = u->nread;
  const pf_pinn_ops *ops = &u->pde.ops;
  int *d1 = NULL, *d2 = NULL, *roots = NULL;
  const size_t max = (size_t)k * (1 + (size_t)nr + (size_t)nr * (size_t)nr);
  PF_CALL(PF_CALLOC((size_t)k * (size_t)nr, &d1));
  int rc = PF_CALLOC((size_t)k * (size_t)nr * (size_t)nr, &d2);
  if (!rc) rc = PF_CALLOC(max, &roots);
  for (int j = 0; !rc && j < k; j++)
    for (int a = 0; !rc && a < nr; a++) {
      const int va = u->qbase + ops->read[a].out * u->nj + ops->read[a].jet;
      const int da = pf_expr_diff(pool, rnode[j], va);
      if (da < 0) rc = PF_ERR_MEM;
      d1[j * nr + a] = da;
      for (int b = a; !rc && b < nr; b++) {
        const int vb = u->qbase + ops->read[b].out * u->nj + ops->read[b].jet;
        const int dab = pf_expr_diff(pool, da, vb);
        if (dab < 0) rc = PF_ERR_MEM;
        d2[(j * nr + a) * nr + b] = d2[(j * nr + b) * nr + a] = dab;
      }
    }
  for (int w = 0; !rc && w < 3; w++) {
    rc = PF_CALLOC(max, &u->root_off[w]);
    if (!rc) rc = PF_CALLOC(max, &u->root_arr[w]);
    if (rc) break;
    int n = 0;
    for (int j = 0; j < k; j++) add_root(roots, u->root_arr[w], u->root_off[w], &n, rnode[j], 0, j);
    for (int j = 0; w >= 1 && j < k; j++)
      for (int a = 0; a < nr; a++)
        if (!isc0(pool, d1[j * nr + a]))
          add_root(roots, u->root_arr[w], u->root_off[w], &n, d1[j * nr + a], 1, j * nr + a);
    for (int j = 0; w == 2 && j < k; j++)
      for (int a = 0; a < nr; a++)
        for (int b = 0; b < nr; b++)
          if (!isc0(pool, d2[(j * nr + a) * nr + b]))
            add_root(roots, u->root_arr[w], u->root_off[w], &n, d2[(j * nr + a) * nr + b], 2,
                     (j * nr + a) * nr + b);
    u->nroots_r[w] = n;
    rc = pf_expr_compile(pool, n, roots, &u->prog_r[w]);
  }
  PF_FREE(&d1);
  PF_FREE(&d2);
  PF_FREE(&roots);
  return rc;
}

/* The soft conditions of spec s into u->pde.cond and one tape per target: face "<input>=lo|hi",
 * an optional first derivative along one input, the target a formula of the inputs and
 * coefficients (a coefficient in a target cannot be trained: the targets are computed once). */
static int soft_conditions(const pf_pde_spec *s, defined *u, pf_expr_pool *pool, resolver_state *rs,
                           char *err, size_t errlen) {
  pf_pde *p = &u->pde;
  for (int c = 0; c < s->ncond; c++) {
    const char *face = s->cond[c].face;
    const char *eq = strchr(face, '=');
    int input = -1, side = -1;
    for (int j = 0; eq && j < s->d; j++)
      if (same(face, (size_t)(eq - face), s->inputs[j])) input = j;
    if (eq && !strcmp(eq + 1, "lo")) side = 0;
    if (eq && !strcmp(eq + 1, "hi")) side = 1;
    if (input < 0 || side < 0) {
      char list[160];
      size_t used = 0;
      list[0] = '\0';
      for (int j = 0; j < s->d && used < sizeof list; j++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s=lo, %s=hi", j ? ", " : "",
                                 s->inputs[j], s->inputs[j]);
      return fail(err, errlen, "%s: unknown face \"%s\"; allowed: %s",
                  s->cond[c].face_where ? s->cond[c].face_where : s->soft_where[s->cond[c].out],
                  face, list);
    }
    int jet = 0;
    if (s->cond[c].derivative) {
      int a = -1;
      for (int j = 0; j < s->d; j++)
        if (!strcmp(s->cond[c].derivative, s->inputs[j])) a = j;
      if (a < 0) {
        char list[96];
        size_t used = 0;
        list[0] = '\0';
        for (int j = 0; j < s->d && used < sizeof list; j++)
          used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                   s->inputs[j]);
        return fail(err, errlen,
                    "%s: \"%s\" is not an input; allowed: one input name (the condition is on "
                    "the first derivative along it): %s",
                    s->cond[c].derivative_where, s->cond[c].derivative, list);
      }
      jet = pf_jet_index(s->d, a, -1);
    }
    for (int e = 0; e < c; e++)
      if (p->cond[e].out == s->cond[c].out && p->cond[e].jet == jet && p->cond[e].input == input &&
          p->cond[e].side == side)
        return fail(err, errlen, "%s: a second condition on %s%s%s at %s; allowed: one each",
                    s->cond[c].face_where, s->outputs[s->cond[c].out], jet ? "_" : "",
                    jet ? s->cond[c].derivative : "", face);
    int v;
    TRY(parse_one(pool, &s->cond[c].value, rs, &v, err, errlen));
    for (int j = 0; j < s->ncoef; j++)
      if (pf_expr_uses(pool, v, s->d + j)) p->coef_in_transform[j] = 1;
    PF_CALL(pf_expr_compile(pool, 1, &v, &u->prog_cond[c]));
    p->cond[c].out = s->cond[c].out;
    p->cond[c].jet = jet;
    p->cond[c].input = input;
    p->cond[c].side = side;
  }
  p->ncond = s->ncond;
  return PF_OK;
}

static int build(const pf_pde_spec *s, defined *u, pf_expr_pool *pool, char *err, size_t errlen) {
  const int d = s->d, m = s->m, k = s->k, nj = pf_jet_count(d);
  u->d = d, u->m = m, u->k = k, u->nj = nj, u->ncoef = s->ncoef;
  u->qbase = d + s->ncoef;
  resolver_state rs = {.s = s, .u = u, .kind = SYM_RESIDUAL};
  int rnode[PF_MAX_RES];
  for (int j = 0; j < k; j++) TRY(parse_one(pool, &s->residual[j], &rs, &rnode[j], err, errlen));
  /* the read list: the quantities used, by output then jet position */
  pf_pinn_ops *ops = &u->pde.ops;
  int nread = 0;
  for (int o = 0; o < m; o++) {
    int any = 0;
    for (int c = 0; c < nj; c++)
      if (rs.used[o * nj + c]) {
        if (nread == PF_MAX_READ)
          return fail(err, errlen, "%s: the residuals read more than %d quantities",
                      s->residual[0].where, PF_MAX_READ);
        ops->read[nread++] = (pf_read){o, c};
        any = 1;
      }
    if (!any)
      return fail(err, errlen,
                  "%s: output %s is never read by a residual (its network output would be "
                  "untrained); allowed: every output in some residual",
                  s->residual[0].where, s->outputs[o]);
  }
  u->nread = nread;
  for (int j = 0; j < k; j++) {
    int linear_in_nothing = 1;
    for (int a = 0; a < nread; a++)
      if (pf_expr_uses(pool, rnode[j], u->qbase + ops->read[a].out * nj + ops->read[a].jet))
        linear_in_nothing = 0;
    if (linear_in_nothing)
      return fail(err, errlen, "%s: the residual reads no output (nothing to train)",
                  s->residual[j].where);
  }
  ops->d = d, ops->m = m, ops->k = k, ops->nread = nread;
  for (int j = 0; j < k; j++) ops->weight[j] = s->weight[j];
  /* constraints: the full input jets of A and B */
  rs.kind = SYM_INPUTS;
  int troots[2 * PF_MAX_OUT * NJMAX];
  const int per = m * nj;
  for (int o = 0; o < m; o++)
    for (int which = 0; which < 2; which++) {
      const pf_pde_formula *f = which ? &s->B[o] : &s->A[o];
      int v;
      TRY(parse_one(pool, f, &rs, &v, err, errlen));
      if (which && !s->soft[o]) TRY(check_faces(pool, s, o, v, err, errlen));
      for (int c = 0; c < s->ncoef; c++)
        if (pf_expr_uses(pool, v, d + c)) u->pde.coef_in_transform[c] = 1;
      int *jet = troots + which * per + o * nj;
      jet[0] = v;
      for (int a = 0; a < d; a++) {
        const int da = pf_expr_diff(pool, v, a);
        NODE(da);
        jet[1 + a] = da;
        for (int b = a; b < d; b++) {
          const int dab = pf_expr_diff(pool, da, b);
          NODE(dab);
          jet[pf_jet_index(d, a, b)] = dab;
        }
      }
    }
  PF_CALL(pf_expr_compile(pool, 2 * per, troots, &u->prog_t));
  TRY(soft_conditions(s, u, pool, &rs, err, errlen));
  if (s->reference[0].text) {
    int eroots[PF_MAX_OUT];
    for (int o = 0; o < m; o++) {
      if (!s->reference[o].text)
        return fail(err, errlen, "%s: %d reference formulas for %d outputs", s->reference[0].where,
                    o, m);
      TRY(parse_one(pool, &s->reference[o], &rs, &eroots[o], err, errlen));
    }
    PF_CALL(pf_expr_compile(pool, m, eroots, &u->prog_exact));
  }
  if (s->grid) {
    const pf_pde *g = pf_pde_find(s->grid);
    if (!g || !g->grid || g->text)
      return fail(err, errlen,
                  "%s: grid = \"%s\"; allowed: burgers, allen_cahn (the built-in "
                  "problems with a computed reference)",
                  s->where_name ? s->where_name : "problem", s->grid);
    if (d != 2 || m != 1)
      return fail(err, errlen, "%s: a grid reference needs inputs (x, t) and one output",
                  s->where_name ? s->where_name : "problem");
    u->grid_base = g;
    for (int j = 0; j < g->ncoef; j++) {
      u->grid_coef[j] = -1;
      for (int c = 0; c < s->ncoef; c++)
        if (!strcmp(s->coef[c], g->coef[j].name)) u->grid_coef[j] = c;
    }
  }
  TRY(residual_tapes(u, pool, rnode));
  /* d r_j / d coef_c, exact (trainable coefficients) */
  int rcroots[PF_MAX_RES * PF_PDE_MAX_COEF];
  for (int j = 0; j < k; j++)
    for (int c = 0; c < s->ncoef; c++) {
      const int dc = pf_expr_diff(pool, rnode[j], d + c);
      NODE(dc);
      rcroots[j * s->ncoef + c] = dc;
    }
  if (k * s->ncoef > 0) PF_CALL(pf_expr_compile(pool, k * s->ncoef, rcroots, &u->prog_rc));
  return PF_OK;
}

int pf_pde_define(const pf_pde_spec *s, const pf_pde **pde, char *err, size_t errlen) {
  PF_CHECK(s && pde && err && errlen, PF_ERR_ARG, "pf_pde_define: null argument");
  *pde = NULL;
  err[0] = '\0';
  TRY(check_spec(s, err, errlen));
  char *text = canonical_text(s);
  PF_CHECK(text, PF_ERR_MEM, "cannot allocate a problem's text");
  for (const defined *q = defined_list; q; q = q->next)
    if (!strcmp(q->pde.name, s->name)) {
      const int eq = !strcmp(q->text, text);
      free(text);
      if (eq) {
        *pde = &q->pde;
        return PF_OK;
      }
      return fail(err, errlen, "%s: name \"%s\" is taken by another problem defined in this run",
                  s->where_name ? s->where_name : "problem", s->name);
    }
  for (int i = 0; i < pf_pde_count(); i++)
    if (!strcmp(pf_pde_at(i)->name, s->name)) {
      free(text);
      return fail(err, errlen, "%s: name \"%s\" is a built-in problem's; allowed: another name",
                  s->where_name ? s->where_name : "problem", s->name);
    }
  defined *u = calloc(1, sizeof *u);
  pf_expr_pool *pool = NULL;
  int rc = u ? pf_expr_pool_create(&pool) : PF_ERR_MEM;
  if (u)
    u->text = text;
  else
    free(text);
  if (!rc) rc = build(s, u, pool, err, errlen);
  pf_expr_pool_destroy(&pool);
  if (rc) {
    defined_free(u);
    return rc == PF_ERR_CONFIG ? rc : pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  /* names and the table */
  int nn = 0;
  pf_pde *p = &u->pde;
  snprintf(u->names[nn], sizeof u->names[nn], "%s", s->name);
  p->name = u->names[nn++];
  for (int j = 0; j < s->d; j++) {
    snprintf(u->names[nn], sizeof u->names[nn], "%s", s->inputs[j]);
    p->inputs[j] = u->names[nn++];
    p->lo[j] = s->lo[j];
    p->hi[j] = s->hi[j];
  }
  for (int o = 0; o < s->m; o++) {
    snprintf(u->names[nn], sizeof u->names[nn], "%s", s->outputs[o]);
    p->outputs[o] = u->names[nn++];
  }
  for (int j = 0; j < s->ncoef; j++) {
    snprintf(u->names[nn], sizeof u->names[nn], "%s", s->coef[j]);
    p->coef[j] = (pf_pde_coef){u->names[nn++], "coefficient", -DBL_MAX, DBL_MAX};
    u->ctx.coef[j] = s->coef_value[j];
  }
  for (int j = 0; j < s->k; j++) {
    snprintf(u->names[nn], sizeof u->names[nn], s->k == 1 ? "r" : "r%d", j + 1);
    p->components[j] = u->names[nn++];
  }
  size_t used = 0;
  for (int j = 0; j < s->k && used < sizeof u->residual_text; j++)
    used += (size_t)snprintf(u->residual_text + used, sizeof u->residual_text - used, "%s%s",
                             j ? "; " : "", s->residual[j].text);
  p->residual = u->residual_text;
  p->ncoef = s->ncoef;
  p->nhidden = s->nhidden;
  memcpy(p->hidden, s->hidden, sizeof(int) * (size_t)s->nhidden);
  p->initial_points = s->initial_points;
  p->ops.transform = transform;
  p->ops.residual = residual;
  u->ctx.data = u;
  p->ops.ctx = &u->ctx;
  p->exact = u->prog_exact ? exact : NULL;
  p->residual_coef = residual_coef;
  p->cond_target = p->ncond ? cond_target : NULL;
  if (u->grid_base) {
    p->grid = grid;
    p->grid_nx = u->grid_base->grid_nx;
    p->grid_nt = u->grid_base->grid_nt;
  }
  p->text = u->text;
  rc = pf_pinn_ops_check(&p->ops);
  if (rc) {
    defined_free(u);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  u->next = defined_list;
  defined_list = u;
  *pde = p;
  return PF_OK;
}
