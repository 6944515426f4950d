/* Raw-data reads and writes of the results store. None is collective: the group that ran a task
 * writes that task's rows with independent MPI-IO transfers, into storage allocated when the store
 * was created, so no write changes HDF5 metadata and the file stays valid if the writer dies.
 * Points are (n, d) point-major rows with the task's d in the API and rows of D (the largest d of
 * the store's tasks) in the file. */
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pf_store_check_task(const pf_store *st, int task) {
  PF_CHECK(st != NULL, PF_ERR_ARG, "store is NULL");
  PF_CHECK(task >= 0 && task < st->ntasks, PF_ERR_ARG, "%s: task %d out of range 0..%d", st->path,
           task, st->ntasks - 1);
  return PF_OK;
}

static int pf_store_check_write(const pf_store *st, int task) {
  PF_CALL(pf_store_check_task(st, task));
  PF_CHECK(st->writable, PF_ERR_ARG, "%s: store opened read-only", st->path);
  return PF_OK;
}

static uint64_t pf_idx(const pf_store *st, int task, pf_store_idx k) {
  return st->idx[(size_t)task * PF_IDX_COUNT + (size_t)k];
}

/* Write n points X (n, d) of task as rows first.. of a (rows, D) dataset; the columns past the
 * task's d are NaN (padded in a scratch buffer, so the file sees one contiguous write). */
static int pf_store_write_points(pf_store *st, pf_store_ds ds, int task, uint64_t first, size_t n,
                                 const double *X) {
  if (n == 0) return PF_OK;
  PF_CHECK(X != NULL, PF_ERR_ARG, "%s: %s: task %d: the points are NULL", st->path,
           pf_store_datasets[ds].path, task);
  const size_t d = (size_t)st->dim[task], D = (size_t)st->max_dim;
  hsize_t start[2] = {first, 0}, count[2] = {n, D};
  if (d == D) return pf_store_rw(st, ds, 1, start, count, (void *)X);
  double *rows = NULL; /* (n, D) */
  PF_CALL(PF_CALLOC(n * D, &rows));
  for (size_t i = 0; i < n; i++) {
    memcpy(rows + i * D, X + i * d, d * sizeof *rows);
    for (size_t j = d; j < D; j++) rows[i * D + j] = NAN;
  }
  int rc = pf_store_rw(st, ds, 1, start, count, rows);
  PF_FREE(&rows);
  return rc;
}

/* Read n points X (n, d) of task from rows first.. of a (rows, D) dataset. */
static int pf_store_read_points(pf_store *st, pf_store_ds ds, int task, uint64_t first, size_t n,
                                double *X) {
  if (n == 0) return PF_OK;
  PF_CHECK(X != NULL, PF_ERR_ARG, "%s: %s: task %d: the points are NULL", st->path,
           pf_store_datasets[ds].path, task);
  const size_t d = (size_t)st->dim[task], D = (size_t)st->max_dim;
  hsize_t start[2] = {first, 0}, count[2] = {n, D};
  if (d == D) return pf_store_rw(st, ds, 0, start, count, X);
  double *rows = NULL; /* (n, D) */
  PF_CALL(PF_CALLOC(n * D, &rows));
  int rc = pf_store_rw(st, ds, 0, start, count, rows);
  for (size_t i = 0; i < n && !rc; i++) memcpy(X + i * d, rows + i * D, d * sizeof *X);
  PF_FREE(&rows);
  return rc;
}

/* ------------------------------------------------------------------ checkpoints */

/* Push what this process wrote to the file down to the storage (fsync on a descriptor of our own:
 * HDF5's MPI-IO transfers are plain writes to the same file), so the committed slot index never
 * reaches the disk before the slot it names, also when the node fails. */
static int pf_store_sync(pf_store *st) {
  if (st->sync_fd < 0) st->sync_fd = open(st->path, O_RDONLY | O_CLOEXEC);
  PF_CHECK(st->sync_fd >= 0, PF_ERR_IO, "%s: cannot open for fsync: %s", st->path, strerror(errno));
  /* EINVAL: a file system without fsync (nothing to order there) */
  PF_CHECK(fsync(st->sync_fd) == 0 || errno == EINVAL, PF_ERR_IO, "%s: fsync: %s", st->path,
           strerror(errno));
  return PF_OK;
}

