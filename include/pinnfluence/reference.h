/* pinnfluence pde module: reference solutions computed by the program itself (never downloaded).
 *
 * - Burgers (u_t + u u_x = nu u_xx, u(x,0) = -sin(pi x), u(+-1,t) = 0; the paper's nu = 0.01/pi,
 *   any nu in [1e-4/pi, 1]): the Cole-Hopf integral, with Gauss-Hermite quadrature (order 128) at
 *   the paper's nu and a truncated trapezoidal rule elsewhere; about 1e-14 on the paper's grid
 *   against doubled orders over the whole range (src/pde/ref_burgers.c).
 * - Allen-Cahn (u_t = d u_xx + k (u - u^3), u(x,0) = x^2 cos(pi x), u(+-1,t) = -1; the paper's
 *   d = 0.001, k = 5, any d in [1e-4, 1e-1] and k in [0, 10]): a Legendre spectral discretisation
 *   in x integrated with ETDRK4, degree 7.2 sqrt(k / d) (>= 256) and step min(2e-3, 1e-2 / k) by
 *   default; <= 1e-9 against a finer degree and half the step over the range, bitwise unchanged
 *   at the paper's point (src/pde/ref_allen_cahn.c).
 * - The quadrature and interpolation helpers both use (src/pde/ref_quadrature.c).
 *
 * All functions are serial (no communicator), return 0 or a pf_error_code, and write into
 * caller-allocated arrays. Grids store time-major arrays: u[i_t * nx + i_x]. */
#ifndef PINNFLUENCE_REFERENCE_H
#define PINNFLUENCE_REFERENCE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ quadrature helpers */

/* Gauss-Hermite rule of n >= 1 points for the weight exp(-s^2) on the real line:
 * sum_i w_i g(s_i) ~ int g(s) exp(-s^2) ds, exact for polynomials of degree <= 2n - 1.
 * nodes: (n), ascending, exactly antisymmetric (nodes[n-1-i] == -nodes[i]).
 * log_weights: (n), natural logarithms of the weights (the outer weights underflow a double for
 * large n, e.g. w ~ exp(-2000) at n = 1024, so only their logarithms are returned). */
int pf_ref_gauss_hermite(int n, double *nodes, double *log_weights);

/* Gauss-Lobatto-Legendre rule of degree N >= 2 (N + 1 points, including -1 and 1): the weight 1
 * on [-1, 1], exact for polynomials of degree <= 2N - 1.
 * nodes: (N + 1), ascending, nodes[0] = -1, nodes[N] = 1, exactly antisymmetric.
 * weights: (N + 1) quadrature weights. bary: (N + 1) barycentric interpolation weights for these
 * nodes, (-1)^j sqrt(w_j) (scaled arbitrarily); may be NULL. */
int pf_ref_gauss_lobatto(int degree, double *nodes, double *weights, double *bary);

/* Barycentric interpolation (second form; Berrut & Trefethen 2004): the polynomial of degree
 * n_nodes - 1 through (nodes[j], values[j]) evaluated at x[0..n_eval-1] into out[0..n_eval-1].
 * bary: (n_nodes) barycentric weights of the nodes. A point equal to a node gets that value. */
int pf_ref_barycentric(int n_nodes, const double *nodes, const double *bary, const double *values,
                       size_t n_eval, const double *x, double *out);

/* ------------------------------------------------------------------ Burgers */

#define PF_REF_BURGERS_NX 256 /* x = linspace(-1, 1, 256) */
#define PF_REF_BURGERS_NT 100 /* t = 0, 0.01, ..., 0.99 */
/* The paper's viscosity 0.01/pi, and the range of nu the reference is verified for (1e-4/pi to 1;
 * pf_ref_burgers_eval_nu refuses others with PF_ERR_ARG). */
#define PF_REF_BURGERS_NU     (0.01 / 3.14159265358979323846)
#define PF_REF_BURGERS_NU_MIN (1e-4 / 3.14159265358979323846)
#define PF_REF_BURGERS_NU_MAX 1.0
/* Gauss-Hermite order used by default at the paper's nu, chosen by measurement (see
 * ref_burgers.c): doubling it changes the grid values by at most 4e-15. */
#define PF_REF_BURGERS_ORDER 128

/* u(x_k, t_k) for k = 0..n-1 (arbitrary points; t_k >= 0, x_k finite; accuracy measured on
 * [-1, 1] x [0, 1]) for the viscosity nu in [PF_REF_BURGERS_NU_MIN, PF_REF_BURGERS_NU_MAX].
 * x, t, u: (n). At t = 0 returns -sin(pi x).
 * order: quadrature points per evaluation, 0 for the automatic pf_ref_burgers_order_nu(nu).
 * At nu == PF_REF_BURGERS_NU exactly these are Gauss-Hermite points (bit-identical to the
 * paper's reference); at any other nu, trapezoidal points over the truncated range.
 * Accuracy with order 0: max |u_n - u_2n| about 1e-14 on the paper's grid over the whole range.
 * Cost: about 3.5e-8 s x n x order on one core (the 25,600-point grid: 0.1 s at the paper's nu,
 * 0.15 s at 0.002/pi, 0.65 s at 1e-4/pi). */
int pf_ref_burgers_eval_nu(double nu, int order, size_t n, const double *x, const double *t,
                           double *u);

/* The automatic order of pf_ref_burgers_eval_nu for nu: PF_REF_BURGERS_ORDER at
 * nu == PF_REF_BURGERS_NU, else ceil(Smax (7 + 16 sqrt(nu))), Smax = sqrt(1 / (pi nu) + 50)
 * (97 next to 0.01/pi, 174 at 0.002/pi, 711 at 1e-4/pi, 164 at 1); 0 for nu outside the range. */
