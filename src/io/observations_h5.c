/* HDF5 observation files for data misfit terms (include/pinnfluence/observations.h): dataset X
 * (n, d) float64 with the problem's inputs in order (optional string attribute inputs), dataset Y
 * (n, nobs) float64 with a string attribute outputs naming its columns. The file is opened from
 * its bytes in memory (core driver and a file image), so the bytes parsed are the bytes
 * data.file_hash hashed; HDF5's automatic error printing is off for the call, every failure is one
 * message in err ("obs.h5: dataset X: what; allowed ..."). */
#include "pinnfluence/core.h"
#include "pinnfluence/observations.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OBS_ATTR_MAX 1024 /* longest inputs or outputs attribute, bytes */

typedef struct {
  const pf_pde *p;
  const char *name; /* the file, for messages */
  char *err;
  size_t errlen;
  hid_t file;
  char inputs[256];  /* "x, t" */
  char outputs[256]; /* "u, v" */
} obs_h5;

static int ofail(obs_h5 *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ofail(obs_h5 *c, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(c->err, c->errlen, "%s: %s", c->name, msg);
  return PF_ERR_CONFIG;
}

/* H5Ewalk2 callback: the innermost entry, where HDF5 first saw the problem (the most specific). */
static herr_t obs_walk(unsigned n, const H5E_error2_t *e, void *data) {
  char *text = data;
  if (n == 0) snprintf(text, 256, "%s", e->desc ? e->desc : "?");
  return 0;
}

/* An HDF5 call failed: the message with HDF5's innermost one appended. */
static int ofail_h5(obs_h5 *c, const char *what) {
  char detail[256] = "";
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, obs_walk, detail) < 0) detail[0] = '\0';
  H5Eclear2(H5E_DEFAULT);
  return ofail(c, "%s%s%s", what, detail[0] ? ": HDF5: " : "", detail);
}

static void close_id(hid_t *id, herr_t (*close)(hid_t)) {
  if (*id >= 0) (void)close(*id);
  *id = H5I_INVALID_HID;
}

/* "a 4-byte integer", "a string", ... for messages about a wrong type. */
static void describe_type(hid_t t, char *buf, size_t len) {
  const size_t size = H5Tget_size(t);
  switch (H5Tget_class(t)) {
  case H5T_INTEGER:
    snprintf(buf, len, "%zu-byte integers", size);
    break;
  case H5T_FLOAT:
    snprintf(buf, len, "%zu-byte floats (float%zu)", size, 8 * size);
    break;
  case H5T_STRING:
    snprintf(buf, len, "strings");
    break;
  case H5T_COMPOUND:
    snprintf(buf, len, "a compound type");
    break;
  case H5T_ENUM:
    snprintf(buf, len, "an enumeration");
    break;
  case H5T_ARRAY:
    snprintf(buf, len, "an array type");
    break;
  default:
    snprintf(buf, len, "type class %d", (int)H5Tget_class(t));
  }
}

/* "(5, 3)" */
static void describe_shape(int rank, const hsize_t *dims, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "(");
  for (int i = 0; i < rank && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%llu", i ? ", " : "",
                             (unsigned long long)dims[i]);
  if (used < len) snprintf(buf + used, len - used, rank == 1 ? ",)" : ")");
}

/* Open dataset nm (X or Y) and check it is a matrix of float64 (its shape into dims). allowed:
 * the whole description, shape: the allowed shape. */
