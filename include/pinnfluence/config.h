/* pinnfluence config: a libconfig file (plus `--set key=value` overrides) becomes a validated sweep
 * of fully resolved, typed task configurations. libconfig is included by this module only.
 *
 * Keys (DESIGN.md section 6). The order of this table is the canonical order: it is the order of
 * the canonical text, and the order of the sweep axes (the last axis varies fastest).
 *
 *   key                        type      default                 allowed
 *   pde                        string    "burgers"               diffusion, burgers, allen_cahn,
 *                                                                wave, drift_diffusion, heat2d
 *                                                                (registry)
 *   seed                       int       1                       0 .. 2147483647
 *   coefficients.nu            float     per pde: burgers 0.01/pi  the problem's range
 *   coefficients.D             float     per pde: diffusion 1, allen_cahn 0.001, drift_diffusion 1
 *   coefficients.k             float     per pde: allen_cahn 5
 *   coefficients.c             float     per pde: wave 2
 *   coefficients.beta          float     per pde: drift_diffusion 20
 *   coefficients.alpha         float     per pde: heat2d 0.05
 *                                        (a coefficient the task's problem does not have is an
 *                                        error; ranges in src/pde and --help-config)
 *   constraints                string    "hard"                  hard, soft
 *   boundary.points            int       64                      1 .. 1000000 (per face)
 *   boundary.weight            float     1.0                     0 < value <= 1e12
 *   data.reference             int       0                       0 .. 10000000 (0: none)
 *   data.noise                 float     0                       0 <= value <= 100
 *   data.seed                  int       0                       0 .. 2147483647
 *   data.weight                float     1.0                     0 < value <= 1e12
 *   data.outputs               names     [] (every output)       the problem's outputs (not a list)
 *   data.file                  string    ""                      a readable CSV or HDF5 file (not
 *                                                                a list)
 *   data.file_hash             string    ""                      its XXH64 (written by pinnfluence)
 *   trainable.<coefficient>    float     (none)                  any coefficient of a problem
 *                                                                written in the configuration that
 *                                                                is not in A, B or a soft value
 *                              (these keys enter the canonical text only when not at their
 *                              defaults, so every older configuration keeps its text and hash;
 *                              trainable is written last, after the table's keys)
 *   network.hidden             int list  per pde (PAPER.md 2):   1..16 layers, each 1 .. 4096
 *                                        diffusion, burgers, heat2d [32,32,32]; allen_cahn,
 *                                        drift_diffusion [64,64,64]; wave [100 x 5]
 *   points.initial             int       per pde: diffusion 30,  1 .. 10000000
 *                                        others 1000
 *   holdout.points             int       10000                   1 .. 100000000 (random holdout
 *                                                                of diffusion, wave, drift_diff.,
 *                                                                heat2d)
 *   train.cycles               int       100                     1 .. 1000000
 *   train.adam_iters           int       1000                    0 .. 100000000
 *   train.adam_lr              float     1e-3                    0 < value <= 10
 *   train.lbfgs_iters          int       1000                    0 .. 100000000
 *   train.lbfgs_step           int       100                     1 .. 100000000
 *   train.lbfgs_history        int       100                     1 .. 100000
 *   train.lbfgs_max_eval       int       1250                    1 .. 100000000
 *   sample.method              string    "pinnfluence"           static, random, rar, out_grad,
 *                                                                loss_grad, grad_dot, pinnfluence
 *   sample.mode                string    "add"                   add, replace
 *   sample.strategy            string    "distribution"          distribution, top_k
 *   sample.pool                int       10000                   1 .. 100000000
 *   sample.per_cycle           int       per pde and mode        1 .. sample.pool
 *                                        (PAPER.md 3): add: diffusion 1, others 10;
 *                                        replace: diffusion 30, others 1000
 *   sample.k                   float     add 2, replace 1        0 <= value <= 100
 *   sample.c                   float     add 0, replace 1        0 <= value <= 1e6
 *   influence.backend          string    "arnoldi"               arnoldi, exact, gauss_newton,
 *                                                                   block_krylov
 *   influence.test_points      int       1000                    1 .. 10000000
 *   influence.arnoldi_iters    int       200                     1 .. 100000
 *   influence.arnoldi_tol      float     0.1                     value >= 0
 *   influence.damping          float     1e-3                    value >= 0
 *   influence.eig_tol          float     1e-4                    value >= 0
 *   influence.rank             int       50                      1 .. 100000
 *   influence.block_size       int       16                      1 .. 4096
 *   influence.block_iters      int       8                       1 .. 100000
 *   run.ranks_per_task         int       1                       1 .. 65536 (not sweepable)
 *   run.store_pool_scores      bool      false                   true, false
 *   run.blas_threads           int       1                       1 .. 1024 (not sweepable)
 *   run.block                  int       128                     1 .. 65536 (engine block size)
 *   run.checkpoint_every       int       1                       0 .. 1000000 (0: no checkpoints;
 *                                                                not sweepable)
 *   run.blas_core              string    "native"                native, Prescott, Core2, Nehalem,
 *                                        Sandybridge, Haswell, SkylakeX, Cooperlake, Zen, ...
 *                                        (not sweepable; OPENBLAS_CORETYPE on every rank)
 *
 * pf_config_print_help() prints the same table from the code's own key table.
 *
 * Sweeps. Any key may be given as a list: a libconfig array or list of values (`seed = [1, 2];`,
 * `pde = ("burgers", "wave");`). network.hidden is itself an array, so a sweep over it is a list
 * of arrays (`hidden = ([32, 32, 32], [64, 64, 64]);`). The tasks are the Cartesian product of
 * all axes, taken in the order of the table above with the last axis varying fastest; a list of
 * one value is the same as the value, and a list may not name a value twice (the tasks would
 * repeat). run.ranks_per_task and run.blas_threads describe the whole
 * run (the MPI groups and BLAS threads are set up once) and cannot be lists.
 *
 * Defaults that depend on the problem (network.hidden, points.initial) or on the problem and the
 * mode (sample.per_cycle, k, c) are resolved per task, after pde and sample.mode are known; a key
 * the user set always wins.
 *
 * Errors. Every user error is PF_ERR_CONFIG with a one-line message
 *   FILE:LINE: KEY: what was wrong; what is allowed
 * (e.g. `quick.cfg:7: sample.mode: "ad" is not one of add, replace`). A value that came from an
 * override names it instead of FILE:LINE (`--set sample.mode=ad: sample.mode: ...`). The parse
 * functions write the message into a caller buffer and print nothing, so the caller decides
 * whether and where it appears. Floats given where an integer is expected are an error; integers
 * where a float is expected are fine. libconfig 1.5 reads integers without an L suffix into a
 * 32-bit int and wraps them silently (4294967297 reads as 1); the text is scanned first, and such
 * a literal is an error naming the key and its allowed range (in the file and in --set values).
 * A key set twice in one group is an error naming the key and both lines (a later --set of the
 * same key overrides an earlier one). A configuration that sets no key at all (an empty file, or
 * one with only comments, and no --set) is an error: every key has a default, and an empty file
 * is more likely a mistake than a wish for the default 100-cycle run. `@include "file"` (libconfig:
 * at the start of a line, the path relative to the working directory) must name a readable
 * regular file; anything else is an error with the including file and line (libconfig 1.5 would
 * exit the process on a directory). */
