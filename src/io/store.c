/* The results store's life cycle: create (every dataset at its final size with storage allocated
 * and filled, the provenance attributes, the task descriptions, then a flush), open (format
 * check, dataset handles, task descriptions cached) and close.
 *
 * Crash safety rests on one rule: all metadata is written at creation and flushed before
 * pf_store_create returns; afterwards only raw data of contiguous, early-allocated datasets is
 * written (store_io.c), which never touches HDF5 metadata. A process killed at any later moment
 * therefore leaves a file whose metadata is complete and consistent.
 *
 * Collective steps end with pf_store_agree, so a step that fails on one rank fails on all and
 * every rank returns the same code. */
#include "store_impl.h"

#include "pf_version.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Raise an error that every rank detects alike (same inputs, same file): only rank 0 prints it. */
#define PF_STORE_RAISE0(st, code, ...)                                                             \
  do {                                                                                             \
    if ((st)->rank == 0) PF_RAISE((code), __VA_ARGS__);                                            \
    return (code);                                                                                 \
  } while (0)

static const char *const pf_store_groups[] = {"/sweep", "/tasks",  "/points",
                                              "/pool",  "/timing", "/checkpoint"};

/* ------------------------------------------------------------------ small helpers */

/* HDF5 prints its error stack by default; errors are reported through pf_error instead, with the
 * innermost HDF5 message (pf_store_h5_error). */
static int pf_store_quiet_hdf5(void) {
  PF_CHECK(H5Eset_auto2(H5E_DEFAULT, NULL, NULL) >= 0, PF_ERR_IO,
           "cannot silence HDF5's error printing (is HDF5 usable?)");
  return PF_OK;
}

static char *pf_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Collective on comm. Broadcast bytes from rank 0 in pieces that fit an int count. */
static int pf_store_bcast(MPI_Comm comm, void *buf, size_t bytes) {
  const size_t piece = (size_t)1 << 30;
  for (size_t off = 0; off < bytes; off += piece) {
    size_t n = bytes - off < piece ? bytes - off : piece;
    PF_CALL_MPI(MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, 0, comm));
  }
  return PF_OK;
}

/* Collective on comm. Make *s (malloc'ed) on every rank a copy of rank 0's *s. */
static int pf_store_bcast_string(MPI_Comm comm, int rank, char **s) {
  uint64_t len = rank == 0 ? (uint64_t)strlen(*s) : 0;
  PF_CALL_MPI(MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm));
  if (rank != 0) {
    free(*s);
    *s = malloc((size_t)len + 1);
    PF_CHECK(*s != NULL, PF_ERR_MEM, "cannot allocate %llu bytes", (unsigned long long)len + 1);
    (*s)[len] = '\0';
  }
  PF_CALL(pf_store_bcast(comm, *s, (size_t)len));
  return PF_OK;
}

/* Collective on comm. A new handle with a duplicate of comm and no HDF5 objects. */
static int pf_store_new(MPI_Comm comm, const char *path, pf_store **out) {
  pf_store *s = NULL;
  PF_CALL(PF_CALLOC(1, &s));
  s->comm = MPI_COMM_NULL;
  s->file = s->dxpl = H5I_INVALID_HID;
  s->sync_fd = -1;
  for (int i = 0; i < PF_DS_COUNT; i++) s->dset[i] = s->fspace[i] = H5I_INVALID_HID;
  *out = s;
  s->path = pf_strdup(path);
  PF_CHECK(s->path != NULL, PF_ERR_MEM, "cannot copy a path");
  PF_CALL_MPI(MPI_Comm_dup(comm, &s->comm));
  PF_CALL_MPI(MPI_Comm_rank(s->comm, &s->rank));
  PF_CALL_MPI(MPI_Comm_size(s->comm, &s->size));
  return PF_OK;
}

/* File access: MPI-IO on the store's communicator, no file locking (readers may open the file
 * while a sweep writes it; the writer's discipline makes that safe). */
static int pf_store_fapl(pf_store *st, hid_t *fapl) {
  *fapl = H5Pcreate(H5P_FILE_ACCESS);
  PF_H5_CHECK(*fapl >= 0, "%s: cannot create a file access property list", st->path);
  PF_H5_CHECK(H5Pset_fapl_mpio(*fapl, st->comm, MPI_INFO_NULL) >= 0,
              "%s: cannot select the MPI-IO file driver", st->path);
  PF_H5_CHECK(H5Pset_file_locking(*fapl, 0, 1) >= 0, "%s: cannot disable file locking", st->path);
  /* H5Fclose closes whatever is still open in the file: nothing of it outlives the store */
  PF_H5_CHECK(H5Pset_fclose_degree(*fapl, H5F_CLOSE_STRONG) >= 0,
              "%s: cannot set the file close degree", st->path);
  return PF_OK;
}

static int pf_store_make_dxpl(pf_store *st) {
  st->dxpl = H5Pcreate(H5P_DATASET_XFER);
  PF_H5_CHECK(st->dxpl >= 0, "%s: cannot create a transfer property list", st->path);
  PF_H5_CHECK(H5Pset_dxpl_mpio(st->dxpl, H5FD_MPIO_INDEPENDENT) >= 0,
              "%s: cannot select independent MPI-IO transfers", st->path);
  return PF_OK;
}

/* A scalar fixed-length string attribute (NUL-padded; parallel HDF5 cannot write variable-length
 * strings). */
static int pf_store_attr_string(pf_store *st, hid_t obj, const char *objname, const char *name,
                                const char *value) {
  size_t len = strlen(value);
  int rc = PF_OK;
  hid_t type = H5Tcopy(H5T_C_S1), space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  PF_H5_CHECK(type >= 0, "%s: cannot create a string type for attribute %s of %s", st->path, name,
              objname);
  if (H5Tset_size(type, len > 0 ? len : 1) < 0 || H5Tset_strpad(type, H5T_STR_NULLPAD) < 0 ||
      (space = H5Screate(H5S_SCALAR)) < 0 ||
      (attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
      H5Awrite(attr, type, value) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot write attribute %s of %s",
                           st->path, name, objname);
  if (attr >= 0) PF_H5_CLOSE(rc, H5Aclose(attr), "%s: cannot close attribute %s", st->path, name);
  if (space >= 0) PF_H5_CLOSE(rc, H5Sclose(space), "%s: cannot close a dataspace", st->path);
  PF_H5_CLOSE(rc, H5Tclose(type), "%s: cannot close a string type", st->path);
  return rc;
}

static int pf_store_attr_int(pf_store *st, hid_t obj, const char *objname, const char *name,
                             int value) {
  int rc = PF_OK;
  hid_t space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
  if (space < 0 ||
      (attr = H5Acreate2(obj, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
      H5Awrite(attr, H5T_NATIVE_INT, &value) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot write attribute %s of %s",
                           st->path, name, objname);
  if (attr >= 0) PF_H5_CLOSE(rc, H5Aclose(attr), "%s: cannot close attribute %s", st->path, name);
  if (space >= 0) PF_H5_CLOSE(rc, H5Sclose(space), "%s: cannot close a dataspace", st->path);
  return rc;
}

/* Read a scalar fixed-length string attribute into *value (malloc'ed, NUL-terminated). */
static int pf_store_read_attr_string(const char *path, hid_t obj, const char *name, char **value) {
  *value = NULL;
  int rc = PF_OK;
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT), ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
  PF_H5_CHECK(attr >= 0, "%s: cannot open attribute %s of /", path, name);
  ftype = H5Aget_type(attr);
  if (ftype < 0) {
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot read the type of attribute %s",
                           path, name);
  } else if (H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) != 0) {
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: attribute %s of / is not a fixed-length string", path, name);
  } else {
    size_t size = H5Tget_size(ftype);
    *value = calloc(size + 1, 1);
    if (!*value) {
      rc = pf_error(PF_ERR_MEM, __FILE__, __LINE__, __func__, "cannot allocate %zu bytes", size);
    } else if ((mtype = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mtype, size) < 0 ||
               H5Tset_strpad(mtype, H5T_STR_NULLPAD) < 0 || H5Aread(attr, mtype, *value) < 0) {
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot read attribute %s of /",
                             path, name);
    }
  }
  if (mtype >= 0) PF_H5_CLOSE(rc, H5Tclose(mtype), "%s: cannot close a string type", path);
  if (ftype >= 0) PF_H5_CLOSE(rc, H5Tclose(ftype), "%s: cannot close a string type", path);
  PF_H5_CLOSE(rc, H5Aclose(attr), "%s: cannot close attribute %s", path, name);
  if (rc) {
    free(*value);
    *value = NULL;
  }
  return rc;
}

static int pf_store_read_attr_int(const char *path, hid_t obj, const char *name, int *value) {
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  PF_H5_CHECK(attr >= 0, "%s: cannot open attribute %s of /", path, name);
  int rc = PF_OK;
  if (H5Aread(attr, H5T_NATIVE_INT, value) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__,
                           "%s: cannot read attribute %s of / as an integer", path, name);
  PF_H5_CLOSE(rc, H5Aclose(attr), "%s: cannot close attribute %s", path, name);
  return rc;
}

/* ------------------------------------------------------------------ provenance */

