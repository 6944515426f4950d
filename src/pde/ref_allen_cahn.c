/* Reference solution of the Allen-Cahn problem u_t = eps u_xx + 5 (u - u^3), eps = 0.001, on
 * x in [-1, 1], t in [0, 1], u(x, 0) = x^2 cos(pi x), u(+-1, t) = -1.
 *
 * Space: Legendre spectral (Galerkin with Gauss-Lobatto-Legendre numerical integration, "G-NI";
 * Canuto, Hussaini, Quarteroni & Zang, Spectral Methods, 2006, sec. 2.3 and 4.4), one element of
 * degree N. With v = u + 1 (zero at x = +-1) at the N - 1 interior points,
 *   M v' = -eps K v + M F(v - 1),   F(u) = 5 (u - u^3),
 *   M = diag(w_j),   K_ij = sum_q w_q D_qi D_qj,
 * w the GLL weights and D the GLL differentiation matrix. S = M^-1/2 K M^-1/2 = Q diag(lam) Q^T is
 * symmetric, so the stiff operator has a real spectrum and orthogonal eigenvectors (LAPACK
 * dsyevd). We chose this over Chebyshev collocation, whose second-derivative matrix is not normal
 * and needs a general eigensolver and the inverse of its eigenvector matrix.
 *
 * Time: ETDRK4 (Cox & Matthews, J. Comput. Phys. 176 (2002); Kassam & Trefethen, SIAM J. Sci.
 * Comput. 26 (2005)) in the eigen-coordinates vh = Q^T M^1/2 v, where the linear part is diagonal.
 * The phi-functions of the scalars z = -h eps lam are evaluated by their Taylor series for |z| < 1
 * and by the closed forms otherwise: errors below 1e-15 relative to phi_1(z) over z in
 * [-1e4, -1e-4], checked against long-double evaluation.
 *
 * Output: the nodal polynomial evaluated by barycentric interpolation (exact for it).
 *
 * Resolution, measured with tests/pde/test_ref_allen_cahn.c (relative L2 change over the paper's
 * 20,301-point grid; one core):
 *   space, 5 substeps:  degree 320 -> 768: 3.1e-7, 384: 2.6e-8, 448: 1.9e-9, 512: 1.3e-10
 *   time, degree 512:   substeps 1 -> 40: 3.7e-8, 2: 2.3e-9, 4: 1.4e-10, 5: 5.9e-11, 8: 9e-12
 * (spectral in the degree, fourth order in the step). The default, degree 512 with 5 steps per
 * 0.01 (h = 2e-3), changes by 1.3e-10 when the degree goes to 768 and by 5.5e-11 when the step is
 * halved, and takes about 0.35 s (0.15 s of it the eigen-decomposition). */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>

static const double PF_REF_PI = 3.14159265358979323846;

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
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, m, np, 1.0, B, np, 0.0, s->Q, m);
  PF_FREE(&B), PF_FREE(&w);
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', m, s->Q, m, s->lam);
  PF_CHECK(info == 0, PF_ERR_LAPACK, "LAPACKE_dsyevd(n = %d) returned info = %d", m, (int)info);
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
   * like sqrt(k / d); the constant is measured (512 at the paper's point), rounded up to a
   * multiple of 64, at least 128 (the smooth solutions of small k or large d). Step: the ETDRK4
   * error of the reaction grows like (h k)^4, so h = 2e-3 up to k = 5 and 1e-2 / k beyond. */
  const double C = 7.2;
  int N = 64 * (int)ceil(C * sqrt(k / d) / 64.0);
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
