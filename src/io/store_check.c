/* Validation of a results store when it is opened. A damaged or hostile file must never crash a
 * reader nor make a resume write outside the store, so everything the program later trusts is
 * checked before the first read of raw data that sizes anything and before the first write:
 *   - storage: every group and dataset is reached through hard links only (no soft or external
 *     links), every dataset is contiguous, without external raw storage or filters, of the element
 *     type of the layout (float64 where float64 is documented), of the layout's rank, with its
 *     storage allocated and inside the file (so no size read from the file exceeds the file);
 *   - shapes: the widths of the layout, T rows in every per-task dataset, C cycles in /metrics and
 *     /timing/cycles, (rows, D) point datasets with D in 1..4, sane upper limits;
 *   - descriptions: dim in 1..D and D the largest dim; inputs, outputs and components lists of
 *     names ([A-Za-z0-9_], comma-separated, NUL-padded) with dim inputs, 1..4 outputs and 1..4
 *     components; layer sizes within the configuration's limits (input dim, 1 to 16 hidden layers
 *     of 1 to 4096, output the number of outputs), param_count equal to the count the layers give,
 *     every offset equal to the running sum of the counts before it and every total equal to its
 *     dataset's length, cycles in 1..C, statuses in range, names made of [a-z0-9_] and
 *     NUL-padded; coefficients: 0 to NC names in /tasks/coef_names (NC, the columns of the
 *     coefficient datasets, at most 4 and the largest count), /tasks/trainable 0 or 1 and 1 only
 *     within the task's count, /tasks/coef_true finite within it and NaN past it.
 * Every failure is PF_ERR_IO with a message naming the file, the dataset, the task and what was
 * wrong. */
#include "store_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Limits of the layout (the configuration's limits: network.hidden in src/config/keys.c allows 1
 * to PF_PDE_MAX_HIDDEN widths of 1..4096, train.cycles at most 1000000; the problem's inputs and
 * outputs: /tasks/dim, /tasks/outputs). */
#define PF_STORE_MAX_WIDTH  4096
#define PF_STORE_MAX_CYCLES 1000000
#define PF_STORE_MAX_CONFIG ((hsize_t)1 << 20) /* bytes of a task's canonical text */

#define PF_STORE_REFUSE "the file is damaged or was not written by pinnfluence; refusing it"

/* Every component of an absolute path ("/tasks/cycles": "/tasks", then "/tasks/cycles") must be
 * a hard link; checked in order, so no soft or external link is ever followed. */
static int pf_store_check_links(const char *file, hid_t f, const char *path) {
  char prefix[128];
  const size_t n = strlen(path);
  PF_CHECK(n < sizeof prefix, PF_ERR_INTERNAL, "dataset path %s too long", path);
  for (size_t i = 1; i <= n; i++) {
    if (i < n && path[i] != '/') continue;
    memcpy(prefix, path, i);
    prefix[i] = '\0';
    htri_t exists = H5Lexists(f, prefix, H5P_DEFAULT);
    PF_H5_CHECK(exists >= 0, "%s: cannot look up %s", file, prefix);
    PF_CHECK(exists > 0, PF_ERR_IO, "%s: %s is missing (not a complete store?)", file, prefix);
    H5L_info_t li;
    PF_H5_CHECK(H5Lget_info(f, prefix, &li, H5P_DEFAULT) >= 0, "%s: cannot look up link %s", file,
                prefix);
    PF_CHECK(li.type == H5L_TYPE_HARD, PF_ERR_IO, "%s: %s is a%s link, not a plain %s; %s", file,
             prefix,
             li.type == H5L_TYPE_SOFT       ? " soft"
             : li.type == H5L_TYPE_EXTERNAL ? "n external"
                                            : " user-defined",
             i < n ? "group" : "dataset", PF_STORE_REFUSE);
  }
  return PF_OK;
}