enum {
  PF_PROV_PROGRAM_VERSION,
  PF_PROV_GIT_COMMIT,
  PF_PROV_COMPILER,
  PF_PROV_BUILD_TYPE,
  PF_PROV_BLAS_CONFIG,
  PF_PROV_BLAS_CORE,
  PF_PROV_MPI_VERSION,
  PF_PROV_HDF5_VERSION,
  PF_PROV_HOSTS,
  PF_PROV_CREATED,
  PF_PROV_COMMAND_LINE,
  PF_PROV_COUNT
};
static const char *const pf_prov_names[PF_PROV_COUNT] = {
    "program_version", "git_commit",   "compiler", "build_type", "blas_config", "blas_core",
    "mpi_version",     "hdf5_version", "hosts",    "created",    "command_line"};

static void pf_prov_free(char **prov) {
  for (int i = 0; i < PF_PROV_COUNT; i++) {
    free(prov[i]);
    prov[i] = NULL;
  }
}

/* Distinct host names in rank order, comma-separated (names: (size, MPI_MAX_PROCESSOR_NAME)). */
static int pf_prov_hosts(const char *names, int size, char **hosts) {
  size_t cap = 1;
  for (int r = 0; r < size; r++) cap += strlen(names + (size_t)r * MPI_MAX_PROCESSOR_NAME) + 1;
  char *h = calloc(cap, 1);
  PF_CHECK(h != NULL, PF_ERR_MEM, "cannot allocate %zu bytes", cap);
  for (int r = 0; r < size; r++) {
    const char *n = names + (size_t)r * MPI_MAX_PROCESSOR_NAME;
    int seen = 0;
    for (int q = 0; q < r && !seen; q++)
      seen = !strcmp(n, names + (size_t)q * MPI_MAX_PROCESSOR_NAME);
    if (seen) continue;
    if (h[0]) strcat(h, ",");
    strcat(h, n);
  }
  *hosts = h;
  return PF_OK;
}

/* Rank 0's value of every provenance string (hosts from all ranks), local part. */
static int pf_prov_local(pf_store *st, const char *names, const char *command_line, char **prov) {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING + 1] = "";
  int len = 0;
  PF_CALL_MPI(MPI_Get_library_version(buf, &len));
  buf[len < 0 ? 0 : (len > MPI_MAX_LIBRARY_VERSION_STRING ? MPI_MAX_LIBRARY_VERSION_STRING : len)] =
      '\0';
  for (size_t n = strlen(buf); n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '); n--)
    buf[n - 1] = '\0';
  prov[PF_PROV_MPI_VERSION] = pf_strdup(buf);
  unsigned maj = 0, min = 0, rel = 0;
  PF_H5_CHECK(H5get_libversion(&maj, &min, &rel) >= 0, "%s: cannot get the HDF5 version", st->path);
  snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
  prov[PF_PROV_HDF5_VERSION] = pf_strdup(buf);
  prov[PF_PROV_PROGRAM_VERSION] = pf_strdup(PF_VERSION_STRING);
  prov[PF_PROV_GIT_COMMIT] = pf_strdup(PF_GIT_COMMIT);
  prov[PF_PROV_COMPILER] = pf_strdup(PF_C_COMPILER);
  prov[PF_PROV_BUILD_TYPE] = pf_strdup(PF_BUILD_TYPE);
  const char *bc = pf_blas_config(), *bk = pf_blas_core();
  prov[PF_PROV_BLAS_CONFIG] = pf_strdup(bc ? bc : "unknown");
  prov[PF_PROV_BLAS_CORE] = pf_strdup(bk ? bk : "unknown");
  time_t now = time(NULL);
  struct tm tm;
  PF_CHECK(now != (time_t)-1 && gmtime_r(&now, &tm) != NULL, PF_ERR_IO, "cannot read the clock");
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  prov[PF_PROV_CREATED] = pf_strdup(buf);
  prov[PF_PROV_COMMAND_LINE] = pf_strdup(command_line ? command_line : "");
  PF_CALL(pf_prov_hosts(names, st->size, &prov[PF_PROV_HOSTS]));
  for (int i = 0; i < PF_PROV_COUNT; i++)
    PF_CHECK(prov[i] != NULL, PF_ERR_MEM, "cannot copy provenance %s", pf_prov_names[i]);
  return PF_OK;
}

/* Collective on the store's communicator. Every rank gets rank 0's provenance strings: HDF5
 * metadata (attributes) must be identical on all ranks. Host names are gathered to rank 0 only. */
static int pf_prov_collect(pf_store *st, const char *command_line, char **prov) {
  char name[MPI_MAX_PROCESSOR_NAME] = "";
  int len = 0, rc = PF_OK;
  char *names = NULL; /* (size, MPI_MAX_PROCESSOR_NAME) on rank 0 */
  if (st->rank == 0) rc = PF_CALLOC((size_t)st->size * MPI_MAX_PROCESSOR_NAME, &names);
  /* a host without a name is recorded as "?" rather than failing the sweep */
  if (MPI_Get_processor_name(name, &len) != MPI_SUCCESS) snprintf(name, sizeof name, "?");
  rc = pf_store_agree(st->comm, rc);
  if (!rc && MPI_Gather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names, MPI_MAX_PROCESSOR_NAME,
                        MPI_CHAR, 0, st->comm) != MPI_SUCCESS)
    rc = pf_error(PF_ERR_MPI, __FILE__, __LINE__, __func__, "%s: cannot gather host names",
                  st->path);
  if (!rc && st->rank == 0) rc = pf_prov_local(st, names, command_line, prov);
  PF_FREE(&names);
  rc = pf_store_agree(st->comm, rc);
  for (int i = 0; i < PF_PROV_COUNT && !rc; i++) {
    if (st->rank != 0) prov[i] = pf_strdup("");
    rc = prov[i] ? pf_store_bcast_string(st->comm, st->rank, &prov[i]) : PF_ERR_MEM;
    rc = pf_store_agree(st->comm, rc);
  }
  return rc;
}

/* Collective on the store's communicator (HDF5 metadata): the root group's attributes. */
static int pf_store_write_provenance(pf_store *st, char **prov) {
  PF_CALL(pf_store_attr_string(st, st->file, "/", "format", PF_STORE_FORMAT));
  PF_CALL(pf_store_attr_int(st, st->file, "/", "format_version", PF_STORE_FORMAT_VERSION));
  for (int i = 0; i < PF_PROV_COUNT; i++)
    PF_CALL(pf_store_attr_string(st, st->file, "/", pf_prov_names[i], prov[i]));
  PF_CALL(pf_store_attr_int(st, st->file, "/", "ranks", st->size));
  return PF_OK;
}

/* ------------------------------------------------------------------ creation */

