/* HDF5 helpers of the results store: the dataset table (paths, types, attributes), error
 * reporting with HDF5's own message, error agreement between ranks, type mapping, hyperslab
 * transfers, and releasing a store's handles. */
#define _GNU_SOURCE /* fallocate, FALLOC_FL_KEEP_SIZE (Linux) */
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define PF_METRIC_NAMES "cycle,iteration,l2_relative_error,test_loss,train_loss,train_size"

const pf_store_dsinfo pf_store_datasets[PF_DS_COUNT] = {
    [PF_DS_SWEEP_CONFIG] = {"/sweep/config", PF_KIND_CHAR, 1,
                            "the sweep configuration as given (file text and --set overrides), "
                            "NUL-padded text",
                            NULL, NULL},
    [PF_DS_SWEEP_CANONICAL] = {"/sweep/canonical", PF_KIND_CHAR, 1,
                               "canonical text of the whole sweep, NUL-padded; attribute hash: "
                               "XXH64 in hex",
                               NULL, NULL},
    [PF_DS_TASK_CONFIG] = {"/tasks/config", PF_KIND_CHAR, 2,
                           "canonical text of each task's resolved configuration, one NUL-padded "
                           "row per task",
                           NULL, NULL},
    [PF_DS_TASK_HASH] = {"/tasks/hash", PF_KIND_U64, 1, "XXH64 (seed 0) of /tasks/config", NULL,
                         NULL},
    [PF_DS_TASK_PDE] = {"/tasks/pde", PF_KIND_CHAR, 2, "problem name, NUL-padded", NULL, NULL},
    [PF_DS_TASK_METHOD] = {"/tasks/method", PF_KIND_CHAR, 2, "score method name, NUL-padded", NULL,
                           NULL},
    [PF_DS_TASK_MODE] = {"/tasks/mode", PF_KIND_CHAR, 2, "sampling mode (add, replace), NUL-padded",
                         NULL, NULL},
    [PF_DS_TASK_SEED] = {"/tasks/seed", PF_KIND_I64, 1, "random seed of the task", NULL, NULL},
    [PF_DS_TASK_CYCLES] = {"/tasks/cycles", PF_KIND_I32, 1,
                           "resampling cycles of the task (rows of /metrics it uses)", NULL, NULL},
    [PF_DS_TASK_STATUS] = {"/tasks/status", PF_KIND_I32, 1,
                           "0 pending, 1 running, 2 done, 3 failed, 4 interrupted", NULL, NULL},
    [PF_DS_TASK_REASON] = {"/tasks/reason", PF_KIND_CHAR, 2,
                           "why a task failed (empty otherwise), NUL-padded", NULL, NULL},
    [PF_DS_TASK_WALL] = {"/timing/task_seconds", PF_KIND_F64, 1,
                         "wall time of each task (not reproducible, unlike everything outside "
                         "/timing)",
                         NULL, "s"},
    [PF_DS_TASK_LAYERS] = {"/tasks/layers", PF_KIND_I32, 2,
                           "layer sizes of the network (input, hidden..., output), 0-padded", NULL,
                           NULL},
    [PF_DS_TASK_DIM] = {"/tasks/dim", PF_KIND_I32, 1,
                        "input coordinates d of the task's problem (the columns of its points)",
                        NULL, NULL},
    [PF_DS_TASK_INPUTS] = {"/tasks/inputs", PF_KIND_CHAR, 2,
                           "names of the problem's inputs, comma-separated (the columns of the "
                           "task's points), NUL-padded",
                           NULL, NULL},
    [PF_DS_TASK_OUTPUTS] = {"/tasks/outputs", PF_KIND_CHAR, 2,
                            "names of the problem's outputs (the network's), comma-separated, "
                            "NUL-padded",
                            NULL, NULL},
    [PF_DS_TASK_COMPONENTS] = {"/tasks/components", PF_KIND_CHAR, 2,
                               "names of the problem's residual components, comma-separated, "
                               "NUL-padded",
                               NULL, NULL},
    [PF_DS_TASK_COEF_NAMES] = {"/tasks/coef_names", PF_KIND_CHAR, 2,
                               "names of the problem's coefficients, comma-separated, NUL-padded "
                               "(empty: none); their count NC_i sizes the task's coefficient rows",
                               NULL, NULL},
    [PF_DS_TASK_TRAINABLE] = {"/tasks/trainable", PF_KIND_CHAR, 2,
                              "1 where the task trains the coefficient (columns as "
                              "/tasks/coef_names), 0 otherwise and past its count",
                              NULL, NULL},
    [PF_DS_TASK_COEF_TRUE] = {"/tasks/coef_true", PF_KIND_F64, 2,
                              "the problem's given coefficient values (the truth of an inverse "
                              "problem; columns as /tasks/coef_names), NaN past its count",
                              NULL, NULL},
    [PF_DS_COEFS] = {"/coefficients", PF_KIND_F64, 3,
                     "per task and cycle: the values of all its coefficients after the cycle "
                     "(trained ones as learned; columns as /tasks/coef_names); NaN where not "
                     "written and for tasks that train none",
                     NULL, NULL},
    [PF_DS_CKPT_COEF] = {"/checkpoint/coef", PF_KIND_F64, 3,
                         "per task and slot: the coefficient values of the checkpoint (columns "
                         "as /tasks/coef_names); NaN for tasks that train none",
                         NULL, NULL},
    [PF_DS_TASK_BLAS_CORE] = {"/tasks/blas_core", PF_KIND_CHAR, 2,
                              "OpenBLAS kernel set the task ran with (openblas_get_corename; "
                              "empty: not run yet), NUL-padded",
                              NULL, NULL},
    [PF_DS_PARAM_OFFSET] = {"/tasks/param_offset", PF_KIND_U64, 1,
                            "first element of the task's parameters in /params", NULL, NULL},
    [PF_DS_PARAM_COUNT] = {"/tasks/param_count", PF_KIND_U64, 1, "number of parameters", NULL,
                           NULL},
    [PF_DS_FINAL_OFFSET] = {"/tasks/final_offset", PF_KIND_U64, 1,
                            "first row of the task's final training set in /points/final", NULL,
                            NULL},
    [PF_DS_FINAL_COUNT] = {"/tasks/final_count", PF_KIND_U64, 1, "rows of the final training set",
                           NULL, NULL},
    [PF_DS_DRAWN_OFFSET] = {"/tasks/drawn_offset", PF_KIND_U64, 1,
                            "first row of the task's drawn points in /points/drawn", NULL, NULL},
    [PF_DS_DRAWN_PER_CYCLE] = {"/tasks/drawn_per_cycle", PF_KIND_U64, 1,
                               "points drawn per cycle (rows per cycle in /points/drawn)", NULL,
                               NULL},
    [PF_DS_POOL_OFFSET] = {"/tasks/pool_offset", PF_KIND_U64, 1,
                           "first row of the task's pool in /pool/points and /pool/scores", NULL,
                           NULL},
    [PF_DS_POOL_COUNT] = {"/tasks/pool_count", PF_KIND_U64, 1, "rows of the stored pool", NULL,
                          NULL},
    [PF_DS_Z_OFFSET] = {"/tasks/z_offset", PF_KIND_U64, 1,
                        "first row of the task's influence set in /pool/z", NULL, NULL},
    [PF_DS_Z_COUNT] = {"/tasks/z_count", PF_KIND_U64, 1, "rows of the stored influence set", NULL,
                       NULL},
    [PF_DS_METRICS] = {"/metrics", PF_KIND_F64, 3,
                       "per task and cycle: metrics after the cycle (iteration is cumulative); "
                       "NaN where not written",
                       PF_METRIC_NAMES, "1,1,1,1,1,points"},
    [PF_DS_TIMING] = {"/timing/cycles", PF_KIND_F64, 3,
                      "per task and cycle: wall time of the scoring and the training phase (not "
                      "reproducible, unlike everything outside /timing); NaN where not written",
                      "seconds_score,seconds_train", "s,s"},
    [PF_DS_PARAMS] = {"/params", PF_KIND_F64, 1,
                      "final parameters of each task: per layer W (n_out, n_in) row-major, then "
                      "b (n_out)",
                      NULL, NULL},
    [PF_DS_POINTS_FINAL] = {"/points/final", PF_KIND_F64, 2,
                            "final training points of each task, one row per point: the task's "
                            "inputs (/tasks/inputs), NaN in the columns past its dim",
                            NULL, NULL},
    [PF_DS_POINTS_DRAWN] = {"/points/drawn", PF_KIND_F64, 2,
                            "points drawn in each cycle, cycle-major per task; columns as "
                            "/points/final",
                            NULL, NULL},
    [PF_DS_POOL_POINTS] = {"/pool/points", PF_KIND_F64, 2,
                           "the last cycle's candidate pool; columns as /points/final", NULL, NULL},
    [PF_DS_POOL_SCORES] = {"/pool/scores", PF_KIND_F64, 1,
                           "scores of the last cycle's candidate pool", NULL, NULL},
    [PF_DS_POOL_PARAMS] = {"/pool/params", PF_KIND_F64, 1,
                           "parameters the last pool was scored with (before the last cycle's "
                           "training), at the offsets of /params; NaN for tasks without a pool",
                           NULL, NULL},
    [PF_DS_CKPT_PARAMS] = {"/checkpoint/params", PF_KIND_F64, 1,
                           "two slots of each task's parameters after a checkpointed cycle: slot "
                           "s at s * (length of /params) + the task's /params offset",
                           NULL, NULL},
    [PF_DS_CKPT_POINTS] = {"/checkpoint/points", PF_KIND_F64, 2,
                           "two slots of each task's training set after a checkpointed cycle: "
                           "slot s from row s * (rows of /points/final) + the task's final_offset",
                           NULL, NULL},
    [PF_DS_CKPT_STATE] = {"/checkpoint/state", PF_KIND_F64, 3,
                          "per task and slot: cycles done, training-set size, cumulative "
                          "iterations",
                          "cycles_done,train_size,iteration", NULL},
    [PF_DS_CKPT_SLOT] = {"/checkpoint/slot", PF_KIND_I32, 1,
                         "0: no checkpoint; 1 + s: slot s holds the last complete checkpoint "
                         "(written after the slot, so a kill at any instant leaves one readable)",
                         NULL, NULL},
    [PF_DS_POOL_Z] = {"/pool/z", PF_KIND_F64, 2,
                      "the last cycle's influence set Z; columns as /points/final", NULL, NULL},
};

