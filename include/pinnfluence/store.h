/* pinnfluence io: the results store, one HDF5 file per sweep (a single run is a sweep of one task),
 * written by all ranks through MPI-IO. HDF5 is included only by this module.
 *
 * Every dataset is created, with its final size and its storage allocated, when the store is
 * created (collectively), and the file is flushed; afterwards ranks only write raw data into
 * regions that belong to their tasks (independent I/O, no metadata changes), so the file is valid
 * at every instant and opens with h5py even after a rank is killed. Unwritten numbers read as NaN.
 *
 * Layout (ntasks = T; all strings are fixed-width, NUL-padded char arrays stored as 8-bit
 * integers, which `h5dump -r` prints as text; attributes name the columns and units):
 *   /                      attributes: format = "pinnfluence-results", format_version = 5,
 *                          program_version, git_commit, compiler, build_type, blas_config,
 *                          blas_core, mpi_version, hdf5_version, hosts, ranks, created (UTC ISO
 *                          8601), command_line
 *   /sweep/config          (L) char: the configuration as given (file text and --set overrides)
 *   /sweep/canonical       (L) char: canonical text of the whole sweep; attribute hash (16 hex
 *                          digits of the sweep_hash given to pf_store_create)
 *   /tasks/config          (T, W) char: canonical text of each task's resolved configuration
 *   /tasks/hash            (T) uint64: XXH64 of /tasks/config
 *   /tasks/pde, /tasks/method, /tasks/mode   (T, 32) char
 *   /tasks/seed            (T) int64
 *   /tasks/cycles          (T) int32: cycles of the task (rows of /metrics it uses)
 *   /tasks/status          (T) int32: 0 pending, 1 running, 2 done, 3 failed, 4 interrupted
 *                          (pf_task_status)
 *   /tasks/reason          (T, 256) char: why a task failed (empty otherwise)
 *   /tasks/layers          (T, 18) int32: layer sizes, 0-padded (at most 16 hidden layers)
 *   /tasks/param_offset, /tasks/param_count        (T) uint64: slice of /params
 *   /tasks/final_offset, /tasks/final_count        (T) uint64: rows of /points/final
 *   /tasks/drawn_offset, /tasks/drawn_per_cycle    (T) uint64: rows of /points/drawn
 *   /tasks/pool_offset, /tasks/pool_count, /tasks/z_offset, /tasks/z_count (T) uint64
 *   /metrics               (T, C, 6) double, C = the largest cycle count; columns (attribute
 *                          "columns"): cycle, iteration, l2_relative_error, test_loss, train_loss,
 *                          train_size (cumulative iteration count after the cycle)
 *   /timing/cycles         (T, C, 2) double: seconds_score, seconds_train of each cycle
 *   /timing/task_seconds   (T) double: wall time of each task
 *                          (everything outside /timing is bitwise reproducible; /timing is not)
 *   /params                (sum of param_count) double: final parameters of each task, the layout
 *                          of include/pinnfluence/nn.h (per layer W row-major, then b)
 *   /tasks/dim             (T) int32: input coordinates d of the task's problem
 *   /tasks/blas_core       (T, 32) char: the OpenBLAS kernel set the task ran with ("" before)
 *   /tasks/inputs, /tasks/outputs, /tasks/components (T, 64) char: comma-separated names
 *                          ("x,y,t"; "u"; "r")
 *   /points/final          (sum of final_count, D) double, D = the largest dim of the tasks (the
 *                          columns past a task's dim are NaN): the final training set; attribute
 *                          "inputs" the column names when every task has the same inputs
 *   /points/drawn          (sum of cycles * drawn_per_cycle, D) double: the points drawn in each
 *                          cycle, cycle-major (row drawn_offset + c * drawn_per_cycle + i)
 *   /pool/params           (sum of param_count, or 0 if no task stores its pool) double: the
 *                          parameters the last pool was scored with, at the offsets of /params
 *   /pool/points, /pool/scores, /pool/z   the last cycle's candidate pool (rows of D), its scores,
 *                          and the influence set Z (rows of D); rows /tasks/pool_* and
 *                          /tasks/z_* (none unless run.store_pool_scores is set)
 *   /tasks/coef_names      (T, 64) char: the problem's named coefficients, comma-separated ("nu";
 *                          empty for a problem without coefficients); their count is the task's
 * NC_i /tasks/trainable       (T, NC) int8, NC = the largest NC_i of the sweep (0 if none has any):
 *                          1 where the task trains the coefficient, 0 otherwise (and past NC_i)
 *   /tasks/coef_true       (T, NC) double: the problem's given values of its coefficients (the
 *                          truth an inverse problem is measured against); NaN past NC_i
 *   /coefficients          (T, C, NC) double: all NC_i coefficient values after each cycle of a
 *                          task that trains some (the trained ones as learned so far); NaN where
 *                          not written and for tasks that train none
 *   /checkpoint/...        the resume state: /checkpoint/params, /checkpoint/points (two slots),
 *                          /checkpoint/state (T, 2, 3), /checkpoint/slot (T), /checkpoint/coef
 *                          (T, 2, NC) the coefficient values of each slot (NaN: none trained) */
