/* pinnfluence command line: parses arguments and dispatches to the library. Only this file calls
 * MPI_Init/MPI_Finalize and uses MPI_COMM_WORLD. Exit codes: 0 success, 1 some tasks failed,
 * 2 bad usage or configuration, 3 environment or I/O failure. */
#include "pf_version.h"
#include "pinnfluence/bench.h"
#include "pinnfluence/config.h"
#include "pinnfluence/core.h"
#include "pinnfluence/footprint.h"
#include "pinnfluence/influence.h"
#include "pinnfluence/predict.h"
#include "pinnfluence/report.h"
#include "pinnfluence/sweep.h"
#include "pinnfluence/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f,
          "usage:\n"
          "  pinnfluence run CONFIG [-o results.h5] [--set key=value]... [--overwrite | --resume]\n"
          "                 [--shard I/N]\n"
          "      run every task of the configuration (a sweep when keys are lists) into one\n"
          "      results file (default: CONFIG's name with .h5); under mpirun the ranks share\n"
          "      the tasks in groups of run.ranks_per_task; --resume completes an interrupted\n"
          "      sweep (interrupted tasks go on from their last per-cycle checkpoint);\n"
          "      SIGTERM/SIGUSR1/SIGINT stop at a safe point and leave it resumable; --shard I/N\n"
          "      runs only the tasks i with i mod N = I (0 <= I < N; e.g. a job array element)\n"
          "  pinnfluence merge OUT.h5 SHARD.h5... [--overwrite]\n"
          "      one store from the shards of a sweep (run --shard), each shard's provenance\n"
          "      kept in the root attribute merged_from\n"
          "  pinnfluence validate CONFIG [-o validation.h5] [--set key=value]... [--overwrite |\n"
          "      --resume]\n"
          "      train each task to validate.at_cycle, predict the effect of adding groups of\n"
          "      candidates with every influence predictor and score, retrain with and without\n"
          "      each group (units farmed over the ranks) and report the correlations\n"
          "  pinnfluence run --help-config\n"
          "      every configuration key with its default and allowed values\n"
          "  pinnfluence status results.h5\n"
          "      tasks done, running, failed, pending and interrupted, per method; reasons of\n"
          "      failures and interruptions\n"
          "  pinnfluence report results.h5 [--format markdown|latex|csv]\n"
          "      final L2 relative error and test loss, mean +- std over seeds, per problem,\n"
          "      method and mode\n"
          "  pinnfluence predict results.h5 [--task ID] < points > predictions\n"
          "      read the problem's inputs per line ('x t', 'x y t'), write a header naming the\n"
          "      columns ('# x t u r') and per line the inputs, every output and every residual\n"
          "      component of the stored network of task ID (0-based; optional when the file\n"
          "      holds one task)\n"
          "  pinnfluence bench [--json] [--points N] [--reps N] [--block B] [--pde NAME]\n"
          "      time loss+gradient and one Hessian-vector product on one core for the paper's\n"
          "      network shapes, beside the machine's dgemm rate at the same GEMM shapes\n"
          "  pinnfluence bench --hvp-multi [--points N] [--reps N] [--block B] [--pde NAME]\n"
          "      8 and 16 Hessian-vector products at 2-32-32-32-1 and 2-64-64-64-1: one at a\n"
          "      time against pf_engine_hvp_multi, alternating, medians and their ratio\n"
          "  pinnfluence bench --problem FILE [--pde NAME] [--points N] [--reps N] [--json]\n"
          "      loss+gradient of the problem FILE defines (problem = { ... }) against the\n"
          "      built-in NAME (default: FILE's problem name without _cfg), alternately, and\n"
          "      their ratio\n"
          "  pinnfluence bench --round [--pde NAME] [--json]\n"
          "      time one resampling round (Z = 1000, pool = 10,000) per problem, method and\n"
          "      inverse-Hessian backend, split into phases\n"
          "  pinnfluence bench --farm [--tasks N] [-o FILE] [--json]   (under mpirun -np R)\n"
          "      the farm's scale: N no-op tasks (100,000) resolved, stored in FILE\n"
          "      (pf_farm_bench.h5) and dispatched over the ranks (tasks/s); time and memory of\n"
          "      create, status and report\n"
          "  pinnfluence bench --influence-stability [--pde NAME] [--cycles 1,10]\n"
          "                    [--adam-iters N] [--lbfgs-iters N] [--json]\n"
          "      PINNfluence scores of each arnoldi_iters / rank / damping setting against the\n"
          "      exact-Hessian scores (Spearman, top-10 overlap) and the Hessian's spectrum, at\n"
          "      the states of a rar run (seed 1) after the given cycles; slow (P HVPs + dsyevd)\n"
          "  pinnfluence --version | --help\n"
          "exit codes: 0 success, 1 some tasks failed, 2 bad usage or configuration,\n"
          "            3 environment or I/O failure, 4 interrupted by a signal (resumable)\n");
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