/* H5Ewalk2 callback: keep the innermost entry (n == 0 when walking upward), where HDF5 first
 * detected the problem; it is the most specific ("file signature not found", errno texts). */
typedef struct {
  char text[512];
} pf_h5_detail;

static herr_t pf_h5_walk(unsigned n, const H5E_error2_t *e, void *data) {
  pf_h5_detail *d = data;
  if (n != 0) return 0;
  char minor[160] = "";
  if (H5Eget_msg(e->min_num, NULL, minor, sizeof minor) < 0) minor[0] = '\0';
  if (minor[0])
    snprintf(d->text, sizeof d->text, "%s (%s)", e->desc ? e->desc : "?", minor);
  else
    snprintf(d->text, sizeof d->text, "%s", e->desc ? e->desc : "?");
  return 0;
}

int pf_store_h5_error(const char *file, int line, const char *func, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pf_h5_detail d = {""};
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, pf_h5_walk, &d) < 0) d.text[0] = '\0';
  H5Eclear2(H5E_DEFAULT);
  if (d.text[0]) return pf_error(PF_ERR_IO, file, line, func, "%s: HDF5: %s", msg, d.text);
  return pf_error(PF_ERR_IO, file, line, func, "%s", msg);
}

int pf_store_agree(MPI_Comm comm, int rc) {
  int all = 0;
  PF_CALL_MPI(MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, comm));
  return all;
}

