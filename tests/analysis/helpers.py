"""Helpers of the analysis tests: write synthetic results files and edit real ones as the
documented layout allows (include/pinnfluence/store.h, format_version 3), and read values straight
from them with h5py (independently of the package under test)."""

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
    (rows of /pool/points, /pool/scores and /pool/z addressed by /tasks/pool_* and /tasks/z_*;
    rows of D columns, those past the task's (x, t) NaN). Returns {task index: (points, scores,
    z)}."""
    rng = np.random.default_rng(7)
    out = {}
    with h5py.File(path, "r+") as f:
        width = f["/points/final"].shape[1]

        def rows(a):
            return np.column_stack([a, np.full((len(a), width - a.shape[1]), np.nan)])
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
        f["/pool/points"] = rows(np.concatenate(pts))
        f["/pool/scores"] = np.concatenate(scores)
        f["/pool/z"] = rows(np.concatenate(zs))
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


# ---------------------------------------------------------------- synthetic results files

def text_row(text, width):
    """A NUL-padded int8 row of `width` bytes holding text."""
    raw = np.frombuffer(text.encode(), dtype=np.int8)
    assert raw.size < width, f"{text!r} does not fit {width} bytes"
    row = np.zeros(width, dtype=np.int8)
    row[:raw.size] = raw
    return row


def text_rows(texts, width):
    return np.stack([text_row(t, width) for t in texts]) if texts else \
        np.zeros((0, width), np.int8)


def param_count(layers):
    return sum(o * (i + 1) for i, o in zip(layers[:-1], layers[1:]))


def canonical(pde, seed, method, mode, coefficients=None):
    """A task's canonical configuration text, in the program's style (only the parts the
    analysis reads: pde, seed, the coefficients group, method and mode)."""
    coef = ""
    if coefficients:
        coef = "coefficients = {\n" + "".join(f"  {k} = {v!r};\n"
                                              for k, v in coefficients.items()) + "};\n"
    return (f'pde = "{pde}";\nseed = {seed};\n{coef}network = {{\n  hidden = [4];\n}};\n'
            f'sample = {{\n  method = "{method}";\n  mode = "{mode}";\n}};\n')


def synthetic_task(pde, method, seed, *, dim, inputs, outputs=("u",), components=("r",),
                   domain=None, layers=None, params=None, mode="add", cycles=2, initial=40,
                   per_cycle=5, pool=0, z=0, errors=None, status=2, coefficients=None,
                   rng=None):
    """One task for write_store: random points in the domain, a random network (or params),
    metrics with the given final L2 errors per cycle (default decreasing, seed-dependent)."""
    rng = rng if rng is not None else np.random.default_rng(seed)
    domain = domain or [(0.0, 1.0)] * dim
    lo, hi = np.array(domain, float).T
    layers = tuple(layers or (dim, 6, 6, len(outputs)))
    if params is None:
        params = rng.normal(scale=0.5, size=param_count(layers))

    def points(n):
        return lo + (hi - lo) * rng.uniform(size=(n, dim))
    drawn = points(cycles * per_cycle).reshape(cycles, per_cycle, dim)
    final = np.concatenate([points(initial)] + [drawn[c] for c in range(cycles)]) \
        if mode == "add" else np.concatenate([points(initial - per_cycle), drawn[-1]])
    if errors is None:
        errors = [0.1 * (1 + 0.1 * seed) / (c + 1) for c in range(cycles)]
    metrics = np.column_stack([
        np.arange(1, cycles + 1), 100.0 * np.arange(1, cycles + 1), errors,
        0.5 * np.asarray(errors), 0.25 * np.asarray(errors),
        initial + per_cycle * np.arange(1, cycles + 1) * (mode == "add")])
    task = dict(pde=pde, method=method, mode=mode, seed=seed, status=status, cycles=cycles,
                layers=layers, params=np.asarray(params, float), final=final,
                drawn=drawn if method != "static" else np.zeros((cycles, 0, dim)),
                metrics=metrics, dim=dim, inputs=tuple(inputs), outputs=tuple(outputs),
                components=tuple(components),
                config=canonical(pde, seed, method, mode, coefficients))
    if pool:
        task["pool"] = (points(pool), rng.uniform(size=pool))
        task["pool_params"] = task["params"] + 0.01
        task["z"] = points(z) if z else None
    return task


def write_store(path, tasks, version=3):
    """A results file of the documented layout (format_version 3; 2: the (x, t)-only layout,
    without /tasks/dim, inputs, outputs, components; 4: as 3; 5: with the coefficient datasets,
    from each task's optional "coef" dict: names, trainable, true and, for a task that trains
    some, trajectory (cycles, len(names))) holding `tasks` (dicts of synthetic_task)."""
    T = len(tasks)
    D = max(t["dim"] for t in tasks) if version >= 3 else 2
    max_cycles = max(t["cycles"] for t in tasks)

    def pad(a):  # rows of D columns, NaN past the task's dim
        a = np.asarray(a, float)
        return np.column_stack([a, np.full((len(a), D - a.shape[1]), np.nan)])

    def rows(arrays):  # the tasks' rows of D columns, one after another
        arrays = [pad(a) for a in arrays]
        return np.concatenate(arrays) if arrays else np.zeros((0, D))

    def offsets(counts):
        return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.uint64) if T else \
            np.zeros(0, np.uint64)
    pcount = [t["params"].size for t in tasks]
    fcount = [len(t["final"]) for t in tasks]
    per = [t["drawn"].shape[1] for t in tasks]
    dcount = [t["cycles"] * p for t, p in zip(tasks, per)]
    pool_n = [len(t["pool"][0]) if t.get("pool") else 0 for t in tasks]
    z_n = [len(t["z"]) if t.get("z") is not None else 0 for t in tasks]
    metrics = np.full((T, max_cycles, 6), np.nan)
    timing = np.full((T, max_cycles, 2), np.nan)
    for i, t in enumerate(tasks):
        metrics[i, :t["cycles"]] = t["metrics"]
        timing[i, :t["cycles"]] = 0.01
    width = max(len(t["config"]) for t in tasks) + 1
    with h5py.File(path, "w") as f:
        for k, v in dict(format=b"pinnfluence-results", program_version=b"0.2.0",
                         git_commit=b"synthetic", created=b"2026-01-01T00:00:00Z").items():
            f.attrs[k] = v
        f.attrs["format_version"] = np.int32(version)
        f.attrs["ranks"] = np.int32(1)
        f["/sweep/config"] = text_row("# synthetic\n", 32)
        f["/sweep/canonical"] = text_row("# synthetic\n", 32)
        f["/tasks/config"] = text_rows([t["config"] for t in tasks], width)
        f["/tasks/hash"] = np.arange(T, dtype=np.uint64)
        for k in ("pde", "method", "mode"):
            f["/tasks/" + k] = text_rows([t[k] for t in tasks], 32)
        f["/tasks/seed"] = np.array([t["seed"] for t in tasks], np.int64)
        f["/tasks/cycles"] = np.array([t["cycles"] for t in tasks], np.int32)
        f["/tasks/status"] = np.array([t["status"] for t in tasks], np.int32)
        f["/tasks/reason"] = text_rows(["" for t in tasks], 256)
        layers = np.zeros((T, 18), np.int32)
        for i, t in enumerate(tasks):
            layers[i, :len(t["layers"])] = t["layers"]
        f["/tasks/layers"] = layers
        for name, counts in (("param", pcount), ("final", fcount), ("pool", pool_n),
                             ("z", z_n)):
            f[f"/tasks/{name}_offset"] = offsets(counts)
            f[f"/tasks/{name}_count"] = np.array(counts, np.uint64)
        f["/tasks/drawn_offset"] = offsets(dcount)
        f["/tasks/drawn_per_cycle"] = np.array(per, np.uint64)
        if version >= 3:
            f["/tasks/dim"] = np.array([t["dim"] for t in tasks], np.int32)
            for k in ("inputs", "outputs", "components"):
                f["/tasks/" + k] = text_rows([",".join(t[k]) for t in tasks], 64)
        f["/metrics"] = metrics
        f["/metrics"].attrs["columns"] = (b"cycle,iteration,l2_relative_error,test_loss,"
                                          b"train_loss,train_size")
        f["/timing/cycles"] = timing
        f["/timing/task_seconds"] = np.full(T, 0.5)
        f["/params"] = np.concatenate([t["params"] for t in tasks])
        f["/points/final"] = rows([t["final"] for t in tasks])
        f["/points/drawn"] = rows([t["drawn"].reshape(-1, t["dim"]) for t in tasks])
        names = {",".join(t["inputs"]) for t in tasks}
        if version >= 3 and len(names) == 1:
            f["/points/final"].attrs["inputs"] = names.pop().encode()
        with_pool = [t for t in tasks if t.get("pool")]
        f["/pool/params"] = (np.concatenate([t.get("pool_params", np.full(t["params"].size,
                                                                             np.nan))
                                             for t in tasks]) if with_pool else np.zeros(0))
        f["/pool/points"] = rows([t["pool"][0] for t in with_pool])
        f["/pool/scores"] = (np.concatenate([t["pool"][1] for t in with_pool]) if with_pool
                             else np.zeros(0))
        f["/pool/z"] = rows([t["z"] for t in tasks if t.get("z") is not None])
        if version >= 5:
            write_coefficients(f, tasks, max_cycles)
    return str(path)


def write_coefficients(f, tasks, max_cycles):
    """The format-5 coefficient datasets: /tasks/coef_names (T, 64) char, /tasks/trainable
    (T, NC) int8, /tasks/coef_true (T, NC) float64 (NaN past a task's count), /coefficients
    (T, C, NC) float64 (NaN where not written and for tasks that train none) and
    /checkpoint/coef (T, 2, NC)."""
    T = len(tasks)
    coefs = [t.get("coef") or dict(names=(), trainable=(), true=()) for t in tasks]
    NC = max([len(c["names"]) for c in coefs] + [0])
    trainable = np.zeros((T, NC), np.int8)
    truth = np.full((T, NC), np.nan)
    values = np.full((T, max_cycles, NC), np.nan)
    for i, (t, c) in enumerate(zip(tasks, coefs)):
        n = len(c["names"])
        trainable[i, :n] = c["trainable"]
        truth[i, :n] = c["true"]
        if any(c["trainable"]):
            values[i, :t["cycles"], :n] = c["trajectory"]
    f["/tasks/coef_names"] = text_rows([",".join(c["names"]) for c in coefs], 64)
    f["/tasks/trainable"] = trainable
    f["/tasks/coef_true"] = truth
    f["/coefficients"] = values
    f["/checkpoint/coef"] = np.full((T, 2, NC), np.nan)
