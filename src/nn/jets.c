/* Forward propagation of input-derivative jets through the MLP for one block of points (and its
 * tangent along a parameter direction), and the hard-constraint transform u = A + B N with its
 * adjoint. Each layer is one GEMM over all channels side by side (W times the (n_in, nc*nb)
 * block) followed by one fused elementwise pass. */
#include "engine_impl.h"

#include <cblas.h>
#include <string.h>

/* Input jets of layer 0: rows x and t; channel v holds the coordinates, channel x the unit
 * vector e_x, channel t the unit vector e_t, second-order channels zero. */
static void input_jets(const pf_engine *e, const pf_points *pts, size_t i0, int nb, double *A0) {
  const int ld = e->nc * nb;
  memset(A0, 0, 2 * (size_t)ld * sizeof *A0);
  memcpy(A0, pts->x + i0, (size_t)nb * sizeof *A0);
  memcpy(A0 + ld, pts->t + i0, (size_t)nb * sizeof *A0);
  if (e->slot[PF_CH_X] >= 0)
    for (int p = 0; p < nb; p++) A0[e->slot[PF_CH_X] * nb + p] = 1.0;
  if (e->slot[PF_CH_T] >= 0)
    for (int p = 0; p < nb; p++) A0[ld + e->slot[PF_CH_T] * nb + p] = 1.0;
}

void pf_jets_forward(pf_engine *e, const double *theta, const pf_points *pts, size_t i0, int nb) {
  const pf_mlp *net = e->net;
  const int L = net->nlayers, ld = e->nc * nb;
  input_jets(e, pts, i0, nb, e->A[0]);
  for (int l = 0; l < L; l++) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nout, ld, nin, 1.0,
                theta + net->w_off[l], nin, e->A[l], ld, 0.0, e->Z[l], ld);
    if (l < L - 1) {
      pf_act_forward(e, nout, nb, theta + net->b_off[l], e->Z[l], e->A[l + 1]);
    } else {
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
    /* zd = V a + W ad (+ vb on v); the inputs of layer 0 do not depend on theta. */
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

void pf_jets_constrain(const pf_engine *e, const pf_points *pts, size_t i0, int nb, const double *N,
                       double *u, int tangent) {
  const size_t n = pts->n;
  const double *Ac = pts->A + i0, *Bc = pts->B + i0;
  const double *Nv = N;
  const double *Bv = Bc;
  memset(u, 0, PF_NCH * (size_t)nb * sizeof *u);
  for (int p = 0; p < nb; p++) u[p] = (tangent ? 0.0 : Ac[p]) + Bv[p] * Nv[p];
  /* first-order channels: u_c = A_c + B_c N + B N_c */
  for (int c = PF_CH_X; c <= PF_CH_T; c++) {
    if (e->slot[c] < 0) continue;
    const double *Nc = N + e->slot[c] * nb, *Acc = Ac + c * n, *Bcc = Bc + c * n;
    double *uc = u + c * nb;
    for (int p = 0; p < nb; p++) uc[p] = (tangent ? 0.0 : Acc[p]) + Bcc[p] * Nv[p] + Bv[p] * Nc[p];
  }
  /* second-order channels: u_cc = A_cc + B_cc N + 2 B_c N_c + B N_cc */
  for (int c = PF_CH_XX; c <= PF_CH_TT; c++) {
    if (e->slot[c] < 0) continue;
    const int c1 = c - 2; /* xx -> x, tt -> t */
    const double *Ncc = N + e->slot[c] * nb, *N1 = N + e->slot[c1] * nb;
    const double *Acc = Ac + c * n, *Bcc = Bc + c * n, *B1 = Bc + c1 * n;
    double *uc = u + c * nb;
    for (int p = 0; p < nb; p++)
      uc[p] = (tangent ? 0.0 : Acc[p]) + Bcc[p] * Nv[p] + 2.0 * B1[p] * N1[p] + Bv[p] * Ncc[p];
  }
}

void pf_jets_constrain_adjoint(const pf_engine *e, const pf_points *pts, size_t i0, int nb,
                               const double *ubar, double *G) {
  const size_t n = pts->n;
  const double *Bc = pts->B + i0, *Bv = Bc;
  double *Gv = G;
  for (int p = 0; p < nb; p++) Gv[p] = Bv[p] * ubar[p];
  for (int c = PF_CH_X; c < PF_NCH; c++) {
    if (e->slot[c] < 0) continue;
    const double *Bcc = Bc + c * n, *uc = ubar + c * nb;
    double *Gc = G + e->slot[c] * nb;
    for (int p = 0; p < nb; p++) {
      Gv[p] += Bcc[p] * uc[p];
      Gc[p] = Bv[p] * uc[p];
    }
  }
  for (int c = PF_CH_XX; c <= PF_CH_TT; c++) {
    if (e->slot[c] < 0) continue;
    const int c1 = c - 2;
    const double *B1 = Bc + c1 * n, *uc = ubar + c * nb;
    double *G1 = G + e->slot[c1] * nb;
    for (int p = 0; p < nb; p++) G1[p] += 2.0 * B1[p] * uc[p];
  }
}