#ifndef PINNFLUENCE_STORE_H
#define PINNFLUENCE_STORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_STORE_METRIC_COLUMNS 8  /* a metrics row of the API: 6 results + 2 timings */
#define PF_STORE_RESULT_COLUMNS 6  /* columns of /metrics */
#define PF_STORE_TIMING_COLUMNS 2  /* columns of /timing/cycles */
#define PF_STORE_CKPT_COLUMNS   3  /* columns of /checkpoint/state */
#define PF_STORE_MAX_LAYERS     18 /* layer sizes: input, 16 hidden (PF_PDE_MAX_HIDDEN), output */
#define PF_STORE_NAME_LEN       32
#define PF_STORE_REASON_LEN     256
#define PF_STORE_MAX_DIM        4  /* input coordinates (PF_MAX_DIM) */
#define PF_STORE_NAMES_LEN      64 /* comma-separated input, output or component names */
#define PF_STORE_MAX_COEF       4  /* named coefficients of a problem (PF_PDE_MAX_COEF) */

typedef enum {
  PF_TASK_PENDING = 0,
  PF_TASK_RUNNING = 1,
  PF_TASK_DONE = 2,
  PF_TASK_FAILED = 3,
  PF_TASK_INTERRUPTED = 4 /* stopped by a signal; a resume runs it again */
} pf_task_status;
#define PF_TASK_STATUS_MAX PF_TASK_INTERRUPTED

/* What the store must know of a task when it is created: every dataset size follows from it. */
typedef struct {
  const char *canonical; /* canonical text of the resolved task config */
  uint64_t hash;         /* XXH64 of canonical */
  const char *pde, *method, *mode;
  int64_t seed;
  int cycles;
  int nlayers; /* weight layers; sizes has nlayers + 1 entries */
  const int *sizes;
  size_t nparams;
  size_t final_points;    /* training-set size after the last cycle */
  size_t drawn_per_cycle; /* points drawn per cycle (0 for static) */
  size_t pool_points;     /* stored pool size (0 unless run.store_pool_scores) */
  size_t z_points;        /* stored Z size (0 unless run.store_pool_scores and a Z is used) */
  int dim;                /* input coordinates d of the task's problem (1 .. PF_STORE_MAX_DIM) */
  const char *inputs;     /* their names, comma-separated ("x,t", "x,y,t") */
  const char *outputs;    /* the output names, comma-separated ("u") */
  const char *components; /* the residual components' names, comma-separated ("r") */
  /* The problem's named coefficients (format 5). A description without them (ncoef = 0, all
   * zero) is a problem without coefficients. */
  int ncoef;                           /* 0 .. PF_STORE_MAX_COEF */
  const char *coef_names;              /* ncoef names, comma-separated ("nu"); NULL or "": none */
  int trainable[PF_STORE_MAX_COEF];    /* 1: coefficient j is trained, else 0 (j < ncoef) */
  double coef_true[PF_STORE_MAX_COEF]; /* the problem's given (true) values, finite (j < ncoef) */
} pf_store_task;

typedef struct pf_store pf_store;

