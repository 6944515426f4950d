/* validate: the predictors of a state, the warm-started retraining and the correlation of the two
 * (include/pinnfluence/validate.h). Everything here is local to one rank; the farm is farm.c. */
#include "pinnfluence/bench.h"
#include "pinnfluence/optim.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/run.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_validate_predictor_name(int p, int rank, char *buf, size_t len) {
  static const char *const names[PF_VP_COUNT] = {
      "train_exact",        "train_exact_r%d",    "train_arnoldi_r10", "train_arnoldi_r%d",
      "train_gauss_newton", "paper_exact",        "paper_exact_r%d",   "paper_arnoldi_r10",
      "paper_arnoldi_r%d",  "paper_gauss_newton", "score_rar",         "score_out_grad",
      "score_loss_grad",    "score_grad_dot",     "score_pinnfluence"};
  if (p < 0 || p >= PF_VP_COUNT) {
    snprintf(buf, len, "?");
    return;
  }
  snprintf(buf, len, names[p], rank);
}

int pf_validate_canonical(const pf_config *cfg, char *buf, size_t len) {
  const int n = snprintf(buf, len,
                         "validate = {\n  at_cycle = %d;\n  groups = %d;\n  group_size = %d;\n"
                         "  exact_max_params = %d;\n  bootstrap = %d;\n  retrain = {\n"
                         "    adam_iters = %d;\n    lbfgs_iters = %d;\n  };\n};\n",
                         cfg->validate.at_cycle, cfg->validate.groups, cfg->validate.group_size,
                         cfg->validate.exact_max_params, cfg->validate.bootstrap,
                         cfg->validate.retrain.adam_iters, cfg->validate.retrain.lbfgs_iters);
  PF_CHECK(n >= 0 && (size_t)n < len, PF_ERR_ARG, "pf_validate_canonical: buffer too small");
  return PF_OK;
}

/* ------------------------------------------------------------------ predictors */
typedef struct {
  double *gtest;  /* (P) gradient of the test loss */
  double *gsum;   /* (G, P) sum of the groups' point gradients */
  double *E;      /* (S, P) one group's gradients */
  double *work;   /* pf_influence_embed_work */
  double *a, *b;  /* (k) projections */
  double *scores; /* (G S) a method's scores */
  double *swork;
  double *ZX;
  pf_points *Z, *G;
  pf_influence_factor *F;
} pred_mem;

static void pred_free(pred_mem *m) {
  PF_FREE(&m->gtest), PF_FREE(&m->gsum), PF_FREE(&m->E), PF_FREE(&m->work);
  PF_FREE(&m->a), PF_FREE(&m->b), PF_FREE(&m->scores), PF_FREE(&m->swork), PF_FREE(&m->ZX);
  (void)pf_points_destroy(&m->Z);
  (void)pf_points_destroy(&m->G);
  (void)pf_influence_factor_destroy(&m->F);
}

/* pred[g * PF_VP_COUNT + col[i]] = -sum_{j < ranks[i]} (R^T gtest)_j (R^T gsum_g)_j for each of
 * the nc prefixes of the factor's columns (ranks[i] <= 0: all). */
static int from_factor(const pf_validate_state *vs, pred_mem *m, int nc, const int *col,
                       const int *ranks, double *pred) {
  const size_t P = vs->net->nparams, k = (size_t)m->F->rank, G = vs->ngroups;
  const double *R = m->F->R;
  PF_FREE(&m->a), PF_FREE(&m->b);
  PF_CALL(PF_CALLOC(k ? k : 1, &m->a));
  PF_CALL(PF_CALLOC(k ? k : 1, &m->b));
  for (size_t j = 0; j < k; j++) m->a[j] = 0;
  for (size_t p = 0; p < P; p++)
    for (size_t j = 0; j < k; j++) m->a[j] += R[p * k + j] * m->gtest[p];
  for (size_t g = 0; g < G; g++) {
    for (size_t j = 0; j < k; j++) m->b[j] = 0;
    const double *gs = m->gsum + g * P;
    for (size_t p = 0; p < P; p++)
      for (size_t j = 0; j < k; j++) m->b[j] += R[p * k + j] * gs[p];
    for (int i = 0; i < nc; i++) {
      const size_t r = ranks[i] > 0 && (size_t)ranks[i] < k ? (size_t)ranks[i] : k;
      double s = 0;
      for (size_t j = 0; j < r; j++) s += m->a[j] * m->b[j];
      pred[g * PF_VP_COUNT + (size_t)col[i]] = -s;
    }
  }
  return PF_OK;
}

