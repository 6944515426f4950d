"""Per-output L2 relative errors of the tasks of a Kovasznay store (README "Does influence-based
resampling help with soft constraints, data and inverse problems?"): `pinnfluence predict` of every
task on 20000 uniform points of the domain (a fixed numpy seed) against the closed form, then the
mean and standard deviation over seeds per method and mode.
Usage: /usr/bin/python3 jobs/open_question_outputs.py PINNFLUENCE STORE.h5"""
import subprocess, sys, h5py, numpy as np
exe, h5 = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(12345)
n = 20000
X = np.column_stack([rng.uniform(-0.5, 1.0, n), rng.uniform(-0.5, 1.5, n)])
Re = 20.0
lam = Re / 2 - np.sqrt(Re**2 / 4 + 4 * np.pi**2)
x, y = X[:, 0], X[:, 1]
ref = np.column_stack([1 - np.exp(lam * x) * np.cos(2 * np.pi * y),
                       lam / (2 * np.pi) * np.exp(lam * x) * np.sin(2 * np.pi * y),
                       (1 - np.exp(2 * lam * x)) / 2])
inp = "\n".join(f"{a:.17g} {b:.17g}" for a, b in X) + "\n"
with h5py.File(h5, "r") as f:
    T = f["/tasks/hash"].shape[0]
    dec = lambda a: bytes(np.asarray(a, dtype=np.uint8)).rstrip(bytes(1)).decode()
    labels = [f"{dec(m)}/{dec(mo)}/{s}" for m, mo, s in zip(f["/tasks/method"][()], f["/tasks/mode"][()], f["/tasks/seed"][()])]
rows = {}
for t in range(T):
    out = subprocess.run([exe, "predict", h5, "--task", str(t)], input=inp, capture_output=True,
                         text=True, check=True).stdout
    a = np.array([[float(v) for v in l.split()] for l in out.splitlines() if l and not l.startswith("#")])
    u = a[:, 2:5]
    e = np.sqrt(((u - ref) ** 2).sum(0)) / np.sqrt((ref**2).sum(0))
    eall = np.sqrt(((u - ref) ** 2).sum()) / np.sqrt((ref**2).sum())
    key = labels[t] if labels else str(t)
    rows[t] = (key, e, eall)
    print(t, key, " ".join(f"{v:.3e}" for v in e), f"{eall:.3e}", flush=True)

import collections
agg = collections.defaultdict(list)
for t, (key, e, eall) in rows.items():
    m, mo, sd = key.split("/")
    agg[(m, mo)].append(np.concatenate([e, [eall]]))
print("| method | mode | L2 u | L2 v | L2 p | L2 all (20000 points) |")
print("|---|---|---|---|---|---|")
for (m, mo), v in sorted(agg.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    v = np.array(v)
    print(f"| {m} | {mo} | " + " | ".join(f"{a:.2e} ± {b:.1e}" for a, b in zip(v.mean(0), v.std(0))) + " |")
