/* The engine's drivers: loop over blocks of points, run the jet passes, seed the reverse pass from
 * the residual, and accumulate per-block sums in block order. Reverse passes for the loss gradient,
 * the Hessian-vector product (forward over reverse) and the Jacobian-vector product live here.
 *
 * Seeds from the residual components r_j (weights w_j) of the loss L = (1/n) sum_i sum_j w_j r_j^2:
 * ubar = sum_j (2/n) w_j r_j dr_j/du, and for the HVP its tangent
 * ubar' = sum_j (2/n) w_j (r_j' dr_j/du + r_j sum_b d2r_j/du du_b u_b'). The specialised path
 * forms these sums over every jet entry of its one output in order (unread entries carry zero
 * partials), which is the arithmetic the engine has always done for the paper's problems; the
 * general path over the read quantities. */
#include "engine_impl.h"
#include "pinnfluence/core.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <strings.h>

/* Second derivatives a problem needs: the pair entries of its read list. */
int pf_nn_carried_pairs(const pf_pinn_ops *ops, unsigned *mask) {
  const int d = ops->d;
  unsigned m = 0;
  int np = 0;
  for (int a = 0; a < ops->nread; a++) {
    const int c = ops->read[a].jet;
    if (c >= 1 + d && !(m & (1u << c))) {
      m |= 1u << c;
      np++;
    }
  }
  if (mask) *mask = m;
  return np;
}

/* Channel layout and per-problem tables (ops checked). */
static void engine_layout(pf_engine *e, const pf_pinn_ops *ops) {
  const int d = ops->d;
  e->d = d;
  e->m = ops->m;
  e->k = ops->k;
  e->nj = pf_jet_count(d);
  e->nread = ops->nread;
  unsigned mask = 0;
  pf_nn_carried_pairs(ops, &mask);
  for (int c = 0; c < PF_MAX_JET; c++) e->slot[c] = -1, e->jet[c] = -1;
  for (int a = 0; a < PF_MAX_DIM; a++)
    for (int b = 0; b < PF_MAX_DIM; b++) e->pairq[a][b] = -1;
  e->nc = 0;
  for (int c = 0; c <= d; c++) e->jet[e->nc] = c, e->slot[c] = e->nc++;
  e->npair = 0;
  for (int a = 0; a < d; a++)
    for (int b = a; b < d; b++) {
      const int c = pf_jet_index(d, a, b);
      if (!(mask & (1u << c))) continue;
      e->pa[e->npair] = a;
      e->pb[e->npair] = b;
      e->pairq[a][b] = e->pairq[b][a] = e->npair++;
      e->jet[e->nc] = c;
      e->slot[c] = e->nc++;
    }
  for (int a = 0; a < ops->nread; a++) e->qrow[a] = ops->read[a].out * e->nj + ops->read[a].jet;
  for (int j = 0; j < ops->k; j++) e->wsq[j] = sqrt(ops->weight[j]);
  /* The specialised kernels: d = 2, one output, no mixed pair. The carried set is v, x, t and
   * xx, tt as read, in today's slot order v, x, t, xx, tt. */
  const int xt = pf_jet_index(2, 0, 1);
  e->spec = d == 2 && ops->m == 1 && !(mask & (1u << xt));
  e->js.hx = e->js.ht = 1;
  e->js.hxx = d == 2 && e->slot[PF_CH_XX] >= 0;
  e->js.htt = d == 2 && e->slot[PF_CH_TT] >= 0;
}

static int engine_alloc(pf_engine *e) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers;
  const size_t bs = (size_t)e->block, cols = (size_t)e->nc * bs;
  const size_t k = (size_t)e->k, nr = (size_t)e->nread, nj = (size_t)e->nj;
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
  const size_t ch = (size_t)e->m * nj * bs;
  PF_CALL(PF_CALLOC(ch, &e->u));
  PF_CALL(PF_CALLOC(ch, &e->udot));
  PF_CALL(PF_CALLOC(ch, &e->ubar));
  PF_CALL(PF_CALLOC(ch, &e->ubard));
  PF_CALL(PF_CALLOC(nr * bs, &e->q));
  PF_CALL(PF_CALLOC(nr * bs, &e->qdot));
  PF_CALL(PF_CALLOC(k * bs, &e->r));
  PF_CALL(PF_CALLOC(k * bs, &e->rdot));
  PF_CALL(PF_CALLOC(k * nr * bs, &e->dr));
  PF_CALL(PF_CALLOC(k * nr * nr * bs, &e->d2r));
  if (e->spec) {
    PF_CALL(PF_CALLOC(k * nj * bs, &e->drd));
    PF_CALL(PF_CALLOC(k * nj * nj * bs, &e->d2rd));
  }
  PF_CALL(PF_CALLOC(PF_NN_NTMP * bs, &e->tmp));
  PF_CALL(PF_CALLOC(net->nparams, &e->gblk));
  PF_CALL(PF_CALLOC(gsz, &e->At));
  return PF_OK;
}