static void progress_line(FILE *f, const char *what, double t0) {
  if (!f) return;
  fprintf(f, "[validate]   %s (%.1f s)\n", what, pf_wtime() - t0);
  fflush(f);
}

/* The signed predictors with the Hessian of sum_{x in X} l(x): columns base .. base + 4. */
static int hessian_predictors(const pf_validate_state *vs, const pf_points *X, int base,
                              const char *which, FILE *progress, pred_mem *m, double *pred) {
  const size_t P = vs->net->nparams;
  const int rank = vs->ip.rank;
  pf_influence_params ip = vs->ip;
  char what[96];
  double t0 = pf_wtime();
  if (P <= (size_t)vs->exact_max_params) {
    ip.backend = "exact";
    ip.rank = (int)P;
    PF_CALL(pf_influence_factor_create(vs->eng, vs->net, vs->theta, X, &ip, vs->seed, vs->cycle,
                                       &m->F));
    const int col[2] = {base + 0, base + 1}, ranks[2] = {0, rank};
    PF_CALL(from_factor(vs, m, 2, col, ranks, pred));
    PF_CALL(pf_influence_factor_destroy(&m->F));
    snprintf(what, sizeof what, "%s Hessian (%zu points), exact: dense P = %zu", which, X->n, P);
    progress_line(progress, what, t0);
  }
  t0 = pf_wtime();
  ip = vs->ip;
  ip.backend = "arnoldi";
  ip.rank = rank > 10 ? rank : 10;
  PF_CALL(
      pf_influence_factor_create(vs->eng, vs->net, vs->theta, X, &ip, vs->seed, vs->cycle, &m->F));
  {
    const int col[2] = {base + 2, base + 3}, ranks[2] = {10, rank};
    PF_CALL(from_factor(vs, m, 2, col, ranks, pred));
  }
  snprintf(what, sizeof what, "%s Hessian, arnoldi: Krylov %d, rank %d", which, m->F->krylov_dim,
           m->F->rank);
  PF_CALL(pf_influence_factor_destroy(&m->F));
  progress_line(progress, what, t0);
  t0 = pf_wtime();
  ip = vs->ip;
  ip.backend = "gauss_newton";
  PF_CALL(
      pf_influence_factor_create(vs->eng, vs->net, vs->theta, X, &ip, vs->seed, vs->cycle, &m->F));
  {
    const int col[1] = {base + 4}, ranks[1] = {0};
    PF_CALL(from_factor(vs, m, 1, col, ranks, pred));
  }
  PF_CALL(pf_influence_factor_destroy(&m->F));
  snprintf(what, sizeof what, "%s Hessian, gauss_newton", which);
  progress_line(progress, what, t0);
  return PF_OK;
}

