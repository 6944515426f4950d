#!/usr/bin/env bash
# Command-line behaviour: exit codes and messages for bad usage and bad configurations (2, with
# the file, line and key named, and no output file written), --help, --version, predict errors,
# and a tiny run whose predict output is well-formed. Usage: test_cli.sh PINNFLUENCE
set -u
exe="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect CODE PATTERN -- command...
  local code="$1" pat="$2"
  shift 3
  "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  if [ "$got" != "$code" ]; then
    echo "FAIL: '$*' exited $got, want $code"; cat "$tmp/err"; fail=1
  elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err" "$tmp/out"; then
    echo "FAIL: '$*': output lacks '$pat'"; cat "$tmp/err"; fail=1
  fi
}
cd "$tmp"
expect 0 "usage" -- "$exe" --help
for cmd in "pinnfluence run CONFIG" "run --help-config" "pinnfluence status" "pinnfluence report" "pinnfluence predict" "bench --round" "4 interrupted"; do
  expect 0 "$cmd" -- "$exe" --help
done
expect 0 "pinnfluence" -- "$exe" --version
expect 2 "usage" -- "$exe"
expect 2 "unknown command" -- "$exe" frobnicate
expect 2 "no configuration file" -- "$exe" run
expect 0 "sample.method" -- "$exe" run --help-config

printf 'pde = "burgers";\nsample = { mode = "ad"; };\n' > bad_mode.cfg
expect 2 'bad_mode.cfg:2: sample.mode' -- "$exe" run bad_mode.cfg -o bad.h5
printf 'pde = "burgers";\ntrain = { adam_iter = 5; };\n' > typo.cfg
expect 2 'typo.cfg:2: train.adam_iter' -- "$exe" run typo.cfg -o bad.h5
printf 'pde = "burgers";\nseed = 1.5;\n' > wrong_type.cfg
expect 2 'wrong_type.cfg:2: seed' -- "$exe" run wrong_type.cfg -o bad.h5
printf 'pde = "burgers";\nseed = ;\n' > syntax.cfg
expect 2 'syntax.cfg:2' -- "$exe" run syntax.cfg -o bad.h5
expect 2 'no_such.cfg' -- "$exe" run no_such.cfg -o bad.h5
printf 'pde = "diffusion";\n' > ok.cfg
expect 2 'train.cycles' -- "$exe" run ok.cfg -o bad.h5 --set train.cycles=-3
expect 2 'no.such' -- "$exe" run ok.cfg -o bad.h5 --set no.such=1
# faults of the user refused up front (exit 2, nothing written): memory, wrapped integers, -o '',
# @include of a directory, duplicate keys, an empty file
printf 'pde = "burgers";\nnetwork = { hidden = [64, 64, 64]; };\ninfluence = { rank = 100000; };\n' > mem.cfg
PF_MEMORY_LIMIT_BYTES=4000000000 expect 2 'mem.cfg: task 0 (network 2-64-64-64-1, P = 8577): needs about 6.7 GiB per rank, 6.4 GiB of it for the influence factor' -- "$exe" run mem.cfg -o bad.h5
PF_MEMORY_LIMIT_BYTES=4000000000 expect 2 'more than the 3.7 GiB available per rank (PF_MEMORY_LIMIT_BYTES)' -- "$exe" run mem.cfg -o bad.h5
PF_MEMORY_LIMIT_BYTES=4GB expect 2 'PF_MEMORY_LIMIT_BYTES must be a positive number of bytes per rank' -- "$exe" run mem.cfg -o bad.h5
w=4096; printf 'network = { hidden = [%s]; };\ninfluence = { rank = 100000; };\n' "$w$(printf ", $w%.0s" $(seq 15))" > huge.cfg
expect 2 'needs about 184 TiB per rank, 183 TiB of it for the influence factor' -- "$exe" run huge.cfg -o bad.h5
expect 2 'seed: 4294967297 does not fit in the 32-bit integers libconfig reads (it would silently become 1)' -- "$exe" run ok.cfg -o bad.h5 --set seed=4294967297
expect 2 '-o needs a file name' -- "$exe" run ok.cfg -o ''
mkdir -p incdir
printf 'pde = "burgers";\n@include "incdir"\n' > inc.cfg
expect 2 'inc.cfg:2: @include "incdir": cannot read it: Is a directory' -- "$exe" run inc.cfg -o bad.h5
printf 'pde = "burgers";\ntrain = {\n  cycles = 3;\n  cycles = 4;\n};\n' > dup.cfg
expect 2 'dup.cfg:4: train.cycles: duplicate key (first set at line 3)' -- "$exe" run dup.cfg -o bad.h5
printf '# nothing but a comment\n' > empty.cfg
expect 2 'empty.cfg: the configuration sets no keys' -- "$exe" run empty.cfg -o bad.h5
if [ -e bad.h5 ]; then echo "FAIL: a rejected configuration left bad.h5 behind"; fail=1; fi

