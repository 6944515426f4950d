/* loss_grad: ||g(c)||_2 with g = grad_theta l(c), l = sum_j w_j r_j(c)^2 = sum_j s_j^2
 * (s_j = sqrt(w_j) r_j), so g = 2 sum_j s_j grad_theta s_j; for one component 2 r grad_theta r.
 * From rows of the (weighted) residual Jacobian computed a block of candidates at a time (one
 * batched reverse pass each). */
#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/sample.h"
#include "sample_impl.h"

#include <math.h>

/* A block of Jacobian rows (B k, P) and their weighted residuals (B k); a system also one
 * gradient (P). */
size_t pf_loss_grad_work(const pf_pinn_ops *ops, size_t n, size_t P, int block) {
  const size_t k = (size_t)ops->k;
  return (size_t)block * k * (P + 1) + (k > 1 ? P : 0);
}

int pf_loss_grad_score(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                       double *scores) {
  const pf_pinn_ops *ops = pf_engine_ops(sc->eng);
  const size_t n = pool->n, P = sc->net->nparams, B = (size_t)pf_engine_block_size(sc->eng);
  const size_t k = (size_t)ops->k;
  PF_CHECK(sc->work_len >= pf_loss_grad_work(ops, n, P, (int)B), PF_ERR_INTERNAL,
           "loss_grad: scratch too small");
  double *J = sc->work, *r = sc->work + B * k * P, *g = r + B * k;
  for (size_t i0 = 0; i0 < n; i0 += B) {
    const size_t nb = n - i0 < B ? n - i0 : B;
    PF_CALL(pf_engine_jacobian_rows(sc->eng, theta, pool, i0, nb, J, r));
    if (k == 1) {
      for (size_t i = 0; i < nb; i++) {
        const double *row = J + i * P;
        double ss = 0.0;
        for (size_t p = 0; p < P; p++) ss += row[p] * row[p];
        scores[i0 + i] = 2.0 * fabs(r[i]) * sqrt(ss);
      }
      continue;
    }
    for (size_t i = 0; i < nb; i++) {
      /* g = sum_j (2 s_j) J_j, then its norm */
      pf_influence_point_gradients(1, k, P, J + i * k * P, r + i * k, g);
      double ss = 0.0;
      for (size_t p = 0; p < P; p++) ss += g[p] * g[p];
      scores[i0 + i] = sqrt(ss);
    }
  }
  return PF_OK;
}