#ifndef PINNFLUENCE_CONFIG_H
#define PINNFLUENCE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_CONFIG_MAX_HIDDEN    16    /* most hidden layers (equals PF_PDE_MAX_HIDDEN) */
#define PF_CONFIG_NAME_MAX      32    /* size of the string fields, NUL included */
#define PF_CONFIG_PATH_MAX      256   /* size of a file-name field (data.file), NUL included */
#define PF_CONFIG_MAX_TRAINABLE 4     /* trainable coefficients (equals PF_PDE_MAX_COEF) */
#define PF_CONFIG_CANONICAL_MAX 16384 /* enough for the canonical text of any task config */
#define PF_CONFIG_HASH_HEX      17    /* 16 hex digits and the NUL */
#define PF_CONFIG_ERR_MAX       1024  /* a good size for the error-message buffers */
#define PF_SWEEP_MAX_TASKS      1000000

/* One fully resolved task configuration: plain data, copy by assignment. */
typedef struct {
  char pde[PF_CONFIG_NAME_MAX]; /* registry name, pf_pde_find(pde) != NULL */
  int seed;                     /* network initialisation and random holdout points */
  struct {
    /* the problem's coefficients (pf_pde_coef); NaN for a name the problem does not have */
    double nu;    /* burgers: viscosity */
    double D;     /* diffusion, allen_cahn, drift_diffusion: diffusion */
    double k;     /* allen_cahn: reaction */
    double c;     /* wave: speed */
    double beta;  /* drift_diffusion: drift */
    double alpha; /* heat2d: diffusivity */
  } coefficients;
  char constraints[PF_CONFIG_NAME_MAX]; /* "hard" (the problem's transforms) or "soft" */
  struct {
    int points;    /* Hammersley points per face of each soft condition set */
    double weight; /* weight of every soft condition set */
  } boundary;
  struct {
    int reference;                      /* observations drawn from the reference; 0: none */
    double noise;                       /* relative noise level of those (times rms per output) */
    int seed;                           /* the observations' stream (not the task seed) */
    double weight;                      /* weight of the data misfit */
    char outputs[PF_CONFIG_NAME_MAX];   /* observed outputs, comma-separated; "": every output */
    char file[PF_CONFIG_PATH_MAX];      /* observations from this CSV file; "": none */
    char file_hash[PF_CONFIG_NAME_MAX]; /* XXH64 of the file's bytes, 16 hex digits (set by the
                                           parser when the file is read) */
  } data;
  struct {
    int n;                                                  /* trainable coefficients; 0: none */
    char name[PF_CONFIG_MAX_TRAINABLE][PF_CONFIG_NAME_MAX]; /* the problem's coefficient names */
    double value[PF_CONFIG_MAX_TRAINABLE];                  /* initial guesses */
  } trainable;
  struct {
    int nhidden;                      /* number of hidden layers */
    int hidden[PF_CONFIG_MAX_HIDDEN]; /* (nhidden) widths; entries past nhidden are 0 */
  } network;
  struct {
    int initial; /* initial Hammersley training points */
  } points;
  struct {
    int points; /* random holdout points (diffusion, wave, drift_diffusion, heat2d) */
  } holdout;
  struct {
    int cycles, adam_iters;
    double adam_lr;
    int lbfgs_iters, lbfgs_step, lbfgs_history, lbfgs_max_eval;
  } train;
  struct {
    char method[PF_CONFIG_NAME_MAX]; /* static|random|rar|out_grad|loss_grad|grad_dot|pinnfluence */
    char mode[PF_CONFIG_NAME_MAX];   /* add|replace */
    char strategy[PF_CONFIG_NAME_MAX]; /* distribution|top_k */
    int pool, per_cycle;
    double k, c;
  } sample;
  struct {
    char backend[PF_CONFIG_NAME_MAX]; /* arnoldi|exact|gauss_newton|block_krylov */
    int test_points, arnoldi_iters;
    double arnoldi_tol, damping, eig_tol;
    int rank;
    int block_size, block_iters; /* block_krylov */
  } influence;
  struct {
    int ranks_per_task;
    int store_pool_scores; /* 0 or 1 */
    int blas_threads;
    int block;                          /* engine block size (points) */
    char blas_core[PF_CONFIG_NAME_MAX]; /* native | an OPENBLAS_CORETYPE name (Haswell, ...) */
    int checkpoint_every;               /* cycles between checkpoints; 0: none */
  } run;
  /* pinnfluence validate (include/pinnfluence/validate.h); not part of a task's identity for
   * `run`: its keys never enter the task or sweep canonical text */
  struct {
    int at_cycle;         /* the state: after this cycle's training */
    int groups;           /* G groups of candidates */
    int group_size;       /* points per group; 0: sample.per_cycle */
    int exact_max_params; /* the exact backend only up to this many parameters */
    int bootstrap;        /* bootstrap resamples of the groups for the intervals */
    struct {
      int adam_iters, lbfgs_iters; /* the fixed warm-started schedule of every retraining */
    } retrain;
  } validate;
} pf_config;

