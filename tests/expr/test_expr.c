/* The expression module: parse, simplify, derive, evaluate. Every formula feature (each function,
 * powers, products of variables, quotients, mixed second derivatives) against fourth-order
 * central finite differences of the formula's own value; the tape against the one-point evaluator
 * bit for bit; parse errors with their columns. */
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NV 4 /* variables a, b, c, d */

static int resolve(void *user, const char *name, size_t len, char *msg, size_t mlen) {
  (void)user;
  if (len == 1 && name[0] >= 'a' && name[0] < 'a' + NV) return name[0] - 'a';
  snprintf(msg, mlen, "unknown symbol \"%.*s\"", (int)len, name);
  return -1;
}

static double value_at(const pf_expr_pool *pool, int node, const double *v) {
  return pf_expr_eval1(pool, node, v);
}

/* fourth-order central difference of node along variable i at v */
static double fd1(const pf_expr_pool *pool, int node, const double *v, int i, double h) {
  double w[NV], f[4];
  const double s[4] = {-2, -1, 1, 2};
  for (int k = 0; k < 4; k++) {
    memcpy(w, v, sizeof w);
    w[i] += s[k] * h;
    f[k] = value_at(pool, node, w);
  }
  return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
}

static double worst1 = 0, worst2 = 0;

static void check_formula(const char *text, const double *v) {
  pf_expr_pool *pool = NULL;
  PF_TEST_OK(pf_expr_pool_create(&pool));
  int node = -1, col = 0;
  char msg[256];
  int rc = pf_expr_parse(pool, text, resolve, NULL, &node, &col, msg, sizeof msg);
  PF_TEST_EXPECT(rc == 0, "parse \"%s\": column %d: %s", text, col, msg);
  if (rc) {
    pf_expr_pool_destroy(&pool);
    return;
  }
  const double h = 1e-3;
  int roots[1 + NV + NV * NV], nr = 0;
  roots[nr++] = node;
  for (int i = 0; i < NV; i++) {
    const int di = pf_expr_diff(pool, node, i);
    PF_TEST_EXPECT(di >= 0, "diff");
    roots[nr++] = di;
    /* first partial against differences of the value */
    const double want = fd1(pool, node, v, i, h), got = value_at(pool, di, v);
    const double err = fabs(got - want) / fmax(1, fabs(want));
    worst1 = fmax(worst1, err);
    PF_TEST_EXPECT(err < 1e-8, "%s: d/d%c = %.17g, differences %.17g", text, 'a' + i, got, want);
    for (int j = 0; j < NV; j++) {
      const int dij = pf_expr_diff(pool, di, j);
      roots[nr++] = dij;
      /* second partial against differences of the derived first partial, and symmetry */
      const double w2 = fd1(pool, di, v, j, h), g2 = value_at(pool, dij, v);
      const double e2 = fabs(g2 - w2) / fmax(1, fabs(w2));
      worst2 = fmax(worst2, e2);
      PF_TEST_EXPECT(e2 < 1e-7, "%s: d2/d%cd%c = %.17g, differences %.17g", text, 'a' + i, 'a' + j,
                     g2, w2);
      const int dji = pf_expr_diff(pool, pf_expr_diff(pool, node, j), i);
      const double g3 = value_at(pool, dji, v);
      PF_TEST_EXPECT(fabs(g3 - g2) <= 1e-12 * fmax(1, fabs(g2)), "%s: mixed partials differ", text);
    }
  }
  /* the tape over 100 points (two chunks) equals the one-point evaluator bit for bit */
  enum { N = 100 };
  double X[N * NV], out[1 + NV + NV * NV][N];
  for (int p = 0; p < N; p++)
    for (int i = 0; i < NV; i++) X[p * NV + i] = v[i] * (1 + 0.001 * p * (i + 1));
  pf_expr_prog *prog = NULL;
  PF_TEST_OK(pf_expr_compile(pool, nr, roots, &prog));
  pf_expr_bind bind[NV];
  double *o[1 + NV + NV * NV];
  for (int i = 0; i < NV; i++) bind[i] = (pf_expr_bind){X + i, NV};
  for (int r = 0; r < nr; r++) o[r] = out[r];
  PF_TEST_OK(pf_expr_eval(prog, N, bind, o, 1));
  int same = 1;
  for (int p = 0; p < N; p++)
    for (int r = 0; r < nr; r++) {
      const double want = value_at(pool, roots[r], X + p * NV);
      same = same &&
             (memcmp(&want, &out[r][p], sizeof want) == 0 || (isnan(want) && isnan(out[r][p])));
    }
  PF_TEST_EXPECT(same, "%s: the tape differs from the one-point evaluator", text);
  pf_expr_prog_destroy(&prog);
  pf_expr_pool_destroy(&pool);
}

static void check_value(const char *text, const double *v, double want) {
  pf_expr_pool *pool = NULL;
  PF_TEST_OK(pf_expr_pool_create(&pool));
  int node = -1, col = 0;
  char msg[256];
  PF_TEST_OK(pf_expr_parse(pool, text, resolve, NULL, &node, &col, msg, sizeof msg));
  if (node >= 0) PF_TEST_CLOSE(value_at(pool, node, v), want, 1e-15, 1e-300, text);
  pf_expr_pool_destroy(&pool);
}

