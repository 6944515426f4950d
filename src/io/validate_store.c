/* The results file of pinnfluence validate (include/pinnfluence/validate_store.h): create with
 * every dataset at its final size, reopen for a resume, independent raw-data reads and writes. */
#include "pinnfluence/validate_store.h"

#include "store_impl.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VS_FORMAT         "pinnfluence-validation"
#define VS_FORMAT_VERSION 1

typedef struct {
  const char *path;
  pf_store_kind kind;
  int rank;
  const char *description;
  const char *columns;
} vs_info;

static const vs_info vs_datasets[PF_VS_COUNT] = {
    {"/tasks/status", PF_KIND_I32, 1, "0 pending, 2 state and predictions stored, 3 failed", NULL},
    {"/tasks/reason", PF_KIND_CHAR, 2, "why a task failed", NULL},
    {"/tasks/label", PF_KIND_CHAR, 2, "the task's label (its sweep axes)", NULL},
    {"/state/metrics", PF_KIND_F64, 2, "the state the groups are validated at",
     "cycle,l2_relative_error,test_loss,train_loss,train_size"},
    {"/state/params", PF_KIND_F64, 2, "parameters of the state (first nparams of each row)", NULL},
    {"/state/nparams", PF_KIND_I64, 1, "parameters of each task's network", NULL},
    {"/state/train", PF_KIND_F64, 3, "training set of the state (first train_size rows)", NULL},
    {"/groups/points", PF_KIND_F64, 4, "the groups' candidate points (task, group, point, input)",
     NULL},
    {"/groups/source", PF_KIND_I32, 2, "0: drawn by the method's distribution, 1: uniform", NULL},
    {"/predicted", PF_KIND_F64, 3, "predicted change of the test loss per group and predictor",
     NULL},
    {"/units/status", PF_KIND_I32, 2,
     "retraining units: 0 pending, 2 done, 3 failed; unit 0 is "
     "the baseline, unit g + 1 adds group g",
     NULL},
    {"/units/metrics", PF_KIND_F64, 3, "after the retraining", "test_loss,l2_relative_error"},
    {"/actual", PF_KIND_F64, 3, "effect of the group: with it minus the baseline",
     "test_loss,l2_relative_error"},
    {"/correlation", PF_KIND_F64, 4, "per predictor and effect (test_loss, l2_relative_error)",
     "spearman,spearman_lo,spearman_hi,pearson,pearson_lo,pearson_hi,groups"},
    {"/timing", PF_KIND_F64, 2, "wall seconds: state and predictions, then each unit", NULL},
};

struct pf_vstore {
  MPI_Comm comm;
  char *path;
  hid_t file, dxpl;
  hid_t dset[PF_VS_COUNT];
  pf_vstore_dims dims;
  int rank;
  pf_store lk; /* only path and lock: the lock file of the results store (store_lock.c) */
};

static void vs_shape(const pf_vstore_dims *d, pf_vstore_ds ds, hsize_t *s) {
  const hsize_t T = (hsize_t)d->ntasks, G = (hsize_t)d->ngroups, S = (hsize_t)d->group_size,
                D = (hsize_t)d->dim, NP = (hsize_t)d->npred;
  switch (ds) {
  case PF_VS_TASK_STATUS:
  case PF_VS_STATE_NPARAMS:
    s[0] = T;
    break;
  case PF_VS_TASK_REASON:
    s[0] = T, s[1] = PF_VSTORE_REASON_LEN;
    break;
  case PF_VS_TASK_LABEL:
    s[0] = T, s[1] = PF_VSTORE_LABEL_LEN;
    break;
  case PF_VS_STATE_METRICS:
    s[0] = T, s[1] = PF_VSTORE_STATE_COLS;
    break;
  case PF_VS_STATE_PARAMS:
    s[0] = T, s[1] = d->max_params;
    break;
  case PF_VS_STATE_TRAIN:
    s[0] = T, s[1] = d->max_train, s[2] = D;
    break;
  case PF_VS_GROUP_POINTS:
    s[0] = T, s[1] = G, s[2] = S, s[3] = D;
    break;
  case PF_VS_GROUP_SOURCE:
    s[0] = T, s[1] = G;
    break;
  case PF_VS_PREDICTED:
    s[0] = T, s[1] = G, s[2] = NP;
    break;
  case PF_VS_UNIT_STATUS:
    s[0] = T, s[1] = G + 1;
    break;
  case PF_VS_UNIT_METRICS:
    s[0] = T, s[1] = G + 1, s[2] = 2;
    break;
  case PF_VS_ACTUAL:
    s[0] = T, s[1] = G, s[2] = 2;
    break;
  case PF_VS_CORRELATION:
    s[0] = T, s[1] = NP, s[2] = 2, s[3] = 7;
    break;
  case PF_VS_TIMING:
    s[0] = T, s[1] = G + 2;
    break;
  default:
    break;
  }
}

