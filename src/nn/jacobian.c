/* Rows of the Jacobian J = ds/dtheta of the weighted residuals s_ij = sqrt(w_j) r_j(X_i) for a
 * block of points from one batched reverse pass per component: the reverse pass seeded with
 * sqrt(w_j) dr_j/du per point (not summed) carries per-point adjoints through every layer (points
 * never interact), and row (i, j) of the weight block of layer l is sum_c zbar_c[:, i] a_c[:, i]^T,
 * assembled point by point from the transposed layer input. */
#include "engine_impl.h"
#include "pinnfluence/core.h"

#include <string.h>

/* row[k] = sum_c g_c a_c[k] over the nc channels, added in channel order (each product rounded,
 * then added: the bits of accumulating the channels into the row one after the other), formed in
 * registers and stored once. NC > 0: the channel count as a compile-time constant. */
PF_INLINE void weight_row(const int NC, int nc, int nin, const double *gc, const double *const *ac,
                          double *restrict row) {
  const int n = NC ? NC : nc;
  for (int k = 0; k < nin; k++) {
    double s = gc[0] * ac[0][k];
    for (int c = 1; c < n; c++) s += gc[c] * ac[c][k];
    row[k] = s;
  }
}

/* Per-point weight and bias rows of layer l into the J rows of points p0 .. p0+np-1: the row of
 * point p at J + (p - p0) * rstride. G: adjoints of the layer output (nout, nc*nb); A: layer
 * input (nin, nc*nb). */
PF_CLONES static void assemble_rows(pf_engine *e, int l, int nb, const double *G, const double *A,
                                    int p0, int np, double *J, size_t rstride) {
  const pf_mlp *net = e->net;
  const int nin = net->sizes[l], nout = net->sizes[l + 1], nc = e->nc, ld = nc * nb;
  /* At[(c*nb + p) * nin + k] = A[k, c*nb + p]: each point's input channel a contiguous row. */
  for (int k = 0; k < nin; k++)
    for (int q = 0; q < ld; q++) e->At[(size_t)q * nin + k] = A[(size_t)k * ld + q];
  for (int p = p0; p < p0 + np; p++) {
    double *Jw = J + (size_t)(p - p0) * rstride + net->w_off[l];
    double *Jb = J + (size_t)(p - p0) * rstride + net->b_off[l];
    const double *ac[PF_MAX_JET];
    for (int c = 0; c < nc; c++) ac[c] = e->At + (size_t)(c * nb + p) * nin;
    for (int j = 0; j < nout; j++) {
      const double *g = G + (size_t)j * ld;
      double gc[PF_MAX_JET];
      for (int c = 0; c < nc; c++) gc[c] = g[c * nb + p];
      double *row = Jw + (size_t)j * nin;
      /* the paper's channel sets: v, x, t and one or both of xx, tt */
      switch (nc) {
      case 4:
        weight_row(4, nc, nin, gc, ac, row);
        break;
      case 5:
        weight_row(5, nc, nin, gc, ac, row);
        break;
      default:
        weight_row(0, nc, nin, gc, ac, row);
      }
      Jb[j] = gc[0];
    }
  }
}

/* The seed of component j, sqrt(w_j) dr_j/du (m*nj, nb), for the block last evaluated with dr. */
static const double *seed_rows(pf_engine *e, int nb, int j) {
  const size_t snb = (size_t)nb, nj = (size_t)e->nj, nr = (size_t)e->nread;
  const double w = e->wsq[j];
  if (e->spec) {
    const double *drd = e->drd + (size_t)j * nj * snb;
    if (w == 1.0) return drd; /* the paper's problems: dr itself */
    for (size_t c = 0; c < nj * snb; c++) e->ubar[c] = w * drd[c];
    return e->ubar;
  }
  memset(e->ubar, 0, (size_t)e->m * nj * snb * sizeof *e->ubar);
  for (size_t a = 0; a < nr; a++) {
    const double *dr = e->dr + ((size_t)j * nr + a) * snb;
    double *ub = e->ubar + (size_t)e->qrow[a] * snb;
    for (int p = 0; p < nb; p++) ub[p] = w * dr[p];
  }
  return e->ubar;
}

int pf_engine_jacobian_rows(pf_engine *e, const double *theta, const pf_points *pts, size_t first,
                            size_t count, double *J, double *r) {
  const size_t n = pts->n;
  PF_CHECK(first + count <= n, PF_ERR_ARG, "Jacobian rows %zu..%zu outside the %zu points", first,
           first + count, n);
  const pf_mlp *net = e->net;
  const int L = net->nlayers, k = e->k;
  const size_t bs = (size_t)e->block, P = net->nparams, rstride = (size_t)k * P;
  /* Blocks are aligned to multiples of the block size so a row never depends on `first`. */
  for (size_t i0 = first / bs * bs; i0 < first + count; i0 += bs) {
    const int nb = (int)(n - i0 < bs ? n - i0 : bs);
    const size_t lo = i0 > first ? i0 : first;
    const size_t hi = i0 + (size_t)nb < first + count ? i0 + (size_t)nb : first + count;
    const int p0 = (int)(lo - i0), np = (int)(hi - lo);
    pf_nn_block_residual(e, theta, pts, i0, nb, 1, 0);
    if (r)
      for (int p = p0; p < p0 + np; p++)
        for (int j = 0; j < k; j++)
          r[(lo - first + (size_t)(p - p0)) * (size_t)k + (size_t)j] =
              e->wsq[j] * e->r[(size_t)j * (size_t)nb + (size_t)p];
    for (int j = 0; j < k; j++) {
      double *Jblk = J + (lo - first) * rstride + (size_t)j * P;
      pf_jets_constrain_adjoint(e, pts, i0, nb, seed_rows(e, nb, j), e->G0);
      double *G = e->G0, *Gn = e->G1;
      for (int l = L - 1; l >= 0; l--) {
        assemble_rows(e, l, nb, G, e->A[l], p0, np, Jblk, rstride);
        if (l == 0) break;
        pf_nn_reverse_step(e, theta, l, nb, G, Gn);
        double *tmp = G;
        G = Gn;
        Gn = tmp;
      }
    }
  }
  return PF_OK;
}