int pf_engine_create(const pf_mlp *net, const pf_pinn_ops *ops, int block, pf_engine **eng) {
  PF_CHECK(net && ops && eng, PF_ERR_ARG, "engine needs a network and problem operations");
  PF_CALL(pf_pinn_ops_check(ops));
  PF_CHECK(block >= 1 && block <= 65536, PF_ERR_ARG, "block size %d outside 1..65536", block);
  const int L = net->nlayers;
  PF_CHECK(net->sizes[0] == ops->d, PF_ERR_ARG,
           "the network takes %d inputs but the problem has d = %d coordinates", net->sizes[0],
           ops->d);
  PF_CHECK(net->sizes[L] == ops->m, PF_ERR_ARG,
           "the network has %d outputs but the problem has m = %d outputs", net->sizes[L], ops->m);
  pf_engine *e = NULL;
  PF_CALL(PF_CALLOC(1, &e));
  e->net = net;
  e->ops = *ops;
  e->block = block;
  engine_layout(e, ops);
  const char *core = pf_blas_core();
  e->small_gemm = core && (!strcasecmp(core, "SkylakeX") || !strcasecmp(core, "Cooperlake") ||
                           !strcasecmp(core, "SapphireRapids"));
  e->maxw = 0;
  for (int l = 0; l <= L; l++) e->maxw = net->sizes[l] > e->maxw ? net->sizes[l] : e->maxw;
  int rc = engine_alloc(e);
  if (rc) {
    pf_engine_destroy(&e);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *eng = e;
  return PF_OK;
}

int pf_engine_destroy(pf_engine **eng) {
  if (!eng || !*eng) return PF_OK;
  pf_engine *e = *eng;
  for (int l = 0; l < e->net->nlayers; l++) {
    if (e->Z) PF_FREE(&e->Z[l]);
    if (e->A) PF_FREE(&e->A[l]);
    if (e->Zd) PF_FREE(&e->Zd[l]);
    if (e->Ad) PF_FREE(&e->Ad[l]);
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
  PF_FREE(&e->udot);
  PF_FREE(&e->ubar);
  PF_FREE(&e->ubard);
  PF_FREE(&e->q);
  PF_FREE(&e->qdot);
  PF_FREE(&e->r);
  PF_FREE(&e->rdot);
  PF_FREE(&e->dr);
  PF_FREE(&e->d2r);
  PF_FREE(&e->drd);
  PF_FREE(&e->d2rd);
  PF_FREE(&e->tmp);
  PF_FREE(&e->gblk);
  PF_FREE(&e->At);
  PF_FREE(eng);
  return PF_OK;
}

/* OpenBLAS (0.3.21) has small-matrix dgemm kernels for its SkylakeX family of cores and runs
 * them for M N K <= 10^6: they skip the packing of the operands and the zeroing of C that its
 * general path does first, which are a fair share of a layer GEMM at the engine's shapes. The
 * layer GEMMs of 2-64-64-64-1 (64 x 512 x 64, 2.1e6) are just above, so the engine splits such a
 * GEMM into pieces of 8 rows (neurons), 64 x 512 x 8 each. Every element of C is still the sum
 * of the same k products in the same order (k <= 64 lies inside one of OpenBLAS's blocks of the
 * inner dimension, and its small and general kernels both sum it in order), so the pieces return
 * the whole GEMM's bits (checked on the Cooperlake, SkylakeX, Haswell and Prescott kernels; a
 * large k, as in the weight gradient's K = channels x points, does change bits). Measured (loss +
 * gradient, one core, interleaved medians): 2-64-64-64-1 5-6 % faster; at k = 100 (2-100x5-1)
 * pieces of 4 to 50 rows are 0-7 % slower and on the Haswell kernels (no small kernels, the
 * input repacked per piece) 8 rows are 19 % slower, so only this case is split. The forward and
 * reverse passes of the loss gradient and the Jacobian rows (and the HVP's forward pass) use it;
 * the HVP's tangent passes keep whole GEMMs (in pieces they measured no faster at 2-64-64-64-1
 * and 12 % slower with heat2d's six channels). */
int pf_engine_gemm_rows(const pf_engine *eng, int m, int n, int k) {
  enum { ROWS = 8, KMAX = 64 };
  const double mnk = (double)m * (double)n * (double)k;
  if (!eng->small_gemm || k > KMAX || mnk <= 1e6 || m <= ROWS) return m;
  return ROWS;
}

int pf_engine_block_size(const pf_engine *eng) {
  return eng->block;
}
int pf_engine_channels(const pf_engine *eng) {
  return eng->nc;
}
int pf_engine_specialised(const pf_engine *eng) {
  return eng->spec;
}
const pf_pinn_ops *pf_engine_ops(const pf_engine *eng) {
  return &eng->ops;
}
int pf_engine_force_general(pf_engine *eng) {
  PF_CHECK(eng, PF_ERR_ARG, "no engine");
  eng->spec = 0; /* drd, d2rd are then unused; the general path needs no other buffer */
  return PF_OK;
}

/* Gather the read quantities (nread, nb) from jets (m*nj, nb). */
static void gather(const pf_engine *e, int nb, const double *u, double *q) {
  for (int a = 0; a < e->nread; a++)
    memcpy(q + (size_t)a * (size_t)nb, u + (size_t)e->qrow[a] * (size_t)nb, (size_t)nb * sizeof *q);
}

void pf_nn_block_residual(pf_engine *e, const double *theta, const pf_points *pts, size_t i0,
                          int nb, int want_dr, int want_d2r) {
  const size_t snb = (size_t)nb, k = (size_t)e->k, nr = (size_t)e->nread, nj = (size_t)e->nj;
  pf_jets_forward(e, theta, pts, i0, nb);
  pf_jets_constrain(e, pts, i0, nb, e->Z[e->net->nlayers - 1], e->u, 0);
  gather(e, nb, e->u, e->q);
  if (want_dr) memset(e->dr, 0, k * nr * snb * sizeof *e->dr);
  if (want_d2r) memset(e->d2r, 0, k * nr * nr * snb * sizeof *e->d2r);
  e->ops.residual(e->ops.ctx, snb, pts->X + i0 * (size_t)e->d, e->q, e->r, want_dr ? e->dr : NULL,
                  want_d2r ? e->d2r : NULL);
  if (!e->spec) return;
  /* m = 1: the row of read a is its jet entry */
  if (want_dr) {
    memset(e->drd, 0, k * nj * snb * sizeof *e->drd);
    for (size_t j = 0; j < k; j++)
      for (size_t a = 0; a < nr; a++)
        memcpy(e->drd + (j * nj + (size_t)e->qrow[a]) * snb, e->dr + (j * nr + a) * snb,
               snb * sizeof *e->drd);
  }
  if (want_d2r) {
    memset(e->d2rd, 0, k * nj * nj * snb * sizeof *e->d2rd);
    for (size_t j = 0; j < k; j++)
      for (size_t a = 0; a < nr; a++)
        for (size_t b = 0; b < nr; b++)
          memcpy(e->d2rd + ((j * nj + (size_t)e->qrow[a]) * nj + (size_t)e->qrow[b]) * snb,
                 e->d2r + ((j * nr + a) * nr + b) * snb, snb * sizeof *e->d2rd);
  }
}

/* C (m, ld) = W^T G + beta C for the m columns of W (nout, lda) from W and G (nout, ld),
 * row-major. */
static void gemm_wt_g(int m, int ld, int nout, const double *W, int lda, const double *G,
                      double beta, double *C) {
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, ld, nout, 1.0, W, lda, G, ld, beta, C,
              ld);
}

/* Bias gradients of a layer: the sums over the block's points of the value channel of its
 * output adjoint G (rows, ld), in point order. One row's sum is a chain of dependent additions
 * (one per add latency); eight rows side by side run eight such chains at once, each still
 * added in point order, so every sum keeps its bits. */
static void bias_sums(int rows, int nb, int ld, const double *G, double *out) {
  enum { R = 8 };
  int j = 0;
  for (; j + R <= rows; j += R) {
    double s[R] = {0.0};
    const double *g = G + (size_t)j * ld;
    for (int p = 0; p < nb; p++)
      for (int r = 0; r < R; r++) s[r] += g[(size_t)r * ld + p];
    for (int r = 0; r < R; r++) out[j + r] = s[r];
  }
  for (; j < rows; j++) {
    const double *g = G + (size_t)j * ld;
    double s = 0.0;
    for (int p = 0; p < nb; p++) s += g[p];
    out[j] = s;
  }
}

void pf_nn_reverse_step(pf_engine *e, const double *theta, int l, int nb, const double *G,
                        double *Gn) {
  const pf_mlp *net = e->net;
  const int nin = net->sizes[l], nout = net->sizes[l + 1], ld = e->nc * nb;
  const double *W = theta + net->w_off[l];
  /* under a one-row output layer W^T G is an outer product, formed inside the reverse step */
  if (nout == 1) {
    pf_act_backward_outer(e, nin, nb, e->A[l], e->Z[l - 1], W, G, Gn);
    return;
  }
  /* in pieces of rows (pf_engine_gemm_rows), each piece's reverse step right after it */
  const int t = pf_engine_gemm_rows(e, nin, ld, nout);
  for (int j0 = 0; j0 < nin; j0 += t) {
    const int m = nin - j0 < t ? nin - j0 : t;
    const size_t o = (size_t)j0 * (size_t)ld;
    gemm_wt_g(m, ld, nout, W + j0, nin, G, 0.0, Gn + o);
    pf_act_backward(e, m, nb, e->A[l] + o, e->Z[l - 1] + o, Gn + o);
  }
}

/* Reverse pass of a block from the output adjoint in G0 (m, nc*nb). Writes the parameter
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
    pf_nn_reverse_step(e, theta, l, nb, G, Gn);
    double *tmp = G;
    G = Gn;
    Gn = tmp;
  }
}

/* ubar = sum_j sg w_j r_j dr_j/du (m*nj, nb) for the block last evaluated with dr; sg = 2/n for
 * the loss gradient. */
static void seed_gradient(pf_engine *e, int nb, double sg) {
  const size_t snb = (size_t)nb, nj = (size_t)e->nj, nr = (size_t)e->nread;
  const int k = e->k;
  if (e->spec) {
    for (size_t c = 0; c < nj; c++) {
      double *ub = e->ubar + c * snb;
      for (int j = 0; j < k; j++) {
        /* w_j = 1: (sg * 1) * r * dr = 2.0 * scale * r * dr, the engine's seed */
        const double sw = sg * e->ops.weight[j];
        const double *r = e->r + (size_t)j * snb, *dr = e->drd + ((size_t)j * nj + c) * snb;
        if (j == 0)
          for (int p = 0; p < nb; p++) ub[p] = sw * r[p] * dr[p];
        else
          for (int p = 0; p < nb; p++) ub[p] += sw * r[p] * dr[p];
      }
    }
    return;
  }
  memset(e->ubar, 0, (size_t)e->m * nj * snb * sizeof *e->ubar);
  for (size_t a = 0; a < nr; a++) {
    double *ub = e->ubar + (size_t)e->qrow[a] * snb;
    for (int j = 0; j < k; j++) {
      const double sw = sg * e->ops.weight[j];
      const double *r = e->r + (size_t)j * snb, *dr = e->dr + ((size_t)j * nr + a) * snb;
      if (j == 0)
        for (int p = 0; p < nb; p++) ub[p] = sw * r[p] * dr[p];
      else
        for (int p = 0; p < nb; p++) ub[p] += sw * r[p] * dr[p];
    }
  }
}

int pf_engine_loss_grad(pf_engine *e, const double *theta, const pf_points *pts, double *loss,
                        double *grad) {
  const size_t n = pts->n, P = e->net->nparams;
  PF_CHECK(n > 0, PF_ERR_ARG, "loss over an empty point set");
  const double scale = 1.0 / (double)n;
  const int k = e->k;
  double total = 0.0;
  if (grad) memset(grad, 0, P * sizeof *grad);
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    pf_nn_block_residual(e, theta, pts, i0, nb, grad != NULL, 0);
    /* l_i = sum_j w_j r_j^2 (k = 1, w = 1: r * r) */
    double bsum = 0.0;
    for (int p = 0; p < nb; p++) {
      const double r0 = e->r[p];
      double l = e->ops.weight[0] * (r0 * r0);
      for (int j = 1; j < k; j++) {
        const double rj = e->r[(size_t)j * (size_t)nb + (size_t)p];
        l += e->ops.weight[j] * (rj * rj);
      }
      bsum += l;
    }
    total += bsum;
    if (!grad) continue;
    /* ubar = dL/du = sum_j (2/n) w_j r_j dr_j/du */
    seed_gradient(e, nb, 2.0 * scale);
    pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubar, e->G0);
    block_backward(e, theta, nb, e->gblk);
    for (size_t q = 0; q < P; q++) grad[q] += e->gblk[q];
  }
  *loss = total * scale; /* may be non-finite: the caller decides what that means */
  return PF_OK;
}

