/* Hessian-vector products along several directions at once (pf_engine_hvp_multi). Per block of
 * points the forward jet pass, the constraint and the residual with its first and second partials
 * (the part of a product that does not depend on the direction) are formed once and serve every
 * direction; the tangent pass, the seeds and the reverse pass with its tangent then run per
 * direction with exactly the operations (and GEMM shapes) of pf_engine_hvp, in the engine's own
 * buffers, so column j equals pf_engine_hvp along V_j bit for bit, on the specialised and on the
 * general path alike.
 *
 * What was measured against more batching (OpenBLAS 0.3.21, Cooperlake kernels, this machine):
 * - One GEMM over the nv tangents side by side ("weights read once") does not give the same
 *   per-column results: W (64 x 64) times a (64 x 100) block differs in the last bits inside a
 *   (64 x 100 nv) product, and stacking the nv tangent adjoints into one dW GEMM differs at
 *   32 x 32; the exact backend and the group path rely on the columns matching pf_engine_hvp.
 *   Nor is it faster at these shapes: 16 products (32 x 32)(32 x 512) take 0.42 ms one by one and
 *   0.45 ms as one (32 x 32)(32 x 8192) product, at 64 1.81 vs 1.83 ms; stacking the dW GEMMs
 *   gains 1.18x at 64 and loses 0.89x at 32.
 * - Sharing the reverse pass of the adjoints as well (abar = W^T zbar once per layer, each
 *   direction's tangents kept for the whole block) keeps the bits but measured no faster
 *   (0.82-1.22x against 1.03-1.37x for this version, alternating runs on a loaded machine): the
 *   per-direction tangents of every layer (0.8 MB per direction at 2-64-64-64-1) no longer stay
 *   in cache, which costs what the saved GEMM gains. */
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