static int open_matrix(obs_h5 *c, const char *nm, const char *allowed, const char *shape_allowed,
                       hid_t *dset, hsize_t dims[2]) {
  const htri_t has = H5Lexists(c->file, nm, H5P_DEFAULT);
  if (has < 0) return ofail_h5(c, "cannot look up the datasets");
  if (!has) return ofail(c, "dataset %s: missing; allowed: %s", nm, allowed);
  *dset = H5Dopen2(c->file, nm, H5P_DEFAULT);
  if (*dset < 0) {
    H5Eclear2(H5E_DEFAULT);
    return ofail(c, "dataset %s: %s is not a dataset (a group?); allowed: %s", nm, nm, allowed);
  }
  hid_t t = H5Dget_type(*dset), sp = H5Dget_space(*dset);
  int rc = PF_OK;
  if (t < 0 || sp < 0) rc = ofail_h5(c, "cannot read the type and shape of a dataset");
  if (!rc && !(H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 8)) {
    char got[64];
    describe_type(t, got, sizeof got);
    rc = ofail(c, "dataset %s: its values are %s; allowed: float64 (8-byte IEEE floats)", nm, got);
  }
  if (!rc) {
    hsize_t d[H5S_MAX_RANK] = {0};
    const int rank = H5Sget_simple_extent_ndims(sp);
    if (rank < 0) rc = ofail_h5(c, "cannot read the shape of a dataset");
    if (!rc && H5Sget_simple_extent_dims(sp, d, NULL) < 0)
      rc = ofail_h5(c, "cannot read the shape of a dataset");
    if (!rc && rank != 2) {
      char shape[128];
      describe_shape(rank, d, shape, sizeof shape);
      rc = ofail(c, "dataset %s: rank %d, shape %s; allowed: rank 2, %s", nm, rank,
                 rank ? shape : "() (a scalar)", shape_allowed);
    }
    if (!rc) dims[0] = d[0], dims[1] = d[1];
  }
  close_id(&t, H5Tclose);
  close_id(&sp, H5Sclose);
  return rc;
}

/* The string attribute an of object obj (dataset nm) into out (at most OBS_ATTR_MAX bytes);
 * *present 0 if there is none. Fixed-length (NUL- or space-padded) and variable-length strings,
 * ASCII or UTF-8, one string (a scalar or a one-element array). */