/* Rows of /params (PF_IDX_PARAM_OFFSET) or /points/final (PF_IDX_FINAL_OFFSET): the running sum
 * of the counts, checked at opening to be the datasets' lengths. */
static uint64_t pf_store_total(const pf_store *st, pf_store_idx offset) {
  const int last = st->ntasks - 1;
  return pf_idx(st, last, offset) + pf_idx(st, last, (pf_store_idx)(offset + 1));
}

/* Testing: PF_FAULT_CHECKPOINT_KILL=TASK:CYCLE kills this process (SIGKILL) while it checkpoints
 * task TASK after cycle CYCLE, between the slot and its index: the worst instant for a kill. */
static void pf_store_fault_checkpoint(int task, int cycles_done) {
  const char *f = getenv("PF_FAULT_CHECKPOINT_KILL");
  int t = -1, c = -1;
  if (!f || sscanf(f, "%d:%d", &t, &c) != 2 || t != task || c != cycles_done) return;
  fprintf(stderr,
          "pinnfluence: fault injection: killed while checkpointing task %d after cycle %d\n", task,
          cycles_done);
  fflush(stderr);
  raise(SIGKILL);
}

static int pf_store_read_slot(pf_store *st, int task, int32_t *slot) {
  hsize_t start = (hsize_t)task, count = 1;
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_SLOT, 0, &start, &count, slot));
  PF_CHECK(*slot >= 0 && *slot <= 2, PF_ERR_IO,
           "%s: /checkpoint/slot of task %d is %d, expected 0, 1 or 2; the file is damaged",
           st->path, task, (int)*slot);
  return PF_OK;
}

/* Does the task train any coefficient? */
static int pf_store_trains(const pf_store *st, int task) {
  for (int j = 0; j < st->ncoef[task]; j++)
    if (st->trainable[(size_t)task * PF_STORE_MAX_COEF + (size_t)j]) return 1;
  return 0;
}

int pf_store_write_checkpoint(pf_store *st, int task, const pf_store_checkpoint *ck,
                              const double *theta, const double *X, const double *coef) {
  PF_CALL(pf_store_check_write(st, task));
  const uint64_t P = pf_idx(st, task, PF_IDX_PARAM_COUNT), F = pf_idx(st, task, PF_IDX_FINAL_COUNT);
  PF_CHECK(ck->cycles_done >= 1 && ck->cycles_done <= st->cycles[task] && ck->ntrain <= F,
           PF_ERR_ARG, "%s: task %d: checkpoint after cycle %d with %zu points (%d cycles, %llu)",
           st->path, task, ck->cycles_done, ck->ntrain, (int)st->cycles[task],
           (unsigned long long)F);
  int32_t slot = 0;
  PF_CALL(pf_store_read_slot(st, task, &slot));
  const int s = slot == 1 ? 1 : 0; /* the slot that is not the last complete checkpoint */
  const uint64_t sumP = pf_store_total(st, PF_IDX_PARAM_OFFSET);
  const uint64_t sumF = pf_store_total(st, PF_IDX_FINAL_OFFSET);
  hsize_t ps = (hsize_t)(s * sumP + pf_idx(st, task, PF_IDX_PARAM_OFFSET)), pc = (hsize_t)P;
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_PARAMS, 1, &ps, &pc, (void *)theta));
  PF_CALL(pf_store_write_points(st, PF_DS_CKPT_POINTS, task,
                                s * sumF + pf_idx(st, task, PF_IDX_FINAL_OFFSET), ck->ntrain, X));
  double row[PF_STORE_CKPT_COLUMNS] = {(double)ck->cycles_done, (double)ck->ntrain,
                                       (double)ck->iterations};
  hsize_t rs[3] = {(hsize_t)task, (hsize_t)s, 0}, rc3[3] = {1, 1, PF_STORE_CKPT_COLUMNS};
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_STATE, 1, rs, rc3, row));
  /* the coefficients of the slot: NaN when the task trains none (a slot's old values never
   * survive into a new checkpoint) */
  PF_CHECK(coef || !pf_store_trains(st, task), PF_ERR_ARG,
           "%s: task %d trains coefficients: its checkpoint needs their values", st->path, task);
  double cv[PF_STORE_MAX_COEF];
  for (int j = 0; j < PF_STORE_MAX_COEF; j++) cv[j] = coef && j < st->ncoef[task] ? coef[j] : NAN;
  hsize_t cs[3] = {(hsize_t)task, (hsize_t)s, 0}, cc[3] = {1, 1, (hsize_t)st->max_coef};
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_COEF, 1, cs, cc, cv));
  /* the slot is complete on disk before the index names it */
  PF_CALL(pf_store_sync(st));
  pf_store_fault_checkpoint(task, ck->cycles_done);
  slot = s + 1;
  hsize_t ss = (hsize_t)task, sc = 1;
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_SLOT, 1, &ss, &sc, &slot));
  return PF_OK;
}

