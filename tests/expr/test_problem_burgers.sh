#!/usr/bin/env bash
# Acceptance of a problem written in the configuration: configs/problems/burgers.cfg on the
# settings of tests/sweep/tiny.cfg (4 methods x 2 seeds) against the built-in burgers: every
# per-cycle metric (train loss, L2 relative error, test loss) within 1e-10 relative; report and
# predict work from the results file alone, and predict gives the built-in's outputs.
# Usage: test_problem_burgers.sh PINNFLUENCE SOURCE_DIR
set -u
exe="$1"
src="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
grep -v '^pde' "$src/tests/sweep/tiny.cfg" > settings.cfg
{ echo 'pde = "burgers";'; cat settings.cfg; } > builtin.cfg
{ sed -n '/^problem = {/,/^};/p' "$src/configs/problems/burgers.cfg"; cat settings.cfg; } > defined.cfg
"$exe" run builtin.cfg -o builtin.h5 > /dev/null 2> b.err || { echo "FAIL: built-in run"; cat b.err; exit 1; }
"$exe" run defined.cfg -o defined.h5 > /dev/null 2> d.err || { echo "FAIL: defined run"; cat d.err; exit 1; }
h5dump -d /metrics -m %.17g builtin.h5 | grep '^ *(' > b.txt
h5dump -d /metrics -m %.17g defined.h5 | grep '^ *(' > d.txt
if [ "$(wc -l < b.txt)" != "$(wc -l < d.txt)" ] || [ "$(wc -l < b.txt)" -lt 40 ]; then
  echo "FAIL: metrics differ in shape"; fail=1
fi
worst=$(paste b.txt d.txt | tr -d ',' | awk '{ a = $2; b = $4; d = a - b; if (d < 0) d = -d;
  s = a < 0 ? -a : a; if (s < 1e-300) s = 1e-300; r = d / s; if (r > w) w = r } END { printf "%.3g", w + 0 }')
echo "worst relative difference of the per-cycle metrics: $worst"
awk -v w="$worst" 'BEGIN { exit !(w <= 1e-10) }' || { echo "FAIL: $worst > 1e-10"; fail=1; }
# the results file describes the problem: report and predict need nothing else
"$exe" report defined.h5 --format csv > rep.csv 2> rep.err || { echo "FAIL: report"; cat rep.err; fail=1; }
grep -q '^burgers_cfg,pinnfluence,add,2,' rep.csv || { echo "FAIL: report lacks burgers_cfg"; cat rep.csv; fail=1; }
strings defined.h5 | grep -q 'residuals = \["u_t + u\*u_x - nu\*u_xx"\]' ||
  { echo "FAIL: the task's stored configuration lacks the residual"; fail=1; }
printf '0.5 0.5\n-0.25 0.9\n0 0.1\n' > pts
for t in 0 5; do
  "$exe" predict builtin.h5 --task $t < pts | tail -n +2 > pb 2> p.err
  "$exe" predict defined.h5 --task $t < pts > pd 2>> p.err || { echo "FAIL: predict"; cat p.err; fail=1; }
  head -1 pd | grep -q '^# x t u r' || { echo "FAIL: predict header"; cat pd; fail=1; }
  tail -n +2 pd | cmp -s - pb || { echo "FAIL: predict task $t differs"; cat pb pd; fail=1; }
done
exit $fail