/* Validate the inputs (local; every rank holds the same inputs). */
static int pf_store_check_inputs(const char *path, int ntasks, const pf_store_task *tasks) {
  PF_CHECK(path && path[0], PF_ERR_ARG, "store path is empty");
  PF_CHECK(ntasks >= 1 && tasks, PF_ERR_ARG, "%s: a store needs at least one task, got %d", path,
           ntasks);
  for (int i = 0; i < ntasks; i++) {
    const pf_store_task *t = &tasks[i];
    PF_CHECK(t->canonical && t->pde && t->method && t->mode, PF_ERR_ARG,
             "%s: task %d: canonical text, pde, method and mode are required", path, i);
    PF_CHECK(strlen(t->pde) <= PF_STORE_NAME_LEN && strlen(t->method) <= PF_STORE_NAME_LEN &&
                 strlen(t->mode) <= PF_STORE_NAME_LEN,
             PF_ERR_ARG, "%s: task %d: pde, method and mode must have at most %d characters", path,
             i, PF_STORE_NAME_LEN);
    PF_CHECK(t->cycles >= 0, PF_ERR_ARG, "%s: task %d: cycles = %d must be >= 0", path, i,
             t->cycles);
    PF_CHECK(t->nlayers >= 1 && t->nlayers < PF_STORE_MAX_LAYERS && t->sizes, PF_ERR_ARG,
             "%s: task %d: nlayers = %d must be 1..%d (with sizes)", path, i, t->nlayers,
             PF_STORE_MAX_LAYERS - 1);
    for (int l = 0; l <= t->nlayers; l++)
      PF_CHECK(t->sizes[l] > 0, PF_ERR_ARG, "%s: task %d: layer size %d is %d, must be > 0", path,
               i, l, t->sizes[l]);
    PF_CHECK(t->dim >= 1 && t->dim <= PF_STORE_MAX_DIM, PF_ERR_ARG,
             "%s: task %d: dim = %d must be 1..%d", path, i, t->dim, PF_STORE_MAX_DIM);
    const char *labels[PF_STORE_LABELS] = {t->inputs, t->outputs, t->components};
    static const char *const what[PF_STORE_LABELS] = {"inputs", "outputs", "components"};
    int count[PF_STORE_LABELS];
    for (int k = 0; k < PF_STORE_LABELS; k++) {
      char buf[PF_STORE_NAMES_LEN] = {0};
      const size_t n = labels[k] ? strlen(labels[k]) : 0;
      if (n <= PF_STORE_NAMES_LEN) memcpy(buf, labels[k], n);
      count[k] = n <= PF_STORE_NAMES_LEN ? pf_store_label_count(buf, sizeof buf) : -1;
      PF_CHECK(count[k] >= 1 && count[k] <= (k == 0 ? PF_STORE_MAX_DIM : PF_STORE_MAX_OUTPUTS),
               PF_ERR_ARG,
               "%s: task %d: %s \"%s\" must be 1 to %d comma-separated names of letters, digits "
               "and _ in at most %d characters",
               path, i, what[k], labels[k] ? labels[k] : "(null)",
               k == 0 ? PF_STORE_MAX_DIM : PF_STORE_MAX_OUTPUTS, PF_STORE_NAMES_LEN);
    }
    PF_CHECK(count[0] == t->dim && t->sizes[0] == t->dim && t->sizes[t->nlayers] == count[1],
             PF_ERR_ARG,
             "%s: task %d: %d inputs (\"%s\") and %d outputs (\"%s\"), dim %d, layers from %d "
             "to %d: they must agree",
             path, i, count[0], t->inputs, count[1], t->outputs, t->dim, t->sizes[0],
             t->sizes[t->nlayers]);
    /* the coefficients: ncoef names, flags 0 or 1, finite true values */
    char cbuf[PF_STORE_NAMES_LEN] = {0};
    const size_t cn = t->coef_names ? strlen(t->coef_names) : 0;
    if (cn <= PF_STORE_NAMES_LEN && cn) memcpy(cbuf, t->coef_names, cn);
    const int nc = cn <= PF_STORE_NAMES_LEN ? pf_store_coef_count(cbuf, sizeof cbuf) : -1;
    PF_CHECK(t->ncoef >= 0 && t->ncoef <= PF_STORE_MAX_COEF && nc == t->ncoef, PF_ERR_ARG,
             "%s: task %d: %d coefficients named \"%s\": ncoef must be 0..%d and coef_names as "
             "many comma-separated names of letters, digits and _ in at most %d characters",
             path, i, t->ncoef, t->coef_names ? t->coef_names : "", PF_STORE_MAX_COEF,
             PF_STORE_NAMES_LEN);
    for (int j = 0; j < t->ncoef; j++)
      PF_CHECK((t->trainable[j] == 0 || t->trainable[j] == 1) && isfinite(t->coef_true[j]),
               PF_ERR_ARG,
               "%s: task %d: coefficient %d: trainable = %d must be 0 or 1 and coef_true = %g "
               "finite",
               path, i, j, t->trainable[j], t->coef_true[j]);
  }
  return PF_OK;
}

/* a + b without overflow past 2^62 (HDF5 dimensions and offsets stay far from their limit). */
static int pf_add_checked(uint64_t *a, uint64_t b, const char *path) {
  const uint64_t lim = (uint64_t)1 << 62;
  PF_CHECK(b <= lim && *a <= lim - b, PF_ERR_ARG, "%s: the store would be too large", path);
  *a += b;
  return PF_OK;
}

/* Fill the caches from the task descriptions: names, layers, offsets (prefix sums in task order)
 * and the sizes that follow (dims: see pf_store_dims). Local. */
static int pf_store_describe(pf_store *st, const pf_store_task *tasks, uint64_t totals[5]) {
  PF_CALL(pf_store_alloc_caches(st));
  size_t W = 1;
  int C = 1, D = 1, NC = 0;
  memset(totals, 0, 5 * sizeof *totals);
  for (int i = 0; i < st->ntasks; i++) {
    const pf_store_task *t = &tasks[i];
    size_t len = strlen(t->canonical);
    if (len > W) W = len;
    if (t->cycles > C) C = t->cycles;
    st->hash[i] = t->hash;
    st->seed[i] = t->seed;
    st->cycles[i] = t->cycles;
    for (int l = 0; l <= t->nlayers; l++)
      st->layers[(size_t)i * PF_STORE_MAX_LAYERS + (size_t)l] = t->sizes[l];
    const char *names[PF_STORE_NAMES] = {t->pde, t->method, t->mode};
    for (int k = 0; k < PF_STORE_NAMES; k++)
      strcpy(st->names + ((size_t)i * PF_STORE_NAMES + (size_t)k) * (PF_STORE_NAME_LEN + 1),
             names[k]);
    const char *labels[PF_STORE_LABELS] = {t->inputs, t->outputs, t->components};
    for (int k = 0; k < PF_STORE_LABELS; k++)
      strcpy(st->labels + ((size_t)i * PF_STORE_LABELS + (size_t)k) * (PF_STORE_NAMES_LEN + 1),
             labels[k]);
    st->dim[i] = t->dim;
    if (t->dim > D) D = t->dim;
    if (t->coef_names) strcpy(st->coef_names + (size_t)i * (PF_STORE_NAMES_LEN + 1), t->coef_names);
    for (int j = 0; j < t->ncoef; j++) {
      st->trainable[(size_t)i * PF_STORE_MAX_COEF + (size_t)j] = (int8_t)t->trainable[j];
      st->coef_true[(size_t)i * PF_STORE_MAX_COEF + (size_t)j] = t->coef_true[j];
    }
    if (t->ncoef > NC) NC = t->ncoef;
    st->canonical[i] = pf_strdup(t->canonical);
    PF_CHECK(st->canonical[i] != NULL, PF_ERR_MEM, "cannot copy a task's canonical text");
    uint64_t drawn_rows = (uint64_t)t->drawn_per_cycle * (uint64_t)t->cycles;
    PF_CHECK(t->cycles == 0 || drawn_rows / (uint64_t)t->cycles == (uint64_t)t->drawn_per_cycle,
             PF_ERR_ARG, "%s: task %d: too many drawn points", st->path, i);
    const uint64_t counts[5] = {t->nparams, t->final_points, drawn_rows, t->pool_points,
                                t->z_points};
    uint64_t *row = st->idx + (size_t)i * PF_IDX_COUNT;
    for (int k = 0; k < 5; k++) {
      row[2 * k] = totals[k];
      row[2 * k + 1] = counts[k];
      PF_CALL(pf_add_checked(&totals[k], counts[k], st->path));
    }
    row[PF_IDX_DRAWN_PER_CYCLE] = t->drawn_per_cycle; /* the count column of drawn is per cycle */
  }
  pf_store_derive_nlayers(st);
  st->config_width = W;
  st->max_cycles = C;
  st->max_dim = D;
  st->max_coef = NC;
  return PF_OK;
}

/* Shape of dataset ds (rank entries of dims). */
static void pf_store_dims(const pf_store *st, pf_store_ds ds, const uint64_t totals[5],
                          size_t lconfig, size_t lcanon, hsize_t dims[3]) {
  const hsize_t T = (hsize_t)st->ntasks;
  dims[0] = T;
  dims[1] = dims[2] = 0;
  switch (ds) {
  case PF_DS_SWEEP_CONFIG:
    dims[0] = lconfig;
    break;
  case PF_DS_SWEEP_CANONICAL:
    dims[0] = lcanon;
    break;
  case PF_DS_TASK_CONFIG:
    dims[1] = st->config_width;
    break;
  case PF_DS_TASK_PDE:
  case PF_DS_TASK_METHOD:
  case PF_DS_TASK_MODE:
  case PF_DS_TASK_BLAS_CORE:
    dims[1] = PF_STORE_NAME_LEN;
    break;
  case PF_DS_TASK_REASON:
    dims[1] = PF_STORE_REASON_LEN;
    break;
  case PF_DS_TASK_LAYERS:
    dims[1] = PF_STORE_MAX_LAYERS;
    break;
  case PF_DS_TASK_INPUTS:
  case PF_DS_TASK_OUTPUTS:
  case PF_DS_TASK_COMPONENTS:
  case PF_DS_TASK_COEF_NAMES:
    dims[1] = PF_STORE_NAMES_LEN;
    break;
  case PF_DS_TASK_TRAINABLE:
  case PF_DS_TASK_COEF_TRUE:
    dims[1] = (hsize_t)st->max_coef;
    break;
  case PF_DS_COEFS:
    dims[1] = (hsize_t)st->max_cycles;
    dims[2] = (hsize_t)st->max_coef;
    break;
  case PF_DS_CKPT_COEF:
    dims[1] = 2;
    dims[2] = (hsize_t)st->max_coef;
    break;
  case PF_DS_METRICS:
    dims[1] = (hsize_t)st->max_cycles;
    dims[2] = PF_STORE_RESULT_COLUMNS;
    break;
  case PF_DS_TIMING:
    dims[1] = (hsize_t)st->max_cycles;
    dims[2] = PF_STORE_TIMING_COLUMNS;
    break;
  case PF_DS_PARAMS:
    dims[0] = totals[0];
    break;
  case PF_DS_POINTS_FINAL:
    dims[0] = totals[1];
    dims[1] = (hsize_t)st->max_dim;
    break;
  case PF_DS_POINTS_DRAWN:
    dims[0] = totals[2];
    dims[1] = (hsize_t)st->max_dim;
    break;
  case PF_DS_POOL_POINTS:
    dims[0] = totals[3];
    dims[1] = (hsize_t)st->max_dim;
    break;
  case PF_DS_POOL_SCORES:
    dims[0] = totals[3];
    break;
  case PF_DS_POOL_Z:
    dims[0] = totals[4];
    dims[1] = (hsize_t)st->max_dim;
    break;
  case PF_DS_POOL_PARAMS:
    dims[0] = totals[3] > 0 ? totals[0] : 0; /* only when some task stores its pool */
    break;
  case PF_DS_CKPT_PARAMS:
    dims[0] = 2 * totals[0];
    break;
  case PF_DS_CKPT_POINTS:
    dims[0] = 2 * totals[1];
    dims[1] = (hsize_t)st->max_dim;
    break;
  case PF_DS_CKPT_STATE:
    dims[1] = 2;
    dims[2] = PF_STORE_CKPT_COLUMNS;
    break;
  default:
    break;
  }
}

