/* The store round trip on 1 or 2 ranks: four tasks of different shapes, three of d = 2 inputs
 * (x, t) and one of d = 3 (x, y, t) with two outputs and two residual components, each written by
 * the rank task % size (tasks 0 and 3 complete, task 1 only its first cycle and running, task 2
 * nothing), read back by every rank after reopening and compared bit for bit with the closed-form
 * values; unwritten numbers read as NaN and unwritten statuses as pending; the problem's dim and
 * names come back. In the file (read with HDF5 itself) the point datasets have 3 columns, the
 * third NaN in the rows of the d = 2 tasks, /tasks/dim and the name datasets hold the problem,
 * and no "inputs" attribute names the columns (the tasks' inputs differ); a store of the d = 2
 * tasks alone has 2 columns and the attribute "x,t". A second store made from the same inputs by
 * the same writes must have identical contents, read through the same functions. A resume
 * (writable open) then finishes task 1, and h5dump must parse the file. */
#include "test_store_common.h"

#include <hdf5.h>
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
  if (3 % size == rank) PF_TEST_OK(ts_write_task(st, &tasks[3], 3, tasks[3].cycles, 1));
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
                       d.z_points == w->z_points && d.dim == w->dim,
                   "task %d: description differs", k);
    PF_TEST_EXPECT(!strcmp(d.inputs, w->inputs) && !strcmp(d.outputs, w->outputs) &&
                       !strcmp(d.components, w->components),
                   "task %d problem names: %s / %s / %s", k, d.inputs, d.outputs, d.components);
    PF_TEST_EXPECT(!strcmp(d.pde, w->pde) && !strcmp(d.method, w->method) &&
                       !strcmp(d.mode, w->mode),
                   "task %d names: %s %s %s", k, d.pde, d.method, d.mode);
    for (int l = 0; l <= w->nlayers && d.nlayers == w->nlayers; l++)
      PF_TEST_EXPECT(d.sizes[l] == w->sizes[l], "task %d layer %d: %d", k, l, d.sizes[l]);

    /* Tasks 0 and 3 complete, task 1 its first cycle, task 2 nothing. */
    const int complete = k == 0 || k == 3;
    const int cycles_written = complete ? w->cycles : (k == 1 ? 1 : 0);
    const size_t D = (size_t)w->dim;
    pf_task_status s = PF_TASK_FAILED;
    char reason[64] = "x";
    PF_TEST_OK(pf_store_read_status(st, k, &s, reason, sizeof reason));
    pf_task_status want = complete ? PF_TASK_DONE : (k == 1 ? PF_TASK_RUNNING : PF_TASK_PENDING);
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
    double *X = malloc((dp ? dp * D : 1) * sizeof *X);
    for (int c = 0; c < w->cycles; c++) {
      PF_TEST_OK(pf_store_read_drawn(st, k, c, X));
      if (c < cycles_written)
        ts_expect_values(X, k, TS_DRAWN, (size_t)c * dp * D, dp * D, "drawn");
      else
        PF_TEST_EXPECT(all_nan(X, dp * D), "task %d: unwritten drawn not NaN", k);
    }
    free(X);

    double *theta = malloc(w->nparams * sizeof *theta);
    PF_TEST_OK(pf_store_read_params(st, k, theta));
    if (complete)
      ts_expect_values(theta, k, TS_PARAMS, 0, w->nparams, "params");
    else
      PF_TEST_EXPECT(all_nan(theta, w->nparams), "task %d: unwritten params not NaN", k);
    free(theta);

    const size_t nf = w->final_points;
    double *fX = malloc(nf * D * sizeof *fX);
    PF_TEST_OK(pf_store_read_final_points(st, k, fX));
    if (complete)
      ts_expect_values(fX, k, TS_FINAL, 0, nf * D, "final points");
    else
      PF_TEST_EXPECT(all_nan(fX, nf * D), "task %d: final points not NaN", k);
    free(fX);

    if (w->pool_points) {
      const size_t np = w->pool_points, nz = w->z_points;
      double *pX = malloc(np * D * sizeof *pX), *sc = malloc(np * sizeof *sc);
      double *Z = malloc((nz ? nz * D : 1) * sizeof *Z);
      PF_TEST_OK(pf_store_read_pool(st, k, NULL, pX, sc, Z));
      ts_expect_values(pX, k, TS_POOL, 0, np * D, "pool");
      ts_expect_values(sc, k, TS_SCORES, 0, np, "scores");
      ts_expect_values(Z, k, TS_Z, 0, nz * D, "z");
      free(pX);
      free(sc);
      free(Z);
    } else {
      PF_TEST_OK(pf_store_read_pool(st, k, NULL, NULL, NULL, NULL));
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
    PF_TEST_EXPECT(
        !strcmp(da.canonical, db.canonical) && da.hash == db.hash && !strcmp(da.pde, db.pde) &&
            !strcmp(da.method, db.method) && !strcmp(da.mode, db.mode) && da.seed == db.seed &&
            da.cycles == db.cycles && da.nlayers == db.nlayers &&
            !memcmp(da.sizes, db.sizes, (size_t)(da.nlayers + 1) * sizeof(int)) &&
            da.nparams == db.nparams && da.final_points == db.final_points &&
            da.drawn_per_cycle == db.drawn_per_cycle && da.pool_points == db.pool_points &&
            da.z_points == db.z_points && da.dim == db.dim && !strcmp(da.inputs, db.inputs) &&
            !strcmp(da.outputs, db.outputs) && !strcmp(da.components, db.components),
        "task %d: descriptions differ", k);
    pf_task_status sa, sb;
    char ra[PF_STORE_REASON_LEN], rb[PF_STORE_REASON_LEN];
    PF_TEST_OK(pf_store_read_status(a, k, &sa, ra, sizeof ra));
    PF_TEST_OK(pf_store_read_status(b, k, &sb, rb, sizeof rb));
    PF_TEST_EXPECT(sa == sb && !strcmp(ra, rb), "task %d: statuses differ", k);
    /* one buffer big enough for every array of the task */
    const size_t D = (size_t)da.dim;
    size_t n = (size_t)da.cycles * PF_STORE_METRIC_COLUMNS + da.nparams + D * da.final_points +
               D * da.drawn_per_cycle + (D + 1) * da.pool_points + D * da.z_points + 1;
    double *va = calloc(n, sizeof *va), *vb = calloc(n, sizeof *vb);
    PF_TEST_OK(pf_store_read_metrics(a, k, va));
    PF_TEST_OK(pf_store_read_metrics(b, k, vb));
    same_bytes(va, vb, (size_t)da.cycles * PF_STORE_METRIC_COLUMNS * sizeof *va, "metrics", k);
    PF_TEST_OK(pf_store_read_params(a, k, va));
    PF_TEST_OK(pf_store_read_params(b, k, vb));
    same_bytes(va, vb, da.nparams * sizeof *va, "params", k);
    PF_TEST_OK(pf_store_read_final_points(a, k, va));
    PF_TEST_OK(pf_store_read_final_points(b, k, vb));
    same_bytes(va, vb, D * da.final_points * sizeof *va, "final points", k);
    for (int c = 0; c < da.cycles && da.drawn_per_cycle; c++) {
      PF_TEST_OK(pf_store_read_drawn(a, k, c, va));
      PF_TEST_OK(pf_store_read_drawn(b, k, c, vb));
      same_bytes(va, vb, D * da.drawn_per_cycle * sizeof *va, "drawn points", k);
    }
    size_t p = da.pool_points, z = da.z_points;
    PF_TEST_OK(pf_store_read_pool(a, k, NULL, va, va + D * p, va + (D + 1) * p));
    PF_TEST_OK(pf_store_read_pool(b, k, NULL, vb, vb + D * p, vb + (D + 1) * p));
    same_bytes(va, vb, ((D + 1) * p + D * z) * sizeof *va, "pool", k);
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

/* A whole dataset of doubles or int32 (serial HDF5, rank 0), its shape in dims; NULL on failure. */
static void *read_raw(hid_t f, const char *name, hid_t mtype, size_t esize, hsize_t dims[2]) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  if (d < 0) return NULL;
  hid_t sp = H5Dget_space(d);
  dims[0] = dims[1] = 1;
  const int nd = H5Sget_simple_extent_dims(sp, dims, NULL);
  void *buf = nd >= 1 ? malloc((size_t)(dims[0] * dims[1]) * esize + 1) : NULL;
  if (buf && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    free(buf);
    buf = NULL;
  }
  H5Sclose(sp);
  H5Dclose(d);
  return buf;
}

