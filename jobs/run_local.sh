#!/bin/bash
# jobs/run_local.sh: run a job script of jobs/ on this machine, without SLURM (a workstation, a
# smoke test before submitting, or a CI box): the same resume, signal and provenance handling as
# on the cluster, with mpirun on the local cores.
#
# Usage:
#   jobs/run_local.sh [-n NP] [--array] CONFIG RESULTS.h5 [pinnfluence run options]
#   jobs/run_local.sh [-n NP] --array CONFIG PREFIX KEY VALUE... [-- run options]
#   -n NP     MPI ranks (default: the number of cores, `nproc`)
#   --array   run jobs/sweep_array.sbatch (its elements one after the other) instead of
#             jobs/sweep.sbatch
# Example: jobs/run_local.sh -n 2 configs/quickstart.cfg quickstart.h5
#
# It drops SLURM_* variables (so it also runs a plain local sweep inside an salloc session), lets
# Open MPI run as root when you are root, and allows oversubscription when NP exceeds the cores.
# Ctrl-C (or kill -USR1 / -TERM of this script's pid) stops the ranks at a safe point; run the
# same command again to resume. Exit code: that of the job script (4: interrupted, resumable).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$here/sweep.sbatch
np=
while [ $# -gt 0 ]; do
  case "$1" in
    -n)
      [ $# -ge 2 ] || { echo "run_local.sh: -n needs a number" >&2; exit 2; }
      np=$2
      shift 2 ;;
    --array)
      script=$here/sweep_array.sbatch
      shift ;;
    -h | --help)
      sed -n '/^# Usage:/,/^# It drops/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  sed -n '/^# Usage:/,/^# It drops/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
cores=$(nproc 2> /dev/null || echo 1)
np=${np:-${PF_NP:-$cores}}
case "$np" in
  '' | *[!0-9]* | 0) echo "run_local.sh: -n needs a positive number, not '$np'" >&2; exit 2 ;;
esac

for v in ${!SLURM_@}; do unset "$v"; done
export PF_NP=$np PF_JOBS_DIR=$here
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
if [ "$np" -gt "$cores" ]; then
  export OMPI_MCA_rmaps_base_oversubscribe=1
fi

# The job script runs in its own session, away from the terminal's Ctrl-C (which would also hit
# mpirun, and mpirun aborts the ranks on SIGINT); this shell passes Ctrl-C on as USR1, a stop at a
# safe point.
setsid bash "$script" "$@" &
pid=$!
trap 'kill -USR1 "$pid" 2> /dev/null' INT USR1
trap 'kill -TERM "$pid" 2> /dev/null' TERM
while :; do
  wait "$pid"
  rc=$?
  kill -0 "$pid" 2> /dev/null || break
done
exit "$rc"
