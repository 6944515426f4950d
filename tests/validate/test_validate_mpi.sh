#!/usr/bin/env bash
# pinnfluence validate end to end on a tiny configuration (2 tasks, 6 groups each): 1 and 3 ranks
# give identical bits outside /timing; a SIGTERM injected (PF_FAULT_SIGNAL, so nothing depends on
# the machine's speed) in a retraining unit and in the training to a state, each followed by
# --resume on another number of ranks, gives the file of the uninterrupted run, as does a resume
# after a rank was killed (SIGKILL) in a retraining unit; a resume with
# another configuration, a misspelt validate key and soft constraints are refused with exit code 2, and a file
# whose lock is held by a live process with exit code 3.
# Usage: test_validate_mpi.sh PINNFLUENCE MPIEXEC CONFIG
set -u
exe="$1"; mpiexec="$2"; cfg="$3"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 PF_LOG_LEVEL=warn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
same() {
  if ! h5diff -q --exclude-path /timing --exclude-attribute / "$1" "$2" > diff.txt 2>&1; then
    echo "FAIL: $1 and $2 differ:"; h5diff --exclude-path /timing --exclude-attribute / "$1" "$2" | head -20
    fail=1
  fi
}
val() { # val NP OUT [args...]
  local np="$1" out="$2"; shift 2
  "$mpiexec" -np "$np" "$exe" validate "$cfg" -o "$out" "$@"
}

val 1 ref.h5 > ref.txt || { echo "FAIL: reference validate"; exit 1; }
grep -q "^train_exact " ref.txt || { echo "FAIL: no correlation table"; cat ref.txt; fail=1; }
val 3 np3.h5 > np3.txt || { echo "FAIL: validate on 3 ranks"; fail=1; }
same ref.h5 np3.h5
cmp -s ref.txt np3.txt || { echo "FAIL: the tables of 1 and 3 ranks differ"; fail=1; }

# interrupted in a retraining unit: task 1's unit 2 (cycle at_cycle + 1 + 2 = 4), iteration 7
PF_FAULT_SIGNAL=1:4:7:TERM val 3 int1.h5 > /dev/null 2> err1.txt
rc=$?; [ $rc = 4 ] || { echo "FAIL: interrupted unit: exit $rc, want 4"; cat err1.txt; fail=1; }
val 2 int1.h5 --resume > /dev/null 2> res1.txt || { echo "FAIL: resume 1"; cat res1.txt; fail=1; }
same ref.h5 int1.h5

# interrupted while training to task 0's state (cycle 1, iteration 30)
PF_FAULT_SIGNAL=0:1:30:TERM val 1 int2.h5 > /dev/null 2> err2.txt
rc=$?; [ $rc = 4 ] || { echo "FAIL: interrupted state: exit $rc, want 4"; cat err2.txt; fail=1; }
val 3 int2.h5 --resume > /dev/null 2> res2.txt || { echo "FAIL: resume 2"; cat res2.txt; fail=1; }
same ref.h5 int2.h5

# a rank killed (SIGKILL) in task 0's retraining unit 1 (cycle 3): mpiexec ends the run; the
# lock of the dead run is taken over and the resume completes the file
PF_FAULT_SIGNAL=0:3:5:KILL val 3 int3.h5 > /dev/null 2> err6.txt
rc=$?; [ $rc != 0 ] || { echo "FAIL: a killed rank: exit 0"; fail=1; }
# mpiexec may return while the other ranks are still being torn down: wait for the lock holder
holder=$(sed -n 's/^pid=//p' int3.h5.lock 2> /dev/null)
for _ in $(seq 600); do [ -n "$holder" ] && kill -0 "$holder" 2> /dev/null || break; sleep 0.1; done
val 2 int3.h5 --resume > /dev/null 2> res3.txt || { echo "FAIL: resume 3"; cat res3.txt; fail=1; }
same ref.h5 int3.h5

# refusals
val 1 int1.h5 --resume --set validate.groups=5 > /dev/null 2> err3.txt
rc=$?; [ $rc = 2 ] && grep -q "different configuration" err3.txt \
  || { echo "FAIL: resume with another configuration: exit $rc"; cat err3.txt; fail=1; }
val 1 bad.h5 --set validate.retrain.adam_iter=5 > /dev/null 2> err4.txt
rc=$?; [ $rc = 2 ] && grep -q "did you mean validate.retrain.adam_iters" err4.txt \
  || { echo "FAIL: misspelt key: exit $rc"; cat err4.txt; fail=1; }
# a composite objective (soft conditions, trainable coefficients) is refused, not ignored
val 1 bad.h5 --set constraints=soft > /dev/null 2> err6.txt
rc=$?; [ $rc = 2 ] && grep -q "has soft conditions; validate supports the residual loss only" err6.txt \
  || { echo "FAIL: soft constraints: exit $rc"; cat err6.txt; fail=1; }
[ -e bad.h5 ] && { echo "FAIL: a refused configuration wrote a file"; fail=1; }
# one writer per file: a lock held by a live process (this shell) refuses the resume (exit 3)
printf 'host=%s\npid=%s\nstarted=now\nproc_start=%s\nstore=int1.h5\n' "$(hostname)" $$ \
  "$(awk '{print $22}' /proc/$$/stat)" > int1.h5.lock
val 1 int1.h5 --resume > /dev/null 2> err5.txt
rc=$?; [ $rc = 3 ] && grep -q "in use by another run" err5.txt \
  || { echo "FAIL: a held lock: exit $rc"; cat err5.txt; fail=1; }
rm -f int1.h5.lock
same ref.h5 int1.h5
[ $fail = 0 ] && echo "test_validate_mpi: ok"
exit $fail
