/* `pinnfluence bench`: median seconds per loss+gradient and per Hessian-vector product for the
 * paper's shapes (2-32-32-32-1, 2-64-64-64-1, 2-100x5-1 with u_tt; for a problem of d inputs and
 * m outputs d-32-32-32-m and so on, u_tt being the second derivative along the last input), the
 * GEMM flop rate this achieves end to end, the machine's dgemm rate on exactly the same sequence
 * of GEMM calls (same shapes, transposes and leading dimensions) timed alone in the same run, and
 * the core's practical FP64 peak: the rate of a large square dgemm (PEAK_N) on the same core,
 * timed in the same repetitions (alternating with the engine, so on a shared core all three
 * medians see the same machine state), so every figure has the limit it is measured against
 * beside it. */
#include "pinnfluence/bench.h"
#include "pinnfluence/config.h"
#include "pinnfluence/sweep.h"
#include "pinnfluence/nn.h"
#include "pinnfluence/pde.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

pf_bench_options pf_bench_defaults(void) {
  pf_bench_options o = {0, 2000, 11, 128, "burgers", NULL, 0};
  return o;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The GEMM calls of one loss+gradient (hvp = 0) or HVP (hvp = 1) over a block of nb points, in
 * the engine's order and split into the engine's pieces of rows (pf_engine_gemm_rows); if bufs is
 * not NULL they are executed, and the flops are returned. */
typedef struct {
  double *W, *X, *Y, *G;
} gemm_bufs;

static double gemm_sequence(const pf_engine *eng, const pf_mlp *net, int nc, int nb, int hvp,
                            const gemm_bufs *b) {
  const int L = net->nlayers, ld = nc * nb;
  double flops = 0;
#define GEMM(tA, tB, M, N, K, A_, lda, B_, ldb, C_, ldc)                                           \
  do {                                                                                             \
    flops += 2.0 * (double)(M) * (double)(N) * (double)(K);                                        \
    if (b) cblas_dgemm(CblasRowMajor, tA, tB, M, N, K, 1.0, A_, lda, B_, ldb, 0.0, C_, ldc);       \
  } while (0)
/* rows r0 .. r0+m-1 of a GEMM of M rows in the engine's pieces */
#define PIECES(M, N, K)                                                                            \
  for (int t_ = pf_engine_gemm_rows(eng, M, N, K), r0 = 0, m = t_ < (M) ? t_ : (M); r0 < (M);      \
       r0 += t_, m = (M)-r0 < t_ ? (M)-r0 : t_)
  for (int pass = 0; pass < (hvp ? 2 : 1); pass++)
    for (int l = 0; l < L; l++) {
      const int nin = net->sizes[l], nout = net->sizes[l + 1];
      /* the output layer and the HVP's tangent pass are whole calls */
      const int rows = l < L - 1 && pass == 0 ? nout : 0;
      PIECES(rows, ld, nin) {
        GEMM(CblasNoTrans, CblasNoTrans, m, ld, nin, b->W + (size_t)r0 * nin, nin, b->X, ld,
             b->Y + (size_t)r0 * ld, ld);
      }
      if (!rows) {
        GEMM(CblasNoTrans, CblasNoTrans, nout, ld, nin, b->W, nin, b->X, ld, b->Y, ld);
        if (pass == 1 && l > 0)
          GEMM(CblasNoTrans, CblasNoTrans, nout, ld, nin, b->W, nin, b->X, ld, b->Y, ld);
      }
    }
  for (int l = L - 1; l >= 0; l--) {
    const int nin = net->sizes[l], nout = net->sizes[l + 1];
    GEMM(CblasNoTrans, CblasTrans, nout, nin, ld, b->G, ld, b->X, ld, b->W, nin);
    if (hvp && l > 0) GEMM(CblasNoTrans, CblasTrans, nout, nin, ld, b->G, ld, b->X, ld, b->W, nin);
    if (l == 0) break;
    if (hvp) /* the reverse tangent's three whole calls */
      for (int k = 0; k < 3; k++)
        GEMM(CblasTrans, CblasNoTrans, nin, ld, nout, b->W, nin, b->G, ld, b->Y, ld);
    else
      PIECES(nin, ld, nout) {
        GEMM(CblasTrans, CblasNoTrans, m, ld, nout, b->W + r0, nin, b->G, ld,
             b->Y + (size_t)r0 * ld, ld);
      }
  }
#undef PIECES
#undef GEMM
  return flops;
}

typedef struct {
  const char *what;
  double seconds, gflops, dgemm_gflops, peak_gflops;
} result;

/* The practical peak: C = A B with square PEAK_N matrices (2 PEAK_N^3 flops, about 2.1 GFLOP),
 * large enough for OpenBLAS's kernel to run at its steady rate on one core. */
#define PEAK_N 1024

typedef struct {
  double *A, *B, *C; /* (PEAK_N, PEAK_N) each */
} peak_bufs;

static double peak_flops(void) {
  return 2.0 * (double)PEAK_N * (double)PEAK_N * (double)PEAK_N;
}

static void peak_run(const peak_bufs *p) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, PEAK_N, PEAK_N, PEAK_N, 1.0, p->A, PEAK_N,
              p->B, PEAK_N, 0.0, p->C, PEAK_N);
}

