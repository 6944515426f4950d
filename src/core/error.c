/* Error codes, messages and the traceback printed as an error propagates (PETSc style). */
#include "pinnfluence/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int pf_quiet_errors = 0;
/* The message of the latest pf_error (also when quiet), for a failed task's stored reason. */
static char pf_last_message[1024];

void pf_error_set_quiet(int quiet) {
  pf_quiet_errors = quiet;
}

const char *pf_error_string(int code) {
  switch (code) {
  case PF_OK:
    return "no error";
#define PF_ERR_CASE_(name, value, text)                                                            \
  case name:                                                                                       \
    return text;
    PF_ERROR_LIST(PF_ERR_CASE_)
#undef PF_ERR_CASE_
  default:
    return "unknown error";
  }
}

static int world_rank(void) {
  int init = 0, fin = 0, rank = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

const char *pf_error_last(void) {
  return pf_last_message;
}

void pf_error_clear(void) {
  pf_last_message[0] = '\0';
}

int pf_error(int code, const char *file, int line, const char *func, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  memcpy(pf_last_message, msg, sizeof msg);
  if (pf_quiet_errors) return code;
  fprintf(stderr, "[pf %d] error: %s (%s)\n[pf %d]   at %s() %s:%d\n", world_rank(), msg,
          pf_error_string(code), world_rank(), func, file, line);
  return code;
}

int pf_trace(int code, const char *file, int line, const char *func) {
  if (!pf_quiet_errors)
    fprintf(stderr, "[pf %d]   at %s() %s:%d\n", world_rank(), func, file, line);
  return code;
}

int pf_error_mpi(int mpi_code, const char *file, int line, const char *func) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(mpi_code, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "?");
  return pf_error(PF_ERR_MPI, file, line, func, "MPI error %d: %s", mpi_code, text);
}
