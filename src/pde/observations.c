/* Observations for data misfit terms: a CSV file's rows (an HDF5 file's datasets are read in
 * src/io/observations_h5.c), or points of the reference with seeded noise
 * (include/pinnfluence/observations.h). */
#include "pinnfluence/observations.h"

#include "pinnfluence/core.h"
#include "pinnfluence/rng.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_observations_free(pf_observations *obs) {
  if (!obs) return;
  PF_FREE(&obs->X);
  PF_FREE(&obs->Y);
  obs->n = 0;
  obs->nobs = 0;
}

static int cfail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int cfail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return PF_ERR_CONFIG;
}

int pf_observations_split(char *line, char **field, int max) {
  int n = 0;
  for (char *p = line;;) {
    char *c = strchr(p, ',');
    if (c) *c = '\0';
    while (*p == ' ' || *p == '\t') p++;
    char *e = p + strlen(p);
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = '\0';
    if (n < max) field[n] = p;
    n++;
    if (!c) break;
    p = c + 1;
  }
  return n;
}

int pf_observations_csv(const pf_pde *p, const char *name, const char *text, pf_observations *obs,
                        char *err, size_t errlen) {
  memset(obs, 0, sizeof *obs);
  const int d = p->ops.d, m = p->ops.m;
  /* column c of the file is input col_in[c] (>= 0) or output col_out[c] */
  int col_in[PF_MAX_DIM + PF_MAX_OUT], col_out[PF_MAX_DIM + PF_MAX_OUT], ncol = 0;
  char allowed[256];
  size_t used = (size_t)snprintf(allowed, sizeof allowed, "every input (");
  for (int j = 0; j < d; j++)
    used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s", j ? ", " : "",
                             p->inputs[j]);
  used += (size_t)snprintf(allowed + used, sizeof allowed - used, ") and some outputs (");
  for (int o = 0; o < m && used < sizeof allowed; o++)
    used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s", o ? ", " : "",
                             p->outputs[o]);
  if (used < sizeof allowed) snprintf(allowed + used, sizeof allowed - used, "), each once");
  size_t cap = 0;
  int line_no = 0, header = 0, rc = PF_OK;
  const char *s = text;
  char *line = NULL;
  while (!rc && *s) {
    const size_t l = strcspn(s, "\n");
    line_no++;
    free(line);
    line = strndup(s, l);
    s += l + (s[l] == '\n');
    if (!line) {
      rc = PF_ERR_MEM;
      break;
    }
    char *t = line;
    while (*t == ' ' || *t == '\t' || *t == '\r') t++;
    if (!*t || *t == '#') continue;
    char *field[PF_MAX_DIM + PF_MAX_OUT + 1];
    const int nf = pf_observations_split(t, field, PF_MAX_DIM + PF_MAX_OUT + 1);
    if (!header) {
      int seen_in[PF_MAX_DIM] = {0}, seen_out[PF_MAX_OUT] = {0};
      if (nf > d + m) {
        rc = cfail(err, errlen, "%s:%d: the header has %d columns; allowed: %s", name, line_no, nf,
                   allowed);
        break;
      }
      for (int c = 0; !rc && c < nf; c++) {
        col_in[c] = col_out[c] = -1;
        for (int j = 0; j < d; j++)
          if (!strcmp(field[c], p->inputs[j])) col_in[c] = j;
        for (int o = 0; o < m; o++)
          if (!strcmp(field[c], p->outputs[o])) col_out[c] = o;
        if (col_in[c] < 0 && col_out[c] < 0)
          rc = cfail(err, errlen,
                     "%s:%d: header column %d \"%.32s\" is neither an input nor an "
                     "output of %s; allowed: %s",
                     name, line_no, c + 1, field[c], p->name, allowed);
        else if ((col_in[c] >= 0 && seen_in[col_in[c]]++) ||
                 (col_out[c] >= 0 && seen_out[col_out[c]]++))
          rc = cfail(err, errlen, "%s:%d: header column \"%.32s\" appears twice; allowed: %s", name,
                     line_no, field[c], allowed);
      }
      for (int j = 0; !rc && j < d; j++)
        if (!seen_in[j])
          rc = cfail(err, errlen, "%s:%d: the header lacks the input %s; allowed: %s", name,
                     line_no, p->inputs[j], allowed);
      if (rc) break;
      for (int o = 0; o < m; o++)
        if (seen_out[o]) obs->out[obs->nobs++] = o;
      if (!obs->nobs) {
        rc = cfail(err, errlen, "%s:%d: the header names no output; allowed: %s", name, line_no,
                   allowed);
        break;
      }
      ncol = nf;
      header = 1;
      continue;
    }
    if (nf != ncol) {
      rc = cfail(err, errlen, "%s:%d: %d fields; allowed: %d (one per header column)", name,
                 line_no, nf, ncol);
      break;
    }
    if (obs->n == cap) {
      cap = cap ? 2 * cap : 256;
      double *X = realloc(obs->X, cap * (size_t)d * sizeof *X);
      if (X) obs->X = X;
      double *Y = X ? realloc(obs->Y, cap * (size_t)obs->nobs * sizeof *Y) : NULL;
      if (Y) obs->Y = Y;
      if (!X || !Y) {
        rc = PF_ERR_MEM;
        break;
      }
    }
    for (int c = 0; c < nf; c++) {
      char *end = NULL;
      errno = 0;
      const double v = strtod(field[c], &end);
      if (end == field[c] || *end || !isfinite(v)) {
        rc = cfail(err, errlen, "%s:%d: field %d \"%.32s\" is not a finite number", name, line_no,
                   c + 1, field[c]);
        break;
      }
      if (col_in[c] >= 0) {
        const int j = col_in[c];
        if (v < p->lo[j] || v > p->hi[j]) {
          rc = cfail(err, errlen, "%s:%d: %s = %g is outside the domain; allowed: %g .. %g", name,
                     line_no, p->inputs[j], v, p->lo[j], p->hi[j]);
          break;
        }
        obs->X[obs->n * (size_t)d + (size_t)j] = v;
      } else {
        int a = 0;
        while (obs->out[a] != col_out[c]) a++;
        obs->Y[obs->n * (size_t)obs->nobs + (size_t)a] = v;
      }
    }
    obs->n++;
  }
  free(line);
  if (rc == PF_ERR_MEM) PF_RAISE(PF_ERR_MEM, "cannot allocate the observations of %s", name);
  if (!rc && !header)
    rc = cfail(err, errlen, "%s: no header line; allowed: a header naming %s, then rows", name,
               allowed);
  if (!rc && obs->n == 0)
    rc = cfail(err, errlen, "%s: a header but no observations; allowed: at least one row", name);
  return rc;
}

