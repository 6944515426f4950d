#!/usr/bin/env bash
# Burgers' inverse problem (trainable nu, 200 noisy reference observations) on a small schedule:
# a run interrupted in cycle 3 (PF_FAULT_SIGNAL) and resumed from its checkpoint, and a run on a
# group of two ranks (pinnfluence's rounds with the data term and nu broadcast), each give the
# uninterrupted one-rank run's /params, /points/final, /metrics and /coefficients bit for bit.
# Usage: test_inverse_resume.sh PINNFLUENCE SOURCE_DIR MPIEXEC
set -u
exe="$1" src="$2" mpiexec="$3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cfg="$src/configs/problems/burgers_inverse.cfg"
S=(--set train.cycles=3 --set train.adam_iters=30 --set train.lbfgs_iters=30
   --set sample.method=pinnfluence --set points.initial=200 --set sample.pool=1000
   --set influence.test_points=300 --set influence.arnoldi_iters=30)
"$exe" run "$cfg" -o full.h5 "${S[@]}" > full.log 2>&1 || { cat full.log; exit 1; }
PF_FAULT_SIGNAL=0:3:5:TERM "$exe" run "$cfg" -o part.h5 "${S[@]}" > part.log 2>&1
"$exe" run "$cfg" -o part.h5 --resume "${S[@]}" > resume.log 2>&1 || { cat resume.log; exit 1; }
grep -q "resumed from its checkpoint after cycle 2" resume.log || { cat part.log resume.log; exit 1; }
"$mpiexec" -n 2 "$exe" run "$cfg" -o group.h5 "${S[@]}" --set run.ranks_per_task=2 > group.log 2>&1 ||
  { cat group.log; exit 1; }
/usr/bin/python3 - <<'PY'
import sys, h5py
a = h5py.File("full.h5", "r")
bad = 0
for other in ("part.h5", "group.h5"):
    b = h5py.File(other, "r")
    for n in ("params", "points/final", "metrics", "coefficients"):
        x, y = a[n][()], b[n][()]
        if x.shape != y.shape or x.tobytes() != y.tobytes():
            print(f"FAIL {other} {n} differs"); bad = 1
    nu = b["coefficients"][0, -1, 0]
    print(f"{other}: identical; nu after cycle 3 = {nu:.6g}")
sys.exit(bad)
PY
