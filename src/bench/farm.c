/* bench --farm: the scale of the farm. A sweep of N no-op tasks (a tiny diffusion task per seed)
 * is resolved, its store created, and its tasks dispatched over the ranks by the farm of
 * pf_sweep_run (the shared MPI counter and the task's two status writes, no training); then rank 0
 * runs `pinnfluence status` and `pinnfluence report` on the store as child processes. Reports wall
 * seconds and peak memory (resident set) of each phase and the dispatch rate in tasks per second.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include "pinnfluence/bench.h"
#include "pinnfluence/config.h"
#include "pinnfluence/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* `pinnfluence CMD path` as a child with its output discarded: wall seconds and peak RSS (MB). */
static int child(const char *cmd, const char *path, double *seconds, double *mb) {
  const double t0 = pf_wtime();
  pid_t pid = fork();
  PF_CHECK(pid >= 0, PF_ERR_IO, "fork failed");
  if (pid == 0) {
    FILE *n = freopen("/dev/null", "w", stdout);
    (void)n;
    /* a process of its own, not this MPI rank again: without the launcher's variables */
    extern char **environ;
    size_t ne = 0;
    while (environ[ne]) ne++;
    char **env = calloc(ne + 1, sizeof *env);
    if (!env) _exit(127);
    size_t k = 0;
    for (size_t e = 0; e < ne; e++)
      if (strncmp(environ[e], "PMIX_", 5) && strncmp(environ[e], "ORTE_", 5) &&
          (strncmp(environ[e], "OMPI_", 5) || !strncmp(environ[e], "OMPI_ALLOW_RUN_AS_ROOT", 22)))
        env[k++] = environ[e];
    char *args[] = {"pinnfluence", (char *)cmd, (char *)path, NULL};
    execve("/proc/self/exe", args, env);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  PF_CHECK(wait4(pid, &status, 0, &ru) == pid, PF_ERR_IO, "wait4 failed");
  *seconds = pf_wtime() - t0;
  *mb = (double)ru.ru_maxrss / 1024.0;
  PF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, PF_ERR_IO,
           "pinnfluence %s %s failed (status %d)", cmd, path, status);
  return PF_OK;
}

static double peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

int pf_bench_farm(const pf_ctx *ctx, int ntasks, const char *path, int json, FILE *out) {
  PF_CHECK(ntasks >= 1, PF_ERR_ARG, "--tasks must be at least 1");
  /* the configuration: one tiny task per seed */
  const size_t cap = 512 + (size_t)ntasks * 12;
  char *text = NULL;
  PF_CALL(PF_CALLOC(cap, &text));
  size_t n = (size_t)snprintf(text, cap,
                              "pde = \"diffusion\";\nnetwork = { hidden = [8]; };\n"
                              "points = { initial = 8; };\nholdout = { points = 8; };\n"
                              "train = { cycles = 1; adam_iters = 1; lbfgs_iters = 0; };\n"
                              "sample = { method = \"static\"; };\nseed = [");
  for (int i = 1; i <= ntasks; i++)
    n += (size_t)snprintf(text + n, cap - n, "%d%s", i, i < ntasks ? ", " : "];\n");
  char err[PF_CONFIG_ERR_MAX] = "";
  pf_sweep *sweep = NULL;
  const double t0 = pf_wtime();
  int rc = pf_sweep_create_from_string("farm.cfg", text, 0, NULL, &sweep, err, sizeof err);
  const double parse = pf_wtime() - t0;
  if (rc) {
    free(text);
    PF_RAISE(rc, "the farm configuration: %s", err);
  }
  pf_sweep_timing tm = {0};
  pf_sweep_run_options opt = {.out_path = path,
                              .overwrite = 1,
                              .resume = 0,
                              .sweep_config = text,
                              .command_line = "pinnfluence bench --farm",
                              .noop = 1,
                              .timing = &tm};
  int nfailed = 0, nint = 0;
  rc = pf_sweep_run(ctx, sweep, &opt, &nfailed, &nint);
  pf_sweep_destroy(&sweep);
  free(text);
  PF_CALL(rc);
  const double run_mb = peak_mb();
  double max_mb = 0;
  PF_CALL_MPI(MPI_Reduce(&run_mb, &max_mb, 1, MPI_DOUBLE, MPI_MAX, 0, ctx->comm));
  if (ctx->rank != 0) return PF_OK;
  double st_s = 0, st_mb = 0, rp_s = 0, rp_mb = 0;
  PF_CALL(child("status", path, &st_s, &st_mb));
  PF_CALL(child("report", path, &rp_s, &rp_mb));
  struct stat sb;
  const double file_mb = stat(path, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0.0;
  const double rate = (double)ntasks / tm.farm;
  if (json)
    fprintf(out,
            "{\"what\": \"farm\", \"ranks\": %d, \"tasks\": %d, \"parse_seconds\": %.4f, "
            "\"resolve_seconds\": %.4f, \"create_seconds\": %.4f, \"dispatch_seconds\": %.4f, "
            "\"tasks_per_second\": %.1f, \"peak_rss_mb\": %.1f, \"status_seconds\": %.4f, "
            "\"status_rss_mb\": %.1f, \"report_seconds\": %.4f, \"report_rss_mb\": %.1f, "
            "\"file_mb\": %.1f}\n",
            ctx->size, ntasks, parse, tm.resolve, tm.create, tm.farm, rate, max_mb, st_s, st_mb,
            rp_s, rp_mb, file_mb);
  else
    fprintf(out,
            "farm: %d rank%s, %d no-op tasks: parse %.3f s, resolve %.3f s, create store %.3f s "
            "(%.1f MB), dispatch %.3f s = %.0f tasks/s, peak RSS %.1f MB per rank | status "
            "%.3f s, %.1f MB | report %.3f s, %.1f MB\n",
            ctx->size, ctx->size == 1 ? "" : "s", ntasks, parse, tm.resolve, tm.create, file_mb,
            tm.farm, rate, max_mb, st_s, st_mb, rp_s, rp_mb);
  return PF_OK;
}
