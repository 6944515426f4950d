/* Hessian-vector products along several directions at once (pf_engine_hvp_multi). Per block of
 * points the forward jet pass, the constraint and the residual with its first and second partials
 * (the part of a product that does not depend on the direction) are formed once and serve every
 * direction; the tangent pass, the seeds and the reverse pass with its tangent then run per
 * direction with exactly the operations (and GEMM shapes) of pf_engine_hvp, so column j equals
 * pf_engine_hvp along V_j bit for bit, on the specialised and on the general path alike.
 *
 * Why not one GEMM over the nv tangents side by side: OpenBLAS 0.3.21 does not give the same
 * per-column results for a GEMM with nv times more columns (or rows) at these shapes (checked on
 * this machine's SkylakeX kernels: W (64 x 64) times a (64 x 100) block differs in the last bits
 * from the same block inside a (64 x 100 nv) product, as does stacking the nv tangent adjoints
 * into one dW GEMM at 32 x 32), and the exact backend's scores and the group-parallel path rely on
 * the products matching pf_engine_hvp bit for bit. */
#include "engine_impl.h"
#include "pinnfluence/core.h"

#include <string.h>

int pf_engine_hvp_multi(pf_engine *e, const double *theta, const pf_points *pts, size_t nv,
                        const double *V, double *HV) {
  const size_t n = pts->n, P = e->net->nparams;
  PF_CHECK(n > 0, PF_ERR_ARG, "Hessian over an empty point set");
  PF_CHECK(nv == 0 || (V && HV), PF_ERR_ARG, "hvp_multi: no directions or no output");
  const double sigma = 2.0 / (double)n;
  if (nv == 0) return PF_OK;
  memset(HV, 0, nv * P * sizeof *HV);
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    pf_nn_block_residual(e, theta, pts, i0, nb, 1, 1); /* shared by all directions */
    for (size_t j = 0; j < nv; j++) {
      const double *v = V + j * P;
      double *hv = HV + j * P;
      /* block_hvp of engine.c after its pf_nn_block_residual */
      pf_nn_block_rdot(e, theta, pts, i0, nb, v);
      pf_nn_seed_hvp(e, nb, sigma);
      pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubar, e->G0);
      pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubard, e->Gd0);
      pf_nn_block_backward_tangent(e, theta, v, nb, e->gblk);
      for (size_t q = 0; q < P; q++) hv[q] += e->gblk[q];
    }
  }
  return PF_OK;
}
