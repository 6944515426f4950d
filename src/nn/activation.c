/* Fused elementwise passes of a tanh layer over its jet channels: forward, forward tangent,
 * reverse, and reverse tangent (for exact Hessian-vector products). One pass per layer touches
 * every channel of a point once.
 *
 * Specialised kernels (d = 2, channels v, x, t, xx, tt): the channel set is a compile-time constant
 * inside each kernel (the dispatchers below instantiate the nine valid sets), so the inner loops
 * vectorise. With s = tanh z_v: s1 = 1 - s^2, s2 = -2 s s1, s3 = -2 (s1^2 + s s2),
 * s4 = -2 (3 s1 s2 + s s3).
 * Forward:  a_v = s, a_x = s1 z_x, a_xx = s2 z_x^2 + s1 z_xx (t likewise).
 * Reverse:  zb_xx = ab_xx s1, zb_x = ab_x s1 + 2 ab_xx s2 z_x,
 *           zb_v = ab_v s1 + s2 (ab_x z_x + ab_t z_t + ab_xx z_xx + ab_tt z_tt)
 *                 + s3 (ab_xx z_x^2 + ab_tt z_t^2).
 * Tangents follow by the product rule with sd = s1 zd_v, s1d = s2 zd_v, s2d = s3 zd_v,
 * s3d = s4 zd_v (DESIGN.md, appendix).
 *
 * General kernels (any d, any set of pairs (a, b), a <= b, mixed included; DESIGN.md section 8):
 * Forward:  a_a = s1 z_a, a_ab = s2 z_a z_b + s1 z_ab.
 * Reverse:  zb_v = ab_v s1 + s2 (sum_c ab_c z_c over every derivative channel c)
 *                 + s3 (sum_pairs ab_ab z_a z_b),
 *           zb_a = ab_a s1 + s2 sum_{pairs containing a} ab_ab d(z_a z_b)/dz_a  (z_b, or 2 z_a
 *                  for the pair (a, a)),
 *           zb_ab = ab_ab s1.
 * They loop over channels outside and points inside, with per-row temporaries of s1 .. s4. */
#include "engine_impl.h"
#include "vmath.h"

/* The channel rows of a neuron never overlap; iterations over points are independent. */
#define PF_IVDEP _Pragma("GCC ivdep")

/* Slots of the channels for a flag set: v = 0, then x, t, xx, tt as present. Rows are addressed
 * through one pointer per channel (ROW), so every inner loop is a plain unit-stride stream that
 * GCC vectorises. */
#define SLOTS                                                                                      \
  const size_t ld = (size_t)(1 + HX + HT + HXX + HTT) * (size_t)nb;                                \
  const size_t ox = (size_t)nb, ot = (size_t)(1 + HX) * (size_t)nb,                                \
               oxx = (size_t)(1 + HX + HT) * (size_t)nb,                                           \
               ott = (size_t)(1 + HX + HT + HXX) * (size_t)nb;                                     \
  (void)ox, (void)ot, (void)oxx, (void)ott
/* Pointers to the five channel rows of row j of matrix M (absent channels alias v, unused). */
#define ROW(T, name, M)                                                                            \
  T *name##v = (M) + (size_t)j * ld;                                                               \
  T *name##x = name##v + (HX ? ox : 0);                                                            \
  T *name##t = name##v + (HT ? ot : 0);                                                            \
  T *name##xx = name##v + (HXX ? oxx : 0);                                                         \
  T *name##tt = name##v + (HTT ? ott : 0);                                                         \
  (void)name##x, (void)name##t, (void)name##xx, (void)name##tt

PF_INLINE void fwd_(const int HX, const int HT, const int HXX, const int HTT, int rows, int nb,
                    const double *bias, const double *Z, double *A) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    ROW(const double, z, Z);
    ROW(double, a, A);
    const double bj = bias[j];
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = pf_vtanh(zv[p] + bj);
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1;
      av[p] = s;
      if (HX) ax[p] = s1 * zx[p];
      if (HT) at[p] = s1 * zt[p];
      if (HXX) axx[p] = s2 * zx[p] * zx[p] + s1 * zxx[p];
      if (HTT) att[p] = s2 * zt[p] * zt[p] + s1 * ztt[p];
    }
  }
}