/* ------------------------------------------------------------------ the u_tt shape */
/* The problem with one more read quantity, u_tt of output 0, which its residual ignores (its
 * partials stay 0), so the engine carries the u_tt channel as the paper's 2-100x5-1 shape does
 * (wave reads it already: no extra entry). The callbacks wrap the problem's; the residual passes
 * chunks of at most TT_CHUNK points through scratch laid out for the problem's own read list. */
#define TT_CHUNK 64

typedef struct {
  pf_pinn_ops inner; /* the problem's */
  double *q, *r;     /* (nread, TT_CHUNK), (k, TT_CHUNK) */
  double *dr, *d2r;  /* (k, nread, TT_CHUNK), (k, nread, nread, TT_CHUNK) */
} tt_ctx;

static void tt_transform(const void *ctx, size_t n, const double *X, double *A, double *B) {
  const tt_ctx *c = ctx;
  c->inner.transform(c->inner.ctx, n, X, A, B);
}

static void tt_residual(const void *ctx, size_t n, const double *X, const double *q, double *r,
                        double *dr, double *d2r) {
  const tt_ctx *c = ctx;
  const size_t nr = (size_t)c->inner.nread, k = (size_t)c->inner.k, d = (size_t)c->inner.d;
  const size_t nw = nr + 1; /* the wrapper's read quantities: the problem's, then u_tt */
  for (size_t i0 = 0; i0 < n; i0 += TT_CHUNK) {
    const size_t ch = n - i0 < TT_CHUNK ? n - i0 : TT_CHUNK;
    for (size_t a = 0; a < nr; a++) memcpy(c->q + a * ch, q + a * n + i0, ch * sizeof *q);
    if (dr) memset(c->dr, 0, k * nr * ch * sizeof *c->dr);
    if (d2r) memset(c->d2r, 0, k * nr * nr * ch * sizeof *c->d2r);
    c->inner.residual(c->inner.ctx, ch, X + i0 * d, c->q, c->r, dr ? c->dr : NULL,
                      d2r ? c->d2r : NULL);
    for (size_t j = 0; j < k; j++) {
      memcpy(r + j * n + i0, c->r + j * ch, ch * sizeof *r);
      for (size_t a = 0; dr && a < nr; a++)
        memcpy(dr + (j * nw + a) * n + i0, c->dr + (j * nr + a) * ch, ch * sizeof *dr);
      for (size_t a = 0; d2r && a < nr; a++)
        for (size_t b = 0; b < nr; b++)
          memcpy(d2r + ((j * nw + a) * nw + b) * n + i0, c->d2r + ((j * nr + a) * nr + b) * ch,
                 ch * sizeof *d2r);
    }
  }
}

/* ops: pde's problem, with the u_tt read added through c when extra_tt is set and the problem
 * does not read it yet. */