/* Collective on the store's communicator: the shapes and the sweep hash must agree on all ranks,
 * or the collective creation below would build inconsistent metadata. */
static int pf_store_check_same(pf_store *st, const uint64_t totals[5], size_t lconfig,
                               size_t lcanon, uint64_t sweep_hash) {
  enum { N = 13 };
  uint64_t v[N] = {(uint64_t)st->ntasks,
                   (uint64_t)st->max_coef,
                   (uint64_t)st->max_dim,
                   lconfig,
                   lcanon,
                   st->config_width,
                   (uint64_t)st->max_cycles,
                   totals[0],
                   totals[1],
                   totals[2],
                   totals[3],
                   totals[4],
                   sweep_hash},
           lo[N], hi[N];
  PF_CALL_MPI(MPI_Allreduce(v, lo, N, MPI_UINT64_T, MPI_MIN, st->comm));
  PF_CALL_MPI(MPI_Allreduce(v, hi, N, MPI_UINT64_T, MPI_MAX, st->comm));
  for (int i = 0; i < N; i++)
    PF_CHECK(lo[i] == hi[i], PF_ERR_ARG,
             "%s: the ranks passed different sweeps or task descriptions to pf_store_create",
             st->path);
  return PF_OK;
}

/* Collective on the store's communicator (rank 0 looks, all learn): refuse an existing file
 * unless overwrite. */
static int pf_store_check_exists(pf_store *st, int overwrite) {
  int state = 0; /* 0 absent, 1 regular file, 2 something else */
  if (st->rank == 0) {
    struct stat sb;
    if (stat(st->path, &sb) == 0) state = S_ISREG(sb.st_mode) ? 1 : 2;
  }
  PF_CALL_MPI(MPI_Bcast(&state, 1, MPI_INT, 0, st->comm));
  if (state == 2) PF_STORE_RAISE0(st, PF_ERR_IO, "%s: exists and is not a regular file", st->path);
  if (state == 1 && !overwrite)
    PF_STORE_RAISE0(st, PF_ERR_IO, "%s: file exists (refusing to overwrite it without overwrite)",
                    st->path);
  return PF_OK;
}

/* Collective on the store's communicator: H5Fcreate through MPI-IO, on the empty file that
 * pf_store_reserve made (exclusively, unless overwrite). */
static int pf_store_create_file(pf_store *st) {
  hid_t fapl = H5I_INVALID_HID;
  int rc = pf_store_fapl(st, &fapl);
  if (!rc) {
    st->file = H5Fcreate(st->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (st->file < 0)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot create the file", st->path);
  }
  if (fapl >= 0) PF_H5_CLOSE(rc, H5Pclose(fapl), "%s: cannot close a property list", st->path);
  if (!rc) rc = pf_store_make_dxpl(st);
  return rc;
}

/* Collective on the store's communicator: the groups of the layout, without timestamps. */
static int pf_store_create_groups(pf_store *st) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  PF_H5_CHECK(gcpl >= 0, "%s: cannot create a group property list", st->path);
  int rc = PF_OK;
  if (H5Pset_obj_track_times(gcpl, 0) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot disable time tracking",
                           st->path);
  for (size_t i = 0; !rc && i < sizeof pf_store_groups / sizeof *pf_store_groups; i++) {
    hid_t g = H5Gcreate2(st->file, pf_store_groups[i], H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0 || H5Gclose(g) < 0)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot create group %s", st->path,
                             pf_store_groups[i]);
  }
  PF_H5_CLOSE(rc, H5Pclose(gcpl), "%s: cannot close a property list", st->path);
  return rc;
}

/* The inputs of every task when they are all the same ("x,t"), else NULL. */
static const char *pf_store_shared_inputs(const pf_store *st) {
  const size_t stride = PF_STORE_LABELS * (PF_STORE_NAMES_LEN + 1);
  for (int i = 1; i < st->ntasks; i++)
    if (strcmp(st->labels, st->labels + (size_t)i * stride)) return NULL;
  return st->labels;
}

/* Create dataset ds with its final shape: contiguous, storage allocated now, fill value NaN for
 * doubles and 0 otherwise, no timestamps (identical runs give identical files). Collective on the
 * store's communicator (H5Dcreate). HDF5 does not write the fill (pf_store_fill does): its fill
 * is written by rank 0 inside H5Dcreate and followed by a barrier, so a failed write (a full
 * disk) left rank 0 returning an error while the other ranks waited in that barrier. */
static int pf_store_create_dataset(pf_store *st, pf_store_ds ds, const hsize_t *dims,
                                   uint64_t sweep_hash) {
  const pf_store_dsinfo *info = &pf_store_datasets[ds];
  const double nan_fill = NAN;
  const uint64_t zero_fill = 0;
  const void *fill = info->kind == PF_KIND_F64 ? (const void *)&nan_fill : (const void *)&zero_fill;
  int rc = PF_OK;
  hid_t space = H5Screate_simple(info->rank, dims, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (space < 0 || dcpl < 0 || H5Pset_layout(dcpl, H5D_CONTIGUOUS) < 0 ||
      H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0 ||
      H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
      H5Pset_fill_value(dcpl, pf_store_mem_type(info->kind), fill) < 0 ||
      H5Pset_obj_track_times(dcpl, 0) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__,
                           "%s: cannot set up the creation of dataset %s", st->path, info->path);
  if (!rc) {
    st->dset[ds] = H5Dcreate2(st->file, info->path, pf_store_file_type(info->kind), space,
                              H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (st->dset[ds] < 0)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot create dataset %s", st->path,
                             info->path);
  }
  if (dcpl >= 0) PF_H5_CLOSE(rc, H5Pclose(dcpl), "%s: cannot close a property list", st->path);
  if (rc) {
    if (space >= 0) PF_H5_CLOSE(rc, H5Sclose(space), "%s: cannot close a dataspace", st->path);
    return rc;
  }
  st->fspace[ds] = space;
  PF_CALL(pf_store_attr_string(st, st->dset[ds], info->path, "description", info->description));
  if (info->columns)
    PF_CALL(pf_store_attr_string(st, st->dset[ds], info->path, "columns", info->columns));
  if (info->units)
    PF_CALL(pf_store_attr_string(st, st->dset[ds], info->path, "units", info->units));
  const int points = ds == PF_DS_POINTS_FINAL || ds == PF_DS_POINTS_DRAWN ||
                     ds == PF_DS_POOL_POINTS || ds == PF_DS_POOL_Z;
  const char *inputs = pf_store_shared_inputs(st);
  if (points && inputs)
    PF_CALL(pf_store_attr_string(st, st->dset[ds], info->path, "inputs", inputs));
  if (ds == PF_DS_SWEEP_CANONICAL) {
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)sweep_hash);
    PF_CALL(pf_store_attr_string(st, st->dset[ds], info->path, "hash", hex));
  }
  return PF_OK;
}

/* Bytes of one element of a kind in the file. */
static size_t pf_store_kind_size(pf_store_kind kind) {
  return kind == PF_KIND_CHAR ? 1 : kind == PF_KIND_I32 ? 4 : 8;
}

/* Disk space to reserve for the store: the raw data of every dataset, and room for the metadata
 * (object headers, attributes, group heaps: about 40 kB for the layout) with a wide margin. */
static uint64_t pf_store_bytes(const pf_store *st, const uint64_t totals[5], size_t lconfig,
                               size_t lcanon) {
  uint64_t raw = 0;
  for (int ds = 0; ds < PF_DS_COUNT; ds++) {
    hsize_t dims[3];
    pf_store_dims(st, (pf_store_ds)ds, totals, lconfig, lcanon, dims);
    uint64_t n = pf_store_kind_size(pf_store_datasets[ds].kind);
    for (int i = 0; i < pf_store_datasets[ds].rank; i++) n *= dims[i];
    raw += n;
  }
  return raw + raw / 64 + ((uint64_t)256 << 10);
}

/* Datasets that rank 0 writes in full in pf_store_write_descriptions: rank 0 fills them too, so
 * one process writes each byte of them (MPI-IO promises nothing for overlapping writes of two
 * processes without a sync in between). */
static int pf_store_is_description(pf_store_ds ds) {
  return ds <= PF_DS_TASK_CYCLES || (ds >= PF_DS_TASK_LAYERS && ds <= PF_DS_Z_COUNT);
}

