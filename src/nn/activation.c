/* Fused elementwise passes of a tanh layer over its jet channels: forward, forward tangent,
 * reverse, and reverse tangent (for exact Hessian-vector products). One pass per layer touches
 * every channel of a point once; the channel set is a compile-time constant inside each kernel
 * (the dispatchers below instantiate the nine valid sets), so the inner loops vectorise.
 *
 * With s = tanh z_v: s1 = 1 - s^2, s2 = -2 s s1, s3 = -2 (s1^2 + s s2), s4 = -2 (3 s1 s2 + s s3).
 * Forward:  a_v = s, a_x = s1 z_x, a_xx = s2 z_x^2 + s1 z_xx (t likewise).
 * Reverse:  zb_xx = ab_xx s1, zb_x = ab_x s1 + 2 ab_xx s2 z_x,
 *           zb_v = ab_v s1 + s2 (ab_x z_x + ab_t z_t + ab_xx z_xx + ab_tt z_tt)
 *                 + s3 (ab_xx z_x^2 + ab_tt z_t^2).
 * Tangents follow by the product rule with sd = s1 zd_v, s1d = s2 zd_v, s2d = s3 zd_v,
 * s3d = s4 zd_v (DESIGN.md, appendix). */
#include "engine_impl.h"
#include "vmath.h"

#define PF_INLINE static inline __attribute__((always_inline))

/* Slots of the channels for a flag set: v = 0, then x, t, xx, tt as present. */
#define SLOTS                                                                                      \
  const int nc = 1 + HX + HT + HXX + HTT;                                                          \
  const int ld = nc * nb;                                                                          \
  const int ox = 1 * nb, ot = (1 + HX) * nb, oxx = (1 + HX + HT) * nb,                             \
            ott = (1 + HX + HT + HXX) * nb;                                                        \
  (void)ox, (void)ot, (void)oxx, (void)ott

PF_INLINE void fwd_(const int HX, const int HT, const int HXX, const int HTT, int rows, int nb,
                    const double *bias, const double *Z, double *A) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    const double *restrict z = Z + (size_t)j * ld;
    double *restrict a = A + (size_t)j * ld;
    const double bj = bias[j];
    for (int p = 0; p < nb; p++) {
      double s = pf_vtanh(z[p] + bj);
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1;
      a[p] = s;
      if (HX) a[ox + p] = s1 * z[ox + p];
      if (HT) a[ot + p] = s1 * z[ot + p];
      if (HXX) a[oxx + p] = s2 * z[ox + p] * z[ox + p] + s1 * z[oxx + p];
      if (HTT) a[ott + p] = s2 * z[ot + p] * z[ot + p] + s1 * z[ott + p];
    }
  }
}

PF_INLINE void fwd_tan_(const int HX, const int HT, const int HXX, const int HTT, int rows, int nb,
                        const double *A, const double *Z, const double *Zd, double *Ad) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    const double *restrict a = A + (size_t)j * ld;
    const double *restrict z = Z + (size_t)j * ld;
    const double *restrict zd = Zd + (size_t)j * ld;
    double *restrict ad = Ad + (size_t)j * ld;
    for (int p = 0; p < nb; p++) {
      double s = a[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double zv = zd[p];
      double sd1 = s2 * zv, sd2 = s3 * zv;
      ad[p] = s1 * zv;
      if (HX) ad[ox + p] = sd1 * z[ox + p] + s1 * zd[ox + p];
      if (HT) ad[ot + p] = sd1 * z[ot + p] + s1 * zd[ot + p];
      if (HXX)
        ad[oxx + p] = sd2 * z[ox + p] * z[ox + p] + 2.0 * s2 * z[ox + p] * zd[ox + p] +
                      sd1 * z[oxx + p] + s1 * zd[oxx + p];
      if (HTT)
        ad[ott + p] = sd2 * z[ot + p] * z[ot + p] + 2.0 * s2 * z[ot + p] * zd[ot + p] +
                      sd1 * z[ott + p] + s1 * zd[ott + p];
    }
  }
}

PF_INLINE void bwd_(const int HX, const int HT, const int HXX, const int HTT, int rows, int nb,
                    const double *A, const double *Z, double *G) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    const double *restrict a = A + (size_t)j * ld;
    const double *restrict z = Z + (size_t)j * ld;
    double *restrict g = G + (size_t)j * ld;
    for (int p = 0; p < nb; p++) {
      double s = a[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double gx = HX ? g[ox + p] : 0.0, gt = HT ? g[ot + p] : 0.0;
      double gxx = HXX ? g[oxx + p] : 0.0, gtt = HTT ? g[ott + p] : 0.0;
      double zx = HX ? z[ox + p] : 0.0, zt = HT ? z[ot + p] : 0.0;
      double lin = 0.0, quad = 0.0;
      if (HX) lin += gx * zx;
      if (HT) lin += gt * zt;
      if (HXX) {
        lin += gxx * z[oxx + p];
        quad += gxx * zx * zx;
      }
      if (HTT) {
        lin += gtt * z[ott + p];
        quad += gtt * zt * zt;
      }
      g[p] = g[p] * s1 + s2 * lin + s3 * quad;
      if (HX) g[ox + p] = gx * s1 + (HXX ? 2.0 * gxx * s2 * zx : 0.0);
      if (HT) g[ot + p] = gt * s1 + (HTT ? 2.0 * gtt * s2 * zt : 0.0);
      if (HXX) g[oxx + p] = gxx * s1;
      if (HTT) g[ott + p] = gtt * s1;
    }
  }
}

