/* pinnfluence core: error codes and call macros with a traceback, the context object (communicator,
 * rank, logger), allocation helpers, timers, and counter-based random streams.
 *
 * Error handling follows PETSc/libCEED: every library function returns an int error code (0 = ok);
 * callers propagate it with PF_CALL, which appends one traceback line per frame to stderr.
 * PF_CHECK raises a new error with a formatted message. The library never calls exit(). */
#ifndef PINNFLUENCE_CORE_H
#define PINNFLUENCE_CORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */
#define PF_ERROR_LIST(X)                                                                           \
  X(PF_ERR_ARG, 1, "invalid argument")                                                             \
  X(PF_ERR_CONFIG, 2, "invalid configuration")                                                     \
  X(PF_ERR_IO, 3, "file or HDF5 failure")                                                          \
  X(PF_ERR_MPI, 4, "MPI failure")                                                                  \
  X(PF_ERR_NUMERIC, 5, "non-finite value or numerical breakdown")                                  \
  X(PF_ERR_MEM, 6, "out of memory")                                                                \
  X(PF_ERR_LAPACK, 7, "LAPACK failure")                                                            \
  X(PF_ERR_INTERNAL, 8, "internal error")

typedef enum {
  PF_OK = 0,
#define PF_ERR_ENUM_(name, value, text) name = value,
  PF_ERROR_LIST(PF_ERR_ENUM_)
#undef PF_ERR_ENUM_
} pf_error_code;

/* Text describing an error code ("unknown error" for codes outside the list). */
const char *pf_error_string(int code);

/* Report a new error (message printed with the location) and return code. */
int pf_error(int code, const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Append a traceback line for a propagated error and return code. */
int pf_trace(int code, const char *file, int line, const char *func);
/* The message of the latest pf_error ("" after pf_error_clear): what a failed task records. */
const char *pf_error_last(void);
void pf_error_clear(void);
/* When nonzero, pf_error/pf_trace print nothing (tests that provoke errors on purpose). */
void pf_error_set_quiet(int quiet);

#define PF_CALL(...)                                                                               \
  do {                                                                                             \
    int pf_rc_ = (__VA_ARGS__);                                                                    \
    if (pf_rc_) return pf_trace(pf_rc_, __FILE__, __LINE__, __func__);                             \
  } while (0)
#define PF_CHECK(cond, code, ...)                                                                  \
  do {                                                                                             \
    if (!(cond)) return pf_error((code), __FILE__, __LINE__, __func__, __VA_ARGS__);               \
  } while (0)
#define PF_RAISE(code, ...) return pf_error((code), __FILE__, __LINE__, __func__, __VA_ARGS__)
/* MPI return values: anything but MPI_SUCCESS becomes PF_ERR_MPI with MPI's own message. */
#define PF_CALL_MPI(...)                                                                           \
  do {                                                                                             \
    int pf_mrc_ = (__VA_ARGS__);                                                                   \
    if (pf_mrc_ != MPI_SUCCESS) return pf_error_mpi(pf_mrc_, __FILE__, __LINE__, __func__);        \
  } while (0)
int pf_error_mpi(int mpi_code, const char *file, int line, const char *func);

/* ------------------------------------------------------------------ memory */
/* Zeroed array of n elements of the pointee size, 64-byte aligned; *p = NULL when n == 0. */
int pf_calloc_array(size_t n, size_t size, void **p);
/* Free and null; accepts NULL. */
void pf_free_(void **p);
#define PF_CALLOC(n, p) pf_calloc_array((size_t)(n), sizeof(**(p)), (void **)(p))
#define PF_FREE(p)      pf_free_((void **)(p))

/* The whole file at path into *bytes (len bytes, NUL-terminated after them; free with free()),
 * refused (return 1, why: the reason, e.g. strerror or "larger than 16 MiB") for a directory, an
 * unreadable file or one larger than max bytes. No pinnfluence error is raised: callers word
 * their own message around why. */
int pf_read_file(const char *path, size_t max, char **bytes, size_t *len, char *why, size_t whylen);

/* ------------------------------------------------------------------ context */
typedef enum { PF_LOG_ERROR = 0, PF_LOG_WARN = 1, PF_LOG_INFO = 2, PF_LOG_DEBUG = 3 } pf_log_level;

/* The context every constructor takes: the communicator the object lives on, rank/size, and the
 * logging level. Lives as long as the objects created with it. */
typedef struct {
  MPI_Comm comm; /* duplicated at creation, freed at destroy */
  int rank, size;
  pf_log_level log_level;
} pf_ctx;

/* Collective on comm. Duplicates comm; the log level comes from PF_LOG_LEVEL
 * (error|warn|info|debug) if set, else info. */
int pf_ctx_create(MPI_Comm comm, pf_ctx **ctx);
/* Collective on the context's communicator. Accepts NULL. */
int pf_ctx_destroy(pf_ctx **ctx);

/* Log to stderr with a "[pf rank/size]" prefix when level <= the context's level.
 * Messages with level INFO are printed only by rank 0 unless `all_ranks` is set. */
void pf_log(const pf_ctx *ctx, pf_log_level level, int all_ranks, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------ BLAS threads */
/* Set the number of OpenBLAS threads (1 unless the user asks otherwise). */
void pf_blas_set_threads(int n);
/* OpenBLAS build configuration string and the kernel family in use (for provenance). */
const char *pf_blas_config(void);
const char *pf_blas_core(void);
/* Call first in main(), before MPI_Init: if OPENBLAS_CORETYPE is unset and OpenBLAS fell back to
 * generic kernels on a CPU with AVX2/AVX-512, re-execute this program (same argv, same pid) with
 * OPENBLAS_CORETYPE set to the best matching core. Returns only if no re-execution happened. */
void pf_blas_select_core(char **argv);
/* Call first in main(), before MPI_Init, instead of pf_blas_select_core when the run pins a kernel
 * (run.blas_core): core NULL or "native" is pf_blas_select_core; otherwise, unless OpenBLAS runs
 * that kernel set already (names compared without case), re-execute this program once with
 * OPENBLAS_CORETYPE=core. OpenBLAS ignores a name it does not know or a kernel the CPU cannot run
 * and keeps its own: the caller compares pf_blas_core() with core afterwards. */
void pf_blas_pin_core(const char *core, char **argv);

/* ------------------------------------------------------------------ timers */
/* Monotonic wall-clock seconds. */
double pf_wtime(void);

#ifdef __cplusplus
}
#endif
#endif