/* Collective on the store's communicator, but no collective inside (independent transfers): write
 * every dataset's fill value (NaN for doubles, 0 otherwise), each rank a share of the rows of the
 * results, in blocks of about 4 MB. Returns this rank's error; the caller agrees. */
static int pf_store_fill(pf_store *st, const uint64_t totals[5], size_t lconfig, size_t lcanon) {
  const size_t cap = (size_t)4 << 20;
  unsigned char *buf = NULL;
  size_t have = 0;
  int rc = PF_OK;
  for (int ds = 0; ds < PF_DS_COUNT && !rc; ds++) {
    const pf_store_dsinfo *info = &pf_store_datasets[ds];
    hsize_t dims[3], start[3] = {0, 0, 0}, count[3];
    pf_store_dims(st, (pf_store_ds)ds, totals, lconfig, lcanon, dims);
    size_t row = pf_store_kind_size(info->kind); /* bytes of one row */
    for (int i = 1; i < info->rank; i++) row *= (size_t)dims[i];
    uint64_t lo = 0, hi = dims[0];
    if (pf_store_is_description((pf_store_ds)ds)) {
      if (st->rank != 0) continue;
    } else {
      lo = dims[0] * (uint64_t)st->rank / (uint64_t)st->size;
      hi = dims[0] * (uint64_t)(st->rank + 1) / (uint64_t)st->size;
    }
    if (lo >= hi || row == 0) continue;
    size_t rows = cap / row > 0 ? cap / row : 1;
    if (rows > hi - lo) rows = (size_t)(hi - lo);
    if (rows * row > have) {
      PF_FREE(&buf);
      have = 0;
      rc = PF_CALLOC(rows * row, &buf);
      if (rc) break;
      have = rows * row;
    }
    if (info->kind == PF_KIND_F64) {
      const double nan_fill = NAN;
      for (size_t i = 0; i < rows * row / sizeof nan_fill; i++)
        memcpy(buf + i * sizeof nan_fill, &nan_fill, sizeof nan_fill);
    } else {
      memset(buf, 0, rows * row);
    }
    for (int i = 1; i < info->rank; i++) count[i] = dims[i];
    for (uint64_t first = lo; first < hi && !rc; first += rows) {
      start[0] = first;
      count[0] = hi - first < rows ? hi - first : rows;
      rc = pf_store_rw(st, (pf_store_ds)ds, 1, start, count, buf);
    }
  }
  PF_FREE(&buf);
  return rc;
}

/* Write a text into a 1-D char dataset of length >= strlen(text) (the rest stays NUL). */
static int pf_store_write_text(pf_store *st, pf_store_ds ds, const char *text) {
  hsize_t start = 0, count = strlen(text);
  return pf_store_rw(st, ds, 1, &start, &count, (void *)text);
}

/* Rows of fixed-width text: names (T, PF_STORE_NAMES, NAME_LEN + 1) column k into (T, NAME_LEN).
 */
static int pf_store_write_names(pf_store *st, pf_store_ds ds, int k) {
  const size_t T = (size_t)st->ntasks;
  char *buf = NULL;
  PF_CALL(PF_CALLOC(T * PF_STORE_NAME_LEN, &buf));
  for (size_t i = 0; i < T; i++)
    memcpy(buf + i * PF_STORE_NAME_LEN,
           st->names + (i * PF_STORE_NAMES + (size_t)k) * (PF_STORE_NAME_LEN + 1),
           PF_STORE_NAME_LEN);
  hsize_t start[2] = {0, 0}, count[2] = {T, PF_STORE_NAME_LEN};
  int rc = pf_store_rw(st, ds, 1, start, count, buf);
  PF_FREE(&buf);
  return rc;
}

/* Rows of labels (T, PF_STORE_LABELS, NAMES_LEN + 1) column k into (T, NAMES_LEN), or back
 * (write = 0). */
static int pf_store_rw_labels(pf_store *st, pf_store_ds ds, int k, int write) {
  const size_t T = (size_t)st->ntasks, L = PF_STORE_NAMES_LEN;
  char *buf = NULL;
  PF_CALL(PF_CALLOC(T * L, &buf));
  char *cache = st->labels + (size_t)k * (L + 1);
  const size_t stride = PF_STORE_LABELS * (L + 1);
  if (write)
    for (size_t i = 0; i < T; i++) memcpy(buf + i * L, cache + i * stride, L);
  hsize_t start[2] = {0, 0}, count[2] = {T, L};
  int rc = pf_store_rw(st, ds, write, start, count, buf);
  if (!rc && !write)
    for (size_t i = 0; i < T; i++) memcpy(cache + i * stride, buf + i * L, L);
  PF_FREE(&buf);
  return rc;
}

/* The coefficient descriptions (/tasks/coef_names, /tasks/trainable, /tasks/coef_true) from the
 * caches into the file (write = 1) or back: the caches are PF_STORE_MAX_COEF wide, the file NC. */
static int pf_store_rw_coef_desc(pf_store *st, int write) {
  const size_t T = (size_t)st->ntasks, L = PF_STORE_NAMES_LEN, NC = (size_t)st->max_coef;
  char *names = NULL;
  int8_t *tr = NULL;
  double *v = NULL;
  int rc = PF_CALLOC(T * L, &names);
  if (!rc) rc = PF_CALLOC(T * (NC ? NC : 1), &tr);
  if (!rc) rc = PF_CALLOC(T * (NC ? NC : 1), &v);
  if (!rc && write)
    for (size_t i = 0; i < T; i++) {
      memcpy(names + i * L, st->coef_names + i * (L + 1), L);
      for (size_t j = 0; j < NC; j++) {
        tr[i * NC + j] = st->trainable[i * PF_STORE_MAX_COEF + j];
        v[i * NC + j] = st->coef_true[i * PF_STORE_MAX_COEF + j];
      }
    }
  hsize_t start[2] = {0, 0}, count[2] = {T, L};
  if (!rc) rc = pf_store_rw(st, PF_DS_TASK_COEF_NAMES, write, start, count, names);
  count[1] = NC;
  if (!rc) rc = pf_store_rw(st, PF_DS_TASK_TRAINABLE, write, start, count, tr);
  if (!rc) rc = pf_store_rw(st, PF_DS_TASK_COEF_TRUE, write, start, count, v);
  if (!rc && !write)
    for (size_t i = 0; i < T; i++) {
      memcpy(st->coef_names + i * (L + 1), names + i * L, L);
      for (size_t j = 0; j < NC; j++) {
        st->trainable[i * PF_STORE_MAX_COEF + j] = tr[i * NC + j];
        st->coef_true[i * PF_STORE_MAX_COEF + j] = v[i * NC + j];
      }
    }
  PF_FREE(&names);
  PF_FREE(&tr);
  PF_FREE(&v);
  return rc;
}

/* Rank 0 writes the sweep texts and every task description (independent raw-data writes; the
 * statuses stay at their fill value, pending). Tasks' texts go in blocks of about 16 MB. */
static int pf_store_write_descriptions(pf_store *st, const char *sweep_config,
                                       const char *sweep_canonical) {
  const size_t T = (size_t)st->ntasks, W = st->config_width;
  PF_CALL(pf_store_write_text(st, PF_DS_SWEEP_CONFIG, sweep_config));
  PF_CALL(pf_store_write_text(st, PF_DS_SWEEP_CANONICAL, sweep_canonical));
  size_t block = ((size_t)16 << 20) / W;
  if (block < 1) block = 1;
  if (block > T) block = T;
  char *buf = NULL;
  PF_CALL(PF_CALLOC(block * W, &buf));
  int rc = PF_OK;
  for (size_t first = 0; first < T && !rc; first += block) {
    size_t n = T - first < block ? T - first : block;
    memset(buf, 0, n * W);
    for (size_t i = 0; i < n; i++) {
      const char *c = st->canonical[first + i];
      memcpy(buf + i * W, c, strlen(c));
    }
    hsize_t start[2] = {first, 0}, count[2] = {n, W};
    rc = pf_store_rw(st, PF_DS_TASK_CONFIG, 1, start, count, buf);
  }
  PF_FREE(&buf);
  PF_CALL(rc);
  hsize_t start[2] = {0, 0}, count[2] = {T, PF_STORE_MAX_LAYERS};
  PF_CALL(pf_store_rw(st, PF_DS_TASK_HASH, 1, start, count, st->hash));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_SEED, 1, start, count, st->seed));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_CYCLES, 1, start, count, st->cycles));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_LAYERS, 1, start, count, st->layers));
  PF_CALL(pf_store_write_names(st, PF_DS_TASK_PDE, 0));
  PF_CALL(pf_store_write_names(st, PF_DS_TASK_METHOD, 1));
  PF_CALL(pf_store_write_names(st, PF_DS_TASK_MODE, 2));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_DIM, 1, start, count, st->dim));
  for (int k = 0; k < PF_STORE_LABELS; k++)
    PF_CALL(pf_store_rw_labels(st, (pf_store_ds)(PF_DS_TASK_INPUTS + k), k, 1));
  PF_CALL(pf_store_rw_coef_desc(st, 1));
  uint64_t *col = NULL;
  PF_CALL(PF_CALLOC(T, &col));
  for (int k = 0; k < PF_IDX_COUNT && !rc; k++) {
    for (size_t i = 0; i < T; i++) col[i] = st->idx[i * PF_IDX_COUNT + (size_t)k];
    rc = pf_store_rw(st, (pf_store_ds)(PF_DS_PARAM_OFFSET + k), 1, start, count, col);
  }
  PF_FREE(&col);
  return rc;
}