PF_INLINE void fwd_tan_(const int HX, const int HT, const int HXX, const int HTT, int rows, int nb,
                        const double *A, const double *Z, const double *Zd, double *Ad) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    ROW(const double, a, A);
    ROW(const double, z, Z);
    ROW(const double, zd, Zd);
    ROW(double, ad, Ad);
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = av[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double zv_ = zdv[p];
      double sd1 = s2 * zv_, sd2 = s3 * zv_;
      adv[p] = s1 * zv_;
      if (HX) adx[p] = sd1 * zx[p] + s1 * zdx[p];
      if (HT) adt[p] = sd1 * zt[p] + s1 * zdt[p];
      if (HXX)
        adxx[p] = sd2 * zx[p] * zx[p] + 2.0 * s2 * zx[p] * zdx[p] + sd1 * zxx[p] + s1 * zdxx[p];
      if (HTT)
        adtt[p] = sd2 * zt[p] * zt[p] + 2.0 * s2 * zt[p] * zdt[p] + sd1 * ztt[p] + s1 * zdtt[p];
    }
  }
}

/* The reverse kernels read the adjoint of the layer output either from G itself (OUTER = 0) or,
 * for the layer under a one-row output layer, as the outer product of that layer's weights w and
 * output adjoint g1 (OUTER = 1): IN(c) is w_j c[p], the product rounded once, as dgemm forms
 * a K = 1 product (pf_act_backward_outer). */
#define IN(ptr) (OUTER ? wj * (ptr)[p] : (ptr)[p])
/* Source rows of the adjoint for row j: G's own row, or g1 (the same row for every j). */
#define SRC(name, Gs)                                                                              \
  const double *name##v = OUTER ? (Gs) : G + (size_t)j * ld;                                       \
  const double *name##x = name##v + (HX ? ox : 0), *name##t = name##v + (HT ? ot : 0);             \
  const double *name##xx = name##v + (HXX ? oxx : 0), *name##tt = name##v + (HTT ? ott : 0);       \
  (void)name##x, (void)name##t, (void)name##xx, (void)name##tt

PF_INLINE void bwd_(const int HX, const int HT, const int HXX, const int HTT, const int OUTER,
                    int rows, int nb, const double *A, const double *Z, const double *w,
                    const double *g1, double *G) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    ROW(const double, a, A);
    ROW(const double, z, Z);
    SRC(i, g1);
    const double wj = OUTER ? w[j] : 1.0;
    /* G is updated in place: one pointer per channel, each element read before it is written */
    double *gv = G + (size_t)j * ld, *gx_ = gv + (HX ? ox : 0), *gt_ = gv + (HT ? ot : 0);
    double *gxx_ = gv + (HXX ? oxx : 0), *gtt_ = gv + (HTT ? ott : 0);
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = av[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double g0 = IN(iv);
      double gx = HX ? IN(ix) : 0.0, gt = HT ? IN(it) : 0.0;
      double gxx = HXX ? IN(ixx) : 0.0, gtt = HTT ? IN(itt) : 0.0;
      double zx_ = HX ? zx[p] : 0.0, zt_ = HT ? zt[p] : 0.0;
      double lin = 0.0, quad = 0.0;
      if (HX) lin += gx * zx_;
      if (HT) lin += gt * zt_;
      if (HXX) {
        lin += gxx * zxx[p];
        quad += gxx * zx_ * zx_;
      }
      if (HTT) {
        lin += gtt * ztt[p];
        quad += gtt * zt_ * zt_;
      }
      gv[p] = g0 * s1 + s2 * lin + s3 * quad;
      if (HX) gx_[p] = gx * s1 + (HXX ? 2.0 * gxx * s2 * zx_ : 0.0);
      if (HT) gt_[p] = gt * s1 + (HTT ? 2.0 * gtt * s2 * zt_ : 0.0);
      if (HXX) gxx_[p] = gxx * s1;
      if (HTT) gtt_[p] = gtt * s1;
    }
  }
}

/* With OUTER = 1 the tangent of the input adjoint is w_j gd1[p] + vw_j g1[p], each product
 * rounded, then the sum (pf_act_backward_tangent_outer). */
