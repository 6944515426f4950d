#!/usr/bin/env bash
# Observations from an HDF5 file (README "Soft constraints, data and inverse problems"): Burgers'
# inverse problem (trainable nu) on a small schedule with the same 60 observations as a CSV file
# (columns t,u,x), as an HDF5 file (X (n, 2) and Y (n, 1) float64, attributes inputs and outputs)
# and as a second HDF5 file written differently (big-endian float64, fixed-length attributes, the
# name .hdf5) gives /params, /coefficients, /points/final and /metrics bit for bit; with other
# observations the coefficients differ (the data term is used). Kovasznay with observations of p
# and u (CSV columns u,y,p,x; HDF5 Y's columns "p, u") likewise. Each task's text records the
# file and data.file_hash, the XXH64 of the file's raw bytes (checked with an independent Python
# XXH64 on all three files: an HDF5 file holds NUL bytes, all of them count).
# The HDF5 run on a group of two ranks (each reads the file) gives the same bits too.
# Usage: test_observations_h5.sh PINNFLUENCE SOURCE_DIR MPIEXEC
set -u
exe="$1" src="$2" mpiexec="$3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
/usr/bin/python3 - <<'PY' || { echo "FAIL: cannot write the observation files"; exit 1; }
import h5py, numpy as np
rng = np.random.default_rng(7)
n = 60
X = np.column_stack([rng.uniform(-1, 1, n), rng.uniform(0, 1, n)])
u = -np.sin(np.pi * X[:, 0]) * np.exp(-2 * X[:, 1]) + 1e-3 * rng.standard_normal(n)
with open("obs.csv", "w") as f:
    f.write("# the same observations as obs.h5\nt,u,x\n")
    for (x, t), v in zip(X, u):
        f.write(f"{t!r},{v!r},{x!r}\n")  # repr: the shortest text that reads back exactly
with h5py.File("obs.h5", "w") as f:
    f["X"] = X
    f["X"].attrs["inputs"] = "x,t"
    f["Y"] = u[:, None]
    f["Y"].attrs["outputs"] = "u"
with h5py.File("obs_be.hdf5", "w") as f:
    f.create_dataset("X", data=X.astype(">f8"), chunks=(16, 2))
    f["X"].attrs.create("inputs", np.bytes_("x,t"))
    f.create_dataset("Y", data=u[:, None].astype(">f8"))
    f["Y"].attrs.create("outputs", np.bytes_("u"))
# Kovasznay: two of the three outputs, Y's columns in another order than the problem's (p, u)
Xk = np.column_stack([rng.uniform(-0.5, 1.0, 40), rng.uniform(-0.5, 1.5, 40)])
pk, uk = rng.standard_normal(40), rng.standard_normal(40)
with open("kov.csv", "w") as f:
    f.write("u,y,p,x\n")
    for (x, y), a, b in zip(Xk, pk, uk):
        f.write(f"{b!r},{y!r},{a!r},{x!r}\n")
with h5py.File("kov.h5", "w") as f:
    f["X"] = Xk
    f["Y"] = np.column_stack([pk, uk])
    f["Y"].attrs["outputs"] = "p, u"
with h5py.File("other.h5", "w") as f:
    f["X"] = X
    f["Y"] = (u + 0.05)[:, None]
    f["Y"].attrs["outputs"] = "u"
PY
sed 's/^data = .*/data = { file = "DATA"; weight = 100.0; };/' \
  "$src/configs/problems/burgers_inverse.cfg" > base.cfg
grep -q 'file = "DATA"' base.cfg || { echo "FAIL: no data line in burgers_inverse.cfg"; exit 1; }
S=(--set train.cycles=2 --set train.adam_iters=20 --set train.lbfgs_iters=10
   --set points.initial=200 --set sample.pool=500 --set influence.test_points=200
   --set influence.arnoldi_iters=20)
for d in obs.csv obs.h5 obs_be.hdf5 other.h5; do
  sed "s/DATA/$d/" base.cfg > "run_$d.cfg"
  "$exe" run "run_$d.cfg" -o "res_$d.h5" "${S[@]}" > "run_$d.log" 2>&1 ||
    { echo "FAIL: the run with $d"; cat "run_$d.log"; exit 1; }
done
"$mpiexec" -n 2 "$exe" run run_obs.h5.cfg -o res_group.h5 "${S[@]}" --set run.ranks_per_task=2 \
  > group.log 2>&1 || { echo "FAIL: the run on a group of two ranks"; cat group.log; exit 1; }