/* Collective on the store's communicator. */
static int pf_store_flush(pf_store *st) {
  PF_H5_CHECK(H5Fflush(st->file, H5F_SCOPE_GLOBAL) >= 0, "%s: cannot flush the file", st->path);
  return PF_OK;
}

/* Collective on the store's communicator. Undo a failed create or open on every rank: close what
 * is open, remove a half-made file, release the lock (pf_store_free). Returns rc. */
static int pf_store_abandon(pf_store **st, int rc, int remove_file) {
  pf_store *s = *st;
  if (!s) return rc;
  /* H5Fclose writes the metadata of a half-made file, and the create may have failed because the
   * disk is full: empty the file first (it is removed anyway), so that those writes find space.
   * A failed H5Fclose is not recoverable: ranks end in different collectives inside HDF5, and the
   * file stays open in HDF5 with freed internals, which crashes at MPI_Finalize. */
  if (remove_file && s->file >= 0) {
    if (s->rank == 0) (void)truncate(s->path, 0);
    (void)MPI_Barrier(s->comm);
  }
  /* Errors while undoing are secondary: the first error is the one returned. */
  (void)pf_store_close_handles(s);
  if (remove_file && s->rank == 0) (void)remove(s->path);
  (void)pf_store_free(st);
  return rc;
}

int pf_store_create(MPI_Comm comm, const char *path, int overwrite, const char *sweep_config,
                    const char *sweep_canonical, uint64_t sweep_hash, int ntasks,
                    const pf_store_task *tasks, const char *command_line, pf_store **st) {
  int rc = pf_store_quiet_hdf5();
  if (!rc && !st) rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__, "st is NULL");
  if (st) *st = NULL;
  if (!rc) rc = pf_store_check_inputs(path, ntasks, tasks);
  PF_CALL(pf_store_agree(comm, rc));
  if (!sweep_config) sweep_config = "";
  if (!sweep_canonical) sweep_canonical = "";
  /* A 1-D char dataset holds the text without a terminator, at least one element. */
  const size_t lconfig = strlen(sweep_config) > 0 ? strlen(sweep_config) : 1;
  const size_t lcanon = strlen(sweep_canonical) > 0 ? strlen(sweep_canonical) : 1;

  pf_store *s = NULL;
  uint64_t totals[5];
  char *prov[PF_PROV_COUNT] = {NULL};
  rc = pf_store_new(comm, path, &s);
  if (!rc) {
    s->writable = 1;
    s->ntasks = ntasks;
    rc = pf_store_describe(s, tasks, totals);
  }
  rc = pf_store_agree(comm, rc);
  if (!rc) rc = pf_store_agree(comm, pf_store_check_same(s, totals, lconfig, lcanon, sweep_hash));
  /* one run per store: before the file is looked at, let alone truncated (store_lock.c) */
  if (!rc) rc = pf_store_agree(comm, s->rank == 0 ? pf_store_lock_take(s) : PF_OK);
  if (!rc) rc = pf_store_agree(comm, pf_store_check_exists(s, overwrite));
  if (!rc) rc = pf_prov_collect(s, command_line, prov);
  /* The file's disk space, before HDF5 sees the file: a full disk or quota fails here, cleanly,
   * instead of inside HDF5's collective calls. */
  if (!rc) {
    const uint64_t bytes = pf_store_bytes(s, totals, lconfig, lcanon);
    rc = pf_store_agree(comm, s->rank == 0 ? pf_store_reserve(path, overwrite, bytes) : PF_OK);
  }
  if (rc) {
    pf_prov_free(prov);
    return pf_trace(pf_store_abandon(&s, rc, 0), __FILE__, __LINE__, __func__);
  }

  /* From here every collective HDF5 call is made by all ranks whatever failed locally before
   * (each step is skipped by all ranks alike, after pf_store_agree), and the only writes before
   * the flush are independent ones (pf_store_fill, pf_store_write_descriptions). */
  rc = pf_store_agree(comm, pf_store_create_file(s));
  if (!rc) rc = pf_store_agree(comm, pf_store_create_groups(s));
  if (!rc) rc = pf_store_agree(comm, pf_store_write_provenance(s, prov));
  pf_prov_free(prov);
  for (int ds = 0; ds < PF_DS_COUNT && !rc; ds++) {
    hsize_t dims[3];
    pf_store_dims(s, (pf_store_ds)ds, totals, lconfig, lcanon, dims);
    rc = pf_store_agree(comm, pf_store_create_dataset(s, (pf_store_ds)ds, dims, sweep_hash));
  }
  if (!rc) rc = pf_store_agree(comm, pf_store_fill(s, totals, lconfig, lcanon));
  if (!rc && s->rank == 0) rc = pf_store_write_descriptions(s, sweep_config, sweep_canonical);
  rc = pf_store_agree(comm, rc);
  /* H5Fflush writes all metadata and syncs the raw data: from here on the file is complete. */
  if (!rc) rc = pf_store_agree(comm, pf_store_flush(s));
  /* the file is created (also when overwrite truncated an old store): a failure removes it */
  if (rc) return pf_trace(pf_store_abandon(&s, rc, 1), __FILE__, __LINE__, __func__);
  /* Give back what the reservation holds beyond the end of the file (truncating to the same size
   * releases blocks reserved past it); best effort, every later write lies inside the file. */
  struct stat sb;
  if (s->rank == 0 && stat(path, &sb) == 0) (void)truncate(path, sb.st_size);
  *st = s;
  return PF_OK;
}

/* ------------------------------------------------------------------ opening */

/* A root attribute of an old or foreign file for a message: printable ASCII only, at most 40
 * characters, "?" when absent or unreadable. */