PF_INLINE void bwd_tan_(const int HX, const int HT, const int HXX, const int HTT, const int OUTER,
                        int rows, int nb, const double *A, const double *Z, const double *Zd,
                        const double *w, const double *vw, const double *g1, const double *gd1,
                        double *G, double *Gd) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    ROW(const double, a, A);
    ROW(const double, z, Z);
    ROW(const double, zd, Zd);
    SRC(i, g1);
    const double wj = OUTER ? w[j] : 1.0, vj = OUTER ? vw[j] : 0.0;
    /* the tangent's source rows: Gd's own row, or gd1 */
    const double *kv = OUTER ? gd1 : Gd + (size_t)j * ld, *kx = kv + (HX ? ox : 0);
    const double *kt = kv + (HT ? ot : 0), *kxx = kv + (HXX ? oxx : 0), *ktt = kv + (HTT ? ott : 0);
    double *gv = G + (size_t)j * ld, *gx_ = gv + (HX ? ox : 0), *gt_ = gv + (HT ? ot : 0);
    double *gxx_ = gv + (HXX ? oxx : 0), *gtt_ = gv + (HTT ? ott : 0);
    double *hv = Gd + (size_t)j * ld, *hx_ = hv + (HX ? ox : 0), *ht_ = hv + (HT ? ot : 0);
    double *hxx_ = hv + (HXX ? oxx : 0), *htt_ = hv + (HTT ? ott : 0);
    (void)kx, (void)kt, (void)kxx, (void)ktt;
/* the tangent of channel c's adjoint: Gd's element, or w_j gd1 + vw_j g1 */
#define IND(kp, ip) (OUTER ? wj * (kp)[p] + vj * (ip)[p] : (kp)[p])
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = av[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double s4 = -2.0 * (3.0 * s1 * s2 + s * s3);
      double zv_ = zdv[p];
      double sd1 = s2 * zv_, sd2 = s3 * zv_, sd3 = s4 * zv_;
      double g0 = IN(iv), h0 = IND(kv, iv);
      double gx = HX ? IN(ix) : 0.0, gt = HT ? IN(it) : 0.0;
      double gxx = HXX ? IN(ixx) : 0.0, gtt = HTT ? IN(itt) : 0.0;
      double hx = HX ? IND(kx, ix) : 0.0, ht = HT ? IND(kt, it) : 0.0;
      double hxx = HXX ? IND(kxx, ixx) : 0.0, htt = HTT ? IND(ktt, itt) : 0.0;
#undef IND
      double zx_ = HX ? zx[p] : 0.0, zt_ = HT ? zt[p] : 0.0;
      double zdx_ = HX ? zdx[p] : 0.0, zdt_ = HT ? zdt[p] : 0.0;
      /* lin = sum_c ab_c z_c, quad = ab_xx z_x^2 + ab_tt z_t^2, and their tangents */
      double lin = 0.0, lind = 0.0, quad = 0.0, quadd = 0.0;
      if (HX) {
        lin += gx * zx_;
        lind += hx * zx_ + gx * zdx_;
      }
      if (HT) {
        lin += gt * zt_;
        lind += ht * zt_ + gt * zdt_;
      }
      if (HXX) {
        lin += gxx * zxx[p];
        lind += hxx * zxx[p] + gxx * zdxx[p];
        quad += gxx * zx_ * zx_;
        quadd += hxx * zx_ * zx_ + 2.0 * gxx * zx_ * zdx_;
      }
      if (HTT) {
        lin += gtt * ztt[p];
        lind += htt * ztt[p] + gtt * zdtt[p];
        quad += gtt * zt_ * zt_;
        quadd += htt * zt_ * zt_ + 2.0 * gtt * zt_ * zdt_;
      }
      gv[p] = g0 * s1 + s2 * lin + s3 * quad;
      hv[p] = h0 * s1 + g0 * sd1 + sd2 * lin + s2 * lind + sd3 * quad + s3 * quadd;
      if (HX) {
        gx_[p] = gx * s1 + (HXX ? 2.0 * gxx * s2 * zx_ : 0.0);
        hx_[p] = hx * s1 + gx * sd1 +
                 (HXX ? 2.0 * (hxx * s2 * zx_ + gxx * sd2 * zx_ + gxx * s2 * zdx_) : 0.0);
      }
      if (HT) {
        gt_[p] = gt * s1 + (HTT ? 2.0 * gtt * s2 * zt_ : 0.0);
        ht_[p] = ht * s1 + gt * sd1 +
                 (HTT ? 2.0 * (htt * s2 * zt_ + gtt * sd2 * zt_ + gtt * s2 * zdt_) : 0.0);
      }
      if (HXX) {
        gxx_[p] = gxx * s1;
        hxx_[p] = hxx * s1 + gxx * sd1;
      }
      if (HTT) {
        gtt_[p] = gtt * s1;
        htt_[p] = htt * s1 + gtt * sd1;
      }
    }
  }
}