(cat "$src/configs/problems/kovasznay.cfg"; echo 'data = { file = "DATA"; weight = 10.0; };') > kov.cfg
K=(--set train.cycles=1 --set train.adam_iters=10 --set train.lbfgs_iters=5
   --set points.initial=100 --set sample.pool=300 --set influence.test_points=100
   --set influence.arnoldi_iters=10 --set boundary.points=16)
for d in kov.csv kov.h5; do
  sed "s/DATA/$d/" kov.cfg > "run_$d.cfg"
  "$exe" run "run_$d.cfg" -o "res_$d.h5" "${K[@]}" > "run_$d.log" 2>&1 ||
    { echo "FAIL: the run with $d"; cat "run_$d.log"; exit 1; }
done
/usr/bin/python3 - <<'PY'
import sys, h5py

M = (1 << 64) - 1
P1, P2, P3 = 11400714785074694791, 14029467366897019727, 1609587929392839161
P4, P5 = 9650029242287828579, 2870177450012600261

def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M

def rnd(acc, lane):
    return (rotl((acc + lane * P2) & M, 31) * P1) & M

def xxh64(b, seed=0):
    """XXH64 (the xxHash specification), independent of the C library pinnfluence links."""
    n, i = len(b), 0
    le = lambda j, w: int.from_bytes(b[j:j + w], "little")
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            v = [rnd(v[k], le(i + 8 * k, 8)) for k in range(4)]
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for k in range(4):
            h = (((h ^ rnd(0, v[k])) * P1) + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, le(i, 8)), 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ ((le(i, 4) * P1) & M), 23) * P2 + P3) & M
        i += 4
    while i < n:
        h = (rotl(h ^ ((b[i] * P5) & M), 11) * P1) & M
        i += 1
    h = ((h ^ (h >> 33)) * P2) & M
    h = ((h ^ (h >> 29)) * P3) & M
    return h ^ (h >> 32)

bad = 0
def fail(msg):
    global bad
    print("FAIL " + msg)
    bad = 1

if xxh64(b"") != 0xEF46DB3751D8E999 or xxh64(b"a") != 0xD24EC4F1A98C6E5B:
    fail("the Python XXH64 misses its reference values")
res = {d: h5py.File(f"res_{d}.h5", "r") for d in ("obs.csv", "obs.h5", "obs_be.hdf5", "other.h5")}
for d, f in res.items():
    text = f["tasks/config"][0].tobytes().rstrip(b"\0").decode()
    raw = open(d, "rb").read()
    want = f'file_hash = "{xxh64(raw):016x}";'
    if f'file = "{d}";' not in text or want not in text:
        fail(f"{d}: the task's text lacks {want} (XXH64 of its {len(raw)} bytes):\n{text}")
    if int(f["tasks/status"][0]) != 2:
        fail(f"{d}: the task did not finish")
a = res["obs.csv"]
for d in ("obs.h5", "obs_be.hdf5"):
    for n in ("params", "coefficients", "points/final", "metrics"):
        x, y = a[n][()], res[d][n][()]
        if x.shape != y.shape or x.tobytes() != y.tobytes():
            fail(f"{d}: {n} differs from the CSV run's")
g = h5py.File("res_group.h5", "r")
for n in ("params", "coefficients", "points/final", "metrics"):
    if a[n][()].tobytes() != g[n][()].tobytes():
        fail(f"obs.h5 on a group of two ranks: {n} differs from the one-rank CSV run's")
k, kh = h5py.File("res_kov.csv.h5", "r"), h5py.File("res_kov.h5.h5", "r")
for n in ("params", "points/final", "metrics"):
    if k[n][()].tobytes() != kh[n][()].tobytes():
        fail(f"kovasznay: {n} differs between kov.csv (columns u,y,p,x) and kov.h5 (Y: p, u)")
nu = a["coefficients"][0, -1, 0]
if a["coefficients"][()].tobytes() == res["other.h5"]["coefficients"][()].tobytes():
    fail("other observations, the same coefficients: is the data term used?")
print(f"CSV, HDF5 and big-endian HDF5 observations: identical results (nu after 2 cycles "
      f"{nu:.6g}); hashes of the raw bytes in the tasks' texts; a group of two ranks and Kovasznay (p, u) identical")
sys.exit(bad)
PY
