/* Coefficients in the store (format 5), on 1 or 2 ranks: three tasks, one training its only
 * coefficient (nu, an inverse problem), one with two coefficients of which it trains the second,
 * one with two coefficients it does not train, and one of a problem without coefficients (NC = 2,
 * the largest count). Each task is written by the rank task % size: the coefficient rows of the
 * cycles it ran and two checkpoints (so both slots are used). Read back after reopening on every
 * rank and compared bit for bit with the closed-form values; in the file (HDF5 itself)
 * /tasks/trainable, /tasks/coef_true and /coefficients hold the values, NaN past each task's count
 * and for the task that trains none. A checkpoint round trip restores the coefficients; a task
 * that trains coefficients cannot checkpoint without them; a resume whose configuration marks
 * another coefficient trainable, or gives another true value, is refused; a damaged coefficient
 * in a checkpoint is refused; pf_store_copy_task (merge) carries the coefficient rows and the
 * checkpoint's coefficients. */
#include "test_store_common.h"

#include <hdf5.h>

#define NT 4

static const int sz2[] = {2, 6, 1};
static const int sz3[] = {3, 5, 2};
static pf_store_task tasks[NT];

static void make_tasks(void) {
  memset(tasks, 0, sizeof tasks);
  const char *names[NT] = {"nu", "a,b", "eps,beta", ""};
  const int ncoef[NT] = {1, 2, 2, 0};
  for (int i = 0; i < NT; i++) {
    const int *sz = i == 1 ? sz3 : sz2;
    tasks[i] = (pf_store_task){.canonical = i == 0   ? "pde = \"burgers_inverse\";\n"
                                            : i == 1 ? "pde = \"two\";\n"
                                            : i == 2 ? "pde = \"drift\";\n"
                                                     : "pde = \"none\";\n",
                               .hash = 0x1000ULL + (uint64_t)i,
                               .pde = "p",
                               .method = i == 3 ? "static" : "rar",
                               .mode = "add",
                               .seed = i + 1,
                               .cycles = 3 + i % 2,
                               .nlayers = 2,
                               .sizes = sz,
                               .nparams = ts_nparams(2, sz),
                               .final_points = 10,
                               .drawn_per_cycle = i == 3 ? 0 : 2,
                               .dim = sz[0],
                               .inputs = i == 1 ? "x,y,t" : "x,t",
                               .outputs = i == 1 ? "u,v" : "u",
                               .components = "r",
                               .ncoef = ncoef[i],
                               .coef_names = names[i]};
    for (int j = 0; j < ncoef[i]; j++)
      tasks[i].coef_true[j] = 0.01 / 3.141592653589793 * (j + 1) + i;
  }
  tasks[0].trainable[0] = 1;
  tasks[1].trainable[1] = 1;
}

static int trains(int i) {
  return i == 0 || i == 1;
}

/* Coefficient value after cycle c of task i (coefficient j). */
static double coef_at(int i, int c, int j) {
  return ts_value(i, 20 + j, (size_t)c);
}

/* Write what task i's run would: coefficient rows and two checkpoints (after cycles 1 and 2; the
 * second holds ck_coef). */
static void write_task(pf_store *st, int i) {
  const pf_store_task *d = &tasks[i];
  PF_TEST_OK(ts_write_task(st, d, i, d->cycles, 1));
  double v[PF_STORE_MAX_COEF];
  for (int c = 0; c < d->cycles && trains(i); c++) {
    for (int j = 0; j < d->ncoef; j++) v[j] = coef_at(i, c, j);
    PF_TEST_OK(pf_store_write_coef(st, i, c, d->ncoef, v));
  }
  double *theta = ts_values(i, TS_PARAMS, 0, d->nparams);
  double *X = ts_values(i, TS_FINAL, 0, d->final_points * (size_t)d->dim);
  for (int k = 1; k <= 2; k++) {
    pf_store_checkpoint ck = {.cycles_done = k, .ntrain = 4 + (size_t)k, .iterations = 10L * k};
    for (int j = 0; j < d->ncoef; j++) v[j] = coef_at(i, k - 1, j);
    PF_TEST_OK(pf_store_write_checkpoint(st, i, &ck, theta, X, trains(i) ? v : NULL));
  }
  free(theta);
  free(X);
}