int pf_ref_burgers_order_nu(double nu);

/* The paper's holdout grid for the viscosity nu. x: (PF_REF_BURGERS_NX) = linspace(-1, 1, 256);
 * t: (PF_REF_BURGERS_NT) = 0, 0.01, ..., 0.99; u: (NT * NX), u[i_t * NX + i_x] = u(x[i_x], t[i_t]).
 * Any of x, t may be NULL. order: as in pf_ref_burgers_eval_nu. */
int pf_ref_burgers_grid_nu(double nu, int order, double *x, double *t, double *u);

/* The same at the paper's nu = PF_REF_BURGERS_NU: pf_ref_burgers_eval_nu(PF_REF_BURGERS_NU, ...)
 * and pf_ref_burgers_grid_nu(PF_REF_BURGERS_NU, ...). order: Gauss-Hermite points, 0 for
 * PF_REF_BURGERS_ORDER. */
int pf_ref_burgers_eval(int order, size_t n, const double *x, const double *t, double *u);
int pf_ref_burgers_grid(int order, double *x, double *t, double *u);

/* ------------------------------------------------------------------ Allen-Cahn */

#define PF_REF_ALLEN_CAHN_NX 201 /* x = -1, -0.99, ..., 1 */
#define PF_REF_ALLEN_CAHN_NT 101 /* t = 0, 0.01, ..., 1 */
/* Default resolution, chosen by measurement (see ref_allen_cahn.c): polynomial degree in x and
 * ETDRK4 steps per 0.01 of time (h = 2e-3). Relative L2 change on the grid: 1.3e-10 at degree
 * 768, 5.5e-11 at half the step. */
#define PF_REF_ALLEN_CAHN_DEGREE   512
#define PF_REF_ALLEN_CAHN_SUBSTEPS 5

/* Solve the Allen-Cahn problem and sample it at arbitrary x at the times t_k = k * dt_out,
 * k = 0..nt-1. degree: polynomial degree N in x (N + 1 Gauss-Lobatto-Legendre points), 0 for the
 * default; substeps: ETDRK4 steps per dt_out, 0 for the default (PF_REF_ALLEN_CAHN_SUBSTEPS, i.e.
 * a step of 2e-3 when dt_out = 0.01).
 * x: (nx) values in [-1, 1]; u: (nt * nx), u[i_t * nx + i_x] = u(x[i_x], t_{i_t}).
 * Cost: O(degree^3) once plus O(degree^2) per time step (about 0.35 s at the defaults). */
int pf_ref_allen_cahn_solve(int degree, int substeps, double dt_out, int nt, size_t nx,
                            const double *x, double *u);

/* The paper's holdout grid. x: (PF_REF_ALLEN_CAHN_NX) = -1, -0.99, ..., 1;
 * t: (PF_REF_ALLEN_CAHN_NT) = 0, 0.01, ..., 1; u: (NT * NX), u[i_t * NX + i_x].
 * Any of x, t may be NULL. degree, substeps: as in pf_ref_allen_cahn_solve (0 = default). */
int pf_ref_allen_cahn_grid(int degree, int substeps, double *x, double *t, double *u);

/* ---- any coefficients: u_t = d u_xx + k (u - u^3), same domain, initial and boundary values. */
#define PF_REF_ALLEN_CAHN_PAPER_D 0.001 /* the paper's d and k */
#define PF_REF_ALLEN_CAHN_PAPER_K 5.0
/* Validated range (measured, see ref_allen_cahn.c); outside it the functions return PF_ERR_ARG.
 * The hard corner is small d with large k (interfaces of width sqrt(2 d / k) that meet at x = 0).
 */
#define PF_REF_ALLEN_CAHN_D_MIN 1e-4
#define PF_REF_ALLEN_CAHN_D_MAX 1e-1
#define PF_REF_ALLEN_CAHN_K_MIN 0.0
#define PF_REF_ALLEN_CAHN_K_MAX 10.0

/* The automatic resolution for (d, k) in the range: *degree the polynomial degree,
 * 64 * ceil(7.2 sqrt(k / d) / 64) and at least 256; *substeps the ETDRK4 steps per dt_out
 * (dt_out > 0) for a step of at most 2e-3 (k <= 5) or 1e-2 / k (k > 5). At the paper's (d, k) and
 * dt_out = 0.01 it is 512 and 5. Chosen by a convergence study (ref_allen_cahn.c): the grid changes
 * by <= 1e-9 at a finer degree and by <= 6e-11 at half the step. Either pointer may be NULL. */
int pf_ref_allen_cahn_resolution(double d, double k, double dt_out, int *degree, int *substeps);

/* pf_ref_allen_cahn_solve and _grid for the coefficients (d, k); degree, substeps: 0 for the
 * automatic resolution. The two functions above are these at the paper's (d, k), bit for bit (with
 * their own defaults: pf_ref_allen_cahn_solve keeps 5 steps per dt_out for any dt_out).
 * Cost: O(degree^3) once plus O(degree^2) per step: 0.3 s at the paper's point, about 1 s up to
 * k / d = 1e4 (e.g. (1e-3, 10)), about 25 s of one core at the corner (1e-4, 10) (degree 2304). */
int pf_ref_allen_cahn_solve_coef(double d, double k, int degree, int substeps, double dt_out,
                                 int nt, size_t nx, const double *x, double *u);
int pf_ref_allen_cahn_grid_coef(double d, double k, int degree, int substeps, double *x, double *t,
                                double *u);

#ifdef __cplusplus
}
#endif
#endif
