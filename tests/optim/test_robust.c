/* Robustness: a NaN or infinite loss or gradient at any evaluation of a run ends it cleanly with
 * PF_OPTIM_STOP_NONFINITE, theta finite and at the last accepted iterate (whose loss the result
 * reports); an error code from the objective or the monitor is returned as is. The failure is
 * injected at every evaluation index of a reference run in turn, so that it lands in each place an
 * evaluation happens: the start of a step, the line search's first trial, its bracketing and its
 * zoom. */
#include <stdio.h>
#include <string.h>

#include "optim_problems.h"
#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/optim.h"

typedef enum { NAN_LOSS, NAN_GRAD, INF_LOSS, ERROR_CODE } fault;

typedef struct {
  problem P;
  long at; /* the evaluation (1-based) that fails */
  fault kind;
} faulty;

static int rosenbrock_faulty(void *user, const double *x, double *f, double *g) {
  faulty *F = user;
  rosenbrock(&F->P, x, f, g);
  if (F->P.calls != F->at) return 0;
  switch (F->kind) {
  case NAN_LOSS:
    *f = NAN;
    break;
  case NAN_GRAD:
    g[F->P.n / 2] = NAN;
    break;
  case INF_LOSS:
    *f = INFINITY;
    break;
  case ERROR_CODE:
    return PF_ERR_NUMERIC;
  }
  return 0;
}

static int monitor_error(void *user, long it, double loss, int *stop) {
  return PF_ERR_IO;
}

static const char *fault_name[] = {"NaN loss", "NaN gradient", "Inf loss", "error code"};

static void start(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = (i % 2) ? 1.0 : -1.2;
}

int main(void) {
  enum { N = 6 };
  pf_lbfgs_params prm = pf_lbfgs_params_default();
  prm.max_iter = 7; /* many steps, so faults also land on step starts */
  pf_lbfgs *L = NULL;
  PF_TEST_OK(pf_lbfgs_create(N, &prm, &L));
  pf_adam *A = NULL;
  PF_TEST_OK(pf_adam_create(N, NULL, &A));

  /* the clean run, for its number of evaluations */
  double x[N];
  start(x, N);
  problem P = {.n = N};
  pf_optim_result clean;
  PF_TEST_OK(pf_lbfgs_run(L, rosenbrock, &P, x, NULL, NULL, &clean));
  PF_TEST_EXPECT(clean.reason == PF_OPTIM_STOP_CONVERGED, "clean run: %s",
                 pf_optim_stop_name(clean.reason));
  printf("clean run: %ld iterations, %ld evaluations\n", clean.iterations, clean.func_evals);

  pf_error_set_quiet(1);
  for (int kind = NAN_LOSS; kind <= ERROR_CODE; kind++) {
    int bad = 0;
    for (long at = 1; at <= clean.func_evals; at++) {
      faulty F = {.P = {.n = N}, .at = at, .kind = (fault)kind};
      start(x, N);
      pf_optim_result res;
      int rc = pf_lbfgs_run(L, rosenbrock_faulty, &F, x, NULL, NULL, &res);
      int finite = 1;
      for (int i = 0; i < N; i++) finite &= isfinite(x[i]);
      double f, g[N];
      problem Q = {.n = N};
      rosenbrock(&Q, x, &f, g);
      if (kind == ERROR_CODE) {
        bad += rc != PF_ERR_NUMERIC || !finite;
        continue;
      }
      bad += rc != 0 || !finite || res.reason != PF_OPTIM_STOP_NONFINITE;
      bad += F.P.calls != at || res.func_evals != at;
      if (at == 1) {
        double x0[N];
        start(x0, N);
        bad += memcmp(x, x0, sizeof x) != 0 || res.iterations != 0;
      } else {
        bad += res.loss != f; /* theta is the accepted iterate whose loss is reported */
      }
    }
    PF_TEST_EXPECT(bad == 0, "L-BFGS, %s: %d failed checks over %ld injection points",
                   fault_name[kind], bad, clean.func_evals);
    printf("L-BFGS, %-12s injected at each of %ld evaluations: %s\n", fault_name[kind],
           clean.func_evals, bad ? "FAILED" : "ok");
  }

  /* Adam: same injections over 50 iterations */
  for (int kind = NAN_LOSS; kind <= ERROR_CODE; kind++) {
    int bad = 0;
    for (long at = 1; at <= 50; at++) {
      faulty F = {.P = {.n = N}, .at = at, .kind = (fault)kind};
      start(x, N);
      pf_optim_result res;
      int rc = pf_adam_run(A, rosenbrock_faulty, &F, x, 50, NULL, NULL, &res);
      int finite = 1;
      for (int i = 0; i < N; i++) finite &= isfinite(x[i]);
      if (kind == ERROR_CODE) {
        bad += rc != PF_ERR_NUMERIC || !finite;
        continue;
      }
      double f, g[N];
      problem Q = {.n = N};
      rosenbrock(&Q, x, &f, g);
      bad += rc != 0 || !finite || res.reason != PF_OPTIM_STOP_NONFINITE;
      bad += res.iterations != (at >= 2 ? at - 2 : 0);
      if (at >= 2) bad += res.loss != f;
    }
    PF_TEST_EXPECT(bad == 0, "Adam, %s: %d failed checks", fault_name[kind], bad);
  }

  /* an error from the monitor is propagated */
  start(x, N);
  pf_optim_result res;
  PF_TEST_EXPECT(pf_lbfgs_run(L, rosenbrock, &P, x, monitor_error, NULL, &res) == PF_ERR_IO,
                 "L-BFGS monitor error not propagated");
  start(x, N);
  PF_TEST_EXPECT(pf_adam_run(A, rosenbrock, &P, x, 10, monitor_error, NULL, &res) == PF_ERR_IO,
                 "Adam monitor error not propagated");
  pf_error_set_quiet(0);

  pf_lbfgs_destroy(&L);
  pf_adam_destroy(&A);
  return pf_test_report("test_optim_robust");
}