/* ------------------------------------------------------------------ single configurations */

/* All defaults, resolved for problem `pde` and sample mode `mode` ("add" or "replace"); the
 * method is the default one. PF_ERR_ARG for an unknown pde or mode. */
int pf_config_default(const char *pde, const char *mode, pf_config *cfg);

/* Check every key of cfg against its allowed values and the cross-key rules
 * (sample.per_cycle <= sample.pool). On failure returns PF_ERR_CONFIG with "KEY: problem; allowed"
 * in err (when err != NULL; nothing is printed then) or on stderr (err == NULL). */
int pf_config_validate(const pf_config *cfg, char *err, size_t errlen);
/* The value of coefficient `name` (coefficients.<name>), NaN when there is no such key or the
 * task's problem does not have it. */
double pf_config_coefficient(const pf_config *cfg, const char *name);

/* The canonical text of cfg: every key that affects results in table order, one per line, in
 * libconfig syntax (it parses back into the same config; run.ranks_per_task and run.blas_threads
 * only choose how a sweep executes and are left out, so they are not part of a task's identity
 * and a sweep can be resumed with other values), integers as %d, floats as %.17g (with ".0" added
 * where that prints no decimal point), strings quoted. Equal configs give identical text. Writes at
 * most len bytes including the NUL; PF_ERR_ARG if len is too small (PF_CONFIG_CANONICAL_MAX always
 * suffices). */
