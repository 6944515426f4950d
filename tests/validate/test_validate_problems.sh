#!/usr/bin/env bash
# validate on every built-in problem (a sweep over pde: d = 2 and heat2d's d = 3, fixed grids and
# random holdout sets): every task completes with a finite correlation for every predictor.
# Usage: test_validate_problems.sh PINNFLUENCE CONFIG
set -u
exe="$1"; cfg="$2"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export PF_LOG_LEVEL=warn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$exe" validate "$cfg" -o all.h5 > out.txt 2> err.txt || { echo "FAIL: exit $?"; cat err.txt; exit 1; }
n=$(grep -c "^## validate task" out.txt)
[ "$n" = 6 ] || { echo "FAIL: $n task tables, want 6"; cat out.txt; exit 1; }
rows=$(grep -cE "^(train|paper|score)_" out.txt)
[ "$rows" = 90 ] || { echo "FAIL: $rows predictor rows, want 90"; exit 1; }
if grep -E "^(train|paper|score)_" out.txt | grep -qi "nan"; then
  echo "FAIL: a predictor without a correlation"; grep -i nan out.txt; exit 1
fi
echo "test_validate_problems: ok"
