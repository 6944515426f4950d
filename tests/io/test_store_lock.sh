#!/bin/bash
# One run per store (issue 9): the lock file beside a writable store. No timing: the "other run"
# is a lock file written by hand that names this host and a live process (a `sleep` this script
# starts and kills), a dead process, or another host.
#
#   test_store_lock.sh PINNFLUENCE MPIEXEC TINY_CFG
set -u
exe=$1 mpiexec=$2 cfg=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
one=(--set pde=burgers --set seed=1 --set sample.method=static --set train.cycles=1
  --set train.adam_iters=2 --set train.lbfgs_iters=0)
work=$(mktemp -d /tmp/pf_lock.XXXXXX)
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
host=$(hostname)
store=$work/r.h5
lock=$store.lock

# run LOG ARGS...: a one-task sweep as an MPI singleton (np=N: under mpiexec), hang-guarded
run() {
  local log=$1
  shift
  if [ "${np:-1}" = 1 ]; then
    timeout -k 10 120 "$exe" run "$cfg" "${one[@]}" "$@" >"$log" 2>&1
  else
    timeout -k 10 120 "$mpiexec" -n "$np" "$exe" run "$cfg" "${one[@]}" "$@" >"$log" 2>&1
  fi
  rc=$?
  [ $rc = 124 ] || [ $rc = 137 ] && fail "the run hung (killed after 120 s): $(tail -20 "$log")"
  return 0
}

# a normal run leaves no lock
run "$work/first.log" -o "$store"
[ $rc = 0 ] || fail "first run: exit code $rc: $(tail -20 "$work/first.log")"
[ -e "$lock" ] && fail "a finished run left its lock $lock"
cp "$store" "$work/ref.h5"
echo "ok: a finished run leaves no lock"

# a live holder on this host: --overwrite and --resume refused (1 and 2 ranks), nothing touched
sleep 100000 &
holder=$!
printf 'host=%s\npid=%d\nstarted=2025-01-01T00:00:00Z\n' "$host" "$holder" >"$lock"
cp "$lock" "$work/lock.ref"
for np in 1 2; do
  for how in --overwrite --resume; do
    np=$np run "$work/live$np$how.log" -o "$store" $how
    log=$work/live$np$how.log
    [ $rc = 3 ] || fail "$how on $np rank(s) with a live holder: exit code $rc, expected 3: $(cat "$log")"
    grep -q "in use by another run (host $host, pid $holder" "$log" ||
      fail "$how: the message does not name host $host and pid $holder: $(cat "$log")"
    grep -q "rm $lock" "$log" || fail "$how: the message does not say how to remove the lock"
    cmp -s "$store" "$work/ref.h5" || fail "$how on $np rank(s) changed the store held by another run"
    cmp -s "$lock" "$work/lock.ref" || fail "$how on $np rank(s) changed the other run's lock"
  done
done
echo "ok: a live holder on this host: --overwrite and --resume refused on 1 and 2 ranks, store unchanged"

# a holder on another host is never judged stale from here
printf 'host=%s\npid=%d\n' "another-node.example" 1 >"$lock"
run "$work/other.log" -o "$store" --resume
[ $rc = 3 ] || fail "a lock of another host: exit code $rc, expected 3: $(cat "$work/other.log")"
grep -q "host another-node.example, pid 1" "$work/other.log" ||
  fail "the message does not name the other host and pid: $(cat "$work/other.log")"
cmp -s "$store" "$work/ref.h5" || fail "a refused resume changed the store"
echo "ok: a lock of another host refuses the run"

# a lock of an earlier attempt of this SLURM job (killed at its time limit on another node) does
# not block the requeued attempt; the same job's same attempt, or another job, does
printf 'host=%s\npid=%d\nslurm_job=%s\nslurm_restart=%d\n' "another-node.example" 1 4711 0 >"$lock"
SLURM_JOB_ID=4711 SLURM_RESTART_COUNT=0 run "$work/slurm0.log" -o "$store" --resume
[ $rc = 3 ] || fail "the same attempt of the SLURM job: exit code $rc, expected 3"
SLURM_JOB_ID=4712 SLURM_RESTART_COUNT=1 run "$work/slurm1.log" -o "$store" --resume
[ $rc = 3 ] || fail "another SLURM job: exit code $rc, expected 3"
cmp -s "$store" "$work/ref.h5" || fail "a refused resume changed the store"
SLURM_JOB_ID=4711 SLURM_RESTART_COUNT=1 run "$work/slurm2.log" -o "$store" --resume
[ $rc = 0 ] || fail "the requeued SLURM job: exit code $rc: $(cat "$work/slurm2.log")"
grep -q "taking over the lock of a run that is gone" "$work/slurm2.log" ||
  fail "no warning about the taken-over lock: $(cat "$work/slurm2.log")"
[ -e "$lock" ] && fail "the requeued job left the lock behind"
cp "$store" "$work/ref.h5"
echo "ok: a requeued SLURM job takes over the lock of its earlier attempt"

# a dead holder on this host (as after a SIGKILL): taken over with a warning, then removed
kill "$holder" && wait "$holder" 2>/dev/null
dead=$holder
holder=
kill -0 "$dead" 2>/dev/null && fail "process $dead still exists"
printf 'host=%s\npid=%d\n' "$host" "$dead" >"$lock"
run "$work/stale.log" -o "$store" --overwrite
[ $rc = 0 ] || fail "a stale lock (dead pid $dead): exit code $rc: $(cat "$work/stale.log")"
grep -q "taking over the lock of a run that is gone (host $host, pid $dead" "$work/stale.log" ||
  fail "no warning about the taken-over lock: $(cat "$work/stale.log")"
[ -e "$lock" ] && fail "the run that took over the stale lock left it behind"
printf 'host=%s\npid=%d\n' "$host" "$dead" >"$lock"
np=2 run "$work/stale2.log" -o "$store" --resume
[ $rc = 0 ] || fail "a stale lock, --resume on 2 ranks: exit code $rc: $(cat "$work/stale2.log")"
[ -e "$lock" ] && fail "the resume that took over the stale lock left it behind"
echo "ok: a lock of a dead process on this host is taken over with a warning and removed"

# a create that fails after taking the lock releases it
mkdir "$work/dir.h5"
run "$work/dir.log" -o "$work/dir.h5" --overwrite
[ $rc = 3 ] || fail "a store path that is a directory: exit code $rc: $(cat "$work/dir.log")"
[ -e "$work/dir.h5.lock" ] && fail "a failed create left its lock behind"
echo "ok: a failed create leaves no lock"
echo "PASS"
