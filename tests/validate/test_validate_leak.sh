#!/usr/bin/env bash
# LeakSanitizer and UBSan on validate's failure paths (sanitizer build only): a task whose
# training diverges, a retraining unit and a state interrupted by SIGTERM (1 and 2 ranks), their
# resumes, and a refused configuration; no report may appear.
# Usage: test_validate_leak.sh PINNFLUENCE MPIEXEC CONFIG SUPPRESSIONS
set -u
exe="$1"; mpiexec="$2"; cfg="$3"; supp="$4"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 PF_LOG_LEVEL=warn
export LSAN_OPTIONS="suppressions=$supp:fast_unwind_on_malloc=0"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { # check NAME WANT_RC RC: the exit code and no sanitizer report in NAME.err
  [ "$3" = "$2" ] || { echo "FAIL: $1: exit $3, want $2"; fail=1; }
  if grep -qE "ERROR: (Leak|Address)Sanitizer|runtime error" "$1.err"; then
    echo "FAIL: $1: sanitizer report"; head -40 "$1.err"; fail=1
  fi
}
PF_FAULT_NAN_TASK=0 "$exe" validate "$cfg" -o a.h5 > /dev/null 2> nan.err; check nan 1 $?
PF_FAULT_SIGNAL=1:3:4:TERM "$exe" validate "$cfg" -o b.h5 > /dev/null 2> unit.err; check unit 4 $?
"$exe" validate "$cfg" -o b.h5 --resume > /dev/null 2> resume.err; check resume 0 $?
PF_FAULT_SIGNAL=0:1:10:TERM "$exe" validate "$cfg" -o c.h5 > /dev/null 2> state.err; check state 4 $?
"$exe" validate "$cfg" -o d.h5 --set validate.group_size=900 > /dev/null 2> refused.err
check refused 2 $?
PF_FAULT_SIGNAL=1:2:4:TERM "$mpiexec" -np 2 "$exe" validate "$cfg" -o e.h5 > /dev/null 2> mpi.err
check mpi 4 $?
"$mpiexec" -np 2 "$exe" validate "$cfg" -o e.h5 --resume > /dev/null 2> mpiresume.err
check mpiresume 0 $?
[ $fail = 0 ] && echo "test_validate_leak: ok"
exit $fail
