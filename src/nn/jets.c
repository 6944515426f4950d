/* Forward propagation of input-derivative jets through the MLP for one block of points (and its
 * tangent along a parameter direction), and the hard-constraint transform u = A + B N with its
 * adjoint. Each layer is one GEMM over all channels side by side (W times the (n_in, nc*nb)
 * block) followed by one fused elementwise pass. */
#include "engine_impl.h"

#include <cblas.h>
#include <string.h>

/* Input jets of layer 0: row j is the coordinate X_j; its value channel holds the coordinates of
 * the block's points, its first-order channel along X_j is 1 (the unit vector e_j), every other
 * channel 0. */
static void input_jets(const pf_engine *e, const pf_points *pts, size_t i0, int nb, double *A0) {
  const int d = e->d;
  const size_t ld = (size_t)e->nc * (size_t)nb;
  const double *X = pts->X + i0 * (size_t)d;
  memset(A0, 0, (size_t)d * ld * sizeof *A0);
  for (int j = 0; j < d; j++) {
    double *v = A0 + (size_t)j * ld, *ej = v + (size_t)(1 + j) * (size_t)nb;
    for (int p = 0; p < nb; p++) v[p] = X[(size_t)p * (size_t)d + (size_t)j];
    for (int p = 0; p < nb; p++) ej[p] = 1.0;
  }
}

void pf_jets_forward(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers, ld = e->nc * nb;
  input_jets(e, pts, i0, nb, e->A[0]);
  for (int l = 0; l < L; l++) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    const double *W = theta + net->w_off[l];
    if (l < L - 1) {
      /* in pieces of rows (pf_engine_gemm_rows), each piece's activation right after it */
      const int t = pf_engine_gemm_rows(e, nout, ld, nin);
      for (int j0 = 0; j0 < nout; j0 += t) {
        const int m = nout - j0 < t ? nout - j0 : t;
        const size_t o = (size_t)j0 * (size_t)ld;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, ld, nin, 1.0,
                    W + (size_t)j0 * (size_t)nin, nin, e->A[l], ld, 0.0, e->Z[l] + o, ld);
        pf_act_forward(e, m, nb, theta + net->b_off[l] + j0, e->Z[l] + o, e->A[l + 1] + o);
      }
    } else {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nout, ld, nin, 1.0, W, nin, e->A[l],
                  ld, 0.0, e->Z[l], ld);
      for (int j = 0; j < nout; j++) {
        const double b = theta[net->b_off[l] + j];
        for (int p = 0; p < nb; p++) e->Z[l][(size_t)j * ld + p] += b;
      }
    }
  }
}

void pf_jets_forward_tangent(pf_engine *e, const double *theta, const double *v, int nb) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers, ld = e->nc * nb;
  for (int l = 0; l < L; l++) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    /* zd = V a + W ad (+ vb on v); the inputs of layer 0 do not depend on theta. Whole GEMMs: in
     * pieces (pf_engine_gemm_rows) the tangent passes measured no faster, and 12 % slower with
     * heat2d's six channels. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nout, ld, nin, 1.0, v + net->w_off[l],
                nin, e->A[l], ld, 0.0, e->Zd[l], ld);
    if (l > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nout, ld, nin, 1.0,
                  theta + net->w_off[l], nin, e->Ad[l], ld, 1.0, e->Zd[l], ld);
    for (int j = 0; j < nout; j++) {
      const double b = v[net->b_off[l] + j];
      for (int p = 0; p < nb; p++) e->Zd[l][(size_t)j * ld + p] += b;
    }
    if (l < L - 1)
      pf_act_forward_tangent(e, nout, nb, e->A[l + 1], e->Z[l], e->Zd[l], e->Ad[l + 1]);
  }
}

/* Per output o (row o of N, channels at slots): u_v = A_v + B_v N_v,
 * u_a = A_a + B_a N_v + B_v N_a, u_aa = A_aa + B_aa N_v + 2 B_a N_a + B_v N_aa and, for a != b,
 * u_ab = A_ab + B_ab N_v + B_a N_b + B_b N_a + B_v N_ab. */
