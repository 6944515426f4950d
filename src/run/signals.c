/* Interruption by signals: SLURM sends SIGTERM (or the signal of --signal, here SIGUSR1) before a
 * job's time limit; the handler only sets a flag, which running tasks poll at safe points. The
 * handlers are one-shot, so a repeated signal ends the program immediately (the file stays
 * valid and resumable). */
#include "pinnfluence/run.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

void pf_run_install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* a second signal of the same kind (a second Ctrl-C) terminates at once */
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}

int pf_run_stop_requested(void) {
  return stop_flag != 0;
}

void pf_run_request_stop(void) {
  stop_flag = 1;
}
