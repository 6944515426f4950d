/* A writer killed with SIGKILL leaves a store that opens. Before MPI starts, the test forks a
 * child that creates a store (MPI singleton), writes task 0 completely, tells the parent through a
 * pipe, and then rewrites task 1's rows in an endless loop, never closing the file (telling the
 * parent after the first round). The parent opens the store read-only while the child writes,
 * reads task 0 back exactly, kills the child in the loop, opens the store again, finds task 0
 * intact, each metrics row of task 1 either unwritten (NaN) or exact, the statuses as written, and
 * h5dump -H must parse the file. Finally the file is opened for writing, as a resume would, and the
 * missing task is written. */
#include "test_store_common.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *path = "test_store_kill.h5";

static pf_store_task tasks[TS_NTASKS];

/* The child: no return. Exits 2 on any failure before the parent is told to go on. */
static void child(int fd) {
  /* A singleton needs no shared-memory transport; avoids leaving segments behind when killed. */
  setenv("OMPI_MCA_btl", "self", 1);
  MPI_Init(NULL, NULL);
  pf_store *st = NULL;
  /* tasks 1 and 2 store no pool: /pool/z then has rows of task 0 only */
  if (pf_store_create(MPI_COMM_SELF, path, 1, ts_sweep_config, ts_sweep_canonical, ts_sweep_hash,
                      TS_NTASKS, tasks, "test_store_kill child", &st) ||
      ts_write_task(st, &tasks[0], 0, tasks[0].cycles, 1) ||
      pf_store_set_status(st, 1, PF_TASK_RUNNING, NULL, 0.0))
    _exit(2);
  if (write(fd, "1", 1) != 1) _exit(2);
  /* Rewrite task 1 (same values) until killed: the kill lands in the middle of writes. After the
   * first rewrite the parent is told that the loop runs (no sleeping on its side). */
  for (long k = 0;; k++) {
    if (ts_write_task(st, &tasks[1], 1, tasks[1].cycles, 0)) _exit(3);
    if (k == 0 && write(fd, "2", 1) != 1) _exit(2);
  }
}

/* Task 0 exact and done; task 1 running with rows NaN or exact; task 2 pending and NaN. */
static void check(const char *when) {
  pf_store *st = NULL;
  PF_TEST_OK(pf_store_open(MPI_COMM_SELF, path, 0, &st));
  if (!st) {
    PF_TEST_EXPECT(0, "%s: cannot open %s", when, path);
    return;
  }
  pf_task_status s[TS_NTASKS];
  for (int k = 0; k < TS_NTASKS; k++) PF_TEST_OK(pf_store_read_status(st, k, &s[k], NULL, 0));
  PF_TEST_EXPECT(s[0] == PF_TASK_DONE && s[1] == PF_TASK_RUNNING && s[2] == PF_TASK_PENDING,
                 "%s: statuses %d %d %d", when, (int)s[0], (int)s[1], (int)s[2]);
  const pf_store_task *d = &tasks[0];
  double *rows = malloc((size_t)d->cycles * PF_STORE_METRIC_COLUMNS * sizeof *rows);
  double *theta = malloc(d->nparams * sizeof *theta);
  const size_t nf = d->final_points * (size_t)d->dim;
  double *fX = malloc(nf * sizeof *fX);
  PF_TEST_OK(pf_store_read_metrics(st, 0, rows));
  PF_TEST_OK(pf_store_read_params(st, 0, theta));
  PF_TEST_OK(pf_store_read_final_points(st, 0, fX));
  ts_expect_values(rows, 0, TS_METRICS, 0, (size_t)d->cycles * PF_STORE_METRIC_COLUMNS, when);
  ts_expect_values(theta, 0, TS_PARAMS, 0, d->nparams, when);
  ts_expect_values(fX, 0, TS_FINAL, 0, nf, when);
  free(rows);
  free(theta);
  free(fX);

  d = &tasks[1];
  rows = malloc((size_t)d->cycles * PF_STORE_METRIC_COLUMNS * sizeof *rows);
  PF_TEST_OK(pf_store_read_metrics(st, 1, rows));
  int written = 0;
  for (int c = 0; c < d->cycles; c++) {
    const double *r = rows + (size_t)c * PF_STORE_METRIC_COLUMNS;
    int nan = 1;
    for (int j = 0; j < PF_STORE_METRIC_COLUMNS; j++) nan = nan && isnan(r[j]);
    if (!nan) {
      written++;
      ts_expect_values(r, 1, TS_METRICS, (size_t)c * PF_STORE_METRIC_COLUMNS,
                       PF_STORE_METRIC_COLUMNS, when);
    }
  }
  fprintf(stderr, "test_store_kill: %s: task 1 has %d of %d metrics rows\n", when, written,
          d->cycles);
  free(rows);
  theta = malloc(tasks[2].nparams * sizeof *theta);
  PF_TEST_OK(pf_store_read_params(st, 2, theta));
  for (size_t i = 0; i < tasks[2].nparams; i++)
    PF_TEST_EXPECT(isnan(theta[i]), "%s: task 2 param %zu = %g, want NaN", when, i, theta[i]);
  free(theta);
  PF_TEST_OK(pf_store_close(&st));
}

