/* pinnfluence observations: the measured data of a data misfit term (README "Soft constraints,
 * data and inverse problems"): points X (n, d) and observed values Y (n, nobs) of the outputs
 * out[0 .. nobs-1], read from a CSV or HDF5 file or drawn from the problem's reference. Local.
 * The HDF5 reader is in src/io (observations_h5.c), the one module that includes HDF5. */
#ifndef PINNFLUENCE_OBSERVATIONS_H
#define PINNFLUENCE_OBSERVATIONS_H

#include "pinnfluence/pde.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int nobs;            /* observed outputs */
  int out[PF_MAX_OUT]; /* their indices in the problem's outputs */
  size_t n;            /* observations (points) */
  double *X;           /* (n, d) */
  double *Y;           /* (n, nobs) */
} pf_observations;

/* Parse the CSV text of file `name` (for messages) for problem p: a header line naming every
 * input of p and one or more of its outputs (each once, any order), then one row of numbers per
 * observation; blank lines and lines starting with # are skipped. A wrong header, a row with too
 * few or too many fields, a field that is not a finite number, a point outside the box, no rows:
 * PF_ERR_CONFIG with "NAME:LINE: what; allowed ..." in err. obs is filled (free it with
 * pf_observations_free, also after an error). */
int pf_observations_csv(const pf_pde *p, const char *name, const char *text, pf_observations *obs,
                        char *err, size_t errlen);

/* Split a comma-separated line in place into its fields (spaces, tabs and a '\r' around a field
 * dropped): field[0 .. min(n, max)-1], returns the number n of fields (a CSV row, a list of
 * names in an HDF5 attribute). */
int pf_observations_split(char *line, char **field, int max);

/* Largest observation file (CSV or HDF5) and most rows read from one. */
#define PF_OBSERVATIONS_FILE_MAX ((size_t)1 << 30)
#define PF_OBSERVATIONS_ROWS_MAX 10000000

/* The whole file at path into *bytes (malloc'ed, *len bytes and a NUL after them, so a CSV file
 * is a C string). On failure nonzero with the reason in why ("No such file or directory", "Is a
 * directory", "larger than 1024 MiB") and *bytes NULL. The data.file_hash of a file is XXH64 (seed
 * 0) of these len bytes. */
int pf_observations_load(const char *path, char **bytes, size_t *len, char *why, size_t whylen);

/* 1 if the file name/bytes are an HDF5 file: the HDF5 signature "\211HDF\r\n\032\n" at
 * offset 0 or at a user-block offset 512, 1024, 2048, ...; without one, a name ending in .h5 or
 * .hdf5 (so the HDF5 reader says why it is not an HDF5 file). 0: CSV. */
int pf_observations_is_h5(const char *name, const char *bytes, size_t len);

/* Observations from the bytes of file `name` (pf_observations_load): HDF5
 * (pf_observations_is_h5: pf_observations_h5) or CSV text (pf_observations_csv; a NUL byte is
 * an error). Errors as those two. */
int pf_observations_parse(const pf_pde *p, const char *name, const char *bytes, size_t len,
                          pf_observations *obs, char *err, size_t errlen);

/* Parse the HDF5 file image image[0 .. len-1] of file `name` (for messages) for problem p
 * (src/io/observations_h5.c; opened from memory with the core driver, so the bytes parsed are the
 * bytes hashed):
 *   X  dataset (n, d) float64: the points, columns the inputs of p in order; optional string
 *      attribute inputs ("x,t"), then equal to p's inputs, comma-separated, in order;
 *   Y  dataset (n, nobs) float64: the observed values; string attribute outputs naming its
 *      columns, distinct outputs of p, comma-separated ("u" or "u,v"), any order.
 * 1 <= n <= PF_OBSERVATIONS_ROWS_MAX. A missing dataset or attribute, a wrong rank, shape or
 * type, an unknown or repeated output, a non-finite value or a point outside the box (with its
 * row, counted from 0 as numpy does), no rows: PF_ERR_CONFIG with "NAME: dataset X: what;
 * allowed ..." in err, and HDF5 prints nothing (its automatic error stack is off for the call).
 * obs is filled (free it with pf_observations_free, also after an error). */
int pf_observations_h5(const pf_pde *p, const char *name, const void *image, size_t len,
                       pf_observations *obs, char *err, size_t errlen);

/* count observations of the outputs outs[0 .. nouts-1] (nouts 0: every output) drawn from p's
 * reference: p's holdout set for seed data_seed (pf_pde_holdout; holdout_points for a random
 * one), count distinct points of it chosen by a partial Fisher-Yates shuffle with the uniforms
 * 0 .. count-1 of the stream (data_seed, 0, PF_RNG_DATA, 0), and
 *   y_ia = u_ref,a(X_i) + noise * rms_a * z_ia,  rms_a = sqrt(mean_i u_ref,a(X_i)^2),
 * z_ia the normals at positions count + i * nobs + a of the same stream. Depends on data_seed
 * only. PF_ERR_ARG if count exceeds the holdout set. */
int pf_observations_reference(const pf_pde *p, uint64_t data_seed, size_t holdout_points,
                              size_t count, double noise, int nouts, const int *outs,
                              pf_observations *obs);

void pf_observations_free(pf_observations *obs);

#ifdef __cplusplus
}
#endif
#endif
