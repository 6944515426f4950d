/* Reference solution of the Allen-Cahn problem u_t = d u_xx + k (u - u^3) on x in [-1, 1],
 * t in [0, 1], u(x, 0) = x^2 cos(pi x), u(+-1, t) = -1; the paper's d = 0.001, k = 5.
 *
 * Space: Legendre spectral (Galerkin with Gauss-Lobatto-Legendre numerical integration, "G-NI";
 * Canuto, Hussaini, Quarteroni & Zang, Spectral Methods, 2006, sec. 2.3 and 4.4), one element of
 * degree N. With v = u + 1 (zero at x = +-1; the lifting -1 is constant, so it adds nothing to
 * u_xx) at the N - 1 interior points,
 *   M v' = -d K v + M F(v - 1),   F(u) = k (u - u^3),
 *   M = diag(w_j),   K_ij = sum_q w_q D_qi D_qj,
 * w the GLL weights and D the GLL differentiation matrix. The boundary values are imposed, not
 * integrated: F is evaluated at interior nodes only, so u(+-1) = -1 holds exactly for any k (it is
 * also a zero of F, but nothing relies on that). S = M^-1/2 K M^-1/2 = Q diag(lam) Q^T is
 * symmetric, so the stiff operator has a real spectrum and orthogonal eigenvectors (LAPACK
 * dsyevd). We chose this over Chebyshev collocation, whose second-derivative matrix is not normal
 * and needs a general eigensolver and the inverse of its eigenvector matrix.
 *
 * Time: ETDRK4 (Cox & Matthews, J. Comput. Phys. 176 (2002); Kassam & Trefethen, SIAM J. Sci.
 * Comput. 26 (2005)) in the eigen-coordinates vh = Q^T M^1/2 v, where the linear part is diagonal.
 * The phi-functions of the scalars z = -h d lam are evaluated by their Taylor series for |z| < 1
 * and by the closed forms otherwise: errors below 1e-15 relative to phi_1(z) over z in
 * [-1e4, -1e-4], checked against long-double evaluation.
 *
 * Output: the nodal polynomial evaluated by barycentric interpolation (exact for it).
 *
 * Eigenpairs: up to degree 1024 from dsyevd on S = B^T B (see ac_setup), which is what the
 * paper's degree 512 has always used; above it from the SVD of B, because the eigenvalues of the
 * formed S carry absolute errors eps * lam_max ~ eps N^4 that the slow modes feel as a wrong decay
 * rate (dsyevd at degree 2048..2816 puts the k = 0 solution 2e-10..3e-8 off the exact series,
 * erratically; the SVD 4e-14).
 *
 * Resolution, measured with tests/pde/test_ref_allen_cahn.c and by hand (relative L2 change over
 * the 20,301-point grid; OpenBLAS one thread):
 *   paper (1e-3, 5), space, 5 substeps: degree 320 -> 768: 3.1e-7, 384: 2.6e-8, 448: 1.9e-9,
 *     512: 1.3e-10; time, degree 512: substeps 1 -> 40: 3.7e-8, 2: 2.3e-9, 4: 1.4e-10, 5: 5.9e-11,
 *     8: 9e-12 (spectral in the degree, fourth order in the step).
 *   The automatic resolution (pf_ref_allen_cahn_resolution): degree 7.2 sqrt(k / d) rounded up to
 *   a multiple of 64, at least 256; step 2e-3 for k <= 5, 1e-2 / k above. It changes the grid by
 *     (d, k)       degree/steps per 0.01   x1.5 degree            half step   grid CPU time
 *     (1e-3, 5)    512/5                   1.3e-10                5.6e-11     0.2 s (the paper's)
 *     (1e-3, 10)   768/10                  6.2e-10                4.0e-11     0.6 s
 *     (1e-4, 2)    1024/5                  5.2e-14                1.0e-12     1.2 s
 *     (1e-4, 5)    1664/5                  1280 vs 2304: 1.2e-11  5.7e-11     6 s
 *     (2e-4, 10)   1664/10                 1536 vs 2304: 3.4e-9, 1856: 1e-10   4.3e-11  10 s
 *     (1e-4, 10)   2304/10                 2304 vs 3072: 7.4e-10  (2048: 9.9e-9)  24 s
 *                                          (half step at degree 1536: 4.3e-11)
 *     (1e-2, 10)   256/10                  7.1e-10                3.5e-11     0.1 s
 *     (1e-1, 0..10), (1e-3, 0): 256/5..10, < 1e-11 (already at degree 128 vs 192); at k = 0 the
 *     grid matches the exact cosine series of the heat equation to 2e-12 (d = 1e-4, 1e-2, 0.1).
 *   The hard corner is small d with large k: layers of width sqrt(2 d / k) that meet at x = 0
 *   around t = 0.8 (d = 1e-4, k = 10), where the reaction near u = 0 amplifies earlier errors by up
 *   to exp(k t); rounding (one vs two BLAS threads) changes that grid by 1e-12, (1e-3, 10)'s by
 *   1e-13.
 * Valid range, refused outside (PF_ERR_ARG): d in [1e-4, 1e-1], k in [0, 10]. The cost is
 * O(N^3) once plus O(N^2) per step: under a second up to k / d = 1e4, about 25 s of one core at
 * the corner (d, k) = (1e-4, 10) (42 s wall on a loaded machine). */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>