static int read_string_attr(obs_h5 *c, hid_t obj, const char *nm, const char *an,
                            const char *allowed, char out[OBS_ATTR_MAX + 1], int *present) {
  out[0] = '\0';
  *present = 0;
  const htri_t has = H5Aexists(obj, an);
  if (has < 0) return ofail_h5(c, "cannot look up an attribute");
  if (!has) return PF_OK;
  *present = 1;
  hid_t a = H5Aopen(obj, an, H5P_DEFAULT), t = H5I_INVALID_HID, sp = H5I_INVALID_HID,
        mt = H5I_INVALID_HID;
  int rc = PF_OK;
  if (a < 0 || (t = H5Aget_type(a)) < 0 || (sp = H5Aget_space(a)) < 0)
    rc = ofail_h5(c, "cannot open an attribute");
  if (!rc && H5Tget_class(t) != H5T_STRING) {
    char got[64];
    describe_type(t, got, sizeof got);
    rc = ofail(c, "dataset %s: attribute %s holds %s; allowed: %s", nm, an, got, allowed);
  }
  const hssize_t np = rc ? 0 : H5Sget_simple_extent_npoints(sp);
  if (!rc && np != 1)
    rc = ofail(c, "dataset %s: attribute %s holds %lld strings; allowed: one string, %s", nm, an,
               (long long)np, allowed);
  const htri_t var = rc ? 0 : H5Tis_variable_str(t);
  const H5T_cset_t cset = rc ? H5T_CSET_ASCII : H5Tget_cset(t);
  if (!rc && (var < 0 || cset < 0)) rc = ofail_h5(c, "cannot read an attribute's string type");
  if (!rc && var) {
    char *s = NULL;
    if ((mt = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
        H5Tset_cset(mt, cset) < 0 || H5Aread(a, mt, &s) < 0)
      rc = ofail_h5(c, "cannot read an attribute");
    else if (!s || strlen(s) > OBS_ATTR_MAX)
      rc = ofail(c, "dataset %s: attribute %s is %s; allowed: at most %d characters, %s", nm, an,
                 s ? "too long" : "a null string", OBS_ATTR_MAX, allowed);
    else
      snprintf(out, OBS_ATTR_MAX + 1, "%s", s);
    if (s) H5free_memory(s);
  } else if (!rc) {
    const size_t size = H5Tget_size(t);
    char buf[OBS_ATTR_MAX + 1];
    if (size == 0 || size > OBS_ATTR_MAX)
      rc = ofail(c, "dataset %s: attribute %s has %zu characters; allowed: 1 .. %d, %s", nm, an,
                 size, OBS_ATTR_MAX, allowed);
    else if ((mt = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mt, size + 1) < 0 ||
             H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 || H5Tset_cset(mt, cset) < 0 ||
             H5Aread(a, mt, buf) < 0)
      rc = ofail_h5(c, "cannot read an attribute");
    if (!rc) {
      buf[size] = '\0';
      size_t l = strlen(buf);
      while (l > 0 && buf[l - 1] == ' ') buf[--l] = '\0'; /* space-padded (Fortran) strings */
      memcpy(out, buf, l + 1);
    }
  }
  close_id(&mt, H5Tclose);
  close_id(&sp, H5Sclose);
  close_id(&t, H5Tclose);
  close_id(&a, H5Aclose);
  return rc;
}

/* X: (n, d) float64, rows 1 .. PF_OBSERVATIONS_ROWS_MAX, its inputs attribute if present. */
static int check_x(obs_h5 *c, hid_t *dx, size_t *n) {
  const pf_pde *p = c->p;
  const int d = p->ops.d;
  char allowed[512];
  snprintf(allowed, sizeof allowed,
           "a dataset X of float64, shape (n, %d), its columns the inputs of %s (%s) in order", d,
           p->name, c->inputs);
  char shape_allowed[512];
  snprintf(shape_allowed, sizeof shape_allowed,
           "shape (n, %d), one column per input of %s (%s), in order", d, p->name, c->inputs);
  hsize_t dims[2];
  int rc = open_matrix(c, "X", allowed, shape_allowed, dx, dims);
  if (rc) return rc;
  if (dims[1] != (hsize_t)d)
    return ofail(c, "dataset X: shape (%llu, %llu); allowed: %s", (unsigned long long)dims[0],
                 (unsigned long long)dims[1], shape_allowed);
  if (dims[0] == 0)
    return ofail(c, "dataset X: shape (0, %d): no observations; allowed: at least one row", d);
  if (dims[0] > PF_OBSERVATIONS_ROWS_MAX)
    return ofail(c, "dataset X: %llu rows; allowed: 1 .. %d observations",
                 (unsigned long long)dims[0], PF_OBSERVATIONS_ROWS_MAX);
  *n = (size_t)dims[0];
  char want[256], got[OBS_ATTR_MAX + 1];
  size_t used = 0;
  for (int j = 0; j < d && used < sizeof want; j++)
    used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", j ? "," : "", p->inputs[j]);
  char attr_allowed[400];
  snprintf(attr_allowed, sizeof attr_allowed,
           "the inputs of %s in order, comma-separated, \"%s\" (or no attribute inputs)", p->name,
           want);
  int present = 0;
  rc = read_string_attr(c, *dx, "X", "inputs", attr_allowed, got, &present);
  if (rc || !present) return rc;
  char *name[PF_MAX_DIM + 1];
  const int k = pf_observations_split(got, name, PF_MAX_DIM + 1);
  int same = k == d;
  for (int j = 0; same && j < d; j++) same = !strcmp(name[j], p->inputs[j]);
  if (!same) {
    /* got was split in place: rebuild it for the message */
    char shown[OBS_ATTR_MAX + 1];
    used = 0;
    for (int j = 0; j < k && j < PF_MAX_DIM + 1 && used < sizeof shown; j++)
      used += (size_t)snprintf(shown + used, sizeof shown - used, "%s%s", j ? "," : "", name[j]);
    return ofail(c, "dataset X: attribute inputs is \"%.64s\"%s; allowed: %s", shown,
                 k > PF_MAX_DIM + 1 ? "..." : "", attr_allowed);
  }
  return PF_OK;
}

/* Y: (n, nobs) float64; its outputs attribute into obs->out (in the problem's order, as the CSV
 * reader) and col[a]: the position in obs->out of Y's column a. */
static int check_y(obs_h5 *c, size_t n, hid_t *dy, pf_observations *obs, int *col) {
  const pf_pde *p = c->p;
  const int m = p->ops.m;
  char allowed[512];
  snprintf(allowed, sizeof allowed,
           "a dataset Y of float64, shape (n, nobs), with a string attribute outputs naming its "
           "columns: outputs of %s (%s), each once, comma-separated",
           p->name, c->outputs);
  hsize_t dims[2];
  int rc = open_matrix(c, "Y", allowed, "shape (n, nobs), one row per row of X", dy, dims);
  if (rc) return rc;
  char attr_allowed[400], text[OBS_ATTR_MAX + 1];
  snprintf(attr_allowed, sizeof attr_allowed,
           "outputs of %s (%s), each once, comma-separated (\"%s\")", p->name, c->outputs,
           p->outputs[0]);
  int present = 0;
  rc = read_string_attr(c, *dy, "Y", "outputs", attr_allowed, text, &present);
  if (rc) return rc;
  if (!present)
    return ofail(c,
                 "dataset Y: no attribute outputs; allowed: a string attribute outputs naming "
                 "Y's columns, %s",
                 attr_allowed);
  char *name[PF_MAX_OUT + 1];
  const int k = pf_observations_split(text, name, PF_MAX_OUT + 1);
  int seen[PF_MAX_OUT] = {0}, which[PF_MAX_OUT + 1];
  /* m <= PF_MAX_OUT distinct outputs: by name m + 1 at the latest one is empty, unknown or
   * repeated, so every name looked at was stored */
  for (int a = 0; a < k && a <= PF_MAX_OUT; a++) {
    which[a] = -1;
    for (int o = 0; o < m; o++)
      if (!strcmp(name[a], p->outputs[o])) which[a] = o;
    if (!name[a][0])
      return ofail(c, "dataset Y: attribute outputs: name %d is empty; allowed: %s", a + 1,
                   attr_allowed);
    if (which[a] < 0)
      return ofail(c, "dataset Y: attribute outputs: \"%.32s\" is not an output of %s; allowed: %s",
                   name[a], p->name, attr_allowed);
    if (seen[which[a]]++)
      return ofail(c, "dataset Y: attribute outputs: \"%.32s\" appears twice; allowed: %s", name[a],
                   attr_allowed);
  }
  if (dims[0] != (hsize_t)n || dims[1] != (hsize_t)k)
    return ofail(c,
                 "dataset Y: shape (%llu, %llu); allowed: (%zu, %d), one row per row of X and one "
                 "column per output its attribute outputs names",
                 (unsigned long long)dims[0], (unsigned long long)dims[1], n, k);
  for (int o = 0; o < m; o++)
    if (seen[o]) obs->out[obs->nobs++] = o;
  for (int a = 0; a < k; a++) {
    col[a] = 0;
    while (obs->out[col[a]] != which[a]) col[a]++;
  }
  return PF_OK;
}

/* Read X and Y (checked) into obs, every value finite, every point in the box. */
static int read_values(obs_h5 *c, hid_t dx, hid_t dy, size_t n, const int *col,
                       pf_observations *obs) {
  const pf_pde *p = c->p;
  const size_t d = (size_t)p->ops.d, nobs = (size_t)obs->nobs;
  double *y = NULL; /* (n, nobs) in the file's column order */
  int rc = PF_CALLOC(n * d, &obs->X);
  if (!rc) rc = PF_CALLOC(n * nobs, &obs->Y);
  if (!rc) rc = PF_CALLOC(n * nobs, &y);
  if (rc) {
    PF_FREE(&y);
    snprintf(c->err, c->errlen, "%s: cannot allocate %zu observations", c->name, n);
    return rc;
  }
  if (H5Dread(dx, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, obs->X) < 0)
    rc = ofail_h5(c, "dataset X: cannot read the values");
  else if (H5Dread(dy, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) < 0)
    rc = ofail_h5(c, "dataset Y: cannot read the values");
  for (size_t i = 0; !rc && i < n; i++)
    for (size_t j = 0; !rc && j < d; j++) {
      const double v = obs->X[i * d + j];
      if (!isfinite(v))
        rc = ofail(c, "dataset X: row %zu (from 0): %s = %g is not a finite number", i,
                   p->inputs[j], v);
      else if (v < p->lo[j] || v > p->hi[j])
        rc = ofail(c,
                   "dataset X: row %zu (from 0): %s = %g is outside the domain; allowed: %g .. %g",
                   i, p->inputs[j], v, p->lo[j], p->hi[j]);
    }
  for (size_t i = 0; !rc && i < n; i++)
    for (size_t a = 0; !rc && a < nobs; a++) {
      const double v = y[i * nobs + a];
      if (!isfinite(v))
        rc = ofail(c, "dataset Y: row %zu (from 0): %s = %g is not a finite number", i,
                   p->outputs[obs->out[col[a]]], v);
      obs->Y[i * nobs + (size_t)col[a]] = v;
    }
  PF_FREE(&y);
  if (!rc) obs->n = n;
  return rc;
}

int pf_observations_h5(const pf_pde *p, const char *name, const void *image, size_t len,
                       pf_observations *obs, char *err, size_t errlen) {
  memset(obs, 0, sizeof *obs);
  obs_h5 c = {.p = p, .name = name, .err = err, .errlen = errlen, .file = H5I_INVALID_HID};
  size_t used = 0;
  for (int j = 0; j < p->ops.d && used < sizeof c.inputs; j++)
    used += (size_t)snprintf(c.inputs + used, sizeof c.inputs - used, "%s%s", j ? ", " : "",
                             p->inputs[j]);
  used = 0;
  for (int o = 0; o < p->ops.m && used < sizeof c.outputs; o++)
    used += (size_t)snprintf(c.outputs + used, sizeof c.outputs - used, "%s%s", o ? ", " : "",
                             p->outputs[o]);
  /* expected failures are reported here, not printed by HDF5 (restored on the way out) */
  H5E_auto2_t auto_func = NULL;
  void *auto_data = NULL;
  const int restore = H5Eget_auto2(H5E_DEFAULT, &auto_func, &auto_data) >= 0;
  if (H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0) {
    snprintf(err, errlen, "%s: cannot silence HDF5's error printing (is HDF5 usable?)", name);
    return PF_ERR_IO;
  }
  hid_t fapl = H5I_INVALID_HID, dx = H5I_INVALID_HID, dy = H5I_INVALID_HID;
  int rc = PF_OK;
  /* The core driver refuses to open an image under the name of an existing file: a name no file
   * has (HDF5 uses it for nothing else). */
  static unsigned long serial = 0;
  char image_name[96];
  snprintf(image_name, sizeof image_name, "pinnfluence observations image %p %lu", image, ++serial);
  if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 || H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl, (void *)image, len) < 0) {
    (void)ofail_h5(&c, "cannot set up reading the file from memory");
    rc = PF_ERR_IO;
  } else if ((c.file = H5Fopen(image_name, H5F_ACC_RDONLY, fapl)) < 0) {
    rc = ofail_h5(&c, "not an HDF5 file (or a damaged one)");
    char *e = err + strlen(err);
    snprintf(e, errlen - (size_t)(e - err),
             "; allowed: an HDF5 file with datasets X (n, %d) and Y (n, nobs) of float64, Y's "
             "string attribute outputs naming its columns (a name ending in .h5 or .hdf5 is read "
             "as HDF5)",
             p->ops.d);
  }
  size_t n = 0;
  int col[PF_MAX_OUT];
  if (!rc) rc = check_x(&c, &dx, &n);
  if (!rc) rc = check_y(&c, n, &dy, obs, col);
  if (!rc) rc = read_values(&c, dx, dy, n, col, obs);
  close_id(&dx, H5Dclose);
  close_id(&dy, H5Dclose);
  if (c.file >= 0 && H5Fclose(c.file) < 0 && !rc) rc = ofail_h5(&c, "cannot close the file");
  close_id(&fapl, H5Pclose);
  H5Eclear2(H5E_DEFAULT);
  if (restore) (void)H5Eset_auto2(H5E_DEFAULT, auto_func, auto_data);
  return rc;
}
