/* The context object: communicator, rank and size, logging with rank prefixes; wall clock. */
#include "pinnfluence/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pf_log_level level_from_env(void) {
  const char *s = getenv("PF_LOG_LEVEL");
  if (!s) return PF_LOG_INFO;
  if (!strcmp(s, "error")) return PF_LOG_ERROR;
  if (!strcmp(s, "warn")) return PF_LOG_WARN;
  if (!strcmp(s, "debug")) return PF_LOG_DEBUG;
  return PF_LOG_INFO;
}

int pf_ctx_create(MPI_Comm comm, pf_ctx **ctx) {
  pf_ctx *c = NULL;
  PF_CALL(PF_CALLOC(1, &c));
  PF_CALL_MPI(MPI_Comm_dup(comm, &c->comm));
  PF_CALL_MPI(MPI_Comm_rank(c->comm, &c->rank));
  PF_CALL_MPI(MPI_Comm_size(c->comm, &c->size));
  c->log_level = level_from_env();
  *ctx = c;
  return PF_OK;
}

int pf_ctx_destroy(pf_ctx **ctx) {
  if (!ctx || !*ctx) return PF_OK;
  int fin = 0;
  MPI_Finalized(&fin);
  if (!fin && (*ctx)->comm != MPI_COMM_NULL) PF_CALL_MPI(MPI_Comm_free(&(*ctx)->comm));
  PF_FREE(ctx);
  return PF_OK;
}

void pf_log(const pf_ctx *ctx, pf_log_level level, int all_ranks, const char *fmt, ...) {
  if (ctx && level > ctx->log_level) return;
  int rank = ctx ? ctx->rank : 0, size = ctx ? ctx->size : 1;
  if (level >= PF_LOG_INFO && !all_ranks && rank != 0) return;
  static const char *names[] = {"error", "warn", "info", "debug"};
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (level == PF_LOG_INFO)
    fprintf(stderr, "[pf %d/%d] %s\n", rank, size, msg);
  else
    fprintf(stderr, "[pf %d/%d] %s: %s\n", rank, size, names[level], msg);
}

double pf_wtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