/* Is the file type of a dataset the layout's type for kind (either byte order: HDF5 converts)? */
static int pf_store_type_ok(hid_t ftype, pf_store_kind kind) {
  hid_t le = H5I_INVALID_HID, be = H5I_INVALID_HID, alt_le = H5I_INVALID_HID,
        alt_be = H5I_INVALID_HID;
  switch (kind) {
  case PF_KIND_CHAR: /* 8-bit integers; unsigned ones read the same bytes */
    le = H5T_STD_I8LE, be = H5T_STD_I8BE, alt_le = H5T_STD_U8LE, alt_be = H5T_STD_U8BE;
    break;
  case PF_KIND_I32:
    le = H5T_STD_I32LE, be = H5T_STD_I32BE;
    break;
  case PF_KIND_I64:
    le = H5T_STD_I64LE, be = H5T_STD_I64BE;
    break;
  case PF_KIND_U64:
    le = H5T_STD_U64LE, be = H5T_STD_U64BE;
    break;
  case PF_KIND_F64:
    le = H5T_IEEE_F64LE, be = H5T_IEEE_F64BE;
    break;
  }
  const hid_t cand[4] = {le, be, alt_le, alt_be};
  for (int i = 0; i < 4; i++)
    if (cand[i] >= 0 && H5Tequal(ftype, cand[i]) > 0) return 1;
  return 0;
}

static const char *pf_store_kind_name(pf_store_kind kind) {
  switch (kind) {
  case PF_KIND_CHAR:
    return "8-bit integer (char)";
  case PF_KIND_I32:
    return "int32";
  case PF_KIND_I64:
    return "int64";
  case PF_KIND_U64:
    return "uint64";
  case PF_KIND_F64:
    return "float64";
  }
  return "?";
}

/* The dataset's creation properties, type, rank and storage (dset open). */
static int pf_store_check_dataset_props(const char *file, pf_store_ds ds, hid_t dset, hsize_t eof,
                                        hsize_t dims[3]) {
  const pf_store_dsinfo *info = &pf_store_datasets[ds];
  int rc = PF_OK;
  hid_t dcpl = H5Dget_create_plist(dset);
  PF_H5_CHECK(dcpl >= 0, "%s: cannot get the creation properties of %s", file, info->path);
  H5D_layout_t layout = H5Pget_layout(dcpl);
  int next = H5Pget_external_count(dcpl), nfilt = H5Pget_nfilters(dcpl);
  if (layout < 0 || next < 0 || nfilt < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__,
                           "%s: cannot read the storage properties of %s", file, info->path);
  else if (next > 0)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: dataset %s keeps its data in %d external file%s; %s", file, info->path, next,
                  next == 1 ? "" : "s", PF_STORE_REFUSE);
  else if (layout != H5D_CONTIGUOUS)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: dataset %s is not stored contiguously (layout %s); %s", file, info->path,
                  layout == H5D_CHUNKED   ? "chunked"
                  : layout == H5D_COMPACT ? "compact"
                  : layout == H5D_VIRTUAL ? "virtual"
                                          : "unknown",
                  PF_STORE_REFUSE);
  else if (nfilt > 0)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "%s: dataset %s has filters; %s", file,
                  info->path, PF_STORE_REFUSE);
  PF_H5_CLOSE(rc, H5Pclose(dcpl), "%s: cannot close a property list", file);
  PF_CALL(rc);

  hid_t ftype = H5Dget_type(dset);
  PF_H5_CHECK(ftype >= 0, "%s: cannot get the type of %s", file, info->path);
  const int type_ok = pf_store_type_ok(ftype, info->kind);
  const size_t esize = H5Tget_size(ftype);
  PF_H5_CLOSE(rc, H5Tclose(ftype), "%s: cannot close a type", file);
  PF_CALL(rc);
  PF_CHECK(type_ok, PF_ERR_IO, "%s: dataset %s is not of type %s; %s", file, info->path,
           pf_store_kind_name(info->kind), PF_STORE_REFUSE);

  hid_t space = H5Dget_space(dset);
  PF_H5_CHECK(space >= 0, "%s: cannot get the dataspace of %s", file, info->path);
  H5S_class_t cls = H5Sget_simple_extent_type(space);
  int ndims = H5Sget_simple_extent_ndims(space);
  if (cls != H5S_SIMPLE || ndims != info->rank)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: dataset %s has %d dimensions, expected %d; %s", file, info->path,
                  cls == H5S_SIMPLE ? ndims : 0, info->rank, PF_STORE_REFUSE);
  else if (H5Sget_simple_extent_dims(space, dims, NULL) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot get the shape of %s", file,
                           info->path);
  PF_H5_CLOSE(rc, H5Sclose(space), "%s: cannot close a dataspace", file);
  PF_CALL(rc);

  /* bytes = product of dims * element size, refused past 2^62 before it can overflow */
  const hsize_t lim = (hsize_t)1 << 62;
  hsize_t bytes = esize;
  for (int i = 0; i < info->rank; i++) {
    PF_CHECK(dims[i] == 0 || bytes <= lim / dims[i], PF_ERR_IO,
             "%s: dataset %s is impossibly large; %s", file, info->path, PF_STORE_REFUSE);
    bytes *= dims[i];
  }
  if (eof == 0 || bytes == 0) return PF_OK;
  /* storage allocated in full (the store allocates it at creation) and inside the file: every
   * size the program later reads from the file is then bounded by the file's size */
  const haddr_t addr = H5Dget_offset(dset);
  const hsize_t stored = H5Dget_storage_size(dset);
  PF_CHECK(addr != HADDR_UNDEF && stored == bytes, PF_ERR_IO,
           "%s: dataset %s declares %llu bytes but has %llu stored; %s", file, info->path,
           (unsigned long long)bytes, addr == HADDR_UNDEF ? 0ULL : (unsigned long long)stored,
           PF_STORE_REFUSE);
  PF_CHECK(addr <= eof && bytes <= eof - addr, PF_ERR_IO,
           "%s: dataset %s: its %llu bytes at offset %llu lie beyond the end of the file (%llu "
           "bytes); %s",
           file, info->path, (unsigned long long)bytes, (unsigned long long)addr,
           (unsigned long long)eof, PF_STORE_REFUSE);
  return PF_OK;
}

