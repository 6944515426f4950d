/* Shared by the store tests: four tasks of different shapes (three of d = 2 inputs "x,t", one of
 * d = 3 inputs "x,y,t" with two outputs and two residual components), the values written for them
 * (a closed-form function of task, kind and index, so any process can recompute what was written),
 * the writes of one task, and a path every rank agrees on. */
#ifndef TEST_STORE_COMMON_H
#define TEST_STORE_COMMON_H

#include "pf_test.h"
#include "pinnfluence/core.h"
#include "pinnfluence/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS_NTASKS 4

static const int ts_sizes0[] = {2, 8, 8, 1};
static const int ts_sizes1[] = {2, 5, 1};
static const int ts_sizes2[] = {2, 4, 4, 4, 1};
static const int ts_sizes3[] = {3, 6, 2};

static const char ts_sweep_config[] = "pde = [\"burgers\", \"wave\", \"diffusion\"];\nseed = 1;\n";
static const char ts_sweep_canonical[] =
    "# 3 tasks\npde = [\"burgers\", \"wave\", \"diffusion\"];\n";
static const uint64_t ts_sweep_hash = 0x0123456789abcdefULL;

/* nparams of an MLP with the layout of nn.h: per layer W (out, in) and b (out). */
static inline size_t ts_nparams(int nlayers, const int *sizes) {
  size_t n = 0;
  for (int l = 0; l < nlayers; l++) n += (size_t)sizes[l + 1] * (size_t)(sizes[l] + 1);
  return n;
}

/* Task 0: everything stored (pool and Z); task 1: no pool; task 2: static, no drawn points;
 * task 3: d = 3, m = 2, k = 2, pool and Z stored. */
static inline void ts_tasks(pf_store_task tasks[TS_NTASKS]) {
  memset(tasks, 0, TS_NTASKS * sizeof *tasks);
  tasks[0] = (pf_store_task){.canonical = "pde = \"burgers\";\nseed = 1;\nsample.method = "
                                          "\"pinnfluence\";\n",
                             .hash = 0x1111222233334444ULL,
                             .pde = "burgers",
                             .method = "pinnfluence",
                             .mode = "add",
                             .seed = 1,
                             .cycles = 4,
                             .nlayers = 3,
                             .sizes = ts_sizes0,
                             .nparams = ts_nparams(3, ts_sizes0),
                             .final_points = 20,
                             .drawn_per_cycle = 3,
                             .pool_points = 15,
                             .z_points = 5,
                             .dim = 2,
                             .inputs = "x,t",
                             .outputs = "u",
                             .components = "r"};
  tasks[1] = (pf_store_task){.canonical = "pde = \"wave\";\nseed = 2;\n",
                             .hash = 0xfedcba9876543210ULL,
                             .pde = "wave",
                             .method = "rar",
                             .mode = "replace",
                             .seed = 2,
                             .cycles = 2,
                             .nlayers = 2,
                             .sizes = ts_sizes1,
                             .nparams = ts_nparams(2, ts_sizes1),
                             .final_points = 7,
                             .drawn_per_cycle = 7,
                             .dim = 2,
                             .inputs = "x,t",
                             .outputs = "u",
                             .components = "r"};
  tasks[2] = (pf_store_task){.canonical = "pde = \"diffusion\";\nseed = 3;\nsample.method = "
                                          "\"static\";\nnetwork = { hidden = [4, 4, 4]; };\n",
                             .hash = 42,
                             .pde = "diffusion",
                             .method = "static",
                             .mode = "add",
                             .seed = -3,
                             .cycles = 3,
                             .nlayers = 4,
                             .sizes = ts_sizes2,
                             .nparams = ts_nparams(4, ts_sizes2),
                             .final_points = 30,
                             .dim = 2,
                             .inputs = "x,t",
                             .outputs = "u",
                             .components = "r"};
  tasks[3] = (pf_store_task){.canonical = "pde = \"test_system\";\nseed = 4;\n",
                             .hash = 0x0f0f0f0f0f0f0f0fULL,
                             .pde = "test_system",
                             .method = "grad_dot",
                             .mode = "add",
                             .seed = 4,
                             .cycles = 3,
                             .nlayers = 2,
                             .sizes = ts_sizes3,
                             .nparams = ts_nparams(2, ts_sizes3),
                             .final_points = 16,
                             .drawn_per_cycle = 2,
                             .pool_points = 9,
                             .z_points = 4,
                             .dim = 3,
                             .inputs = "x,y,t",
                             .outputs = "u,v",
                             .components = "r_u,r_v"};
}