PF_INLINE void bwd_tan_(const int HX, const int HT, const int HXX, const int HTT, int rows, int nb,
                        const double *A, const double *Z, const double *Zd, double *G, double *Gd) {
  SLOTS;
  for (int j = 0; j < rows; j++) {
    const double *restrict a = A + (size_t)j * ld;
    const double *restrict z = Z + (size_t)j * ld;
    const double *restrict zd = Zd + (size_t)j * ld;
    double *restrict g = G + (size_t)j * ld;
    double *restrict gd = Gd + (size_t)j * ld;
    for (int p = 0; p < nb; p++) {
      double s = a[p];
      double s1 = 1.0 - s * s, s2 = -2.0 * s * s1, s3 = -2.0 * (s1 * s1 + s * s2);
      double s4 = -2.0 * (3.0 * s1 * s2 + s * s3);
      double zv = zd[p];
      double sd1 = s2 * zv, sd2 = s3 * zv, sd3 = s4 * zv;
      double gv = g[p], gdv = gd[p];
      double gx = HX ? g[ox + p] : 0.0, gt = HT ? g[ot + p] : 0.0;
      double gxx = HXX ? g[oxx + p] : 0.0, gtt = HTT ? g[ott + p] : 0.0;
      double gdx = HX ? gd[ox + p] : 0.0, gdt = HT ? gd[ot + p] : 0.0;
      double gdxx = HXX ? gd[oxx + p] : 0.0, gdtt = HTT ? gd[ott + p] : 0.0;
      double zx = HX ? z[ox + p] : 0.0, zt = HT ? z[ot + p] : 0.0;
      double zdx = HX ? zd[ox + p] : 0.0, zdt = HT ? zd[ot + p] : 0.0;
      /* lin = sum_c ab_c z_c, quad = ab_xx z_x^2 + ab_tt z_t^2, and their tangents */
      double lin = 0.0, lind = 0.0, quad = 0.0, quadd = 0.0;
      if (HX) {
        lin += gx * zx;
        lind += gdx * zx + gx * zdx;
      }
      if (HT) {
        lin += gt * zt;
        lind += gdt * zt + gt * zdt;
      }
      if (HXX) {
        lin += gxx * z[oxx + p];
        lind += gdxx * z[oxx + p] + gxx * zd[oxx + p];
        quad += gxx * zx * zx;
        quadd += gdxx * zx * zx + 2.0 * gxx * zx * zdx;
      }
      if (HTT) {
        lin += gtt * z[ott + p];
        lind += gdtt * z[ott + p] + gtt * zd[ott + p];
        quad += gtt * zt * zt;
        quadd += gdtt * zt * zt + 2.0 * gtt * zt * zdt;
      }
      g[p] = gv * s1 + s2 * lin + s3 * quad;
      gd[p] = gdv * s1 + gv * sd1 + sd2 * lin + s2 * lind + sd3 * quad + s3 * quadd;
      if (HX) {
        g[ox + p] = gx * s1 + (HXX ? 2.0 * gxx * s2 * zx : 0.0);
        gd[ox + p] = gdx * s1 + gx * sd1 +
                     (HXX ? 2.0 * (gdxx * s2 * zx + gxx * sd2 * zx + gxx * s2 * zdx) : 0.0);
      }
      if (HT) {
        g[ot + p] = gt * s1 + (HTT ? 2.0 * gtt * s2 * zt : 0.0);
        gd[ot + p] = gdt * s1 + gt * sd1 +
                     (HTT ? 2.0 * (gdtt * s2 * zt + gtt * sd2 * zt + gtt * s2 * zdt) : 0.0);
      }
      if (HXX) {
        g[oxx + p] = gxx * s1;
        gd[oxx + p] = gdxx * s1 + gxx * sd1;
      }
      if (HTT) {
        g[ott + p] = gtt * s1;
        gd[ott + p] = gdtt * s1 + gtt * sd1;
      }
    }
  }
}

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

void pf_act_forward(const pf_engine *e, int rows, int nb, const double *bias, const double *Z,
                    double *A) {
  DISPATCH(e, fwd_, rows, nb, bias, Z, A);
}

void pf_act_forward_tangent(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                            const double *Zd, double *Ad) {
  DISPATCH(e, fwd_tan_, rows, nb, A, Z, Zd, Ad);
}

void pf_act_backward(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                     double *G) {
  DISPATCH(e, bwd_, rows, nb, A, Z, G);
}

void pf_act_backward_tangent(const pf_engine *e, int rows, int nb, const double *A, const double *Z,
                             const double *Zd, double *G, double *Gd) {
  DISPATCH(e, bwd_tan_, rows, nb, A, Z, Zd, G, Gd);
}