int pf_store_check_open_dataset(const char *file, hid_t f, pf_store_ds ds, hsize_t eof, hid_t *dset,
                                hsize_t dims[3]) {
  const pf_store_dsinfo *info = &pf_store_datasets[ds];
  *dset = H5I_INVALID_HID;
  dims[0] = dims[1] = dims[2] = 0;
  PF_CALL(pf_store_check_links(file, f, info->path));
  H5O_info_t oi;
  PF_H5_CHECK(H5Oget_info_by_name2(f, info->path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) >= 0,
              "%s: cannot look up %s", file, info->path);
  PF_CHECK(oi.type == H5O_TYPE_DATASET, PF_ERR_IO, "%s: %s is not a dataset; %s", file, info->path,
           PF_STORE_REFUSE);
  *dset = H5Dopen2(f, info->path, H5P_DEFAULT);
  PF_H5_CHECK(*dset >= 0, "%s: cannot open dataset %s (not a complete store?)", file, info->path);
  return pf_store_check_dataset_props(file, ds, *dset, eof, dims);
}

int pf_store_check_structure(const char *file, hid_t f, hsize_t eof) {
  hsize_t dims[PF_DS_COUNT][3];
  for (int ds = 0; ds < PF_DS_COUNT; ds++) {
    hid_t d = H5I_INVALID_HID;
    int rc = pf_store_check_open_dataset(file, f, (pf_store_ds)ds, eof, &d, dims[ds]);
    if (d >= 0)
      PF_H5_CLOSE(rc, H5Dclose(d), "%s: cannot close dataset %s", file, pf_store_datasets[ds].path);
    PF_CALL(rc);
  }
  return pf_store_check_shapes(file, dims);
}