static int tt_ops(const pf_pde *pde, int extra_tt, tt_ctx *c, pf_pinn_ops *ops) {
  *ops = pde->ops;
  if (!extra_tt) return PF_OK;
  const int d = ops->d, tt = pf_jet_index(d, d - 1, d - 1);
  for (int a = 0; a < ops->nread; a++)
    if (ops->read[a].out == 0 && ops->read[a].jet == tt) return PF_OK;
  PF_CHECK(ops->nread < PF_MAX_READ, PF_ERR_ARG, "bench: %s reads %d quantities, no room for u_tt",
           pde->name, ops->nread);
  const size_t nr = (size_t)ops->nread, k = (size_t)ops->k;
  c->inner = pde->ops;
  PF_CALL(PF_CALLOC(nr * TT_CHUNK, &c->q));
  PF_CALL(PF_CALLOC(k * TT_CHUNK, &c->r));
  PF_CALL(PF_CALLOC(k * nr * TT_CHUNK, &c->dr));
  PF_CALL(PF_CALLOC(k * nr * nr * TT_CHUNK, &c->d2r));
  ops->read[ops->nread++] = (pf_read){0, tt};
  ops->transform = tt_transform;
  ops->residual = tt_residual;
  ops->ctx = c;
  return PF_OK;
}

/* What one shape's measurement holds, with one destroy path: an error half-way frees it all. */
typedef struct {
  pf_mlp *net;
  pf_engine *eng;
  pf_points *pts;
  tt_ctx tt; /* the u_tt shape's problem (it must outlive the engine) */
  double *X, *c, *theta, *g, *v, *times, *tg, *tp; /* (n, d), (n), (P), (P), (P), (reps) x 3 */
  gemm_bufs gb;
  peak_bufs pk;
} shape_mem;

static void shape_free(shape_mem *m) {
  PF_FREE(&m->gb.W), PF_FREE(&m->gb.X), PF_FREE(&m->gb.Y), PF_FREE(&m->gb.G);
  PF_FREE(&m->X), PF_FREE(&m->c), PF_FREE(&m->theta), PF_FREE(&m->g), PF_FREE(&m->v);
  PF_FREE(&m->times), PF_FREE(&m->tg), PF_FREE(&m->tp);
  PF_FREE(&m->pk.A), PF_FREE(&m->pk.B), PF_FREE(&m->pk.C);
  (void)pf_points_destroy(&m->pts);
  (void)pf_engine_destroy(&m->eng);
  (void)pf_mlp_destroy(&m->net);
  PF_FREE(&m->tt.q), PF_FREE(&m->tt.r), PF_FREE(&m->tt.dr), PF_FREE(&m->tt.d2r);
}

