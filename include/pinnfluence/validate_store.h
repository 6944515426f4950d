/* pinnfluence validate's results file (src/io/validate_store.c): one HDF5 file per validation,
 * written by all ranks through MPI-IO. Every dataset is created with its final size when the
 * validation starts (floats NaN, integers 0) and the file is flushed; afterwards ranks only write
 * raw data into their tasks' and units' regions, so the file opens at any moment and a killed
 * validation resumes from what it holds. T tasks, G groups of S points, D input columns, NP
 * predictors, Pmax parameters, Nmax training points of a state:
 *   /tasks/status (T) int32         0 pending, 2 state and predictions stored, 3 failed
 *   /tasks/reason (T, 256), /tasks/label (T, 160)  char
 *   /state/metrics (T, 5)           cycle, l2_relative_error, test_loss, train_loss, train_size
 *   /state/params (T, Pmax), /state/nparams (T) int64, /state/train (T, Nmax, D)
 *   /groups/points (T, G, S, D), /groups/source (T, G) int32 (0 the method's draw, 1 uniform)
 *   /predicted (T, G, NP)           attribute `predictors`: the names, comma-separated
 *   /units/status (T, G + 1) int32  retraining units: 0 pending, 2 done, 3 failed; unit 0 is the
 *                                   baseline (no group), unit g + 1 adds group g
 *   /units/metrics (T, G + 1, 2)    test_loss, l2_relative_error after the retraining
 *   /actual (T, G, 2)               effect: with the group minus the baseline (test_loss, l2)
 *   /correlation (T, NP, 2, 7)      per predictor and effect: spearman, its 2.5 % and 97.5 %
 *                                   bootstrap points, pearson, lo, hi, groups used
 *   /timing (T, G + 2)              wall seconds: state + predictions, then each unit (not
 *                                   reproducible)
 * Root attributes: format "pinnfluence-validation", format_version 1, config (as given),
 * canonical (the sweep's canonical text and the validate group: a resume must match it),
 * command_line. */
#ifndef PINNFLUENCE_VALIDATE_STORE_H
#define PINNFLUENCE_VALIDATE_STORE_H

#include "pinnfluence/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PF_VS_TASK_STATUS = 0,
  PF_VS_TASK_REASON,
  PF_VS_TASK_LABEL,
  PF_VS_STATE_METRICS,
  PF_VS_STATE_PARAMS,
  PF_VS_STATE_NPARAMS,
  PF_VS_STATE_TRAIN,
  PF_VS_GROUP_POINTS,
  PF_VS_GROUP_SOURCE,
  PF_VS_PREDICTED,
  PF_VS_UNIT_STATUS,
  PF_VS_UNIT_METRICS,
  PF_VS_ACTUAL,
  PF_VS_CORRELATION,
  PF_VS_TIMING,
  PF_VS_COUNT
} pf_vstore_ds;

#define PF_VSTORE_REASON_LEN 256
#define PF_VSTORE_LABEL_LEN  160
#define PF_VSTORE_STATE_COLS 5

typedef struct {
  int ntasks, ngroups, group_size, dim, npred;
  size_t max_params, max_train;
} pf_vstore_dims;

typedef struct pf_vstore pf_vstore;

/* Collective on comm. Create path (truncating an existing file: the caller checked --overwrite)
 * with every dataset at its final size and the attributes; predictors: the names,
 * comma-separated. */
int pf_vstore_create(MPI_Comm comm, const char *path, const pf_vstore_dims *dims,
                     const char *config, const char *canonical, const char *predictors,
                     const char *command_line, pf_vstore **vs);
/* Collective on comm. Open path read-write (for a resume); *canonical (malloc'ed, free it) is
 * the stored canonical text, dims the stored sizes. PF_ERR_IO if it is not a validation file. */
int pf_vstore_open(MPI_Comm comm, const char *path, pf_vstore_dims *dims, char **canonical,
                   pf_vstore **vs);
/* Collective. Flush (MPI_File_sync underneath), so that what one rank wrote is what the others
 * read next (MPI-IO's consistency rule for independent writes: sync, barrier, sync). */
int pf_vstore_flush(pf_vstore *vs);
/* Collective. Flush and close; accepts NULL. */
int pf_vstore_close(pf_vstore **vs);
/* Not collective: read (write = 0) or write the block start .. start + count (one entry per
 * dimension of ds) of dataset ds from/to the contiguous buf (int32 for the int32 datasets, int64
 * for /state/nparams, char for the texts, double otherwise). */
int pf_vstore_rw(pf_vstore *vs, pf_vstore_ds ds, int write, const size_t *start,
                 const size_t *count, void *buf);

#ifdef __cplusplus
}
#endif
#endif