int pf_store_check_shapes(const char *file, const hsize_t dims[PF_DS_COUNT][3]) {
  const hsize_t T = dims[PF_DS_TASK_STATUS][0], C = dims[PF_DS_METRICS][1];
  PF_CHECK(T >= 1 && T <= INT_MAX, PF_ERR_IO, "%s: dataset /tasks/status has %llu rows; %s", file,
           (unsigned long long)T, PF_STORE_REFUSE);
  for (int ds = PF_DS_TASK_CONFIG; ds <= PF_DS_TIMING; ds++)
    PF_CHECK(dims[ds][0] == T, PF_ERR_IO,
             "%s: dataset %s has %llu rows, expected %llu (the rows of /tasks/status); %s", file,
             pf_store_datasets[ds].path, (unsigned long long)dims[ds][0], (unsigned long long)T,
             PF_STORE_REFUSE);
  const hsize_t D = dims[PF_DS_POINTS_FINAL][1];
  PF_CHECK(D >= 1 && D <= PF_STORE_MAX_DIM, PF_ERR_IO,
           "%s: dataset /points/final has %llu columns, expected 1..%d (input coordinates); %s",
           file, (unsigned long long)D, PF_STORE_MAX_DIM, PF_STORE_REFUSE);
  const hsize_t NC = dims[PF_DS_TASK_TRAINABLE][1];
  PF_CHECK(NC <= PF_STORE_MAX_COEF, PF_ERR_IO,
           "%s: dataset /tasks/trainable has %llu columns, expected 0..%d (coefficients); %s", file,
           (unsigned long long)NC, PF_STORE_MAX_COEF, PF_STORE_REFUSE);
  struct {
    pf_store_ds ds;
    int dim;
    hsize_t want;
  } widths[] = {{PF_DS_TASK_PDE, 1, PF_STORE_NAME_LEN},
                {PF_DS_TASK_METHOD, 1, PF_STORE_NAME_LEN},
                {PF_DS_TASK_MODE, 1, PF_STORE_NAME_LEN},
                {PF_DS_TASK_BLAS_CORE, 1, PF_STORE_NAME_LEN},
                {PF_DS_TASK_REASON, 1, PF_STORE_REASON_LEN},
                {PF_DS_TASK_LAYERS, 1, PF_STORE_MAX_LAYERS},
                {PF_DS_METRICS, 2, PF_STORE_RESULT_COLUMNS},
                {PF_DS_TIMING, 1, C},
                {PF_DS_TIMING, 2, PF_STORE_TIMING_COLUMNS},
                {PF_DS_TASK_INPUTS, 1, PF_STORE_NAMES_LEN},
                {PF_DS_TASK_OUTPUTS, 1, PF_STORE_NAMES_LEN},
                {PF_DS_TASK_COMPONENTS, 1, PF_STORE_NAMES_LEN},
                {PF_DS_POINTS_DRAWN, 1, D},
                {PF_DS_POOL_POINTS, 1, D},
                {PF_DS_POOL_Z, 1, D},
                {PF_DS_POOL_SCORES, 0, dims[PF_DS_POOL_POINTS][0]},
                {PF_DS_CKPT_PARAMS, 0, 2 * dims[PF_DS_PARAMS][0]},
                {PF_DS_CKPT_POINTS, 0, 2 * dims[PF_DS_POINTS_FINAL][0]},
                {PF_DS_CKPT_POINTS, 1, D},
                {PF_DS_CKPT_STATE, 0, T},
                {PF_DS_CKPT_STATE, 1, 2},
                {PF_DS_CKPT_STATE, 2, PF_STORE_CKPT_COLUMNS},
                {PF_DS_CKPT_SLOT, 0, T},
                {PF_DS_TASK_COEF_NAMES, 1, PF_STORE_NAMES_LEN},
                {PF_DS_TASK_COEF_TRUE, 1, NC},
                {PF_DS_COEFS, 1, C},
                {PF_DS_COEFS, 2, NC},
                {PF_DS_CKPT_COEF, 0, T},
                {PF_DS_CKPT_COEF, 1, 2},
                {PF_DS_CKPT_COEF, 2, NC}};
  for (size_t i = 0; i < sizeof widths / sizeof *widths; i++)
    PF_CHECK(dims[widths[i].ds][widths[i].dim] == widths[i].want, PF_ERR_IO,
             "%s: dataset %s has %llu entries in dimension %d, expected %llu; %s", file,
             pf_store_datasets[widths[i].ds].path,
             (unsigned long long)dims[widths[i].ds][widths[i].dim], widths[i].dim,
             (unsigned long long)widths[i].want, PF_STORE_REFUSE);
  PF_CHECK(C >= 1 && C <= PF_STORE_MAX_CYCLES, PF_ERR_IO,
           "%s: dataset /metrics has %llu cycles, expected 1..%d; %s", file, (unsigned long long)C,
           PF_STORE_MAX_CYCLES, PF_STORE_REFUSE);
  const hsize_t W = dims[PF_DS_TASK_CONFIG][1];
  PF_CHECK(W >= 1 && W <= PF_STORE_MAX_CONFIG, PF_ERR_IO,
           "%s: dataset /tasks/config is %llu bytes wide, expected 1..%llu; %s", file,
           (unsigned long long)W, (unsigned long long)PF_STORE_MAX_CONFIG, PF_STORE_REFUSE);
  return PF_OK;
}

/* Is a name (NAME_LEN bytes, NUL-terminated copy in the cache) non-empty, made of [a-z0-9_], and
 * NUL-padded after its end? */
static int pf_store_name_ok(const char *name) {
  size_t n = 0;
  while (n < PF_STORE_NAME_LEN && name[n]) {
    const char c = name[n];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    n++;
  }
  for (size_t i = n; i < PF_STORE_NAME_LEN; i++)
    if (name[i]) return 0;
  return n > 0;
}

