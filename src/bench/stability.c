/* pinnfluence bench --influence-stability: the stability of PINNfluence's inverse-Hessian factor.
 * The paper scores candidates by sum_z |g(z)^T H^{-1} g(c)| with captum's rank-50 Arnoldi factor
 * (200 iterations, damping 1e-3, eig_tol 1e-4) and leaves damping and rank unstudied. At network
 * states of a real run (rar, add mode, seed 1, after cycle c's training) this compares the scores
 * of each setting of arnoldi_iters, rank and damping with the exact-Hessian scores (all
 * eigenpairs of the damped dense Hessian above eig_tol) by Spearman's rank correlation and the
 * overlap of the top 10, and reports the spectrum of H (negative, near-zero and discarded
 * eigenvalues). One dense Hessian (P exact HVPs) and one dsyevd per state serve the reference,
 * the spectrum and every exact comparison; each Arnoldi setting is a full round as a run does it
 * (pf_influence_score). */
#include "pinnfluence/bench.h"
#include "pinnfluence/config.h"
#include "pinnfluence/run.h"
#include "pinnfluence/sample.h"
#include "pinnfluence/sweep.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ rank statistics */
typedef struct {
  double v;
  size_t i;
} valued;

static int by_value_asc(const void *a, const void *b) {
  const valued *p = a, *q = b;
  if (p->v < q->v) return -1;
  if (p->v > q->v) return 1;
  return (p->i > q->i) - (p->i < q->i);
}

static int by_value_desc(const void *a, const void *b) {
  const valued *p = a, *q = b;
  if (p->v > q->v) return -1;
  if (p->v < q->v) return 1;
  return (p->i > q->i) - (p->i < q->i);
}

/* r (n): ranks 1..n of a, ties the average of the ranks they span; vs: (n) scratch. */
static void average_ranks(size_t n, const double *a, double *r, valued *vs) {
  for (size_t i = 0; i < n; i++) vs[i].v = a[i], vs[i].i = i;
  qsort(vs, n, sizeof *vs, by_value_asc);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && vs[j].v == vs[i].v) j++;
    const double avg = 0.5 * (double)(i + 1 + j); /* mean of ranks i+1 .. j */
    for (size_t m = i; m < j; m++) r[vs[m].i] = avg;
    i = j;
  }
}

int pf_bench_spearman(size_t n, const double *a, const double *b, double *rho) {
  *rho = NAN;
  if (n < 2) return PF_OK;
  double *ra = NULL, *rb = NULL;
  valued *vs = NULL;
  int rc = PF_OK;
  if ((rc = PF_CALLOC(n, &ra)) || (rc = PF_CALLOC(n, &rb)) || (rc = PF_CALLOC(n, &vs))) goto done;
  average_ranks(n, a, ra, vs);
  average_ranks(n, b, rb, vs);
  /* Pearson on the ranks (both have mean (n+1)/2); the general form, since ties change the
   * variance and the textbook 1 - 6 sum d^2 / (n (n^2 - 1)) holds only without ties */
  const double mean = 0.5 * (double)(n + 1);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    const double da = ra[i] - mean, db = rb[i] - mean;
    sab += da * db, saa += da * da, sbb += db * db;
  }
  *rho = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
done:
  PF_FREE(&ra), PF_FREE(&rb), PF_FREE(&vs);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* idx (k): the indices of the k largest of a (ties: lower index first); vs: (n) scratch. */
static void top_indices(size_t n, const double *a, size_t k, size_t *idx, valued *vs) {
  for (size_t i = 0; i < n; i++) vs[i].v = a[i], vs[i].i = i;
  qsort(vs, n, sizeof *vs, by_value_desc);
  for (size_t j = 0; j < k; j++) idx[j] = vs[j].i;
}

int pf_bench_topk_overlap(size_t n, const double *a, const double *b, size_t k, int *overlap) {
  *overlap = 0;
  if (k > n) k = n;
  if (k == 0) return PF_OK;
  size_t *ia = NULL, *ib = NULL;
  valued *vs = NULL;
  int rc = PF_OK;
  if ((rc = PF_CALLOC(k, &ia)) || (rc = PF_CALLOC(k, &ib)) || (rc = PF_CALLOC(n, &vs))) goto done;
  top_indices(n, a, k, ia, vs);
  top_indices(n, b, k, ib, vs);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++)
      if (ia[i] == ib[j]) (*overlap)++;
