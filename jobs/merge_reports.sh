#!/bin/bash
# jobs/merge_reports.sh: one CSV from the results files of a sharded sweep (jobs/sweep_array.sbatch,
# jobs/paper.sbatch), since a merged HDF5 file is not produced (yet).
#
# Usage:
#   jobs/merge_reports.sh [--pool] [--exe PINNFLUENCE] FILE.h5... > merged.csv
#
# Default: the `pinnfluence report FILE --format csv` tables of the files, concatenated under one
# header, each row prefixed with its file (column `file`):
#   file,pde,method,mode,seeds,l2_mean,l2_std,test_loss_mean,test_loss_std
# --pool: one row per pde x method x mode over all files, in the report's own columns, the means
# and (population) standard deviations pooled exactly from the per-file rows:
#   N = sum n_i,  mean = sum n_i m_i / N,  var = sum n_i (s_i^2 + (m_i - mean)^2) / N,
# i.e. the statistics of all seeds together (as one report of one file would give, to the 7
# significant digits the CSV carries). Use it when the elements split the seeds.
# Exit code: 0, or 2 (usage), 3 (a report failed or the files' CSV headers differ).
set -u
me=merge_reports.sh
pool=0
exe=${PF_EXE:-}
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pool) pool=1 ;;
    --exe)
      [ $# -ge 2 ] || { echo "$me: --exe needs a path" >&2; exit 2; }
      exe=$2
      shift ;;
    -h | --help)
      sed -n '/^# Usage:/,/^# Exit code/p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    -*) echo "$me: unknown option '$1'" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
[ ${#files[@]} -gt 0 ] || { echo "usage: $me [--pool] [--exe PINNFLUENCE] FILE.h5... > merged.csv" >&2; exit 2; }
if [ -z "$exe" ]; then
  if command -v pinnfluence > /dev/null; then
    exe=pinnfluence
  else
    exe=$(cd "$(dirname "$0")/.." && pwd)/build/pinnfluence
  fi
fi

tmp=$(mktemp -d) || exit 3
trap 'rm -rf "$tmp"' EXIT
header=
for f in "${files[@]}"; do
  if ! "$exe" report "$f" --format csv > "$tmp/one.csv" 2> "$tmp/err"; then
    echo "$me: 'pinnfluence report $f --format csv' failed:" >&2
    cat "$tmp/err" >&2
    exit 3
  fi
  h=$(head -n 1 "$tmp/one.csv")
  if [ -z "$header" ]; then
    header=$h
  elif [ "$h" != "$header" ]; then
    echo "$me: $f: CSV header '$h' differs from '$header'" >&2
    exit 3
  fi
  tail -n +2 "$tmp/one.csv" | awk -v f="$f" 'NF { print f "," $0 }' >> "$tmp/all.csv"
done
touch "$tmp/all.csv"

if [ $pool = 0 ]; then
  echo "file,$header"
  cat "$tmp/all.csv"
  exit 0
fi

# pooled statistics; the columns are found by name in the report's header
echo "pde,method,mode,seeds,l2_mean,l2_std,test_loss_mean,test_loss_std"
awk -F, -v header="$header" '
function num(x) { return x + 0 }
BEGIN {
  nh = split(header, h, ",")
  for (i = 1; i <= nh; i++) col[h[i]] = i + 1  # +1: the file column in front
  split("pde method mode seeds l2_mean l2_std test_loss_mean test_loss_std", req, " ")
  for (i in req) if (!(req[i] in col)) { print "merge_reports.sh: no column " req[i] > "/dev/stderr"; bad = 1; exit 3 }
}
{
  key = $col["pde"] "," $col["method"] "," $col["mode"]
  n = num($col["seeds"])
  if (n <= 0) next
  if (!(key in N)) { order[++nk] = key; N[key] = 0 }
  r = ++nr[key]
  cnt[key, r] = n
  m1[key, r] = $col["l2_mean"]; s1[key, r] = $col["l2_std"]
  m2[key, r] = $col["test_loss_mean"]; s2[key, r] = $col["test_loss_std"]
  N[key] += n
}
function pooled(key, which,   r, sum, mean, var, m, s) {
  sum = 0
  for (r = 1; r <= nr[key]; r++) sum += cnt[key, r] * (which == 1 ? m1[key, r] : m2[key, r])
  mean = sum / N[key]
  var = 0
  for (r = 1; r <= nr[key]; r++) {
    m = (which == 1 ? m1[key, r] : m2[key, r]); s = (which == 1 ? s1[key, r] : s2[key, r])
    var += cnt[key, r] * (s * s + (m - mean) * (m - mean))
  }
  return sprintf("%.6e,%.6e", mean, sqrt(var / N[key]))
}
END {
  if (bad) exit 3
  for (i = 1; i <= nk; i++) {
    key = order[i]
    print key "," N[key] "," pooled(key, 1) "," pooled(key, 2)
  }
}' "$tmp/all.csv"
