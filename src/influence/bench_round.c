/* The resampling-round benchmark: wall time of one round of each score method at the paper's
 * sizes (pool of 10,000 candidates, Z of 1000 points, 10 points drawn) on one core, split into
 * phases (hessian: Z set, Arnoldi / dense Hessian / Gram matrix and eigensolve; embed: Jacobian
 * rows and embeddings; score: embedding GEMMs and abs-sums, or |r| for rar; draw: the
 * distribution draw). The PyTorch/captum reference takes about 22 s for one burgers round on
 * this machine class (PAPER.md section 5 and /work/shared/peers/torch_peer.py). */
#include "pinnfluence/influence.h"
#include "pinnfluence/rng.h"
#include "pinnfluence/sample.h"

#include <string.h>

#define ROUND_POOL  10000
#define ROUND_Z     1000
#define ROUND_DRAW  10
#define ROUND_BLOCK 128
#define ROUND_SEED  1
#define ROUND_CYCLE 1
#define EXACT_LIMIT 5000 /* parameters; the exact backend's P HVPs and P^3 eigensolve beyond */

typedef struct {
  const char *pde, *method, *backend;
  size_t nparams;
  double hessian, embed, score, draw;
  int hvps, rank;
  const char *skipped;
} round_row;

static void print_row(const round_row *r, int json, FILE *out) {
  const double total = r->hessian + r->embed + r->score + r->draw;
  char backend[32];
  if (r->backend)
    snprintf(backend, sizeof backend, "\"%s\"", r->backend);
  else
    snprintf(backend, sizeof backend, "null");
  if (json && r->skipped) {
    fprintf(out,
            "{\"what\": \"round\", \"pde\": \"%s\", \"method\": \"%s\", \"backend\": %s, "
            "\"params\": %zu, \"skipped\": \"%s\"}\n",
            r->pde, r->method, backend, r->nparams, r->skipped);
  } else if (json) {
    fprintf(out,
            "{\"what\": \"round\", \"pde\": \"%s\", \"method\": \"%s\", \"backend\": %s, "
            "\"params\": %zu, \"pool\": %d, \"test_points\": %d, \"seconds\": %.6f, "
            "\"hessian_seconds\": %.6f, \"embed_seconds\": %.6f, \"score_seconds\": %.6f, "
            "\"draw_seconds\": %.6f, \"hvps\": %d, \"rank\": %d}\n",
            r->pde, r->method, backend, r->nparams, ROUND_POOL, ROUND_Z, total, r->hessian,
            r->embed, r->score, r->draw, r->hvps, r->rank);
  } else if (r->skipped) {
    fprintf(out, "%-16s %-12s %-13s %6zu   skipped: %s\n", r->pde, r->method,
            r->backend ? r->backend : "-", r->nparams, r->skipped);
  } else {
    fprintf(out, "%-16s %-12s %-13s %6zu %9.3f %9.3f %9.3f %9.3f %9.4f %5d %5d\n", r->pde,
            r->method, r->backend ? r->backend : "-", r->nparams, total, r->hessian, r->embed,
            r->score, r->draw, r->hvps, r->rank);
  }
  fflush(out);
}

static int draw_timed(const double *scores, size_t *chosen, double *seconds) {
  const double t0 = pf_wtime();
  PF_CALL(pf_sample_distribution(ROUND_POOL, scores, 2.0, 0.0, ROUND_DRAW, ROUND_SEED, ROUND_CYCLE,
                                 chosen));
  *seconds = pf_wtime() - t0;
  return PF_OK;
}

/* What one problem's round holds, with one destroy path: an error half-way frees it all. */
typedef struct {
  pf_mlp *net;
  pf_engine *eng;
  pf_points *pool;
  double *theta, *X, *scores; /* (P), (pool, d), (pool) */
  double *work;               /* rar's scratch (a system's residuals) */
} round_mem;

static void round_free(round_mem *m) {
  (void)pf_points_destroy(&m->pool);
  PF_FREE(&m->theta), PF_FREE(&m->X), PF_FREE(&m->scores), PF_FREE(&m->work);
  (void)pf_engine_destroy(&m->eng);
  (void)pf_mlp_destroy(&m->net);
}