static void pf_store_attr_for_message(const char *path, hid_t f, const char *name, char *out,
                                      size_t len) {
  snprintf(out, len, "?");
  if (H5Aexists(f, name) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  char *v = NULL;
  if (pf_store_read_attr_string(path, f, name, &v)) {
    pf_error_clear(); /* secondary: the version is the message */
    return;
  }
  size_t n = 0;
  for (const char *p = v; *p && n + 1 < len && n < 40; p++)
    out[n++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
  out[n > 0 ? n : 1] = '\0';
  free(v);
}

/* The builds that read each older format version: format 1 up to the commit before 7751caf,
 * format 2 from 7751caf up to e4bf1b7 (the last commit before the general problem description),
 * format 3 up to c45ed72 (the last commit before interrupted tasks and checkpoints), format 4 up
 * to 758068c (the last commit before trained coefficients). */
static const char *const pf_store_old_readers[PF_STORE_FORMAT_VERSION] = {
    NULL, "7751caf^", "e4bf1b7", "c45ed72", "758068c"};

/* PF_ERR_IO for a store of another format version, saying which build reads it and what to do. */
static int pf_store_version_error(const char *path, hid_t f, int version) {
  char prog[48], commit[48];
  pf_store_attr_for_message(path, f, "program_version", prog, sizeof prog);
  pf_store_attr_for_message(path, f, "git_commit", commit, sizeof commit);
  if (version >= 1 && version < PF_STORE_FORMAT_VERSION)
    return pf_error(
        PF_ERR_IO, __FILE__, __LINE__, __func__,
        "%s: store format version %d, written by pinnfluence %s (git commit %s); this pinnfluence "
        "(%s, git commit %s) reads format version %d only (version 5 stores the coefficients an "
        "inverse problem trains, per cycle and in checkpoints; version 4 marks interrupted tasks "
        "and keeps per-cycle checkpoints; version 3 brought points as (n, d) rows with the "
        "problem's "
        "input, output and residual names). To read the file, use a build of "
        "git commit %s (`git checkout %s`, then build), the last one that reads format %d; to "
        "get a format-%d file, run its configuration again with this build into a new file "
        "(`h5dump -r -d /sweep/config %s` prints it)",
        path, version, prog, commit, PF_VERSION_STRING, PF_GIT_COMMIT, PF_STORE_FORMAT_VERSION,
        pf_store_old_readers[version], pf_store_old_readers[version], version,
        PF_STORE_FORMAT_VERSION, path);
  return pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: store format version %d, written by pinnfluence %s (git commit %s); this "
                  "pinnfluence (%s, git commit %s) reads format version %d only: read the file "
                  "with the build that wrote it (or a newer one)",
                  path, version, prog, commit, PF_VERSION_STRING, PF_GIT_COMMIT,
                  PF_STORE_FORMAT_VERSION);
}

/* Rank 0 alone: is path a pinnfluence store of our format version? Opened with the serial driver
 * and without file locking, so one clear message appears for the usual user errors. */
static int pf_store_check_format(const char *path) {
  struct stat sb;
  PF_CHECK(stat(path, &sb) == 0, PF_ERR_IO, "%s: cannot open the store: %s", path, strerror(errno));
  PF_CHECK(S_ISREG(sb.st_mode), PF_ERR_IO, "%s: not a regular file", path);
  htri_t is = H5Fis_hdf5(path);
  PF_H5_CHECK(is > 0, "%s: not an HDF5 file (or a damaged one), so not a pinnfluence results store",
              path);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = H5I_INVALID_HID;
  PF_H5_CHECK(fapl >= 0, "%s: cannot create a file access property list", path);
  int rc = PF_OK;
  if (H5Pset_file_locking(fapl, 0, 1) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot disable file locking", path);
  else if ((f = H5Fopen(path, H5F_ACC_RDONLY, fapl)) < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot open the HDF5 file", path);
  PF_H5_CLOSE(rc, H5Pclose(fapl), "%s: cannot close a property list", path);
  PF_CALL(rc);
  char *format = NULL;
  htri_t has = H5Aexists(f, "format");
  if (has < 0)
    rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot look up attribute format",
                           path);
  else if (has == 0)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: an HDF5 file but not a pinnfluence results store (no attribute \"format\" "
                  "on the root group)",
                  path);
  if (!rc) rc = pf_store_read_attr_string(path, f, "format", &format);
  if (!rc && strcmp(format, PF_STORE_FORMAT) != 0)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                  "%s: not a pinnfluence results store (format is \"%s\", expected \"%s\")", path,
                  format, PF_STORE_FORMAT);
  int version = 0;
  if (!rc) rc = pf_store_read_attr_int(path, f, "format_version", &version);
  if (!rc && version != PF_STORE_FORMAT_VERSION) rc = pf_store_version_error(path, f, version);
  /* the structure, before any handle that could write is opened (store_check.c) */
  if (!rc) rc = pf_store_check_structure(path, f, (hsize_t)sb.st_size);
  free(format);
  PF_H5_CLOSE(rc, H5Fclose(f), "%s: cannot close the file", path);
  return rc;
}

/* Collective on the store's communicator: H5Fopen through MPI-IO, read-only or read-write. */
static int pf_store_open_file(pf_store *st) {
  hid_t fapl = H5I_INVALID_HID;
  int rc = pf_store_fapl(st, &fapl);
  if (!rc) {
    st->file = H5Fopen(st->path, st->writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    if (st->file < 0)
      rc = pf_store_h5_error(__FILE__, __LINE__, __func__, "%s: cannot open the file %s", st->path,
                             st->writable ? "for writing" : "for reading");
  }
  if (fapl >= 0) PF_H5_CLOSE(rc, H5Pclose(fapl), "%s: cannot close a property list", st->path);
  if (!rc) rc = pf_store_make_dxpl(st);
  return rc;
}

/* Collective on the store's communicator (H5Dopen). Open every dataset through hard links only,
 * check its storage and type again on this rank's handle, and the shapes that tie them together
 * (store_check.c). */
static int pf_store_open_datasets(pf_store *st) {
  hsize_t dims[PF_DS_COUNT][3];
  for (int ds = 0; ds < PF_DS_COUNT; ds++) {
    const pf_store_dsinfo *info = &pf_store_datasets[ds];
    PF_CALL(pf_store_check_open_dataset(st->path, st->file, (pf_store_ds)ds, 0, &st->dset[ds],
                                        dims[ds]));
    st->fspace[ds] = H5Dget_space(st->dset[ds]);
    PF_H5_CHECK(st->fspace[ds] >= 0, "%s: cannot get the dataspace of %s", st->path, info->path);
  }
  PF_CALL(pf_store_check_shapes(st->path, (const hsize_t(*)[3])dims));
  st->ntasks = (int)dims[PF_DS_TASK_STATUS][0];
  st->config_width = (size_t)dims[PF_DS_TASK_CONFIG][1];
  st->max_cycles = (int)dims[PF_DS_METRICS][1];
  st->max_dim = (int)dims[PF_DS_POINTS_FINAL][1];
  st->max_coef = (int)dims[PF_DS_TASK_TRAINABLE][1];
  return PF_OK;
}

/* Rank 0 reads the task descriptions (everything but the texts, read on demand). */
static int pf_store_read_descriptions(pf_store *st) {
  const size_t T = (size_t)st->ntasks;
  hsize_t start[2] = {0, 0}, count[2] = {T, PF_STORE_MAX_LAYERS};
  PF_CALL(pf_store_rw(st, PF_DS_TASK_HASH, 0, start, count, st->hash));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_SEED, 0, start, count, st->seed));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_CYCLES, 0, start, count, st->cycles));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_LAYERS, 0, start, count, st->layers));
  PF_CALL(pf_store_rw(st, PF_DS_TASK_DIM, 0, start, count, st->dim));
  for (int k = 0; k < PF_STORE_LABELS; k++)
    PF_CALL(pf_store_rw_labels(st, (pf_store_ds)(PF_DS_TASK_INPUTS + k), k, 0));
  PF_CALL(pf_store_rw_coef_desc(st, 0));
  int rc = PF_OK;
  uint64_t *col = NULL;
  char *buf = NULL;
  PF_CALL(PF_CALLOC(T, &col));
  for (int k = 0; k < PF_IDX_COUNT && !rc; k++) {
    rc = pf_store_rw(st, (pf_store_ds)(PF_DS_PARAM_OFFSET + k), 0, start, count, col);
    for (size_t i = 0; i < T && !rc; i++) st->idx[i * PF_IDX_COUNT + (size_t)k] = col[i];
  }
  PF_FREE(&col);
  PF_CALL(rc);
  PF_CALL(PF_CALLOC(T * PF_STORE_NAME_LEN, &buf));
  count[1] = PF_STORE_NAME_LEN;
  for (int k = 0; k < PF_STORE_NAMES && !rc; k++) {
    rc = pf_store_rw(st, (pf_store_ds)(PF_DS_TASK_PDE + k), 0, start, count, buf);
    for (size_t i = 0; i < T && !rc; i++)
      memcpy(st->names + (i * PF_STORE_NAMES + (size_t)k) * (PF_STORE_NAME_LEN + 1),
             buf + i * PF_STORE_NAME_LEN, PF_STORE_NAME_LEN);
  }
  PF_FREE(&buf);
  return rc;
}

/* Collective on the store's communicator: rank 0's description caches to every rank. */
static int pf_store_bcast_descriptions(pf_store *st) {
  const size_t T = (size_t)st->ntasks;
  PF_CALL(pf_store_bcast(st->comm, st->hash, T * sizeof *st->hash));
  PF_CALL(pf_store_bcast(st->comm, st->seed, T * sizeof *st->seed));
  PF_CALL(pf_store_bcast(st->comm, st->cycles, T * sizeof *st->cycles));
  PF_CALL(pf_store_bcast(st->comm, st->layers, T * PF_STORE_MAX_LAYERS * sizeof *st->layers));
  PF_CALL(pf_store_bcast(st->comm, st->idx, T * PF_IDX_COUNT * sizeof *st->idx));
  PF_CALL(pf_store_bcast(st->comm, st->names, T * PF_STORE_NAMES * (PF_STORE_NAME_LEN + 1)));
  PF_CALL(pf_store_bcast(st->comm, st->dim, T * sizeof *st->dim));
  PF_CALL(pf_store_bcast(st->comm, st->labels, T * PF_STORE_LABELS * (PF_STORE_NAMES_LEN + 1)));
  PF_CALL(pf_store_bcast(st->comm, st->coef_names, T * (PF_STORE_NAMES_LEN + 1)));
  PF_CALL(pf_store_bcast(st->comm, st->trainable, T * PF_STORE_MAX_COEF * sizeof *st->trainable));
  PF_CALL(pf_store_bcast(st->comm, st->coef_true, T * PF_STORE_MAX_COEF * sizeof *st->coef_true));
  return PF_OK;
}

int pf_store_open(MPI_Comm comm, const char *path, int writable, pf_store **st) {
  int rc = pf_store_quiet_hdf5();
  if (!rc && !st) rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__, "st is NULL");
  if (!rc && !(path && path[0]))
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__, "store path is empty");
  if (st) *st = NULL;
  PF_CALL(pf_store_agree(comm, rc));
  pf_store *s = NULL;
  rc = pf_store_agree(comm, pf_store_new(comm, path, &s));
  if (!rc) {
    s->writable = writable != 0;
    /* one run per store: before a resume reads anything (store_lock.c) */
    if (s->writable) rc = pf_store_agree(comm, s->rank == 0 ? pf_store_lock_take(s) : PF_OK);
    if (!rc) rc = pf_store_agree(comm, s->rank == 0 ? pf_store_check_format(path) : PF_OK);
  }
  if (!rc) rc = pf_store_agree(comm, pf_store_open_file(s));
  if (!rc) rc = pf_store_agree(comm, pf_store_open_datasets(s));
  if (!rc) rc = pf_store_agree(comm, pf_store_alloc_caches(s));
  if (!rc) rc = pf_store_agree(comm, s->rank == 0 ? pf_store_read_descriptions(s) : PF_OK);
  /* before anything is written or sized from the descriptions (store_check.c) */
  if (!rc) rc = pf_store_agree(comm, s->rank == 0 ? pf_store_check_descriptions(s) : PF_OK);
  if (!rc) rc = pf_store_agree(comm, s->rank == 0 ? pf_store_check_statuses(s) : PF_OK);
  if (!rc) rc = pf_store_agree(comm, pf_store_bcast_descriptions(s));
  if (rc) return pf_trace(pf_store_abandon(&s, rc, 0), __FILE__, __LINE__, __func__);
  pf_store_derive_nlayers(s);
  *st = s;
  return PF_OK;
}

