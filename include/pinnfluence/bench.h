/* pinnfluence bench: times the engine's hot paths on one core (loss + gradient and one
 * Hessian-vector product over a batch of uniform points) for the paper's network shapes, next to
 * the machine's dgemm rate at exactly the GEMM shapes the engine issues, measured in the same run.
 */
#ifndef PINNFLUENCE_BENCH_H
#define PINNFLUENCE_BENCH_H

#include "pinnfluence/core.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int json;        /* one JSON object per line instead of the table */
  size_t points;   /* batch size (default 2000) */
  int reps;        /* timed repetitions per measurement; the median is reported (default 11) */
  int block;       /* engine block size (default 128) */
  const char *pde; /* residual to use (default "burgers"; NULL = default) */
} pf_bench_options;

/* Default options. */
pf_bench_options pf_bench_defaults(void);

/* Run the benchmark on rank 0 of ctx and print to out (the other ranks wait).
 * Collective on ctx->comm. */
int pf_bench_run(const pf_ctx *ctx, const pf_bench_options *opt, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