static void check_error(const char *text, int want_col, const char *want_msg) {
  pf_expr_pool *pool = NULL;
  PF_TEST_OK(pf_expr_pool_create(&pool));
  int node = -1, col = 0;
  char msg[256];
  const int rc = pf_expr_parse(pool, text, resolve, NULL, &node, &col, msg, sizeof msg);
  PF_TEST_EXPECT(rc == PF_ERR_CONFIG && col == want_col && strstr(msg, want_msg),
                 "\"%s\": rc %d column %d (want %d): %s (want \"%s\")", text, rc, col, want_col,
                 msg, want_msg);
  pf_expr_pool_destroy(&pool);
}

int main(void) {
  const double v[NV] = {0.7, 1.3, 0.45, 2.1};
  static const char *const formulas[] = {
      /* each function, of a product or sum so the chain rule and the mixed partials show */
      "sin(a*b)", "cos(a + 2*b*c)", "exp(a*b - c)", "log(a*b + c)", "tanh(a*b*c - 1)",
      "sqrt(a*b + c^2)", "abs(a - b)*c", "abs(b - a)*c^2", "pow(a, b)", "pow(a*b, 2.5)",
      "pow(c, d*a)",
      /* powers: integer (positive, negative, zero), fractional, nested, of sums */
      "a^2", "a^3*b", "a^-2 + b^0", "(a + b)^4", "a^0.5", "(a*b)^-1.5", "a^2^2", "-a^2",
      /* products of several variables, quotients, a Burgers-like residual, mixed terms */
      "a*b*c*d", "c + a*b - d*c", "a/b", "(a*b)/(c + d)", "1/(a*b*c)", "a*b/c*d",
      "d + a*b - 0.01/pi*c", "c*(a^3 - a)", "sin(pi*a)*exp(-b*c)*d",
      "exp(a)*sin(b) + cos(c)*log(d)", "tanh(a)^2*sqrt(b*d)", "2*a - -b + +c"};
  for (size_t f = 0; f < sizeof formulas / sizeof formulas[0]; f++) check_formula(formulas[f], v);
  fprintf(stderr, "worst relative error of first partials %.2e, second partials %.2e\n", worst1,
          worst2);

  /* precedence and values */
  check_value("-a^2", v, -0.49);
  check_value("2^3^2", v, 512);
  check_value("a - b - c", v, 0.7 - 1.3 - 0.45);
  check_value("a/b/c", v, 0.7 / 1.3 / 0.45);
  check_value("pi", v, 3.14159265358979323846);
  check_value("1e-3*a + .5", v, 1e-3 * 0.7 + .5);

  /* simplification: constants folded, a variable's derivative of another is 0 */
  {
    pf_expr_pool *pool = NULL;
    PF_TEST_OK(pf_expr_pool_create(&pool));
    int n1, n2, col;
    char msg[128];
    PF_TEST_OK(pf_expr_parse(pool, "a*b + 3*c", resolve, NULL, &n1, &col, msg, sizeof msg));
    PF_TEST_OK(pf_expr_parse(pool, "a * b+3*c", resolve, NULL, &n2, &col, msg, sizeof msg));
    PF_TEST_EXPECT(n1 == n2, "equal formulas are one node");
    double c;
    PF_TEST_EXPECT(pf_expr_is_const(pool, pf_expr_diff(pool, n1, 3), &c) && c == 0,
                   "d/dd of a formula without d is the constant 0");
    PF_TEST_EXPECT(pf_expr_is_const(pool, pf_expr_diff(pool, n1, 2), &c) && c == 3,
                   "d/dc of 3 c is the constant 3");
    PF_TEST_EXPECT(pf_expr_is_const(pool, pf_expr_diff(pool, pf_expr_diff(pool, n1, 0), 1), &c) &&
                       c == 1,
                   "d2/da db of a b is the constant 1");
    pf_expr_pool_destroy(&pool);
  }

  /* errors, with the column of the offending character */
  pf_error_set_quiet(1);
  check_error("a + e", 5, "unknown symbol \"e\"");
  check_error("a +", 4, "ends where a value is expected");
  check_error("a // b", 4, "'/' after an operator");
  check_error("a ** b", 4, "'*' after an operator");
  check_error("(a + b", 7, "expected ')'");
  check_error("a + b)", 6, "unmatched ')'");
  check_error("2a", 2, "a number followed by a name");
  check_error("a b", 3, "a value follows a value");
  check_error("sinh(a)", 1, "unknown function \"sinh\"");
  check_error("sin(a, b)", 6, "too many arguments");
  check_error("pow(a)", 6, "pow takes two arguments");
  check_error("a $ b", 3, "unexpected '$'");
  check_error("", 1, "ends where a value is expected");
  check_error("a * / b", 5, "'/' after an operator");
  check_error("a +\n b", 4, "unexpected '\\x0a'");
  pf_error_set_quiet(0);
  return pf_test_report("test_expr");
}