hid_t pf_store_file_type(pf_store_kind kind) {
  switch (kind) {
  case PF_KIND_CHAR:
    return H5T_STD_I8LE;
  case PF_KIND_I32:
    return H5T_STD_I32LE;
  case PF_KIND_I64:
    return H5T_STD_I64LE;
  case PF_KIND_U64:
    return H5T_STD_U64LE;
  case PF_KIND_F64:
    return H5T_IEEE_F64LE;
  }
  return H5I_INVALID_HID;
}

hid_t pf_store_mem_type(pf_store_kind kind) {
  switch (kind) {
  case PF_KIND_CHAR:
    /* signed char: the same 8-bit type on every platform (plain char is unsigned on ARM) */
    return H5T_NATIVE_SCHAR;
  case PF_KIND_I32:
    return H5T_NATIVE_INT32;
  case PF_KIND_I64:
    return H5T_NATIVE_INT64;
  case PF_KIND_U64:
    return H5T_NATIVE_UINT64;
  case PF_KIND_F64:
    return H5T_NATIVE_DOUBLE;
  }
  return H5I_INVALID_HID;
}

/* Is the file system holding path (nearly) full? Space below 64 kB counts as full. */
static int pf_store_disk_full(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  struct statvfs fs;
  return statvfs(dir, &fs) == 0 && (unsigned long long)fs.f_bavail * fs.f_frsize < (64u << 10);
}

