/* The store round trip on 1 or 2 ranks: three tasks of different shapes, each written by the rank
 * task % size (task 0 complete, task 1 only its first cycle and running, task 2 nothing), read back
 * by every rank after reopening and compared bit for bit with the closed-form values; unwritten
 * numbers read as NaN and unwritten statuses as pending. A second store made from the same inputs
 * by the same writes must have identical contents, read through the same functions. A resume
 * (writable open) then finishes task 1, and h5dump must parse the file. */
#include "test_store_common.h"

#include <unistd.h>

static pf_store_task tasks[TS_NTASKS];

/* Create the store and write: task 0 complete, task 1 one cycle and "running", task 2 nothing. */
static void make_store(MPI_Comm comm, const char *path) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_create(comm, path, 1, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash,
                             TS_NTASKS, tasks, "test_store_basic --flag", &st));
  if (!st) return;
  PF_TEST_EXPECT(pf_store_ntasks(st) == TS_NTASKS, "ntasks %d", pf_store_ntasks(st));
  if (0 % size == rank) PF_TEST_OK(ts_write_task(st, &tasks[0], 0, tasks[0].cycles, 1));
  if (1 % size == rank) {
    PF_TEST_OK(ts_write_task(st, &tasks[1], 1, 1, 0));
    PF_TEST_OK(pf_store_set_status(st, 1, PF_TASK_RUNNING, NULL, 0.0));
  }
  PF_TEST_OK(pf_store_close(&st));
  PF_TEST_EXPECT(st == NULL, "close did not null the handle");
}

static int all_nan(const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) return 0;
  return 1;
}