static int bench_shape_in(const pf_bench_options *opt, const pf_pde *pde, int nl, const int *sizes,
                          int extra_tt, FILE *out, int first, shape_mem *m) {
  pf_pinn_ops ops;
  PF_CALL(tt_ops(pde, extra_tt, &m->tt, &ops));
  PF_CALL(pf_mlp_create(nl, sizes, &m->net));
  PF_CALL(pf_engine_create(m->net, &ops, opt->block, &m->eng));
  pf_mlp *net = m->net;
  pf_engine *eng = m->eng;
  const size_t n = opt->points, P = net->nparams, d = (size_t)ops.d;
  PF_CALL(PF_CALLOC(n * d, &m->X));
  PF_CALL(PF_CALLOC(n, &m->c));
  PF_CALL(PF_CALLOC(P, &m->theta));
  PF_CALL(PF_CALLOC(P, &m->g));
  PF_CALL(PF_CALLOC(P, &m->v));
  PF_CALL(PF_CALLOC(opt->reps, &m->times));
  PF_CALL(PF_CALLOC(opt->reps, &m->tg));
  PF_CALL(PF_CALLOC(opt->reps, &m->tp));
  double *theta = m->theta, *g = m->g, *v = m->v, *times = m->times;
  double *tg = m->tg, *tp = m->tp;
  /* coordinate j of point i: element j n + i of the test stream (d = 2: x, then t) */
  pf_rng_stream ps = pf_rng_stream_make(1, 0, PF_RNG_TEST, 100);
  for (size_t j = 0; j < d; j++) {
    pf_rng_uniform_range(&ps, j * n, n, pde->lo[j], pde->hi[j], m->c);
    for (size_t i = 0; i < n; i++) m->X[i * d + j] = m->c[i];
  }
  PF_CALL(pf_points_create(&ops, n, m->X, &m->pts));
  pf_points *pts = m->pts;
  pf_rng_stream is = pf_rng_stream_make(1, 0, PF_RNG_INIT, 0);
  PF_CALL(pf_mlp_init_glorot(net, &is, theta));
  pf_rng_normal(&ps, d * n, P, v);

  /* GEMM flops of one evaluation and buffers to replay the same GEMM sequence alone */
  const int nc = pf_engine_channels(eng), B = opt->block;
  int maxw = 0;
  for (int l = 0; l <= nl; l++) maxw = sizes[l] > maxw ? sizes[l] : maxw;
  gemm_bufs *gb = &m->gb;
  const size_t big = (size_t)maxw * (size_t)nc * (size_t)B;
  PF_CALL(PF_CALLOC((size_t)maxw * maxw, &gb->W));
  PF_CALL(PF_CALLOC(big, &gb->X));
  PF_CALL(PF_CALLOC(big, &gb->Y));
  PF_CALL(PF_CALLOC(big, &gb->G));
  for (size_t k = 0; k < big; k++) gb->X[k] = gb->G[k] = 1e-3 * (double)(k % 97);
  for (size_t k = 0; k < (size_t)maxw * maxw; k++) gb->W[k] = 1e-2 * (double)(k % 89);
  const size_t pn = (size_t)PEAK_N * PEAK_N;
  PF_CALL(PF_CALLOC(pn, &m->pk.A));
  PF_CALL(PF_CALLOC(pn, &m->pk.B));
  PF_CALL(PF_CALLOC(pn, &m->pk.C));
  for (size_t k = 0; k < pn; k++)
    m->pk.A[k] = 1e-3 * (double)(k % 97), m->pk.B[k] = 1e-3 * (double)(k % 89);

  char shape[128];
  pf_mlp_describe(net, shape, sizeof shape);
  for (int hvp = 0; hvp < 2; hvp++) {
    double flops = 0, loss;
    for (size_t i0 = 0; i0 < n; i0 += (size_t)B) {
      int nb = (int)(n - i0 < (size_t)B ? n - i0 : (size_t)B);
      flops += gemm_sequence(eng, net, nc, nb, hvp, NULL);
    }
    /* engine, then its dgemm sequence alone, then the peak dgemm, alternating so all three see
     * the same machine state */
    for (int rep = -2; rep < opt->reps; rep++) {
      double t0 = pf_wtime();
      if (hvp)
        PF_CALL(pf_engine_hvp(eng, theta, pts, v, g));
      else
        PF_CALL(pf_engine_loss_grad(eng, theta, pts, &loss, g));
      double t1 = pf_wtime();
      for (size_t i0 = 0; i0 < n; i0 += (size_t)B) {
        int nb = (int)(n - i0 < (size_t)B ? n - i0 : (size_t)B);
        gemm_sequence(eng, net, nc, nb, hvp, gb);
      }
      double t2 = pf_wtime();
      peak_run(&m->pk);
      double t3 = pf_wtime();
      if (rep >= 0) times[rep] = t1 - t0, tg[rep] = t2 - t1, tp[rep] = t3 - t2;
    }
    result r = {hvp ? "hvp" : "loss_grad", median(times, opt->reps), 0, 0, 0};
    double tgemm = median(tg, opt->reps);
    r.gflops = flops / r.seconds * 1e-9;
    r.dgemm_gflops = flops / tgemm * 1e-9;
    r.peak_gflops = peak_flops() / median(tp, opt->reps) * 1e-9;
    /* the floor: the evaluation's GEMM flops at the peak rate with nothing else taking time, the
     * least time this way of computing it can take on this core (DESIGN.md: the jets' GEMMs are
     * the minimum work of forward jets + reverse sweep) */
    const double floor_s = flops / r.peak_gflops * 1e-9;
    if (opt->json) {
      fprintf(out, "{\"what\": \"%s\", \"pde\": \"%s\", \"layers\": [", r.what, pde->name);
      for (int l = 0; l <= nl; l++) fprintf(out, l ? ", %d" : "%d", sizes[l]);
      fprintf(out,
              "], \"channels\": %d, \"points\": %zu, \"block\": %d, \"reps\": %d, "
              "\"seconds\": %.6e, \"gflops\": %.3f, \"dgemm_gflops\": %.3f, "
              "\"dgemm_fraction\": %.3f, \"peak_gflops\": %.3f, \"peak_fraction\": %.3f, "
              "\"dgemm_peak_fraction\": %.3f, \"gemm_flops\": %.6e, \"floor_seconds\": %.6e, "
              "\"blas_core\": \"%s\"}\n",
              nc, n, B, opt->reps, r.seconds, r.gflops, r.dgemm_gflops, r.gflops / r.dgemm_gflops,
              r.peak_gflops, r.gflops / r.peak_gflops, r.dgemm_gflops / r.peak_gflops, flops,
              floor_s, pf_blas_core());
    } else {
      if (first && !hvp) {
        fprintf(out,
                "# one core, %zu points, block %d, median of %d; OpenBLAS core %s; peak = "
                "median of %d dgemm %dx%dx%d\n",
                n, B, opt->reps, pf_blas_core(), opt->reps, PEAK_N, PEAK_N, PEAK_N);
        fprintf(out, "%-10s %-22s %3s %7s %10s %8s %10s %8s %9s %8s %9s\n", "what", "layers", "ch",
                "points", "ms/eval", "GFLOP/s", "dgemm GF/s", "of dgemm", "peak GF/s", "of peak",
                "floor ms");
      }
      fprintf(out, "%-10s %-22s %3d %7zu %10.3f %8.2f %10.2f %7.0f%% %9.2f %7.0f%% %9.3f\n", r.what,
              shape, nc, n, 1e3 * r.seconds, r.gflops, r.dgemm_gflops,
              100.0 * r.gflops / r.dgemm_gflops, r.peak_gflops, 100.0 * r.gflops / r.peak_gflops,
              1e3 * floor_s);
    }
    fflush(out);
  }
  return PF_OK;
}

