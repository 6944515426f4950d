/* pinnfluence expr: formulas of a problem written in the configuration (DESIGN.md section 8).
 *
 * A pool holds expression nodes, shared (hash-consed, so equal subexpressions are one node) and
 * simplified as they are built (constants folded; 0 and 1 absorbed). Formulas are parsed into the
 * pool: numbers, pi, variables (named by the caller's resolver: inputs, coefficients, the outputs'
 * partial derivatives), + - * / ^ (right-associative, binds tighter than unary minus), and the
 * functions sin cos exp log tanh sqrt abs and pow(a, b). Derivatives are symbolic and exact
 * (pf_expr_diff), never finite differences.
 *
 * Evaluation: a set of roots is compiled into a flat tape (pf_expr_prog), every instruction
 * applied to a chunk of points at once. Why not a library: libmatheval (Debian libmatheval-dev,
 * which parses and differentiates symbolically) evaluates one point per call, walking the tree
 * and looking the symbols up by name; measured on Burgers' residual with its 4 first and 1 second
 * partials at 2000 points it takes 9 ms, against 3.4 ms for the whole built-in loss + gradient of
 * the paper's 2-32-32-32-1 network at those points (a ratio of at least 3.6, the bar is 1.15);
 * this tape takes 0.2 ms. muparser is C++ with the same one-point interface (its bulk mode has
 * no derivatives). Over a chunk the switch is paid once per node and the inner loops are plain
 * array arithmetic, so a residual costs about what the hand-written C of a built-in costs. */
#ifndef PINNFLUENCE_EXPR_H
#define PINNFLUENCE_EXPR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pf_expr_pool pf_expr_pool;

int pf_expr_pool_create(pf_expr_pool **pool);
int pf_expr_pool_destroy(pf_expr_pool **pool);

/* Resolves a name (not NUL-terminated: name[0 .. len-1]) to a variable id >= 0, or returns -1
 * and writes why into msg (e.g. "unknown symbol"). */
typedef int (*pf_expr_resolver)(void *user, const char *name, size_t len, char *msg, size_t mlen);

/* Parse text into *node. On a syntax error or unknown name returns PF_ERR_CONFIG with the
 * 1-based column in *col and the reason in msg (nothing printed). */
int pf_expr_parse(pf_expr_pool *pool, const char *text, pf_expr_resolver resolve, void *user,
                  int *node, int *col, char *msg, size_t mlen);

/* The value of a formula without symbols (numbers, pi, operators, functions), e.g. "0.01/pi";
 * errors as pf_expr_parse. */
int pf_expr_constant(const char *text, double *value, int *col, char *msg, size_t mlen);

/* Nodes built directly: a constant, a variable. */
int pf_expr_const(pf_expr_pool *pool, double c);
int pf_expr_var(pf_expr_pool *pool, int var);
/* d node / d var (a node of the pool; -1 on allocation failure). */
int pf_expr_diff(pf_expr_pool *pool, int node, int var);
/* 1 and *c set if node is a constant. */
int pf_expr_is_const(const pf_expr_pool *pool, int node, double *c);
/* 1 if var occurs in node. */
int pf_expr_uses(const pf_expr_pool *pool, int node, int var);
/* The value of node at one point, vars[v] the value of variable v (tests, checks). */
double pf_expr_eval1(const pf_expr_pool *pool, int node, const double *vars);

/* A compiled set of roots. */
typedef struct pf_expr_prog pf_expr_prog;

/* Where a variable's values are during evaluation: value of point i at p[i * stride] (stride 0:
 * one value for all points). */
typedef struct {
  const double *p;
  size_t stride;
} pf_expr_bind;

int pf_expr_compile(const pf_expr_pool *pool, int nroots, const int *roots, pf_expr_prog **prog);
int pf_expr_prog_destroy(pf_expr_prog **prog);
/* Evaluate every root at n points: root r of point i to out[r][i * ostride]. bind has an entry per
 * variable id the roots use (others may be anything). */
int pf_expr_eval(const pf_expr_prog *prog, size_t n, const pf_expr_bind *bind, double *const *out,
                 size_t ostride);
/* Instructions of the tape (for tests). */
int pf_expr_prog_size(const pf_expr_prog *prog);

#ifdef __cplusplus
}
#endif
#endif