int pf_store_read_checkpoint(pf_store *st, int task, pf_store_checkpoint *ck, double *theta,
                             double *X, double *coef) {
  PF_CALL(pf_store_check_task(st, task));
  memset(ck, 0, sizeof *ck);
  int32_t slot = 0;
  PF_CALL(pf_store_read_slot(st, task, &slot));
  if (slot == 0) return PF_OK;
  const int s = slot - 1;
  const uint64_t P = pf_idx(st, task, PF_IDX_PARAM_COUNT), F = pf_idx(st, task, PF_IDX_FINAL_COUNT);
  double row[PF_STORE_CKPT_COLUMNS];
  hsize_t rs[3] = {(hsize_t)task, (hsize_t)s, 0}, rc3[3] = {1, 1, PF_STORE_CKPT_COLUMNS};
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_STATE, 0, rs, rc3, row));
  PF_CHECK(row[0] >= 1 && row[0] <= st->cycles[task] && row[0] == floor(row[0]) && row[1] >= 1 &&
               row[1] <= (double)F && row[1] == floor(row[1]) && row[2] >= 0 && row[2] <= 9.0e15 &&
               row[2] == floor(row[2]),
           PF_ERR_IO,
           "%s: /checkpoint/state of task %d, slot %d: cycles %g, points %g, iterations %g are not "
           "a checkpoint of a task of %d cycles and at most %llu points; the file is damaged",
           st->path, task, s, row[0], row[1], row[2], (int)st->cycles[task], (unsigned long long)F);
  ck->cycles_done = (int)row[0];
  ck->ntrain = (size_t)row[1];
  ck->iterations = (long)row[2];
  const uint64_t sumP = pf_store_total(st, PF_IDX_PARAM_OFFSET);
  const uint64_t sumF = pf_store_total(st, PF_IDX_FINAL_OFFSET);
  hsize_t ps = (hsize_t)(s * sumP + pf_idx(st, task, PF_IDX_PARAM_OFFSET)), pc = (hsize_t)P;
  PF_CALL(pf_store_rw(st, PF_DS_CKPT_PARAMS, 0, &ps, &pc, theta));
  PF_CALL(pf_store_read_points(st, PF_DS_CKPT_POINTS, task,
                               s * sumF + pf_idx(st, task, PF_IDX_FINAL_OFFSET), ck->ntrain, X));
  for (size_t i = 0; i < P; i++)
    PF_CHECK(isfinite(theta[i]), PF_ERR_IO,
             "%s: /checkpoint/params of task %d, slot %d: parameter %zu is not finite; the file "
             "is damaged",
             st->path, task, s, i);
  if (pf_store_trains(st, task)) {
    double cv[PF_STORE_MAX_COEF];
    hsize_t cs[3] = {(hsize_t)task, (hsize_t)s, 0}, cc[3] = {1, 1, (hsize_t)st->max_coef};
    PF_CALL(pf_store_rw(st, PF_DS_CKPT_COEF, 0, cs, cc, cv));
    PF_CHECK(coef != NULL, PF_ERR_ARG, "%s: task %d trains coefficients: coef is NULL", st->path,
             task);
    for (int j = 0; j < st->ncoef[task]; j++) {
      PF_CHECK(isfinite(cv[j]), PF_ERR_IO,
               "%s: /checkpoint/coef of task %d, slot %d: coefficient %d is not finite; the file "
               "is damaged",
               st->path, task, s, j);
      coef[j] = cv[j];
    }
    ck->has_coef = 1;
  }
  ck->found = 1;
  return PF_OK;
}