/* --cycles 1,10: a comma-separated list of cycles (1..1000000), at most
 * PF_STABILITY_MAX_VALUES; 0 on success. */
static int parse_cycles(const char *val, pf_stability_options *so) {
  so->ncycles = 0;
  for (const char *p = val; p && *p;) {
    char *end = NULL;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno || v < 1 || v > 1000000 || (*end && *end != ',') ||
        so->ncycles == PF_STABILITY_MAX_VALUES) {
      so->ncycles = 0;
      break;
    }
    so->cycles[so->ncycles++] = (int)v;
    p = *end ? end + 1 : end;
  }
  if (so->ncycles == 0) {
    fprintf(stderr,
            "pinnfluence: --cycles needs a comma-separated list of 1..%d cycles, each in "
            "1..1000000, got '%s'\n",
            PF_STABILITY_MAX_VALUES, val ? val : "(nothing)");
    return 1;
  }
  return 0;
}

static int cmd_bench(int argc, char **argv) {
  pf_bench_options o = pf_bench_defaults();
  pf_stability_options so = pf_stability_defaults();
  int round = 0, pde_given = 0, stability = 0, farm = 0;
  long farm_tasks = 100000;
  const char *farm_out = "pf_farm_bench.h5";
  for (int i = 2; i < argc; i++) {
    long v;
    const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json")) {
      o.json = 1;
    } else if (!strcmp(a, "--round")) {
      round = 1;
    } else if (!strcmp(a, "--hvp-multi")) {
      o.hvp_multi = 1;
    } else if (!strcmp(a, "--farm")) {
      farm = 1;
    } else if (!strcmp(a, "--tasks")) {
      if (parse_count(a, next, 1, 10000000, &farm_tasks)) return 2;
      i++;
    } else if (!strcmp(a, "-o")) {
      if (!next) {
        fprintf(stderr, "pinnfluence bench: -o needs a file name\n");
        return 2;
      }
      farm_out = next, i++;
    } else if (!strcmp(a, "--influence-stability")) {
      stability = 1;
    } else if (!strcmp(a, "--cycles")) {
      if (parse_cycles(next, &so)) return 2;
      i++;
    } else if (!strcmp(a, "--adam-iters")) {
      if (parse_count(a, next, 0, 100000000, &v)) return 2;
      so.adam_iters = v, i++;
    } else if (!strcmp(a, "--lbfgs-iters")) {
      if (parse_count(a, next, 0, 100000000, &v)) return 2;
      so.lbfgs_iters = v, i++;
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
      o.pde = next, i++, pde_given = 1;
    } else if (!strcmp(a, "--problem")) {
      if (!next) {
        fprintf(stderr, "pinnfluence: --problem needs a configuration file\n");
        return 2;
      }
      o.problem = next, i++;
    } else {
      fprintf(stderr, "pinnfluence bench: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  pf_ctx *ctx = NULL;
  if (pf_ctx_create(MPI_COMM_WORLD, &ctx)) return 3;
  if (pde_given) so.pde = o.pde;
  if (!pde_given && o.problem) o.pde = NULL; /* the built-in the problem's name says */
  so.json = o.json;
  if (farm) pf_run_install_signal_handlers();
  int rc = farm        ? pf_bench_farm(ctx, (int)farm_tasks, farm_out, o.json, stdout)
           : stability ? pf_bench_stability(ctx, &so, stdout)
           : round     ? pf_bench_round_pde(ctx, pde_given ? o.pde : NULL, o.json, stdout)
                       : pf_bench_run(ctx, &o, stdout);
  pf_ctx_destroy(&ctx);
  return rc == PF_ERR_ARG ? 2 : (rc ? 3 : 0);
}

/* The whole file into a malloc'ed string (NULL on failure). */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (size_t k; buf && (k = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
    len += k;
    if (cap - len - 1 == 0) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

static char *join_args(int argc, char **argv) {
  size_t len = 1;
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  char *s = calloc(len, 1);
  for (int i = 0; s && i < argc; i++) {
    if (i) strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

static int file_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

/* run and validate share their command line and its checks. */
static int cmd_sweep(int argc, char **argv, int validate);
static int cmd_run(int argc, char **argv) {
  return cmd_sweep(argc, argv, 0);
}
static int cmd_validate(int argc, char **argv) {
  return cmd_sweep(argc, argv, 1);
}

static int cmd_sweep(int argc, char **argv, int validate) {
  const char *cfg_path = NULL, *out = NULL;
  int overwrite = 0, resume = 0, nset = 0;
  long shard_index = 0, shard_count = 1;
  const char **set = calloc((size_t)argc, sizeof *set);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--shard") && validate) {
      fprintf(stderr, "pinnfluence validate: --shard is an option of run only\n");
      free(set);
      return 2;
    } else if (!strcmp(a, "--shard")) {
      const char *v = i + 1 < argc ? argv[++i] : "";
      char *slash = strchr(v, '/'), *end1 = NULL, *end2 = NULL;
      if (slash) {
        shard_index = strtol(v, &end1, 10);
        shard_count = strtol(slash + 1, &end2, 10);
      }
      if (!slash || end1 != slash || !end2 || *end2 || slash == v || shard_count < 1 ||
          shard_count > 1000000 || shard_index < 0 || shard_index >= shard_count) {
        fprintf(stderr,
                "pinnfluence run: --shard '%s': expected I/N with 0 <= I < N (e.g. --shard "
                "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)\n",
                v);
        free(set);
        return 2;
      }
    } else if (!strcmp(a, "--help-config")) {
      pf_config_print_help(stdout);
      free(set);
      return 0;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--set")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "pinnfluence %s: %s needs a value\n", argv[1], a);
        free(set);
        return 2;
      }
      if (!strcmp(a, "-o"))
        out = argv[++i];
      else
        set[nset++] = argv[++i];
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if (!strcmp(a, "--resume")) {
      resume = 1;
    } else if (a[0] == '-' || cfg_path) {
      fprintf(stderr, "pinnfluence %s: unexpected argument '%s'\n", argv[1], a);
      usage(stderr);
      free(set);
      return 2;
    } else {
      cfg_path = a;
    }
  }
  if (!cfg_path) {
    fprintf(stderr, "pinnfluence %s: no configuration file given\n", argv[1]);
    usage(stderr);
    free(set);
    return 2;
  }
  if (out && !*out) {
    fprintf(stderr, "pinnfluence %s: -o needs a file name, got an empty string\n", argv[1]);
    free(set);
    return 2;
  }
  /* default output: the configuration's base name with .h5, in the current directory */
  char defout[512];
  if (!out) {
    const char *b = strrchr(cfg_path, '/');
    b = b ? b + 1 : cfg_path;
    snprintf(defout, sizeof defout, "%.*s%s.h5",
             (int)(strrchr(b, '.') ? (size_t)(strrchr(b, '.') - b) : strlen(b)), b,
             validate ? ".validation" : "");
    out = defout;
  }
  pf_ctx *ctx = NULL;
  if (pf_ctx_create(MPI_COMM_WORLD, &ctx)) {
    free(set);
    return 3;
  }
  /* every rank parses (the file is small); errors are reported once, nothing is written */
  char err[PF_CONFIG_ERR_MAX] = "";
  pf_sweep *sweep = NULL;
  int rc = pf_sweep_create(cfg_path, nset, set, &sweep, err, sizeof err);
  if (!rc) rc = pf_sweep_check_memory(ctx, sweep, err, sizeof err); /* every task fits a rank */
  int status = 0;
  if (rc) {
    if (ctx->rank == 0)
      fprintf(stderr, "pinnfluence: %s\n", err[0] ? err : "invalid configuration");
    status = 2;
  } else if (resume && overwrite) {
    if (ctx->rank == 0)
      fprintf(stderr, "pinnfluence: --resume and --overwrite exclude each other\n");
    status = 2;
  } else if (resume && !file_exists(out)) {
    if (ctx->rank == 0) fprintf(stderr, "pinnfluence: --resume: %s does not exist\n", out);
    status = 2;
  } else if (!resume && file_exists(out) && !overwrite) {
    if (ctx->rank == 0)
      fprintf(stderr,
              "pinnfluence: %s exists; use --resume to complete it, --overwrite to replace it, or "
              "-o another name\n",
              out);
    status = 2;
  } else {
    /* the configuration as given: the file, then the overrides */
    char *text = slurp(cfg_path);
    size_t len = (text ? strlen(text) : 0) + 64;
    for (int i = 0; i < nset; i++) len += strlen(set[i]) + 16;
    char *given = calloc(len, 1);
    if (given) {
      strcpy(given, text ? text : "");
      for (int i = 0; i < nset; i++) {
        strcat(given, "\n# --set ");
        strcat(given, set[i]);
      }
    }
    char *cmd = join_args(argc, argv);
    pf_blas_set_threads(1);
    int nfailed = 0, interrupted = 0;
    pf_run_install_signal_handlers();
    if (validate) {
      pf_validate_run_options vopt = {out, overwrite, resume, given ? given : "", cmd ? cmd : ""};
      rc = pf_validate_run(ctx, sweep, &vopt, &nfailed, &interrupted);
    } else {
      pf_sweep_run_options opt = {.out_path = out,
                                  .overwrite = overwrite,
                                  .resume = resume,
                                  .sweep_config = given ? given : "",
                                  .command_line = cmd ? cmd : "",
                                  .shard_index = (int)shard_index,
                                  .shard_count = (int)shard_count};
      rc = pf_sweep_run(ctx, sweep, &opt, &nfailed, &interrupted);
    }
    status = rc == PF_ERR_CONFIG ? 2 : rc ? 3 : interrupted ? 4 : nfailed ? 1 : 0;
    free(text);
    free(given);
    free(cmd);
  }
  pf_sweep_destroy(&sweep);
  pf_ctx_destroy(&ctx);
  free(set);
  return status;
}

static int cmd_merge(int argc, char **argv) {
  const char *out = NULL;
  int overwrite = 0, n = 0;
  const char **shards = calloc((size_t)argc, sizeof *shards);
  if (!shards) return 3;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--overwrite")) {
      overwrite = 1;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "pinnfluence merge: unexpected argument '%s'\n", argv[i]);
      free(shards);
      return 2;
    } else if (!out) {
      out = argv[i];
    } else {
      shards[n++] = argv[i];
    }
  }
  if (!out || n == 0) {
    fprintf(stderr, "pinnfluence merge: usage: pinnfluence merge OUT.h5 SHARD.h5... "
                    "[--overwrite]\n");
    free(shards);
    return 2;
  }
  pf_ctx *ctx = NULL;
  if (pf_ctx_create(MPI_COMM_SELF, &ctx)) {
    free(shards);
    return 3;
  }
  int rc = pf_merge(ctx, out, n, shards, overwrite, stderr);
  pf_ctx_destroy(&ctx);
  free(shards);
  return rc == PF_OK ? 0 : rc == PF_ERR_ARG || rc == PF_ERR_CONFIG ? 2 : 3;
}

static int cmd_predict(int argc, char **argv) {
  const char *path = NULL;
  long task = -1;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--task")) {
      if (parse_count("--task", i + 1 < argc ? argv[i + 1] : NULL, 0, 100000000, &task)) return 2;
      i++;
    } else if (argv[i][0] == '-' || path) {
      fprintf(stderr, "pinnfluence predict: unexpected argument '%s'\n", argv[i]);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fprintf(stderr, "pinnfluence predict: no results file given\n");
    return 2;
  }
  pf_ctx *ctx = NULL;
  if (pf_ctx_create(MPI_COMM_SELF, &ctx)) return 3;
  int rc = pf_predict(ctx, path, (int)task, stdin, stdout);
  pf_ctx_destroy(&ctx);
  return rc == PF_OK ? 0 : (rc == PF_ERR_ARG ? 2 : 3);
}