int pf_store_rw(pf_store *st, pf_store_ds ds, int write, const hsize_t *start, const hsize_t *count,
                void *buf) {
  const pf_store_dsinfo *info = &pf_store_datasets[ds];
  hsize_t n = 1;
  for (int i = 0; i < info->rank; i++) n *= count[i];
  if (n == 0) return PF_OK;
  const char *what = write ? "write" : "read";
  hid_t fs = st->fspace[ds];
  PF_H5_CHECK(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0,
              "%s: cannot select rows %llu..%llu of dataset %s", st->path,
              (unsigned long long)start[0], (unsigned long long)(start[0] + count[0]), info->path);
  hid_t ms = H5Screate_simple(info->rank, count, NULL);
  PF_H5_CHECK(ms >= 0, "%s: cannot create a memory dataspace for dataset %s", st->path, info->path);
  errno = 0;
  herr_t e = write ? H5Dwrite(st->dset[ds], pf_store_mem_type(info->kind), ms, fs, st->dxpl, buf)
                   : H5Dread(st->dset[ds], pf_store_mem_type(info->kind), ms, fs, st->dxpl, buf);
  /* HDF5's MPI-IO driver drops the system's reason (errno survives only sometimes): a full disk
   * or quota is worth naming */
  int err = errno;
  if (e < 0 && write && !(err == ENOSPC || err == EDQUOT || err == EFBIG || err == EIO))
    err = pf_store_disk_full(st->path) ? ENOSPC : 0;
  const int full = e < 0 && (err == ENOSPC || err == EDQUOT || err == EFBIG || err == EIO);
  int rc = PF_OK;
  if (e < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__,
                           "%s: cannot %s rows %llu..%llu of dataset %s%s%s", st->path, what,
                           (unsigned long long)start[0], (unsigned long long)(start[0] + count[0]),
                           info->path, full ? ": " : "", full ? strerror(err) : "");
  if (H5Sclose(ms) < 0 && !rc)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot close a dataspace of %s",
                           st->path, info->path);
  return rc;
}

int pf_store_close_handles(pf_store *st) {
  int rc = PF_OK;
  const char *path = st->path ? st->path : "(store)";
  for (int i = 0; i < PF_DS_COUNT; i++) {
    if (st->fspace[i] >= 0 && H5Sclose(st->fspace[i]) < 0 && !rc)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot close the dataspace of %s",
                             path, pf_store_datasets[i].path);
    st->fspace[i] = H5I_INVALID_HID;
    if (st->dset[i] >= 0 && H5Dclose(st->dset[i]) < 0 && !rc)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot close dataset %s", path,
                             pf_store_datasets[i].path);
    st->dset[i] = H5I_INVALID_HID;
  }
  if (st->dxpl >= 0 && H5Pclose(st->dxpl) < 0 && !rc)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot close a property list", path);
  st->dxpl = H5I_INVALID_HID;
  if (st->file >= 0 && H5Fclose(st->file) < 0 && !rc)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot close the file", path);
  st->file = H5I_INVALID_HID;
  return rc;
}

int pf_store_free(pf_store **st) {
  if (!st || !*st) return PF_OK;
  pf_store *s = *st;
  if (s->canonical)
    for (int i = 0; i < s->ntasks; i++) free(s->canonical[i]);
  free(s->canonical);
  PF_FREE(&s->hash);
  PF_FREE(&s->seed);
  PF_FREE(&s->cycles);
  PF_FREE(&s->layers);
  PF_FREE(&s->dim);
  PF_FREE(&s->idx);
  PF_FREE(&s->names);
  PF_FREE(&s->labels);
  PF_FREE(&s->nlayers);
  PF_FREE(&s->coef_names);
  PF_FREE(&s->ncoef);
  PF_FREE(&s->trainable);
  PF_FREE(&s->coef_true);
  if (s->sync_fd >= 0) close(s->sync_fd);
  /* after the handles were closed: the lock outlives every write */
  int lrc = s->lock ? pf_store_lock_release(s) : PF_OK;
  free(s->path);
  int fin = 0, rc = MPI_Finalized(&fin);
  if (rc == MPI_SUCCESS && !fin && s->comm != MPI_COMM_NULL) rc = MPI_Comm_free(&s->comm);
  PF_FREE(st);
  if (rc != MPI_SUCCESS) return pf_error_mpi(rc, __FILE__, __LINE__, __func__);
  return lrc;
}