int pf_store_label_count(const char *label, size_t len) {
  size_t n = 0;
  int count = 0, at_start = 1; /* at the start of a name */
  for (; n < len && label[n]; n++) {
    const char c = label[n];
    if (c == ',') {
      if (at_start) return -1; /* an empty name */
      at_start = 1;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_') {
      count += at_start;
      at_start = 0;
    } else {
      return -1;
    }
  }
  if (at_start) return -1; /* empty, or a trailing comma */
  for (size_t i = n; i < len; i++)
    if (label[i]) return -1;
  return count;
}

int pf_store_coef_count(const char *label, size_t len) {
  size_t n = 0;
  while (n < len && !label[n]) n++;
  return n == len ? 0 : pf_store_label_count(label, len);
}

/* The coefficients of task i: names, trainable flags and true values that agree (cached). */
static int pf_store_check_coef(pf_store *st, int i, int *ncoef) {
  const char *file = st->path;
  const int nc = pf_store_coef_count(st->coef_names + (size_t)i * (PF_STORE_NAMES_LEN + 1),
                                     PF_STORE_NAMES_LEN);
  PF_CHECK(nc >= 0 && nc <= st->max_coef, PF_ERR_IO,
           "%s: dataset /tasks/coef_names, task %d: not a list of 0 to %d names (the columns of "
           "/tasks/trainable; letters, digits and _, comma-separated, NUL-padded); %s",
           file, i, st->max_coef, PF_STORE_REFUSE);
  for (int j = 0; j < st->max_coef; j++) {
    const int8_t tr = st->trainable[(size_t)i * PF_STORE_MAX_COEF + (size_t)j];
    const double v = st->coef_true[(size_t)i * PF_STORE_MAX_COEF + (size_t)j];
    PF_CHECK(tr == 0 || (tr == 1 && j < nc), PF_ERR_IO,
             "%s: dataset /tasks/trainable, task %d, column %d: %d, expected 0%s (the task has "
             "%d coefficients); %s",
             file, i, j, (int)tr, j < nc ? " or 1" : "", nc, PF_STORE_REFUSE);
    PF_CHECK(j < nc ? isfinite(v) : isnan(v), PF_ERR_IO,
             "%s: dataset /tasks/coef_true, task %d, column %d: %g, expected %s (the task has %d "
             "coefficients); %s",
             file, i, j, v, j < nc ? "a finite value" : "NaN", nc, PF_STORE_REFUSE);
  }
  *ncoef = nc;
  return PF_OK;
}