/* status and report: one file argument, report also --format */
static int cmd_summary(int argc, char **argv) {
  const int report = !strcmp(argv[1], "report");
  const char *path = NULL;
  pf_report_format fmt = PF_REPORT_MARKDOWN;
  for (int i = 2; i < argc; i++) {
    if (report && !strcmp(argv[i], "--format") && i + 1 < argc) {
      const char *f = argv[++i];
      if (!strcmp(f, "markdown"))
        fmt = PF_REPORT_MARKDOWN;
      else if (!strcmp(f, "latex"))
        fmt = PF_REPORT_LATEX;
      else if (!strcmp(f, "csv"))
        fmt = PF_REPORT_CSV;
      else {
        fprintf(stderr, "pinnfluence report: --format must be markdown, latex or csv, got '%s'\n",
                f);
        return 2;
      }
    } else if (argv[i][0] == '-' || path) {
      fprintf(stderr, "pinnfluence %s: unexpected argument '%s'\n", argv[1], argv[i]);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fprintf(stderr, "pinnfluence %s: no results file given\n", argv[1]);
    return 2;
  }
  pf_ctx *ctx = NULL;
  if (pf_ctx_create(MPI_COMM_SELF, &ctx)) return 3;
  int rc = report ? pf_report(ctx, path, fmt, stdout) : pf_status(ctx, path, stdout);
  pf_ctx_destroy(&ctx);
  return rc ? 3 : 0;
}

/* `run`: the kernel run.blas_core pins (core: "native" if none, or if the configuration cannot be
 * read here: cmd_run reports its errors). Read before MPI_Init, as the kernel is chosen when
 * OpenBLAS loads and only a re-execution changes it. */
static void run_blas_core(int argc, char **argv, char *core, size_t len) {
  snprintf(core, len, "native");
  const char *cfg_path = NULL;
  int nset = 0;
  const char **set = calloc((size_t)argc, sizeof *set);
  if (!set) return;
  for (int i = 2; i < argc; i++) {
    if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--set") || !strcmp(argv[i], "--shard")) &&
        i + 1 < argc) {
      if (!strcmp(argv[i], "--set")) set[nset++] = argv[i + 1];
      i++;
    } else if (argv[i][0] != '-' && !cfg_path) {
      cfg_path = argv[i];
    }
  }
  char err[PF_CONFIG_ERR_MAX] = "";
  pf_sweep *sweep = NULL;
  pf_config cfg;
  if (cfg_path && !pf_sweep_create(cfg_path, nset, set, &sweep, err, sizeof err) &&
      !pf_sweep_task(sweep, 0, &cfg))
    snprintf(core, len, "%s", cfg.run.blas_core);
  pf_sweep_destroy(&sweep);
  free(set);
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "run")) {
    char core[PF_CONFIG_NAME_MAX];
    run_blas_core(argc, argv, core, sizeof core);
    pf_blas_pin_core(core, argv);
  } else {
    pf_blas_select_core(argv);
  }
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    printf("pinnfluence %s (commit %s, %s, %s)\n", PF_VERSION_STRING, PF_GIT_COMMIT, PF_BUILD_TYPE,
           PF_C_COMPILER);
    return 0;
  }
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  int (*cmd)(int, char **) = !strcmp(argv[1], "bench")      ? cmd_bench
                             : !strcmp(argv[1], "run")      ? cmd_run
                             : !strcmp(argv[1], "validate") ? cmd_validate
                             : !strcmp(argv[1], "predict")  ? cmd_predict
                             : !strcmp(argv[1], "merge")    ? cmd_merge
                             : !strcmp(argv[1], "status")   ? cmd_summary
                             : !strcmp(argv[1], "report")   ? cmd_summary
                                                            : NULL;
  if (!cmd) {
    fprintf(stderr, "pinnfluence: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  MPI_Init(&argc, &argv);
  int rc = cmd(argc, argv);
  MPI_Finalize();
  return rc;
}
