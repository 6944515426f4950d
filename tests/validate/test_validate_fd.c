/* The influence function's own definition as the oracle: on a tiny network trained to a tight
 * optimum theta* of F(theta) = sum_i l(x_i), adding one point z with weight eps moves the optimum
 * to theta*_eps (re-converged here by Newton iterations with the exact gradient and the exact
 * dense Hessian of F + eps l(z)), and
 *   d L_test(theta*_eps) / d eps at 0 = -g_test^T H^{-1} g(z),
 * which is validate's textbook predictor (training-set Hessian, exact backend, no damping) for a
 * group of one point. Checked against the central difference (L(theta*_eps) - L(theta*_-eps)) /
 * (2 eps) and the one-sided (L(theta*_eps) - L(theta*)) / eps, for several z. */
#include "pf_test.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/optim.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/validate.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NTRAIN = 60, NHOLD = 500 };
static int sizes[3] = {2, 3, 1};

typedef struct {
  pf_engine *eng;
  pf_points *train;
} obj_ctx;

static int objective(void *user, const double *theta, double *loss, double *grad) {
  obj_ctx *o = user;
  return pf_engine_loss_grad(o->eng, theta, o->train, loss, grad);
}

/* Newton on F(theta) + eps l(z) until the gradient is below 1e-14 (relative); returns the
 * gradient norm reached. */
