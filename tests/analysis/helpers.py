"""Helpers of the analysis tests: edit results files as the documented layout allows, and read
values straight from it with h5py (independently of the package under test)."""

import os
import subprocess

import h5py
import numpy as np


# The brief's tiny sweep: 2 problems x 3 methods x 3 seeds, add mode, well under a minute.
TINY_CFG = """\
pde = ["diffusion", "burgers"];
seed = [1, 2, 3];
network = { hidden = [8, 8]; };
holdout = { points = 300; };
train = { cycles = 2; adam_iters = 50; lbfgs_iters = 10; };
sample = { method = ["static", "rar", "random"]; pool = 300; };
run = { store_pool_scores = true; };
"""
TINY_PDES = ("diffusion", "burgers")
TINY_METHODS = ("static", "rar", "random")
TINY_SEEDS = (1, 2, 3)


def program_env():
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OPENBLAS_NUM_THREADS="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return env


def run_sweep(exe, directory, cfg_text, name):
    """Run `exe run` on cfg_text in directory; returns the results file's path."""
    cfg = os.path.join(str(directory), f"{name}.cfg")
    out = os.path.join(str(directory), f"{name}.h5")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    res = subprocess.run([exe, "run", cfg, "-o", out, "--overwrite"], capture_output=True,
                         text=True, env=program_env(), timeout=240)
    assert res.returncode == 0, f"pinnfluence run failed ({res.returncode}):\n{res.stderr[-3000:]}"
    return out


def set_status(path, index, status, reason=""):
    """Mark task `index` of a results file with a status (2 done, 3 failed, 0 pending)."""
    with h5py.File(path, "r+") as f:
        f["/tasks/status"][index] = status
        text = np.zeros(f["/tasks/reason"].shape[1], dtype=np.int8)
        raw = np.frombuffer(reason.encode(), dtype=np.int8)
        text[:raw.size] = raw
        f["/tasks/reason"][index] = text


def inject_pools(path, n_pool=200, n_z=50, methods=("rar", "random")):
    """Give the tasks of `methods` a synthetic stored pool and Z, as the layout documents them
    (rows of /pool/points, /pool/scores and /pool/z addressed by /tasks/pool_* and /tasks/z_*).
    Returns {task index: (points, scores, z)}."""
    rng = np.random.default_rng(7)
    out = {}
    with h5py.File(path, "r+") as f:
        methods_of = [bytes(m.astype(np.uint8)).rstrip(b"\0").decode() for m in f["/tasks/method"]]
        chosen = [i for i, m in enumerate(methods_of) if m in methods]
        pts, scores, zs = [], [], []
        for k, i in enumerate(chosen):
            p = np.column_stack([rng.uniform(-1, 1, n_pool), rng.uniform(0, 1, n_pool)])
            s = np.exp(-p[:, 0] ** 2 / 0.01) + 1e-4 * rng.uniform(1, 2, n_pool)
            z = np.column_stack([rng.uniform(-1, 1, n_z), rng.uniform(0, 1, n_z)])
            f["/tasks/pool_offset"][i] = k * n_pool
            f["/tasks/pool_count"][i] = n_pool
            f["/tasks/z_offset"][i] = k * n_z
            f["/tasks/z_count"][i] = n_z
            pts.append(p)
            scores.append(s)
            zs.append(z)
            out[i] = (p, s, z)
        for name in ("points", "scores", "z"):
            del f["/pool/" + name]
        f["/pool/points"] = np.concatenate(pts)
        f["/pool/scores"] = np.concatenate(scores)
        f["/pool/z"] = np.concatenate(zs)
    return out


def decode(a):
    return bytes(np.asarray(a).astype(np.uint8)).rstrip(b"\0").decode()


def final_values(path, metric_column=2):
    """{(mode, method, pde): {seed: final value}} straight from /metrics, done tasks only."""
    out = {}
    with h5py.File(path, "r") as f:
        status = f["/tasks/status"][()]
        cycles = f["/tasks/cycles"][()]
        seeds = f["/tasks/seed"][()]
        metrics = f["/metrics"][()]
        for i in range(len(status)):
            if status[i] != 2:
                continue
            key = (decode(f["/tasks/mode"][i]), decode(f["/tasks/method"][i]),
                   decode(f["/tasks/pde"][i]))
            out.setdefault(key, {})[int(seeds[i])] = metrics[i, cycles[i] - 1, metric_column]
    return out
