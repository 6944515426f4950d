/* Formulas: a hash-consed node pool with simplifying constructors, a recursive-descent parser,
 * symbolic derivatives, and a flat tape evaluated over chunks of points (expr.h says why not a
 * library's one-point evaluator). */
#include "pinnfluence/expr.h"

#include "pinnfluence/core.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI_ 3.14159265358979323846

typedef enum {
  OP_CONST,
  OP_VAR,
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_DIV,
  OP_NEG,
  OP_POWI, /* a ^ k, k = ival an integer */
  OP_POW,  /* pow(a, b) */
  OP_SIN,
  OP_COS,
  OP_EXP,
  OP_LOG,
  OP_TANH,
  OP_SQRT,
  OP_ABS,
  OP_SIGN /* derivative of abs */
} op_kind;

typedef struct {
  int op, a, b, ival; /* ival: OP_VAR the variable, OP_POWI the exponent */
  double c;           /* OP_CONST */
} node;

struct pf_expr_pool {
  node *n;
  int len, cap;
  int *hash; /* open addressing, node index + 1, hcap slots */
  int hcap;
};

static uint64_t node_hash(const node *x) {
  uint64_t bits;
  memcpy(&bits, &x->c, sizeof bits);
  uint64_t h = (uint64_t)x->op * 0x9E3779B97F4A7C15ull;
  h ^= ((uint64_t)(uint32_t)x->a + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
  h ^= ((uint64_t)(uint32_t)x->b + 0x8CB92BA72F3D8DD7ull) * 0x94D049BB133111EBull;
  h ^= ((uint64_t)(uint32_t)x->ival) * 0xD6E8FEB86659FD93ull;
  h ^= bits * 0xA0761D6478BD642Full;
  return h ^ (h >> 29);
}

static int node_eq(const node *x, const node *y) {
  return x->op == y->op && x->a == y->a && x->b == y->b && x->ival == y->ival &&
         !memcmp(&x->c, &y->c, sizeof x->c);
}

static int rehash(pf_expr_pool *p, int hcap) {
  int *h = calloc((size_t)hcap, sizeof *h);
  if (!h) return -1;
  for (int i = 0; i < p->len; i++) {
    size_t s = (size_t)(node_hash(&p->n[i]) & (uint64_t)(hcap - 1));
    while (h[s]) s = (s + 1) & (size_t)(hcap - 1);
    h[s] = i + 1;
  }
  free(p->hash);
  p->hash = h;
  p->hcap = hcap;
  return 0;
}

/* The node equal to x, added if new; -1 on allocation failure or a failed operand. */
static int intern(pf_expr_pool *p, node x) {
  if (x.a < -1 || x.b < -1) return -1;
  if (2 * (p->len + 1) > p->hcap && rehash(p, p->hcap ? 2 * p->hcap : 256)) return -1;
  size_t s = (size_t)(node_hash(&x) & (uint64_t)(p->hcap - 1));
  while (p->hash[s]) {
    if (node_eq(&p->n[p->hash[s] - 1], &x)) return p->hash[s] - 1;
    s = (s + 1) & (size_t)(p->hcap - 1);
  }
  if (p->len == p->cap) {
    int cap = p->cap ? 2 * p->cap : 256;
    node *nn = realloc(p->n, (size_t)cap * sizeof *nn);
    if (!nn) return -1;
    p->n = nn;
    p->cap = cap;
  }
  p->n[p->len] = x;
  p->hash[s] = p->len + 1;
  return p->len++;
}

int pf_expr_pool_create(pf_expr_pool **pool) {
  PF_CHECK(pool, PF_ERR_ARG, "pf_expr_pool_create: null argument");
  *pool = calloc(1, sizeof **pool);
  PF_CHECK(*pool, PF_ERR_MEM, "cannot allocate an expression pool");
  return PF_OK;
}

int pf_expr_pool_destroy(pf_expr_pool **pool) {
  if (pool && *pool) {
    free((*pool)->n);
    free((*pool)->hash);
    free(*pool);
    *pool = NULL;
  }
  return PF_OK;
}

/* ------------------------------------------------------------------ constructors */

int pf_expr_const(pf_expr_pool *p, double c) {
  if (c == 0) c = 0; /* -0 and 0 are one node */
  return intern(p, (node){.op = OP_CONST, .a = -1, .b = -1, .c = c});
}

int pf_expr_var(pf_expr_pool *p, int var) {
  return intern(p, (node){.op = OP_VAR, .a = -1, .b = -1, .ival = var});
}

int pf_expr_is_const(const pf_expr_pool *p, int i, double *c) {
  if (i < 0 || p->n[i].op != OP_CONST) return 0;
  if (c) *c = p->n[i].c;
  return 1;
}

static int isc(const pf_expr_pool *p, int i, double v) {
  double c;
  return pf_expr_is_const(p, i, &c) && c == v;
}

static int mk(pf_expr_pool *p, int op, int a, int b) {
  return intern(p, (node){.op = op, .a = a, .b = b});
}

static int mk_neg(pf_expr_pool *p, int a) {
  double c;
  if (a < 0) return -1;
  if (pf_expr_is_const(p, a, &c)) return pf_expr_const(p, -c);
  if (p->n[a].op == OP_NEG) return p->n[a].a;
  return mk(p, OP_NEG, a, -1);
}

static int mk_add(pf_expr_pool *p, int a, int b) {
  double x, y;
  if (a < 0 || b < 0) return -1;
  if (pf_expr_is_const(p, a, &x) && pf_expr_is_const(p, b, &y)) return pf_expr_const(p, x + y);
  if (isc(p, a, 0)) return b;
  if (isc(p, b, 0)) return a;
  if (p->n[b].op == OP_NEG) return mk(p, OP_SUB, a, p->n[b].a);
  return mk(p, OP_ADD, a, b);
}

static int mk_sub(pf_expr_pool *p, int a, int b) {
  double x, y;
  if (a < 0 || b < 0) return -1;
  if (pf_expr_is_const(p, a, &x) && pf_expr_is_const(p, b, &y)) return pf_expr_const(p, x - y);
  if (isc(p, b, 0)) return a;
  if (isc(p, a, 0)) return mk_neg(p, b);
  if (a == b) return pf_expr_const(p, 0);
  if (p->n[b].op == OP_NEG) return mk_add(p, a, p->n[b].a);
  return mk(p, OP_SUB, a, b);
}

static int mk_mul(pf_expr_pool *p, int a, int b) {
  double x, y;
  if (a < 0 || b < 0) return -1;
  /* a constant factor goes first (a * b == b * a exactly) */
  if (pf_expr_is_const(p, b, NULL) && !pf_expr_is_const(p, a, NULL)) {
    int s = a;
    a = b;
    b = s;
  }
  if (pf_expr_is_const(p, a, &x)) {
    if (pf_expr_is_const(p, b, &y)) return pf_expr_const(p, x * y);
    if (x == 0) return pf_expr_const(p, 0);
    if (x == 1) return b;
    if (x == -1) return mk_neg(p, b);
    /* c1 * (c2 * e) = (c1 c2) * e: reassociates, but derivatives gather their constants */
    if (p->n[b].op == OP_MUL && pf_expr_is_const(p, p->n[b].a, &y))
      return mk_mul(p, pf_expr_const(p, x * y), p->n[b].b);
    if (p->n[b].op == OP_NEG) return mk_mul(p, pf_expr_const(p, -x), p->n[b].a);
  }
  if (p->n[a].op == OP_NEG && p->n[b].op == OP_NEG) return mk_mul(p, p->n[a].a, p->n[b].a);
  if (p->n[a].op == OP_NEG) return mk_neg(p, mk_mul(p, p->n[a].a, b));
  if (p->n[b].op == OP_NEG) return mk_neg(p, mk_mul(p, a, p->n[b].a));
  return mk(p, OP_MUL, a, b);
}

static int mk_div(pf_expr_pool *p, int a, int b) {
  double x, y;
  if (a < 0 || b < 0) return -1;
  if (pf_expr_is_const(p, a, &x) && pf_expr_is_const(p, b, &y) && y != 0)
    return pf_expr_const(p, x / y);
  if (isc(p, a, 0)) return a;
  if (isc(p, b, 1)) return a;
  if (isc(p, b, -1)) return mk_neg(p, a);
  if (p->n[a].op == OP_NEG) return mk_neg(p, mk_div(p, p->n[a].a, b));
  return mk(p, OP_DIV, a, b);
}

static int mk_powi(pf_expr_pool *p, int a, int k) {
  double x;
  if (a < 0) return -1;
  if (k == 0) return pf_expr_const(p, 1);
  if (k == 1) return a;
  if (pf_expr_is_const(p, a, &x)) return pf_expr_const(p, pow(x, k));
  if (p->n[a].op == OP_POWI && abs(p->n[a].ival) < 64 && abs(k) < 64)
    return mk_powi(p, p->n[a].a, p->n[a].ival * k);
  return intern(p, (node){.op = OP_POWI, .a = a, .b = -1, .ival = k});
}

static int mk_pow(pf_expr_pool *p, int a, int b) {
  double x, y;
  if (a < 0 || b < 0) return -1;
  if (pf_expr_is_const(p, b, &y)) {
    if (y == rint(y) && fabs(y) <= 64) return mk_powi(p, a, (int)y);
    if (pf_expr_is_const(p, a, &x)) return pf_expr_const(p, pow(x, y));
  }
  return mk(p, OP_POW, a, b);
}

static double fn1(int op, double x) {
  switch (op) {
  case OP_SIN:
    return sin(x);
  case OP_COS:
    return cos(x);
  case OP_EXP:
    return exp(x);
  case OP_LOG:
    return log(x);
  case OP_TANH:
    return tanh(x);
  case OP_SQRT:
    return sqrt(x);
  case OP_ABS:
    return fabs(x);
  default:
    return x > 0 ? 1 : x < 0 ? -1 : 0;
  }
}

static int mk_fn(pf_expr_pool *p, int op, int a) {
  double x;
  if (a < 0) return -1;
  if (pf_expr_is_const(p, a, &x)) return pf_expr_const(p, fn1(op, x));
  return mk(p, op, a, -1);
}

/* ------------------------------------------------------------------ derivatives */

/* Memoised per (node, var) within one call: a derivative DAG is as shared as its formula. */
typedef struct {
  int *memo; /* (len) derivative node + 1, 0 unknown */
  int var;
} dstate;

static int diff_rec(pf_expr_pool *p, dstate *s, int i) {
  if (i < 0) return -1;
  if (s->memo[i]) return s->memo[i] - 1;
  const node x = p->n[i];
  int r;
  int da = x.a >= 0 ? diff_rec(p, s, x.a) : -1, db = x.b >= 0 ? diff_rec(p, s, x.b) : -1;
  if ((x.a >= 0 && da < 0) || (x.b >= 0 && db < 0)) return -1;
  switch (x.op) {
  case OP_CONST:
    r = pf_expr_const(p, 0);
    break;
  case OP_VAR:
    r = pf_expr_const(p, x.ival == s->var ? 1 : 0);
    break;
  case OP_ADD:
    r = mk_add(p, da, db);
    break;
  case OP_SUB:
    r = mk_sub(p, da, db);
    break;
  case OP_NEG:
    r = mk_neg(p, da);
    break;
  case OP_MUL:
    r = mk_add(p, mk_mul(p, da, x.b), mk_mul(p, x.a, db));
    break;
  case OP_DIV: /* a'/b - a b' / b^2 */
    r = mk_sub(p, mk_div(p, da, x.b), mk_div(p, mk_mul(p, x.a, db), mk_powi(p, x.b, 2)));
    break;
  case OP_POWI: /* k a^(k-1) a' */
    r = mk_mul(p, mk_mul(p, pf_expr_const(p, x.ival), mk_powi(p, x.a, x.ival - 1)), da);
    break;
  case OP_POW: /* a^b (b' log a + b a'/a) */
    r = mk_mul(p, i,
               mk_add(p, mk_mul(p, db, mk_fn(p, OP_LOG, x.a)), mk_div(p, mk_mul(p, x.b, da), x.a)));
    break;
  case OP_SIN:
    r = mk_mul(p, mk_fn(p, OP_COS, x.a), da);
    break;
  case OP_COS:
    r = mk_neg(p, mk_mul(p, mk_fn(p, OP_SIN, x.a), da));
    break;
  case OP_EXP:
    r = mk_mul(p, i, da);
    break;
  case OP_LOG:
    r = mk_div(p, da, x.a);
    break;
  case OP_TANH:
    r = mk_mul(p, mk_sub(p, pf_expr_const(p, 1), mk_powi(p, i, 2)), da);
    break;
  case OP_SQRT:
    r = mk_div(p, da, mk_mul(p, pf_expr_const(p, 2), i));
    break;
  case OP_ABS:
    r = mk_mul(p, mk_fn(p, OP_SIGN, x.a), da);
    break;
  default:
    r = pf_expr_const(p, 0);
    break; /* sign: 0 almost everywhere */
  }
  if (r < 0) return -1;
  /* the pool may have grown: memo covers the nodes that existed at the start */
  s->memo[i] = r + 1;
  return r;
}

int pf_expr_diff(pf_expr_pool *p, int node_i, int var) {
  if (node_i < 0 || node_i >= p->len) return -1;
  dstate s = {.memo = calloc((size_t)node_i + 1, sizeof(int)), .var = var};
  if (!s.memo) return -1;
  int r = diff_rec(p, &s, node_i);
  free(s.memo);
  return r;
}

int pf_expr_uses(const pf_expr_pool *p, int i, int var) {
  if (i < 0) return 0;
  const node *x = &p->n[i];
  if (x->op == OP_VAR) return x->ival == var;
  return pf_expr_uses(p, x->a, var) || pf_expr_uses(p, x->b, var);
}

static double apply(int op, double a, double b, int k, double c) {
  switch (op) {
  case OP_CONST:
    return c;
  case OP_ADD:
    return a + b;
  case OP_SUB:
    return a - b;
  case OP_MUL:
    return a * b;
  case OP_DIV:
    return a / b;
  case OP_NEG:
    return -a;
  case OP_POW:
    return pow(a, b);
  case OP_POWI: {
    double r = a;
    for (int j = 1; j < abs(k); j++) r *= a;
    return k < 0 ? 1 / r : r;
  }
  default:
    return fn1(op, a);
  }
}

double pf_expr_eval1(const pf_expr_pool *p, int i, const double *vars) {
  const node *x = &p->n[i];
  if (x->op == OP_VAR) return vars[x->ival];
  const double a = x->a >= 0 ? pf_expr_eval1(p, x->a, vars) : 0;
  const double b = x->b >= 0 ? pf_expr_eval1(p, x->b, vars) : 0;
  return apply(x->op, a, b, x->ival, x->c);
}

/* ------------------------------------------------------------------ parser */

typedef struct {
  pf_expr_pool *pool;
  const char *s, *cur;
  pf_expr_resolver resolve;
  void *user;
  int errcol;
  char *msg;
  size_t mlen;
} parser;

static int perr(parser *ps, const char *at, const char *fmt, const char *arg) {
  if (ps->errcol) return -1;
  ps->errcol = (int)(at - ps->s) + 1;
  snprintf(ps->msg, ps->mlen, fmt, arg);
  return -1;
}

/* blanks only: a formula is one line (it is written back into the canonical text as it is) */
static void skip(parser *ps) {
  while (*ps->cur == ' ' || *ps->cur == '\t') ps->cur++;
}

static int expr_p(parser *ps);

static const struct {
  const char *name;
  int op;
} funcs[] = {{"sin", OP_SIN},   {"cos", OP_COS},   {"exp", OP_EXP}, {"log", OP_LOG},
             {"tanh", OP_TANH}, {"sqrt", OP_SQRT}, {"abs", OP_ABS}, {"pow", OP_POW}};

static int primary(parser *ps) {
  skip(ps);
  const char *at = ps->cur;
  if (*at == '(') {
    ps->cur++;
    int r = expr_p(ps);
    if (r < 0) return -1;
    skip(ps);
    if (*ps->cur != ')') return perr(ps, ps->cur, "expected ')' to close the '(' here%s", "");
    ps->cur++;
    return r;
  }
  if (isdigit((unsigned char)*at) || (*at == '.' && isdigit((unsigned char)at[1]))) {
    char *end;
    double v = strtod(at, &end);
    if (isalpha((unsigned char)*end) || *end == '_')
      return perr(ps, end, "a number followed by a name; write a '*' between them%s", "");
    ps->cur = end;
    return pf_expr_const(ps->pool, v);
  }
  if (isalpha((unsigned char)*at) || *at == '_') {
    const char *e = at;
    while (isalnum((unsigned char)*e) || *e == '_') e++;
    size_t len = (size_t)(e - at);
    ps->cur = e;
    skip(ps);
    if (*ps->cur == '(') {
      for (size_t f = 0; f < sizeof funcs / sizeof funcs[0]; f++) {
        if (strlen(funcs[f].name) != len || strncmp(funcs[f].name, at, len)) continue;
        ps->cur++;
        int a = expr_p(ps), b = -1;
        if (a < 0) return -1;
        skip(ps);
        if (funcs[f].op == OP_POW) {
          if (*ps->cur != ',') return perr(ps, ps->cur, "pow takes two arguments: pow(a, b)%s", "");
          ps->cur++;
          if ((b = expr_p(ps)) < 0) return -1;
          skip(ps);
        }
        if (*ps->cur != ')')
          return perr(ps, ps->cur,
                      *ps->cur == ',' ? "too many arguments: %s takes one"
                                      : "expected ')' after the argument of %s",
                      funcs[f].name);
        ps->cur++;
        return funcs[f].op == OP_POW ? mk_pow(ps->pool, a, b) : mk_fn(ps->pool, funcs[f].op, a);
      }
      char nm[64];
      snprintf(nm, sizeof nm, "%.*s", (int)(len < 40 ? len : 40), at);
      return perr(ps, at,
                  "unknown function \"%s\"; allowed: sin, cos, exp, log, tanh, sqrt, abs, pow", nm);
    }
    if (len == 2 && !strncmp(at, "pi", 2)) return pf_expr_const(ps->pool, PI_);
    char why[256] = "";
    int v = ps->resolve(ps->user, at, len, why, sizeof why);
    if (v < 0) return perr(ps, at, "%s", why);
    return pf_expr_var(ps->pool, v);
  }
  if (!*at) return perr(ps, at, "the formula ends where a value is expected%s", "");
  char c[8] = {*at, 0};
  if (!isprint((unsigned char)*at)) snprintf(c, sizeof c, "\\x%02x", (unsigned)(unsigned char)*at);
  return perr(ps, at, "unexpected '%s' where a value is expected", c);
}

static int unary(parser *ps);

/* primary ('^' unary)?: right-associative, -x^2 = -(x^2), x^-1 allowed */
static int power(parser *ps) {
  int a = primary(ps);
  if (a < 0) return -1;
  skip(ps);
  if (*ps->cur != '^') return a;
  ps->cur++;
  int b = unary(ps);
  if (b < 0) return -1;
  return mk_pow(ps->pool, a, b);
}

static int unary(parser *ps) {
  skip(ps);
  if (*ps->cur == '-') {
    ps->cur++;
    return mk_neg(ps->pool, unary(ps));
  }
  if (*ps->cur == '+') {
    ps->cur++;
    return unary(ps);
  }
  return power(ps);
}

static int term(parser *ps) {
  int a = unary(ps);
  while (a >= 0) {
    skip(ps);
    const char c = *ps->cur;
    if (c != '*' && c != '/') break;
    ps->cur++;
    skip(ps);
    if (*ps->cur == '*' || *ps->cur == '/')
      return perr(ps, ps->cur, "'%s' after an operator (no ** or //; powers are written ^)",
                  *ps->cur == '*' ? "*" : "/");
    int b = unary(ps);
    a = c == '*' ? mk_mul(ps->pool, a, b) : mk_div(ps->pool, a, b);
  }
  return a;
}

static int expr_p(parser *ps) {
  int a = term(ps);
  while (a >= 0) {
    skip(ps);
    const char c = *ps->cur;
    if (c != '+' && c != '-') break;
    ps->cur++;
    int b = term(ps);
    a = c == '+' ? mk_add(ps->pool, a, b) : mk_sub(ps->pool, a, b);
  }
  return a;
}

int pf_expr_parse(pf_expr_pool *pool, const char *text, pf_expr_resolver resolve, void *user,
                  int *out, int *col, char *msg, size_t mlen) {
  PF_CHECK(pool && text && resolve && out && col && msg && mlen, PF_ERR_ARG,
           "pf_expr_parse: null argument");
  parser ps = {.pool = pool,
               .s = text,
               .cur = text,
               .resolve = resolve,
               .user = user,
               .msg = msg,
               .mlen = mlen};
  msg[0] = '\0';
  *col = 0;
  *out = -1;
  int r = expr_p(&ps);
  if (r >= 0) {
    skip(&ps);
    if (*ps.cur) {
      const char c = *ps.cur;
      if (isalnum((unsigned char)c) || c == '_' || c == '(' || c == '.')
        r = perr(&ps, ps.cur, "a value follows a value; write the operator (e.g. '*')%s", "");
      else if (c == ')')
        r = perr(&ps, ps.cur, "unmatched ')'%s", "");
      else {
        char cc[8] = {c, 0};
        if (!isprint((unsigned char)c))
          snprintf(cc, sizeof cc, "\\x%02x", (unsigned)(unsigned char)c);
        r = perr(&ps, ps.cur, "unexpected '%s'", cc);
      }
    }
  }
  if (r < 0 && !ps.errcol) PF_RAISE(PF_ERR_MEM, "cannot allocate expression nodes");
  if (r < 0) {
    *col = ps.errcol;
    return PF_ERR_CONFIG;
  }
  *out = r;
  return PF_OK;
}

static int no_symbols(void *user, const char *name, size_t len, char *msg, size_t mlen) {
  (void)user;
  snprintf(msg, mlen, "\"%.*s\": a constant formula has no symbols but pi", (int)len, name);
  return -1;
}

int pf_expr_constant(const char *text, double *value, int *col, char *msg, size_t mlen) {
  pf_expr_pool *pool = NULL;
  PF_CALL(pf_expr_pool_create(&pool));
  int root = -1;
  int rc = pf_expr_parse(pool, text, no_symbols, NULL, &root, col, msg, mlen);
  if (!rc) *value = pf_expr_eval1(pool, root, NULL);
  pf_expr_pool_destroy(&pool);
  return rc;
}

/* ------------------------------------------------------------------ tape */

#define CHUNK 64 /* points per pass over the tape: its slots stay in L1/L2 */

typedef struct {
  int op, a, b, ival; /* a, b: slot indices */
  double c;
} instr;

struct pf_expr_prog {
  int n;       /* instructions = slots */
  instr *code; /* (n) in dependency order */
  int nroots;
  int *root; /* (nroots) slot of each root */
};

int pf_expr_compile(const pf_expr_pool *p, int nroots, const int *roots, pf_expr_prog **prog) {
  PF_CHECK(p && prog && nroots >= 0 && (nroots == 0 || roots), PF_ERR_ARG,
           "pf_expr_compile: bad argument");
  *prog = NULL;
  /* node ids grow with dependencies (a node is interned after its operands), so the reachable
   * nodes in increasing id order are a valid evaluation order */
  int maxid = -1;
  for (int r = 0; r < nroots; r++) {
    PF_CHECK(roots[r] >= 0 && roots[r] < p->len, PF_ERR_ARG, "pf_expr_compile: bad root %d",
             roots[r]);
    if (roots[r] > maxid) maxid = roots[r];
  }
  int *slot = NULL;
  pf_expr_prog *g = NULL;
  PF_CALL(PF_CALLOC(maxid + 2, &slot));
  int rc = PF_CALLOC(1, &g);
  if (!rc) {
    for (int r = 0; r < nroots; r++) slot[roots[r]] = 1;
    for (int i = maxid; i >= 0; i--)
      if (slot[i]) {
        if (p->n[i].a >= 0) slot[p->n[i].a] = 1;
        if (p->n[i].b >= 0) slot[p->n[i].b] = 1;
      }
    int n = 0;
    for (int i = 0; i <= maxid; i++) n += slot[i];
    rc = PF_CALLOC(n > 0 ? n : 1, &g->code);
    if (!rc) rc = PF_CALLOC(nroots > 0 ? nroots : 1, &g->root);
    if (!rc) {
      int k = 0;
      for (int i = 0; i <= maxid; i++) {
        if (!slot[i]) continue;
        const node *x = &p->n[i];
        g->code[k] = (instr){.op = x->op,
                             .a = x->a >= 0 ? slot[x->a] - 1 : -1,
                             .b = x->b >= 0 ? slot[x->b] - 1 : -1,
                             .ival = x->ival,
                             .c = x->c};
        slot[i] = ++k; /* slot + 1 from here on */
      }
      g->n = n;
      g->nroots = nroots;
      for (int r = 0; r < nroots; r++) g->root[r] = slot[roots[r]] - 1;
    }
  }
  PF_FREE(&slot);
  if (rc) {
    pf_expr_prog_destroy(&g);
    PF_RAISE(rc, "cannot allocate an expression tape");
  }
  *prog = g;
  return PF_OK;
}

int pf_expr_prog_destroy(pf_expr_prog **prog) {
  if (prog && *prog) {
    free((*prog)->code);
    free((*prog)->root);
    free(*prog);
    *prog = NULL;
  }
  return PF_OK;
}

int pf_expr_prog_size(const pf_expr_prog *prog) {
  return prog ? prog->n : 0;
}

/* One instruction over m <= CHUNK points; w the slot array (n, CHUNK). */
static void run_instr(const instr *in, double *restrict y, const double *restrict a,
                      const double *restrict b, size_t m, const pf_expr_bind *bind, size_t first) {
  switch (in->op) {
  case OP_CONST:
    for (size_t i = 0; i < m; i++) y[i] = in->c;
    break;
  case OP_VAR: {
    const pf_expr_bind *v = &bind[in->ival];
    for (size_t i = 0; i < m; i++) y[i] = v->p[(first + i) * v->stride];
    break;
  }
  case OP_ADD:
    for (size_t i = 0; i < m; i++) y[i] = a[i] + b[i];
    break;
  case OP_SUB:
    for (size_t i = 0; i < m; i++) y[i] = a[i] - b[i];
    break;
  case OP_MUL:
    for (size_t i = 0; i < m; i++) y[i] = a[i] * b[i];
    break;
  case OP_DIV:
    for (size_t i = 0; i < m; i++) y[i] = a[i] / b[i];
    break;
  case OP_NEG:
    for (size_t i = 0; i < m; i++) y[i] = -a[i];
    break;
  case OP_POWI: {
    const int k = abs(in->ival);
    if (k == 2) {
      for (size_t i = 0; i < m; i++) y[i] = a[i] * a[i];
    } else {
      for (size_t i = 0; i < m; i++) {
        double r = a[i];
        for (int j = 1; j < k; j++) r *= a[i];
        y[i] = r;
      }
    }
    if (in->ival < 0)
      for (size_t i = 0; i < m; i++) y[i] = 1 / y[i];
    break;
  }
  case OP_POW:
    for (size_t i = 0; i < m; i++) y[i] = pow(a[i], b[i]);
    break;
  case OP_SIN:
    for (size_t i = 0; i < m; i++) y[i] = sin(a[i]);
    break;
  case OP_COS:
    for (size_t i = 0; i < m; i++) y[i] = cos(a[i]);
    break;
  case OP_EXP:
    for (size_t i = 0; i < m; i++) y[i] = exp(a[i]);
    break;
  case OP_LOG:
    for (size_t i = 0; i < m; i++) y[i] = log(a[i]);
    break;
  case OP_TANH:
    for (size_t i = 0; i < m; i++) y[i] = tanh(a[i]);
    break;
  case OP_SQRT:
    for (size_t i = 0; i < m; i++) y[i] = sqrt(a[i]);
    break;
  case OP_ABS:
    for (size_t i = 0; i < m; i++) y[i] = fabs(a[i]);
    break;
  default:
    for (size_t i = 0; i < m; i++) y[i] = a[i] > 0 ? 1 : a[i] < 0 ? -1 : 0;
    break;
  }
}

int pf_expr_eval(const pf_expr_prog *g, size_t n, const pf_expr_bind *bind, double *const *out,
                 size_t ostride) {
  PF_CHECK(g && (n == 0 || ((bind || !g->n) && out)), PF_ERR_ARG, "pf_expr_eval: null argument");
  double *w = NULL;
  PF_CALL(PF_CALLOC((size_t)(g->n > 0 ? g->n : 1) * CHUNK, &w));
  for (size_t first = 0; first < n; first += CHUNK) {
    const size_t m = n - first < CHUNK ? n - first : CHUNK;
    for (int k = 0; k < g->n; k++) {
      const instr *in = &g->code[k];
      run_instr(in, w + (size_t)k * CHUNK, in->a >= 0 ? w + (size_t)in->a * CHUNK : NULL,
                in->b >= 0 ? w + (size_t)in->b * CHUNK : NULL, m, bind, first);
    }
    for (int r = 0; r < g->nroots; r++) {
      const double *y = w + (size_t)g->root[r] * CHUNK;
      double *o = out[r];
      if (!o) continue;
      for (size_t i = 0; i < m; i++) o[(first + i) * ostride] = y[i];
    }
  }
  PF_FREE(&w);
  return PF_OK;
}