int pf_config_canonical(const pf_config *cfg, char *buf, size_t len);

/* XXH64 (seed 0) of the canonical text: into *hash and/or, as 16 lower-case hex digits, into hex
 * (either may be NULL). */
int pf_config_hash(const pf_config *cfg, uint64_t *hash, char hex[PF_CONFIG_HASH_HEX]);

/* Print every key with its type, default and allowed values, then the per-problem defaults
 * (the text of `pinnfluence run --help-config`). */
void pf_config_print_help(FILE *out);

/* ------------------------------------------------------------------ sweeps */

/* A parsed, validated sweep: the axes (keys given as lists) and the base values. Opaque. */
typedef struct pf_sweep pf_sweep;

/* Read the libconfig file at path, apply the overrides set[0..nset) in order ("key=value", the
 * value in libconfig syntax, a bare word taken as a string; an override of a key in a group the
 * file lacks creates the group), then validate every key and every task. Not collective: every
 * rank may parse the same file, or rank 0 may broadcast pf_sweep_canonical() text.
 * Returns PF_ERR_CONFIG for any user error with the message in err (errlen bytes, NUL-terminated;
 * nothing is printed; with err == NULL the message goes to stderr); *sweep is then NULL.
 * Release with pf_sweep_destroy. */
int pf_sweep_create(const char *path, int nset, const char *const *set, pf_sweep **sweep, char *err,
                    size_t errlen);

/* As pf_sweep_create, from libconfig text in memory; `name` stands for the file name in
 * messages (e.g. "<string>"). */
int pf_sweep_create_from_string(const char *name, const char *text, int nset,
                                const char *const *set, pf_sweep **sweep, char *err, size_t errlen);

/* Free the sweep; accepts NULL and *sweep == NULL, and nulls the pointer. */
int pf_sweep_destroy(pf_sweep **sweep);

/* The file name the sweep was read from (the name given to pf_sweep_create_from_string). */
const char *pf_sweep_name(const pf_sweep *sweep);

/* Number of tasks: the product of the axis lengths (1 without axes), at most PF_SWEEP_MAX_TASKS. */
int pf_sweep_ntasks(const pf_sweep *sweep);

/* Number of axes (keys given as a list of two or more values), in canonical key order. */
int pf_sweep_naxes(const pf_sweep *sweep);

/* Axis a (0 <= a < naxes): its dotted key and its number of values (either may be NULL). */
int pf_sweep_axis(const pf_sweep *sweep, int a, const char **key, int *len);

/* Task i (0 <= i < ntasks) as a fully resolved config: the index of axis a is
 * (i / prod_{b > a} len_b) mod len_a, i.e. the last axis varies fastest. */
int pf_sweep_task(const pf_sweep *sweep, int i, pf_config *cfg);

/* Short description of task i from its axis values, e.g. "pde=burgers seed=2 sample.method=rar"
 * ("" without axes); truncated to len bytes. */
int pf_sweep_task_label(const pf_sweep *sweep, int i, char *buf, size_t len);

/* The canonical text of the whole sweep in libconfig syntax: a comment line with the task count
 * and axes, then every key in table order, axes written as lists; keys whose default depends on
 * the problem and were not set appear as comments. Parsing the text again gives the same sweep
 * and the same text. *text is allocated; release it with free(). */
int pf_sweep_canonical(const pf_sweep *sweep, char **text);

/* XXH64 of pf_sweep_canonical's text, as for pf_config_hash. */
int pf_sweep_hash(const pf_sweep *sweep, uint64_t *hash, char hex[PF_CONFIG_HASH_HEX]);

#ifdef __cplusplus
}
#endif
#endif
