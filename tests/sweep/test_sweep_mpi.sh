#!/usr/bin/env bash
# Distributed sweeps end to end: the tiny sweep on 1, 2, 3 and 4 ranks and with ranks_per_task 2
# gives identical bits in every dataset outside /timing; a SIGTERM and a SIGKILL of one rank in
# the middle, each followed by --resume, give the same file as an uninterrupted run; a resume with
# an edited configuration is refused; a task forced to diverge is recorded failed while the
# others complete. Usage: test_sweep_mpi.sh PINNFLUENCE MPIEXEC CONFIG
set -u
exe="$1"; mpiexec="$2"; cfg="$3"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 PF_LOG_LEVEL=warn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
same() { # same A B: every dataset outside /timing identical, no root attributes compared
  if ! h5diff -q --exclude-path /timing --exclude-attribute / "$1" "$2" > diff.txt 2>&1; then
    echo "FAIL: $1 and $2 differ:"; h5diff --exclude-path /timing --exclude-attribute / "$1" "$2" | head -20
    fail=1
  fi
}
run() { # run NP OUT [args...]
  local np="$1" out="$2"; shift 2
  "$mpiexec" -np "$np" "$exe" run "$cfg" -o "$out" "$@"
}

run 1 ref.h5 || { echo "FAIL: reference run"; exit 1; }
"$exe" status ref.h5 | grep -q "^all *16 *0 *0 *0 *16" || { echo "FAIL: reference not complete"; "$exe" status ref.h5; fail=1; }
for np in 2 3 4; do
  run $np np$np.h5 || { echo "FAIL: run on $np ranks"; fail=1; }
  same ref.h5 np$np.h5
done
for np in 2 4; do
  run $np g2_np$np.h5 --set run.ranks_per_task=2 || { echo "FAIL: groups of 2 on $np ranks"; fail=1; }
  same ref.h5 g2_np$np.h5
done
run 3 bad.h5 --set run.ranks_per_task=2 2> err.txt
[ $? = 2 ] && grep -q "does not divide" err.txt || { echo "FAIL: 3 ranks in groups of 2 accepted"; fail=1; }

# interruptions: stop a 2-rank run after the first tasks finish, then resume. USR1 goes to mpiexec,
# which forwards it (what a batch script does with SLURM's --signal=B:USR1); TERM goes to every
# rank (what SLURM sends at the time limit); KILL goes to one rank.
for sig in USR1 TERM KILL; do
  out=int_$sig.h5
  "$mpiexec" -np 2 "$exe" run "$cfg" -o $out --set train.adam_iters=400 > /dev/null 2> log_$sig.txt &
  pid=$! # mpiexec itself; the ranks are its children
  for i in $(seq 1 300); do # wait until some task is done
    sleep 0.1
    [ -e $out ] && "$exe" status $out 2>/dev/null | grep -Eq "^all +[1-9]" && break
  done
  ranks=$(pgrep -P $pid)
  case $sig in
    USR1) kill -USR1 $pid ;;
    TERM) kill -TERM $ranks ;;
    KILL) kill -KILL $(echo "$ranks" | tail -1) ;;
  esac
  wait $pid; code=$?
  if [ $sig != KILL ] && [ $code != 4 ]; then echo "FAIL: SIG$sig run exited $code, want 4"; cat log_$sig.txt; fail=1; fi
  "$exe" status $out > st_$sig.txt 2>&1 || { echo "FAIL: status after SIG$sig"; fail=1; }
  grep -Eq "^all +16 " st_$sig.txt && echo "warning: SIG$sig arrived after the sweep finished"
  run 2 $out --set train.adam_iters=400 --resume || { echo "FAIL: resume after SIG$sig"; fail=1; }
  [ -e full.h5 ] || run 2 full.h5 --set train.adam_iters=400 || { echo "FAIL: full run"; fail=1; }
  same full.h5 $out
done

# a resume with an edited configuration is refused, and changes nothing
cp ref.h5 ref_copy.h5
run 1 ref.h5 --resume --set train.cycles=4 2> err.txt
[ $? = 2 ] && grep -q "different configuration" err.txt || { echo "FAIL: edited resume not refused"; cat err.txt; fail=1; }
cmp -s ref.h5 ref_copy.h5 || { echo "FAIL: the refused resume changed the file"; fail=1; }
# a resume of a complete file runs nothing and keeps it
run 2 ref.h5 --resume || { echo "FAIL: resume of a complete sweep"; fail=1; }
same ref.h5 ref_copy.h5

# a task forced to diverge is recorded failed; the others complete; exit code 1
PF_FAULT_NAN_TASK=5 run 2 fault.h5
code=$?
[ $code = 1 ] || { echo "FAIL: fault run exited $code, want 1"; fail=1; }
"$exe" status fault.h5 > st.txt
grep -q "^failed: task 5 " st.txt && grep -Eq "^all +15 +0 +1 +0 +16" st.txt || { echo "FAIL: fault status"; cat st.txt; fail=1; }

[ $fail = 0 ] && echo "test_sweep_mpi: ok"
exit $fail