static const double PF_REF_PI = 3.14159265358979323846;
/* Above this degree the stiffness eigenpairs come from an SVD (see ac_setup); at or below it from
 * dsyevd, whose results at the paper's degree 512 the stored grids depend on. */
enum { AC_SYEVD_MAX_DEGREE = 1024 };

/* ETDRK4 coefficients for one mode with z = h L (L <= 0): with phi_1..3 the usual phi-functions,
 * q = phi_1(z/2) / 2, b1 = phi_1 - 3 phi_2 + 4 phi_3, b2 = 2 phi_2 - 4 phi_3, b3 = 4 phi_3 - phi_2
 * (Kassam & Trefethen 2005, eq. 2.5; all multiplied by h by the caller). */
static double phi1(double z) {
  if (fabs(z) < 1.0) { /* sum_m z^m / (m+1)! */
    double s = 0.0, term = 1.0;
    for (int m = 0; m < 30; m++) s += term, term *= z / (m + 2);
    return s;
  }
  return expm1(z) / z;
}
static void etdrk4_coeffs(double z, double *b1, double *b2, double *b3) {
  if (fabs(z) < 1.0) {
    /* Taylor coefficients of z^m: b1 (m+1)^2/(m+3)!, b2 2(m+1)/(m+3)!, b3 (1-m)/(m+3)! */
    double s1 = 0.0, s2 = 0.0, s3 = 0.0, zm_fact = 1.0 / 6.0; /* z^m / (m+3)! */
    for (int m = 0; m < 30; m++) {
      s1 += (m + 1.0) * (m + 1.0) * zm_fact;
      s2 += 2.0 * (m + 1.0) * zm_fact;
      s3 += (1.0 - m) * zm_fact;
      zm_fact *= z / (m + 4);
    }
    *b1 = s1, *b2 = s2, *b3 = s3;
    return;
  }
  double ez = exp(z), z3 = z * z * z;
  *b1 = (-4.0 - z + ez * (4.0 - 3.0 * z + z * z)) / z3;
  *b2 = 2.0 * (2.0 + z + ez * (-2.0 + z)) / z3;
  *b3 = (-4.0 - 3.0 * z - z * z + ez * (4.0 - z)) / z3;
}

/* k (u - u^3) at u = v - 1, elementwise (k = 5 gives the bits of the former fixed 5.0). */
static void ac_nonlinear(double k, int m, const double *v, double *f) {
  for (int i = 0; i < m; i++) {
    double uu = v[i] - 1.0;
    f[i] = k * uu * (1.0 - uu * uu);
  }
}

typedef struct {
  int N, m;             /* degree, interior points m = N - 1 */
  double *x;            /* (N+1) GLL nodes */
  double *bary;         /* (N+1) barycentric weights */
  double *sw;           /* (m) sqrt of the interior GLL weights */
  double *Q;            /* (m, m) column-major eigenvectors of M^-1/2 K M^-1/2 */
  double *lam;          /* (m) its eigenvalues, ascending, > 0 */
  double *E, *E2;       /* (m) exp(h L), exp(h L / 2) */
  double *qc;           /* (m) h/2 phi_1(h L / 2) */
  double *b1, *b2, *b3; /* (m) h b1..b3(h L) */
} ac_solver;