static int vs_attr(pf_vstore *v, hid_t obj, const char *name, const char *text) {
  hid_t t = H5Tcopy(H5T_C_S1);
  PF_H5_CHECK(t >= 0, "%s: cannot create a string type", v->path);
  const size_t n = strlen(text);
  int rc = PF_OK;
  if (H5Tset_size(t, n ? n : 1) < 0) rc = PF_ERR_IO;
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = rc || sp < 0 ? -1 : H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0 || H5Awrite(a, t, n ? text : "") < 0) rc = PF_ERR_IO;
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  H5Tclose(t);
  PF_H5_CHECK(!rc, "%s: cannot write attribute %s", v->path, name);
  return PF_OK;
}

static int vs_attr_read(pf_vstore *v, const char *name, char **text) {
  *text = NULL;
  hid_t a = H5Aopen(v->file, name, H5P_DEFAULT);
  PF_H5_CHECK(a >= 0, "%s: not a pinnfluence validation file (no attribute %s)", v->path, name);
  hid_t t = H5Aget_type(a);
  const size_t n = t >= 0 ? H5Tget_size(t) : 0;
  char *buf = calloc(n + 1, 1);
  int rc = !buf || H5Tget_class(t) != H5T_STRING || H5Aread(a, t, buf) < 0;
  if (t >= 0) H5Tclose(t);
  H5Aclose(a);
  if (rc) {
    free(buf);
    PF_H5_CHECK(0, "%s: cannot read attribute %s", v->path, name);
  }
  *text = buf;
  return PF_OK;
}

static int vs_props(pf_vstore *v, hid_t *fapl) {
  *fapl = H5Pcreate(H5P_FILE_ACCESS);
  PF_H5_CHECK(*fapl >= 0 && H5Pset_fapl_mpio(*fapl, v->comm, MPI_INFO_NULL) >= 0,
              "%s: cannot set up MPI-IO", v->path);
  v->dxpl = H5Pcreate(H5P_DATASET_XFER);
  PF_H5_CHECK(v->dxpl >= 0 && H5Pset_dxpl_mpio(v->dxpl, H5FD_MPIO_INDEPENDENT) >= 0,
              "%s: cannot set up independent transfers", v->path);
  return PF_OK;
}

static int vs_alloc(MPI_Comm comm, const char *path, pf_vstore **out) {
  pf_vstore *v = calloc(1, sizeof *v);
  PF_CHECK(v, PF_ERR_MEM, "cannot allocate the validation store");
  v->file = v->dxpl = -1;
  for (int i = 0; i < PF_VS_COUNT; i++) v->dset[i] = -1;
  v->path = strdup(path);
  if (!v->path || MPI_Comm_dup(comm, &v->comm) != MPI_SUCCESS) {
    free(v->path);
    free(v);
    PF_RAISE(PF_ERR_MEM, "cannot set up the validation store");
  }
  MPI_Comm_rank(v->comm, &v->rank);
  v->lk.path = v->path;
  *out = v;
  /* one writer per file, as for run: rank 0 takes path.lock before the file is touched */
  return pf_store_agree(v->comm, v->rank == 0 ? pf_store_lock_take(&v->lk) : PF_OK);
}

