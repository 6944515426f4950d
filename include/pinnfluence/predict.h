/* pinnfluence predict: evaluate a stored network on points read from a stream. */
#ifndef PINNFLUENCE_PREDICT_H
#define PINNFLUENCE_PREDICT_H

#include "pinnfluence/core.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Read "x t" per line from in (blank lines and lines starting with '#' are skipped) and write
 * "x t u residual" per line to out (%.17g), using the final parameters of task `task` (0-based;
 * -1: the only task of the file) of the results file at path. Collective on ctx->comm (use a
 * one-rank communicator). PF_ERR_ARG for bad input (the line is named), PF_ERR_IO for the file. */
int pf_predict(const pf_ctx *ctx, const char *path, int task, FILE *in, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