#undef IN
#undef SRC

/* Instantiate a kernel for the engine's channel set: nine valid sets (xx needs x, tt needs t). */
#define DISPATCH(e, kernel, ...)                                                                   \
  do {                                                                                             \
    const pf_jetset js_ = (e)->js;                                                                 \
    int code_ = js_.hx | js_.ht << 1 | js_.hxx << 2 | js_.htt << 3;                                \
    switch (code_) {                                                                               \
    case 0x0:                                                                                      \
      kernel(0, 0, 0, 0, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0x1:                                                                                      \
      kernel(1, 0, 0, 0, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0x2:                                                                                      \
      kernel(0, 1, 0, 0, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0x3:                                                                                      \
      kernel(1, 1, 0, 0, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0x5:                                                                                      \
      kernel(1, 0, 1, 0, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0x7:                                                                                      \
      kernel(1, 1, 1, 0, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0xA:                                                                                      \
      kernel(0, 1, 0, 1, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0xB:                                                                                      \
      kernel(1, 1, 0, 1, __VA_ARGS__);                                                             \
      break;                                                                                       \
    case 0xF:                                                                                      \
      kernel(1, 1, 1, 1, __VA_ARGS__);                                                             \
      break;                                                                                       \
    default:                                                                                       \
      break; /* excluded by pf_engine_create */                                                    \
    }                                                                                              \
  } while (0)

/* ------------------------------------------------------------------ general kernels */
/* Channel c of row j of a block matrix with leading dimension ld. */
#define CH(M, j, c) ((M) + (size_t)(j)*ld + (size_t)(c) * (size_t)nb)

PF_INLINE void gen_fwd(const pf_engine *e, int rows, int nb, const double *bias, const double *Z,
                       double *A) {
  const int d = e->d, np = e->npair;
  const size_t ld = (size_t)e->nc * (size_t)nb;
  double *restrict S1 = e->tmp, *restrict S2 = e->tmp + nb;
  for (int j = 0; j < rows; j++) {
    const double *restrict zv = CH(Z, j, 0);
    double *restrict av = CH(A, j, 0);
    const double bj = bias[j];
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = pf_vtanh(zv[p] + bj);
      double s1 = 1.0 - s * s;
      av[p] = s;
      S1[p] = s1;
      S2[p] = -2.0 * s * s1;
    }
    for (int a = 0; a < d; a++) {
      const double *restrict za = CH(Z, j, 1 + a);
      double *restrict aa = CH(A, j, 1 + a);
      PF_IVDEP
      for (int p = 0; p < nb; p++) aa[p] = S1[p] * za[p];
    }
    for (int q = 0; q < np; q++) {
      const double *restrict za = CH(Z, j, 1 + e->pa[q]), *restrict zb = CH(Z, j, 1 + e->pb[q]);
      const double *restrict zab = CH(Z, j, 1 + d + q);
      double *restrict aab = CH(A, j, 1 + d + q);
      PF_IVDEP
      for (int p = 0; p < nb; p++) aab[p] = S2[p] * za[p] * zb[p] + S1[p] * zab[p];
    }
  }
}

PF_INLINE void gen_fwd_tan(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                           const double *Zd, double *Ad) {
  const int d = e->d, np = e->npair;
  const size_t ld = (size_t)e->nc * (size_t)nb;
  double *restrict S1 = e->tmp, *restrict S2 = e->tmp + nb;
  double *restrict SD1 = e->tmp + 2 * nb, *restrict SD2 = e->tmp + 3 * nb;
  for (int j = 0; j < rows; j++) {
    const double *restrict av = CH(A, j, 0), *restrict zdv = CH(Zd, j, 0);
    double *restrict adv = CH(Ad, j, 0);
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = av[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double zv = zdv[p];
      S1[p] = s1;
      S2[p] = s2;
      SD1[p] = s2 * zv;
      SD2[p] = s3 * zv;
      adv[p] = s1 * zv;
    }
    /* ad_a = s1' z_a + s1 zd_a */
    for (int a = 0; a < d; a++) {
      const double *restrict za = CH(Z, j, 1 + a), *restrict zda = CH(Zd, j, 1 + a);
      double *restrict ada = CH(Ad, j, 1 + a);
      PF_IVDEP
      for (int p = 0; p < nb; p++) ada[p] = SD1[p] * za[p] + S1[p] * zda[p];
    }
    /* ad_ab = s2' z_a z_b + s2 (zd_a z_b + z_a zd_b) + s1' z_ab + s1 zd_ab */
    for (int q = 0; q < np; q++) {
      const int ca = 1 + e->pa[q], cb = 1 + e->pb[q], cq = 1 + d + q;
      const double *restrict za = CH(Z, j, ca), *restrict zb = CH(Z, j, cb);
      const double *restrict zda = CH(Zd, j, ca), *restrict zdb = CH(Zd, j, cb);
      const double *restrict zab = CH(Z, j, cq), *restrict zdab = CH(Zd, j, cq);
      double *restrict adab = CH(Ad, j, cq);
      PF_IVDEP
      for (int p = 0; p < nb; p++)
        adab[p] = SD2[p] * za[p] * zb[p] + S2[p] * (zda[p] * zb[p] + za[p] * zdb[p]) +
                  SD1[p] * zab[p] + S1[p] * zdab[p];
    }
  }
}

PF_INLINE void gen_bwd(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                       double *G) {
  const int d = e->d, np = e->npair;
  const size_t ld = (size_t)e->nc * (size_t)nb;
  double *restrict S1 = e->tmp, *restrict S2 = e->tmp + nb, *restrict S3 = e->tmp + 2 * nb;
  double *restrict lin = e->tmp + 3 * nb, *restrict quad = e->tmp + 4 * nb;
  double *restrict acc = e->tmp + 5 * nb;
  for (int j = 0; j < rows; j++) {
    const double *restrict av = CH(A, j, 0);
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = av[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1;
      S1[p] = s1;
      S2[p] = s2;
      S3[p] = -2.0 * (s1 * s1 + s * s2);
      lin[p] = 0.0;
      quad[p] = 0.0;
    }
    /* lin = sum_c ab_c z_c, quad = sum_pairs ab_ab z_a z_b (from the adjoints before the update) */
    for (int c = 1; c < 1 + d + np; c++) {
      const double *restrict gc = CH(G, j, c), *restrict zc = CH(Z, j, c);
      PF_IVDEP
      for (int p = 0; p < nb; p++) lin[p] += gc[p] * zc[p];
    }
    for (int q = 0; q < np; q++) {
      const double *restrict gq = CH(G, j, 1 + d + q);
      const double *restrict za = CH(Z, j, 1 + e->pa[q]), *restrict zb = CH(Z, j, 1 + e->pb[q]);
      PF_IVDEP
      for (int p = 0; p < nb; p++) quad[p] += gq[p] * za[p] * zb[p];
    }
    double *restrict gv = CH(G, j, 0);
    PF_IVDEP
    for (int p = 0; p < nb; p++) gv[p] = gv[p] * S1[p] + S2[p] * lin[p] + S3[p] * quad[p];
    /* zb_a = ab_a s1 + s2 sum_{pairs (a, b)} ab_ab dz_ab/dz_a (pair adjoints not yet updated) */
    for (int a = 0; a < d; a++) {
      double *restrict ga = CH(G, j, 1 + a);
      int any = 0;
      for (int b = 0; b < d; b++) {
        const int q = e->pairq[a][b];
        if (q < 0) continue;
        const double *restrict gq = CH(G, j, 1 + d + q), *restrict zb = CH(Z, j, 1 + b);
        const double f = a == b ? 2.0 : 1.0;
        if (!any) {
          PF_IVDEP
          for (int p = 0; p < nb; p++) acc[p] = f * gq[p] * zb[p];
        } else {
          PF_IVDEP
          for (int p = 0; p < nb; p++) acc[p] += f * gq[p] * zb[p];
        }
        any = 1;
      }
      if (any) {
        PF_IVDEP
        for (int p = 0; p < nb; p++) ga[p] = ga[p] * S1[p] + S2[p] * acc[p];
      } else {
        PF_IVDEP
        for (int p = 0; p < nb; p++) ga[p] = ga[p] * S1[p];
      }
    }
    for (int q = 0; q < np; q++) {
      double *restrict gq = CH(G, j, 1 + d + q);
      PF_IVDEP
      for (int p = 0; p < nb; p++) gq[p] = gq[p] * S1[p];
    }
  }
}

PF_INLINE void gen_bwd_tan(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                           const double *Zd, double *G, double *Gd) {
  const int d = e->d, np = e->npair;
  const size_t ld = (size_t)e->nc * (size_t)nb;
  double *restrict S1 = e->tmp, *restrict S2 = e->tmp + nb, *restrict S3 = e->tmp + 2 * nb;
  double *restrict SD1 = e->tmp + 3 * nb, *restrict SD2 = e->tmp + 4 * nb;
  double *restrict SD3 = e->tmp + 5 * nb;
  double *restrict lin = e->tmp + 6 * nb, *restrict lind = e->tmp + 7 * nb;
  double *restrict quad = e->tmp + 8 * nb, *restrict quadd = e->tmp + 9 * nb;
  double *restrict acc = e->tmp + 10 * nb, *restrict accd = e->tmp + 11 * nb;
  for (int j = 0; j < rows; j++) {
    const double *restrict av = CH(A, j, 0), *restrict zdv = CH(Zd, j, 0);
    PF_IVDEP
    for (int p = 0; p < nb; p++) {
      double s = av[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double s4 = -2.0 * (3.0 * s1 * s2 + s * s3);
      double zv = zdv[p];
      S1[p] = s1;
      S2[p] = s2;
      S3[p] = s3;
      SD1[p] = s2 * zv;
      SD2[p] = s3 * zv;
      SD3[p] = s4 * zv;
      lin[p] = 0.0;
      lind[p] = 0.0;
      quad[p] = 0.0;
      quadd[p] = 0.0;
    }
    /* lin, quad and their tangents lind, quadd */
    for (int c = 1; c < 1 + d + np; c++) {
      const double *restrict gc = CH(G, j, c), *restrict hc = CH(Gd, j, c);
      const double *restrict zc = CH(Z, j, c), *restrict zdc = CH(Zd, j, c);
      PF_IVDEP
      for (int p = 0; p < nb; p++) {
        lin[p] += gc[p] * zc[p];
        lind[p] += hc[p] * zc[p] + gc[p] * zdc[p];
      }
    }
    for (int q = 0; q < np; q++) {
      const int ca = 1 + e->pa[q], cb = 1 + e->pb[q];
      const double *restrict gq = CH(G, j, 1 + d + q), *restrict hq = CH(Gd, j, 1 + d + q);
      const double *restrict za = CH(Z, j, ca), *restrict zb = CH(Z, j, cb);
      const double *restrict zda = CH(Zd, j, ca), *restrict zdb = CH(Zd, j, cb);
      PF_IVDEP
      for (int p = 0; p < nb; p++) {
        quad[p] += gq[p] * za[p] * zb[p];
        quadd[p] += hq[p] * za[p] * zb[p] + gq[p] * (zda[p] * zb[p] + za[p] * zdb[p]);
      }
    }
    {
      double *restrict gv = CH(G, j, 0), *restrict hv = CH(Gd, j, 0);
      PF_IVDEP
      for (int p = 0; p < nb; p++) {
        const double g0 = gv[p], h0 = hv[p];
        gv[p] = g0 * S1[p] + S2[p] * lin[p] + S3[p] * quad[p];
        hv[p] = h0 * S1[p] + g0 * SD1[p] + SD2[p] * lin[p] + S2[p] * lind[p] + SD3[p] * quad[p] +
                S3[p] * quadd[p];
      }
    }
    /* zb_a = ab_a s1 + s2 P_a and its tangent ab_a' s1 + ab_a s1' + s2' P_a + s2 P_a' */
    for (int a = 0; a < d; a++) {
      double *restrict ga = CH(G, j, 1 + a), *restrict ha = CH(Gd, j, 1 + a);
      PF_IVDEP
      for (int p = 0; p < nb; p++) acc[p] = 0.0, accd[p] = 0.0;
      for (int b = 0; b < d; b++) {
        const int q = e->pairq[a][b];
        if (q < 0) continue;
        const double *restrict gq = CH(G, j, 1 + d + q), *restrict hq = CH(Gd, j, 1 + d + q);
        const double *restrict zb = CH(Z, j, 1 + b), *restrict zdb = CH(Zd, j, 1 + b);
        const double f = a == b ? 2.0 : 1.0;
        PF_IVDEP
        for (int p = 0; p < nb; p++) {
          acc[p] += f * gq[p] * zb[p];
          accd[p] += f * (hq[p] * zb[p] + gq[p] * zdb[p]);
        }
      }
      PF_IVDEP
      for (int p = 0; p < nb; p++) {
        const double g = ga[p];
        ga[p] = g * S1[p] + S2[p] * acc[p];
        ha[p] = ha[p] * S1[p] + g * SD1[p] + SD2[p] * acc[p] + S2[p] * accd[p];
      }
    }
    for (int q = 0; q < np; q++) {
      double *restrict gq = CH(G, j, 1 + d + q), *restrict hq = CH(Gd, j, 1 + d + q);
      PF_IVDEP
      for (int p = 0; p < nb; p++) {
        const double g = gq[p];
        gq[p] = g * S1[p];
        hq[p] = hq[p] * S1[p] + g * SD1[p];
      }
    }
  }
}
#undef CH

/* ------------------------------------------------------------------ dispatchers */
PF_CLONES void pf_act_forward(const pf_engine *e, int rows, int nb, const double *bias,
                              const double *Z, double *A) {
  if (e->spec)
    DISPATCH(e, fwd_, rows, nb, bias, Z, A);
  else
    gen_fwd(e, rows, nb, bias, Z, A);
}

PF_CLONES void pf_act_forward_tangent(const pf_engine *e, int rows, int nb, const double *A,
                                      const double *Z, const double *Zd, double *Ad) {
  if (e->spec)
    DISPATCH(e, fwd_tan_, rows, nb, A, Z, Zd, Ad);
  else
    gen_fwd_tan(e, rows, nb, A, Z, Zd, Ad);
}

PF_CLONES void pf_act_backward(const pf_engine *e, int rows, int nb, const double *A,
                               const double *Z, double *G) {
  if (e->spec)
    DISPATCH(e, bwd_, 0, rows, nb, A, Z, NULL, NULL, G);
  else
    gen_bwd(e, rows, nb, A, Z, G);
}

/* C (rows, ld) = w g1^T + beta C, the product w_j g1_p rounded first and then added (beta 1): the
 * roundings of dgemm's K = 1 product. */
static void outer_rows(int rows, size_t ld, const double *w, const double *g1, double beta,
                       double *C) {
  for (int j = 0; j < rows; j++) {
    const double wj = w[j];
    double *c = C + (size_t)j * ld;
    if (beta == 0.0)
      for (size_t p = 0; p < ld; p++) c[p] = wj * g1[p];
    else
      for (size_t p = 0; p < ld; p++) {
        const double t = wj * g1[p];
        c[p] += t;
      }
  }
}

PF_CLONES void pf_act_backward_outer(const pf_engine *e, int rows, int nb, const double *A,
                                     const double *Z, const double *w, const double *g1,
                                     double *G) {
  if (e->spec) {
    DISPATCH(e, bwd_, 1, rows, nb, A, Z, w, g1, G);
  } else {
    outer_rows(rows, (size_t)e->nc * (size_t)nb, w, g1, 0.0, G);
    gen_bwd(e, rows, nb, A, Z, G);
  }
}

PF_CLONES void pf_act_backward_tangent(const pf_engine *e, int rows, int nb, const double *A,
                                       const double *Z, const double *Zd, double *G, double *Gd) {
  if (e->spec)
    DISPATCH(e, bwd_tan_, 0, rows, nb, A, Z, Zd, NULL, NULL, NULL, NULL, G, Gd);
  else
    gen_bwd_tan(e, rows, nb, A, Z, Zd, G, Gd);
}

PF_CLONES void pf_act_backward_tangent_outer(const pf_engine *e, int rows, int nb, const double *A,
                                             const double *Z, const double *Zd, const double *w,
                                             const double *vw, const double *g1, const double *gd1,
                                             double *G, double *Gd) {
  if (e->spec) {
    DISPATCH(e, bwd_tan_, 1, rows, nb, A, Z, Zd, w, vw, g1, gd1, G, Gd);
  } else {
    const size_t ld = (size_t)e->nc * (size_t)nb;
    outer_rows(rows, ld, w, g1, 0.0, G);
    outer_rows(rows, ld, w, gd1, 0.0, Gd);
    outer_rows(rows, ld, vw, g1, 1.0, Gd);
    gen_bwd_tan(e, rows, nb, A, Z, Zd, G, Gd);
  }
}