/* The value written at index i of quantity `kind` of `task`: full-precision, sign-varying. */
static inline double ts_value(int task, int kind, size_t i) {
  return sin(1.0 + 0.37 * (double)i + 11.0 * task + 101.0 * kind) * pow(10.0, (double)(kind % 5));
}

/* Quantities; points are (n, d) point-major, value index i * d + j for coordinate j of point i. */
enum { TS_METRICS, TS_PARAMS, TS_FINAL, TS_DRAWN, TS_POOL, TS_SCORES, TS_Z };

static inline double *ts_values(int task, int kind, size_t offset, size_t n) {
  double *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = ts_value(task, kind, offset + i);
  return v;
}

/* Write cycles [0, ncycles) of task's metrics and drawn points; if complete, also the params, the
 * final points, the pool and the status done. */
static inline int ts_write_task(pf_store *st, const pf_store_task *d, int task, int ncycles,
                                int complete) {
  const size_t D = (size_t)d->dim;
  for (int c = 0; c < ncycles; c++) {
    double *row =
        ts_values(task, TS_METRICS, (size_t)c * PF_STORE_METRIC_COLUMNS, PF_STORE_METRIC_COLUMNS);
    double *X =
        ts_values(task, TS_DRAWN, (size_t)c * d->drawn_per_cycle * D, d->drawn_per_cycle * D);
    int rc = pf_store_write_metrics(st, task, c, row);
    if (!rc && d->drawn_per_cycle) rc = pf_store_write_drawn(st, task, c, d->drawn_per_cycle, X);
    free(row);
    free(X);
    if (rc) return rc;
  }
  if (!complete) return PF_OK;
  double *theta = ts_values(task, TS_PARAMS, 0, d->nparams);
  double *fX = ts_values(task, TS_FINAL, 0, d->final_points * D);
  double *pX = ts_values(task, TS_POOL, 0, d->pool_points * D);
  double *sc = ts_values(task, TS_SCORES, 0, d->pool_points);
  double *Z = ts_values(task, TS_Z, 0, d->z_points * D);
  int rc = pf_store_write_params(st, task, theta);
  if (!rc) rc = pf_store_write_final_points(st, task, d->final_points, fX);
  if (!rc) rc = pf_store_write_pool(st, task, theta, pX, sc, Z);
  if (!rc) rc = pf_store_set_status(st, task, PF_TASK_DONE, NULL, 1.5 + task);
  free(theta);
  free(fX);
  free(pX);
  free(sc);
  free(Z);
  return rc;
}

/* Exact comparison of n doubles against the closed form. */
static inline int ts_expect_values(const double *got, int task, int kind, size_t offset, size_t n,
                                   const char *what) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    double want = ts_value(task, kind, offset + i);
    if (memcmp(&got[i], &want, sizeof want) != 0) {
      if (!bad)
        PF_TEST_EXPECT(0, "task %d %s[%zu]: got %.17g, want %.17g", task, what, i, got[i], want);
      bad = 1;
    }
  }
  return bad;
}

/* A file name in the working directory, the same on every rank of comm. */
static inline void ts_path(MPI_Comm comm, const char *stem, char *path, size_t len) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  snprintf(path, len, "%s_np%d.h5", stem, size);
}

/* Every rank's failure count summed: the same exit status everywhere. */
static inline int ts_finish(MPI_Comm comm, const char *name) {
  int all = 0;
  MPI_Allreduce(&pf_test_failures, &all, 1, MPI_INT, MPI_SUM, comm);
  pf_test_failures = all;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) return pf_test_report(name);
  return all ? 1 : 0;
}

/* 1 if h5dump is on PATH (hdf5-tools); the h5dump checks are skipped otherwise. */
static inline int ts_have_h5dump(void) {
  return system("command -v h5dump > /dev/null 2>&1") == 0;
}

#endif
