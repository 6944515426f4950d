/* Test objectives for the optim tests, in the pf_objective_fn form. The Rosenbrock and quadratic
 * functions use exactly the operation order of torch_lbfgs_reference.py, so the C optimiser and
 * torch's see bit-identical losses and gradients. */
#ifndef PF_OPTIM_PROBLEMS_H
#define PF_OPTIM_PROBLEMS_H

#include <math.h>
#include <stddef.h>

/* Every objective takes a pointer to one of these: the dimension, a call counter, and optional
 * data (centres/curvatures of the quadratic). */
typedef struct {
  size_t n;
  long calls;
  const double *a; /* (n) minimiser of the shifted quadratic */
  const double *c; /* (n) curvatures of the shifted quadratic */
} problem;

/* f = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, minimum 0 at (1, ..., 1). */
static inline int rosenbrock(void *user, const double *x, double *f, double *g) {
  problem *P = user;
  P->calls++;
  const size_t n = P->n;
  double s = 0.0;
  for (size_t i = 0; i < n; i++) g[i] = 0.0;
  for (size_t i = 0; i + 1 < n; i++) {
    double a = x[i + 1] - x[i] * x[i];
    double b = 1.0 - x[i];
    s = s + (100.0 * a * a + b * b);
    g[i] = g[i] + (-400.0 * x[i] * a - 2.0 * b);
    g[i + 1] = g[i + 1] + 200.0 * a;
  }
  *f = s;
  return 0;
}

/* f = sum_i 0.5 c_i x_i^2 with c_i = 10^i (torch_lbfgs_reference.py's quadratic). */
static inline int quadratic_pow10(void *user, const double *x, double *f, double *g) {
  problem *P = user;
  P->calls++;
  double s = 0.0;
  for (size_t i = 0; i < P->n; i++) {
    double c = pow(10.0, (double)i);
    s = s + 0.5 * c * x[i] * x[i];
    g[i] = c * x[i];
  }
  *f = s;
  return 0;
}

/* f = sum_i 0.5 c_i (x_i - a_i)^2, minimum 0 at a. */
static inline int quadratic_shifted(void *user, const double *x, double *f, double *g) {
  problem *P = user;
  P->calls++;
  double s = 0.0;
  for (size_t i = 0; i < P->n; i++) {
    double r = x[i] - P->a[i];
    s += 0.5 * P->c[i] * r * r;
    g[i] = P->c[i] * r;
  }
  *f = s;
  return 0;
}

#endif