static int bench_shape(const pf_bench_options *opt, const pf_pde *pde, int nl, const int *sizes,
                       int extra_tt, FILE *out, int first) {
  shape_mem m = {0};
  int rc = bench_shape_in(opt, pde, nl, sizes, extra_tt, out, first, &m);
  shape_free(&m);
  return rc ? pf_trace(rc, __FILE__, __LINE__, __func__) : PF_OK;
}

/* What one comparison holds (one destroy path). */
typedef struct {
  pf_mlp *net;
  pf_engine *eng[2];
  pf_points *pts[2];
  double *X, *c, *theta, *g, *times[2];
} cmp_mem;

static void cmp_free(cmp_mem *m) {
  for (int s = 0; s < 2; s++) {
    (void)pf_points_destroy(&m->pts[s]);
    (void)pf_engine_destroy(&m->eng[s]);
    PF_FREE(&m->times[s]);
  }
  (void)pf_mlp_destroy(&m->net);
  PF_FREE(&m->X), PF_FREE(&m->c), PF_FREE(&m->theta), PF_FREE(&m->g);
}

/* Loss + gradient of the built-in problem b and the defined problem p on the same network,
 * points and parameters, alternately (so both see the same machine state). */
static int compare_shape_in(const pf_bench_options *opt, const pf_pde *b, const pf_pde *p, int nl,
                            const int *sizes, FILE *out, cmp_mem *m) {
  PF_CALL(pf_mlp_create(nl, sizes, &m->net));
  const size_t n = opt->points, P = m->net->nparams, d = (size_t)b->ops.d;
  const pf_pde *pp[2] = {b, p};
  PF_CALL(PF_CALLOC(n * d, &m->X));
  PF_CALL(PF_CALLOC(n, &m->c));
  PF_CALL(PF_CALLOC(P, &m->theta));
  PF_CALL(PF_CALLOC(P, &m->g));
  pf_rng_stream ps = pf_rng_stream_make(1, 0, PF_RNG_TEST, 100);
  for (size_t j = 0; j < d; j++) {
    pf_rng_uniform_range(&ps, j * n, n, b->lo[j], b->hi[j], m->c);
    for (size_t i = 0; i < n; i++) m->X[i * d + j] = m->c[i];
  }
  pf_rng_stream is = pf_rng_stream_make(1, 0, PF_RNG_INIT, 0);
  PF_CALL(pf_mlp_init_glorot(m->net, &is, m->theta));
  double loss[2] = {0, 0};
  for (int s = 0; s < 2; s++) {
    PF_CALL(pf_engine_create(m->net, &pp[s]->ops, opt->block, &m->eng[s]));
    PF_CALL(pf_points_create(&pp[s]->ops, n, m->X, &m->pts[s]));
    PF_CALL(PF_CALLOC(opt->reps, &m->times[s]));
  }
  for (int rep = -2; rep < opt->reps; rep++)
    for (int s = 0; s < 2; s++) {
      double t0 = pf_wtime();
      PF_CALL(pf_engine_loss_grad(m->eng[s], m->theta, m->pts[s], &loss[s], m->g));
      if (rep >= 0) m->times[s][rep] = pf_wtime() - t0;
    }
  char shape[128];
  pf_mlp_describe(m->net, shape, sizeof shape);
  const double tb = median(m->times[0], opt->reps), tp = median(m->times[1], opt->reps);
  /* the fastest repetition of each: on a shared machine the least disturbed one */
  double bb = m->times[0][0], bp = m->times[1][0];
  for (int rep = 1; rep < opt->reps; rep++) {
    bb = fmin(bb, m->times[0][rep]);
    bp = fmin(bp, m->times[1][rep]);
  }
  if (opt->json)
    fprintf(out,
            "{\"what\": \"loss_grad_problem\", \"builtin\": \"%s\", \"problem\": \"%s\", "
            "\"layers\": \"%s\", \"points\": %zu, \"block\": %d, \"reps\": %d, "
            "\"builtin_seconds\": %.6e, \"problem_seconds\": %.6e, \"ratio\": %.4f, "
            "\"builtin_min_seconds\": %.6e, \"problem_min_seconds\": %.6e, \"min_ratio\": "
            "%.4f, \"loss_rel_diff\": %.3e}\n",
            b->name, p->name, shape, n, opt->block, opt->reps, tb, tp, tp / tb, bb, bp, bp / bb,
            fabs(loss[1] - loss[0]) / fabs(loss[0]));
  else
    fprintf(out, "%-22s %7zu %10.3f %10.3f %7.3f %10.3f %10.3f %7.3f %10.1e\n", shape, n, 1e3 * tb,
            1e3 * tp, tp / tb, 1e3 * bb, 1e3 * bp, bp / bb,
            fabs(loss[1] - loss[0]) / fabs(loss[0]));
  fflush(out);
  return PF_OK;
}