/* Collective on comm. Create the store at path (an existing file is an error unless overwrite)
 * for ntasks tasks, write the provenance, the sweep texts and the per-task descriptions, set every
 * status to pending and flush. command_line: the program's arguments joined by spaces. */
int pf_store_create(MPI_Comm comm, const char *path, int overwrite, const char *sweep_config,
                    const char *sweep_canonical, uint64_t sweep_hash, int ntasks,
                    const pf_store_task *tasks, const char *command_line, pf_store **st);
/* Collective on comm. Open an existing store for reading (writable = 0) or for resuming
 * (writable = 1). Fails with PF_ERR_IO and a clear message if the file is not a pinnfluence store
 * or has another format version (an older one, 1 to 4: the message names the file, its version,
 * the build that wrote it, the git commit whose build reads it, and that a run of its
 * configuration with this build gives a version-5 file), and if the file does not follow the
 * layout above: every dataset a plain contiguous one reached through hard links (no external
 * storage, no soft or external links) with the layout's type and shape, its storage inside the
 * file, D in 1..PF_STORE_MAX_DIM and the largest /tasks/dim, every dim in 1..D with as many input
 * names, output and component names lists of 1..4 names, layer sizes within the configuration's
 * limits from dim to the number of outputs, counts consistent with the layers, offsets equal to
 * the running sums of the counts, statuses and cycles in range, coefficient names, trainable flags
 * (0 or 1, only within a task's coefficients) and true values (finite within, NaN past them) that
 * agree, NC the largest count (src/io/store_check.c); nothing is
 * written before these checks pass. Reading works while another process writes the file (neither
 * side locks it) and on a file left behind by a killed writer. */
int pf_store_open(MPI_Comm comm, const char *path, int writable, pf_store **st);
/* Collective on the store's communicator (rank 0 compares). Compare the task descriptions stored
 * in an opened store with the ones the program resolved from its configuration (every field but
 * the canonical text, the problem's dim and names, its coefficients' names, trainable flags and
 * true values included), so that a resume writes exactly the
 * sizes the program computed: call it before the first write of a resume. PF_ERR_IO naming the
 * dataset and the task if one differs. */
int pf_store_check_tasks(pf_store *st, int ntasks, const pf_store_task *tasks);
/* Collective on the store's communicator. Accepts NULL. */
int pf_store_close(pf_store **st);

/* ---- writes: independent (any rank, no collective), raw data only ---- */
/* Writes the reason (truncated to PF_STORE_REASON_LEN - 1 bytes; NULL for none) and the wall time
 * before the status, so a reader that sees done/failed also sees them. */
int pf_store_set_status(pf_store *st, int task, pf_task_status status, const char *reason,
                        double wall_seconds);
/* One row of /metrics: cycle index c in 0..cycles-1. */
int pf_store_write_metrics(pf_store *st, int task, int c,
                           const double row[PF_STORE_METRIC_COLUMNS]);
int pf_store_write_params(pf_store *st, int task, const double *theta);
/* Points are (n, d) point-major with the task's d (pf_store_task.dim); the file pads the rows to
 * D columns with NaN. n must equal the task's final_points. X: (n, d). */
int pf_store_write_final_points(pf_store *st, int task, size_t n, const double *X);
/* The OpenBLAS kernel set the task runs with (openblas_get_corename(), at most 31 characters). */
int pf_store_write_blas_core(pf_store *st, int task, const char *core);
/* The points drawn in cycle c (n = drawn_per_cycle). */
int pf_store_write_drawn(pf_store *st, int task, int c, size_t n, const double *X);
/* The values of all the task's coefficients after cycle c (0-based): coef (ncoef, which must be
 * the task's ncoef); a row of /coefficients. For tasks that train coefficients. */
int pf_store_write_coef(pf_store *st, int task, int c, int ncoef, const double *coef);
/* The last pool (pool_points: X, scores) and Z (z_points: Z (z_points, d); may be NULL if 0). */
int pf_store_write_pool(pf_store *st, int task, const double *theta, const double *X,
                        const double *scores, const double *Z);