int pf_engine_residuals(pf_engine *e, const double *theta, const pf_points *pts, double *r,
                        double *u) {
  const size_t n = pts->n, k = (size_t)e->k, rows = (size_t)e->m * (size_t)e->nj;
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    pf_nn_block_residual(e, theta, pts, i0, nb, 0, 0);
    for (size_t j = 0; j < k; j++)
      for (int p = 0; p < nb; p++) r[(i0 + (size_t)p) * k + j] = e->r[j * (size_t)nb + (size_t)p];
    if (u)
      for (size_t c = 0; c < rows; c++)
        memcpy(u + c * n + i0, e->u + c * (size_t)nb, (size_t)nb * sizeof *u);
  }
  return PF_OK;
}

/* The tangent of the residuals along v for the block last evaluated with dr: fills e->udot,
 * e->qdot and e->rdot (k, nb), rdot_j = sum dr_j/du . udot. */
void pf_nn_block_rdot(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb,
                      const double *v) {
  const size_t snb = (size_t)nb, nj = (size_t)e->nj, nr = (size_t)e->nread;
  pf_jets_forward_tangent(e, theta, v, nb);
  pf_jets_constrain(e, pts, i0, nb, e->Zd[e->net->nlayers - 1], e->udot, 1);
  gather(e, nb, e->udot, e->qdot);
  for (int j = 0; j < e->k; j++) {
    double *rd = e->rdot + (size_t)j * snb;
    for (int p = 0; p < nb; p++) rd[p] = 0.0;
    if (e->spec) {
      for (size_t c = 0; c < nj; c++) {
        const double *dr = e->drd + ((size_t)j * nj + c) * snb, *ud = e->udot + c * snb;
        for (int p = 0; p < nb; p++) rd[p] += dr[p] * ud[p];
      }
    } else {
      for (size_t a = 0; a < nr; a++) {
        const double *dr = e->dr + ((size_t)j * nr + a) * snb, *qd = e->qdot + a * snb;
        for (int p = 0; p < nb; p++) rd[p] += dr[p] * qd[p];
      }
    }
  }
}

