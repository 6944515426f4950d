/* L-BFGS with the paper's settings converges to the known minima (2-D and 10-D Rosenbrock, an
 * ill-conditioned shifted quadratic), and the DeepXDE step driver stops for each of its reasons:
 * iteration budget, a step of one iteration, a step of none, a failed line search, a monitor. */
#include <stdio.h>
#include <string.h>

#include "optim_problems.h"
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/optim.h"

/* f = sum x_i^2 with the gradient's sign flipped: every search direction is uphill, so the line
 * search can only shrink its bracket towards 0 and must return step length 0. */
static int wrong_gradient(void *user, const double *x, double *f, double *g) {
  problem *P = user;
  P->calls++;
  double s = 0;
  for (size_t i = 0; i < P->n; i++) {
    s += x[i] * x[i];
    g[i] = -2 * x[i];
  }
  *f = s;
  return 0;
}

static int count_and_stop(void *user, long it, double loss, int *stop) {
  long *calls = user;
  (*calls)++;
  if (*calls == 2) *stop = 1;
  return 0;
}

static void converge(const char *name, pf_objective_fn fn, problem *P, double *x,
                     const double *xmin, double xtol) {
  pf_lbfgs *L = NULL;
  PF_TEST_OK(pf_lbfgs_create(P->n, NULL, &L));
  pf_optim_result res;
  PF_TEST_OK(pf_lbfgs_run(L, fn, P, x, NULL, NULL, &res));
  double err = 0;
  for (size_t i = 0; i < P->n; i++) err = fmax(err, fabs(x[i] - xmin[i]));
  printf("%-12s reason %-10s iterations %4ld evals %4ld loss %.3e max|x - x*| %.2e\n", name,
         pf_optim_stop_name(res.reason), res.iterations, res.func_evals, res.loss, err);
  PF_TEST_EXPECT(err <= xtol, "%s: max|x - x*| = %.3g > %.3g", name, err, xtol);
  PF_TEST_EXPECT(res.reason == PF_OPTIM_STOP_CONVERGED, "%s: reason %s", name,
                 pf_optim_stop_name(res.reason));
  PF_TEST_EXPECT(res.func_evals == P->calls, "%s: func_evals %ld, objective calls %ld", name,
                 res.func_evals, P->calls);
  double f, g[64];
  fn(P, x, &f, g);
  PF_TEST_EXPECT(f == res.loss, "%s: res.loss %.17g is not f(theta) = %.17g", name, res.loss, f);
  pf_lbfgs_destroy(&L);
}