int pf_store_check_descriptions(pf_store *st) {
  static const char *const name_ds[PF_STORE_NAMES] = {"/tasks/pde", "/tasks/method", "/tasks/mode"};
  static const pf_store_ds total_ds[5] = {PF_DS_PARAMS, PF_DS_POINTS_FINAL, PF_DS_POINTS_DRAWN,
                                          PF_DS_POOL_POINTS, PF_DS_POOL_Z};
  const char *file = st->path;
  hsize_t dims[PF_DS_COUNT][3] = {{0}};
  for (int ds = 0; ds < PF_DS_COUNT; ds++)
    PF_H5_CHECK(H5Sget_simple_extent_dims(st->fspace[ds], dims[ds], NULL) >= 0,
                "%s: cannot get the shape of %s", file, pf_store_datasets[ds].path);
  const int C = st->max_cycles;
  const uint64_t lim = (uint64_t)1 << 62;
  uint64_t totals[5] = {0};
  int32_t max_dim = 0;
  int max_coef = 0;
  for (int i = 0; i < st->ntasks; i++) {
    int nc = 0;
    PF_CALL(pf_store_check_coef(st, i, &nc));
    if (nc > max_coef) max_coef = nc;
    for (int k = 0; k < PF_STORE_NAMES; k++) {
      const char *name =
          st->names + ((size_t)i * PF_STORE_NAMES + (size_t)k) * (PF_STORE_NAME_LEN + 1);
      PF_CHECK(pf_store_name_ok(name), PF_ERR_IO,
               "%s: dataset %s, task %d: not a name (lower-case letters, digits and _, "
               "NUL-padded); %s",
               file, name_ds[k], i, PF_STORE_REFUSE);
    }
    const int32_t cycles = st->cycles[i];
    PF_CHECK(cycles >= 1 && cycles <= C, PF_ERR_IO,
             "%s: dataset /tasks/cycles, task %d: %d cycles, expected 1..%d (the cycles of "
             "/metrics); %s",
             file, i, (int)cycles, C, PF_STORE_REFUSE);
    /* the problem: dim in 1..D, its input, output and component names */
    const int32_t dim = st->dim[i];
    PF_CHECK(dim >= 1 && dim <= st->max_dim, PF_ERR_IO,
             "%s: dataset /tasks/dim, task %d: %d input coordinates, expected 1..%d (the columns "
             "of /points/final); %s",
             file, i, (int)dim, st->max_dim, PF_STORE_REFUSE);
    if (dim > max_dim) max_dim = dim;
    int count[PF_STORE_LABELS];
    for (int k = 0; k < PF_STORE_LABELS; k++) {
      const char *label =
          st->labels + ((size_t)i * PF_STORE_LABELS + (size_t)k) * (PF_STORE_NAMES_LEN + 1);
      count[k] = pf_store_label_count(label, PF_STORE_NAMES_LEN);
      const int want = k == 0 ? dim : 0;
      char many[48];
      if (want)
        snprintf(many, sizeof many, "%d (/tasks/dim)", want);
      else
        snprintf(many, sizeof many, "1 to %d", PF_STORE_MAX_OUTPUTS);
      PF_CHECK(count[k] >= 1 && count[k] <= PF_STORE_MAX_OUTPUTS && (!want || count[k] == want),
               PF_ERR_IO,
               "%s: dataset %s, task %d: not a list of %s names (letters, digits and _, "
               "comma-separated, NUL-padded); %s",
               file, pf_store_datasets[PF_DS_TASK_INPUTS + k].path, i, many, PF_STORE_REFUSE);
    }
    /* layers: input dim, 1..16 hidden widths, output the number of outputs, then zeros */
    const int32_t *l = st->layers + (size_t)i * PF_STORE_MAX_LAYERS;
    int n = 0;
    while (n < PF_STORE_MAX_LAYERS && l[n] != 0) n++;
    int ok = n >= 3 && l[0] == dim && l[n - 1] == count[1];
    for (int j = 1; ok && j < n - 1; j++) ok = l[j] >= 1 && l[j] <= PF_STORE_MAX_WIDTH;
    for (int j = n; ok && j < PF_STORE_MAX_LAYERS; j++) ok = l[j] == 0;
    PF_CHECK(ok, PF_ERR_IO,
             "%s: dataset /tasks/layers, task %d: layer sizes must be %d (/tasks/dim), 1 to %d "
             "hidden widths of 1..%d, %d (the names in /tasks/outputs), then zeros; %s",
             file, i, (int)dim, PF_STORE_MAX_LAYERS - 2, PF_STORE_MAX_WIDTH, count[1],
             PF_STORE_REFUSE);
    uint64_t P = 0; /* the layout of nn.h: per layer W (out, in) and b (out) */
    for (int j = 0; j + 1 < n; j++) P += ((uint64_t)l[j] + 1) * (uint64_t)l[j + 1];
    const uint64_t *row = st->idx + (size_t)i * PF_IDX_COUNT;
    PF_CHECK(row[PF_IDX_PARAM_COUNT] == P, PF_ERR_IO,
             "%s: dataset /tasks/param_count, task %d: %llu parameters, the layers in "
             "/tasks/layers give %llu; %s",
             file, i, (unsigned long long)row[PF_IDX_PARAM_COUNT], (unsigned long long)P,
             PF_STORE_REFUSE);
    const uint64_t per = row[PF_IDX_DRAWN_PER_CYCLE];
    PF_CHECK(per <= lim / (uint64_t)cycles, PF_ERR_IO,
             "%s: dataset /tasks/drawn_per_cycle, task %d: %llu is impossibly large; %s", file, i,
             (unsigned long long)per, PF_STORE_REFUSE);
    const uint64_t counts[5] = {row[PF_IDX_PARAM_COUNT], row[PF_IDX_FINAL_COUNT],
                                per * (uint64_t)cycles, row[PF_IDX_POOL_COUNT],
                                row[PF_IDX_Z_COUNT]};
    for (int k = 0; k < 5; k++) {
      const char *off_name = pf_store_datasets[PF_DS_PARAM_OFFSET + 2 * k].path;
      const char *cnt_name = pf_store_datasets[PF_DS_PARAM_OFFSET + 2 * k + 1].path;
      PF_CHECK(row[2 * k] == totals[k], PF_ERR_IO,
               "%s: dataset %s, task %d: offset %llu, expected %llu (the sum of the counts of "
               "the tasks before it); %s",
               file, off_name, i, (unsigned long long)row[2 * k], (unsigned long long)totals[k],
               PF_STORE_REFUSE);
      PF_CHECK(counts[k] <= dims[total_ds[k]][0] && totals[k] <= dims[total_ds[k]][0] - counts[k],
               PF_ERR_IO,
               "%s: dataset %s, task %d: %llu rows from %llu lie outside %s (%llu rows); %s", file,
               cnt_name, i, (unsigned long long)counts[k], (unsigned long long)totals[k],
               pf_store_datasets[total_ds[k]].path, (unsigned long long)dims[total_ds[k]][0],
               PF_STORE_REFUSE);
      totals[k] += counts[k];
    }
  }
  for (int k = 0; k < 5; k++)
    PF_CHECK(totals[k] == dims[total_ds[k]][0], PF_ERR_IO,
             "%s: dataset %s has %llu rows, the counts of /tasks give %llu; %s", file,
             pf_store_datasets[total_ds[k]].path, (unsigned long long)dims[total_ds[k]][0],
             (unsigned long long)totals[k], PF_STORE_REFUSE);
  PF_CHECK(max_dim == st->max_dim, PF_ERR_IO,
           "%s: the point datasets have %d columns, the largest /tasks/dim is %d; %s", file,
           st->max_dim, (int)max_dim, PF_STORE_REFUSE);
  PF_CHECK(max_coef == st->max_coef, PF_ERR_IO,
           "%s: the coefficient datasets have %d columns, the largest count in /tasks/coef_names "
           "is %d; %s",
           file, st->max_coef, max_coef, PF_STORE_REFUSE);
  const uint64_t pool_params = totals[3] > 0 ? totals[0] : 0;
  PF_CHECK(dims[PF_DS_POOL_PARAMS][0] == pool_params, PF_ERR_IO,
           "%s: dataset /pool/params has %llu entries, expected %llu; %s", file,
           (unsigned long long)dims[PF_DS_POOL_PARAMS][0], (unsigned long long)pool_params,
           PF_STORE_REFUSE);
  return PF_OK;
}

