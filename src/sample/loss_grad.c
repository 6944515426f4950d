/* loss_grad: ||g(c)||_2 with g = grad_theta r(c)^2 = 2 r(c) grad_theta r(c), from rows of the
 * residual Jacobian computed a block of candidates at a time (one batched reverse pass each). */
#include "pinnfluence/core.h"
#include "pinnfluence/sample.h"
#include "sample_impl.h"

#include <math.h>

size_t pf_loss_grad_work(size_t n, size_t P, int block) {
  return (size_t)block * (P + 1);
}

int pf_loss_grad_score(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                       double *scores) {
  const size_t n = pool->n, P = sc->net->nparams, B = (size_t)pf_engine_block_size(sc->eng);
  PF_CHECK(sc->work_len >= B * (P + 1), PF_ERR_INTERNAL, "loss_grad: scratch too small");
  double *J = sc->work, *r = sc->work + B * P;
  for (size_t i0 = 0; i0 < n; i0 += B) {
    const size_t nb = n - i0 < B ? n - i0 : B;
    PF_CALL(pf_engine_jacobian_rows(sc->eng, theta, pool, i0, nb, J, r));
    for (size_t i = 0; i < nb; i++) {
      const double *row = J + i * P;
      double ss = 0.0;
      for (size_t k = 0; k < P; k++) ss += row[k] * row[k];
      scores[i0 + i] = 2.0 * fabs(r[i]) * sqrt(ss);
    }
  }
  return PF_OK;
}
