/* The engine's drivers: loop over blocks of points, run the jet passes, seed the reverse pass from
 * the residual, and accumulate per-block sums in block order. Reverse passes for the loss gradient,
 * the Hessian-vector product (forward over reverse) and per-point Jacobian rows live here. */
#include "engine_impl.h"
#include "pinnfluence/core.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

int pf_engine_create(const pf_mlp *net, const pf_pinn_ops *ops, int block, pf_engine **eng) {
  PF_CHECK(net && ops && ops->residual && ops->transform, PF_ERR_ARG,
           "engine needs a network and problem operations with transform and residual");
  PF_CHECK(block >= 1 && block <= 65536, PF_ERR_ARG, "block size %d outside 1..65536", block);
  pf_engine *e = NULL;
  PF_CALL(PF_CALLOC(1, &e));
  e->net = net;
  e->ops = *ops;
  e->block = block;
  unsigned m = ops->channels | PF_JET(PF_CH_V);
  if (m & PF_JET(PF_CH_XX)) m |= PF_JET(PF_CH_X);
  if (m & PF_JET(PF_CH_TT)) m |= PF_JET(PF_CH_T);
  e->js.hx = !!(m & PF_JET(PF_CH_X));
  e->js.ht = !!(m & PF_JET(PF_CH_T));
  e->js.hxx = !!(m & PF_JET(PF_CH_XX));
  e->js.htt = !!(m & PF_JET(PF_CH_TT));
  e->nc = 0;
  for (int c = 0; c < PF_NCH; c++) e->slot[c] = (m & PF_JET(c)) ? e->nc++ : -1;

  const int L = net->nlayers;
  e->maxw = 0;
  for (int l = 0; l <= L; l++) e->maxw = net->sizes[l] > e->maxw ? net->sizes[l] : e->maxw;
  const size_t cols = (size_t)e->nc * (size_t)block;
  PF_CALL(PF_CALLOC(L, &e->Z));
  PF_CALL(PF_CALLOC(L, &e->A));
  PF_CALL(PF_CALLOC(L, &e->Zd));
  PF_CALL(PF_CALLOC(L, &e->Ad));
  for (int l = 0; l < L; l++) {
    PF_CALL(PF_CALLOC((size_t)net->sizes[l + 1] * cols, &e->Z[l]));
    PF_CALL(PF_CALLOC((size_t)net->sizes[l + 1] * cols, &e->Zd[l]));
    PF_CALL(PF_CALLOC((size_t)net->sizes[l] * cols, &e->A[l]));
    PF_CALL(PF_CALLOC((size_t)net->sizes[l] * cols, &e->Ad[l]));
  }
  const size_t gsz = (size_t)e->maxw * cols;
  PF_CALL(PF_CALLOC(gsz, &e->G0));
  PF_CALL(PF_CALLOC(gsz, &e->G1));
  PF_CALL(PF_CALLOC(gsz, &e->Gd0));
  PF_CALL(PF_CALLOC(gsz, &e->Gd1));
  const size_t ch = PF_NCH * (size_t)block;
  PF_CALL(PF_CALLOC(ch, &e->u));
  PF_CALL(PF_CALLOC(ch, &e->dr));
  PF_CALL(PF_CALLOC(ch, &e->udot));
  PF_CALL(PF_CALLOC(ch, &e->ubar));
  PF_CALL(PF_CALLOC(ch, &e->ubard));
  PF_CALL(PF_CALLOC(PF_NCH * ch, &e->d2r));
  PF_CALL(PF_CALLOC(block, &e->r));
  PF_CALL(PF_CALLOC(block, &e->rdot));
  PF_CALL(PF_CALLOC(net->nparams, &e->gblk));
  PF_CALL(PF_CALLOC(gsz, &e->At));
  *eng = e;
  return PF_OK;
}

int pf_engine_destroy(pf_engine **eng) {
  if (!eng || !*eng) return PF_OK;
  pf_engine *e = *eng;
  for (int l = 0; l < e->net->nlayers; l++) {
    PF_FREE(&e->Z[l]);
    PF_FREE(&e->A[l]);
    PF_FREE(&e->Zd[l]);
    PF_FREE(&e->Ad[l]);
  }
  PF_FREE(&e->Z);
  PF_FREE(&e->A);
  PF_FREE(&e->Zd);
  PF_FREE(&e->Ad);
  PF_FREE(&e->G0);
  PF_FREE(&e->G1);
  PF_FREE(&e->Gd0);
  PF_FREE(&e->Gd1);
  PF_FREE(&e->u);
  PF_FREE(&e->dr);
  PF_FREE(&e->udot);
  PF_FREE(&e->ubar);
  PF_FREE(&e->ubard);
  PF_FREE(&e->d2r);
  PF_FREE(&e->r);
  PF_FREE(&e->rdot);
  PF_FREE(&e->gblk);
  PF_FREE(&e->At);
  PF_FREE(eng);
  return PF_OK;
}