int main(int argc, char **argv) {
  ts_tasks(tasks);
  unlink(path);
  int fds[2];
  if (pipe(fds) != 0) {
    perror("pipe");
    return 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    close(fds[0]);
    child(fds[1]);
  }
  close(fds[1]);
  char go = 0;
  ssize_t got = read(fds[0], &go, 1); /* 0 bytes: the child died before it was ready */

  MPI_Init(&argc, &argv);
  PF_TEST_EXPECT(got == 1, "the child failed before writing task 0");
  if (got == 1) check("while the writer runs");
  /* the child is in its rewrite loop once it says "2" */
  if (got == 1) got = read(fds[0], &go, 1);
  close(fds[0]);
  PF_TEST_EXPECT(got == 1 && go == '2', "the child did not enter its rewrite loop");
  int status = 0, alive = waitpid(pid, &status, WNOHANG) == 0;
  PF_TEST_EXPECT(alive, "the child exited on its own (status %d)", status);
  kill(pid, SIGKILL);
  if (alive) waitpid(pid, &status, 0);
  PF_TEST_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
  if (got == 1) {
    check("after SIGKILL");
    if (ts_have_h5dump()) {
      char cmd[256];
      snprintf(cmd, sizeof cmd, "h5dump -H %s > /dev/null", path);
      PF_TEST_EXPECT(system(cmd) == 0, "h5dump -H %s failed on the killed writer's file", path);
    } else {
      fprintf(stderr, "test_store_kill: h5dump not on PATH, skipping the h5dump check\n");
    }
    /* a resume: the killed writer's file opens for writing and takes the missing task */
    pf_store *st = NULL;
    PF_TEST_OK(pf_store_open(MPI_COMM_SELF, path, 1, &st));
    if (st) PF_TEST_OK(ts_write_task(st, &tasks[2], 2, tasks[2].cycles, 1));
    PF_TEST_OK(pf_store_close(&st));
    PF_TEST_OK(pf_store_open(MPI_COMM_SELF, path, 0, &st));
    if (st) {
      pf_task_status s2 = PF_TASK_PENDING;
      double *theta = malloc(tasks[2].nparams * sizeof *theta);
      PF_TEST_OK(pf_store_read_status(st, 2, &s2, NULL, 0));
      PF_TEST_OK(pf_store_read_params(st, 2, theta));
      PF_TEST_EXPECT(s2 == PF_TASK_DONE, "resumed task 2: status %d", (int)s2);
      ts_expect_values(theta, 2, TS_PARAMS, 0, tasks[2].nparams, "resumed params");
      free(theta);
    }
    PF_TEST_OK(pf_store_close(&st));
  }
  int rc = pf_test_report("test_store_kill");
  if (rc == 0 && !getenv("PF_TEST_KEEP")) unlink(path);
  MPI_Finalize();
  return rc;
}
