/* Quadrature and interpolation helpers of the reference solvers: Gauss-Hermite and
 * Gauss-Lobatto-Legendre rules and barycentric interpolation.
 *
 * Nodes come from the eigenvalues of the Jacobi matrix of the orthogonal polynomials (Golub &
 * Welsch 1969; LAPACK dstev), then each is polished by Newton's method on the three-term
 * recurrence, which also gives the weights through the Christoffel-Darboux formula
 * (w_i = 1 / sum_k p_k(x_i)^2; see Gautschi, Orthogonal Polynomials, 2004, sec. 1.4 and 3.1).
 * Computing the weights from the recurrence rather than from the first components of the
 * eigenvectors keeps them accurate to a few ulps in a relative sense even where they are tiny
 * (Gauss-Hermite: exp(-s^2) with s up to sqrt(2n)); the Hermite weights are returned as logarithms
 * because they underflow for large n. Rules are made exactly symmetric by computing the
 * non-negative half and mirroring it. Barycentric interpolation follows Berrut & Trefethen,
 * SIAM Review 46 (2004); the Lobatto barycentric weights (-1)^j sqrt(w_j) are those of Wang,
 * Huybrechs & Vandewalle, Math. Comp. 83 (2014). */
#include "pinnfluence/core.h"
#include "pinnfluence/reference.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>

static const double PF_REF_PI = 3.14159265358979323846;

/* Eigenvalues (ascending, into d) of the symmetric tridiagonal matrix with zero diagonal and
 * off-diagonal e (n - 1 entries; overwritten). */
static int tridiag_eigenvalues(int n, double *d, double *e) {
  for (int i = 0; i < n; i++) d[i] = 0.0;
  if (n == 1) return PF_OK;
  lapack_int info = LAPACKE_dstev(LAPACK_COL_MAJOR, 'N', n, d, e, NULL, 1);
  PF_CHECK(info == 0, PF_ERR_LAPACK, "LAPACKE_dstev(n = %d) returned info = %d", n, (int)info);
  return PF_OK;
}

/* Orthonormal Hermite polynomials (weight exp(-s^2)) p_{n-1}(s), p_n(s), scaled by 2^-scale2 so
 * that they never overflow (p_n grows like exp(s^2 / 2)); *scale2 receives that exponent. */
static void hermite_eval(int n, double s, double *pnm1, double *pn, int *scale2) {
  double p0 = pow(PF_REF_PI, -0.25), p1 = sqrt(2.0) * s * p0;
  int sc = 0;
  if (n == 0) {
    *pnm1 = 0.0, *pn = p0, *scale2 = 0;
    return;
  }
  for (int k = 2; k <= n; k++) {
    double p2 = sqrt(2.0 / k) * s * p1 - sqrt((k - 1.0) / k) * p0;
    p0 = p1, p1 = p2;
    if (fabs(p1) > 0x1p500) p0 = ldexp(p0, -500), p1 = ldexp(p1, -500), sc += 500;
  }
  *pnm1 = p0, *pn = p1, *scale2 = sc;
}

int pf_ref_gauss_hermite(int n, double *nodes, double *log_weights) {
  PF_CHECK(n >= 1, PF_ERR_ARG, "Gauss-Hermite order must be >= 1, got %d", n);
  PF_CHECK(nodes && log_weights, PF_ERR_ARG, "NULL output array");
  double *e = NULL;
  PF_CALL(PF_CALLOC(n, &e));
  /* Jacobi matrix of the orthonormal Hermite polynomials: zero diagonal, off-diagonal sqrt(k/2). */
  for (int k = 1; k < n; k++) e[k - 1] = sqrt(0.5 * k);
  int rc = tridiag_eigenvalues(n, nodes, e);
  PF_FREE(&e);
  PF_CALL(rc);
  /* Polish the non-negative half by Newton (p_n' = sqrt(2n) p_{n-1}) and mirror it. */
  for (int i = n / 2; i < n; i++) {
    double s = (n % 2 && i == n / 2) ? 0.0 : 0.5 * (nodes[i] - nodes[n - 1 - i]);
    double pnm1, pn;
    int sc;
    for (int it = 0; it < 8; it++) {
      hermite_eval(n, s, &pnm1, &pn, &sc);
      double ds = pn / (sqrt(2.0 * n) * pnm1);
      s -= ds;
      if (fabs(ds) <= 4 * DBL_EPSILON * (1.0 + fabs(s))) break;
    }
    if (n % 2 && i == n / 2) s = 0.0;
    hermite_eval(n, s, &pnm1, &pn, &sc);
    PF_CHECK(isfinite(s) && pnm1 != 0.0 && isfinite(pnm1), PF_ERR_NUMERIC,
             "Gauss-Hermite node %d of %d did not converge", i, n);
    /* Christoffel-Darboux: w = 1 / (n p_{n-1}(s)^2), p_{n-1} = pnm1 * 2^sc. */
    double lw = -log((double)n) - 2.0 * (log(fabs(pnm1)) + sc * log(2.0));
    nodes[i] = s, nodes[n - 1 - i] = -s;
    log_weights[i] = log_weights[n - 1 - i] = lw;
  }
  return PF_OK;
}