/* Statuses and reasons are written while the store is open, so they are checked when read
 * (store_io.c) and, once, here at opening: every status in range, every reason NUL-terminated
 * within its width. Rank 0 alone; reasons in blocks of 4096 rows (1 MB). */
int pf_store_check_statuses(pf_store *st) {
  const size_t T = (size_t)st->ntasks, B = 4096;
  int32_t *s = NULL;
  char *r = NULL; /* (B, PF_STORE_REASON_LEN) */
  PF_CALL(PF_CALLOC(T, &s));
  int rc = PF_CALLOC(B * PF_STORE_REASON_LEN, &r);
  hsize_t start[2] = {0, 0}, count[2] = {T, PF_STORE_REASON_LEN};
  if (!rc) rc = pf_store_rw(st, PF_DS_TASK_STATUS, 0, start, count, s);
  for (size_t i = 0; i < T && !rc; i++)
    if (s[i] < PF_TASK_PENDING || s[i] > PF_TASK_STATUS_MAX)
      rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                    "%s: dataset /tasks/status, task %zu: %d is not a status (0 pending, 1 "
                    "running, 2 done, 3 failed, 4 interrupted); %s",
                    st->path, i, (int)s[i], PF_STORE_REFUSE);
  for (size_t first = 0; first < T && !rc; first += B) {
    const size_t n = T - first < B ? T - first : B;
    start[0] = first, count[0] = n;
    rc = pf_store_rw(st, PF_DS_TASK_REASON, 0, start, count, r);
    for (size_t i = 0; i < n && !rc; i++)
      if (!memchr(r + i * PF_STORE_REASON_LEN, '\0', PF_STORE_REASON_LEN))
        rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                      "%s: dataset /tasks/reason, task %zu: not NUL-terminated within its %d "
                      "bytes; %s",
                      st->path, first + i, PF_STORE_REASON_LEN, PF_STORE_REFUSE);
  }
  PF_FREE(&s);
  PF_FREE(&r);
  return rc;
}

