"""Hostile and damaged results files (issue 9, item 3): a tiny real store is crafted into many
variants with h5py (wrong counts and offsets, external raw storage, soft and external links,
wrong types and shapes, huge declared sizes, bad names and statuses, ...), and `status`, `report`,
`predict` and `run --resume` run on each. Every run must end with exit code 2 or 3 and a message
on stderr: no crash, no sanitizer report, and no file touched, neither the store (a refused
resume writes nothing) nor any other file (external targets are checksummed).

Usage: /usr/bin/python3 test_hostile.py PINNFLUENCE [--keep DIR] [--only NAME,...]
(the Debian python3 that sees python3-h5py)."""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

TINY_CFG = """# 3 tasks, pool and Z stored, each task a fraction of a second
pde = "diffusion";
seed = [1, 2, 3];
network = { hidden = [6, 6]; };
points = { initial = 30; };
holdout = { points = 100; };
train = { cycles = 2; adam_iters = 10; lbfgs_iters = 5; lbfgs_step = 5; };
sample = { method = "pinnfluence"; mode = "add"; pool = 100; per_cycle = 4; };
influence = { test_points = 20; arnoldi_iters = 10; };
run = { store_pool_scores = true; };
"""
POINTS = b"0.5 0.25\n-0.5 1\n"
PENDING = 1  # the task made pending for the resume; tasks 0 and 2 stay done
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error", "Segmentation fault", "core dumped")

EXE = None
WORK = None
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(top):
    """Every file under top with its size and checksum."""
    out = {}
    for d, _, files in os.walk(top):
        for n in files:
            p = os.path.join(d, n)
            if os.path.islink(p):
                out[p] = ("link", os.readlink(p))
            else:
                out[p] = (os.path.getsize(p), md5(p))
    return out


def env():
    e = dict(os.environ)
    e.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    e.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    e.setdefault("OPENBLAS_NUM_THREADS", "1")
    return e


def run_many(cwd, jobs):
    """Run every (args, stdin) of jobs at once (they only read, or must refuse to write) and
    return their (exit code, stdout, stderr) in order. Started together because each spends most
    of its time starting MPI; nothing depends on their relative timing."""
    procs = []
    for args, stdin in jobs:
        p = subprocess.Popen([EXE] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=cwd, env=env())
        procs.append((p, stdin))
    out = []
    for p, stdin in procs:
        o, e = p.communicate(stdin, timeout=600)
        out.append((p.returncode, o, e))
    return out


def run(args, stdin=b""):
    return run_many(WORK, [(args, stdin)])[0]


# ------------------------------------------------------------------ crafting helpers

def recreate(f, path, data=None, shape=None, dtype=None, **kw):
    """Replace dataset path by a new one (same attributes) built with create_dataset(**kw)."""
    old = f[path]
    attrs = {k: old.attrs[k] for k in old.attrs}
    if data is None and shape is None:
        data = old[()]
    del f[path]
    if data is not None:
        ds = f.create_dataset(path, data=data, dtype=dtype, **kw)
    else:
        ds = f.create_dataset(path, shape=shape, dtype=dtype or old.dtype, **kw)
    for k, v in attrs.items():
        ds.attrs[k] = v
    return ds


def running_sums(counts):
    out, s = [], 0
    for c in counts:
        out.append(s)
        s += int(c)
    return np.array(out, dtype=np.uint64), s


def set_name(f, path, task, raw):
    row = np.zeros(32, dtype=np.int8)
    b = np.frombuffer(raw[:32], dtype=np.int8)
    row[:len(b)] = b
    f[path][task] = row


def set_label(f, path, task, raw):
    """Row task of a (T, 64) name list (/tasks/inputs, /tasks/outputs, /tasks/components)."""
    row = np.zeros(64, dtype=np.int8)
    b = np.frombuffer(raw[:64], dtype=np.int8)
    row[:len(b)] = b
    f[path][task] = row


def grow_rows(f, path, extra_at, n=1):
    """Insert n rows of zeros before row extra_at of a dataset (rows first)."""
    d = f[path][()]
    pad = np.zeros((n,) + d.shape[1:], dtype=d.dtype)
    recreate(f, path, data=np.concatenate([d[:extra_at], pad, d[extra_at:]]))