int main(void) {
  /* 1. convergence with the defaults (the paper's settings) */
  {
    problem P = {.n = 2};
    double x[2] = {-1.2, 1.0}, one[2] = {1, 1};
    converge("rosenbrock2", rosenbrock, &P, x, one, 1e-8);
  }
  {
    problem P = {.n = 10};
    double x[10], one[10];
    for (int i = 0; i < 10; i++) x[i] = (i % 2) ? 1.0 : -1.2, one[i] = 1;
    converge("rosenbrock10", rosenbrock, &P, x, one, 1e-8);
  }
  {
    /* n = 20, curvatures 1 .. 100, minimum at a_i = sin(i); max|grad| <= 1e-8 at the end means
     * |x_i - a_i| <= 1e-8 / c_i. (With curvatures up to 1e4 torch's L-BFGS, like this one, stalls
     * above that tolerance within the 1000 iterations, so that is no test of convergence.) */
    double a[20], c[20], x[20];
    for (int i = 0; i < 20; i++) a[i] = sin(i), c[i] = pow(10.0, 2.0 * i / 19), x[i] = 0;
    problem P = {.n = 20, .a = a, .c = c};
    converge("quadratic20", quadratic_shifted, &P, x, a, 1e-8);
  }

  /* 2. a start at the minimum: the first step makes no iteration (DeepXDE would loop forever) */
  {
    problem P = {.n = 2};
    double x[2] = {1, 1};
    pf_lbfgs *L = NULL;
    PF_TEST_OK(pf_lbfgs_create(2, NULL, &L));
    pf_optim_result res;
    PF_TEST_OK(pf_lbfgs_run(L, rosenbrock, &P, x, NULL, NULL, &res));
    PF_TEST_EXPECT(res.reason == PF_OPTIM_STOP_CONVERGED && res.iterations == 0 &&
                       res.func_evals == 1 && x[0] == 1 && x[1] == 1,
                   "at minimum: reason %s iterations %ld evals %ld", pf_optim_stop_name(res.reason),
                   res.iterations, res.func_evals);
    pf_lbfgs_destroy(&L);
  }

  /* 3. max_iter = 1: the first step makes exactly one iteration, which DeepXDE takes for
   * convergence */
  {
    problem P = {.n = 2};
    double x[2] = {-1.2, 1.0};
    pf_lbfgs_params prm = pf_lbfgs_params_default();
    prm.max_iter = 1;
    pf_lbfgs *L = NULL;
    PF_TEST_OK(pf_lbfgs_create(2, &prm, &L));
    pf_optim_result res;
    PF_TEST_OK(pf_lbfgs_run(L, rosenbrock, &P, x, NULL, NULL, &res));
    PF_TEST_EXPECT(res.reason == PF_OPTIM_STOP_CONVERGED && res.iterations == 1,
                   "one-iteration step: reason %s iterations %ld", pf_optim_stop_name(res.reason),
                   res.iterations);
    PF_TEST_EXPECT(x[0] != -1.2 && res.loss < 24.2, "one-iteration step did not move");
    pf_lbfgs_destroy(&L);
  }

  /* 4. iteration budget: steps of 5 up to 20 iterations */
  {
    problem P = {.n = 10};
    double x[10];
    for (int i = 0; i < 10; i++) x[i] = (i % 2) ? 1.0 : -1.2;
    pf_lbfgs_params prm = pf_lbfgs_params_default();
    prm.max_iter = 5;
    prm.total_iters = 20;
    pf_lbfgs *L = NULL;
    PF_TEST_OK(pf_lbfgs_create(10, &prm, &L));
    pf_optim_result res;
    PF_TEST_OK(pf_lbfgs_run(L, rosenbrock, &P, x, NULL, NULL, &res));
    PF_TEST_EXPECT(res.reason == PF_OPTIM_STOP_ITERATIONS && res.iterations == 20,
                   "budget: reason %s iterations %ld", pf_optim_stop_name(res.reason),
                   res.iterations);
    /* run() starts a fresh cycle: a second run repeats the first exactly */
    double x2[10];
    for (int i = 0; i < 10; i++) x2[i] = (i % 2) ? 1.0 : -1.2;
    pf_optim_result res2;
    PF_TEST_OK(pf_lbfgs_run(L, rosenbrock, &P, x2, NULL, NULL, &res2));
    PF_TEST_EXPECT(memcmp(x, x2, sizeof x) == 0 && res2.func_evals == res.func_evals,
                   "second run differs from the first");
    /* the monitor is called after every step and may stop the run */
    for (int i = 0; i < 10; i++) x2[i] = (i % 2) ? 1.0 : -1.2;
    long calls = 0;
    PF_TEST_OK(pf_lbfgs_run(L, rosenbrock, &P, x2, count_and_stop, &calls, &res2));
    PF_TEST_EXPECT(res2.reason == PF_OPTIM_STOP_REQUESTED && calls == 2 && res2.iterations == 10,
                   "monitor stop: reason %s, calls %ld, iterations %ld",
                   pf_optim_stop_name(res2.reason), calls, res2.iterations);
    pf_lbfgs_destroy(&L);
  }

  /* 5. a line search that cannot make progress: step length 0, theta unchanged, and the driver
   * stops after the one-iteration step with the line-search reason */
  {
    problem P = {.n = 3};
    double x[3] = {0.5, -1.0, 2.0};
    pf_lbfgs *L = NULL;
    PF_TEST_OK(pf_lbfgs_create(3, NULL, &L));
    pf_optim_result res;
    PF_TEST_OK(pf_lbfgs_run(L, wrong_gradient, &P, x, NULL, NULL, &res));
    PF_TEST_EXPECT(res.reason == PF_OPTIM_STOP_LINE_SEARCH && res.iterations == 1,
                   "line search failure: reason %s iterations %ld", pf_optim_stop_name(res.reason),
                   res.iterations);
    PF_TEST_EXPECT(x[0] == 0.5 && x[1] == -1.0 && x[2] == 2.0 && res.loss == 5.25,
                   "line search failure moved theta");
    PF_TEST_EXPECT(res.func_evals <= 1 + 25, "line search made %ld evaluations", res.func_evals);
    pf_lbfgs_destroy(&L);
  }

  /* 6. argument checks and destroy semantics */
  {
    pf_error_set_quiet(1);
    pf_lbfgs *L = NULL;
    pf_lbfgs_params prm = pf_lbfgs_params_default();
    prm.history = 0;
    PF_TEST_EXPECT(pf_lbfgs_create(4, &prm, &L) == PF_ERR_ARG && L == NULL, "history 0 accepted");
    PF_TEST_EXPECT(pf_lbfgs_create(0, NULL, &L) == PF_ERR_ARG, "n = 0 accepted");
    pf_error_set_quiet(0);
    PF_TEST_OK(pf_lbfgs_destroy(&L));
    PF_TEST_OK(pf_lbfgs_destroy(NULL));
  }
  return pf_test_report("test_optim_lbfgs");
}