int pf_engine_block_size(const pf_engine *eng) {
  return eng->block;
}
int pf_engine_channels(const pf_engine *eng) {
  return eng->nc;
}

/* Forward pass, constraint and residual of one block: fills e->u, e->r and (if want) e->dr,
 * e->d2r. Second derivatives only when asked for (HVP). */
static void block_residual(pf_engine *e, const double *theta, const pf_points *pts, size_t i0,
                           int nb, int want_dr, int want_d2r) {
  pf_jets_forward(e, theta, pts, i0, nb);
  pf_jets_constrain(e, pts, i0, nb, e->Z[e->net->nlayers - 1], e->u, 0);
  if (want_dr) memset(e->dr, 0, PF_NCH * (size_t)nb * sizeof *e->dr);
  if (want_d2r) memset(e->d2r, 0, PF_NCH * PF_NCH * (size_t)nb * sizeof *e->d2r);
  e->ops.residual(e->ops.ctx, (size_t)nb, pts->x + i0, pts->t + i0, e->u, e->r,
                  want_dr ? e->dr : NULL, want_d2r ? e->d2r : NULL);
}

/* Bias gradients of a layer: the sums over the block's points of the value channel of its
 * output adjoint G (rows, ld), in point order. */
static void bias_sums(int rows, int nb, int ld, const double *G, double *out) {
  for (int j = 0; j < rows; j++) {
    const double *g = G + (size_t)j * ld;
    double s = 0.0;
    for (int p = 0; p < nb; p++) s += g[p];
    out[j] = s;
  }
}

/* Reverse pass of a block from the output adjoint in G0 (1, nc*nb). Writes the parameter
 * gradient of the block into gout (nparams), overwriting it. */
static void block_backward(pf_engine *e, const double *theta, int nb, double *gout) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers, ld = e->nc * nb;
  double *G = e->G0, *Gn = e->G1;
  for (int l = L - 1; l >= 0; l--) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    /* dW_l = Zbar A_l^T over all channels and points: one GEMM with K = nc*nb. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nout, nin, ld, 1.0, G, ld, e->A[l], ld,
                0.0, gout + net->w_off[l], nin);
    bias_sums(nout, nb, ld, G, gout + net->b_off[l]);
    if (l == 0) break;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nin, ld, nout, 1.0, theta + net->w_off[l],
                nin, G, ld, 0.0, Gn, ld);
    pf_act_backward(e, nin, nb, e->A[l], e->Z[l - 1], Gn);
    double *tmp = G;
    G = Gn;
    Gn = tmp;
  }
}

int pf_engine_loss_grad(pf_engine *e, const double *theta, const pf_points *pts, double *loss,
                        double *grad) {
  const size_t n = pts->n, P = e->net->nparams;
  PF_CHECK(n > 0, PF_ERR_ARG, "loss over an empty point set");
  const double scale = 1.0 / (double)n;
  double total = 0.0;
  if (grad) memset(grad, 0, P * sizeof *grad);
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    block_residual(e, theta, pts, i0, nb, grad != NULL, 0);
    double bsum = 0.0;
    for (int p = 0; p < nb; p++) bsum += e->r[p] * e->r[p];
    total += bsum;
    if (!grad) continue;
    /* ubar_c = dL/du_c = (2/n) r dr/du_c */
    for (int c = 0; c < PF_NCH; c++)
      for (int p = 0; p < nb; p++) e->ubar[c * nb + p] = 2.0 * scale * e->r[p] * e->dr[c * nb + p];
    pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubar, e->G0);
    block_backward(e, theta, nb, e->gblk);
    for (size_t k = 0; k < P; k++) grad[k] += e->gblk[k];
  }
  *loss = total * scale; /* may be non-finite: the caller decides what that means */
  return PF_OK;
}

int pf_engine_residuals(pf_engine *e, const double *theta, const pf_points *pts, double *r,
                        double *u) {
  const size_t n = pts->n;
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    block_residual(e, theta, pts, i0, nb, 0, 0);
    memcpy(r + i0, e->r, (size_t)nb * sizeof *r);
    if (u)
      for (int c = 0; c < PF_NCH; c++)
        memcpy(u + c * n + i0, e->u + c * nb, (size_t)nb * sizeof *u);
  }
  return PF_OK;
}

/* The tangent of the residuals along v for the block last evaluated: fills e->udot, e->rdot. */
static void block_rdot(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb,
                       const double *v) {
  pf_jets_forward_tangent(e, theta, v, nb);
  pf_jets_constrain(e, pts, i0, nb, e->Zd[e->net->nlayers - 1], e->udot, 1);
  for (int p = 0; p < nb; p++) e->rdot[p] = 0.0;
  for (int c = 0; c < PF_NCH; c++)
    for (int p = 0; p < nb; p++) e->rdot[p] += e->dr[c * nb + p] * e->udot[c * nb + p];
}