static int vs_create_in(pf_vstore *v, const char *config, const char *canonical,
                        const char *predictors, const char *command_line) {
  hid_t fapl = -1;
  int rc = vs_props(v, &fapl);
  if (!rc) {
    v->file = H5Fcreate(v->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (v->file < 0)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot create", v->path);
  }
  if (fapl >= 0) H5Pclose(fapl);
  PF_CALL(rc);
  static const char *const groups[] = {"/tasks", "/state", "/groups", "/units"};
  for (int i = 0; i < 4; i++) {
    hid_t g = H5Gcreate2(v->file, groups[i], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PF_H5_CHECK(g >= 0, "%s: cannot create group %s", v->path, groups[i]);
    H5Gclose(g);
  }
  PF_CALL(vs_attr(v, v->file, "format", VS_FORMAT));
  char ver[16];
  snprintf(ver, sizeof ver, "%d", VS_FORMAT_VERSION);
  PF_CALL(vs_attr(v, v->file, "format_version", ver));
  PF_CALL(vs_attr(v, v->file, "config", config));
  PF_CALL(vs_attr(v, v->file, "canonical", canonical));
  PF_CALL(vs_attr(v, v->file, "command_line", command_line));
  for (int ds = 0; ds < PF_VS_COUNT; ds++) {
    const vs_info *info = &vs_datasets[ds];
    hsize_t dims[4];
    vs_shape(&v->dims, (pf_vstore_ds)ds, dims);
    const double nan_fill = NAN;
    const uint64_t zero_fill = 0;
    const void *fill =
        info->kind == PF_KIND_F64 ? (const void *)&nan_fill : (const void *)&zero_fill;
    hid_t space = H5Screate_simple(info->rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int bad = space < 0 || dcpl < 0 || H5Pset_layout(dcpl, H5D_CONTIGUOUS) < 0 ||
              H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0 ||
              H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) < 0 ||
              H5Pset_fill_value(dcpl, pf_store_mem_type(info->kind), fill) < 0 ||
              H5Pset_obj_track_times(dcpl, 0) < 0;
    if (!bad)
      v->dset[ds] = H5Dcreate2(v->file, info->path, pf_store_file_type(info->kind), space,
                               H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    PF_H5_CHECK(!bad && v->dset[ds] >= 0, "%s: cannot create dataset %s", v->path, info->path);
    PF_CALL(vs_attr(v, v->dset[ds], "description", info->description));
    if (info->columns) PF_CALL(vs_attr(v, v->dset[ds], "columns", info->columns));
    if (ds == PF_VS_PREDICTED || ds == PF_VS_CORRELATION)
      PF_CALL(vs_attr(v, v->dset[ds], "predictors", predictors));
  }
  PF_H5_CHECK(H5Fflush(v->file, H5F_SCOPE_GLOBAL) >= 0, "%s: cannot flush", v->path);
  return PF_OK;
}

int pf_vstore_create(MPI_Comm comm, const char *path, const pf_vstore_dims *dims,
                     const char *config, const char *canonical, const char *predictors,
                     const char *command_line, pf_vstore **out) {
  *out = NULL;
  pf_vstore *v = NULL;
  int arc = vs_alloc(comm, path, &v);
  if (arc) {
    (void)pf_vstore_close(&v);
    return pf_trace(arc, __FILE__, __LINE__, __func__);
  }
  v->dims = *dims;
  int rc = pf_store_agree(comm, vs_create_in(v, config, canonical, predictors, command_line));
  if (rc) {
    (void)pf_vstore_close(&v);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *out = v;
  return PF_OK;
}

static int vs_open_in(pf_vstore *v, pf_vstore_dims *dims, char **canonical) {
  hid_t fapl = -1;
  int rc = vs_props(v, &fapl);
  if (!rc) {
    H5E_BEGIN_TRY {
      v->file = H5Fopen(v->path, H5F_ACC_RDWR, fapl);
    }
    H5E_END_TRY;
    if (v->file < 0)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot open as HDF5", v->path);
  }
  if (fapl >= 0) H5Pclose(fapl);
  PF_CALL(rc);
  char *fmt = NULL;
  H5E_BEGIN_TRY {
    rc = vs_attr_read(v, "format", &fmt);
  }
  H5E_END_TRY;
  PF_CALL(rc);
  const int ok = !strcmp(fmt, VS_FORMAT);
  free(fmt);
  PF_CHECK(ok, PF_ERR_IO, "%s: not a pinnfluence validation file", v->path);
  PF_CALL(vs_attr_read(v, "canonical", canonical));
  hsize_t s[PF_VS_COUNT][4];
  for (int ds = 0; ds < PF_VS_COUNT; ds++) {
    const vs_info *info = &vs_datasets[ds];
    v->dset[ds] = H5Dopen2(v->file, info->path, H5P_DEFAULT);
    PF_H5_CHECK(v->dset[ds] >= 0, "%s: no dataset %s", v->path, info->path);
    hid_t sp = H5Dget_space(v->dset[ds]);
    const int r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    int okr = r == info->rank && H5Sget_simple_extent_dims(sp, s[ds], NULL) == r;
    if (sp >= 0) H5Sclose(sp);
    PF_CHECK(okr, PF_ERR_IO, "%s: dataset %s has the wrong shape", v->path, info->path);
  }
  dims->ntasks = (int)s[PF_VS_PREDICTED][0];
  dims->ngroups = (int)s[PF_VS_PREDICTED][1];
  dims->npred = (int)s[PF_VS_PREDICTED][2];
  dims->group_size = (int)s[PF_VS_GROUP_POINTS][2];
  dims->dim = (int)s[PF_VS_GROUP_POINTS][3];
  dims->max_params = s[PF_VS_STATE_PARAMS][1];
  dims->max_train = s[PF_VS_STATE_TRAIN][1];
  v->dims = *dims;
  /* every other dataset must have the shape these sizes give */
  for (int ds = 0; ds < PF_VS_COUNT; ds++) {
    hsize_t want[4];
    vs_shape(dims, (pf_vstore_ds)ds, want);
    PF_CHECK(!memcmp(want, s[ds], (size_t)vs_datasets[ds].rank * sizeof *want), PF_ERR_IO,
             "%s: dataset %s has the wrong shape", v->path, vs_datasets[ds].path);
  }
  return PF_OK;
}

int pf_vstore_open(MPI_Comm comm, const char *path, pf_vstore_dims *dims, char **canonical,
                   pf_vstore **out) {
  *out = NULL;
  *canonical = NULL;
  pf_vstore *v = NULL;
  int arc = vs_alloc(comm, path, &v);
  if (arc) {
    (void)pf_vstore_close(&v);
    return pf_trace(arc, __FILE__, __LINE__, __func__);
  }
  int rc = pf_store_agree(comm, vs_open_in(v, dims, canonical));
  if (rc) {
    free(*canonical);
    *canonical = NULL;
    (void)pf_vstore_close(&v);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  *out = v;
  return PF_OK;
}

int pf_vstore_close(pf_vstore **pv) {
  if (!pv || !*pv) return PF_OK;
  pf_vstore *v = *pv;
  int rc = PF_OK;
  for (int i = 0; i < PF_VS_COUNT; i++)
    if (v->dset[i] >= 0 && H5Dclose(v->dset[i]) < 0) rc = PF_ERR_IO;
  if (v->dxpl >= 0 && H5Pclose(v->dxpl) < 0) rc = PF_ERR_IO;
  if (v->file >= 0 && H5Fclose(v->file) < 0) rc = PF_ERR_IO;
  /* every rank has closed the file (H5Fclose is collective) before rank 0 gives up the lock */
  MPI_Barrier(v->comm);
  if (v->rank == 0 && pf_store_lock_release(&v->lk) && !rc) rc = PF_ERR_IO;
  MPI_Comm_free(&v->comm);
  const int err = rc;
  if (err) rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "%s: cannot close", v->path);
  free(v->path);
  free(v);
  *pv = NULL;
  return rc;
}

int pf_vstore_rw(pf_vstore *v, pf_vstore_ds ds, int write, const size_t *start, const size_t *count,
                 void *buf) {
  const vs_info *info = &vs_datasets[ds];
  hsize_t st[4], cn[4], n = 1;
  for (int i = 0; i < info->rank; i++) st[i] = start[i], cn[i] = count[i], n *= cn[i];
  if (n == 0) return PF_OK;
  hid_t fs = H5Dget_space(v->dset[ds]);
  PF_H5_CHECK(fs >= 0, "%s: no dataspace of %s", v->path, info->path);
  int rc = PF_OK;
  hid_t ms = -1;
  if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cn, NULL) < 0 ||
      (ms = H5Screate_simple(info->rank, cn, NULL)) < 0)
    rc = PF_ERR_IO;
  if (!rc) {
    herr_t e = write ? H5Dwrite(v->dset[ds], pf_store_mem_type(info->kind), ms, fs, v->dxpl, buf)
                     : H5Dread(v->dset[ds], pf_store_mem_type(info->kind), ms, fs, v->dxpl, buf);
    if (e < 0) rc = PF_ERR_IO;
  }
  if (ms >= 0) H5Sclose(ms);
  H5Sclose(fs);
  PF_H5_CHECK(!rc, "%s: cannot %s task %zu of dataset %s", v->path, write ? "write" : "read",
              start[0], info->path);
  return PF_OK;
}

int pf_vstore_flush(pf_vstore *v) {
  PF_H5_CHECK(H5Fflush(v->file, H5F_SCOPE_GLOBAL) >= 0, "%s: cannot flush", v->path);
  return PF_OK;
}