static int bench_problem(const pf_bench_options *opt, FILE *out) {
  char err[PF_CONFIG_ERR_MAX];
  pf_sweep *sw = NULL;
  int rc = pf_sweep_create(opt->problem, 0, NULL, &sw, err, sizeof err);
  if (rc) {
    fprintf(stderr, "pinnfluence: %s\n", err);
    return PF_ERR_ARG;
  }
  pf_config cfg;
  const pf_pde *p = NULL;
  rc = pf_sweep_task(sw, 0, &cfg);
  pf_sweep_destroy(&sw);
  PF_CALL(rc);
  PF_CALL(pf_task_problem(&cfg, &p));
  PF_CHECK(p->text, PF_ERR_ARG,
           "bench --problem %s: the file names the built-in pde %s; allowed: "
           "a file with a problem = { ... } group",
           opt->problem, p->name);
  char base[PF_CONFIG_NAME_MAX];
  snprintf(base, sizeof base, "%s", p->name);
  char *suffix = strstr(base, "_cfg");
  if (suffix && !suffix[4]) *suffix = '\0';
  const char *bn = opt->pde ? opt->pde : base;
  const pf_pde *b = pf_pde_find(bn);
  PF_CHECK(b && !b->text, PF_ERR_ARG,
           "bench --problem: no built-in problem \"%s\" to compare "
           "with; name one with --pde",
           bn);
  PF_CHECK(b->ops.d == p->ops.d && b->ops.m == p->ops.m, PF_ERR_ARG,
           "bench --problem: %s and %s differ in inputs or outputs", b->name, p->name);
  const int d = b->ops.d, mo = b->ops.m;
  const int s32[] = {d, 32, 32, 32, mo}, s64[] = {d, 64, 64, 64, mo};
  if (!opt->json) {
    fprintf(out, "# loss + gradient, one core, %zu points, block %d, median of %d, alternating\n",
            opt->points, opt->block, opt->reps);
    fprintf(out, "# built-in %s, defined in %s: %s\n", b->name, opt->problem, p->name);
    fprintf(out, "%-22s %7s %10s %10s %7s %10s %10s %7s %10s\n", "layers", "points", "built-in",
            "defined", "ratio", "min b-in", "min def", "ratio", "loss diff");
    fprintf(out, "%-22s %7s %10s %10s %7s %10s %10s %7s %10s\n", "", "", "ms (med)", "ms (med)", "",
            "ms", "ms", "(min)", "");
  }
  const int *shapes[2] = {s32, s64};
  for (int sh = 0; sh < 2; sh++) {
    cmp_mem m = {0};
    rc = compare_shape_in(opt, b, p, 4, shapes[sh], out, &m);
    cmp_free(&m);
    PF_CALL(rc);
  }
  return PF_OK;
}