/* A task's checkpoint: its state after cycle cycles_done, from which a resume goes on. */
typedef struct {
  int found;       /* read: 1 if the task has a complete checkpoint */
  int cycles_done; /* 1 .. cycles */
  size_t ntrain;   /* training-set size after that cycle (<= final_points) */
  long iterations; /* cumulative optimiser iterations */
  int has_coef;    /* read: 1 if the checkpoint holds coefficient values (the task trains some) */
} pf_store_checkpoint;
/* Write a checkpoint: the parameters theta (nparams), the training set X (ntrain, d) and the
 * coefficient values coef (the task's ncoef; NULL when the task trains none: the slot's values
 * become NaN) into the slot that does not hold the last complete checkpoint, the state row, fsync,
 * and only then the slot index (/checkpoint/slot): a kill or a node failure at any instant leaves
 * the previous or the new checkpoint readable, never a mixture. A task that trains coefficients
 * must pass them (PF_ERR_ARG otherwise), so its resume restores them. */
int pf_store_write_checkpoint(pf_store *st, int task, const pf_store_checkpoint *ck,
                              const double *theta, const double *X, const double *coef);

/* ---- merging shards (pinnfluence merge) ---- */
/* The provenance attributes of the store's root as "key=value" lines (malloc'ed, caller frees). */
int pf_store_provenance_text(pf_store *st, char **text);
/* Collective on the store's communicator: set a string attribute of the root (replacing one). */
int pf_store_write_root_text(pf_store *st, const char *name, const char *text);
/* Copy every per-task region of task (status, reason, blas_core, metrics, timing, parameters,
 * points, pool, checkpoints; the status last) from src to dst, two stores of one sweep (the same
 * task layout). Not collective. */
int pf_store_copy_task(pf_store *dst, pf_store *src, int task);

/* ---- reads (any rank) ---- */
/* The last complete checkpoint of a task: ck->found = 0 if it has none; else theta (nparams), X
 * (at least ck->ntrain rows of d; final_points rows always suffice) and, for a task that trains
 * coefficients, coef (the task's ncoef values; ck->has_coef = 1; coef may be NULL for a task
 * without coefficients). A slot index or state out of range, non-finite parameters, or a task
 * that trains coefficients without finite values in the slot: PF_ERR_IO (a damaged file). */
int pf_store_read_checkpoint(pf_store *st, int task, pf_store_checkpoint *ck, double *theta,
                             double *X, double *coef);
int pf_store_ntasks(const pf_store *st);
/* The sweep's canonical text (malloc'ed, caller frees) for resume checks. */
int pf_store_read_sweep_canonical(pf_store *st, char **text);
/* The sweep configuration as given (malloc'ed, caller frees). */
int pf_store_read_sweep_config(pf_store *st, char **text);
int pf_store_read_status(pf_store *st, int task, pf_task_status *status, char *reason,
                         size_t reason_len);
/* Task description as stored (strings point into st-owned memory valid until close). */
int pf_store_read_task(pf_store *st, int task, pf_store_task *desc);
int pf_store_read_metrics(pf_store *st, int task, double *rows /* (cycles, 8) */);
int pf_store_read_params(pf_store *st, int task, double *theta /* (nparams) */);
/* The coefficient values after every cycle: coef (cycles, ncoef) of the task, NaN where none were
 * written. */
int pf_store_read_coef(pf_store *st, int task, double *coef);
int pf_store_read_final_points(pf_store *st, int task, double *X /* (final_points, d) */);
/* The kernel the task ran with ("" if it has not run), NUL-terminated; characters other than
 * [A-Za-z0-9_] read as '?'. */
int pf_store_read_blas_core(pf_store *st, int task, char core[PF_STORE_NAME_LEN + 1]);
/* The points drawn in cycle c: X (drawn_per_cycle, d). */
int pf_store_read_drawn(pf_store *st, int task, int c, double *X);
/* The last pool: X (pool_points, d), scores (pool_points) and Z (z_points, d; may be NULL if 0). */
int pf_store_read_pool(pf_store *st, int task, double *theta, double *X, double *scores, double *Z);

#ifdef __cplusplus
}
#endif
#endif