static int bench_pde_in(const pf_pde *pde, int json, FILE *out, round_mem *m) {
  int sizes[PF_PDE_MAX_HIDDEN + 2];
  const int L = pde->nhidden + 1;
  sizes[0] = pf_pde_dim(pde);
  for (int l = 0; l < pde->nhidden; l++) sizes[l + 1] = pde->hidden[l];
  sizes[L] = pf_pde_outputs(pde);
  size_t chosen[ROUND_DRAW];
  PF_CALL(pf_mlp_create(L, sizes, &m->net));
  PF_CALL(pf_engine_create(m->net, &pde->ops, ROUND_BLOCK, &m->eng));
  pf_mlp *net = m->net;
  pf_engine *eng = m->eng;
  const size_t P = net->nparams;
  PF_CALL(PF_CALLOC(P, &m->theta));
  PF_CALL(PF_CALLOC((size_t)ROUND_POOL * (size_t)pf_pde_dim(pde), &m->X));
  PF_CALL(PF_CALLOC(ROUND_POOL, &m->scores));
  double *theta = m->theta, *scores = m->scores;
  /* the first round of a task: the untrained network of seed 1 */
  pf_rng_stream init = pf_rng_stream_make(ROUND_SEED, 0, PF_RNG_INIT, 0);
  PF_CALL(pf_mlp_init_glorot(net, &init, theta));
  pf_sample_pool(pde, ROUND_SEED, ROUND_CYCLE, 0, ROUND_POOL, m->X);
  PF_CALL(pf_points_create(&pde->ops, ROUND_POOL, m->X, &m->pool));
  pf_points *pool = m->pool;

  /* rar: |r| (a system: sqrt(sum_j w_j r_j^2)) over the pool */
  {
    round_row r = {pde->name, "rar", NULL, P, 0, 0, 0, 0, 0, 0, NULL};
    const pf_score_method *rar = pf_score_method_find("rar");
    PF_CHECK(rar != NULL, PF_ERR_INTERNAL, "rar is not registered");
    const size_t wl = rar->work_size ? rar->work_size(&pde->ops, ROUND_POOL, P, ROUND_BLOCK) : 0;
    PF_CALL(PF_CALLOC(wl, &m->work));
    pf_score_ctx sc = {eng, net, pde, ROUND_SEED, ROUND_CYCLE, m->work, wl, NULL, NULL};
    const double t0 = pf_wtime();
    PF_CALL(rar->score(&sc, theta, pool, scores));
    r.score = pf_wtime() - t0;
    PF_CALL(draw_timed(scores, chosen, &r.draw));
    print_row(&r, json, out);
  }
  /* grad_dot and pinnfluence with each backend */
  static const char *backends[] = {NULL, "arnoldi", "exact", "gauss_newton"};
  for (int b = 0; b < 4; b++) {
    round_row r = {pde->name, b ? "pinnfluence" : "grad_dot", backends[b], P, 0, 0, 0, 0, 0, 0,
                   NULL};
    if (b == 2 && P > EXACT_LIMIT) {
      r.skipped = "exact backend limited to 5000 parameters in the benchmark";
      print_row(&r, json, out);
      continue;
    }
    pf_influence_params ip = pf_influence_params_default();
    ip.test_points = ROUND_Z;
    if (backends[b]) ip.backend = backends[b];
    pf_influence_stats st;
    PF_CALL(pf_influence_score(eng, net, pde, &ip,
                               b ? PF_INFLUENCE_PINNFLUENCE : PF_INFLUENCE_GRAD_DOT, ROUND_SEED,
                               ROUND_CYCLE, theta, pool, scores, &st));
    r.hessian = st.hessian_seconds, r.embed = st.embed_seconds, r.score = st.score_seconds;
    r.hvps = st.hvps, r.rank = b ? st.rank : (int)P;
    PF_CALL(draw_timed(scores, chosen, &r.draw));
    print_row(&r, json, out);
  }
  return PF_OK;
}

static int bench_pde(const pf_pde *pde, int json, FILE *out) {
  round_mem m = {0};
  int rc = bench_pde_in(pde, json, out, &m);
  round_free(&m);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

int pf_bench_round_pde(const pf_ctx *ctx, const char *pde, int json, FILE *out) {
  int rc = PF_OK;
  if (ctx->rank == 0) {
    const pf_pde *only = NULL;
    if (pde) {
      only = pf_pde_find(pde);
      if (!only) {
        char names[256];
        pf_pde_names(names, sizeof names);
        rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                      "bench: unknown pde '%s'; allowed: %s", pde, names);
      }
    }
    pf_blas_set_threads(1);
    if (!rc && !json) {
      fprintf(out,
              "# one resampling round on one core: pool %d, Z %d, draw %d, block %d; OpenBLAS "
              "core %s\n",
              ROUND_POOL, ROUND_Z, ROUND_DRAW, ROUND_BLOCK, pf_blas_core());
      fprintf(out, "%-16s %-12s %-13s %6s %9s %9s %9s %9s %9s %5s %5s\n", "pde", "method",
              "backend", "params", "seconds", "hessian", "embed", "score", "draw", "hvps", "rank");
    }
    for (int i = 0; !rc && i < pf_pde_count(); i++) {
      const pf_pde *p = pf_pde_at(i);
      if (only && p != only) continue;
      rc = bench_pde(p, json, out);
    }
  }
  PF_CALL_MPI(MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->comm));
  return rc;
}

int pf_bench_round(const pf_ctx *ctx, int json, FILE *out) {
  return pf_bench_round_pde(ctx, NULL, json, out);
}