/* ------------------------------------------------------------------ writes */

int pf_store_write_blas_core(pf_store *st, int task, const char *core) {
  PF_CALL(pf_store_check_write(st, task));
  char row[PF_STORE_NAME_LEN] = {0};
  if (core) strncpy(row, core, PF_STORE_NAME_LEN - 1);
  hsize_t start[2] = {(hsize_t)task, 0}, count[2] = {1, PF_STORE_NAME_LEN};
  return pf_store_rw(st, PF_DS_TASK_BLAS_CORE, 1, start, count, row);
}

int pf_store_read_blas_core(pf_store *st, int task, char core[PF_STORE_NAME_LEN + 1]) {
  PF_CALL(pf_store_check_task(st, task));
  hsize_t start[2] = {(hsize_t)task, 0}, count[2] = {1, PF_STORE_NAME_LEN};
  memset(core, 0, PF_STORE_NAME_LEN + 1);
  PF_CALL(pf_store_rw(st, PF_DS_TASK_BLAS_CORE, 0, start, count, core));
  /* a name of letters and digits (a damaged file's bytes are not printed as they are) */
  for (size_t i = 0; core[i]; i++)
    if (!((core[i] >= 'A' && core[i] <= 'Z') || (core[i] >= 'a' && core[i] <= 'z') ||
          (core[i] >= '0' && core[i] <= '9') || core[i] == '_'))
      core[i] = '?';
  return PF_OK;
}

/* The status goes last: a reader that sees "done" or "failed" also sees the reason and time. */
int pf_store_set_status(pf_store *st, int task, pf_task_status status, const char *reason,
                        double wall_seconds) {
  PF_CALL(pf_store_check_write(st, task));
  PF_CHECK(status >= PF_TASK_PENDING && status <= PF_TASK_STATUS_MAX, PF_ERR_ARG,
           "%s: task %d: invalid status %d", st->path, task, (int)status);
  char row[PF_STORE_REASON_LEN] = {0};
  if (reason) {
    size_t n = strlen(reason);
    /* keep a terminating NUL in the file, so readers of the raw row need not count */
    if (n > PF_STORE_REASON_LEN - 1) n = PF_STORE_REASON_LEN - 1;
    memcpy(row, reason, n);
  }
  hsize_t start[2] = {(hsize_t)task, 0}, count[2] = {1, PF_STORE_REASON_LEN};
  PF_CALL(pf_store_rw(st, PF_DS_TASK_REASON, 1, start, count, row));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_WALL, 1, start, count, &wall_seconds));
  int32_t s = (int32_t)status;
  PF_CALL(pf_store_rw(st, PF_DS_TASK_STATUS, 1, start, count, &s));
  return PF_OK;
}

int pf_store_write_metrics(pf_store *st, int task, int c,
                           const double row[PF_STORE_METRIC_COLUMNS]) {
  PF_CALL(pf_store_check_write(st, task));
  PF_CHECK(c >= 0 && c < st->cycles[task], PF_ERR_ARG, "%s: task %d: cycle %d out of range 0..%d",
           st->path, task, c, st->cycles[task] - 1);
  PF_CHECK(row != NULL, PF_ERR_ARG, "%s: task %d: row is NULL", st->path, task);
  hsize_t start[3] = {(hsize_t)task, (hsize_t)c, 0}, count[3] = {1, 1, PF_STORE_RESULT_COLUMNS};
  PF_CALL(pf_store_rw(st, PF_DS_METRICS, 1, start, count, (void *)row));
  count[2] = PF_STORE_TIMING_COLUMNS;
  PF_CALL(pf_store_rw(st, PF_DS_TIMING, 1, start, count, (void *)(row + PF_STORE_RESULT_COLUMNS)));
  return PF_OK;
}

