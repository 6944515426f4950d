/* Hessian-vector products along several directions at once (pf_engine_hvp_multi). Per block of
 * points, what does not depend on the direction is formed once for a chunk of directions: the
 * forward jet pass, the constraint and the residual with its first and second partials, the
 * output adjoint ubar and the reverse pass of the adjoints themselves (abar = W^T zbar and the
 * activation's reverse step, one GEMM per layer); per direction remain the tangent pass, the
 * seeds' tangents and the reverse tangent (W^T zbar' + V^T zbar, the dW' GEMMs and the
 * activation's tangent step). Each direction's quantities are computed by the same operations,
 * with the same GEMM shapes, as pf_engine_hvp's (the shared adjoint is updated by the fused
 * kernel of the chunk's last direction, the others run its tangent half), so column j equals
 * pf_engine_hvp along V_j bit for bit, on the specialised and on the general path alike.
 *
 * Why not one GEMM over the nv tangents side by side ("weights read once"): OpenBLAS 0.3.21 does
 * not give the same per-column results for a GEMM with nv times more columns or rows at these
 * shapes (checked on this machine's Cooperlake kernels: W (64 x 64) times a (64 x 100) block
 * differs in the last bits inside a (64 x 100 nv) product, and stacking the nv tangent adjoints
 * into one dW GEMM differs at 32 x 32), the exact backend and the group path rely on the columns
 * matching pf_engine_hvp bit for bit, and the wide GEMMs are not faster here: 16 products of
 * (32 x 32) (32 x 512) take 0.42 ms one by one and 0.45 ms as one (32 x 32) (32 x 8192) product,
 * at 64 0.18 vs 0.18 ms per product; stacking the dW GEMMs gains 1.18x at 64 and loses at 32. */
#include "engine_impl.h"
#include "pinnfluence/core.h"

#include <cblas.h>
#include <string.h>

/* Directions carried through one block at a time: each holds the tangents of every layer
 * (2 (sum of widths) nc block doubles) and two adjoint tangents (2 maxw nc block). */
#define PF_HVP_CHUNK 4

typedef struct {
  double **zd, **ad; /* [nvc * L] per direction's layer tangents (the engine's Zd, Ad shapes) */
  double **gd;       /* [2 nvc] adjoint tangents (maxw, nc*block): direction j at 2j, 2j+1 */
  double *hb;        /* (nvc, nparams) one block's products */
  int nvc;
} multi_ws;

static void ws_free(multi_ws *w, int L) {
  if (w->zd)
    for (int i = 0; i < w->nvc * L; i++) PF_FREE(&w->zd[i]);
  if (w->ad)
    for (int i = 0; i < w->nvc * L; i++) PF_FREE(&w->ad[i]);
  if (w->gd)
    for (int i = 0; i < 2 * w->nvc; i++) PF_FREE(&w->gd[i]);
  PF_FREE(&w->zd), PF_FREE(&w->ad), PF_FREE(&w->gd), PF_FREE(&w->hb);
}

static int ws_alloc(const pf_engine *e, int nvc, multi_ws *w) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers;
  const size_t cols = (size_t)e->nc * (size_t)e->block;
  w->nvc = nvc;
  PF_CALL(PF_CALLOC((size_t)nvc * (size_t)L, &w->zd));
  PF_CALL(PF_CALLOC((size_t)nvc * (size_t)L, &w->ad));
  PF_CALL(PF_CALLOC(2 * (size_t)nvc, &w->gd));
  PF_CALL(PF_CALLOC((size_t)nvc * net->nparams, &w->hb));
  for (int j = 0; j < nvc; j++)
    for (int l = 0; l < L; l++) {
      PF_CALL(PF_CALLOC((size_t)net->sizes[l + 1] * cols, &w->zd[j * L + l]));
      PF_CALL(PF_CALLOC((size_t)net->sizes[l] * cols, &w->ad[j * L + l]));
    }
  for (int i = 0; i < 2 * nvc; i++) PF_CALL(PF_CALLOC((size_t)e->maxw * cols, &w->gd[i]));
  return PF_OK;
}

/* pf_nn_block_backward_tangent for nvc directions sharing the adjoint chain in e->G0 (e->G1
 * scratch): direction j's output tangent in w->gd[2j], its tangents of the forward pass in
 * w->zd, w->ad, its product into w->hb + j P. */