/* Task descriptions, sweep texts, and every number of the three tasks. */
static void check_store(MPI_Comm comm, const char *path) {
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(comm, path, 0, &st));
  if (!st) return;
  PF_TEST_EXPECT(pf_store_ntasks(st) == TS_NTASKS, "ntasks %d", pf_store_ntasks(st));
  char *text = NULL;
  PF_TEST_OK(pf_store_read_sweep_canonical(st, &text));
  PF_TEST_EXPECT(text && !strcmp(text, ts_sweep_canonical), "sweep canonical: \"%s\"",
                 text ? text : "(null)");
  free(text);
  text = NULL;
  PF_TEST_OK(pf_store_read_sweep_config(st, &text));
  PF_TEST_EXPECT(text && !strcmp(text, ts_sweep_config), "sweep config: \"%s\"",
                 text ? text : "(null)");
  free(text);

  for (int k = 0; k < TS_NTASKS; k++) {
    const pf_store_task *w = &tasks[k];
    pf_store_task d;
    PF_TEST_OK(pf_store_read_task(st, k, &d));
    PF_TEST_EXPECT(!strcmp(d.canonical, w->canonical), "task %d canonical \"%s\"", k, d.canonical);
    PF_TEST_EXPECT(d.hash == w->hash && d.seed == w->seed && d.cycles == w->cycles &&
                       d.nlayers == w->nlayers && d.nparams == w->nparams &&
                       d.final_points == w->final_points &&
                       d.drawn_per_cycle == w->drawn_per_cycle && d.pool_points == w->pool_points &&
                       d.z_points == w->z_points,
                   "task %d: description differs", k);
    PF_TEST_EXPECT(!strcmp(d.pde, w->pde) && !strcmp(d.method, w->method) &&
                       !strcmp(d.mode, w->mode),
                   "task %d names: %s %s %s", k, d.pde, d.method, d.mode);
    for (int l = 0; l <= w->nlayers && d.nlayers == w->nlayers; l++)
      PF_TEST_EXPECT(d.sizes[l] == w->sizes[l], "task %d layer %d: %d", k, l, d.sizes[l]);

    /* Task 0 complete, task 1 its first cycle, task 2 nothing. */
    const int cycles_written = k == 0 ? w->cycles : (k == 1 ? 1 : 0);
    const int complete = k == 0;
    pf_task_status s = PF_TASK_FAILED;
    char reason[64] = "x";
    PF_TEST_OK(pf_store_read_status(st, k, &s, reason, sizeof reason));
    pf_task_status want = k == 0 ? PF_TASK_DONE : (k == 1 ? PF_TASK_RUNNING : PF_TASK_PENDING);
    PF_TEST_EXPECT(s == want && reason[0] == '\0', "task %d status %d reason \"%s\"", k, (int)s,
                   reason);

    double *rows = malloc((size_t)w->cycles * PF_STORE_METRIC_COLUMNS * sizeof *rows);
    PF_TEST_OK(pf_store_read_metrics(st, k, rows));
    const size_t nw = (size_t)cycles_written * PF_STORE_METRIC_COLUMNS;
    ts_expect_values(rows, k, TS_METRICS, 0, nw, "metrics");
    PF_TEST_EXPECT(all_nan(rows + nw, (size_t)w->cycles * PF_STORE_METRIC_COLUMNS - nw),
                   "task %d: unwritten metrics are not NaN", k);
    free(rows);

    const size_t dp = w->drawn_per_cycle;
    double *x = malloc((dp ? dp : 1) * sizeof *x), *t = malloc((dp ? dp : 1) * sizeof *t);
    for (int c = 0; c < w->cycles; c++) {
      PF_TEST_OK(pf_store_read_drawn(st, k, c, x, t));
      if (c < cycles_written) {
        ts_expect_values(x, k, TS_DRAWN_X, (size_t)c * dp, dp, "drawn x");
        ts_expect_values(t, k, TS_DRAWN_T, (size_t)c * dp, dp, "drawn t");
      } else {
        PF_TEST_EXPECT(all_nan(x, dp) && all_nan(t, dp), "task %d: unwritten drawn not NaN", k);
      }
    }
    free(x);
    free(t);

    double *theta = malloc(w->nparams * sizeof *theta);
    PF_TEST_OK(pf_store_read_params(st, k, theta));
    if (complete)
      ts_expect_values(theta, k, TS_PARAMS, 0, w->nparams, "params");
    else
      PF_TEST_EXPECT(all_nan(theta, w->nparams), "task %d: unwritten params not NaN", k);
    free(theta);

    const size_t nf = w->final_points;
    double *fx = malloc(nf * sizeof *fx), *ft = malloc(nf * sizeof *ft);
    PF_TEST_OK(pf_store_read_final_points(st, k, fx, ft));
    if (complete) {
      ts_expect_values(fx, k, TS_FINAL_X, 0, nf, "final x");
      ts_expect_values(ft, k, TS_FINAL_T, 0, nf, "final t");
    } else {
      PF_TEST_EXPECT(all_nan(fx, nf) && all_nan(ft, nf), "task %d: final points not NaN", k);
    }
    free(fx);
    free(ft);

    if (w->pool_points) {
      const size_t np = w->pool_points, nz = w->z_points;
      double *px = malloc(np * sizeof *px), *pt = malloc(np * sizeof *pt);
      double *sc = malloc(np * sizeof *sc), *zx = malloc(nz * sizeof *zx);
      double *zt = malloc(nz * sizeof *zt);
      PF_TEST_OK(pf_store_read_pool(st, k, NULL, px, pt, sc, zx, zt));
      ts_expect_values(px, k, TS_POOL_X, 0, np, "pool x");
      ts_expect_values(pt, k, TS_POOL_T, 0, np, "pool t");
      ts_expect_values(sc, k, TS_SCORES, 0, np, "scores");
      ts_expect_values(zx, k, TS_Z_X, 0, nz, "z x");
      ts_expect_values(zt, k, TS_Z_T, 0, nz, "z t");
      free(px);
      free(pt);
      free(sc);
      free(zx);
      free(zt);
    } else {
      PF_TEST_OK(pf_store_read_pool(st, k, NULL, NULL, NULL, NULL, NULL, NULL));
    }
  }
  PF_TEST_OK(pf_store_close(&st));
}