int pf_store_write_params(pf_store *st, int task, const double *theta) {
  PF_CALL(pf_store_check_write(st, task));
  hsize_t start = pf_idx(st, task, PF_IDX_PARAM_OFFSET);
  hsize_t count = pf_idx(st, task, PF_IDX_PARAM_COUNT);
  PF_CHECK(theta || count == 0, PF_ERR_ARG, "%s: task %d: theta is NULL", st->path, task);
  PF_CALL(pf_store_rw(st, PF_DS_PARAMS, 1, &start, &count, (void *)theta));
  return PF_OK;
}

int pf_store_write_final_points(pf_store *st, int task, size_t n, const double *X) {
  PF_CALL(pf_store_check_write(st, task));
  const uint64_t want = pf_idx(st, task, PF_IDX_FINAL_COUNT);
  PF_CHECK(n == want, PF_ERR_ARG, "%s: task %d: %zu final points, the store was created for %llu",
           st->path, task, n, (unsigned long long)want);
  PF_CALL(pf_store_write_points(st, PF_DS_POINTS_FINAL, task, pf_idx(st, task, PF_IDX_FINAL_OFFSET),
                                n, X));
  return PF_OK;
}

int pf_store_write_drawn(pf_store *st, int task, int c, size_t n, const double *X) {
  PF_CALL(pf_store_check_write(st, task));
  PF_CHECK(c >= 0 && c < st->cycles[task], PF_ERR_ARG, "%s: task %d: cycle %d out of range 0..%d",
           st->path, task, c, st->cycles[task] - 1);
  const uint64_t per = pf_idx(st, task, PF_IDX_DRAWN_PER_CYCLE);
  PF_CHECK(n == per, PF_ERR_ARG,
           "%s: task %d: %zu drawn points, the store was created for %llu per cycle", st->path,
           task, n, (unsigned long long)per);
  PF_CALL(pf_store_write_points(st, PF_DS_POINTS_DRAWN, task,
                                pf_idx(st, task, PF_IDX_DRAWN_OFFSET) + (uint64_t)c * per, n, X));
  return PF_OK;
}

int pf_store_write_coef(pf_store *st, int task, int c, int ncoef, const double *coef) {
  PF_CALL(pf_store_check_write(st, task));
  PF_CHECK(c >= 0 && c < st->cycles[task], PF_ERR_ARG, "%s: task %d: cycle %d out of range 0..%d",
           st->path, task, c, st->cycles[task] - 1);
  PF_CHECK(ncoef == st->ncoef[task] && (coef || ncoef == 0), PF_ERR_ARG,
           "%s: task %d: %d coefficient values, the store was created for %d", st->path, task,
           ncoef, st->ncoef[task]);
  if (ncoef == 0) return PF_OK;
  hsize_t start[3] = {(hsize_t)task, (hsize_t)c, 0}, count[3] = {1, 1, (hsize_t)ncoef};
  PF_CALL(pf_store_rw(st, PF_DS_COEFS, 1, start, count, (void *)coef));
  return PF_OK;
}

