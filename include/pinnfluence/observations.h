/* pinnfluence observations: the measured data of a data misfit term (README "Soft constraints,
 * data and inverse problems"): points X (n, d) and observed values Y (n, nobs) of the outputs
 * out[0 .. nobs-1], read from a CSV file or drawn from the problem's reference. Local. */
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
