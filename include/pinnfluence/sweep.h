/* pinnfluence run (sweeps): a configuration's tasks run over the ranks of a communicator into one
 * results store. */
#ifndef PINNFLUENCE_SWEEP_H
#define PINNFLUENCE_SWEEP_H

#include "pinnfluence/config.h"
#include "pinnfluence/run.h"
#include "pinnfluence/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A task's description for the store, with the storage its strings point into. */
typedef struct {
  pf_store_task desc;
  char canonical[PF_CONFIG_CANONICAL_MAX];
  char pde[PF_CONFIG_NAME_MAX], method[PF_CONFIG_NAME_MAX], mode[PF_CONFIG_NAME_MAX];
  int nlayers;
  int sizes[PF_CONFIG_MAX_HIDDEN + 2];
  /* the problem's input, output and residual component names, comma-separated */
  char inputs[PF_STORE_NAMES_LEN + 1], outputs[PF_STORE_NAMES_LEN + 1],
      components[PF_STORE_NAMES_LEN + 1];
} pf_task_layout;

/* Which names of a problem pf_task_problem_names joins. */
typedef enum { PF_NAMES_INPUTS = 0, PF_NAMES_OUTPUTS, PF_NAMES_COMPONENTS } pf_names_kind;
/* The names of p's inputs ("x", "y", "t"), outputs or residual components, joined by sep
 * ("x,y,t" with ','; "x y t" with ' '); truncated to len - 1 characters. */
void pf_task_problem_names(const pf_pde *p, pf_names_kind which, char sep, char *buf, size_t len);

/* The configuration of one task from its canonical text (/tasks/config of a store); a message in
 * err and PF_ERR_CONFIG if the text is not one task's configuration. */
int pf_task_config_from_text(const char *text, pf_config *cfg, char *err, size_t errlen);
/* The problem with its coefficients other than the defaults, e.g. "burgers nu=0.00159155" (the
 * paper's problems at their coefficients: the name alone). */
void pf_task_problem_label(const pf_config *cfg, char *buf, size_t len);
/* The task's problem: the registry entry of cfg->pde with the task's coefficients
 * (pf_pde_instance). */
int pf_task_problem(const pf_config *cfg, const pf_pde **pde);
/* The task loop's spec from a resolved configuration (PF_ERR_CONFIG for a method this version
 * does not implement). */
int pf_task_spec_from_config(const pf_config *cfg, pf_task_spec *spec);
/* The store's description of a task (canonical text, hash, sizes of every dataset). */
int pf_store_task_from_config(const pf_config *cfg, const pf_task_spec *spec, pf_task_layout *lay);

typedef struct {
  const char *out_path;     /* results file */
  int overwrite;            /* replace an existing file */
  int resume;               /* complete the sweep in out_path (which must hold this sweep) */
  const char *sweep_config; /* the configuration as given (file text and --set lines) */
  const char *command_line;
  int shard_index, shard_count;   /* run only the tasks i with i % shard_count == shard_index; a
                                     shard_count of 0 or 1: every task */
  int noop;                       /* bench --farm: tasks are dispatched and marked done, not run */
  struct pf_sweep_timing *timing; /* if not NULL: where the sweep's phases' wall seconds go */
} pf_sweep_run_options;

/* Wall seconds of a sweep's phases (rank 0's view; bench --farm). */
typedef struct pf_sweep_timing {
  double resolve; /* every task's configuration resolved and checked */
  double create;  /* the store created (or opened and checked for a resume) */
  double farm;    /* the tasks dispatched and run, from the first barrier to the last */
  int dispatched; /* tasks this rank took */
} pf_sweep_timing;

/* Collective on ctx->comm. Check every task's configuration, create the store (or reopen it to
 * resume: PF_ERR_CONFIG if it holds another sweep), split the ranks into groups of
 * run.ranks_per_task whose leaders take tasks dynamically, longest estimated first, and record
 * each task's metrics, parameters, points and status. *nfailed: failed tasks in the file;
 * *interrupted: 1 if a signal stopped the sweep (the file is resumable). Same on every rank.
 * A configuration error is reported before anything is written. Testing hook: the environment
 * variable PF_FAULT_NAN_TASK=i makes task i's loss NaN (it must be recorded as failed). */
int pf_sweep_run(const pf_ctx *ctx, const pf_sweep *sweep, const pf_sweep_run_options *opt,
                 int *nfailed, int *interrupted);

#ifdef __cplusplus
}
#endif
#endif
