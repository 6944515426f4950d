/* pinnfluence predict: evaluate a stored network on points read from a stream. */
#ifndef PINNFLUENCE_PREDICT_H
#define PINNFLUENCE_PREDICT_H

#include "pinnfluence/core.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Evaluate the final parameters of task `task` (0-based; -1: the only task of the file) of the
 * results file at path on points read from in: each line holds the d inputs of the task's problem
 * (e.g. "x t", "x y t"; blank lines and lines starting with '#' are skipped). Writes to out a
 * header line naming the columns, "# " and the input, output and residual component names of the
 * problem separated by spaces (e.g. "# x t u r", "# x y t u r"), then per point the inputs, every
 * output and every residual component (unweighted) separated by spaces (%.17g). The problem is the
 * task's, with its coefficients, from its configuration in the store. Collective on ctx->comm (use
 * a one-rank communicator). PF_ERR_ARG for bad input (the line and the expected columns are
 * named), PF_ERR_IO for the file. */
int pf_predict(const pf_ctx *ctx, const char *path, int task, FILE *in, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