def layers_consistent(f, task, sizes):
    """Give task the layer sizes, with param_count and every param_offset to match; /params and
    /pool/params keep their length (so the data no longer fit)."""
    row = np.zeros(18, dtype=np.int32)
    row[:len(sizes)] = sizes
    f["tasks/layers"][task] = row
    pc = f["tasks/param_count"][()]
    pc[task] = sum((int(sizes[i]) + 1) * int(sizes[i + 1]) for i in range(len(sizes) - 1)) & (2 ** 64 - 1)
    f["tasks/param_count"][...] = pc
    f["tasks/param_offset"][...] = running_sums(pc)[0]


# ------------------------------------------------------------------ the variants

def v_index(name, delta=None, value=None, task=PENDING):
    """Set /tasks/<name>[task] to value, or add delta to it."""
    def m(f, d):
        a = f["tasks/" + name][()]
        a[task] = value if value is not None else a[task] + delta
        f["tasks/" + name][...] = a
    return m


def m_params_external(f, d):
    p = f["params"][()]
    victim = os.path.join(d, "victim.bin")
    with open(victim, "wb") as g:
        # values no run computes: a resume's write (bitwise reproducible) must show
        g.write(b"V" * 64 + np.full(p.shape, 7.0, dtype="<f8").tobytes())
    recreate(f, "params", shape=p.shape, dtype="<f8", external=[(victim, 64, p.nbytes)])


def m_params_softlink(f, d):
    f.create_dataset("elsewhere/params", data=np.full(f["params"].shape, 7.0))
    del f["params"]
    f["params"] = h5py.SoftLink("/elsewhere/params")


def m_params_extlink(f, d):
    p = f["params"][()]
    with h5py.File(os.path.join(d, "victim.h5"), "w") as g:
        g.create_dataset("params", data=np.full(p.shape, 7.0))
    del f["params"]
    f["params"] = h5py.ExternalLink("victim.h5", "/params")


def m_tasks_group_softlink(f, d):
    f.move("tasks", "tasks_real")
    f["tasks"] = h5py.SoftLink("/tasks_real")