static void check_read(pf_store *st) {
  for (int i = 0; i < NT; i++) {
    pf_store_task d;
    PF_TEST_OK(pf_store_read_task(st, i, &d));
    PF_TEST_EXPECT(d.ncoef == tasks[i].ncoef && !strcmp(d.coef_names, tasks[i].coef_names),
                   "task %d: %d coefficients \"%s\"", i, d.ncoef, d.coef_names);
    for (int j = 0; j < PF_STORE_MAX_COEF; j++) {
      PF_TEST_EXPECT(d.trainable[j] == (j < tasks[i].ncoef ? tasks[i].trainable[j] : 0),
                     "task %d trainable[%d] = %d", i, j, d.trainable[j]);
      if (j < tasks[i].ncoef)
        PF_TEST_EXPECT(!memcmp(&d.coef_true[j], &tasks[i].coef_true[j], sizeof(double)),
                       "task %d coef_true[%d] = %.17g", i, j, d.coef_true[j]);
      else
        PF_TEST_EXPECT(isnan(d.coef_true[j]), "task %d coef_true[%d] = %g past the count", i, j,
                       d.coef_true[j]);
    }
    double rows[8 * PF_STORE_MAX_COEF];
    PF_TEST_OK(pf_store_read_coef(st, i, rows));
    for (int c = 0; c < d.cycles; c++)
      for (int j = 0; j < d.ncoef; j++) {
        const double got = rows[c * d.ncoef + j], want = coef_at(i, c, j);
        if (trains(i))
          PF_TEST_EXPECT(!memcmp(&got, &want, sizeof got), "task %d cycle %d coef %d: %.17g", i, c,
                         j, got);
        else
          PF_TEST_EXPECT(isnan(got), "task %d trains none: cycle %d coef %d reads %g", i, c, j,
                         got);
      }
    /* the checkpoint: the second one, with its coefficients */
    pf_store_checkpoint ck;
    double *theta = calloc(d.nparams, sizeof *theta);
    double *X = calloc(d.final_points * (size_t)d.dim, sizeof *X);
    double cv[PF_STORE_MAX_COEF] = {-1, -1, -1, -1};
    PF_TEST_OK(pf_store_read_checkpoint(st, i, &ck, theta, X, cv));
    PF_TEST_EXPECT(ck.found && ck.cycles_done == 2 && ck.ntrain == 6 && ck.iterations == 20,
                   "task %d checkpoint %d %d %zu %ld", i, ck.found, ck.cycles_done, ck.ntrain,
                   ck.iterations);
    PF_TEST_EXPECT(ck.has_coef == trains(i), "task %d has_coef %d", i, ck.has_coef);
    ts_expect_values(theta, i, TS_PARAMS, 0, d.nparams, "checkpoint theta");
    for (int j = 0; j < d.ncoef && trains(i); j++) {
      const double want = coef_at(i, 1, j);
      PF_TEST_EXPECT(!memcmp(&cv[j], &want, sizeof want), "task %d checkpoint coef %d: %.17g", i, j,
                     cv[j]);
    }
    if (!trains(i))
      PF_TEST_EXPECT(cv[0] == -1, "task %d trains none: its checkpoint wrote coefficients", i);
    free(theta);
    free(X);
  }
}