static int pf_store_check_tasks_local(pf_store *st, int ntasks, const pf_store_task *tasks) {
  const char *file = st->path;
  PF_CHECK(ntasks == st->ntasks, PF_ERR_IO, "%s: holds %d tasks, the configuration gives %d", file,
           st->ntasks, ntasks);
  for (int i = 0; i < ntasks; i++) {
    const pf_store_task *t = &tasks[i];
    pf_store_task d;
    PF_CALL(pf_store_read_task(st, i, &d));
    const char *what = NULL;
    unsigned long long got = 0, want = 0;
    const char *names[PF_STORE_NAMES][2] = {
        {d.pde, t->pde}, {d.method, t->method}, {d.mode, t->mode}};
    static const char *const name_ds[PF_STORE_NAMES] = {"/tasks/pde", "/tasks/method",
                                                        "/tasks/mode"};
    for (int k = 0; k < PF_STORE_NAMES; k++)
      PF_CHECK(!strcmp(names[k][0], names[k][1]), PF_ERR_IO,
               "%s: dataset %s, task %d: \"%s\", the configuration gives \"%s\"; the file is "
               "damaged, refusing it",
               file, name_ds[k], i, names[k][0], names[k][1]);
#define PF_CMP(ds, a, b)                                                                           \
  if (!what && (unsigned long long)(a) != (unsigned long long)(b))                                 \
    what = (ds), got = (unsigned long long)(a), want = (unsigned long long)(b);
    PF_CMP("/tasks/hash", d.hash, t->hash)
    PF_CMP("/tasks/seed", d.seed, t->seed)
    PF_CMP("/tasks/cycles", d.cycles, t->cycles)
    PF_CMP("/tasks/param_count", d.nparams, t->nparams)
    PF_CMP("/tasks/final_count", d.final_points, t->final_points)
    PF_CMP("/tasks/drawn_per_cycle", d.drawn_per_cycle, t->drawn_per_cycle)
    PF_CMP("/tasks/pool_count", d.pool_points, t->pool_points)
    PF_CMP("/tasks/z_count", d.z_points, t->z_points)
    PF_CMP("/tasks/dim", d.dim, t->dim)
    PF_CMP("/tasks/layers (count)", d.nlayers, t->nlayers)
    for (int l = 0; !what && l <= t->nlayers && l < PF_STORE_MAX_LAYERS; l++)
      PF_CMP("/tasks/layers", d.sizes[l], t->sizes[l])
#undef PF_CMP
    const char *labels[PF_STORE_LABELS][2] = {
        {d.inputs, t->inputs}, {d.outputs, t->outputs}, {d.components, t->components}};
    for (int k = 0; k < PF_STORE_LABELS; k++)
      PF_CHECK(!strcmp(labels[k][0], labels[k][1] ? labels[k][1] : ""), PF_ERR_IO,
               "%s: dataset %s, task %d: \"%s\", the configuration gives \"%s\"; the file was "
               "written for another problem description, refusing it",
               file, pf_store_datasets[PF_DS_TASK_INPUTS + k].path, i, labels[k][0],
               labels[k][1] ? labels[k][1] : "");
    PF_CHECK(!what, PF_ERR_IO,
             "%s: dataset %s, task %d: %llu, the configuration gives %llu; the file is damaged, "
             "refusing it",
             file, what, i, got, want);
    const char *tnames = t->coef_names ? t->coef_names : "";
    PF_CHECK(!strcmp(d.coef_names, tnames) && d.ncoef == t->ncoef, PF_ERR_IO,
             "%s: dataset /tasks/coef_names, task %d: \"%s\", the configuration gives \"%s\"; the "
             "file was written for another problem description, refusing it",
             file, i, d.coef_names, tnames);
    for (int j = 0; j < t->ncoef && j < PF_STORE_MAX_COEF; j++) {
      PF_CHECK(d.trainable[j] == (t->trainable[j] != 0), PF_ERR_IO,
               "%s: dataset /tasks/trainable, task %d, coefficient %d: %d, the configuration "
               "gives %d; refusing it",
               file, i, j, d.trainable[j], t->trainable[j] != 0);
      /* bitwise: the stored value is the configuration's double as it was */
      PF_CHECK(!memcmp(&d.coef_true[j], &t->coef_true[j], sizeof(double)), PF_ERR_IO,
               "%s: dataset /tasks/coef_true, task %d, coefficient %d: %.17g, the configuration "
               "gives %.17g; refusing it",
               file, i, j, d.coef_true[j], t->coef_true[j]);
    }
  }
  return PF_OK;
}

int pf_store_check_tasks(pf_store *st, int ntasks, const pf_store_task *tasks) {
  PF_CHECK(st && tasks, PF_ERR_ARG, "store or tasks is NULL");
  /* rank 0 compares (every rank holds the same descriptions), all learn the verdict */
  return pf_store_agree(st->comm,
                        st->rank == 0 ? pf_store_check_tasks_local(st, ntasks, tasks) : PF_OK);
}