int pf_engine_jvp(pf_engine *e, const double *theta, const pf_points *pts, const double *v,
                  double *jv) {
  const size_t n = pts->n, k = (size_t)e->k;
  for (size_t i0 = 0; i0 < n; i0 += (size_t)e->block) {
    const int nb = (int)(n - i0 < (size_t)e->block ? n - i0 : (size_t)e->block);
    pf_nn_block_residual(e, theta, pts, i0, nb, 1, 0);
    pf_nn_block_rdot(e, theta, pts, i0, nb, v);
    /* ds_j = sqrt(w_j) dr_j (w_j = 1: exactly dr_j) */
    for (size_t j = 0; j < k; j++)
      for (int p = 0; p < nb; p++)
        jv[(i0 + (size_t)p) * k + j] = e->wsq[j] * e->rdot[j * (size_t)nb + (size_t)p];
  }
  return PF_OK;
}

/* Reverse pass and its tangent (forward over reverse) from output adjoints G0 and Gd0; writes the
 * block's Hessian-vector product into hout (nparams). */
void pf_nn_block_backward_tangent(pf_engine *e, const double *theta, const double *v, int nb,
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
    /* abar = W^T Zbar;  abar' = W^T Zbar' + V^T Zbar (outer products under a one-row output
     * layer, formed inside the reverse step) */
    if (nout == 1) {
      pf_act_backward_tangent_outer(e, nin, nb, e->A[l], e->Z[l - 1], e->Zd[l - 1],
                                    theta + net->w_off[l], v + net->w_off[l], G, Gd, Gn, Gdn);
    } else {
      /* whole GEMMs, as in the forward tangent (jets.c) */
      const double *W = theta + net->w_off[l], *V = v + net->w_off[l];
      gemm_wt_g(nin, ld, nout, W, nin, G, 0.0, Gn);
      gemm_wt_g(nin, ld, nout, W, nin, Gd, 0.0, Gdn);
      gemm_wt_g(nin, ld, nout, V, nin, G, 1.0, Gdn);
      pf_act_backward_tangent(e, nin, nb, e->A[l], e->Z[l - 1], e->Zd[l - 1], Gn, Gdn);
    }
    double *tmp = G;
    G = Gn;
    Gn = tmp;
    tmp = Gd;
    Gd = Gdn;
    Gdn = tmp;
  }
}