/* The file as HDF5 sees it (rank 0). */
static void check_raw(const char *path) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PF_TEST_EXPECT(f >= 0, "cannot open %s", path);
  if (f < 0) return;
  int version = 0;
  hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
  H5Aread(a, H5T_NATIVE_INT, &version);
  H5Aclose(a);
  PF_TEST_EXPECT(version == 5, "format_version %d", version);
  signed char tr[NT][2];
  double truth[NT][2], co[NT][4][2];
  hid_t d = H5Dopen2(f, "/tasks/trainable", H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  hsize_t dims[3] = {0, 0, 0};
  H5Sget_simple_extent_dims(s, dims, NULL);
  PF_TEST_EXPECT(dims[0] == NT && dims[1] == 2, "/tasks/trainable is (%llu, %llu)",
                 (unsigned long long)dims[0], (unsigned long long)dims[1]);
  PF_TEST_EXPECT(H5Dread(d, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, tr) >= 0,
                 "read /tasks/trainable");
  H5Sclose(s);
  H5Dclose(d);
  d = H5Dopen2(f, "/tasks/coef_true", H5P_DEFAULT);
  PF_TEST_EXPECT(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, truth) >= 0,
                 "read /tasks/coef_true");
  H5Dclose(d);
  d = H5Dopen2(f, "/coefficients", H5P_DEFAULT);
  s = H5Dget_space(d);
  H5Sget_simple_extent_dims(s, dims, NULL);
  PF_TEST_EXPECT(dims[0] == NT && dims[1] == 4 && dims[2] == 2,
                 "/coefficients is (%llu, %llu, %llu)", (unsigned long long)dims[0],
                 (unsigned long long)dims[1], (unsigned long long)dims[2]);
  PF_TEST_EXPECT(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, co) >= 0,
                 "read /coefficients");
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  const signed char want_tr[NT][2] = {{1, 0}, {0, 1}, {0, 0}, {0, 0}};
  for (int i = 0; i < NT; i++)
    for (int j = 0; j < 2; j++) {
      PF_TEST_EXPECT(tr[i][j] == want_tr[i][j], "file: trainable[%d][%d] = %d", i, j, tr[i][j]);
      if (j < tasks[i].ncoef)
        PF_TEST_EXPECT(truth[i][j] == tasks[i].coef_true[j], "file: coef_true[%d][%d] = %g", i, j,
                       truth[i][j]);
      else
        PF_TEST_EXPECT(isnan(truth[i][j]), "file: coef_true[%d][%d] = %g, not NaN", i, j,
                       truth[i][j]);
      for (int c = 0; c < 4; c++) {
        const int written = trains(i) && j < tasks[i].ncoef && c < tasks[i].cycles;
        PF_TEST_EXPECT(written ? co[i][c][j] == coef_at(i, c, j) : isnan(co[i][c][j]),
                       "file: coefficients[%d][%d][%d] = %g", i, c, j, co[i][c][j]);
      }
    }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  make_tasks();
  char pa[256], pb[256];
  ts_path(comm, "test_store_coef_a", pa, sizeof pa);
  ts_path(comm, "test_store_coef_b", pb, sizeof pb);

  pf_store *st = NULL;
  PF_TEST_OK(pf_store_create(comm, pa, 1, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash, NT,
                             tasks, "test_store_coef", &st));
  if (st) {
    for (int i = 0; i < NT; i++)
      if (i % size == rank) write_task(st, i);
    /* a task that trains coefficients cannot checkpoint without them; a row of the wrong count */
    if (rank == 0) {
      pf_store_checkpoint ck = {.cycles_done = 1, .ntrain = 1, .iterations = 0};
      double theta[64] = {0}, X[64] = {0}, v[2] = {1, 2};
      pf_error_set_quiet(1);
      PF_TEST_EXPECT(pf_store_write_checkpoint(st, 0, &ck, theta, X, NULL) == PF_ERR_ARG,
                     "a checkpoint of a trained task without coefficients was accepted");
      PF_TEST_EXPECT(pf_store_write_coef(st, 0, 0, 2, v) == PF_ERR_ARG,
                     "two coefficient values for a task of one were accepted");
      PF_TEST_EXPECT(pf_store_write_coef(st, 0, 7, 1, v) == PF_ERR_ARG,
                     "a coefficient row past the task's cycles was accepted");
      pf_error_set_quiet(0);
    }
  }
  PF_TEST_OK(pf_store_close(&st));

  PF_TEST_OK(pf_store_open(comm, pa, 0, &st));
  if (st) check_read(st);
  PF_TEST_OK(pf_store_close(&st));
  if (rank == 0) check_raw(pa);
  MPI_Barrier(comm);

  /* a resume whose configuration trains another coefficient, or gives another true value */
  PF_TEST_OK(pf_store_open(comm, pa, 1, &st));
  if (st) {
    pf_store_task other[NT];
    memcpy(other, tasks, sizeof other);
    other[2].trainable[0] = 1;
    pf_error_set_quiet(1);
    PF_TEST_EXPECT(pf_store_check_tasks(st, NT, other) == PF_ERR_IO,
                   "a resume that trains another coefficient was accepted");
    memcpy(other, tasks, sizeof other);
    other[0].coef_true[0] = nextafter(other[0].coef_true[0], 1.0);
    PF_TEST_EXPECT(pf_store_check_tasks(st, NT, other) == PF_ERR_IO,
                   "a resume with another true value was accepted");
    pf_error_set_quiet(0);
    PF_TEST_OK(pf_store_check_tasks(st, NT, tasks));
  }
  PF_TEST_OK(pf_store_close(&st));

  /* merge: a store of the same sweep with nothing written receives task 0 and 1 */
  pf_store *dst = NULL, *src = NULL;
  PF_TEST_OK(pf_store_create(comm, pb, 1, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash, NT,
                             tasks, "test_store_coef", &dst));
  PF_TEST_OK(pf_store_open(comm, pa, 0, &src));
  if (dst && src && rank == 0)
    for (int i = 0; i < NT; i++) PF_TEST_OK(pf_store_copy_task(dst, src, i));
  PF_TEST_OK(pf_store_close(&src));
  PF_TEST_OK(pf_store_close(&dst));
  PF_TEST_OK(pf_store_open(comm, pb, 0, &st));
  if (st) check_read(st);
  PF_TEST_OK(pf_store_close(&st));
  MPI_Barrier(comm);

  /* a damaged coefficient in task 0's checkpoint (slot 1: the second checkpoint) is refused */
  if (rank == 0) {
    hid_t f = H5Fopen(pa, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/checkpoint/coef", H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    hsize_t start[3] = {0, 1, 0}, count[3] = {1, 1, 1};
    H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t m = H5Screate_simple(3, count, NULL);
    const double nan = NAN;
    PF_TEST_EXPECT(H5Dwrite(d, H5T_NATIVE_DOUBLE, m, s, H5P_DEFAULT, &nan) >= 0, "cannot damage %s",
                   pa);
    H5Sclose(m);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
  }
  MPI_Barrier(comm);
  PF_TEST_OK(pf_store_open(comm, pa, 0, &st));
  if (st && rank == 0) {
    pf_store_checkpoint ck;
    double theta[64], X[64], cv[PF_STORE_MAX_COEF];
    pf_error_set_quiet(1);
    PF_TEST_EXPECT(pf_store_read_checkpoint(st, 0, &ck, theta, X, cv) == PF_ERR_IO,
                   "a checkpoint with a NaN coefficient was accepted");
    pf_error_set_quiet(0);
  }
  PF_TEST_OK(pf_store_close(&st));
  int rc = ts_finish(comm, "test_store_coef");
  if (rank == 0 && rc == 0 && !getenv("PF_TEST_KEEP")) { /* PF_TEST_KEEP=1 keeps the files */
    remove(pa);
    remove(pb);
  }
  MPI_Finalize();
  return rc;
}