def m_reason_passwd(f, d):
    """/tasks/reason kept in an external file that looks like /etc/passwd. A stand-in in the
    variant's directory, never the real one: an unfixed program writes into it (the resume marks
    the pending task running, writing its reason row), which the test must detect, not cause."""
    shape = f["tasks/reason"].shape
    target = os.path.join(d, "passwd")
    line = b"root:x:0:0:root:/root:/bin/bash\n"
    with open(target, "wb") as g:
        g.write(line * (int(np.prod(shape)) // len(line) + 1))
    # no data given: h5py must not write into the external file
    recreate(f, "tasks/reason", shape=shape, dtype="i1",
             external=[(target, 0, int(np.prod(shape)))])
    f["tasks/status"][2] = 3


def m_metrics_external(f, d):
    m = f["metrics"][()]
    victim = os.path.join(d, "victim_metrics.bin")
    with open(victim, "wb") as g:
        g.write(np.full(m.shape, 7.0, dtype="<f8").tobytes())
    recreate(f, "metrics", shape=m.shape, dtype="<f8", external=[(victim, 0, m.nbytes)])


def m_params_chunked(f, d):
    recreate(f, "params", data=f["params"][()], chunks=(16,))


def m_params_float32(f, d):
    recreate(f, "params", data=f["params"][()].astype(np.float32))


def m_cycles_float(f, d):
    recreate(f, "tasks/cycles", data=f["tasks/cycles"][()].astype(np.float64))


def m_status_int16(f, d):
    recreate(f, "tasks/status", data=f["tasks/status"][()].astype(np.int16))


def m_metrics_compact(f, d):
    m = f["metrics"][()]
    attrs = {k: f["metrics"].attrs[k] for k in f["metrics"].attrs}
    del f["metrics"]
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    sp = h5py.h5s.create_simple(m.shape)
    ds = h5py.h5d.create(f.id, b"metrics", h5py.h5t.IEEE_F64LE, sp, dcpl=dcpl)
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(m))
    for k, v in attrs.items():
        f["metrics"].attrs[k] = v


def m_params_huge_unallocated(f, d):
    recreate(f, "params", shape=(10 ** 10,), dtype="<f8")


def m_config_huge(f, d):
    recreate(f, "tasks/config", shape=(f["tasks/config"].shape[0], 10 ** 10), dtype="i1")


def m_status_1e8_rows(f, d):
    recreate(f, "tasks/status", shape=(10 ** 8,), dtype="<i4")


def m_seed_1e8_rows(f, d):
    recreate(f, "tasks/seed", shape=(10 ** 8,), dtype="<i8")


def m_canonical_1e10(f, d):
    recreate(f, "sweep/canonical", shape=(10 ** 10,), dtype="i1")


def m_layers_4096(f, d):
    layers_consistent(f, PENDING, [2] + [4096] * 16 + [1])


def m_layers_100000(f, d):
    layers_consistent(f, PENDING, [2] + [100000] * 16 + [1])


def m_layers_input3(f, d):
    layers_consistent(f, PENDING, [3, 6, 6, 1])


def m_layers_negative(f, d):
    layers_consistent(f, 2, [2, -6, 6, 1])


def m_layers_after_zero(f, d):
    f["tasks/layers"][2, 6] = 7


def m_layers_no_hidden(f, d):
    layers_consistent(f, 2, [2, 1])


def m_mode_unknown(f, d):
    set_name(f, "tasks/mode", 2, b"frobnicate_mode_name_of_32_chars")


def m_mode_escape(f, d):
    set_name(f, "tasks/mode", 2, b"\x1b[31madd\xff")


def m_mode_trailing_garbage(f, d):
    set_name(f, "tasks/mode", 2, b"add\x00junk")


def m_pde_unknown(f, d):
    set_name(f, "tasks/pde", 2, b"zz_problem")


def m_method_unknown(f, d):
    set_name(f, "tasks/method", 2, b"frobnicate")


def m_pde_empty(f, d):
    set_name(f, "tasks/pde", 2, b"")


def m_reason_unterminated(f, d):
    f["tasks/reason"][2] = np.full(256, ord("A"), dtype=np.int8)
    f["tasks/status"][2] = 3


def m_pool_points_3cols(f, d):
    p = f["pool/points"][()]
    recreate(f, "pool/points", data=np.concatenate([p, p[:, :1]], axis=1))


def m_metrics_2d(f, d):
    m = f["metrics"][()]
    recreate(f, "metrics", data=m.reshape(m.shape[0], -1))


def m_pool_params_short(f, d):
    recreate(f, "pool/params", data=f["pool/params"][()][:-1])


def m_timing_cycles_wrong(f, d):
    t = f["timing/cycles"][()]
    recreate(f, "timing/cycles", data=np.concatenate([t, t[:, :1]], axis=1))


def m_hash_missing(f, d):
    del f["tasks/hash"]


def m_params_is_group(f, d):
    del f["params"]
    f.create_group("params")


def m_truncated(f, d):
    pass  # done on the closed file (see POST)


def t_truncate(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as g:
        g.truncate(size * 2 // 3)


def m_pool_count_consistent(f, d):
    """pool_count + 1 for the pending task with every offset and /pool dataset grown to match:
    internally consistent, but not the layout the configuration gives (the resume must refuse:
    it would write pool_count points from a buffer of the configured size)."""
    pc = f["tasks/pool_count"][()]
    end = int(f["tasks/pool_offset"][PENDING] + pc[PENDING])
    pc[PENDING] += 1
    f["tasks/pool_count"][...] = pc
    f["tasks/pool_offset"][...] = running_sums(pc)[0]
    grow_rows(f, "pool/points", end)
    grow_rows(f, "pool/scores", end)


def m_z_count_consistent(f, d):
    zc = f["tasks/z_count"][()]
    end = int(f["tasks/z_offset"][PENDING] + zc[PENDING])
    zc[PENDING] += 1
    f["tasks/z_count"][...] = zc
    f["tasks/z_offset"][...] = running_sums(zc)[0]
    grow_rows(f, "pool/z", end)


def m_seed_changed(f, d):
    f["tasks/seed"][PENDING] = 77


def m_inputs_empty_name(f, d):
    set_label(f, "tasks/inputs", 2, b"x,,t")


def m_inputs_three(f, d):
    """Three input names for a task of dim 2 (and 2 point columns)."""
    set_label(f, "tasks/inputs", 2, b"x,y,t")


def m_outputs_two(f, d):
    """Two outputs for a network with one."""
    set_label(f, "tasks/outputs", 2, b"u,v")


def m_components_escape(f, d):
    set_label(f, "tasks/components", 2, b"\x1b[31mr")


def m_points_3cols(f, d):
    """Every point dataset one column wider while every /tasks/dim stays 2."""
    for path in ("points/final", "points/drawn", "pool/points", "pool/z"):
        p = f[path][()]
        recreate(f, path, data=np.concatenate([p, np.full((p.shape[0], 1), np.nan)], axis=1))


def m_inputs_renamed(f, d):
    """Consistent, but not the names the configuration's problem gives: a resume must refuse."""
    set_label(f, "tasks/inputs", PENDING, b"a,b")


def m_trainable_2(f, d):
    f["tasks/trainable"][2, 0] = 2


def m_trainable_past_count(f, d):
    """A trained coefficient past the task's count: NC one wider, the new column trained."""
    for path, fill in (("tasks/trainable", 0), ("tasks/coef_true", np.nan)):
        a = f[path][()]
        recreate(f, path, data=np.concatenate([a, np.full((a.shape[0], 1), fill, a.dtype)], 1))
    f["tasks/trainable"][2, -1] = 1
    for path in ("coefficients", "checkpoint/coef"):
        a = f[path][()]
        recreate(f, path, data=np.concatenate([a, np.full(a.shape[:2] + (1,), np.nan)], 2))


def m_coef_true_nan(f, d):
    f["tasks/coef_true"][2, 0] = np.nan


def m_coef_names_two(f, d):
    """Two coefficient names where the datasets have one column."""
    set_label(f, "tasks/coef_names", 2, b"a,b")


def m_coef_names_escape(f, d):
    set_label(f, "tasks/coef_names", 2, b"\x1b[31mD")


def m_coefficients_wide(f, d):
    """/coefficients one column wider than /tasks/trainable."""
    a = f["coefficients"][()]
    recreate(f, "coefficients", data=np.concatenate([a, np.full(a.shape[:2] + (1,), np.nan)], 2))


def m_coefficients_float32(f, d):
    recreate(f, "coefficients", data=f["coefficients"][()].astype(np.float32))


def m_ckpt_coef_missing(f, d):
    del f["checkpoint/coef"]


def m_trainable_consistent(f, d):
    """The pending task marked as training its coefficient, with finite checkpoint values: a
    consistent file, but not the configuration's task (a resume must refuse)."""
    f["tasks/trainable"][PENDING, 0] = 1
    f["checkpoint/coef"][PENDING, :, 0] = 1.0


# name: (mutation, post-processing of the closed file or None, who must refuse)
# refuse: "all" (all four commands exit 2 or 3) or "resume" (a consistent file the readers may
# read; only the resume must refuse, since it does not match the configuration).
VARIANTS = {
    "pool_count_plus1": (v_index("pool_count", delta=1), None, "all"),
    "z_count_plus1": (v_index("z_count", delta=1), None, "all"),
    "z_count_last_plus1": (v_index("z_count", delta=1, task=2), None, "all"),
    "z_count_2p40": (v_index("z_count", value=2 ** 40), None, "all"),
    "param_count_plus20": (v_index("param_count", delta=20), None, "all"),
    "param_count_plus1": (v_index("param_count", delta=1), None, "all"),
    "param_offset_zero": (v_index("param_offset", value=0), None, "all"),
    "param_offset_last_plus1": (v_index("param_offset", delta=1, task=2), None, "all"),
    "final_count_plus1": (v_index("final_count", delta=1), None, "all"),
    "drawn_offset_plus1": (v_index("drawn_offset", delta=1, task=2), None, "all"),
    "drawn_per_cycle_2p62": (v_index("drawn_per_cycle", value=2 ** 62), None, "all"),
    "pool_offset_2p63": (v_index("pool_offset", value=2 ** 63), None, "all"),
    "cycles_zero_done": (v_index("cycles", value=0, task=2), None, "all"),
    "cycles_negative": (v_index("cycles", value=-5, task=2), None, "all"),
    "cycles_3e8": (v_index("cycles", value=300000000, task=2), None, "all"),
    "cycles_intmax": (v_index("cycles", value=2 ** 31 - 1, task=2), None, "all"),
    "status_7": (v_index("status", value=7, task=2), None, "all"),
    "status_negative": (v_index("status", value=-1, task=0), None, "all"),
    "params_external": (m_params_external, None, "all"),
    "params_softlink": (m_params_softlink, None, "all"),
    "params_extlink": (m_params_extlink, None, "all"),
    "tasks_group_softlink": (m_tasks_group_softlink, None, "all"),
    "reason_external_file": (m_reason_passwd, None, "all"),
    "metrics_external": (m_metrics_external, None, "all"),
    "params_chunked": (m_params_chunked, None, "all"),
    "params_float32": (m_params_float32, None, "all"),
    "cycles_float64": (m_cycles_float, None, "all"),
    "status_int16": (m_status_int16, None, "all"),
    "metrics_compact": (m_metrics_compact, None, "all"),
    "params_1e10_unallocated": (m_params_huge_unallocated, None, "all"),
    "config_16x1e10": (m_config_huge, None, "all"),
    "status_1e8_rows": (m_status_1e8_rows, None, "all"),
    "seed_1e8_rows": (m_seed_1e8_rows, None, "all"),
    "canonical_1e10": (m_canonical_1e10, None, "all"),
    "layers_2_4096x16_1": (m_layers_4096, None, "all"),
    "layers_2_100000x16_1": (m_layers_100000, None, "all"),
    "layers_input3": (m_layers_input3, None, "all"),
    "layers_negative": (m_layers_negative, None, "all"),
    "layers_after_zero": (m_layers_after_zero, None, "all"),
    "layers_no_hidden": (m_layers_no_hidden, None, "all"),
    "mode_unknown": (m_mode_unknown, None, "all"),
    "mode_escape_bytes": (m_mode_escape, None, "all"),
    "mode_trailing_garbage": (m_mode_trailing_garbage, None, "all"),
    "pde_unknown": (m_pde_unknown, None, "all"),
    "method_unknown": (m_method_unknown, None, "all"),
    "pde_empty": (m_pde_empty, None, "all"),
    "reason_unterminated": (m_reason_unterminated, None, "all"),
    "pool_points_3cols": (m_pool_points_3cols, None, "all"),
    "metrics_2d": (m_metrics_2d, None, "all"),
    "pool_params_short": (m_pool_params_short, None, "all"),
    "timing_cycles_wrong": (m_timing_cycles_wrong, None, "all"),
    "hash_missing": (m_hash_missing, None, "all"),
    "params_is_group": (m_params_is_group, None, "all"),
    "truncated": (m_truncated, t_truncate, "all"),
    "pool_count_consistent": (m_pool_count_consistent, None, "resume"),
    "z_count_consistent": (m_z_count_consistent, None, "resume"),
    "seed_changed": (m_seed_changed, None, "resume"),
    "dim_3": (v_index("dim", value=3, task=2), None, "all"),
    "dim_zero": (v_index("dim", value=0, task=2), None, "all"),
    "dim_negative": (v_index("dim", value=-2, task=0), None, "all"),
    "inputs_empty_name": (m_inputs_empty_name, None, "all"),
    "inputs_three": (m_inputs_three, None, "all"),
    "outputs_two": (m_outputs_two, None, "all"),
    "components_escape": (m_components_escape, None, "all"),
    "points_3cols": (m_points_3cols, None, "all"),
    "inputs_renamed": (m_inputs_renamed, None, "resume"),
    "trainable_2": (m_trainable_2, None, "all"),
    "trainable_past_count": (m_trainable_past_count, None, "all"),
    "coef_true_nan": (m_coef_true_nan, None, "all"),
    "coef_names_two": (m_coef_names_two, None, "all"),
    "coef_names_escape": (m_coef_names_escape, None, "all"),
    "coefficients_wide": (m_coefficients_wide, None, "all"),
    "coefficients_float32": (m_coefficients_float32, None, "all"),
    "checkpoint_coef_missing": (m_ckpt_coef_missing, None, "all"),
    "trainable_consistent": (m_trainable_consistent, None, "resume"),
}


def check_run(label, rc, out, err, must_refuse):
    text = err.decode("utf-8", "replace")
    if rc < 0:
        fail("%s: killed by signal %d\n%s" % (label, -rc, text[-2000:]))
        return
    for mark in SANITIZER_MARKS:
        if mark in text:
            fail("%s: '%s' in stderr (exit %d)\n%s" % (label, mark, rc, text[-3000:]))
            return
    if b"root:" in out or b"root:" in err:
        fail("%s: the output shows the contents of the external file" % label)
    if must_refuse:
        if rc not in (2, 3):
            fail("%s: exit %d, expected 2 or 3\n%s" % (label, rc, text[-2000:]))
        elif not text.strip():
            fail("%s: exit %d without a message on stderr" % (label, rc))
    elif rc not in (0, 1, 2, 3):
        fail("%s: exit %d\n%s" % (label, rc, text[-2000:]))


def commands(store):
    return {
        "status": (["status", store], b""),
        "report": (["report", store], b""),
        "predict": (["predict", store, "--task", "2"], POINTS),
        "resume": (["run", "tiny.cfg", "-o", store, "--resume"], b""),
    }


def outside(before, after, store):
    changed = []
    for p in set(before) | set(after):
        if os.path.abspath(p) == os.path.abspath(store):
            continue
        if before.get(p) != after.get(p):
            changed.append(p)
    return changed


def main():
    global EXE, WORK
    args = sys.argv[1:]
    keep, only = None, None
    if "--keep" in args:
        i = args.index("--keep")
        keep = args[i + 1]
        del args[i:i + 2]
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1].split(",")
        del args[i:i + 2]
    EXE = os.path.abspath(args[0])
    WORK = keep or tempfile.mkdtemp(prefix="pf_hostile_")
    os.makedirs(WORK, exist_ok=True)
    try:
        with open(os.path.join(WORK, "tiny.cfg"), "w") as g:
            g.write(TINY_CFG)
        rc, _, err = run(["run", "tiny.cfg", "-o", "base.h5", "--overwrite"])
        if rc != 0:
            fail("the tiny run failed (exit %d)\n%s" % (rc, err.decode(errors="replace")))
            return 1
        with h5py.File(os.path.join(WORK, "base.h5"), "r+") as f:
            f["tasks/status"][PENDING] = 0  # pending: the resume reruns it

        # the intact store: every command works, the resume finishes the pending task
        shutil.copy(os.path.join(WORK, "base.h5"), os.path.join(WORK, "intact.h5"))
        for cmd, (argv, stdin) in commands("intact.h5").items():
            rc, out, err = run(argv, stdin)
            check_run("intact/" + cmd, rc, out, err, False)
            if rc != 0:
                fail("intact/%s: exit %d\n%s" % (cmd, rc, err.decode(errors="replace")[-2000:]))
        os.remove(os.path.join(WORK, "intact.h5"))

        # a failed task whose reason holds terminal escapes: status prints them escaped
        esc = os.path.join(WORK, "escape.h5")
        shutil.copy(os.path.join(WORK, "base.h5"), esc)
        with h5py.File(esc, "r+") as f:
            raw = b"boom \x1b]0;owned\x07\x1b[2J\x9b\xff\x7f end"
            row = np.zeros(256, dtype=np.int8)
            row[:len(raw)] = np.frombuffer(raw, dtype=np.int8)
            f["tasks/reason"][2] = row
            f["tasks/status"][2] = 3
        rc, out, err = run(["status", esc])
        check_run("escape/status", rc, out, err, False)
        if rc != 0 or b"boom" not in out or b"end" not in out:
            fail("escape/status: exit %d, output %r" % (rc, out))
        for bad in (b"\x1b", b"\x07", b"\x9b", b"\xff", b"\x7f"):
            if bad in out or bad in err:
                fail("escape/status: byte %r reached the terminal: %r" % (bad, out))
        os.remove(esc)

        names = [n for n in VARIANTS if not only or n in only]
        for name in names:
            mutate, post, refuse = VARIANTS[name]
            d = os.path.join(WORK, name)
            os.makedirs(d)
            store = os.path.join(d, "store.h5")
            shutil.copy(os.path.join(WORK, "base.h5"), store)
            shutil.copy(os.path.join(WORK, "tiny.cfg"), os.path.join(d, "tiny.cfg"))
            with h5py.File(store, "r+") as f:
                mutate(f, d)
            if post:
                post(store)
            before = snapshot(d)
            store_md5 = md5(store)
            cmds = commands("store.h5")
            results = run_many(d, list(cmds.values()))
            after = snapshot(d)
            for p in outside(before, after, store):
                fail("%s: touched %s" % (name, os.path.relpath(p, d)))
            # the readers never write; a refused resume must not have written anything
            if md5(store) != store_md5:
                fail("%s: the store changed" % name)
            for cmd, (rc, out, err) in zip(cmds, results):
                label = "%s/%s" % (name, cmd)
                must = refuse == "all" or cmd == "resume"
                check_run(label, rc, out, err, must)
                if must and rc in (2, 3):
                    lines = err.decode("utf-8", "replace").strip().splitlines()
                    msg = next((x for x in lines if "error" in x), lines[0] if lines else "")
                    print("ok %-24s %-8s exit %d: %s" % (name, cmd, rc, msg[:160]), flush=True)
            if not keep:
                shutil.rmtree(d)
        print("%d variants, %d failures" % (len(names), len(failures)))
    finally:
        if not keep:
            shutil.rmtree(WORK, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