static double newton(pf_engine *eng, const pf_mlp *net, pf_points *train, pf_points *z, double eps,
                     double *theta) {
  const size_t P = net->nparams;
  double *g = calloc(P, sizeof *g), *gz = calloc(P, sizeof *gz), *H = calloc(P * P, sizeof *H),
         *Hz = calloc(P * P, sizeof *Hz), *t = calloc(P, sizeof *t),
         *step = calloc(P, sizeof *step), *tt = calloc(P, sizeof *tt), *gt = calloc(P, sizeof *gt);
  pf_influence_params ip = pf_influence_params_default();
  ip.backend = "exact", ip.damping = 0, ip.eig_tol = 0, ip.rank = (int)P;
  double gn = INFINITY, loss;
  for (int it = 0; it < 30; it++) {
    PF_TEST_OK(pf_engine_loss_grad(eng, theta, train, &loss, g));
    PF_TEST_OK(pf_engine_loss_grad(eng, theta, z, &loss, gz));
    gn = 0;
    for (size_t p = 0; p < P; p++) g[p] = (double)train->n * g[p] + eps * gz[p], gn += g[p] * g[p];
    gn = sqrt(gn);
    if (gn < 1e-14) break;
    PF_TEST_OK(pf_hessian_dense(eng, net, theta, train, H));
    PF_TEST_OK(pf_hessian_dense(eng, net, theta, z, Hz));
    for (size_t i = 0; i < P * P; i++) H[i] += eps * Hz[i];
    pf_influence_factor *F = NULL;
    PF_TEST_OK(pf_influence_factor_from_hessian(H, P, &ip, &F));
    if (!F) break;
    const size_t k = (size_t)F->rank;
    for (size_t j = 0; j < k; j++) {
      t[j] = 0;
      for (size_t p = 0; p < P; p++) t[j] += F->R[p * k + j] * g[p];
    }
    for (size_t p = 0; p < P; p++) {
      double s = 0;
      for (size_t j = 0; j < k; j++) s += F->R[p * k + j] * t[j];
      step[p] = s;
    }
    pf_influence_factor_destroy(&F);
    /* backtracking on the gradient norm: the full step near the optimum (quadratic convergence) */
    double a = 1;
    for (int b = 0; b < 40; b++, a *= 0.5) {
      for (size_t p = 0; p < P; p++) tt[p] = theta[p] - a * step[p];
      PF_TEST_OK(pf_engine_loss_grad(eng, tt, train, &loss, gt));
      PF_TEST_OK(pf_engine_loss_grad(eng, tt, z, &loss, gz));
      double gn2 = 0;
      for (size_t p = 0; p < P; p++) {
        const double v = (double)train->n * gt[p] + eps * gz[p];
        gn2 += v * v;
      }
      if (sqrt(gn2) < gn) break;
    }
    memcpy(theta, tt, P * sizeof *theta);
  }
  free(g), free(gz), free(H), free(Hz), free(t), free(step), free(tt), free(gt);
  return gn;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const pf_pde *pde = pf_pde_find(argc > 1 ? argv[1] : "allen_cahn");
  if (argc > 2) sizes[1] = atoi(argv[2]);
  pf_mlp *net = NULL;
  pf_engine *eng = NULL;
  PF_TEST_OK(pf_mlp_create(2, sizes, &net));
  PF_TEST_OK(pf_engine_create(net, &pde->ops, 128, &eng));
  const size_t P = net->nparams;
  double *theta = calloc(P, sizeof *theta);
  pf_rng_stream init = pf_rng_stream_make(3, 0, PF_RNG_INIT, 0);
  PF_TEST_OK(pf_mlp_init_glorot(net, &init, theta));
  double X[NTRAIN * 2], HX[NHOLD * 2];
  pf_pde_hammersley(pde, NTRAIN, X);
  pf_sample_uniform(pde, 7, PF_RNG_TEST, 0, 0, NHOLD, HX);
  pf_points *train = NULL, *hold = NULL;
  PF_TEST_OK(pf_points_create(&pde->ops, NTRAIN, X, &train));
  PF_TEST_OK(pf_points_create(&pde->ops, NHOLD, HX, &hold));

  /* a tight optimum: L-BFGS, then Newton */
  pf_lbfgs_params lp = pf_lbfgs_params_default();
  lp.total_iters = 4000, lp.max_iter = 4000, lp.max_eval = 5000, lp.tolerance_grad = 1e-13;
  pf_lbfgs *lb = NULL;
  PF_TEST_OK(pf_lbfgs_create(P, &lp, &lb));
  obj_ctx oc = {eng, train};
  pf_optim_result r;
  PF_TEST_OK(pf_lbfgs_run(lb, objective, &oc, theta, NULL, NULL, &r));
  pf_lbfgs_destroy(&lb);
  fprintf(stderr, "L-BFGS: %ld iterations, loss %.6e\n", r.iterations, r.loss);
  pf_points *none = NULL;
  double zx0[2] = {0.1, 0.5};
  PF_TEST_OK(pf_points_create(&pde->ops, 1, zx0, &none));
  const double g0 = newton(eng, net, train, none, 0.0, theta);
  double loss0;
  PF_TEST_OK(pf_engine_loss_grad(eng, theta, train, &loss0, NULL));
  fprintf(stderr, "optimum: P = %zu, train loss %.6e, |grad F| = %.3e\n", P, loss0, g0);
  PF_TEST_EXPECT(g0 < 1e-10, "no tight optimum: |grad F| = %.3e", g0);
  {
    double *Hd = calloc(P * P, sizeof *Hd), *w = calloc(P, sizeof *w);
    PF_TEST_OK(pf_hessian_dense(eng, net, theta, train, Hd));
    PF_TEST_OK(pf_hessian_eigen(Hd, P, w));
    fprintf(stderr, "spectrum of H at the optimum: %.3e .. %.3e\n", w[0], w[P - 1]);
    PF_TEST_EXPECT(w[0] > 0, "H is not positive definite at the optimum");
    free(Hd), free(w);
  }
  double Lstar;
  PF_TEST_OK(pf_engine_loss_grad(eng, theta, hold, &Lstar, NULL));

  const double zs[4][2] = {{-0.7, 0.2}, {0.3, 0.9}, {0.05, 0.5}, {0.9, 0.1}};
  double *tp = calloc(P, sizeof *tp), *tm = calloc(P, sizeof *tm);
  double pred[PF_VP_COUNT];
  for (int iz = 0; iz < 4; iz++) {
    pf_validate_state vs = {.eng = eng,
                            .net = net,
                            .pde = pde,
                            .theta = theta,
                            .train = train,
                            .hold = hold,
                            .ip = pf_influence_params_default(),
                            .exact_max_params = 16384,
                            .seed = 1,
                            .cycle = 2,
                            .ngroups = 1,
                            .group_size = 1,
                            .GX = zs[iz],
                            .block = 128};
    vs.ip.damping = 0, vs.ip.eig_tol = 0, vs.ip.test_points = 50, vs.ip.rank = 10;
    PF_TEST_OK(pf_validate_predict(&vs, NULL, pred));
    for (int p = 0; p < PF_VP_COUNT; p++)
      PF_TEST_EXPECT(isfinite(pred[p]), "predictor %d is not finite", p);
    pf_points *z = NULL;
    PF_TEST_OK(pf_points_create(&pde->ops, 1, zs[iz], &z));
    double Lp, Lm, L1;
    const double eps = 1e-3;
    memcpy(tp, theta, P * sizeof *tp), memcpy(tm, theta, P * sizeof *tm);
    const double gp = newton(eng, net, train, z, eps, tp),
                 gm = newton(eng, net, train, z, -eps, tm);
    PF_TEST_OK(pf_engine_loss_grad(eng, tp, hold, &Lp, NULL));
    PF_TEST_OK(pf_engine_loss_grad(eng, tm, hold, &Lm, NULL));
    const double central = (Lp - Lm) / (2 * eps);
    const double e1 = 1e-6;
    memcpy(tp, theta, P * sizeof *tp);
    (void)newton(eng, net, train, z, e1, tp);
    PF_TEST_OK(pf_engine_loss_grad(eng, tp, hold, &L1, NULL));
    const double onesided = (L1 - Lstar) / e1;
    const double want = pred[PF_VP_TRAIN_EXACT];
    fprintf(stderr,
            "z = (%.2f, %.2f): predictor %.10e, central FD %.10e (rel %.2e), one-sided FD "
            "%.10e (rel %.2e); |grad| %.1e %.1e; arnoldi r10 %.4e, gauss_newton %.4e\n",
            zs[iz][0], zs[iz][1], want, central, fabs(want - central) / fabs(central), onesided,
            fabs(want - onesided) / fabs(central), gp, gm, pred[PF_VP_TRAIN_ARNOLDI_R10],
            pred[PF_VP_TRAIN_GAUSS_NEWTON]);
    PF_TEST_CLOSE(want, central, 1e-5, 1e-12, "textbook predictor vs central FD");
    PF_TEST_CLOSE(want, onesided, 1e-4, 1e-12, "textbook predictor vs one-sided FD");
    pf_points_destroy(&z);
  }
  free(tp), free(tm), free(theta);
  pf_points_destroy(&train), pf_points_destroy(&hold), pf_points_destroy(&none);
  pf_engine_destroy(&eng);
  pf_mlp_destroy(&net);
  int rc = pf_test_report("test_validate_fd");
  MPI_Finalize();
  return rc;
}