static int predict_in(const pf_validate_state *vs, FILE *progress, pred_mem *m, double *pred) {
  const size_t P = vs->net->nparams, G = vs->ngroups, S = vs->group_size;
  const pf_pinn_ops *ops = pf_engine_ops(vs->eng);
  const size_t d = (size_t)ops->d;
  for (size_t i = 0; i < G * PF_VP_COUNT; i++) pred[i] = NAN;
  double t0 = pf_wtime(), loss;

  /* gradients: of the test loss, and of each group's points summed in point order */
  PF_CALL(PF_CALLOC(P, &m->gtest));
  PF_CALL(pf_engine_loss_grad(vs->eng, vs->theta, vs->hold, &loss, m->gtest));
  PF_CALL(PF_CALLOC(G * P, &m->gsum));
  PF_CALL(PF_CALLOC(S * P, &m->E));
  PF_CALL(PF_CALLOC(pf_influence_embed_work(P, (int)vs->block, ops->k), &m->work));
  PF_CALL(pf_points_create(ops, G * S, vs->GX, &m->G));
  for (size_t g = 0; g < G; g++) {
    pf_points *one = NULL;
    PF_CALL(pf_points_create(ops, S, vs->GX + g * S * d, &one));
    int rc = pf_influence_embed(vs->eng, vs->net, vs->theta, one, 0, S, NULL, P, m->E, m->work);
    (void)pf_points_destroy(&one);
    PF_CALL(rc);
    double *gs = m->gsum + g * P;
    for (size_t i = 0; i < S; i++)
      for (size_t p = 0; p < P; p++) gs[p] += m->E[i * P + p];
  }
  progress_line(progress, "gradients of the test loss and of the groups", t0);

  /* the textbook Hessian (training set) and the paper's (Z of the round) */
  PF_CALL(hessian_predictors(vs, vs->train, PF_VP_TRAIN_EXACT, "training-set", progress, m, pred));
  PF_CALL(PF_CALLOC(vs->ip.test_points * d, &m->ZX));
  pf_influence_zset(vs->pde, vs->seed, vs->cycle, 0, vs->ip.test_points, m->ZX);
  PF_CALL(pf_points_create(ops, vs->ip.test_points, m->ZX, &m->Z));
  PF_CALL(hessian_predictors(vs, m->Z, PF_VP_PAPER_EXACT, "paper (Z)", progress, m, pred));

  /* the plain scores, summed over each group (minus: a high score predicts a decrease) */
  static const char *const methods[] = {"rar", "out_grad", "loss_grad", "grad_dot", "pinnfluence"};
  PF_CALL(PF_CALLOC(G * S, &m->scores));
  for (int j = 0; j < 5; j++) {
    t0 = pf_wtime();
    const pf_score_method *sm = pf_score_method_find(methods[j]);
    if (!sm || !sm->score) continue;
    const size_t wl = sm->work_size ? sm->work_size(ops, G * S, P, (int)vs->block) : 0;
    PF_FREE(&m->swork);
    PF_CALL(PF_CALLOC(wl ? wl : 1, &m->swork));
    pf_score_ctx sc = {.eng = vs->eng,
                       .net = vs->net,
                       .pde = vs->pde,
                       .seed = vs->seed,
                       .cycle = vs->cycle,
                       .work = m->swork,
                       .work_len = wl,
                       .influence = &vs->ip};
    PF_CALL(sm->score(&sc, vs->theta, m->G, m->scores));
    for (size_t g = 0; g < G; g++) {
      double s = 0;
      for (size_t i = 0; i < S; i++) s += m->scores[g * S + i];
      pred[g * PF_VP_COUNT + PF_VP_SCORE_RAR + (size_t)j] = -s;
    }
    char what[64];
    snprintf(what, sizeof what, "scores of %s", methods[j]);
    progress_line(progress, what, t0);
  }
  return PF_OK;
}