/* ------------------------------------------------------------------ batched HVPs */
/* What one batched-HVP measurement holds (one destroy path). */
typedef struct {
  pf_mlp *net;
  pf_engine *eng;
  pf_points *pts;
  double *X, *c, *theta, *V, *HV, *t1, *tm; /* (n, d), (n), (P), (nv, P) x 2, (reps) x 2 */
} multi_mem;

static void multi_free(multi_mem *m) {
  (void)pf_points_destroy(&m->pts);
  (void)pf_engine_destroy(&m->eng);
  (void)pf_mlp_destroy(&m->net);
  PF_FREE(&m->X), PF_FREE(&m->c), PF_FREE(&m->theta), PF_FREE(&m->V), PF_FREE(&m->HV);
  PF_FREE(&m->t1), PF_FREE(&m->tm);
}

/* nv HVPs one at a time against pf_engine_hvp_multi, alternating in every repetition so both
 * medians see the same machine state. */
static int multi_shape_in(const pf_bench_options *opt, const pf_pde *pde, int nl, const int *sizes,
                          int nv, FILE *out, int first, multi_mem *m) {
  const pf_pinn_ops *ops = &pde->ops;
  PF_CALL(pf_mlp_create(nl, sizes, &m->net));
  PF_CALL(pf_engine_create(m->net, ops, opt->block, &m->eng));
  const size_t n = opt->points, P = m->net->nparams, d = (size_t)ops->d, snv = (size_t)nv;
  PF_CALL(PF_CALLOC(n * d, &m->X));
  PF_CALL(PF_CALLOC(n, &m->c));
  PF_CALL(PF_CALLOC(P, &m->theta));
  PF_CALL(PF_CALLOC(snv * P, &m->V));
  PF_CALL(PF_CALLOC(snv * P, &m->HV));
  PF_CALL(PF_CALLOC(opt->reps, &m->t1));
  PF_CALL(PF_CALLOC(opt->reps, &m->tm));
  pf_rng_stream ps = pf_rng_stream_make(1, 0, PF_RNG_TEST, 100);
  for (size_t j = 0; j < d; j++) {
    pf_rng_uniform_range(&ps, j * n, n, pde->lo[j], pde->hi[j], m->c);
    for (size_t i = 0; i < n; i++) m->X[i * d + j] = m->c[i];
  }
  PF_CALL(pf_points_create(ops, n, m->X, &m->pts));
  pf_rng_stream is = pf_rng_stream_make(1, 0, PF_RNG_INIT, 0);
  PF_CALL(pf_mlp_init_glorot(m->net, &is, m->theta));
  pf_rng_normal(&ps, d * n, snv * P, m->V);
  for (int rep = -2; rep < opt->reps; rep++) {
    double t0 = pf_wtime();
    for (size_t j = 0; j < snv; j++)
      PF_CALL(pf_engine_hvp(m->eng, m->theta, m->pts, m->V + j * P, m->HV + j * P));
    double t1 = pf_wtime();
    PF_CALL(pf_engine_hvp_multi(m->eng, m->theta, m->pts, snv, m->V, m->HV));
    double t2 = pf_wtime();
    if (rep >= 0) m->t1[rep] = t1 - t0, m->tm[rep] = t2 - t1;
  }
  const double ts = median(m->t1, opt->reps), tm = median(m->tm, opt->reps);
  char shape[128];
  pf_mlp_describe(m->net, shape, sizeof shape);
  if (opt->json) {
    fprintf(out,
            "{\"what\": \"hvp_multi\", \"pde\": \"%s\", \"layers\": \"%s\", \"nv\": %d, "
            "\"points\": %zu, \"block\": %d, \"reps\": %d, \"single_seconds\": %.6e, "
            "\"multi_seconds\": %.6e, \"speedup\": %.3f, \"blas_core\": \"%s\"}\n",
            pde->name, shape, nv, n, opt->block, opt->reps, ts, tm, ts / tm, pf_blas_core());
  } else {
    if (first) {
      fprintf(out,
              "# nv Hessian-vector products: nv x pf_engine_hvp vs pf_engine_hvp_multi, one core, "
              "%zu points, block %d, medians of %d alternating; OpenBLAS core %s\n",
              n, opt->block, opt->reps, pf_blas_core());
      fprintf(out, "%-22s %4s %12s %12s %8s\n", "layers", "nv", "single ms", "multi ms", "speedup");
    }
    fprintf(out, "%-22s %4d %12.3f %12.3f %7.2fx\n", shape, nv, 1e3 * ts, 1e3 * tm, ts / tm);
  }
  fflush(out);
  return PF_OK;
}