# a tiny run, then predict on it; an existing output file is refused without --overwrite
printf 'pde = "diffusion";\nnetwork = { hidden = [8, 8]; };\ntrain = { cycles = 1; adam_iters = 20; lbfgs_iters = 5; };\nsample = { method = "rar"; pool = 200; };\nholdout = { points = 100; };\n' > tiny.cfg
expect 0 "" -- "$exe" run tiny.cfg -o tiny.h5
expect 2 "exists" -- "$exe" run tiny.cfg -o tiny.h5
expect 0 "" -- "$exe" run tiny.cfg -o tiny.h5 --overwrite
printf '0.5 0.25\n# comment\n\n-0.5 1\n' > pts.txt
"$exe" predict tiny.h5 < pts.txt > pred.txt 2> "$tmp/err" || { echo "FAIL: predict"; cat "$tmp/err"; fail=1; }
# a header naming the columns, then x t u r per point
if [ "$(head -n 1 pred.txt)" != "# x t u r" ] || [ "$(wc -l < pred.txt)" != 3 ] ||
   [ "$(tail -n +2 pred.txt | awk '{print NF}' | sort -u)" != 4 ]; then
  echo "FAIL: predict output:"; cat pred.txt; fail=1
fi
expect 0 "rar" -- "$exe" status tiny.h5
expect 0 "| rar |" -- "$exe" report tiny.h5
expect 0 "pde,method,mode,seeds" -- "$exe" report tiny.h5 --format csv
expect 0 "begin{tabular}" -- "$exe" report tiny.h5 --format latex
expect 2 "markdown, latex or csv" -- "$exe" report tiny.h5 --format html
expect 3 "" -- "$exe" status no_such.h5
printf '0.5 oops\n' > badpts.txt
expect 2 "line 1: expected 2 numbers 'x t'" -- "$exe" predict tiny.h5 --task 0 < badpts.txt
expect 2 "out of range" -- "$exe" predict tiny.h5 --task 3 < pts.txt
expect 3 "" -- "$exe" predict no_such.h5 < pts.txt
# a problem in (x, y, t): predict reads three columns and names them
printf 'pde = "heat2d";\nnetwork = { hidden = [6, 6]; };\npoints = { initial = 20; };\ntrain = { cycles = 1; adam_iters = 10; lbfgs_iters = 5; };\nsample = { method = "rar"; pool = 100; };\nholdout = { points = 100; };\n' > heat.cfg
expect 0 "" -- "$exe" run heat.cfg -o heat.h5
printf '0.5 0.5 0.25\n0 1 1\n' > pts3.txt
"$exe" predict heat.h5 < pts3.txt > pred3.txt 2> "$tmp/err" || { echo "FAIL: predict heat2d"; cat "$tmp/err"; fail=1; }
if [ "$(head -n 1 pred3.txt)" != "# x y t u r" ] || [ "$(wc -l < pred3.txt)" != 3 ] ||
   [ "$(tail -n +2 pred3.txt | awk '{print NF}' | sort -u)" != 5 ]; then
  echo "FAIL: predict heat2d output:"; cat pred3.txt; fail=1
fi
expect 2 "line 1: expected 3 numbers 'x y t'" -- "$exe" predict heat.h5 < pts.txt
expect 0 "| heat2d |" -- "$exe" report heat.h5
[ $fail = 0 ] && echo "test_cli: ok"
exit $fail
