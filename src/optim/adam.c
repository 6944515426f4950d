/* Adam with exactly the arithmetic of torch.optim.Adam (PyTorch 1.13, _single_tensor_adam, the
 * default path: foreach off, weight_decay 0, amsgrad off):
 *   exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
 *   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)   addcmul: v + (value g) g
 *   step_size = lr / (1 - beta1 ** step);  bc2_sqrt = math.sqrt(1 - beta2 ** step)
 *   denom = (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
 *   param.addcdiv_(exp_avg, denom, value=-step_size)                 addcdiv: p + (value m) / denom
 * The operation order of each line is kept (Kingma & Ba, Alg. 1, with torch's placement of eps).
 * torch's vectorised add_(alpha) may fuse a multiply-add; the build here never does, so results
 * agree with torch to the last bit or two, not always bitwise. */
#include <math.h>
#include <string.h>

#include "optim/optim_impl.h"
#include "pinnfluence/core.h"

struct pf_adam {
  size_t n;
  pf_adam_params p;
  long step;          /* torch state["step"] */
  double *m;          /* (n) first moment, exp_avg */
  double *v;          /* (n) second moment, exp_avg_sq */
  double *grad;       /* (n) gradient buffer for pf_adam_run */
  double *theta_prev; /* (n) previous iterate, restored when a loss turns non-finite */
};

pf_adam_params pf_adam_params_default(void) {
  pf_adam_params p;
  p.lr = 1e-3;
  p.beta1 = 0.9;
  p.beta2 = 0.999;
  p.eps = 1e-8;
  return p;
}

int pf_adam_create(size_t n, const pf_adam_params *params, pf_adam **adam) {
  PF_CHECK(adam != NULL, PF_ERR_ARG, "adam must not be NULL");
  *adam = NULL;
  PF_CHECK(n >= 1, PF_ERR_ARG, "Adam needs at least one parameter");
  pf_adam_params p = params ? *params : pf_adam_params_default();
  /* the ranges torch.optim.Adam accepts */
  PF_CHECK(isfinite(p.lr) && p.lr >= 0, PF_ERR_ARG, "Adam lr must be >= 0, got %g", p.lr);
  PF_CHECK(p.beta1 >= 0 && p.beta1 < 1, PF_ERR_ARG, "Adam beta1 must be in [0, 1), got %g",
           p.beta1);
  PF_CHECK(p.beta2 >= 0 && p.beta2 < 1, PF_ERR_ARG, "Adam beta2 must be in [0, 1), got %g",
           p.beta2);
  PF_CHECK(isfinite(p.eps) && p.eps >= 0, PF_ERR_ARG, "Adam eps must be >= 0, got %g", p.eps);

  pf_adam *A;
  PF_CALL(PF_CALLOC(1, &A));
  A->n = n;
  A->p = p;
  int rc = PF_CALLOC(n, &A->m);
  if (!rc) rc = PF_CALLOC(n, &A->v);
  if (!rc) rc = PF_CALLOC(n, &A->grad);
  if (!rc) rc = PF_CALLOC(n, &A->theta_prev);
  if (rc) {
    pf_adam_destroy(&A);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *adam = A;
  return PF_OK;
}

int pf_adam_destroy(pf_adam **adam) {
  if (!adam || !*adam) return PF_OK;
  PF_FREE(&(*adam)->m);
  PF_FREE(&(*adam)->v);
  PF_FREE(&(*adam)->grad);
  PF_FREE(&(*adam)->theta_prev);
  PF_FREE(adam);
  return PF_OK;
}

int pf_adam_reset(pf_adam *A) {
  PF_CHECK(A != NULL, PF_ERR_ARG, "adam must not be NULL");
  memset(A->m, 0, A->n * sizeof *A->m);
  memset(A->v, 0, A->n * sizeof *A->v);
  A->step = 0;
  return PF_OK;
}

int pf_adam_step(pf_adam *A, double *theta, const double *grad) {
  PF_CHECK(A != NULL && theta != NULL && grad != NULL, PF_ERR_ARG,
           "adam, theta and grad must not be NULL");
  const size_t n = A->n;
  const double beta1 = A->p.beta1, beta2 = A->p.beta2, eps = A->p.eps;
  A->step++;
  /* Python: beta ** step with step a float; CPython's float power is C pow() */
  const double step = (double)A->step;
  const double bias_correction1 = 1 - pow(beta1, step);
  const double bias_correction2 = 1 - pow(beta2, step);
  const double step_size = A->p.lr / bias_correction1;
  const double bias_correction2_sqrt = sqrt(bias_correction2);
  const double a1 = 1 - beta1, a2 = 1 - beta2, neg_step_size = -step_size;
  double *m = A->m, *v = A->v;
  for (size_t i = 0; i < n; i++) {
    const double g = grad[i];
    double mi = m[i] * beta1;
    mi = mi + a1 * g;
    double vi = v[i] * beta2;
    vi = vi + a2 * g * g;
    const double denom = sqrt(vi) / bias_correction2_sqrt + eps;
    theta[i] = theta[i] + neg_step_size * mi / denom;
    m[i] = mi;
    v[i] = vi;
  }
  return PF_OK;
}

int pf_adam_run(pf_adam *A, pf_objective_fn objective, void *user, double *theta, long iters,
                pf_optim_monitor_fn monitor, void *monitor_user, pf_optim_result *res) {
  PF_CHECK(A != NULL && objective != NULL && theta != NULL && res != NULL, PF_ERR_ARG,
           "adam, objective, theta and res must not be NULL");
  PF_CHECK(iters >= 0, PF_ERR_ARG, "Adam iterations must be >= 0, got %ld", iters);
  const size_t n = A->n;
  PF_CALL(pf_adam_reset(A));
  res->iterations = 0;
  res->func_evals = 0;
  res->loss = NAN;
  res->reason = PF_OPTIM_STOP_ITERATIONS;

  for (long k = 1; k <= iters; k++) {
    double loss;
    PF_CALL(objective(user, theta, &loss, A->grad));
    res->func_evals++;
    if (!isfinite(loss) || !pf_optim_all_finite(n, A->grad)) {
      /* theta (after k - 1 updates) has no finite loss: go back to the iterate before it, whose
       * loss res->loss holds. With k == 1 there is none: theta is the caller's and res->loss the
       * non-finite value. */
      if (k > 1) {
        memcpy(theta, A->theta_prev, n * sizeof *theta);
        res->iterations--;
      } else {
        res->loss = loss;
      }
      res->reason = PF_OPTIM_STOP_NONFINITE;
      return PF_OK;
    }
    memcpy(A->theta_prev, theta, n * sizeof *theta);
    PF_CALL(pf_adam_step(A, theta, A->grad));
    if (!pf_optim_all_finite(n, theta)) {
      /* only possible with eps = 0 and a zero gradient entry, or overflow: keep theta finite */
      memcpy(theta, A->theta_prev, n * sizeof *theta);
      res->loss = loss;
      res->reason = PF_OPTIM_STOP_NONFINITE;
      return PF_OK;
    }
    res->iterations++;
    res->loss = loss;
    if (monitor) {
      int stop = 0;
      PF_CALL(monitor(monitor_user, k, loss, &stop));
      if (stop) {
        res->reason = PF_OPTIM_STOP_REQUESTED;
        break;
      }
    }
  }
  return PF_OK;
}