int pf_store_reserve(const char *path, int overwrite, uint64_t bytes) {
  int fd = open(path, O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL), 0644);
  PF_CHECK(fd >= 0, PF_ERR_IO, "%s: cannot create the file: %s", path, strerror(errno));
  int err = 0;
#if defined(__linux__) && defined(FALLOC_FL_KEEP_SIZE)
  /* KEEP_SIZE: the file stays empty, so HDF5's H5Fcreate (which truncates a non-empty file)
   * keeps the reservation; every later write of the store lands in reserved blocks */
  while (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)bytes) != 0 && (err = errno) == EINTR)
    err = 0;
  if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL) err = -1; /* cannot reserve */
#else
  err = -1;
#endif
  /* without a reservation, at least refuse a file system that has not the room now (a quota is
   * not seen here) */
  struct statvfs fs;
  if (err == -1)
    err = fstatvfs(fd, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < bytes ? ENOSPC : 0;
  if (close(fd) != 0 && !err) err = errno;
  if (err) {
    (void)unlink(path);
    PF_RAISE(PF_ERR_IO,
             "%s: cannot reserve %.1f MB of disk space for the store: %s (the file system holding "
             "it is full, or a disk quota is exhausted; free some space or write elsewhere with "
             "-o)",
             path, (double)bytes / 1048576.0, strerror(err));
  }
  return PF_OK;
}

int pf_store_alloc_caches(pf_store *st) {
  size_t T = (size_t)st->ntasks;
  PF_CALL(PF_CALLOC(T, &st->hash));
  PF_CALL(PF_CALLOC(T, &st->seed));
  PF_CALL(PF_CALLOC(T, &st->cycles));
  PF_CALL(PF_CALLOC(T * PF_STORE_MAX_LAYERS, &st->layers));
  PF_CALL(PF_CALLOC(T, &st->dim));
  PF_CALL(PF_CALLOC(T * PF_IDX_COUNT, &st->idx));
  PF_CALL(PF_CALLOC(T * PF_STORE_NAMES * (PF_STORE_NAME_LEN + 1), &st->names));
  PF_CALL(PF_CALLOC(T * PF_STORE_LABELS * (PF_STORE_NAMES_LEN + 1), &st->labels));
  PF_CALL(PF_CALLOC(T, &st->nlayers));
  PF_CALL(PF_CALLOC(T * (PF_STORE_NAMES_LEN + 1), &st->coef_names));
  PF_CALL(PF_CALLOC(T, &st->ncoef));
  PF_CALL(PF_CALLOC(T * PF_STORE_MAX_COEF, &st->trainable));
  PF_CALL(PF_CALLOC(T * PF_STORE_MAX_COEF, &st->coef_true));
  for (size_t i = 0; i < T * PF_STORE_MAX_COEF; i++) st->coef_true[i] = NAN;
  st->canonical = calloc(T, sizeof *st->canonical);
  PF_CHECK(st->canonical != NULL, PF_ERR_MEM, "cannot allocate %zu pointers", T);
  return PF_OK;
}

void pf_store_derive_nlayers(pf_store *st) {
  for (int i = 0; i < st->ntasks; i++) {
    const int32_t *l = st->layers + (size_t)i * PF_STORE_MAX_LAYERS;
    int n = 0;
    while (n < PF_STORE_MAX_LAYERS && l[n] > 0) n++;
    st->nlayers[i] = n > 0 ? n - 1 : 0;
    const int nc = pf_store_coef_count(st->coef_names + (size_t)i * (PF_STORE_NAMES_LEN + 1),
                                       PF_STORE_NAMES_LEN);
    st->ncoef[i] = nc > 0 ? nc : 0;
  }
}