done:
  PF_FREE(&ia), PF_FREE(&ib), PF_FREE(&vs);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* ------------------------------------------------------------------ settings */
pf_stability_settings pf_stability_settings_default(void) {
  pf_stability_settings s;
  memset(&s, 0, sizeof s);
  s.pool = 10000;
  s.topk = 10;
  s.base = pf_influence_params_default();
  static const int iters[] = {25, 50, 100, 200, 400};
  static const int rank[] = {5, 10, 20, 50, 100, 200};
  static const double damping[] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1};
  s.n_iters = 5, s.n_rank = 6, s.n_damping = 6;
  s.gauss_newton = 1;
  static const int bsize[] = {8, 16, 16, 32, 32}, biters[] = {8, 4, 8, 4, 8};
  s.n_block = 5;
  memcpy(s.block_size, bsize, sizeof bsize);
  memcpy(s.block_iters, biters, sizeof biters);
  memcpy(s.iters, iters, sizeof iters);
  memcpy(s.rank, rank, sizeof rank);
  memcpy(s.damping, damping, sizeof damping);
  return s;
}

int pf_stability_nrows(const pf_stability_settings *s) {
  return s->n_iters + s->n_rank + s->n_damping + (s->gauss_newton ? 1 : 0) + s->n_block;
}

void pf_stability_spectrum_free(pf_stability_spectrum *s) {
  if (s) PF_FREE(&s->eig);
}

/* ------------------------------------------------------------------ one state */
/* What a state holds, with one destroy path. */
typedef struct {
  double *ZX, *PX; /* Z set (nz, d) and pool (n, d) */
  pf_points *Z, *pool;
  double *H;                  /* (P, P): the dense Hessian, then its eigenvectors */
  double *ref, *scores;       /* (n) reference scores and a setting's scores */
  double *base;               /* (n) the exact backend's scores at base's settings (rank 50) */
  double *EZ, *EC, *work, *M; /* scratch of scores_from_factor */
  pf_influence_factor *F;
} state_mem;

static void state_free(state_mem *m) {
  (void)pf_points_destroy(&m->Z);
  (void)pf_points_destroy(&m->pool);
  PF_FREE(&m->ZX), PF_FREE(&m->PX), PF_FREE(&m->H);
  PF_FREE(&m->ref), PF_FREE(&m->base), PF_FREE(&m->scores), PF_FREE(&m->EZ), PF_FREE(&m->EC),
      PF_FREE(&m->work);
  PF_FREE(&m->M);
  (void)pf_influence_factor_destroy(&m->F);
}

/* The scores of the pool from factor F exactly as pf_influence_score computes them after its
 * factor (the embeddings of Z, then the pool an engine block at a time), so equal bit for bit. */
static int scores_from_factor(pf_engine *eng, const pf_mlp *net, const double *theta,
                              const pf_points *Z, const pf_points *pool,
                              const pf_influence_factor *F, state_mem *m, double *scores) {
  const size_t P = net->nparams, nz = Z->n, n = pool->n, k = (size_t)F->rank;
  const size_t B = (size_t)pf_engine_block_size(eng);
  const size_t mb = B < PF_INFLUENCE_SCORE_BLOCK ? B : PF_INFLUENCE_SCORE_BLOCK;
  PF_FREE(&m->EZ), PF_FREE(&m->EC), PF_FREE(&m->work), PF_FREE(&m->M);
  PF_CALL(PF_CALLOC(nz * k, &m->EZ));
  PF_CALL(PF_CALLOC(B * k, &m->EC));
  PF_CALL(PF_CALLOC(pf_influence_embed_work(P, (int)B, pf_engine_ops(eng)->k), &m->work));
  PF_CALL(PF_CALLOC(mb * nz, &m->M));
  PF_CALL(pf_influence_embed(eng, net, theta, Z, 0, nz, F->R, k, m->EZ, m->work));
  for (size_t c0 = 0; c0 < n; c0 += B) {
    const size_t nb = n - c0 < B ? n - c0 : B;
    PF_CALL(pf_influence_embed(eng, net, theta, pool, c0, nb, F->R, k, m->EC, m->work));
    pf_influence_abs_scores(nz, m->EZ, nb, m->EC, k, scores + c0, m->M);
  }
  return PF_OK;
}

static void progress_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress_line(FILE *f, const char *fmt, ...) {
  if (!f) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(f, "[stability] ");
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  fflush(f);
  va_end(ap);
}