int pf_engine_jvp(pf_engine *e, const double *theta, const pf_points *pts, const double *v,
                  double *jv) {
  const size_t n = pts->n;
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    block_residual(e, theta, pts, i0, nb, 1, 0);
    block_rdot(e, theta, pts, i0, nb, v);
    memcpy(jv + i0, e->rdot, (size_t)nb * sizeof *jv);
  }
  return PF_OK;
}

/* Reverse pass and its tangent (forward over reverse) from output adjoints G0 and Gd0; writes the
 * block's Hessian-vector product into hout (nparams). */
static void block_backward_tangent(pf_engine *e, const double *theta, const double *v, int nb,
                                   double *hout) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers, ld = e->nc * nb;
  double *G = e->G0, *Gn = e->G1, *Gd = e->Gd0, *Gdn = e->Gd1;
  for (int l = L - 1; l >= 0; l--) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    /* (dW)' = Zbar' A^T + Zbar A'^T; the inputs of layer 0 have no tangent. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nout, nin, ld, 1.0, Gd, ld, e->A[l], ld,
                0.0, hout + net->w_off[l], nin);
    if (l > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nout, nin, ld, 1.0, G, ld, e->Ad[l], ld,
                  1.0, hout + net->w_off[l], nin);
    bias_sums(nout, nb, ld, Gd, hout + net->b_off[l]);
    if (l == 0) break;
    /* abar = W^T Zbar;  abar' = W^T Zbar' + V^T Zbar */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nin, ld, nout, 1.0, theta + net->w_off[l],
                nin, G, ld, 0.0, Gn, ld);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nin, ld, nout, 1.0, theta + net->w_off[l],
                nin, Gd, ld, 0.0, Gdn, ld);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nin, ld, nout, 1.0, v + net->w_off[l], nin,
                G, ld, 1.0, Gdn, ld);
    pf_act_backward_tangent(e, nin, nb, e->A[l], e->Z[l - 1], e->Zd[l - 1], Gn, Gdn);
    double *tmp = G;
    G = Gn;
    Gn = tmp;
    tmp = Gd;
    Gd = Gdn;
    Gdn = tmp;
  }
}

/* The Hessian-vector product of sigma/2 * sum r_i^2 over the block of points i0 .. i0+nb-1 into
 * hout (nparams), overwriting it: forward pass, residual tangent, seeds, forward over reverse. */
static void block_hvp(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb,
                      const double *v, double sigma, double *hout) {
  block_residual(e, theta, pts, i0, nb, 1, 1);
  block_rdot(e, theta, pts, i0, nb, v);
  /* ubar_c = sigma r dr_c;  ubar_c' = sigma (r' dr_c + r sum_d d2r_cd u_d') */
  for (int c = 0; c < PF_NCH; c++) {
    for (int p = 0; p < nb; p++) {
      const double r = e->r[p], drc = e->dr[c * nb + p];
      double curv = 0.0;
      for (int d = 0; d < PF_NCH; d++)
        curv += e->d2r[(c * PF_NCH + d) * nb + p] * e->udot[d * nb + p];
      e->ubar[c * nb + p] = sigma * r * drc;
      e->ubard[c * nb + p] = sigma * (e->rdot[p] * drc + r * curv);
    }
  }
  pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubar, e->G0);
  pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubard, e->Gd0);
  block_backward_tangent(e, theta, v, nb, hout);
}

int pf_engine_hvp(pf_engine *e, const double *theta, const pf_points *pts, const double *v,
                  double *hv) {
  const size_t n = pts->n, P = e->net->nparams;
  PF_CHECK(n > 0, PF_ERR_ARG, "Hessian over an empty point set");
  const double sigma = 2.0 / (double)n;
  memset(hv, 0, P * sizeof *hv);
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    block_hvp(e, theta, pts, i0, nb, v, sigma, e->gblk);
    for (size_t k = 0; k < P; k++) hv[k] += e->gblk[k];
  }
  return PF_OK;
}

int pf_engine_hvp_blocks(pf_engine *e, const double *theta, const pf_points *pts,
                         size_t first_block, size_t nblocks, const double *v, double *out,
                         double scale) {
  const size_t n = pts->n, P = e->net->nparams, bs = (size_t)e->block;
  const size_t nbt = (n + bs - 1) / bs;
  PF_CHECK(first_block + nblocks <= nbt, PF_ERR_ARG, "HVP blocks %zu..%zu outside the %zu blocks",
           first_block, first_block + nblocks, nbt);
  /* 2 * scale is exactly the 2 / n of pf_engine_hvp when scale = 1 / n (a power-of-two factor) */
  const double sigma = 2.0 * scale;
  for (size_t b = 0; b < nblocks; b++) {
    const size_t i0 = (first_block + b) * bs;
    const int nb = (int)(n - i0 < bs ? n - i0 : bs);
    block_hvp(e, theta, pts, i0, nb, v, sigma, out + b * P);
  }
  return PF_OK;
}