static void ac_free(ac_solver *s) {
  PF_FREE(&s->x), PF_FREE(&s->bary), PF_FREE(&s->sw), PF_FREE(&s->Q), PF_FREE(&s->lam);
  PF_FREE(&s->E), PF_FREE(&s->E2), PF_FREE(&s->qc);
  PF_FREE(&s->b1), PF_FREE(&s->b2), PF_FREE(&s->b3);
}

/* Nodes, the symmetric stiffness eigen-decomposition and the ETDRK4 coefficients for step h. */
static int ac_setup(ac_solver *s, int N, double h, double diff) {
  const int np = N + 1, m = N - 1;
  s->N = N, s->m = m;
  double *w = NULL, *B = NULL;
  PF_CALL(PF_CALLOC(np, &s->x));
  PF_CALL(PF_CALLOC(np, &s->bary));
  PF_CALL(PF_CALLOC(np, &w));
  int rc = pf_ref_gauss_lobatto(N, s->x, w, s->bary);
  if (!rc) rc = PF_CALLOC(m, &s->sw);
  if (!rc) rc = PF_CALLOC((size_t)m * m, &s->Q);
  if (!rc) rc = PF_CALLOC(m, &s->lam);
  if (!rc) rc = PF_CALLOC((size_t)np * m, &B);
  if (rc) {
    PF_FREE(&w), PF_FREE(&B);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  for (int i = 0; i < m; i++) s->sw[i] = sqrt(w[i + 1]);
  /* B = W^1/2 D[:, interior] M_I^-1/2, column-major (np, m); D_qj = (bary_j / bary_q) / (x_q - x_j)
   * for q != j (Berrut & Trefethen 2004, eq. 9.4), D_jj = -sum_{q != j} D_jq (the negative-sum
   * trick keeps D exact on constants). Then S = B^T B = M^-1/2 K M^-1/2. */
  for (int q = 0; q < np; q++) {
    double diag = 0.0;
    for (int j = 0; j < np; j++)
      if (j != q) {
        double d = (s->bary[j] / s->bary[q]) / (s->x[q] - s->x[j]);
        diag -= d;
        if (j >= 1 && j <= m) B[(size_t)(j - 1) * np + q] = d;
      }
    if (q >= 1 && q <= m) B[(size_t)(q - 1) * np + q] = diag;
  }
  for (int j = 0; j < m; j++)
    for (int q = 0; q < np; q++) B[(size_t)j * np + q] *= sqrt(w[q]) / s->sw[j];
  if (N <= AC_SYEVD_MAX_DEGREE) {
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, m, np, 1.0, B, np, 0.0, s->Q, m);
    PF_FREE(&B), PF_FREE(&w);
    lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', m, s->Q, m, s->lam);
    PF_CHECK(info == 0, PF_ERR_LAPACK, "LAPACKE_dsyevd(n = %d) returned info = %d", m, (int)info);
  } else {
    /* The eigenvalues of S = B^T B carry absolute errors eps * lam_max ~ eps N^4 (dsyevd is
     * backward stable for S, and forming S squares B's condition), which the slow modes feel as a
     * wrong decay rate: at degree 2816 the heat solution (k = 0) is off by 3e-8 at t = 1. The
     * singular values of B carry eps * sigma_max ~ eps N^2 instead, so S = V diag(sigma^2) V^T
     * from the SVD B = U diag(sigma) V^T (U discarded) is accurate at any degree we use. */
    double *vt = NULL;
    rc = PF_CALLOC((size_t)m * m, &vt);
    lapack_int info = 0;
    if (!rc) info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'O', np, m, B, np, s->lam, NULL, 1, vt, m);
    PF_FREE(&B), PF_FREE(&w);
    if (!rc && info == 0) /* descending singular values -> ascending eigenvalues */
      for (int k = 0; k < m; k++) {
        const int r = m - 1 - k;
        for (int i = 0; i < m; i++) s->Q[(size_t)k * m + i] = vt[(size_t)i * m + r];
      }
    if (!rc && info == 0)
      for (int k = 0; k < m / 2; k++) {
        double sk = s->lam[k];
        s->lam[k] = s->lam[m - 1 - k] * s->lam[m - 1 - k];
        s->lam[m - 1 - k] = sk * sk;
      }
    if (!rc && info == 0 && m % 2) s->lam[m / 2] *= s->lam[m / 2];
    PF_FREE(&vt);
    PF_CALL(rc);
    PF_CHECK(info == 0, PF_ERR_LAPACK, "LAPACKE_dgesdd(%d x %d) returned info = %d", np, m,
             (int)info);
  }
  PF_CHECK(s->lam[0] > 0.0, PF_ERR_NUMERIC, "stiffness matrix not positive definite (%g)",
           s->lam[0]);
  PF_CALL(PF_CALLOC(m, &s->E));
  PF_CALL(PF_CALLOC(m, &s->E2));
  PF_CALL(PF_CALLOC(m, &s->qc));
  PF_CALL(PF_CALLOC(m, &s->b1));
  PF_CALL(PF_CALLOC(m, &s->b2));
  PF_CALL(PF_CALLOC(m, &s->b3));
  for (int k = 0; k < m; k++) {
    double z = -h * diff * s->lam[k], b1, b2, b3;
    s->E[k] = exp(z), s->E2[k] = exp(0.5 * z);
    s->qc[k] = 0.5 * h * phi1(0.5 * z);
    etdrk4_coeffs(z, &b1, &b2, &b3);
    s->b1[k] = h * b1, s->b2[k] = h * b2, s->b3[k] = h * b3;
  }
  return PF_OK;
}

