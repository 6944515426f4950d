/* Interruption by signals: SLURM sends SIGTERM (or the signal of --signal, here SIGUSR1) before a
 * job's time limit; the handler only sets a flag, which running tasks poll at safe points.
 * SIGTERM and SIGUSR1 stay handled when they come again: under `scancel` every process of the job
 * step gets SIGTERM from slurmstepd and then again from mpirun, and a rank killed by the second one
 * would leave its task "running". SIGINT is one-shot, so a second Ctrl-C ends the program at once
 * (the file stays valid and resumable). */
#include "pinnfluence/run.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_flag = 0;
static volatile sig_atomic_t stop_signal = 0; /* the first signal that asked to stop */

static void on_signal(int sig) {
  if (!stop_flag) stop_signal = sig;
  stop_flag = 1;
}

void pf_run_install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  /* a second Ctrl-C terminates at once */
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, NULL);
}

int pf_run_stop_requested(void) {
  return stop_flag != 0;
}

void pf_run_request_stop(void) {
  stop_flag = 1;
}

const char *pf_run_stop_signal_name(void) {
  switch (stop_signal) {
  case SIGTERM:
    return "SIGTERM";
  case SIGUSR1:
    return "SIGUSR1";
  case SIGINT:
    return "SIGINT";
  default:
    return "a stop request";
  }
}
