#!/usr/bin/env bash
# Distributed sweeps end to end: the tiny sweep on 1, 2, 3 and 4 ranks and with ranks_per_task 2
# gives identical bits in every dataset outside /timing; a SIGUSR1 to mpiexec, a SIGTERM to every
# rank, a SIGTERM to mpiexec and every rank (scancel) and a SIGKILL of one rank, injected in the
# middle of a task (PF_FAULT_SIGNAL, so the test does not depend on the machine's speed), leave the
# task interrupted (never running, but for SIGKILL), and each followed by --resume, which goes on
# from the task's last per-cycle checkpoint without redoing its cycles, give the same file as an
# uninterrupted run; run.blas_core pins the kernel, and a resume on another kernel set is refused;
# three shards (run --shard) merge into the unsharded store (pinnfluence merge); a resume with an
# edited configuration is refused; a task forced to diverge
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
holder_gone() { # holder_gone STORE: wait until the rank holding STORE's lock has exited (a rank
  # of a killed run can outlive mpiexec for a moment while it is torn down)
  local pid k
  pid=$(sed -n 's/^pid=//p' "$1.lock" 2> /dev/null)
  for ((k = 0; k < 600; k++)); do
    [ -z "$pid" ] || ! kill -0 "$pid" 2> /dev/null && return 0
    sleep 0.1
  done
}
run() { # run NP OUT [args...]
  local np="$1" out="$2"; shift 2
  "$mpiexec" -np "$np" "$exe" run "$cfg" -o "$out" "$@"
}

run 1 ref.h5 || { echo "FAIL: reference run"; exit 1; }
"$exe" status ref.h5 | grep -q "^all *16 *0 *0 *0 *0 *16" || { echo "FAIL: reference not complete"; "$exe" status ref.h5; fail=1; }
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