/* Physical interior values v = M^-1/2 Q vh, and modal vh = Q^T M^1/2 v (tmp: (m) scratch). */
static void to_phys(const ac_solver *s, const double *vh, double *v) {
  cblas_dgemv(CblasColMajor, CblasNoTrans, s->m, s->m, 1.0, s->Q, s->m, vh, 1, 0.0, v, 1);
  for (int i = 0; i < s->m; i++) v[i] /= s->sw[i];
}
static void to_modal(const ac_solver *s, const double *v, double *tmp, double *vh) {
  for (int i = 0; i < s->m; i++) tmp[i] = v[i] * s->sw[i];
  cblas_dgemv(CblasColMajor, CblasTrans, s->m, s->m, 1.0, s->Q, s->m, tmp, 1, 0.0, vh, 1);
}

static int ac_check_coef(double d, double k) {
  PF_CHECK(d >= PF_REF_ALLEN_CAHN_D_MIN && d <= PF_REF_ALLEN_CAHN_D_MAX, PF_ERR_ARG,
           "Allen-Cahn diffusion d = %g outside the validated range [%g, %g]", d,
           PF_REF_ALLEN_CAHN_D_MIN, PF_REF_ALLEN_CAHN_D_MAX);
  PF_CHECK(k >= PF_REF_ALLEN_CAHN_K_MIN && k <= PF_REF_ALLEN_CAHN_K_MAX, PF_ERR_ARG,
           "Allen-Cahn reaction k = %g outside the validated range [%g, %g]", k,
           PF_REF_ALLEN_CAHN_K_MIN, PF_REF_ALLEN_CAHN_K_MAX);
  return PF_OK;
}

int pf_ref_allen_cahn_resolution(double d, double k, double dt_out, int *degree, int *substeps) {
  PF_CALL(ac_check_coef(d, k));
  PF_CHECK(isfinite(dt_out) && dt_out > 0.0, PF_ERR_ARG, "dt_out must be > 0, got %g", dt_out);
  /* Degree: the layers are tanh(x / sqrt(2 d / k)), whose poles at distance (pi / 2) sqrt(2 d / k)
   * from the real axis set the Legendre convergence rate, so the degree for a fixed accuracy grows
   * like sqrt(k / d): 7.2 sqrt(k / d) (512 at the paper's point) rounded up to a multiple of 64, at
   * least 256 (the corner layer at x = +-1, t -> 0, of small d: degree 128 is off by 6e-9 there at
   * d = 1e-4, k = 0). Step: the ETDRK4 error of the reaction grows like (h k)^4, so h = 2e-3 up to
   * k = 5 and 1e-2 / k beyond. */
  int N = 64 * (int)ceil(7.2 * sqrt(k / d) / 64.0);
  if (N < 256) N = 256;
  double hmax = k > 5.0 ? 1e-2 / k : 2e-3;
  if (degree) *degree = N;
  if (substeps) {
    double s = ceil(dt_out / hmax * (1.0 - 1e-12)); /* 0.01 / 2e-3 is 5, not 6 */
    PF_CHECK(s <= 1e7, PF_ERR_ARG, "dt_out = %g needs %g steps", dt_out, s);
    *substeps = (int)s;
  }
  return PF_OK;
}