int pf_observations_load(const char *path, char **bytes, size_t *len, char *why, size_t whylen) {
  return pf_read_file(path, PF_OBSERVATIONS_FILE_MAX, bytes, len, why, whylen);
}

int pf_observations_is_h5(const char *name, const char *bytes, size_t len) {
  static const char sig[8] = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};
  /* HDF5 looks for its superblock at 0 and after a user block of 512, 1024, 2048, ... bytes */
  for (size_t off = 0; off + sizeof sig <= len; off = off ? 2 * off : 512)
    if (!memcmp(bytes + off, sig, sizeof sig)) return 1;
  const size_t l = strlen(name);
  return (l > 3 && !strcmp(name + l - 3, ".h5")) || (l > 5 && !strcmp(name + l - 5, ".hdf5"));
}

int pf_observations_parse(const pf_pde *p, const char *name, const char *bytes, size_t len,
                          pf_observations *obs, char *err, size_t errlen) {
  memset(obs, 0, sizeof *obs);
  if (pf_observations_is_h5(name, bytes, len))
    return pf_observations_h5(p, name, bytes, len, obs, err, errlen);
  if (strlen(bytes) != len)
    return cfail(err, errlen,
                 "%s: it holds a NUL byte but no HDF5 signature, so it is neither CSV text nor an "
                 "HDF5 file; allowed: a CSV file (a header naming the inputs and observed outputs, "
                 "then one row per observation) or an HDF5 file (datasets X and Y)",
                 name);
  return pf_observations_csv(p, name, bytes, obs, err, errlen);
}

int pf_observations_reference(const pf_pde *p, uint64_t data_seed, size_t holdout_points,
                              size_t count, double noise, int nouts, const int *outs,
                              pf_observations *obs) {
  memset(obs, 0, sizeof *obs);
  const size_t d = (size_t)p->ops.d, m = (size_t)p->ops.m;
  obs->nobs = nouts > 0 ? nouts : (int)m;
  for (int a = 0; a < obs->nobs; a++) obs->out[a] = nouts > 0 ? outs[a] : a;
  const size_t nob = (size_t)obs->nobs;
  size_t nh = 0;
  double *hX = NULL, *hu = NULL, *uni = NULL, *z = NULL;
  size_t *perm = NULL;
  int rc = pf_pde_holdout(p, data_seed, holdout_points, &nh, &hX, &hu);
  if (!rc && (count < 1 || count > nh))
    rc = pf_error(PF_ERR_ARG, __FILE__, __LINE__, __func__,
                  "%zu observations from a reference set of %zu points", count, nh);
  if (!rc) rc = PF_CALLOC(nh, &perm);
  if (!rc) rc = PF_CALLOC(count, &uni);
  if (!rc) rc = PF_CALLOC(count * nob, &z);
  if (!rc) rc = PF_CALLOC(count * d, &obs->X);
  if (!rc) rc = PF_CALLOC(count * nob, &obs->Y);
  if (!rc) {
    pf_rng_stream st = pf_rng_stream_make(data_seed, 0, PF_RNG_DATA, 0);
    pf_rng_uniform(&st, 0, count, uni);
    pf_rng_normal(&st, count, count * nob, z);
    for (size_t i = 0; i < nh; i++) perm[i] = i;
    /* partial Fisher-Yates: position i takes one of the nh - i points not yet chosen */
    for (size_t i = 0; i < count; i++) {
      size_t j = i + (size_t)(uni[i] * (double)(nh - i));
      if (j >= nh) j = nh - 1;
      const size_t t = perm[i];
      perm[i] = perm[j], perm[j] = t;
    }
    obs->n = count;
    for (size_t a = 0; a < nob; a++) {
      const size_t o = (size_t)obs->out[a];
      double ss = 0;
      for (size_t i = 0; i < count; i++) {
        const double u = hu[perm[i] * m + o];
        ss += u * u;
      }
      const double rms = sqrt(ss / (double)count);
      for (size_t i = 0; i < count; i++)
        obs->Y[i * nob + a] = hu[perm[i] * m + o] + noise * rms * z[i * nob + a];
    }
    for (size_t i = 0; i < count; i++) memcpy(obs->X + i * d, hX + perm[i] * d, d * sizeof *hX);
  }
  PF_FREE(&hX), PF_FREE(&hu), PF_FREE(&uni), PF_FREE(&z), PF_FREE(&perm);
  if (rc) return pf_trace(rc, __FILE__, __LINE__, __func__);
  return PF_OK;
}