/* The exact scores at ip (from the shared eigenpairs) against the reference. */
static int exact_setting(pf_engine *eng, const pf_mlp *net, const double *theta, const double *w,
                         const pf_influence_params *ip, size_t topk, state_mem *m,
                         pf_stability_row *row) {
  const double t0 = pf_wtime();
  PF_CALL(pf_influence_factor_destroy(&m->F));
  PF_CALL(pf_influence_factor_from_eigen(m->H, w, net->nparams, ip, &m->F));
  PF_CALL(scores_from_factor(eng, net, theta, m->Z, m->pool, m->F, m, m->scores));
  row->seconds_exact = pf_wtime() - t0;
  PF_CALL(pf_influence_factor_destroy(&m->F));
  PF_CALL(pf_bench_spearman(m->pool->n, m->ref, m->scores, &row->spearman_exact));
  PF_CALL(pf_bench_topk_overlap(m->pool->n, m->ref, m->scores, topk, &row->topk_exact));
  return PF_OK;
}

static int state_in(pf_engine *eng, const pf_mlp *net, const pf_pde *pde, const double *theta,
                    uint64_t seed, int cycle, const pf_stability_settings *s, FILE *progress,
                    pf_stability_row *rows, pf_stability_spectrum *spec, double *reference,
                    state_mem *m) {
  const size_t P = net->nparams, nz = s->base.test_points, n = s->pool;
  PF_CALL(pf_influence_params_check(&s->base));
  PF_CHECK(n >= 1 && s->topk >= 1, PF_ERR_ARG, "stability: pool and topk must be >= 1");
  PF_CHECK(P <= PF_INFLUENCE_EXACT_MAX_PARAMS, PF_ERR_ARG,
           "stability: the exact reference needs P <= %d parameters, got %zu",
           PF_INFLUENCE_EXACT_MAX_PARAMS, P);
  spec->nparams = P;

  /* the cycle's Z set and pool, as a run's round draws them */
  const size_t dim = (size_t)pf_pde_dim(pde);
  PF_CALL(PF_CALLOC(nz * dim, &m->ZX));
  pf_influence_zset(pde, seed, cycle, 0, nz, m->ZX);
  PF_CALL(pf_points_create(&pde->ops, nz, m->ZX, &m->Z));
  PF_CALL(PF_CALLOC(n * dim, &m->PX));
  pf_sample_pool(pde, seed, cycle, 0, n, m->PX);
  PF_CALL(pf_points_create(&pde->ops, n, m->PX, &m->pool));
  PF_CALL(PF_CALLOC(n, &m->ref));
  PF_CALL(PF_CALLOC(n, &m->scores));

  /* the dense Hessian row by row (pf_hessian_dense's rows, with progress), symmetrised */
  double t0 = pf_wtime();
  PF_CALL(PF_CALLOC(P * P, &m->H));
  const size_t chunk = P / 100 > 0 ? P / 100 : 1;
  double last = t0;
  for (size_t j0 = 0; j0 < P; j0 += chunk) {
    const size_t nj = P - j0 < chunk ? P - j0 : chunk;
    PF_CALL(pf_hessian_dense_rows(eng, net, theta, m->Z, j0, nj, m->H + j0 * P));
    const double now = pf_wtime(), el = now - t0;
    if (now - last >= 10.0 || j0 + nj == P) { /* a line every 10 s and at the end */
      progress_line(progress,
                    "cycle %d: dense Hessian rows %zu/%zu (one HVP over |Z| = %zu each), %.1f s, "
                    "about %.0f s left",
                    cycle, j0 + nj, P, nz, el, el / (double)(j0 + nj) * (double)(P - j0 - nj));
      last = now;
    }
  }
  pf_hessian_symmetrise(P, m->H);
  spec->hessian_seconds = pf_wtime() - t0;
  t0 = pf_wtime();
  PF_CALL(PF_CALLOC(P, &spec->eig));
  progress_line(progress, "cycle %d: dsyevd of the %zu x %zu Hessian", cycle, P, P);
  PF_CALL(pf_hessian_eigen(m->H, P, spec->eig));
  spec->eigen_seconds = pf_wtime() - t0;
  const double *w = spec->eig;
  const double d = s->base.damping;
  spec->negative = spec->below_damping = spec->discarded = 0;
  for (size_t j = 0; j < P; j++) {
    spec->negative += w[j] < 0;
    spec->below_damping += fabs(w[j]) < d;
    spec->discarded += !(w[j] + d > s->base.eig_tol); /* the complement of what select keeps */
  }

  /* the reference: the exact backend, full rank, default damping */
  t0 = pf_wtime();
  pf_influence_params ref = s->base;
  ref.backend = "exact";
  ref.rank = (int)P;
  PF_CALL(pf_influence_factor_from_eigen(m->H, w, P, &ref, &m->F));
  spec->ref_rank = m->F->rank;
  PF_CALL(scores_from_factor(eng, net, theta, m->Z, m->pool, m->F, m, m->ref));
  PF_CALL(pf_influence_factor_destroy(&m->F));
  spec->reference_seconds = pf_wtime() - t0;
  if (reference) memcpy(reference, m->ref, n * sizeof *reference);
  /* the exact backend at base's settings (captum's rank, damping, eig_tol): what arnoldi,
   * block_krylov and gauss_newton approximate at those settings */
  PF_CALL(PF_CALLOC(n, &m->base));
  PF_CALL(pf_influence_factor_from_eigen(m->H, w, P, &s->base, &m->F));
  PF_CALL(scores_from_factor(eng, net, theta, m->Z, m->pool, m->F, m, m->base));
  PF_CALL(pf_influence_factor_destroy(&m->F));
  progress_line(progress, "cycle %d: reference (exact, rank %d of %zu) in %.1f s", cycle,
                spec->ref_rank, P, spec->reference_seconds);

  /* the sweeps: one parameter from the defaults each */
  const int nr = pf_stability_nrows(s);
  for (int r = 0; r < nr; r++) {
    pf_stability_row *row = rows + r;
    memset(row, 0, sizeof *row);
    row->spearman_exact = NAN, row->topk_exact = -1, row->seconds_exact = NAN;
    pf_influence_params ip = s->base;
    ip.backend = "arnoldi";
    if (r < s->n_iters) {
      row->sweep = "arnoldi_iters", row->value = ip.arnoldi_iters = s->iters[r];
    } else if (r < s->n_iters + s->n_rank) {
      row->sweep = "rank", row->value = ip.rank = s->rank[r - s->n_iters];
    } else if (r < s->n_iters + s->n_rank + s->n_damping) {
      row->sweep = "damping", row->value = ip.damping = s->damping[r - s->n_iters - s->n_rank];
    } else if (r < s->n_iters + s->n_rank + s->n_damping + (s->gauss_newton ? 1 : 0)) {
      /* the Gram-matrix backend at the base settings */
      ip.backend = "gauss_newton";
      row->sweep = "gauss_newton", row->value = ip.rank;
    } else { /* block_krylov at the base settings and one (block_size, block_iters) */
      const int b = r - (s->n_iters + s->n_rank + s->n_damping + (s->gauss_newton ? 1 : 0));
      ip.backend = "block_krylov";
      ip.block_size = s->block_size[b], ip.block_iters = s->block_iters[b];
      row->sweep = "block_krylov", row->value = ip.block_size, row->iters = ip.block_iters;
    }
    pf_influence_stats st;
    t0 = pf_wtime();
    PF_CALL(pf_influence_score(eng, net, pde, &ip, PF_INFLUENCE_PINNFLUENCE, seed, cycle, theta,
                               m->pool, m->scores, &st));
    row->seconds = pf_wtime() - t0;
    row->krylov_dim = st.krylov_dim, row->rank = st.rank, row->hvps = st.hvps;
    PF_CALL(pf_bench_spearman(n, m->ref, m->scores, &row->spearman));
    PF_CALL(pf_bench_topk_overlap(n, m->ref, m->scores, s->topk, &row->topk));
    PF_CALL(pf_bench_spearman(n, m->base, m->scores, &row->spearman_base));
    if (r >= s->n_iters && r < s->n_iters + s->n_rank + s->n_damping) {
      /* the exact backend at the same rank (or damping, at full rank) */
      pf_influence_params ex = ip;
      ex.backend = "exact";
      if (r >= s->n_iters + s->n_rank) ex.rank = (int)P;
      PF_CALL(exact_setting(eng, net, theta, w, &ex, s->topk, m, row));
    }
    progress_line(progress, "cycle %d: %s = %g: spearman %.4f (%.1f s)", cycle, row->sweep,
                  row->value, row->spearman, row->seconds);
  }
  return PF_OK;
}