/* HVP seeds: ubar = sum_j sigma w_j r_j dr_j, ubar' = sum_j sigma w_j (r_j' dr_j + r_j curv_j)
 * with curv_j = sum_b d2r_j/du du_b u_b'. */
void pf_nn_seed_hvp(pf_engine *e, int nb, double sigma) {
  const size_t snb = (size_t)nb, nj = (size_t)e->nj, nr = (size_t)e->nread;
  const int k = e->k;
  if (e->spec) {
    for (size_t c = 0; c < nj; c++) {
      double *ub = e->ubar + c * snb, *ubd = e->ubard + c * snb;
      for (int j = 0; j < k; j++) {
        /* w_j = 1: sg = sigma, the engine's seeds sigma r dr, sigma (r' dr + r curv) */
        const double sg = sigma * e->ops.weight[j];
        const double *rr = e->r + (size_t)j * snb, *rd = e->rdot + (size_t)j * snb;
        const double *drc = e->drd + ((size_t)j * nj + c) * snb;
        const double *d2 = e->d2rd + ((size_t)j * nj + c) * nj * snb;
        for (int p = 0; p < nb; p++) {
          const double r = rr[p], dr = drc[p];
          double curv = 0.0;
          for (size_t b = 0; b < nj; b++) curv += d2[b * snb + (size_t)p] * e->udot[b * snb + p];
          const double tb = sg * r * dr, tbd = sg * (rd[p] * dr + r * curv);
          if (j == 0) {
            ub[p] = tb;
            ubd[p] = tbd;
          } else {
            ub[p] += tb;
            ubd[p] += tbd;
          }
        }
      }
    }
    return;
  }
  double *curv = e->tmp;
  memset(e->ubar, 0, (size_t)e->m * nj * snb * sizeof *e->ubar);
  memset(e->ubard, 0, (size_t)e->m * nj * snb * sizeof *e->ubard);
  for (size_t a = 0; a < nr; a++) {
    double *ub = e->ubar + (size_t)e->qrow[a] * snb, *ubd = e->ubard + (size_t)e->qrow[a] * snb;
    for (int j = 0; j < k; j++) {
      const double sg = sigma * e->ops.weight[j];
      const double *rr = e->r + (size_t)j * snb, *rd = e->rdot + (size_t)j * snb;
      const double *dr = e->dr + ((size_t)j * nr + a) * snb;
      const double *d2 = e->d2r + ((size_t)j * nr + a) * nr * snb;
      for (int p = 0; p < nb; p++) curv[p] = 0.0;
      for (size_t b = 0; b < nr; b++) {
        const double *d2b = d2 + b * snb, *qd = e->qdot + b * snb;
        for (int p = 0; p < nb; p++) curv[p] += d2b[p] * qd[p];
      }
      for (int p = 0; p < nb; p++) {
        const double tb = sg * rr[p] * dr[p], tbd = sg * (rd[p] * dr[p] + rr[p] * curv[p]);
        if (j == 0) {
          ub[p] = tb;
          ubd[p] = tbd;
        } else {
          ub[p] += tb;
          ubd[p] += tbd;
        }
      }
    }
  }
}

/* The Hessian-vector product of sigma/2 * sum_i l_i over the block of points i0 .. i0+nb-1 into
 * hout (nparams), overwriting it: forward pass, residual tangent, seeds, forward over reverse. */
static void block_hvp(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb,
                      const double *v, double sigma, double *hout) {
  pf_nn_block_residual(e, theta, pts, i0, nb, 1, 1);
  pf_nn_block_rdot(e, theta, pts, i0, nb, v);
  pf_nn_seed_hvp(e, nb, sigma);
  pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubar, e->G0);
  pf_jets_constrain_adjoint(e, pts, i0, nb, e->ubard, e->Gd0);
  pf_nn_block_backward_tangent(e, theta, v, nb, hout);
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
    for (size_t q = 0; q < P; q++) hv[q] += e->gblk[q];
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
