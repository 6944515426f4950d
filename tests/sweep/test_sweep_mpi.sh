#!/usr/bin/env bash
# Distributed sweeps end to end: the tiny sweep on 1, 2, 3 and 4 ranks and with ranks_per_task 2
# gives identical bits in every dataset outside /timing; a SIGUSR1 to mpiexec, a SIGTERM to every
# rank and a SIGKILL of one rank, injected in the middle of a task (PF_FAULT_SIGNAL, so the test
# does not depend on the machine's speed), each followed by --resume, give the same file as an
# uninterrupted run; a resume with an edited configuration is refused; a task forced to diverge
# is recorded failed while the others complete, a task whose linear algebra fails records the
# specific reason, and a task that runs out of memory is recorded failed. Usage: test_sweep_mpi.sh PINNFLUENCE MPIEXEC CONFIG
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

# a coefficient grid (burgers at the paper's nu and at 0.002/pi): the same bits on 1 rank, on 2,
# and in a group of 2 ranks
grid=(--set pde=burgers --set seed=1 --set 'coefficients.nu=[0.003183098861837907, 0.0006366197723675814]')
run 1 nu1.h5 "${grid[@]}" || { echo "FAIL: coefficient grid on 1 rank"; fail=1; }
run 2 nu2.h5 "${grid[@]}" || { echo "FAIL: coefficient grid on 2 ranks"; fail=1; }
run 2 nu2g.h5 "${grid[@]}" --set run.ranks_per_task=2 || { echo "FAIL: coefficient grid in a group of 2"; fail=1; }
same nu1.h5 nu2.h5
same nu1.h5 nu2g.h5
"$exe" report nu1.h5 | grep -q "burgers nu=0.00063662" || { echo "FAIL: the report has no column for nu = 0.002/pi"; fail=1; }

# interruptions, each followed by --resume: the fault hook PF_FAULT_SIGNAL makes the signal arrive
# in the middle of task 3 (burgers/pinnfluence seed 1, the first task a leader takes), at cycle 2,
# iteration 10, on a machine of any speed (the rank waits there until the stop has reached it):
#   USR1@parent  to mpiexec, which forwards it to every rank (a batch script passing on SLURM's
#                --signal=B:USR1); the same in groups of 2 ranks
#   TERM@ranks   to every rank (what SLURM sends at the time limit)
#   KILL         the rank running task 3 dies (a node failure): task 3 stays "running"
for case in USR1@parent TERM@ranks KILL USR1@parent:g2; do
  fault=${case%:g2}
  sig=${fault%@*}
  name=int_${case//[@:]/_}
  args=()
  [ "$case" != "$fault" ] && args=(--set run.ranks_per_task=2)
  PF_FAULT_SIGNAL=3:2:10:$fault run 2 $name.h5 "${args[@]}" > /dev/null 2> $name.log
  code=$?
  grep -q "fault injection: task 4/16 .*cycle 2, iteration 10" $name.log ||
    { echo "FAIL: $case: the fault did not fire"; cat $name.log; fail=1; }
  if [ $sig = KILL ]; then
    [ $code != 0 ] && [ $code != 1 ] && [ $code != 4 ] ||
      { echo "FAIL: $case: the killed run exited $code"; fail=1; }
  else
    [ $code = 4 ] || { echo "FAIL: $case: run exited $code, want 4"; cat $name.log; fail=1; }
  fi
  # tasks were still to do when the signal arrived: task 3 is not done
  read -r c_done c_running c_failed c_pending c_total <<< \
    "$("$exe" status $name.h5 2> /dev/null | awk '$1 == "all" { print $2, $3, $4, $5, $6 }')"
  s3=$(h5dump -d /tasks/status -s 3 -c 1 -y $name.h5 2> /dev/null | awk '/DATA \{/ { f = 1; next } f && /\}/ { exit } f { print $1 }')
  if [ "${c_total:-0}" != 16 ] || [ "$c_done" -ge 16 ] || [ "$c_failed" != 0 ]; then
    echo "FAIL: $case: status after the signal: done $c_done running $c_running failed $c_failed pending $c_pending total $c_total"
    fail=1
  elif [ $sig = KILL ] && [ "$s3" != 1 ]; then
    echo "FAIL: $case: task 3 has status '$s3' after the kill, want 1 (running)"; fail=1
  elif [ $sig != KILL ] && { [ "$s3" != 0 ] || [ "$c_running" != 0 ]; }; then
    echo "FAIL: $case: task 3 has status '$s3', $c_running running, want task 3 pending, none running"; fail=1
  fi
  run 2 $name.h5 "${args[@]}" --resume || { echo "FAIL: resume after $case"; fail=1; }
  same ref.h5 $name.h5
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

# a task whose linear algebra fails (no Ritz value above eig_tol) records the specific reason
run 1 eig.h5 --set influence.eig_tol=1e300 --set sample.method=pinnfluence --set seed=1 \
  --set pde=burgers 2> /dev/null
code=$?
"$exe" status eig.h5 > st_eig.txt 2>&1
[ $code = 1 ] && grep -q "^failed: task 0 .*no damped Ritz value exceeds eig_tol" st_eig.txt ||
  { echo "FAIL: eig_tol failure: exit $code, status:"; cat st_eig.txt; fail=1; }

# a task that runs out of memory (an address-space limit below what its holdout set needs; the
# up-front estimate is told the machine is larger) is recorded failed, the next one completes
(
  ulimit -v 1500000
  PF_MEMORY_LIMIT_BYTES=1000000000000 "$exe" run "$cfg" -o oom.h5 --set seed=1 --set pde=diffusion \
    --set sample.method=rar --set 'holdout.points=[20000000, 400]' 2> oom.log
)
code=$?
"$exe" status oom.h5 > st_oom.txt 2>&1
[ $code = 1 ] && grep -q "^failed: task 0 .*out of memory: cannot allocate" st_oom.txt &&
  grep -Eq "^all +1 +0 +1 +0 +2" st_oom.txt ||
  { echo "FAIL: out-of-memory task: exit $code, status:"; cat st_oom.txt; tail -5 oom.log; fail=1; }

[ $fail = 0 ] && echo "test_sweep_mpi: ok"
exit $fail