int pf_store_write_pool(pf_store *st, int task, const double *theta, const double *X,
                        const double *scores, const double *Z) {
  PF_CALL(pf_store_check_write(st, task));
  const uint64_t first = pf_idx(st, task, PF_IDX_POOL_OFFSET);
  const uint64_t n = pf_idx(st, task, PF_IDX_POOL_COUNT);
  if (n > 0) {
    PF_CHECK(theta != NULL, PF_ERR_ARG, "%s: task %d: theta is NULL", st->path, task);
    hsize_t ps = pf_idx(st, task, PF_IDX_PARAM_OFFSET), pc = pf_idx(st, task, PF_IDX_PARAM_COUNT);
    PF_CALL(pf_store_rw(st, PF_DS_POOL_PARAMS, 1, &ps, &pc, (void *)theta));
  }
  PF_CALL(pf_store_write_points(st, PF_DS_POOL_POINTS, task, first, (size_t)n, X));
  PF_CHECK(scores || n == 0, PF_ERR_ARG, "%s: task %d: scores is NULL", st->path, task);
  hsize_t start = first, count = n;
  PF_CALL(pf_store_rw(st, PF_DS_POOL_SCORES, 1, &start, &count, (void *)scores));
  PF_CALL(pf_store_write_points(st, PF_DS_POOL_Z, task, pf_idx(st, task, PF_IDX_Z_OFFSET),
                                (size_t)pf_idx(st, task, PF_IDX_Z_COUNT), Z));
  return PF_OK;
}

/* ------------------------------------------------------------------ reads */

int pf_store_ntasks(const pf_store *st) {
  return st ? st->ntasks : 0;
}

