/* Fault injection for tests: the environment variables PF_FAULT_NAN_TASK, PF_FAULT_SIGNAL and
 * PF_FAULT_MARK (see include/pinnfluence/run.h) make a chosen task diverge or make a signal arrive
 * at a chosen task, cycle and iteration. The rank that fires a signal waits until the stop request
 * has reached it, so the signal lands in the middle of the task on a machine of any speed: tests
 * never sleep and hope, or poll a file to catch a sweep mid-task (STYLE.md). */
#include "pinnfluence/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a fired fault waits for the stop request before it gives up (a hang guard only). */
#define PF_FAULT_WAIT_SECONDS 600.0

struct pf_fault {
  int nan_task;    /* PF_FAULT_NAN_TASK, -1: none */
  int signal_task; /* PF_FAULT_SIGNAL, -1: none */
  int cycle;       /* 1-based */
  long iter;       /* 1-based, within the cycle: Adam's iterations, then L-BFGS's */
  int sig;         /* 0 for "wait" */
  pf_fault_target target;
  char mark[1024]; /* PF_FAULT_MARK, "" for none */
  int fired;
  int nranks;
  long *pids; /* (nranks) process ids of every rank, for PF_FAULT_TARGET_RANKS */
};

static const struct {
  const char *name;
  int sig;
} signals[] = {{"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"INT", SIGINT}, {"KILL", SIGKILL}};

/* A decimal integer in lo..hi that is the whole of s. */
static int parse_long(const char *s, long lo, long hi, long *v) {
  char *end = NULL;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (errno || end == s || *end || x < lo || x > hi) return 0;
  *v = x;
  return 1;
}

#define PF_FAULT_SYNTAX                                                                            \
  "TASK:CYCLE:ITER:ACTION with ACTION one of SIG, SIG@parent, SIG@ranks, SIG@job (SIG: TERM, "     \
  "USR1, INT, KILL) or wait, e.g. 3:1:10:TERM@ranks"

static int parse_signal_spec(const char *text, pf_fault *f) {
  char buf[128], *field[5];
  PF_CHECK(strlen(text) < sizeof buf, PF_ERR_CONFIG, "PF_FAULT_SIGNAL='%.40s...' is too long",
           text);
  strcpy(buf, text);
  int n = 0;
  for (char *p = buf; p && n < 5;) {
    field[n++] = p;
    p = strchr(p, ':');
    if (p) *p++ = '\0';
  }
  long task, cycle, iter;
  PF_CHECK(n == 4 && parse_long(field[0], 0, 100000000, &task) &&
               parse_long(field[1], 1, 1000000, &cycle) &&
               parse_long(field[2], 1, 1000000000, &iter),
           PF_ERR_CONFIG, "PF_FAULT_SIGNAL='%s': expected " PF_FAULT_SYNTAX, text);
  f->signal_task = (int)task, f->cycle = (int)cycle, f->iter = iter;
  char *action = field[3], *at = strchr(action, '@');
  f->target = PF_FAULT_TARGET_SELF;
  if (at) {
    *at++ = '\0';
    if (!strcmp(at, "parent"))
      f->target = PF_FAULT_TARGET_PARENT;
    else if (!strcmp(at, "ranks"))
      f->target = PF_FAULT_TARGET_RANKS;
    else if (!strcmp(at, "job"))
      f->target = PF_FAULT_TARGET_JOB;
    else
      PF_RAISE(PF_ERR_CONFIG,
               "PF_FAULT_SIGNAL='%s': unknown target '@%s'; expected " PF_FAULT_SYNTAX, text, at);
  }
  if (!strcmp(action, "wait") && !at) {
    f->sig = 0;
    return PF_OK;
  }
  for (size_t k = 0; k < sizeof signals / sizeof *signals; k++)
    if (!strcmp(action, signals[k].name)) f->sig = signals[k].sig;
  PF_CHECK(f->sig != 0, PF_ERR_CONFIG,
           "PF_FAULT_SIGNAL='%s': unknown action '%s'; expected " PF_FAULT_SYNTAX, text, action);
  return PF_OK;
}

int pf_fault_create(const pf_ctx *ctx, pf_fault **fault) {
  *fault = NULL;
  const char *nan = getenv("PF_FAULT_NAN_TASK"), *sig = getenv("PF_FAULT_SIGNAL");
  const char *mark = getenv("PF_FAULT_MARK");
  if (!(nan && nan[0]) && !(sig && sig[0])) return PF_OK;
  pf_fault *f = NULL;
  PF_CALL(PF_CALLOC(1, &f));
  f->nan_task = f->signal_task = -1;
  long v = -1;
  int rc = PF_OK;
  if (nan && nan[0] && !parse_long(nan, 0, 100000000, &v))
    rc = pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__,
                  "PF_FAULT_NAN_TASK='%s': expected a task number (0-based)", nan);
  f->nan_task = (int)v;
  if (!rc && sig && sig[0]) rc = parse_signal_spec(sig, f);
  if (!rc && mark && strlen(mark) >= sizeof f->mark)
    rc = pf_error(PF_ERR_CONFIG, __FILE__, __LINE__, __func__, "PF_FAULT_MARK is too long");
  if (!rc && mark) strcpy(f->mark, mark);
  if (!rc && (f->target == PF_FAULT_TARGET_RANKS || f->target == PF_FAULT_TARGET_JOB)) {
    /* every rank's pid, so the rank that fires can signal them all (one host only) */
    f->nranks = ctx->size;
    long me = (long)getpid();
    rc = PF_CALLOC(ctx->size, &f->pids);
    if (!rc && MPI_Allgather(&me, 1, MPI_LONG, f->pids, 1, MPI_LONG, ctx->comm) != MPI_SUCCESS)
      rc = pf_error(PF_ERR_MPI, __FILE__, __LINE__, __func__, "cannot gather the ranks' pids");
  }
  if (rc) {
    pf_fault_destroy(&f);
    return pf_trace(rc, __FILE__, __LINE__, __func__);
  }
  if (ctx->rank == 0)
    pf_log(ctx, PF_LOG_WARN, 0, "fault injection on (tests only):%s%s%s%s",
           nan ? " PF_FAULT_NAN_TASK=" : "", nan ? nan : "", sig ? " PF_FAULT_SIGNAL=" : "",
           sig ? sig : "");
  *fault = f;
  return PF_OK;
}

void pf_fault_destroy(pf_fault **fault) {
  if (!fault || !*fault) return;
  PF_FREE(&(*fault)->pids);
  PF_FREE(fault);
}

int pf_fault_nan_task(const pf_fault *f, int task) {
  return f && f->nan_task == task;
}

int pf_fault_signal_task(const pf_fault *f, int task) {
  return f && f->signal_task == task;
}

/* The mark file, created exclusively: 0 if it exists already (the fault fired in an earlier run).
 */
static int claim_mark(const char *path) {
  if (!path[0]) return 1;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return 0;
  char line[64];
  int len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
  ssize_t w = write(fd, line, (size_t)len);
  (void)w;
  close(fd);
  return 1;
}

void pf_fault_check(pf_fault *f, const char *label, int cycle, long iter) {
  if (!f || f->fired || cycle != f->cycle || iter < f->iter) return;
  f->fired = 1;
  if (!claim_mark(f->mark)) return;
  fprintf(stderr, "pinnfluence: fault injection: %s, cycle %d, iteration %ld: %s\n", label, cycle,
          iter, getenv("PF_FAULT_SIGNAL"));
  fflush(stderr);
  if (f->sig) switch (f->target) {
    case PF_FAULT_TARGET_SELF:
      raise(f->sig); /* SIGKILL does not return */
      break;
    case PF_FAULT_TARGET_PARENT:
      kill(getppid(), f->sig);
      break;
    case PF_FAULT_TARGET_RANKS:
      for (int r = 0; r < f->nranks; r++) kill((pid_t)f->pids[r], f->sig);
      break;
    case PF_FAULT_TARGET_JOB:
      kill(getppid(), f->sig);
      for (int r = 0; r < f->nranks; r++) kill((pid_t)f->pids[r], f->sig);
      break;
    }
  /* Wait until the request to stop has arrived here (at once for a signal to this process; after
   * the forwarding for one to the parent; from outside for "wait"). */
  const struct timespec tick = {0, 5000000};
  for (double waited = 0; !pf_run_stop_requested(); waited += 0.005) {
    if (waited > PF_FAULT_WAIT_SECONDS) {
      fprintf(stderr, "pinnfluence: fault injection: no stop request within %.0f s; going on\n",
              PF_FAULT_WAIT_SECONDS);
      break;
    }
    nanosleep(&tick, NULL);
  }
}
