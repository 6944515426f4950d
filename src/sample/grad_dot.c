/* grad_dot: S(c) = sum_{z in Z} |g(z) . g(c)|, g = grad_theta l, l = sum_j w_j r_j^2 (one
 * component: g = 2 r grad_theta r), over the cycle's Z set of influence.test_points fresh uniform
 * points (PAPER.md section 3). Computed blockwise as G_Z G_C^T from rows of the residual Jacobian
 * (see src/influence/score.c). */
#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/sample.h"
#include "sample_impl.h"

int pf_grad_dot_score(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                      double *scores) {
  const pf_influence_params def = pf_influence_params_default();
  const pf_influence_params *ip = sc->influence ? sc->influence : &def;
  PF_CALL(pf_influence_score(sc->eng, sc->net, sc->pde, ip, PF_INFLUENCE_GRAD_DOT, sc->seed,
                             sc->cycle, theta, pool, scores, NULL));
  return PF_OK;
}