/* The "inputs" attribute of a dataset into buf ("" when it has none). */
static void inputs_attr(hid_t f, const char *name, char *buf, size_t len) {
  buf[0] = '\0';
  if (H5Aexists_by_name(f, name, "inputs", H5P_DEFAULT) <= 0) return;
  hid_t a = H5Aopen_by_name(f, name, "inputs", H5P_DEFAULT, H5P_DEFAULT);
  hid_t t = H5Aget_type(a);
  const size_t n = H5Tget_size(t);
  if (n < len) {
    memset(buf, 0, len);
    H5Aread(a, t, buf);
  }
  H5Tclose(t);
  H5Aclose(a);
}

/* Rank 0, the file as HDF5 sees it: D columns in every point dataset, NaN past each task's dim,
 * the written values in the task's columns, /tasks/dim and the name datasets, the attribute. */
static void check_raw(const char *path, int ntasks, hsize_t want_D, const char *want_inputs) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PF_TEST_EXPECT(f >= 0, "HDF5 cannot open %s", path);
  if (f < 0) return;
  static const char *const pts[] = {"/points/final", "/points/drawn", "/pool/points", "/pool/z"};
  for (int p = 0; p < 4; p++) {
    hsize_t dims[2];
    double *v = read_raw(f, pts[p], H5T_NATIVE_DOUBLE, sizeof(double), dims);
    PF_TEST_EXPECT(v && dims[1] == want_D, "%s: %llu columns, want %llu", pts[p],
                   (unsigned long long)dims[1], (unsigned long long)want_D);
    char attr[80];
    inputs_attr(f, pts[p], attr, sizeof attr);
    PF_TEST_EXPECT(!strcmp(attr, want_inputs), "%s: attribute inputs \"%s\", want \"%s\"", pts[p],
                   attr, want_inputs);
    free(v);
  }
  /* the final points of the complete tasks, row by row */
  hsize_t dims[2], ddims[2], ldims[2];
  double *fin = read_raw(f, "/points/final", H5T_NATIVE_DOUBLE, sizeof(double), dims);
  int32_t *dim = read_raw(f, "/tasks/dim", H5T_NATIVE_INT32, sizeof(int32_t), ddims);
  signed char *inputs = read_raw(f, "/tasks/inputs", H5T_NATIVE_SCHAR, 1, ldims);
  size_t row = 0;
  for (int k = 0; fin && dim && inputs && k < ntasks; k++) {
    const size_t d = (size_t)tasks[k].dim, D = (size_t)dims[1];
    PF_TEST_EXPECT(dim[k] == tasks[k].dim, "/tasks/dim[%d] = %d", k, (int)dim[k]);
    PF_TEST_EXPECT(ldims[1] == PF_STORE_NAMES_LEN &&
                       !strncmp((const char *)inputs + (size_t)k * ldims[1], tasks[k].inputs,
                                PF_STORE_NAMES_LEN),
                   "/tasks/inputs[%d]", k);
    const int complete = k == 0 || k == 3;
    for (size_t i = 0; i < tasks[k].final_points; i++, row++)
      for (size_t j = 0; j < D; j++) {
        const double got = fin[row * D + j], want = ts_value(k, TS_FINAL, i * d + j);
        if (j >= d)
          PF_TEST_EXPECT(isnan(got), "task %d final row %zu column %zu: %g, want NaN", k, i, j,
                         got);
        else if (complete)
          PF_TEST_EXPECT(!memcmp(&got, &want, sizeof got), "task %d final row %zu column %zu", k, i,
                         j);
      }
  }
  free(fin);
  free(dim);
  free(inputs);
  H5Fclose(f);
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
  if (rank == 0) check_raw(pa, TS_NTASKS, 3, "");
  MPI_Barrier(comm);
  resume_store(comm, pa);

  /* the d = 2 tasks alone: two columns, named by the attribute */
  char pc[256];
  ts_path(comm, "test_store_basic_c", pc, sizeof pc);
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_create(comm, pc, 1, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash,
                             TS_NTASKS - 1, tasks, "test_store_basic", &st));
  if (st && rank == 0) PF_TEST_OK(ts_write_task(st, &tasks[0], 0, tasks[0].cycles, 1));
  PF_TEST_OK(pf_store_close(&st));
  if (rank == 0) check_raw(pc, TS_NTASKS - 1, 2, "x,t");
  MPI_Barrier(comm);

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
    unlink(pc);
  }
  MPI_Finalize();
  return rc;
}
