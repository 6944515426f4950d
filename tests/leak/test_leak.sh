#!/usr/bin/env bash
# Failed, interrupted and refused work frees what it took: runs the sanitizer build of pinnfluence
# (LeakSanitizer reports every leak at exit) on
#   - a sweep whose tasks fail: one diverges (PF_FAULT_NAN_TASK), the pinnfluence tasks fail in
#     their linear algebra (influence.eig_tol = 1e300: no Ritz value is kept), with each of the
#     three inverse-Hessian backends, on 1 rank and in a group of 2 ranks (the group scorer's
#     failure path);
#   - a sweep stopped mid-task by SIGTERM on every rank (PF_FAULT_SIGNAL), and its resume;
#   - refused work: a bad configuration, predict with a bad task and bad input, status and report
#     of a file that is not a store, bench of an unknown problem;
# and asserts the exit codes and that no leak (and no other sanitizer error) was reported.
# Usage: test_leak.sh PINNFLUENCE MPIEXEC TINY_CONFIG LSAN_SUPPRESSIONS
set -u
exe="$1"; mpiexec="$2"; cfg="$3"; supp="$4"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 PF_LOG_LEVEL=warn
# Open MPI keeps allocations until exit by design: its libraries are suppressed, our code is not
export LSAN_OPTIONS="suppressions=$supp:fast_unwind_on_malloc=0"
export ASAN_OPTIONS="detect_leaks=1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
n=0

# check NAME WANT_CODE CODE LOG: the exit code and a log free of sanitizer reports
check() {
  n=$((n + 1))
  if [ "$3" != "$2" ]; then
    echo "FAIL: $1: exit code $3, want $2"; tail -20 "$4"; fail=1
  fi
  if grep -q "LeakSanitizer\|AddressSanitizer\|runtime error:" "$4"; then
    echo "FAIL: $1: the sanitizer reported:"; grep -A25 "ERROR: \|runtime error:" "$4" | head -60; fail=1
  fi
}

fails=(--set influence.eig_tol=1e300 --set seed=1)
PF_FAULT_NAN_TASK=1 "$exe" run "$cfg" -o f1.h5 "${fails[@]}" > f1.log 2>&1
check "failing tasks, 1 rank" 1 $? f1.log
grep -q "no damped Ritz value" f1.log || { echo "FAIL: the pinnfluence tasks did not fail in Arnoldi"; fail=1; }
PF_FAULT_NAN_TASK=1 "$mpiexec" -np 2 "$exe" run "$cfg" -o f2.h5 "${fails[@]}" \
  --set run.ranks_per_task=2 > f2.log 2>&1
check "failing tasks, a group of 2 ranks" 1 $? f2.log
"$exe" status f2.h5 > st2.txt 2>&1
grep -Eq "^all +[0-9]+ +0 +[1-9]" st2.txt || { echo "FAIL: no failed task in f2.h5"; cat st2.txt; fail=1; }
# the other inverse-Hessian backends fail in their own eigen-decompositions, alone and in a group
one=(--set seed=1 --set pde=diffusion --set 'sample.method=["pinnfluence","grad_dot"]'
  --set influence.eig_tol=1e300)
for b in exact gauss_newton; do
  "$exe" run "$cfg" -o b1_$b.h5 "${one[@]}" --set influence.backend=$b > b1_$b.log 2>&1
  check "$b backend failing, 1 rank" 1 $? b1_$b.log
  "$mpiexec" -np 2 "$exe" run "$cfg" -o b2_$b.h5 "${one[@]}" --set influence.backend=$b \
    --set run.ranks_per_task=2 > b2_$b.log 2>&1
  check "$b backend failing, a group of 2 ranks" 1 $? b2_$b.log
  grep -q "$b: no damped eigenvalue exceeds eig_tol" b1_$b.log ||
    { echo "FAIL: the $b backend did not fail in its eigen-decomposition"; fail=1; }
done

PF_FAULT_SIGNAL=3:1:5:TERM@ranks "$mpiexec" -np 2 "$exe" run "$cfg" -o int.h5 > int.log 2>&1
check "interrupted sweep" 4 $? int.log
"$mpiexec" -np 2 "$exe" run "$cfg" -o int.h5 --resume > res.log 2>&1
check "resumed sweep" 0 $? res.log

printf 'pde = "burgers";\ntrain = { cycles = 0; };\n' > bad.cfg
"$exe" run bad.cfg -o bad.h5 > bad.log 2>&1
check "bad configuration" 2 $? bad.log
echo "0.1 0.2" | "$exe" predict f1.h5 --task 99 > p1.log 2>&1
check "predict, no such task" 2 $? p1.log
printf '0.1 0.2\nnot a number\n' | "$exe" predict f1.h5 --task 0 > p2.log 2>&1
check "predict, bad input" 2 $? p2.log
echo "not a store" > text.h5
"$exe" status text.h5 > s1.log 2>&1
check "status of a text file" 3 $? s1.log
"$exe" report text.h5 > r1.log 2>&1
check "report of a text file" 3 $? r1.log
"$exe" bench --pde nosuch --reps 1 --points 10 > b1.log 2>&1
check "bench of an unknown problem" 2 $? b1.log

[ $fail = 0 ] && echo "test_leak: ok ($n runs, no leak)"
exit $fail
