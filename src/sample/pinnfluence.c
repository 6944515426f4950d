/* pinnfluence: S(c) = sum_{z in Z} |g(z)^T H^{-1} g(c)|, H the Hessian of sum_{z in Z} l(z)
 * (l = sum_j w_j r_j^2, one component: r^2) plus |Z| sum_t w_t L_t of the composite loss's fixed
 * terms (sc->terms, NULL: none; influence.h), g = grad_theta l,
 * with H^{-1} ~ R R^T from the backend influence.backend (captum's Arnoldi by default), over the
 * cycle's Z set (PAPER.md section 3; src/influence/). */
#include "pinnfluence/core.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/sample.h"
#include "sample_impl.h"

int pf_pinnfluence_score(pf_score_ctx *sc, const double *theta, const pf_points *pool,
                         double *scores) {
  const pf_influence_params def = pf_influence_params_default();
  const pf_influence_params *ip = sc->influence ? sc->influence : &def;
  PF_CALL(pf_influence_score_terms(sc->eng, sc->net, sc->pde, sc->terms, ip,
                                   PF_INFLUENCE_PINNFLUENCE, sc->seed, sc->cycle, theta, pool,
                                   scores, NULL));
  return PF_OK;
}
