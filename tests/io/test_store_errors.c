/* Bad inputs to the store give the right error code on every rank, and rank 0's message names the
 * file: opening a missing file, a text file, an HDF5 file that is not a store (this test links
 * HDF5 itself only to fabricate such files), a store of a newer format version and one of format
 * versions 2 and 4 (the message names the version, the build that wrote it, the commit that reads
 * it and what to do); creating over an existing file without overwrite (which must leave it
 * untouched) and in a missing directory; task descriptions that are invalid (among them the
 * problem's dim and names) or differ between ranks; a resume whose configuration gives other
 * problem names; writes that do not fit the store. */
#include "test_store_common.h"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

static int rank = 0, nranks = 1;
static char captured[8192];

/* Run call with stderr redirected to a per-rank file; the text lands in `captured`. */
#define CAPTURE(rc, call)                                                                          \
  do {                                                                                             \
    char cap_[64];                                                                                 \
    snprintf(cap_, sizeof cap_, "test_store_errors_stderr_%d.txt", rank);                          \
    fflush(stderr);                                                                                \
    int saved_ = dup(2), fd_ = open(cap_, O_CREAT | O_TRUNC | O_WRONLY, 0644);                     \
    dup2(fd_, 2);                                                                                  \
    close(fd_);                                                                                    \
    (rc) = (call);                                                                                 \
    fflush(stderr);                                                                                \
    dup2(saved_, 2);                                                                               \
    close(saved_);                                                                                 \
    FILE *f_ = fopen(cap_, "r");                                                                   \
    size_t n_ = f_ ? fread(captured, 1, sizeof captured - 1, f_) : 0;                              \
    captured[n_] = '\0';                                                                           \
    if (f_) fclose(f_);                                                                            \
    unlink(cap_);                                                                                  \
  } while (0)

/* rc must be `want` on this rank; on rank 0 the message must contain each of the words. */
static void expect_error(int rc, int want, const char *what, const char *w1, const char *w2) {
  PF_TEST_EXPECT(rc == want, "%s: returned %d, want %d", what, rc, want);
  if (rank != 0) return;
  if (getenv("PF_TEST_VERBOSE")) fprintf(stderr, "--- %s:\n%s", what, captured);
  PF_TEST_EXPECT(!w1 || strstr(captured, w1), "%s: message lacks \"%s\":\n%s", what, w1, captured);
  PF_TEST_EXPECT(!w2 || strstr(captured, w2), "%s: message lacks \"%s\":\n%s", what, w2, captured);
}

/* Rank 0 writes an HDF5 file with one dataset and, if format != NULL, the store's root
 * attributes with the given format_version. */