/* Legendre P_N(x) and P_N'(x) by the three-term recurrence (|P_k| <= 1 on [-1, 1]). */
static void legendre_eval(int N, double x, double *p, double *dp) {
  double p0 = 1.0, p1 = x;
  for (int k = 1; k < N; k++) {
    double p2 = ((2.0 * k + 1.0) * x * p1 - k * p0) / (k + 1.0);
    p0 = p1, p1 = p2;
  }
  *p = p1;
  /* (1 - x^2) P_N' = N (P_{N-1} - x P_N), used only at interior points. */
  *dp = N * (p0 - x * p1) / (1.0 - x * x);
}

int pf_ref_gauss_lobatto(int degree, double *nodes, double *weights, double *bary) {
  const int N = degree;
  PF_CHECK(N >= 2, PF_ERR_ARG, "Gauss-Lobatto degree must be >= 2, got %d", N);
  PF_CHECK(nodes && weights, PF_ERR_ARG, "NULL output array");
  const int m = N - 1; /* interior nodes: the zeros of P_N' */
  double *e = NULL;
  PF_CALL(PF_CALLOC(m, &e));
  /* P_N' is proportional to the Jacobi polynomial P^(1,1)_{N-1} (Gegenbauer C^(3/2)), whose
   * Jacobi matrix has zero diagonal and off-diagonal sqrt(k(k+2) / ((2k+1)(2k+3))). */
  for (int k = 1; k < m; k++) e[k - 1] = sqrt(k * (k + 2.0) / ((2.0 * k + 1.0) * (2.0 * k + 3.0)));
  int rc = tridiag_eigenvalues(m, nodes + 1, e);
  PF_FREE(&e);
  PF_CALL(rc);
  const double nn1 = (double)N * (N + 1.0);
  nodes[0] = -1.0, nodes[N] = 1.0;
  weights[0] = weights[N] = 2.0 / nn1;
  for (int j = (N + 1) / 2; j < N; j++) {
    double x = (N % 2 == 0 && j == N / 2) ? 0.0 : 0.5 * (nodes[j] - nodes[N - j]);
    double p, dp;
    for (int it = 0; it < 8 && x != 0.0; it++) {
      legendre_eval(N, x, &p, &dp);
      /* Legendre's equation: (1 - x^2) P'' = 2x P' - N(N+1) P. Newton on P_N'. */
      double d2p = (2.0 * x * dp - nn1 * p) / (1.0 - x * x);
      double dx = dp / d2p;
      x -= dx;
      if (fabs(dx) <= 4 * DBL_EPSILON) break;
    }
    legendre_eval(N, x, &p, &dp);
    PF_CHECK(isfinite(x) && fabs(x) < 1.0 && p != 0.0, PF_ERR_NUMERIC,
             "Gauss-Lobatto node %d of degree %d did not converge", j, N);
    nodes[j] = x, nodes[N - j] = -x;
    weights[j] = weights[N - j] = 2.0 / (nn1 * p * p);
  }
  if (bary) {
    double smax = sqrt(weights[N / 2]);
    for (int j = 0; j <= N; j++) bary[j] = (j % 2 ? -1.0 : 1.0) * sqrt(weights[j]) / smax;
  }
  return PF_OK;
}

int pf_ref_barycentric(int n_nodes, const double *nodes, const double *bary, const double *values,
                       size_t n_eval, const double *x, double *out) {
  PF_CHECK(n_nodes >= 1, PF_ERR_ARG, "need at least one node, got %d", n_nodes);
  PF_CHECK(nodes && bary && values && (n_eval == 0 || (x && out)), PF_ERR_ARG, "NULL array");
  for (size_t k = 0; k < n_eval; k++) {
    double num = 0.0, den = 0.0, xk = x[k];
    int hit = -1;
    for (int j = 0; j < n_nodes; j++) {
      double d = xk - nodes[j];
      if (d == 0.0) {
        hit = j;
        break;
      }
      double c = bary[j] / d;
      num += c * values[j];
      den += c;
    }
    out[k] = hit >= 0 ? values[hit] : num / den;
  }
  return PF_OK;
}
