/* pinnfluence command line: parses arguments and dispatches to the library. */
#include "pinnfluence/core.h"
#include "pf_version.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f, "usage:\n"
             "  pinnfluence bench [--json] [--points N] [--reps N] [--block B]\n"
             "  pinnfluence --version | --help\n");
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    printf("pinnfluence %s (commit %s)\n", PF_VERSION_STRING, PF_GIT_COMMIT);
    return 0;
  }
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  fprintf(stderr, "pinnfluence: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