static int same_bytes(const void *a, const void *b, size_t n, const char *what, int task) {
  int same = n == 0 || !memcmp(a, b, n);
  PF_TEST_EXPECT(same, "task %d: %s differs between the two stores", task, what);
  return same;
}

/* Everything the readers return, compared byte for byte (NaN payloads included). */
static void compare_stores(MPI_Comm comm, const char *pa, const char *pb) {
  pf_store *a = NULL, *b = NULL;
  PF_TEST_OK(pf_store_open(comm, pa, 0, &a));
  PF_TEST_OK(pf_store_open(comm, pb, 0, &b));
  if (!a || !b) goto done;
  char *ta = NULL, *tb = NULL;
  PF_TEST_OK(pf_store_read_sweep_config(a, &ta));
  PF_TEST_OK(pf_store_read_sweep_config(b, &tb));
  PF_TEST_EXPECT(ta && tb && !strcmp(ta, tb), "sweep config differs");
  free(ta);
  free(tb);
  PF_TEST_OK(pf_store_read_sweep_canonical(a, &ta));
  PF_TEST_OK(pf_store_read_sweep_canonical(b, &tb));
  PF_TEST_EXPECT(ta && tb && !strcmp(ta, tb), "sweep canonical differs");
  free(ta);
  free(tb);
  for (int k = 0; k < TS_NTASKS; k++) {
    pf_store_task da, db;
    PF_TEST_OK(pf_store_read_task(a, k, &da));
    PF_TEST_OK(pf_store_read_task(b, k, &db));
    PF_TEST_EXPECT(!strcmp(da.canonical, db.canonical) && da.hash == db.hash &&
                       !strcmp(da.pde, db.pde) && !strcmp(da.method, db.method) &&
                       !strcmp(da.mode, db.mode) && da.seed == db.seed && da.cycles == db.cycles &&
                       da.nlayers == db.nlayers &&
                       !memcmp(da.sizes, db.sizes, (size_t)(da.nlayers + 1) * sizeof(int)) &&
                       da.nparams == db.nparams && da.final_points == db.final_points &&
                       da.drawn_per_cycle == db.drawn_per_cycle &&
                       da.pool_points == db.pool_points && da.z_points == db.z_points,
                   "task %d: descriptions differ", k);
    pf_task_status sa, sb;
    char ra[PF_STORE_REASON_LEN], rb[PF_STORE_REASON_LEN];
    PF_TEST_OK(pf_store_read_status(a, k, &sa, ra, sizeof ra));
    PF_TEST_OK(pf_store_read_status(b, k, &sb, rb, sizeof rb));
    PF_TEST_EXPECT(sa == sb && !strcmp(ra, rb), "task %d: statuses differ", k);
    /* one buffer big enough for every array of the task */
    size_t n = (size_t)da.cycles * PF_STORE_METRIC_COLUMNS + da.nparams + 2 * da.final_points +
               2 * da.drawn_per_cycle + 3 * da.pool_points + 2 * da.z_points + 1;
    double *va = calloc(n, sizeof *va), *vb = calloc(n, sizeof *vb);
    PF_TEST_OK(pf_store_read_metrics(a, k, va));
    PF_TEST_OK(pf_store_read_metrics(b, k, vb));
    same_bytes(va, vb, (size_t)da.cycles * PF_STORE_METRIC_COLUMNS * sizeof *va, "metrics", k);
    PF_TEST_OK(pf_store_read_params(a, k, va));
    PF_TEST_OK(pf_store_read_params(b, k, vb));
    same_bytes(va, vb, da.nparams * sizeof *va, "params", k);
    PF_TEST_OK(pf_store_read_final_points(a, k, va, va + da.final_points));
    PF_TEST_OK(pf_store_read_final_points(b, k, vb, vb + da.final_points));
    same_bytes(va, vb, 2 * da.final_points * sizeof *va, "final points", k);
    for (int c = 0; c < da.cycles && da.drawn_per_cycle; c++) {
      PF_TEST_OK(pf_store_read_drawn(a, k, c, va, va + da.drawn_per_cycle));
      PF_TEST_OK(pf_store_read_drawn(b, k, c, vb, vb + da.drawn_per_cycle));
      same_bytes(va, vb, 2 * da.drawn_per_cycle * sizeof *va, "drawn points", k);
    }
    size_t p = da.pool_points, z = da.z_points;
    PF_TEST_OK(pf_store_read_pool(a, k, NULL, va, va + p, va + 2 * p, va + 3 * p, va + 3 * p + z));
    PF_TEST_OK(pf_store_read_pool(b, k, NULL, vb, vb + p, vb + 2 * p, vb + 3 * p, vb + 3 * p + z));
    same_bytes(va, vb, (3 * p + 2 * z) * sizeof *va, "pool", k);
    free(va);
    free(vb);
  }
done:
  PF_TEST_OK(pf_store_close(&a));
  PF_TEST_OK(pf_store_close(&b));
}