/* A whole 1-D char dataset as a NUL-terminated string (malloc'ed). */
static int pf_store_read_text(pf_store *st, pf_store_ds ds, char **text) {
  PF_CHECK(st && text, PF_ERR_ARG, "store or text is NULL");
  hsize_t len = 0;
  PF_CHECK(H5Sget_simple_extent_dims(st->fspace[ds], &len, NULL) == 1, PF_ERR_IO,
           "%s: cannot get the length of %s", st->path, pf_store_datasets[ds].path);
  char *buf = calloc((size_t)len + 1, 1);
  PF_CHECK(buf != NULL, PF_ERR_MEM, "cannot allocate %llu bytes", (unsigned long long)len + 1);
  hsize_t start = 0;
  int rc = pf_store_rw(st, ds, 0, &start, &len, buf);
  if (rc) {
    free(buf);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *text = buf;
  return PF_OK;
}

int pf_store_read_sweep_canonical(pf_store *st, char **text) {
  PF_CALL(pf_store_read_text(st, PF_DS_SWEEP_CANONICAL, text));
  return PF_OK;
}

int pf_store_read_sweep_config(pf_store *st, char **text) {
  PF_CALL(pf_store_read_text(st, PF_DS_SWEEP_CONFIG, text));
  return PF_OK;
}

int pf_store_read_status(pf_store *st, int task, pf_task_status *status, char *reason,
                         size_t reason_len) {
  PF_CALL(pf_store_check_task(st, task));
  hsize_t start[2] = {(hsize_t)task, 0}, count[2] = {1, PF_STORE_REASON_LEN};
  int32_t s = 0;
  PF_CALL(pf_store_rw(st, PF_DS_TASK_STATUS, 0, start, count, &s));
  PF_CHECK(s >= PF_TASK_PENDING && s <= PF_TASK_STATUS_MAX, PF_ERR_IO,
           "%s: /tasks/status of task %d is %d, not a status", st->path, task, (int)s);
  if (status) *status = (pf_task_status)s;
  if (reason && reason_len > 0) {
    char row[PF_STORE_REASON_LEN + 1] = {0};
    PF_CALL(pf_store_rw(st, PF_DS_TASK_REASON, 0, start, count, row));
    PF_CHECK(memchr(row, '\0', PF_STORE_REASON_LEN) != NULL, PF_ERR_IO,
             "%s: dataset /tasks/reason, task %d: not NUL-terminated within its %d bytes; the "
             "file is damaged",
             st->path, task, PF_STORE_REASON_LEN);
    size_t n = strlen(row);
    if (n > reason_len - 1) n = reason_len - 1;
    memcpy(reason, row, n);
    reason[n] = '\0';
  }
  return PF_OK;
}

int pf_store_read_task(pf_store *st, int task, pf_store_task *desc) {
  PF_CALL(pf_store_check_task(st, task));
  PF_CHECK(desc != NULL, PF_ERR_ARG, "desc is NULL");
  if (!st->canonical[task]) {
    const size_t W = st->config_width;
    char *buf = calloc(W + 1, 1);
    PF_CHECK(buf != NULL, PF_ERR_MEM, "cannot allocate %zu bytes", W + 1);
    hsize_t start[2] = {(hsize_t)task, 0}, count[2] = {1, W};
    int rc = pf_store_rw(st, PF_DS_TASK_CONFIG, 0, start, count, buf);
    if (rc) {
      free(buf);
      return pf_trace(rc, __FILE__, __LINE__, __func__);
    }
    st->canonical[task] = buf;
  }
  const char *names = st->names + (size_t)task * PF_STORE_NAMES * (PF_STORE_NAME_LEN + 1);
  const int32_t *layers = st->layers + (size_t)task * PF_STORE_MAX_LAYERS;
  memset(desc, 0, sizeof *desc);
  desc->canonical = st->canonical[task];
  desc->hash = st->hash[task];
  desc->pde = names;
  desc->method = names + (PF_STORE_NAME_LEN + 1);
  desc->mode = names + 2 * (PF_STORE_NAME_LEN + 1);
  desc->seed = st->seed[task];
  desc->cycles = st->cycles[task];
  desc->nlayers = st->nlayers[task];
  _Static_assert(sizeof(int32_t) == sizeof(int), "layer sizes are stored as int32 and read as int");
  desc->sizes = (const int *)layers;
  desc->nparams = (size_t)pf_idx(st, task, PF_IDX_PARAM_COUNT);
  desc->final_points = (size_t)pf_idx(st, task, PF_IDX_FINAL_COUNT);
  desc->drawn_per_cycle = (size_t)pf_idx(st, task, PF_IDX_DRAWN_PER_CYCLE);
  desc->pool_points = (size_t)pf_idx(st, task, PF_IDX_POOL_COUNT);
  desc->z_points = (size_t)pf_idx(st, task, PF_IDX_Z_COUNT);
  desc->dim = st->dim[task];
  const char *labels = st->labels + (size_t)task * PF_STORE_LABELS * (PF_STORE_NAMES_LEN + 1);
  desc->inputs = labels;
  desc->outputs = labels + (PF_STORE_NAMES_LEN + 1);
  desc->components = labels + 2 * (PF_STORE_NAMES_LEN + 1);
  desc->ncoef = st->ncoef[task];
  desc->coef_names = st->coef_names + (size_t)task * (PF_STORE_NAMES_LEN + 1);
  for (int j = 0; j < PF_STORE_MAX_COEF; j++) {
    desc->trainable[j] = st->trainable[(size_t)task * PF_STORE_MAX_COEF + (size_t)j];
    desc->coef_true[j] = st->coef_true[(size_t)task * PF_STORE_MAX_COEF + (size_t)j];
  }
  return PF_OK;
}

int pf_store_read_metrics(pf_store *st, int task, double *rows) {
  PF_CALL(pf_store_check_task(st, task));
  PF_CHECK(rows || st->cycles[task] == 0, PF_ERR_ARG, "rows is NULL");
  const size_t C = (size_t)st->cycles[task];
  if (C == 0) return PF_OK;
  double *res = NULL, *tim = NULL;
  PF_CALL(PF_CALLOC(C * PF_STORE_RESULT_COLUMNS, &res));
  PF_CALL(PF_CALLOC(C * PF_STORE_TIMING_COLUMNS, &tim));
  hsize_t start[3] = {(hsize_t)task, 0, 0};
  hsize_t count[3] = {1, (hsize_t)C, PF_STORE_RESULT_COLUMNS};
  int rc = pf_store_rw(st, PF_DS_METRICS, 0, start, count, res);
  count[2] = PF_STORE_TIMING_COLUMNS;
  if (!rc) rc = pf_store_rw(st, PF_DS_TIMING, 0, start, count, tim);
  for (size_t c = 0; !rc && c < C; c++) {
    memcpy(rows + c * PF_STORE_METRIC_COLUMNS, res + c * PF_STORE_RESULT_COLUMNS,
           PF_STORE_RESULT_COLUMNS * sizeof *rows);
    memcpy(rows + c * PF_STORE_METRIC_COLUMNS + PF_STORE_RESULT_COLUMNS,
           tim + c * PF_STORE_TIMING_COLUMNS, PF_STORE_TIMING_COLUMNS * sizeof *rows);
  }
  PF_FREE(&res);
  PF_FREE(&tim);
  PF_CALL(rc);
  return PF_OK;
}

int pf_store_read_params(pf_store *st, int task, double *theta) {
  PF_CALL(pf_store_check_task(st, task));
  hsize_t start = pf_idx(st, task, PF_IDX_PARAM_OFFSET);
  hsize_t count = pf_idx(st, task, PF_IDX_PARAM_COUNT);
  PF_CHECK(theta || count == 0, PF_ERR_ARG, "theta is NULL");
  PF_CALL(pf_store_rw(st, PF_DS_PARAMS, 0, &start, &count, theta));
  return PF_OK;
}

int pf_store_read_coef(pf_store *st, int task, double *coef) {
  PF_CALL(pf_store_check_task(st, task));
  const size_t C = (size_t)st->cycles[task], nc = (size_t)st->ncoef[task];
  if (C == 0 || nc == 0) return PF_OK;
  PF_CHECK(coef != NULL, PF_ERR_ARG, "coef is NULL");
  hsize_t start[3] = {(hsize_t)task, 0, 0}, count[3] = {1, (hsize_t)C, (hsize_t)nc};
  PF_CALL(pf_store_rw(st, PF_DS_COEFS, 0, start, count, coef));
  return PF_OK;
}

int pf_store_read_final_points(pf_store *st, int task, double *X) {
  PF_CALL(pf_store_check_task(st, task));
  PF_CALL(pf_store_read_points(st, PF_DS_POINTS_FINAL, task, pf_idx(st, task, PF_IDX_FINAL_OFFSET),
                               (size_t)pf_idx(st, task, PF_IDX_FINAL_COUNT), X));
  return PF_OK;
}

int pf_store_read_drawn(pf_store *st, int task, int c, double *X) {
  PF_CALL(pf_store_check_task(st, task));
  PF_CHECK(c >= 0 && c < st->cycles[task], PF_ERR_ARG, "%s: task %d: cycle %d out of range 0..%d",
           st->path, task, c, st->cycles[task] - 1);
  const uint64_t per = pf_idx(st, task, PF_IDX_DRAWN_PER_CYCLE);
  PF_CALL(pf_store_read_points(st, PF_DS_POINTS_DRAWN, task,
                               pf_idx(st, task, PF_IDX_DRAWN_OFFSET) + (uint64_t)c * per,
                               (size_t)per, X));
  return PF_OK;
}

int pf_store_read_pool(pf_store *st, int task, double *theta, double *X, double *scores,
                       double *Z) {
  PF_CALL(pf_store_check_task(st, task));
  const uint64_t first = pf_idx(st, task, PF_IDX_POOL_OFFSET);
  const uint64_t n = pf_idx(st, task, PF_IDX_POOL_COUNT);
  if (n > 0 && theta) {
    hsize_t ps = pf_idx(st, task, PF_IDX_PARAM_OFFSET), pc = pf_idx(st, task, PF_IDX_PARAM_COUNT);
    PF_CALL(pf_store_rw(st, PF_DS_POOL_PARAMS, 0, &ps, &pc, theta));
  }
  PF_CALL(pf_store_read_points(st, PF_DS_POOL_POINTS, task, first, (size_t)n, X));
  PF_CHECK(scores || n == 0, PF_ERR_ARG, "scores is NULL");
  hsize_t start = first, count = n;
  PF_CALL(pf_store_rw(st, PF_DS_POOL_SCORES, 0, &start, &count, scores));
  PF_CALL(pf_store_read_points(st, PF_DS_POOL_Z, task, pf_idx(st, task, PF_IDX_Z_OFFSET),
                               (size_t)pf_idx(st, task, PF_IDX_Z_COUNT), Z));
  return PF_OK;
}