static void backward_multi(pf_engine *e, const double *theta, const double *V, int nvc, int nb,
                           multi_ws *w) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers, ld = e->nc * nb;
  const size_t P = net->nparams;
  double *G = e->G0, *Gn = e->G1;
  double *Gd[PF_HVP_CHUNK], *Gdn[PF_HVP_CHUNK];
  for (int j = 0; j < nvc; j++) Gd[j] = w->gd[2 * j], Gdn[j] = w->gd[2 * j + 1];
  for (int l = L - 1; l >= 0; l--) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    for (int j = 0; j < nvc; j++) {
      double *hout = w->hb + (size_t)j * P;
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nout, nin, ld, 1.0, Gd[j], ld, e->A[l],
                  ld, 0.0, hout + net->w_off[l], nin);
      if (l > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nout, nin, ld, 1.0, G, ld,
                    w->ad[j * L + l], ld, 1.0, hout + net->w_off[l], nin);
      pf_nn_bias_sums(nout, nb, ld, Gd[j], hout + net->b_off[l]);
    }
    if (l == 0) break;
    pf_nn_gemm_wt_g(nin, ld, nout, theta + net->w_off[l], G, 0.0, Gn);
    for (int j = 0; j < nvc; j++) {
      pf_nn_gemm_wt_g(nin, ld, nout, theta + net->w_off[l], Gd[j], 0.0, Gdn[j]);
      pf_nn_gemm_wt_g(nin, ld, nout, V + (size_t)j * P + net->w_off[l], G, 1.0, Gdn[j]);
    }
    /* the tangents from the adjoint before its update, then the last direction's fused step
     * updates it */
    for (int j = 0; j < nvc - 1; j++)
      pf_act_backward_tangent_only(e, nin, nb, e->A[l], e->Z[l - 1], w->zd[j * L + l - 1], Gn,
                                   Gdn[j]);
    pf_act_backward_tangent(e, nin, nb, e->A[l], e->Z[l - 1], w->zd[(nvc - 1) * L + l - 1], Gn,
                            Gdn[nvc - 1]);
    double *tmp = G;
    G = Gn;
    Gn = tmp;
    for (int j = 0; j < nvc; j++) tmp = Gd[j], Gd[j] = Gdn[j], Gdn[j] = tmp;
  }
}

int pf_engine_hvp_multi(pf_engine *e, const double *theta, const pf_points *pts, size_t nv,
                        const double *V, double *HV) {
  const size_t n = pts->n, P = e->net->nparams;
  const int L = e->net->nlayers;
  PF_CHECK(n > 0, PF_ERR_ARG, "Hessian over an empty point set");
  PF_CHECK(nv == 0 || (V && HV), PF_ERR_ARG, "hvp_multi: no directions or no output");
  if (nv == 0) return PF_OK;
  const double sigma = 2.0 / (double)n;
  multi_ws w = {0};
  int rc = ws_alloc(e, nv < PF_HVP_CHUNK ? (int)nv : PF_HVP_CHUNK, &w);
  if (rc) {
    ws_free(&w, L);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  double **Zd = e->Zd, **Ad = e->Ad; /* the engine's own, restored below */
  memset(HV, 0, nv * P * sizeof *HV);
  for (size_t j0 = 0; j0 < nv; j0 += PF_HVP_CHUNK) {
    const int nvc = (int)(nv - j0 < PF_HVP_CHUNK ? nv - j0 : PF_HVP_CHUNK);
    const double *Vc = V + j0 * P;
    for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
      const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
      pf_nn_block_residual(e, theta, pts, i0, nb, 1, 1); /* shared by all directions */
      for (int j = 0; j < nvc; j++) {
        /* block_hvp of engine.c up to the reverse pass, in direction j's buffers */
        e->Zd = w.zd + j * L, e->Ad = w.ad + j * L;
        pf_nn_block_rdot(e, theta, pts, i0, nb, Vc + (size_t)j * P);
        pf_nn_seed_hvp(e, nb, sigma);
        if (j == 0) pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubar, e->G0);
        pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubard, w.gd[2 * j]);
      }
      e->Zd = Zd, e->Ad = Ad;
      backward_multi(e, theta, Vc, nvc, nb, &w);
      for (int j = 0; j < nvc; j++) {
        double *hv = HV + (j0 + (size_t)j) * P;
        const double *hb = w.hb + (size_t)j * P;
        for (size_t q = 0; q < P; q++) hv[q] += hb[q];
      }
    }
  }
  ws_free(&w, L);
  return PF_OK;
}