/* Reopen for writing (a resume), finish task 1 as failed with a reason, check it. */
static void resume_store(MPI_Comm comm, const char *path) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(comm, path, 1, &st));
  if (!st) return;
  if (rank == size - 1) {
    PF_TEST_OK(ts_write_task(st, &tasks[1], 1, tasks[1].cycles, 1));
    PF_TEST_OK(pf_store_set_status(st, 1, PF_TASK_FAILED, "non-finite loss in cycle 2", 3.25));
  }
  PF_TEST_OK(pf_store_close(&st));
  PF_TEST_OK(pf_store_open(comm, path, 0, &st));
  if (!st) return;
  pf_task_status s;
  char reason[PF_STORE_REASON_LEN], shortr[8];
  PF_TEST_OK(pf_store_read_status(st, 1, &s, reason, sizeof reason));
  PF_TEST_EXPECT(s == PF_TASK_FAILED && !strcmp(reason, "non-finite loss in cycle 2"),
                 "resumed task 1: status %d reason \"%s\"", (int)s, reason);
  PF_TEST_OK(pf_store_read_status(st, 1, &s, shortr, sizeof shortr));
  PF_TEST_EXPECT(!strcmp(shortr, "non-fin"), "truncated reason \"%s\"", shortr);
  double *rows = malloc((size_t)tasks[1].cycles * PF_STORE_METRIC_COLUMNS * sizeof *rows);
  PF_TEST_OK(pf_store_read_metrics(st, 1, rows));
  ts_expect_values(rows, 1, TS_METRICS, 0, (size_t)tasks[1].cycles * PF_STORE_METRIC_COLUMNS,
                   "resumed metrics");
  free(rows);
  PF_TEST_OK(pf_store_close(&st));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  ts_tasks(tasks);
  char pa[256], pb[256];
  ts_path(comm, "test_store_basic_a", pa, sizeof pa);
  ts_path(comm, "test_store_basic_b", pb, sizeof pb);

  make_store(comm, pa);
  make_store(comm, pb);
  check_store(comm, pa);
  compare_stores(comm, pa, pb);
  resume_store(comm, pa);

  if (rank == 0) {
    if (ts_have_h5dump()) {
      char cmd[600];
      snprintf(cmd, sizeof cmd, "h5dump -H %s > /dev/null", pa);
      PF_TEST_EXPECT(system(cmd) == 0, "h5dump -H %s failed", pa);
      snprintf(cmd, sizeof cmd, "h5dump -a /format %s | grep -q pinnfluence-results", pa);
      PF_TEST_EXPECT(system(cmd) == 0, "h5dump finds no format attribute in %s", pa);
    } else {
      fprintf(stderr, "test_store_basic: h5dump not on PATH, skipping the h5dump checks\n");
    }
  }
  int rc = ts_finish(comm, "test_store_basic");
  if (rank == 0 && rc == 0 && !getenv("PF_TEST_KEEP")) { /* PF_TEST_KEEP=1 keeps the files */
    unlink(pa);
    unlink(pb);
  }
  MPI_Finalize();
  return rc;
}