int pf_ref_allen_cahn_solve_coef(double d, double k, int degree, int substeps, double dt_out,
                                 int nt, size_t nx, const double *x, double *u) {
  PF_CALL(ac_check_coef(d, k));
  PF_CHECK(degree >= 0 && substeps >= 0, PF_ERR_ARG,
           "degree and substeps must be >= 0 (0 = automatic), got %d and %d", degree, substeps);
  PF_CHECK(nt >= 1, PF_ERR_ARG, "need at least one output time, got %d", nt);
  PF_CHECK(nt == 1 || (isfinite(dt_out) && dt_out > 0.0), PF_ERR_ARG, "dt_out must be > 0, got %g",
           dt_out);
  if (degree == 0 || substeps == 0) {
    /* One output time takes no step: any dt_out resolves the degree. */
    int N, S;
    PF_CALL(pf_ref_allen_cahn_resolution(d, k, nt > 1 ? dt_out : 1.0, &N, &S));
    if (degree == 0) degree = N;
    if (substeps == 0) substeps = S;
  }
  PF_CHECK(degree >= 4, PF_ERR_ARG, "degree must be >= 4 (or 0), got %d", degree);
  PF_CHECK(substeps >= 1, PF_ERR_ARG, "substeps must be >= 1 (or 0), got %d", substeps);
  PF_CHECK(nt >= 1, PF_ERR_ARG, "need at least one output time, got %d", nt);
  PF_CHECK(nt == 1 || (isfinite(dt_out) && dt_out > 0.0), PF_ERR_ARG, "dt_out must be > 0, got %g",
           dt_out);
  PF_CHECK(nx == 0 || (x && u), PF_ERR_ARG, "NULL array");
  for (size_t i = 0; i < nx; i++)
    PF_CHECK(x[i] >= -1.0 && x[i] <= 1.0, PF_ERR_ARG, "x[%zu] = %g outside [-1, 1]", i, x[i]);

  ac_solver s = {0};
  double *work = NULL, *unode = NULL;
  int rc = ac_setup(&s, degree, nt > 1 ? dt_out / substeps : 1.0, d);
  const int m = s.m, np = degree + 1;
  if (!rc) rc = PF_CALLOC((size_t)12 * m, &work);
  if (!rc) rc = PF_CALLOC(np, &unode);
  if (rc) {
    ac_free(&s), PF_FREE(&work), PF_FREE(&unode);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  double *v = work, *vh = work + m, *tmp = work + 2 * m, *fv = work + 3 * m, *fa = work + 4 * m,
         *fb = work + 5 * m, *fc = work + 6 * m, *ah = work + 7 * m, *bh = work + 8 * m,
         *ch = work + 9 * m, *p = work + 10 * m, *f = work + 11 * m;
  unode[0] = unode[degree] = -1.0;
  for (int i = 0; i < m; i++) v[i] = s.x[i + 1] * s.x[i + 1] * cos(PF_REF_PI * s.x[i + 1]) + 1.0;
  to_modal(&s, v, tmp, vh);
  for (int it = 0; it < nt && !rc; it++) {
    if (it > 0)
      for (int step = 0; step < substeps; step++) {
        /* ETDRK4, Kassam & Trefethen 2005, eq. (2.5); all vectors hatted are modal. */
        ac_nonlinear(k, m, v, f);
        to_modal(&s, f, tmp, fv);
        for (int i = 0; i < m; i++) ah[i] = s.E2[i] * vh[i] + s.qc[i] * fv[i];
        to_phys(&s, ah, p);
        ac_nonlinear(k, m, p, f);
        to_modal(&s, f, tmp, fa);
        for (int i = 0; i < m; i++) bh[i] = s.E2[i] * vh[i] + s.qc[i] * fa[i];
        to_phys(&s, bh, p);
        ac_nonlinear(k, m, p, f);
        to_modal(&s, f, tmp, fb);
        for (int i = 0; i < m; i++) ch[i] = s.E2[i] * ah[i] + s.qc[i] * (2.0 * fb[i] - fv[i]);
        to_phys(&s, ch, p);
        ac_nonlinear(k, m, p, f);
        to_modal(&s, f, tmp, fc);
        for (int i = 0; i < m; i++)
          vh[i] = s.E[i] * vh[i] + s.b1[i] * fv[i] + s.b2[i] * (fa[i] + fb[i]) + s.b3[i] * fc[i];
        to_phys(&s, vh, v);
      }
    for (int i = 0; i < m; i++) {
      unode[i + 1] = v[i] - 1.0;
      if (!isfinite(unode[i + 1]))
        rc = pf_error(PF_ERR_NUMERIC, __FILE__, __LINE__, __func__,
                      "non-finite Allen-Cahn solution at t = %g (degree %d, %d substeps)",
                      it * dt_out, degree, substeps);
    }
    if (!rc) rc = pf_ref_barycentric(np, s.x, s.bary, unode, nx, x, u + (size_t)it * nx);
  }
  ac_free(&s), PF_FREE(&work), PF_FREE(&unode);
  PF_CALL(rc);
  return PF_OK;
}

int pf_ref_allen_cahn_grid_coef(double d, double k, int degree, int substeps, double *x, double *t,
                                double *u) {
  const int nx = PF_REF_ALLEN_CAHN_NX, nt = PF_REF_ALLEN_CAHN_NT;
  PF_CHECK(u, PF_ERR_ARG, "NULL output array");
  double xs[PF_REF_ALLEN_CAHN_NX];
  for (int i = 0; i < nx; i++) xs[i] = (i - 100) / 100.0; /* exactly symmetric */
  if (x)
    for (int i = 0; i < nx; i++) x[i] = xs[i];
  if (t)
    for (int it = 0; it < nt; it++) t[it] = it / 100.0;
  PF_CALL(pf_ref_allen_cahn_solve_coef(d, k, degree, substeps, 0.01, nt, nx, xs, u));
  return PF_OK;
}

/* The paper's coefficients. 0 keeps its former meaning here (degree 512, 5 steps per dt_out for
 * any dt_out), so every result is bitwise what it was before the coefficients became arguments. */
int pf_ref_allen_cahn_solve(int degree, int substeps, double dt_out, int nt, size_t nx,
                            const double *x, double *u) {
  PF_CHECK(degree >= 0 && substeps >= 0, PF_ERR_ARG,
           "degree and substeps must be >= 0 (0 = default), got %d and %d", degree, substeps);
  PF_CALL(pf_ref_allen_cahn_solve_coef(PF_REF_ALLEN_CAHN_PAPER_D, PF_REF_ALLEN_CAHN_PAPER_K,
                                       degree ? degree : PF_REF_ALLEN_CAHN_DEGREE,
                                       substeps ? substeps : PF_REF_ALLEN_CAHN_SUBSTEPS, dt_out, nt,
                                       nx, x, u));
  return PF_OK;
}

int pf_ref_allen_cahn_grid(int degree, int substeps, double *x, double *t, double *u) {
  PF_CHECK(degree >= 0 && substeps >= 0, PF_ERR_ARG,
           "degree and substeps must be >= 0 (0 = default), got %d and %d", degree, substeps);
  PF_CALL(pf_ref_allen_cahn_grid_coef(PF_REF_ALLEN_CAHN_PAPER_D, PF_REF_ALLEN_CAHN_PAPER_K,
                                      degree ? degree : PF_REF_ALLEN_CAHN_DEGREE,
                                      substeps ? substeps : PF_REF_ALLEN_CAHN_SUBSTEPS, x, t, u));
  return PF_OK;
}