static int bench_hvp_multi(const pf_bench_options *opt, const pf_pde *pde, FILE *out) {
  const int d = pf_pde_dim(pde), mo = pf_pde_outputs(pde);
  const int s32[] = {d, 32, 32, 32, mo}, s64[] = {d, 64, 64, 64, mo};
  const int *shapes[] = {s32, s64}, nvs[] = {8, 16};
  int first = 1;
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 2; k++) {
      multi_mem m = {0};
      int rc = multi_shape_in(opt, pde, 4, shapes[s], nvs[k], out, first, &m);
      multi_free(&m);
      PF_CALL(rc);
      first = 0;
    }
  return PF_OK;
}

int pf_bench_run(const pf_ctx *ctx, const pf_bench_options *opt, FILE *out) {
  int rc = PF_OK;
  if (ctx->rank == 0 && opt->problem) {
    pf_blas_set_threads(1);
    rc = bench_problem(opt, out);
  } else if (ctx->rank == 0) {
    const pf_pde *pde = pf_pde_find(opt->pde ? opt->pde : "burgers");
    if (!pde) {
      char names[256];
      pf_pde_names(names, sizeof names);
      rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                    "bench: unknown --pde '%s'; allowed: %s", opt->pde, names);
    }
    pf_blas_set_threads(1);
    if (!rc && opt->hvp_multi) {
      rc = bench_hvp_multi(opt, pde, out);
      goto done;
    }
    /* the paper's shapes with the problem's inputs and outputs */
    const int d = pde ? pf_pde_dim(pde) : 2, mo = pde ? pf_pde_outputs(pde) : 1;
    const int s32[] = {d, 32, 32, 32, mo}, s64[] = {d, 64, 64, 64, mo};
    const int s100[] = {d, 100, 100, 100, 100, 100, mo};
    if (!rc) rc = bench_shape(opt, pde, 4, s32, 0, out, 1);
    if (!rc) rc = bench_shape(opt, pde, 4, s64, 0, out, 0);
    if (!rc) rc = bench_shape(opt, pde, 6, s100, 1, out, 0);
  }
done:
  PF_CALL_MPI(MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->comm));
  return rc;
}