# interruptions, each followed by --resume (which continues the interrupted tasks from their last
# per-cycle checkpoint): the fault hook PF_FAULT_SIGNAL makes the signal arrive
# in the middle of task 3 (burgers/pinnfluence seed 1, the first task a leader takes), at cycle 2,
# iteration 10, on a machine of any speed (the rank waits there until the stop has reached it):
#   USR1@parent  to mpiexec, which forwards it to every rank (a batch script passing on SLURM's
#                --signal=B:USR1); the same in groups of 2 ranks
#   TERM@ranks   to every rank (what SLURM sends at the time limit)
#   TERM@job     to mpiexec and every rank (a plain scancel: slurmstepd signals every process of
#                the step, and mpiexec passes SIGTERM on again)
#   KILL         the rank running task 3 dies (a node failure): task 3 stays "running" in the file
# after a signal, task 3 is interrupted (status 4, `status` names the signal and the cycle) and
# no task is running
for case in USR1@parent TERM@ranks TERM@job KILL USR1@parent:g2; do
  fault=${case%:g2}
  sig=${fault%@*}
  name=int_${case//[@:]/_}
  args=()
  [ "$case" != "$fault" ] && args=(--set run.ranks_per_task=2)
  PF_FAULT_SIGNAL=3:2:10:$fault run 2 $name.h5 "${args[@]}" > /dev/null 2> $name.log
  code=$?
  [ $sig = KILL ] && holder_gone $name.h5
  grep -q "fault injection: task 4/16 .*cycle 2, iteration 10" $name.log ||
    { echo "FAIL: $case: the fault did not fire"; cat $name.log; fail=1; }
  if [ $sig = KILL ]; then
    [ $code != 0 ] && [ $code != 1 ] && [ $code != 4 ] ||
      { echo "FAIL: $case: the killed run exited $code"; fail=1; }
  elif [ $fault = TERM@job ]; then # mpiexec, signalled itself, exits with its own code
    [ $code != 0 ] || { echo "FAIL: $case: run exited 0"; fail=1; }
  else
    [ $code = 4 ] || { echo "FAIL: $case: run exited $code, want 4"; cat $name.log; fail=1; }
  fi
  # tasks were still to do when the signal arrived: task 3 is not done
  read -r c_done c_running c_failed c_pending c_interrupted c_total <<< \
    "$("$exe" status $name.h5 2> /dev/null | awk '$1 == "all" { print $2, $3, $4, $5, $6, $7 }')"
  s3=$(h5dump -d /tasks/status -s 3 -c 1 -y $name.h5 2> /dev/null | awk '/DATA \{/ { f = 1; next } f && /\}/ { exit } f { print $1 }')
  if [ "${c_total:-0}" != 16 ] || [ "$c_done" -ge 16 ] || [ "$c_failed" != 0 ]; then
    echo "FAIL: $case: status after the signal: done $c_done running $c_running failed $c_failed pending $c_pending total $c_total"
    fail=1
  elif [ $sig = KILL ] && [ "$s3" != 1 ]; then
    echo "FAIL: $case: task 3 has status '$s3' after the kill, want 1 (running)"; fail=1
  elif [ $sig != KILL ] && { [ "$s3" != 4 ] || [ "$c_running" != 0 ] || [ "$c_interrupted" -lt 1 ]; }; then
    echo "FAIL: $case: task 3 has status '$s3', $c_running running, $c_interrupted interrupted, want task 3 interrupted (4), none running"; fail=1
  elif [ $sig != KILL ] && ! "$exe" status $name.h5 | grep -q "^interrupted: task 3 (burgers pinnfluence add seed 1): interrupted by SIG$sig in cycle 2 of 3"; then
    echo "FAIL: $case: status does not say task 3 was interrupted by SIG$sig in cycle 2"; "$exe" status $name.h5; fail=1
  fi
  # the resume continues task 3 from its checkpoint after cycle 1 (run.checkpoint_every = 1):
  # the log says so, and cycle 1 is not run again
  PF_LOG_LEVEL=info run 2 $name.h5 "${args[@]}" --resume 2> $name.resume.log ||
    { echo "FAIL: resume after $case"; tail -5 $name.resume.log; fail=1; }
  grep -q "task 4/16 .*: resumed from its checkpoint after cycle 1 of 3 " $name.resume.log ||
    { echo "FAIL: $case: the resume log does not say task 3 resumed after cycle 1"; grep "task 4/16" $name.resume.log; fail=1; }
  if grep -q "task 4/16 .*: cycle 1/3 " $name.resume.log || ! grep -q "task 4/16 .*: cycle 2/3 " $name.resume.log; then
    echo "FAIL: $case: the resume redid cycle 1 of task 3 (or did not run cycle 2)"; grep "task 4/16" $name.resume.log; fail=1
  fi
  same ref.h5 $name.h5
done

# a kill at the worst instant of a checkpoint (task 3 after cycle 2: its slot written, the slot
# index not yet): the checkpoint after cycle 1 stays the valid one, and the resume goes on from it
PF_FAULT_CHECKPOINT_KILL=3:2 run 2 ckkill.h5 > /dev/null 2> ckkill.log
grep -q "killed while checkpointing task 3 after cycle 2" ckkill.log ||
  { echo "FAIL: the checkpoint kill did not fire"; tail -5 ckkill.log; fail=1; }
holder_gone ckkill.h5
PF_LOG_LEVEL=info run 2 ckkill.h5 --resume 2> ckkill.resume.log || { echo "FAIL: resume after the checkpoint kill"; fail=1; }
grep -q "task 4/16 .*: resumed from its checkpoint after cycle 1 of 3 " ckkill.resume.log ||
  { echo "FAIL: after a kill inside a checkpoint, task 3 did not resume from the previous one"; grep "task 4/16" ckkill.resume.log; fail=1; }
same ref.h5 ckkill.h5

# without checkpoints (run.checkpoint_every = 0) an interrupted task starts again from cycle 1,
# with the same result
PF_FAULT_SIGNAL=3:2:10:TERM@ranks run 2 nock.h5 --set run.checkpoint_every=0 > /dev/null 2>&1
PF_LOG_LEVEL=info run 2 nock.h5 --resume --set run.checkpoint_every=0 2> nock.log ||
  { echo "FAIL: resume without checkpoints"; fail=1; }
grep -q "task 4/16 .*: cycle 1/3 " nock.log && ! grep -q "resumed from its checkpoint" nock.log ||
  { echo "FAIL: without checkpoints task 3 did not start again from cycle 1"; fail=1; }
h5diff -q --exclude-path /timing --exclude-path /checkpoint --exclude-attribute / ref.h5 nock.h5 > /dev/null 2>&1 ||
  { echo "FAIL: the resume without checkpoints differs from the uninterrupted run"; fail=1; }

# run.blas_core pins the OpenBLAS kernel set on every rank and /tasks/blas_core records it; a
# resume on another kernel set than the file's is refused with the way to pin it, and changes
# nothing; pinned, the resume equals an uninterrupted run on that kernel set
run 2 hw_ref.h5 --set run.blas_core=Haswell || { echo "FAIL: run with run.blas_core=Haswell"; fail=1; }
cores=$(h5dump -y -d /tasks/blas_core hw_ref.h5 2> /dev/null | tr -d ' \n' | grep -o '72,97,115,119,101,108,108,0' | wc -l)
[ "$cores" = 16 ] || { echo "FAIL: /tasks/blas_core does not say Haswell for the 16 tasks ($cores)"; fail=1; }
PF_FAULT_SIGNAL=3:2:10:TERM@ranks run 2 hw.h5 --set run.blas_core=Haswell > /dev/null 2>&1
cp hw.h5 hw_copy.h5
run 2 hw.h5 --resume --set run.blas_core=Prescott 2> err.txt
code=$?
[ $code = 2 ] && grep -q "ran with the OpenBLAS kernel set Haswell, this run's is Prescott.*--set run.blas_core=Haswell" err.txt ||
  { echo "FAIL: a resume on another kernel set: exit $code, want 2 and the way to pin it"; cat err.txt; fail=1; }
cmp -s hw.h5 hw_copy.h5 || { echo "FAIL: the refused resume changed the file"; fail=1; }
run 2 hw.h5 --resume --set run.blas_core=Haswell || { echo "FAIL: resume pinned to Haswell"; fail=1; }
same hw_ref.h5 hw.h5
OPENBLAS_CORETYPE=Haswell run 1 hw.h5 --resume || { echo "FAIL: resume of a Haswell file under OPENBLAS_CORETYPE=Haswell"; fail=1; }

# three shards of the sweep (run --shard i/3, as the elements of a job array would run them, one
# of them on 2 ranks) merge into a store equal to the unsharded one, with every shard's provenance
run 1 shard0.h5 --shard 0/3 || { echo "FAIL: shard 0/3"; fail=1; }
run 2 shard1.h5 --shard 1/3 || { echo "FAIL: shard 1/3"; fail=1; }
run 1 shard2.h5 --shard 2/3 || { echo "FAIL: shard 2/3"; fail=1; }
"$exe" status shard1.h5 | grep -Eq "^all +5 +0 +0 +11 +0 +16" || { echo "FAIL: shard 1/3 does not hold tasks 1, 4, ..., 13 alone"; "$exe" status shard1.h5; fail=1; }
"$exe" merge merged.h5 shard0.h5 shard1.h5 shard2.h5 2> merge.log || { echo "FAIL: merge"; cat merge.log; fail=1; }
same ref.h5 merged.h5
h5dump -a /merged_from merged.h5 > prov.txt 2>&1
for k in 0 1 2; do
  grep -q "shard $k: shard$k.h5" prov.txt && grep -q -- "--shard $k/3" prov.txt ||
    { echo "FAIL: the merged store does not keep shard $k's provenance"; fail=1; }
done
"$exe" report merged.h5 > /dev/null || { echo "FAIL: report of the merged store"; fail=1; }
"$exe" merge merged.h5 shard0.h5 2> err.txt
[ $? = 2 ] && grep -q "exists" err.txt || { echo "FAIL: merge over an existing file"; fail=1; }
"$exe" merge other.h5 shard0.h5 nu1.h5 2> err.txt
[ $? = 2 ] && grep -q "hold different sweeps" err.txt && [ ! -e other.h5 ] ||
  { echo "FAIL: merge of shards of different sweeps not refused"; cat err.txt; fail=1; }

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
grep -q "^failed: task 5 " st.txt && grep -Eq "^all +15 +0 +1 +0 +0 +16" st.txt || { echo "FAIL: fault status"; cat st.txt; fail=1; }

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
  grep -Eq "^all +1 +0 +1 +0 +0 +2" st_oom.txt ||
  { echo "FAIL: out-of-memory task: exit $code, status:"; cat st_oom.txt; tail -5 oom.log; fail=1; }

[ $fail = 0 ] && echo "test_sweep_mpi: ok"
exit $fail