void pf_jets_constrain(const pf_engine *e, const pf_points *pts, size_t i0, int nb, const double *N,
                       double *u, int tangent) {
  const size_t n = pts->n, ld = (size_t)e->nc * (size_t)nb, snb = (size_t)nb;
  const int d = e->d, nj = e->nj;
  memset(u, 0, (size_t)e->m * (size_t)nj * snb * sizeof *u);
  for (int o = 0; o < e->m; o++) {
    const double *No = N + (size_t)o * ld, *Nv = No;
    const double *Ac = pts->A + (size_t)o * (size_t)nj * n + i0;
    const double *Bc = pts->B + (size_t)o * (size_t)nj * n + i0, *Bv = Bc;
    double *uo = u + (size_t)o * (size_t)nj * snb;
    for (int p = 0; p < nb; p++) uo[p] = (tangent ? 0.0 : Ac[p]) + Bv[p] * Nv[p];
    /* first-order channels: u_c = A_c + B_c N + B N_c */
    for (int a = 0; a < d; a++) {
      const int c = 1 + a;
      const double *Nc = No + (size_t)c * snb, *Acc = Ac + (size_t)c * n, *Bcc = Bc + (size_t)c * n;
      double *uc = uo + (size_t)c * snb;
      for (int p = 0; p < nb; p++)
        uc[p] = (tangent ? 0.0 : Acc[p]) + Bcc[p] * Nv[p] + Bv[p] * Nc[p];
    }
    /* second-order channels */
    for (int q = 0; q < e->npair; q++) {
      const int s = 1 + d + q, c = e->jet[s], ca = 1 + e->pa[q], cb = 1 + e->pb[q];
      const double *Ncc = No + (size_t)s * snb, *Na = No + (size_t)ca * snb;
      const double *Nb = No + (size_t)cb * snb;
      const double *Acc = Ac + (size_t)c * n, *Bcc = Bc + (size_t)c * n;
      const double *Ba = Bc + (size_t)ca * n, *Bb = Bc + (size_t)cb * n;
      double *uc = uo + (size_t)c * snb;
      if (ca == cb)
        for (int p = 0; p < nb; p++)
          uc[p] = (tangent ? 0.0 : Acc[p]) + Bcc[p] * Nv[p] + 2.0 * Ba[p] * Na[p] + Bv[p] * Ncc[p];
      else
        for (int p = 0; p < nb; p++)
          uc[p] = (tangent ? 0.0 : Acc[p]) + Bcc[p] * Nv[p] + Ba[p] * Nb[p] + Bb[p] * Na[p] +
                  Bv[p] * Ncc[p];
    }
  }
}

/* The transpose of pf_jets_constrain: N_v gets B_c ubar_c of every carried c, N_c (c != v) gets
 * B_v ubar_c, and the first-order N_a gets 2 B_a ubar_aa, B_b ubar_ab of the pairs containing a. */
void pf_jets_constrain_adjoint(const pf_engine *e, const pf_points *pts, size_t i0, int nb,
                               const double *ubar, double *G) {
  const size_t n = pts->n, ld = (size_t)e->nc * (size_t)nb, snb = (size_t)nb;
  const int d = e->d, nj = e->nj;
  for (int o = 0; o < e->m; o++) {
    const double *Bc = pts->B + (size_t)o * (size_t)nj * n + i0, *Bv = Bc;
    const double *ub = ubar + (size_t)o * (size_t)nj * snb;
    double *Go = G + (size_t)o * ld, *Gv = Go;
    for (int p = 0; p < nb; p++) Gv[p] = Bv[p] * ub[p];
    for (int s = 1; s < e->nc; s++) {
      const int c = e->jet[s];
      const double *Bcc = Bc + (size_t)c * n, *uc = ub + (size_t)c * snb;
      double *Gc = Go + (size_t)s * snb;
      for (int p = 0; p < nb; p++) {
        Gv[p] += Bcc[p] * uc[p];
        Gc[p] = Bv[p] * uc[p];
      }
    }
    for (int q = 0; q < e->npair; q++) {
      const int c = e->jet[1 + d + q], ca = 1 + e->pa[q], cb = 1 + e->pb[q];
      const double *Ba = Bc + (size_t)ca * n, *Bb = Bc + (size_t)cb * n, *uc = ub + (size_t)c * snb;
      double *Ga = Go + (size_t)ca * snb, *Gb = Go + (size_t)cb * snb;
      if (ca == cb) {
        for (int p = 0; p < nb; p++) Ga[p] += 2.0 * Ba[p] * uc[p];
      } else {
        for (int p = 0; p < nb; p++) {
          Ga[p] += Bb[p] * uc[p];
          Gb[p] += Ba[p] * uc[p];
        }
      }
    }
  }
}