static void write_foreign_hdf5(const char *path, const char *format, int version) {
  if (rank != 0) return;
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t n = 4;
  hid_t sp = H5Screate_simple(1, &n, NULL);
  hid_t d = H5Dcreate2(f, "/data", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (format) {
    hid_t s1 = H5Screate(H5S_SCALAR), ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, strlen(format));
    hid_t a = H5Acreate2(f, "format", ty, s1, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, ty, format);
    H5Aclose(a);
    a = H5Acreate2(f, "format_version", H5T_STD_I32LE, s1, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, &version);
    H5Aclose(a);
    /* the provenance an older pinnfluence wrote (with a terminal escape a message must not pass) */
    const char *prov[2][2] = {{"program_version", "0.1.0"}, {"git_commit", "e4bf1b7\x1b[2J"}};
    for (int i = 0; i < 2; i++) {
      H5Tset_size(ty, strlen(prov[i][1]));
      a = H5Acreate2(f, prov[i][0], ty, s1, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(a, ty, prov[i][1]);
      H5Aclose(a);
    }
    H5Tclose(ty);
    H5Sclose(s1);
  }
  H5Dclose(d);
  H5Sclose(sp);
  PF_TEST_EXPECT(H5Fclose(f) >= 0, "cannot write %s", path);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &nranks);
  pf_store_task tasks[TS_NTASKS];
  ts_tasks(tasks);
  char missing[256], text[256], plain[256], future[256], store[256], old[256];
  ts_path(comm, "test_store_errors_missing", missing, sizeof missing);
  ts_path(comm, "test_store_errors_text", text, sizeof text);
  ts_path(comm, "test_store_errors_plain", plain, sizeof plain);
  ts_path(comm, "test_store_errors_future", future, sizeof future);
  ts_path(comm, "test_store_errors_store", store, sizeof store);
  ts_path(comm, "test_store_errors_old", old, sizeof old);
  if (rank == 0) {
    unlink(missing);
    FILE *f = fopen(text, "w");
    fputs("this is not an HDF5 file\n", f);
    fclose(f);
  }
  write_foreign_hdf5(plain, NULL, 0);
  write_foreign_hdf5(future, "pinnfluence-results", 99);
  MPI_Barrier(comm);

  pf_store *st = NULL;
  int rc;
  CAPTURE(rc, pf_store_open(comm, missing, 0, &st));
  expect_error(rc, PF_ERR_IO, "open a missing file", missing, "No such file");
  CAPTURE(rc, pf_store_open(comm, text, 0, &st));
  expect_error(rc, PF_ERR_IO, "open a text file", text, "not an HDF5 file");
  CAPTURE(rc, pf_store_open(comm, plain, 1, &st));
  expect_error(rc, PF_ERR_IO, "open an HDF5 file without format", plain, "\"format\"");
  CAPTURE(rc, pf_store_open(comm, future, 0, &st));
  expect_error(rc, PF_ERR_IO, "open format version 99", future, "version 99");
  if (rank == 0)
    PF_TEST_EXPECT(!strchr(captured, '\x1b'), "the message passed an escape byte:\n%s", captured);
  PF_TEST_EXPECT(st == NULL, "a failed open left a handle");

  /* stores of format versions 2 and 4 (a real store whose version attribute says 2, as the
   * builds before the general problem description wrote it, or 4, as those before trained
   * coefficients): refused, naming the file, its version, the build that wrote it, the commit
   * that reads it, and what to do; also for a resume */
  static const struct {
    int version;
    const char *commit;
  } olds[] = {{2, "e4bf1b7"}, {4, "758068c"}};
  for (size_t v = 0; v < sizeof olds / sizeof *olds; v++) {
    PF_TEST_OK(pf_store_create(comm, old, 1, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash,
                               TS_NTASKS, tasks, "", &st));
    PF_TEST_OK(pf_store_close(&st));
    if (rank == 0) {
      hid_t f = H5Fopen(old, H5F_ACC_RDWR, H5P_DEFAULT);
      hid_t a = f >= 0 ? H5Aopen(f, "format_version", H5P_DEFAULT) : H5I_INVALID_HID;
      PF_TEST_EXPECT(a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &olds[v].version) >= 0,
                     "cannot rewrite %s", old);
      if (a >= 0) H5Aclose(a);
      if (f >= 0) H5Fclose(f);
    }
    MPI_Barrier(comm);
    char want[96], checkout[64];
    snprintf(want, sizeof want, "store format version %d, written by pinnfluence", olds[v].version);
    snprintf(checkout, sizeof checkout, "git checkout %s", olds[v].commit);
    for (int writable = 0; writable < 2; writable++) {
      CAPTURE(rc, pf_store_open(comm, old, writable, &st));
      expect_error(rc, PF_ERR_IO, writable ? "resume an old store" : "open an old store", old,
                   want);
      if (rank == 0)
        PF_TEST_EXPECT(
            strstr(captured, "reads format version 5 only") && strstr(captured, checkout) &&
                strstr(captured, "run its configuration again"),
            "the format-%d message does not say what to do:\n%s", olds[v].version, captured);
      PF_TEST_EXPECT(st == NULL, "a failed open left a handle");
    }
  }

  /* create over an existing file: refused, and the file keeps its contents */
  CAPTURE(rc, pf_store_create(comm, text, 0, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash,
                              TS_NTASKS, tasks, "", &st));
  expect_error(rc, PF_ERR_IO, "create over an existing file", text, "exists");
  if (rank == 0) {
    char line[64] = "";
    FILE *f = fopen(text, "r");
    PF_TEST_EXPECT(f && fgets(line, sizeof line, f) && !strcmp(line, "this is not an HDF5 file\n"),
                   "the refused create changed %s", text);
    if (f) fclose(f);
  }
  CAPTURE(rc, pf_store_create(comm, "no_such_directory/x.h5", 0, ts_sweep_config,
                              ts_sweep_canonical, ts_sweep_hash, TS_NTASKS, tasks, "", &st));
  expect_error(rc, PF_ERR_IO, "create in a missing directory", "no_such_directory/x.h5", NULL);

  /* invalid descriptions; descriptions that differ between ranks */
  pf_store_task bad[TS_NTASKS];
  memcpy(bad, tasks, sizeof bad);
  bad[1].nlayers = PF_STORE_MAX_LAYERS;
  CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
  expect_error(rc, PF_ERR_ARG, "too many layers", store, "nlayers");
  memcpy(bad, tasks, sizeof bad);
  bad[2].pde = "a_problem_name_longer_than_32_chars";
  CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
  expect_error(rc, PF_ERR_ARG, "long name", store, "at most 32");
  /* the problem: dim, names and the network's ends must agree, names must be names */
  memcpy(bad, tasks, sizeof bad);
  bad[3].dim = 5;
  CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
  expect_error(rc, PF_ERR_ARG, "dim 5", store, "dim = 5 must be 1..4");
  memcpy(bad, tasks, sizeof bad);
  bad[3].dim = 2;
  CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
  expect_error(rc, PF_ERR_ARG, "dim 2 with inputs x,y,t", store, "they must agree");
  memcpy(bad, tasks, sizeof bad);
  bad[3].outputs = "u";
  CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
  expect_error(rc, PF_ERR_ARG, "one output for a network of two", store, "they must agree");
  const char *bad_names[] = {"x,,t", "x,t,", "", "x t", "x,y,z,s,t"};
  for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
    memcpy(bad, tasks, sizeof bad);
    bad[0].inputs = bad_names[i];
    CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
    expect_error(rc, PF_ERR_ARG, bad_names[i], store, "comma-separated names");
  }
  memcpy(bad, tasks, sizeof bad);
  bad[1].components = NULL;
  CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
  expect_error(rc, PF_ERR_ARG, "no component names", store, "components");
  if (nranks > 1) {
    memcpy(bad, tasks, sizeof bad);
    if (rank == 1) bad[0].final_points++;
    CAPTURE(rc, pf_store_create(comm, store, 1, NULL, NULL, 0, TS_NTASKS, bad, NULL, &st));
    PF_TEST_EXPECT(rc == PF_ERR_ARG, "descriptions differing between ranks: returned %d", rc);
  }
  PF_TEST_EXPECT(st == NULL, "a failed create left a handle");

  /* overwrite works; writes that do not fit are refused; a read-only store refuses writes */
  PF_TEST_OK(pf_store_create(comm, text, 1, NULL, NULL, 0, TS_NTASKS, tasks, NULL, &st));
  if (st) {
    double row[PF_STORE_METRIC_COLUMNS] = {0}, X[128] = {0};
    CAPTURE(rc, pf_store_write_metrics(st, 1, tasks[1].cycles, row));
    expect_error(rc, PF_ERR_ARG, "cycle out of range", text, "cycle");
    CAPTURE(rc, pf_store_write_final_points(st, 0, tasks[0].final_points + 1, X));
    expect_error(rc, PF_ERR_ARG, "wrong final point count", text, "final points");
    CAPTURE(rc, pf_store_write_drawn(st, 0, 0, tasks[0].drawn_per_cycle - 1, X));
    expect_error(rc, PF_ERR_ARG, "wrong drawn count", text, "drawn");
    CAPTURE(rc, pf_store_set_status(st, TS_NTASKS, PF_TASK_DONE, NULL, 0));
    expect_error(rc, PF_ERR_ARG, "task out of range", text, "out of range");
    PF_TEST_OK(pf_store_close(&st));
  }
  PF_TEST_OK(pf_store_open(comm, text, 0, &st));
  if (st) {
    double row[PF_STORE_METRIC_COLUMNS] = {0};
    CAPTURE(rc, pf_store_write_metrics(st, 0, 0, row));
    expect_error(rc, PF_ERR_ARG, "write to a read-only store", text, "read-only");
    PF_TEST_OK(pf_store_close(&st));
  }
  /* a resume whose configuration describes another problem (names, dim) is refused */
  PF_TEST_OK(pf_store_open(comm, text, 1, &st));
  if (st) {
    PF_TEST_OK(pf_store_check_tasks(st, TS_NTASKS, tasks));
    memcpy(bad, tasks, sizeof bad);
    bad[3].inputs = "x,z,t";
    CAPTURE(rc, pf_store_check_tasks(st, TS_NTASKS, bad));
    expect_error(rc, PF_ERR_IO, "other input names", "/tasks/inputs, task 3", "\"x,z,t\"");
    memcpy(bad, tasks, sizeof bad);
    bad[3].components = "r";
    CAPTURE(rc, pf_store_check_tasks(st, TS_NTASKS, bad));
    expect_error(rc, PF_ERR_IO, "other component names", "/tasks/components, task 3", text);
    memcpy(bad, tasks, sizeof bad);
    bad[0].dim = 3;
    CAPTURE(rc, pf_store_check_tasks(st, TS_NTASKS, bad));
    expect_error(rc, PF_ERR_IO, "another dim", "/tasks/dim, task 0", text);
    PF_TEST_OK(pf_store_close(&st));
  }
  PF_TEST_OK(pf_store_close(&st)); /* NULL is accepted */

  rc = ts_finish(comm, "test_store_errors");
  if (rank == 0 && rc == 0 && !getenv("PF_TEST_KEEP")) {
    unlink(text);
    unlink(plain);
    unlink(future);
    unlink(store);
    unlink(old);
  }
  MPI_Finalize();
  return rc;
}
