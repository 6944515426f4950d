/* One run per store: the lock file beside a writable store ("results.h5.lock"), created with
 * O_CREAT | O_EXCL (atomic on local and cluster file systems, NFSv3 and later included) by rank 0
 * of the run that creates or resumes the store, and removed when the store is closed or abandoned
 * (and, as a safety net, when the process exits normally with the lock still held). It holds
 * "key=value" lines naming the holder: host, pid, the start time of the process (wall clock, and
 * the kernel's start time in clock ticks to tell a reused pid from the holder) and the store.
 *
 * A lock is stale when its holder is gone: same host, and the pid no longer exists (or exists but
 * started at another time, i.e. was reused); or the holder was an earlier attempt of this SLURM job
 * (slurm_job and slurm_restart lines: SLURM_JOB_ID, SLURM_RESTART_COUNT). A stale lock is taken
 * over with a warning; any other lock refuses the run, naming the holder and how to remove the lock
 * if that run is truly gone. Readers (status, report, predict) take no lock. */
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PF_LOCK_SUFFIX  ".lock"
#define PF_LOCK_MAX     4    /* locks one process may hold at once (tests open several stores) */
#define PF_LOCK_TEXTMAX 4096 /* a lock file is a few hundred bytes */

/* Locks held by this process, removed by an atexit handler if still held at a normal exit (an
 * error path that returns without closing the store). */
static char *pf_lock_held[PF_LOCK_MAX];
static pid_t pf_lock_owner[PF_LOCK_MAX];
static int pf_lock_atexit_done = 0;

static void pf_lock_atexit(void) {
  for (int i = 0; i < PF_LOCK_MAX; i++)
    if (pf_lock_held[i] && pf_lock_owner[i] == getpid()) (void)unlink(pf_lock_held[i]);
}

static void pf_lock_register(const char *lock) {
  if (!pf_lock_atexit_done) pf_lock_atexit_done = atexit(pf_lock_atexit) == 0;
  for (int i = 0; i < PF_LOCK_MAX; i++)
    if (!pf_lock_held[i]) {
      pf_lock_held[i] = strdup(lock);
      pf_lock_owner[i] = getpid();
      return;
    }
}

static void pf_lock_unregister(const char *lock) {
  for (int i = 0; i < PF_LOCK_MAX; i++)
    if (pf_lock_held[i] && !strcmp(pf_lock_held[i], lock)) {
      free(pf_lock_held[i]);
      pf_lock_held[i] = NULL;
    }
}

/* The kernel's start time of process pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 if unknown (no procfs). */
static unsigned long long pf_lock_proc_start(long pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* the command name (field 2) may hold spaces and parentheses: count fields after the last ')' */
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  int field = 2;
  unsigned long long v = 0;
  char *save = NULL;
  for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
    if (++field == 22) {
      v = strtoull(tok, NULL, 10);
      break;
    }
  return v;
}

typedef struct {
  char host[256];
  long pid;
  unsigned long long proc_start; /* 0: not recorded */
  char started[64];
  char slurm_job[64]; /* SLURM_JOB_ID of the holder, "" outside SLURM */
  long slurm_restart; /* its SLURM_RESTART_COUNT (0 for the first attempt) */
} pf_lock_info;

/* Parse the key=value lines of a lock file; unknown keys are ignored. */
static void pf_lock_parse(const char *text, pf_lock_info *info) {
  memset(info, 0, sizeof *info);
  const char *line = text;
  while (line && *line) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    char kv[512];
    snprintf(kv, sizeof kv, "%.*s", (int)(len < sizeof kv - 1 ? len : sizeof kv - 1), line);
    char *eq = strchr(kv, '=');
    if (eq) {
      *eq = '\0';
      const char *v = eq + 1;
      if (!strcmp(kv, "host"))
        snprintf(info->host, sizeof info->host, "%s", v);
      else if (!strcmp(kv, "pid"))
        info->pid = strtol(v, NULL, 10);
      else if (!strcmp(kv, "proc_start"))
        info->proc_start = strtoull(v, NULL, 10);
      else if (!strcmp(kv, "started"))
        snprintf(info->started, sizeof info->started, "%s", v);
      else if (!strcmp(kv, "slurm_job"))
        snprintf(info->slurm_job, sizeof info->slurm_job, "%s", v);
      else if (!strcmp(kv, "slurm_restart"))
        info->slurm_restart = strtol(v, NULL, 10);
    }
    line = end ? end + 1 : NULL;
  }
}

