/* Private helpers of the optim module: vector kernels and the strong-Wolfe line search.
 *
 * The vector kernels are written out here rather than taken from CBLAS on purpose: OpenBLAS picks
 * its ddot kernel (and with it the summation order and the use of FMA) by the CPU it runs on, and
 * the optimiser's branch decisions (Wolfe tests, ys > 1e-10) must not depend on the machine. These
 * loops have a fixed order, and the build forbids FMA contraction, so they give the same bits
 * everywhere. They cost O(n) next to an objective that costs O(n * points). */
#ifndef PF_OPTIM_IMPL_H
#define PF_OPTIM_IMPL_H

#include <stddef.h>

#include "pinnfluence/optim.h"

/* sum_i x[i] y[i], accumulated in four interleaved partial sums combined as (s0 + s1) + (s2 + s3):
 * a fixed order the compiler may vectorise without changing the result. */
double pf_optim_dot(size_t n, const double *x, const double *y);
/* max_i |x[i]| (0 for n == 0). */
double pf_optim_amax(size_t n, const double *x);
/* sum_i |x[i]|, in the same fixed order as pf_optim_dot. */
double pf_optim_asum(size_t n, const double *x);
/* 1 if every x[i] is finite. */
int pf_optim_all_finite(size_t n, const double *x);

/* Evaluations counted and checked for finiteness on the way: the line search's view of the
 * objective along theta + t d. */
typedef struct {
  pf_objective_fn fn;
  void *user;
  size_t n;
  const double *x; /* (n) the base point, not modified */
  const double *d; /* (n) the search direction */
  double *xt;      /* (n) workspace for the trial point x + t d */
  double *work[3]; /* (n) each: gradient buffers the line search cycles through */
  long evals;      /* evaluations made (counted even when non-finite) */
} pf_line_fn;

/* Outcome of a line search. */
typedef struct {
  double t;        /* accepted step length (0: no point below f(x) was found) */
  double f;        /* loss at x + t d */
  const double *g; /* (n) gradient at x + t d: the caller's g0 or one of work[] */
  int evals;       /* evaluations made */
  int nonfinite;   /* a loss, gradient or step length was not finite: t, f, g are meaningless */
} pf_line_result;

/* torch.optim.lbfgs._strong_wolfe, line for line (bracketing with cubic extrapolation, then the
 * zoom with cubic interpolation and torch's insufficient-progress safeguard); c1 = 1e-4, c2 = 0.9,
 * tolerance_change = 1e-9, max_ls = 25. f0, g0 (n), gtd0 are the loss, gradient and directional
 * derivative at x. Returns 0 or the error code of the objective. */
int pf_line_search_strong_wolfe(pf_line_fn *lf, double t, double f0, const double *g0, double gtd0,
                                pf_line_result *res);

#endif
