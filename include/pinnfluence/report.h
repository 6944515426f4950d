/* pinnfluence report and status: summaries of a results file. */
#ifndef PINNFLUENCE_REPORT_H
#define PINNFLUENCE_REPORT_H

#include "pinnfluence/core.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { PF_REPORT_MARKDOWN = 0, PF_REPORT_LATEX, PF_REPORT_CSV } pf_report_format;

/* Task counts of the file at path by status (done, running, failed, pending), in total and per
 * method, with the reasons of failed tasks. Collective on ctx->comm (use one rank). */
int pf_status(const pf_ctx *ctx, const char *path, FILE *out);

/* The paper-style table: per mode, methods as rows and problems as columns, the mean ± standard
 * deviation over seeds (population, as numpy.std) of the final L2 relative error and of the
 * final test loss of the tasks that are done; n is the number of seeds behind each entry.
 * CSV gives one row per problem x method x mode. Collective on ctx->comm (use one rank). */
int pf_report(const pf_ctx *ctx, const char *path, pf_report_format fmt, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