/* Read a whole (small) file into text (NUL-terminated). Returns 0, or errno. */
static int pf_lock_read(const char *path, char *text, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return errno;
  size_t n = 0;
  while (n < cap - 1) {
    ssize_t r = read(fd, text + n, cap - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
  }
  text[n] = '\0';
  close(fd);
  return 0;
}

static void pf_lock_hostname(char *host, size_t cap) {
  if (gethostname(host, cap) != 0) snprintf(host, cap, "?");
  host[cap - 1] = '\0';
}

/* Create the lock exclusively and write the holder into it. Returns 0, or errno (EEXIST: held). */
static int pf_lock_create(const char *lock, const char *store) {
  int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return errno;
  char host[256], started[64] = "?", text[PF_LOCK_TEXTMAX];
  pf_lock_hostname(host, sizeof host);
  time_t now = time(NULL);
  struct tm tm;
  if (now != (time_t)-1 && gmtime_r(&now, &tm)) strftime(started, sizeof started, "%FT%TZ", &tm);
  long pid = (long)getpid();
  const char *job = getenv("SLURM_JOB_ID"), *restart = getenv("SLURM_RESTART_COUNT");
  char slurm[128] = "";
  if (job && job[0] && strlen(job) < 64)
    snprintf(slurm, sizeof slurm, "slurm_job=%s\nslurm_restart=%ld\n", job,
             restart ? strtol(restart, NULL, 10) : 0L);
  int len = snprintf(text, sizeof text,
                     "# pinnfluence: a run is writing %s; remove this file only if that run is "
                     "gone\nhost=%s\npid=%ld\nstarted=%s\nproc_start=%llu\n%sstore=%s\n",
                     store, host, pid, started, pf_lock_proc_start(pid), slurm, store);
  if (len < 0 || (size_t)len >= sizeof text) len = (int)strlen(text);
  int err = 0;
  for (size_t off = 0; off < (size_t)len && !err;) {
    ssize_t w = write(fd, text + off, (size_t)len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      err = w < 0 ? errno : EIO;
    else
      off += (size_t)w;
  }
  if (!err && fsync(fd) != 0 && errno != EINVAL) err = errno;
  if (close(fd) != 0 && !err) err = errno;
  if (err) (void)unlink(lock); /* e.g. ENOSPC: leave no empty lock behind */
  return err;
}

/* Is the holder of info gone? Decidable on the holder's host, or in a later attempt of the
 * holder's SLURM job (a requeued job starts again only after its previous attempt has ended, on any
 * node: the lock of a job killed at its time limit does not block its own requeue). */
static int pf_lock_is_stale(const pf_lock_info *info) {
  const char *job = getenv("SLURM_JOB_ID"), *restart = getenv("SLURM_RESTART_COUNT");
  if (info->slurm_job[0] && job && !strcmp(job, info->slurm_job) && restart &&
      strtol(restart, NULL, 10) > info->slurm_restart)
    return 1;
  char host[256];
  pf_lock_hostname(host, sizeof host);
  if (strcmp(host, info->host) || info->pid <= 0) return 0;
  if (kill((pid_t)info->pid, 0) != 0) return errno == ESRCH;
  /* the pid exists: the holder only if it started when the holder did (else the pid was reused) */
  if (info->proc_start == 0) return 0;
  unsigned long long now = pf_lock_proc_start(info->pid);
  return now != 0 && now != info->proc_start;
}

/* Move a stale lock out of the way, checking that what was moved is the lock judged stale (two
 * runs taking over at once: the second must not remove the first's new lock). */
static int pf_lock_take_over(const char *lock, const char *stale_text, pf_lock_info *info) {
  char aside[4200], text[PF_LOCK_TEXTMAX];
  snprintf(aside, sizeof aside, "%s.stale.%ld", lock, (long)getpid());
  if (rename(lock, aside) != 0) return errno;
  if (pf_lock_read(aside, text, sizeof text) == 0 && strcmp(text, stale_text) != 0) {
    /* another run took it over in between: put its lock back (link fails if a third did) */
    if (link(aside, lock) == 0) (void)unlink(aside);
    pf_lock_parse(text, info);
    return EEXIST;
  }
  (void)unlink(aside);
  return 0;
}

int pf_store_lock_take(pf_store *st) {
  PF_CHECK(st->lock == NULL, PF_ERR_INTERNAL, "%s: the store's lock is already held", st->path);
  size_t n = strlen(st->path) + sizeof PF_LOCK_SUFFIX;
  char *lock = malloc(n);
  PF_CHECK(lock != NULL, PF_ERR_MEM, "cannot allocate %zu bytes", n);
  snprintf(lock, n, "%s%s", st->path, PF_LOCK_SUFFIX);
  int err = pf_lock_create(lock, st->path);
  for (int attempt = 0; err == EEXIST && attempt < 3; attempt++) {
    char text[PF_LOCK_TEXTMAX];
    pf_lock_info info;
    int rerr = pf_lock_read(lock, text, sizeof text);
    if (rerr == ENOENT) { /* released meanwhile */
      err = pf_lock_create(lock, st->path);
      continue;
    }
    if (rerr) {
      free(lock);
      PF_RAISE(PF_ERR_IO, "%s.lock exists but cannot be read (%s): another run may be writing %s",
               st->path, strerror(rerr), st->path);
    }
    pf_lock_parse(text, &info);
    if (!pf_lock_is_stale(&info)) {
      int rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                        "%s is in use by another run (host %s, pid %ld, started %s; lock file %s): "
                        "two runs must not write one store. If that run is gone (e.g. killed on "
                        "another node), remove the lock: rm %s",
                        st->path, info.host[0] ? info.host : "?", info.pid,
                        info.started[0] ? info.started : "?", lock, lock);
      free(lock);
      return rc;
    }
    err = pf_lock_take_over(lock, text, &info);
    if (err == 0) {
      fprintf(stderr,
              "[pf 0] warning: %s: taking over the lock of a run that is gone (host %s, pid %ld, "
              "started %s)\n",
              st->path, info.host, info.pid, info.started[0] ? info.started : "?");
      err = pf_lock_create(lock, st->path);
    } else if (err == ENOENT) {
      err = EEXIST; /* someone else moved it: look again */
    }
  }
  if (err) {
    int rc = err == EEXIST ? pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                                      "%s: the lock %s keeps changing: another run is starting on "
                                      "this store",
                                      st->path, lock)
                           : pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__,
                                      "%s: cannot create the lock file %s: %s", st->path, lock,
                                      strerror(err));
    free(lock);
    return rc;
  }
  pf_lock_register(lock);
  st->lock = lock;
  return PF_OK;
}

int pf_store_lock_release(pf_store *st) {
  if (!st || !st->lock) return PF_OK;
  char *lock = st->lock;
  st->lock = NULL;
  pf_lock_unregister(lock);
  int rc = PF_OK;
  if (unlink(lock) != 0 && errno != ENOENT)
    rc = pf_error(PF_ERR_IO, __FILE__, __LINE__, __func__, "%s: cannot remove the lock file %s: %s",
                  st->path, lock, strerror(errno));
  free(lock);
  return rc;
}