int pf_store_close(pf_store **st) {
  if (!st || !*st) return PF_OK;
  pf_store *s = *st;
  int rc = pf_store_close_handles(s);
  rc = pf_store_agree(s->comm, rc);
  int frc = pf_store_free(st);
  if (!rc) rc = frc;
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  return PF_OK;
}

/* ------------------------------------------------------------------ merging shards */

int pf_store_provenance_text(pf_store *st, char **text) {
  *text = NULL;
  size_t len = 1;
  char *vals[PF_PROV_COUNT + 1] = {NULL};
  static const char *const extra = "ranks";
  int rc = PF_OK;
  for (int i = 0; i < PF_PROV_COUNT && !rc; i++) {
    if (H5Aexists(st->file, pf_prov_names[i]) <= 0) continue;
    rc = pf_store_read_attr_string(st->path, st->file, pf_prov_names[i], &vals[i]);
    if (!rc) len += strlen(pf_prov_names[i]) + strlen(vals[i]) + 4;
  }
  int ranks = 0;
  if (!rc && H5Aexists(st->file, extra) > 0) {
    hid_t a = H5Aopen(st->file, extra, H5P_DEFAULT);
    if (a < 0 || H5Aread(a, H5T_NATIVE_INT, &ranks) < 0) ranks = 0;
    if (a >= 0) H5Aclose(a);
  }
  H5Eclear2(H5E_DEFAULT);
  len += 32;
  if (!rc) rc = PF_CALLOC(len, text);
  if (!rc) {
    size_t n = 0;
    for (int i = 0; i < PF_PROV_COUNT; i++)
      if (vals[i]) n += (size_t)snprintf(*text + n, len - n, "%s=%s\n", pf_prov_names[i], vals[i]);
    snprintf(*text + n, len - n, "ranks=%d\n", ranks);
  }
  for (int i = 0; i < PF_PROV_COUNT; i++) free(vals[i]);
  return rc;
}

int pf_store_write_root_text(pf_store *st, const char *name, const char *text) {
  PF_CHECK(st->writable, PF_ERR_ARG, "%s: store opened read-only", st->path);
  if (H5Aexists(st->file, name) > 0)
    PF_H5_CHECK(H5Adelete(st->file, name) >= 0, "%s: cannot replace attribute %s", st->path, name);
  return pf_store_attr_string(st, st->file, "/", name, text);
}

/* The region of dataset ds that belongs to task (the datasets with per-task rows); *n = 0 when
 * the task has none there, 2 for the checkpoint slots. */
static void pf_store_task_region(const pf_store *st, pf_store_ds ds, int task, int *n,
                                 hsize_t start[2][3], hsize_t count[2][3]) {
  const uint64_t *row = st->idx + (size_t)task * PF_IDX_COUNT;
  const int last = st->ntasks - 1;
  const uint64_t *lrow = st->idx + (size_t)last * PF_IDX_COUNT;
  const uint64_t sumP = lrow[PF_IDX_PARAM_OFFSET] + lrow[PF_IDX_PARAM_COUNT];
  const uint64_t sumF = lrow[PF_IDX_FINAL_OFFSET] + lrow[PF_IDX_FINAL_COUNT];
  const hsize_t D = (hsize_t)st->max_dim, C = (hsize_t)st->max_cycles;
  memset(start, 0, 2 * 3 * sizeof **start);
  memset(count, 0, 2 * 3 * sizeof **count);
  *n = 1;
  start[0][0] = (hsize_t)task;
  count[0][0] = 1;
  switch (ds) {
  case PF_DS_TASK_STATUS:
  case PF_DS_TASK_WALL:
  case PF_DS_CKPT_SLOT:
    break;
  case PF_DS_TASK_REASON:
    count[0][1] = PF_STORE_REASON_LEN;
    break;
  case PF_DS_TASK_BLAS_CORE:
    count[0][1] = PF_STORE_NAME_LEN;
    break;
  case PF_DS_METRICS:
    count[0][1] = C, count[0][2] = PF_STORE_RESULT_COLUMNS;
    break;
  case PF_DS_TIMING:
    count[0][1] = C, count[0][2] = PF_STORE_TIMING_COLUMNS;
    break;
  case PF_DS_CKPT_STATE:
    count[0][1] = 2, count[0][2] = PF_STORE_CKPT_COLUMNS;
    break;
  case PF_DS_COEFS:
    count[0][1] = C, count[0][2] = (hsize_t)st->max_coef;
    break;
  case PF_DS_CKPT_COEF:
    count[0][1] = 2, count[0][2] = (hsize_t)st->max_coef;
    break;
  case PF_DS_PARAMS:
    start[0][0] = row[PF_IDX_PARAM_OFFSET], count[0][0] = row[PF_IDX_PARAM_COUNT];
    break;
  case PF_DS_POOL_PARAMS:
    start[0][0] = row[PF_IDX_PARAM_OFFSET],
    count[0][0] = row[PF_IDX_POOL_COUNT] ? row[PF_IDX_PARAM_COUNT] : 0;
    break;
  case PF_DS_POINTS_FINAL:
    start[0][0] = row[PF_IDX_FINAL_OFFSET], count[0][0] = row[PF_IDX_FINAL_COUNT], count[0][1] = D;
    break;
  case PF_DS_POINTS_DRAWN:
    start[0][0] = row[PF_IDX_DRAWN_OFFSET];
    count[0][0] = row[PF_IDX_DRAWN_PER_CYCLE] * (uint64_t)st->cycles[task], count[0][1] = D;
    break;
  case PF_DS_POOL_POINTS:
    start[0][0] = row[PF_IDX_POOL_OFFSET], count[0][0] = row[PF_IDX_POOL_COUNT], count[0][1] = D;
    break;
  case PF_DS_POOL_SCORES:
    start[0][0] = row[PF_IDX_POOL_OFFSET], count[0][0] = row[PF_IDX_POOL_COUNT];
    break;
  case PF_DS_POOL_Z:
    start[0][0] = row[PF_IDX_Z_OFFSET], count[0][0] = row[PF_IDX_Z_COUNT], count[0][1] = D;
    break;
  case PF_DS_CKPT_PARAMS:
    *n = 2;
    for (int s = 0; s < 2; s++)
      start[s][0] = (hsize_t)s * sumP + row[PF_IDX_PARAM_OFFSET],
      count[s][0] = row[PF_IDX_PARAM_COUNT];
    break;
  case PF_DS_CKPT_POINTS:
    *n = 2;
    for (int s = 0; s < 2; s++)
      start[s][0] = (hsize_t)s * sumF + row[PF_IDX_FINAL_OFFSET],
      count[s][0] = row[PF_IDX_FINAL_COUNT], count[s][1] = D;
    break;
  default: /* the descriptions: the same in every shard */
    *n = 0;
    break;
  }
}

int pf_store_copy_task(pf_store *dst, pf_store *src, int task) {
  PF_CHECK(dst->writable, PF_ERR_ARG, "%s: store opened read-only", dst->path);
  PF_CHECK(task >= 0 && task < dst->ntasks && dst->ntasks == src->ntasks &&
               dst->max_dim == src->max_dim && dst->max_cycles == src->max_cycles &&
               dst->max_coef == src->max_coef &&
               !memcmp(dst->idx + (size_t)task * PF_IDX_COUNT,
                       src->idx + (size_t)task * PF_IDX_COUNT, PF_IDX_COUNT * sizeof *dst->idx),
           PF_ERR_ARG, "%s and %s: task %d has another layout", dst->path, src->path, task);
  unsigned char *buf = NULL;
  int rc = PF_OK;
  /* every region but the status, then the status: a reader that sees done sees the results */
  for (int pass = 0; pass < 2 && !rc; pass++)
    for (int ds = 0; ds < PF_DS_COUNT && !rc; ds++) {
      if ((ds == PF_DS_TASK_STATUS) != (pass == 1)) continue;
      int n = 0;
      hsize_t start[2][3], count[2][3];
      pf_store_task_region(src, (pf_store_ds)ds, task, &n, start, count);
      for (int s = 0; s < n && !rc; s++) {
        size_t bytes = pf_store_kind_size(pf_store_datasets[ds].kind);
        for (int i = 0; i < pf_store_datasets[ds].rank; i++) bytes *= (size_t)count[s][i];
        if (bytes == 0) continue;
        rc = PF_CALLOC(bytes, &buf);
        if (!rc) rc = pf_store_rw(src, (pf_store_ds)ds, 0, start[s], count[s], buf);
        if (!rc) rc = pf_store_rw(dst, (pf_store_ds)ds, 1, start[s], count[s], buf);
        PF_FREE(&buf);
      }
    }
  return rc;
}