int pf_validate_predict(const pf_validate_state *vs, FILE *progress, double *pred) {
  pred_mem m = {0};
  int rc = predict_in(vs, progress, &m, pred);
  pred_free(&m);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* ------------------------------------------------------------------ retraining */
typedef struct {
  pf_engine *eng;
  const pf_points *train;
  struct pf_fault *fault;
  const char *label;
  int cycle;
  long base;
} retrain_state;

static int objective(void *user, const double *theta, double *loss, double *grad) {
  retrain_state *st = user;
  return pf_engine_loss_grad(st->eng, theta, st->train, loss, grad);
}

static int monitor(void *user, long iteration, double loss, int *stop) {
  retrain_state *st = user;
  (void)loss;
  if (st->fault) pf_fault_check(st->fault, st->label, st->cycle, st->base + iteration);
  *stop = pf_run_stop_requested();
  return PF_OK;
}

typedef struct {
  pf_points *train;
  pf_adam *adam;
  pf_lbfgs *lbfgs;
  double *r, *u, *uref_dummy;
} retrain_mem;

static int retrain_in(pf_engine *eng, const pf_mlp *net, const pf_pde *pde,
                      const pf_validate_schedule *sch, size_t n, const double *X,
                      const pf_points *hold, const double *uref, struct pf_fault *fault,
                      const char *label, int fault_cycle, double *theta, double *test_loss,
                      double *l2, int *interrupted, int *failed, retrain_mem *m) {
  const size_t P = net->nparams;
  *interrupted = *failed = 0;
  *test_loss = *l2 = NAN;
  PF_CALL(pf_points_create(&pde->ops, n, X, &m->train));
  retrain_state st = {eng, m->train, fault, label, fault_cycle, 0};
  pf_adam_params ap = pf_adam_params_default();
  ap.lr = sch->adam_lr;
  PF_CALL(pf_adam_create(P, &ap, &m->adam));
  pf_optim_result ar = {0}, lr = {0};
  PF_CALL(pf_adam_run(m->adam, objective, &st, theta, sch->adam_iters, monitor, &st, &ar));
  if (ar.reason == PF_OPTIM_STOP_REQUESTED) return *interrupted = 1, PF_OK;
  if (ar.reason == PF_OPTIM_STOP_NONFINITE) return *failed = 1, PF_OK;
  if (sch->lbfgs_iters > 0) {
    pf_lbfgs_params lp = pf_lbfgs_params_default();
    lp.max_iter = sch->lbfgs_iters < sch->lbfgs_step ? (int)sch->lbfgs_iters : sch->lbfgs_step;
    lp.max_eval = sch->lbfgs_max_eval;
    lp.history = sch->lbfgs_history;
    lp.total_iters = sch->lbfgs_iters;
    PF_CALL(pf_lbfgs_create(P, &lp, &m->lbfgs));
    st.base = ar.iterations;
    PF_CALL(pf_lbfgs_run(m->lbfgs, objective, &st, theta, monitor, &st, &lr));
    if (lr.reason == PF_OPTIM_STOP_REQUESTED) return *interrupted = 1, PF_OK;
    if (lr.reason == PF_OPTIM_STOP_NONFINITE) return *failed = 1, PF_OK;
  }
  /* test loss and L2 relative error over the holdout set, as a run's metrics */
  const pf_pinn_ops *ops = pf_engine_ops(eng);
  const size_t nh = hold->n;
  const int mo = ops->m, k = ops->k, nj = pf_jet_count(ops->d);
  PF_CALL(PF_CALLOC(nh * (size_t)k, &m->r));
  PF_CALL(PF_CALLOC((size_t)mo * (size_t)nj * nh, &m->u));
  PF_CALL(pf_engine_residuals(eng, theta, hold, m->r, m->u));
  double num = 0, den = 0, rr = 0;
  for (size_t i = 0; i < nh; i++) {
    for (int o = 0; o < mo; o++) {
      const double ref = uref[i * (size_t)mo + (size_t)o];
      const double dd = ref - m->u[(size_t)o * (size_t)nj * nh + i];
      num += dd * dd, den += ref * ref;
    }
    const double *ri = m->r + i * (size_t)k;
    double li = ops->weight[0] * (ri[0] * ri[0]);
    for (int j = 1; j < k; j++) li += ops->weight[j] * (ri[j] * ri[j]);
    rr += li;
  }
  *l2 = sqrt(num) / sqrt(den);
  *test_loss = rr / (double)nh;
  if (!isfinite(*l2) || !isfinite(*test_loss)) *failed = 1;
  return PF_OK;
}

int pf_validate_retrain(pf_engine *eng, const pf_mlp *net, const pf_pde *pde,
                        const pf_validate_schedule *sch, size_t n, const double *X,
                        const pf_points *hold, const double *uref, struct pf_fault *fault,
                        const char *label, int fault_cycle, double *theta, double *test_loss,
                        double *l2, int *interrupted, int *failed) {
  retrain_mem m = {0};
  int rc = retrain_in(eng, net, pde, sch, n, X, hold, uref, fault, label, fault_cycle, theta,
                      test_loss, l2, interrupted, failed, &m);
  (void)pf_points_destroy(&m.train);
  (void)pf_adam_destroy(&m.adam);
  (void)pf_lbfgs_destroy(&m.lbfgs);
  PF_FREE(&m.r), PF_FREE(&m.u);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* ------------------------------------------------------------------ correlation */
static double pearson(size_t n, const double *a, const double *b) {
  if (n < 2) return NAN;
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
  ma /= (double)n, mb /= (double)n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db, saa += da * da, sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

static int cmp_double(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* The 2.5 % and 97.5 % points of the finite values of v (n), sorted in place. */
static void percentiles(size_t n, double *v, double *lo, double *hi) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(v[i])) v[m++] = v[i];
  *lo = *hi = NAN;
  if (m == 0) return;
  qsort(v, m, sizeof *v, cmp_double);
  *lo = v[(size_t)floor(0.025 * (double)(m - 1))];
  *hi = v[(size_t)ceil(0.975 * (double)(m - 1))];
}

int pf_validate_correlate(size_t n, const double *pred, size_t pstride, const double *act,
                          size_t astride, int nboot, uint64_t seed, uint64_t index, double *out) {
  for (int c = 0; c < PF_VC_COUNT; c++) out[c] = NAN;
  double *a = NULL, *b = NULL, *ba = NULL, *bb = NULL, *bs = NULL, *bp = NULL, *u = NULL;
  int rc = PF_OK;
  if ((rc = PF_CALLOC(n + 1, &a)) || (rc = PF_CALLOC(n + 1, &b)) || (rc = PF_CALLOC(n + 1, &ba)) ||
      (rc = PF_CALLOC(n + 1, &bb)) || (rc = PF_CALLOC((size_t)nboot + 1, &bs)) ||
      (rc = PF_CALLOC((size_t)nboot + 1, &bp)) || (rc = PF_CALLOC(n + 1, &u)))
    goto done;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const double p = pred[i * pstride], q = act[i * astride];
    if (isfinite(p) && isfinite(q)) a[m] = p, b[m] = q, m++;
  }
  out[PF_VC_GROUPS] = (double)m;
  if (m < 2) goto done;
  if ((rc = pf_bench_spearman(m, a, b, &out[PF_VC_SPEARMAN]))) goto done;
  out[PF_VC_PEARSON] = pearson(m, a, b);
  if (nboot > 0) {
    const pf_rng_stream s = pf_rng_stream_make(seed, 0, PF_RNG_VALIDATE, index);
    for (int r = 0; r < nboot; r++) {
      pf_rng_uniform(&s, (uint64_t)r * m, m, u);
      for (size_t i = 0; i < m; i++) {
        size_t j = (size_t)(u[i] * (double)m);
        if (j >= m) j = m - 1;
        ba[i] = a[j], bb[i] = b[j];
      }
      if ((rc = pf_bench_spearman(m, ba, bb, &bs[r]))) goto done;
      bp[r] = pearson(m, ba, bb);
    }
    percentiles((size_t)nboot, bs, &out[PF_VC_SPEARMAN_LO], &out[PF_VC_SPEARMAN_HI]);
    percentiles((size_t)nboot, bp, &out[PF_VC_PEARSON_LO], &out[PF_VC_PEARSON_HI]);
  }
done:
  PF_FREE(&a), PF_FREE(&b), PF_FREE(&ba), PF_FREE(&bb), PF_FREE(&bs), PF_FREE(&bp), PF_FREE(&u);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}
