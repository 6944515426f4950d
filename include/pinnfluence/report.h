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

/* Merge the stores shards[0..nshards) of one sweep (written by `run --shard i/n`) into a new store
 * out (an existing one is refused unless overwrite): each task comes from the shard where it got
 * furthest (finished, else interrupted with its checkpoint, else pending); every shard's provenance
 * (its root attributes and how many finished tasks it gave) goes into the root attribute
 * "merged_from". Shards of different sweeps or layouts, a shard in use by a run (its lock file
 * exists) and a shard given twice are refused. Progress goes to log (may be NULL). Collective on
 * ctx->comm (one rank). */
int pf_merge(const pf_ctx *ctx, const char *out, int nshards, const char *const *shards,
             int overwrite, FILE *log);

#ifdef __cplusplus
}
#endif
#endif
