/* pinnfluence command line: parses arguments and dispatches to the library. Only this file calls
 * MPI_Init/MPI_Finalize and uses MPI_COMM_WORLD. Exit codes: 0 success, 1 some tasks failed,
 * 2 bad usage or configuration, 3 environment or I/O failure. */
#include "pf_version.h"
#include "pinnfluence/bench.h"
#include "pinnfluence/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f, "usage:\n"
             "  pinnfluence bench [--json] [--points N] [--reps N] [--block B] [--pde NAME]\n"
             "      time loss+gradient and one Hessian-vector product on one core for the paper's\n"
             "      network shapes, beside the machine's dgemm rate at the same GEMM shapes\n"
             "  pinnfluence --version | --help\n"
             "exit codes: 0 success, 1 some tasks failed, 2 bad usage or configuration,\n"
             "            3 environment or I/O failure\n");
}

/* Parse a positive integer option value; 0 on success. */
static int parse_count(const char *opt, const char *val, long lo, long hi, long *out) {
  char *end = NULL;
  errno = 0;
  long v = val ? strtol(val, &end, 10) : 0;
  if (!val || errno || *end || v < lo || v > hi) {
    fprintf(stderr, "pinnfluence: %s needs an integer in %ld..%ld, got '%s'\n", opt, lo, hi,
            val ? val : "(nothing)");
    return 1;
  }
  *out = v;
  return 0;
}

static int cmd_bench(int argc, char **argv) {
  pf_bench_options o = pf_bench_defaults();
  for (int i = 2; i < argc; i++) {
    long v;
    const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json")) {
      o.json = 1;
    } else if (!strcmp(a, "--points")) {
      if (parse_count(a, next, 1, 10000000, &v)) return 2;
      o.points = (size_t)v, i++;
    } else if (!strcmp(a, "--reps")) {
      if (parse_count(a, next, 1, 100000, &v)) return 2;
      o.reps = (int)v, i++;
    } else if (!strcmp(a, "--block")) {
      if (parse_count(a, next, 1, 65536, &v)) return 2;
      o.block = (int)v, i++;
    } else if (!strcmp(a, "--pde")) {
      if (!next) {
        fprintf(stderr, "pinnfluence: --pde needs a problem name\n");
        return 2;
      }
      o.pde = next, i++;
    } else {
      fprintf(stderr, "pinnfluence bench: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  pf_ctx *ctx = NULL;
  if (pf_ctx_create(MPI_COMM_WORLD, &ctx)) return 3;
  int rc = pf_bench_run(ctx, &o, stdout);
  pf_ctx_destroy(&ctx);
  return rc == PF_ERR_ARG ? 2 : (rc ? 3 : 0);
}

int main(int argc, char **argv) {
  pf_blas_select_core(argv);
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    printf("pinnfluence %s (commit %s, %s, %s)\n", PF_VERSION_STRING, PF_GIT_COMMIT, PF_BUILD_TYPE,
           PF_C_COMPILER);
    return 0;
  }
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "bench") != 0) {
    fprintf(stderr, "pinnfluence: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  MPI_Init(&argc, &argv);
  int rc = cmd_bench(argc, argv);
  MPI_Finalize();
  return rc;
}