int pf_stability_state(pf_engine *eng, const pf_mlp *net, const pf_pde *pde, const double *theta,
                       uint64_t seed, int cycle, const pf_stability_settings *s, FILE *progress,
                       pf_stability_row *rows, pf_stability_spectrum *spec, double *reference) {
  state_mem m = {0};
  memset(spec, 0, sizeof *spec);
  int rc = state_in(eng, net, pde, theta, seed, cycle, s, progress, rows, spec, reference, &m);
  state_free(&m);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* ------------------------------------------------------------------ the command */
pf_stability_options pf_stability_defaults(void) {
  pf_stability_options o;
  memset(&o, 0, sizeof o);
  o.pde = "burgers";
  o.ncycles = 2, o.cycles[0] = 1, o.cycles[1] = 10;
  o.adam_iters = -1, o.lbfgs_iters = -1;
  return o;
}

#define NSHOW 5 /* largest and smallest eigenvalues shown */

static void print_json_list(FILE *out, const double *v, int n) {
  fputc('[', out);
  for (int i = 0; i < n; i++) fprintf(out, "%s%.6e", i ? ", " : "", v[i]);
  fputc(']', out);
}

/* NaN as JSON null */
static void json_num(FILE *out, const char *key, double v, const char *fmt) {
  fprintf(out, ", \"%s\": ", key);
  if (isfinite(v))
    fprintf(out, fmt, v);
  else
    fprintf(out, "null");
}

/* The scoring share of a task of `cycle` cycles that used this row's round in every cycle: the
 * rounds' time over the training time (res, a rar task whose rounds take milliseconds) plus the
 * rounds' time. */
static double row_share(const pf_task_result *res, int cycle, const pf_stability_row *w) {
  const double sc = w->seconds * (double)cycle;
  return sc / (res->seconds + sc);
}

static void print_state(FILE *out, int json, const char *pde, int cycle, const pf_task_result *res,
                        const pf_stability_settings *s, const pf_stability_spectrum *sp,
                        const pf_stability_row *rows) {
  const size_t P = sp->nparams;
  const int ns = P < NSHOW ? (int)P : NSHOW;
  double lo[NSHOW], hi[NSHOW];
  for (int i = 0; i < ns; i++) lo[i] = sp->eig[i], hi[i] = sp->eig[P - 1 - (size_t)i];
  const int nr = pf_stability_nrows(s);
  if (json) {
    fprintf(out,
            "{\"what\": \"stability_state\", \"pde\": \"%s\", \"cycle\": %d, \"params\": %zu, "
            "\"train_points\": %zu, \"train_seconds\": %.3f",
            pde, cycle, P, res->ntrain, res->seconds);
    json_num(out, "l2", res->last[PF_MET_L2], "%.6e");
    json_num(out, "train_loss", res->last[PF_MET_TRAIN_LOSS], "%.6e");
    fprintf(out, ", \"pool\": %zu, \"test_points\": %zu}\n", s->pool, s->base.test_points);
    fprintf(out,
            "{\"what\": \"stability_spectrum\", \"pde\": \"%s\", \"cycle\": %d, \"params\": %zu, "
            "\"negative\": %d, \"below_damping\": %d, \"discarded\": %d, \"reference_rank\": %d, "
            "\"damping\": %g, \"eig_tol\": %g, \"largest\": ",
            pde, cycle, P, sp->negative, sp->below_damping, sp->discarded, sp->ref_rank,
            s->base.damping, s->base.eig_tol);
    print_json_list(out, hi, ns);
    fprintf(out, ", \"smallest\": ");
    print_json_list(out, lo, ns);
    fprintf(out,
            ", \"hessian_seconds\": %.3f, \"eigen_seconds\": %.3f, \"reference_seconds\": %.3f}\n",
            sp->hessian_seconds, sp->eigen_seconds, sp->reference_seconds);
    for (int r = 0; r < nr; r++) {
      const pf_stability_row *w = rows + r;
      fprintf(out,
              "{\"what\": \"stability\", \"pde\": \"%s\", \"cycle\": %d, \"sweep\": \"%s\", "
              "\"value\": %g",
              pde, cycle, w->sweep, w->value);
      json_num(out, "spearman", w->spearman, "%.6f");
      json_num(out, "spearman_exact", w->spearman_exact, "%.6f");
      json_num(out, "spearman_base", w->spearman_base, "%.6f");
      fprintf(out, ", \"topk\": %zu, \"overlap\": %d", s->topk, w->topk);
      if (w->topk_exact >= 0)
        fprintf(out, ", \"overlap_exact\": %d", w->topk_exact);
      else
        fprintf(out, ", \"overlap_exact\": null");
      fprintf(out,
              ", \"krylov_dim\": %d, \"rank\": %d, \"hvps\": %d, \"seconds\": %.3f, "
              "\"block_iters\": %d, \"share\": %.4f",
              w->krylov_dim, w->rank, w->hvps, w->seconds, w->iters, row_share(res, cycle, w));
      json_num(out, "seconds_exact", w->seconds_exact, "%.3f");
      fprintf(out, "}\n");
    }
  } else {
    fprintf(out,
            "\n## %s after cycle %d: P = %zu, %zu training points, L2 %.3e, trained in %.1f s\n",
            pde, cycle, P, res->ntrain, res->last[PF_MET_L2], res->seconds);
    fprintf(out,
            "spectrum of H (sum over |Z| = %zu): %d negative, %d with |lambda| < damping %g, %d "
            "with lambda + damping <= eig_tol %g (discarded); reference rank %d of %zu\n",
            s->base.test_points, sp->negative, sp->below_damping, s->base.damping, sp->discarded,
            s->base.eig_tol, sp->ref_rank, P);
    fprintf(out, "  largest: ");
    for (int i = 0; i < ns; i++) fprintf(out, " %.4e", hi[i]);
    fprintf(out, "\n  smallest:");
    for (int i = 0; i < ns; i++) fprintf(out, " %.4e", lo[i]);
    fprintf(out, "\n  dense Hessian %.1f s, dsyevd %.1f s, reference scores %.1f s\n",
            sp->hessian_seconds, sp->eigen_seconds, sp->reference_seconds);
    fprintf(out, "%-14s %9s %9s %6s %6s %6s %9s %6s %8s %10s %6s %9s\n", "sweep", "value",
            "spearman", "top10", "krylov", "rank", "seconds", "share", "sp_base", "sp_exact",
            "top10x", "sec_exact");
    for (int r = 0; r < nr; r++) {
      const pf_stability_row *w = rows + r;
      char val[32];
      if (w->iters > 0)
        snprintf(val, sizeof val, "%gx%d", w->value, w->iters);
      else
        snprintf(val, sizeof val, "%g", w->value);
      fprintf(out, "%-14s %9s %9.4f %6d %6d %6d %9.2f %5.1f%% %8.4f", w->sweep, val, w->spearman,
              w->topk, w->krylov_dim, w->rank, w->seconds, 100.0 * row_share(res, cycle, w),
              w->spearman_base);
      if (w->topk_exact >= 0)
        fprintf(out, " %10.4f %6d %9.2f\n", w->spearman_exact, w->topk_exact, w->seconds_exact);
      else
        fprintf(out, " %10s %6s %9s\n", "-", "-", "-");
    }
  }
  fflush(out);
}

/* What one state of the command holds, with one destroy path. */
typedef struct {
  pf_task_result res;
  int have_res;
  pf_mlp *net;
  pf_engine *eng;
  pf_stability_row *rows;
  pf_stability_spectrum spec;
} cmd_mem;

static void cmd_free(cmd_mem *m) {
  if (m->have_res) pf_task_result_free(&m->res);
  m->have_res = 0;
  (void)pf_engine_destroy(&m->eng);
  (void)pf_mlp_destroy(&m->net);
  PF_FREE(&m->rows);
  pf_stability_spectrum_free(&m->spec);
}

static int one_state(const pf_ctx *ctx, const pf_stability_options *o, int cycle, int header,
                     FILE *out, cmd_mem *m) {
  pf_config cfg;
  PF_CALL(pf_config_default(o->pde, "add", &cfg));
  snprintf(cfg.sample.method, sizeof cfg.sample.method, "rar");
  cfg.seed = 1;
  cfg.train.cycles = cycle;
  if (o->adam_iters >= 0) cfg.train.adam_iters = (int)o->adam_iters;
  if (o->lbfgs_iters >= 0) cfg.train.lbfgs_iters = (int)o->lbfgs_iters;
  char err[PF_CONFIG_ERR_MAX];
  if (pf_config_validate(&cfg, err, sizeof err))
    PF_RAISE(PF_ERR_ARG, "bench --influence-stability: %s", err);
  pf_task_spec spec;
  PF_CALL(pf_task_spec_from_config(&cfg, &spec));
  /* the exact reference forms the dense Hessian: refuse before the training, not after it */
  size_t P = 0;
  for (int l = 0, in = pf_pde_dim(spec.pde); l <= spec.nhidden; l++) {
    const int outw = l < spec.nhidden ? spec.hidden[l] : pf_pde_outputs(spec.pde);
    P += (size_t)(in + 1) * (size_t)outw, in = outw;
  }
  if (P > PF_INFLUENCE_EXACT_MAX_PARAMS)
    PF_RAISE(PF_ERR_ARG,
             "bench --influence-stability: --pde %s: its paper network has %zu parameters; the "
             "exact reference needs at most %d (allowed: problems with smaller networks, e.g. "
             "burgers, allen_cahn, diffusion, drift_diffusion)",
             o->pde, P, PF_INFLUENCE_EXACT_MAX_PARAMS);
  if (header)
    fprintf(out,
            "# influence stability: %s, rar/add seed 1; reference = exact backend at full rank; "
            "arnoldi defaults iters 200, rank 50, damping 1e-3, eig_tol 1e-4; one core (%s)\n"
            "# spearman/top10: arnoldi at the setting vs the reference; sp_exact/top10x: exact at "
            "that rank (rank sweep) or damping (damping sweep, full rank) vs the reference\n"
            "# sp_base: the row's scores vs the exact backend's at the base settings (rank 50, "
            "damping 1e-3)\n"
            "# block_krylov value = block_size x block_iters; share = the round's time x cycles "
            "over the rar task's time plus that (the scoring share of a task using it)\n",
            o->pde, pf_blas_core());
  char label[96];
  snprintf(label, sizeof label, "stability %s/rar/add seed 1 (to cycle %d)", o->pde, cycle);
  spec.label = label;
  fprintf(stderr, "[stability] %s: training %d cycle(s) of %d Adam + %d L-BFGS iterations\n",
          o->pde, cycle, cfg.train.adam_iters, cfg.train.lbfgs_iters);
  m->have_res = 1;
  PF_CALL(pf_task_run(ctx, &spec, NULL, &m->res));
  PF_CHECK(!m->res.failed, PF_ERR_NUMERIC, "stability: training failed: %s", m->res.reason);

  PF_CALL(pf_mlp_create(m->res.nlayers, m->res.sizes, &m->net));
  PF_CALL(pf_engine_create(m->net, &spec.pde->ops, spec.block, &m->eng));
  pf_stability_settings s = pf_stability_settings_default();
  s.pool = spec.pool;
  s.base = spec.influence;
  s.base.backend = "arnoldi";
  PF_CALL(PF_CALLOC((size_t)pf_stability_nrows(&s), &m->rows));
  PF_CALL(pf_stability_state(m->eng, m->net, spec.pde, m->res.theta, spec.seed, cycle, &s, stderr,
                             m->rows, &m->spec, NULL));
  print_state(out, o->json, o->pde, cycle, &m->res, &s, &m->spec, m->rows);
  return PF_OK;
}

static int run_rank0(const pf_ctx *ctx, const pf_stability_options *o, FILE *out) {
  if (!o->pde || !pf_pde_find(o->pde)) {
    char names[256];
    pf_pde_names(names, sizeof names);
    PF_RAISE(PF_ERR_ARG, "bench --influence-stability: --pde '%s' is unknown; allowed: %s",
             o->pde ? o->pde : "(null)", names);
  }
  PF_CHECK(o->ncycles >= 1 && o->ncycles <= PF_STABILITY_MAX_VALUES, PF_ERR_ARG,
           "bench --influence-stability: --cycles needs 1..%d values", PF_STABILITY_MAX_VALUES);
  pf_blas_set_threads(1);
  for (int i = 0; i < o->ncycles; i++) {
    cmd_mem m = {0};
    int rc = one_state(ctx, o, o->cycles[i], i == 0 && !o->json, out, &m);
    cmd_free(&m);
    if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  return PF_OK;
}

int pf_bench_stability(const pf_ctx *ctx, const pf_stability_options *o, FILE *out) {
  int rc = PF_OK;
  if (ctx->rank == 0) rc = run_rank0(ctx, o, out);
  PF_CALL_MPI(MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->comm));
  return rc;
}
