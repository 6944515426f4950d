"""Trained coefficients (format 5): the reader exposes each task's coefficient names, trainable
flags, true values and per-cycle trajectory as written; the final relative error and the metric
"coef_err" equal a direct computation from the file with h5py; `stats --metric coef_err` and
`--metric l2` equal scipy's Wilcoxon on the same arrays; tasks that train nothing stay out of
coef_err; format 4 still reads (without coefficients); the program's own store (the tiny sweep)
is format 5 with the problems' coefficients and nothing trained."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from scipy import stats as sps

from helpers import synthetic_task, write_store
from pinnfluence_analysis import stats, table
from pinnfluence_analysis.store import Store

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.normpath(os.path.join(HERE, "..", "..", "analysis"))
XT = dict(dim=2, inputs=("x", "t"))
NU = 0.01 / np.pi
SEEDS = (1, 2, 3, 4, 5, 6)


def inverse_task(method, seed, mode="add", cycles=3, trains=True, rng=None):
    """A burgers_inverse-like task: nu trained from 5x the truth, its trajectory approaching the
    truth at a method- and seed-dependent rate."""
    rng = rng if rng is not None else np.random.default_rng(100 * seed + len(method))
    errors = [0.05 * rng.uniform(0.5, 1.5) / (c + 1) for c in range(cycles)]
    task = synthetic_task("burgers_inverse", method, seed, mode=mode, cycles=cycles, rng=rng,
                          errors=errors, **XT)
    rate = {"pinnfluence": 0.3, "rar": 0.5, "random": 0.6, "static": 0.8}[method]
    traj = NU * (1 + 4 * (rate + 0.05 * rng.uniform()) ** np.arange(1, cycles + 1))
    task["coef"] = dict(names=("nu",), trainable=(1 if trains else 0,), true=(NU,),
                        trajectory=traj[:, None])
    return task


def kovasznay_task(method, seed, mode="add"):
    """A forward problem with a coefficient it does not train (Re)."""
    rng = np.random.default_rng(1000 * seed + len(method))
    task = synthetic_task("kovasznay", method, seed, mode=mode, outputs=("u", "v", "p"),
                          components=("mx", "my", "c"), rng=rng,
                          errors=[0.02 * rng.uniform(0.5, 1.5), 0.01 * rng.uniform(0.5, 1.5)],
                          **XT)
    task["coef"] = dict(names=("Re",), trainable=(0,), true=(20.0,))
    return task


@pytest.fixture
def inverse_path(tmp_path):
    tasks = [inverse_task(m, s, mode) for mode in ("add", "replace")
             for m in ("pinnfluence", "rar", "random", "static") for s in SEEDS]
    tasks += [kovasznay_task(m, s) for m in ("pinnfluence", "rar") for s in SEEDS]
    # a task of two coefficients that trains the second one only
    two = inverse_task("rar", 9)
    two["pde"] = "two_coef"
    two["coef"] = dict(names=("a", "b"), trainable=(0, 1), true=(1.5, -2.0),
                       trajectory=np.column_stack([np.full(3, np.nan), [-1.0, -1.5, -1.9]]))
    tasks.append(two)
    return write_store(tmp_path / "inverse.h5", tasks, version=5)


def test_reader_exposes_coefficients(inverse_path):
    with h5py.File(inverse_path, "r") as f:
        traj = f["/coefficients"][()]
        truth = f["/tasks/coef_true"][()]
        trainable = f["/tasks/trainable"][()]
        assert traj.shape[2] == 2 and trainable.dtype == np.int8
    with Store(inverse_path) as store:
        assert store.format_version == 5
        for t in store.tasks:
            n = len(t.coef_names)
            np.testing.assert_array_equal(t.coef_true, truth[t.index, :n])
            assert t.trainable == tuple(bool(v) for v in trainable[t.index, :n])
            np.testing.assert_array_equal(t.coef_trajectory, traj[t.index, :t.cycles, :n])
            if t.pde == "burgers_inverse":
                assert t.coef_names == ("nu",) and t.trained == ("nu",)
                want = abs(traj[t.index, t.cycles - 1, 0] - NU) / NU
                assert t.coef_errors() == {"nu": pytest.approx(want, rel=1e-15)}
                assert t.final("coef_err") == pytest.approx(want, rel=1e-15)
                assert t.final_coef()["nu"] == traj[t.index, t.cycles - 1, 0]
                np.testing.assert_array_equal(t.coef_values("nu"), traj[t.index, :t.cycles, 0])
            elif t.pde == "kovasznay":
                assert t.coef_names == ("Re",) and t.trained == () and t.coef_true[0] == 20.0
                assert np.isnan(t.final("coef_err")) and t.coef_errors() == {}
                assert np.all(np.isnan(t.coef_values("Re")))
            else:
                assert t.trained == ("b",)
                assert t.coef_errors() == {"b": pytest.approx(0.1 / 2.0, rel=1e-15)}
            assert t.final("l2") == t.final("l2_relative_error")
        with pytest.raises(KeyError, match="no coefficient 'mu'"):
            store.tasks[0].coef_values("mu")


def test_coef_err_only_for_trained_tasks(inverse_path):
    with Store(inverse_path) as store:
        cells = table.group_final(store.tasks, "coef_err")
        assert {k[2] for k in cells} == {"burgers_inverse", "two_coef"}
        assert all(np.all(np.isfinite(c.values)) for c in cells.values())


@pytest.mark.parametrize("metric", ["coef_err", "l2"])
def test_stats_equals_scipy(inverse_path, metric):
    """Every comparison's p-value and median difference from the file's own numbers (h5py)."""
    with h5py.File(inverse_path, "r") as f:
        traj, met = f["/coefficients"][()], f["/metrics"][()]
        method = [bytes(r.astype(np.uint8)).rstrip(b"\0").decode() for r in f["/tasks/method"]]
        mode = [bytes(r.astype(np.uint8)).rstrip(b"\0").decode() for r in f["/tasks/mode"]]
        pde = [bytes(r.astype(np.uint8)).rstrip(b"\0").decode() for r in f["/tasks/pde"]]
        seed = f["/tasks/seed"][()]
        cycles = f["/tasks/cycles"][()]

    def values(m, mo):
        idx = sorted((i for i in range(len(pde)) if pde[i] == "burgers_inverse"
                      and method[i] == m and mode[i] == mo), key=lambda i: seed[i])
        if metric == "coef_err":
            return np.array([abs(traj[i, cycles[i] - 1, 0] - NU) / NU for i in idx])
        return np.array([met[i, cycles[i] - 1, 2] for i in idx])
    with Store(inverse_path) as store:
        comps = stats.comparisons(store.tasks, metric, "pinnfluence")
    comps = [c for c in comps if c.pde == "burgers_inverse"]
    assert len(comps) == 6
    for c in comps:
        ref, val = values("pinnfluence", c.mode), values(c.method, c.mode)
        want = sps.wilcoxon(val, ref)
        assert c.test == "wilcoxon" and c.n == "6 pairs"
        assert c.pvalue == pytest.approx(want.pvalue, rel=1e-12)
        assert c.difference == pytest.approx(float(np.median(val - ref)), rel=1e-12)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "pinnfluence_analysis", *args],
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ANALYSIS))


def test_cli_stats_and_coefficients(inverse_path):
    res = run_cli("stats", inverse_path, "--metric", "coef_err", "--problem", "burgers_inverse")
    assert res.returncode == 0, res.stderr
    assert "final relative error |c - c_true| / |c_true|" in res.stdout
    assert "| burgers_inverse | pinnfluence | rar | wilcoxon | 6 pairs |" in res.stdout
    assert "kovasznay" not in res.stdout and "two_coef" not in res.stdout
    res = run_cli("stats", inverse_path, "--metric", "l2")
    assert res.returncode == 0, res.stderr
    assert "| kovasznay | pinnfluence | rar | wilcoxon |" in res.stdout
    res = run_cli("stats", inverse_path, "--problem", "nothing")
    assert res.returncode == 2 and "no task of problem nothing" in res.stderr
    res = run_cli("coefficients", inverse_path, "--csv")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("task,problem,method,mode,seed,coef,coef_true,final")
    assert len(lines) == 1 + 48 + 1  # 48 burgers_inverse tasks, one two_coef task
    with Store(inverse_path) as store:
        t = store.tasks[0]
        first = lines[1].split(",")
        assert float(first[7]) == t.final_coef()["nu"]
        assert float(first[8]) == t.coef_errors()["nu"]
        assert [float(v) for v in first[9].split()] == list(t.coef_values("nu"))


def test_cli_coef_err_without_trained_tasks(tmp_path):
    path = write_store(tmp_path / "fwd.h5", [kovasznay_task("rar", s) for s in (1, 2)], version=5)
    res = run_cli("stats", path, "--metric", "coef_err")
    assert res.returncode == 2 and "no finished task" in res.stderr


def test_format_4_reads_without_coefficients(tmp_path):
    path = write_store(tmp_path / "v4.h5", [synthetic_task("burgers", "rar", 1, **XT)], version=4)
    with Store(path) as store:
        t = store.tasks[0]
        assert store.format_version == 4 and t.coef_names == () and t.trained == ()
        assert np.isnan(t.final("coef_err"))


def test_format_5_without_coefficient_datasets_is_refused(tmp_path):
    path = write_store(tmp_path / "bad.h5", [inverse_task("rar", 1)], version=5)
    with h5py.File(path, "r+") as f:
        del f["/tasks/trainable"]
    from pinnfluence_analysis.store import StoreFormatError
    with pytest.raises(StoreFormatError, match="without /tasks/trainable"):
        Store(path)


def test_program_store_is_format_5(store_path):
    """The tiny sweep of the real program: burgers names nu at 0.01/pi, nothing trained."""
    with Store(store_path) as store:
        assert store.format_version == 5
        for t in store.tasks:
            assert t.trained == () and np.all(np.isnan(t.coef_trajectory))
            if t.pde == "burgers":
                assert t.coef_names == ("nu",)
                np.testing.assert_allclose(t.coef_true, [NU], rtol=1e-15)
    with h5py.File(store_path, "r") as f:
        assert f["/coefficients"].shape[:2] == f["/metrics"].shape[:2]
        assert f["/checkpoint/coef"].shape[1] == 2


def test_program_report_trained_coefficients(exe, store_copy):
    """`pinnfluence report` on the tiny sweep with burgers' nu marked trained and per-cycle values
    written as the format documents them: the coefficient columns are the mean and population std
    over seeds of the final value and of |c - c_true| / |c_true|, computed here with numpy;
    `status` prints the same as before."""
    from helpers import program_env

    def run(*args):
        res = subprocess.run([exe, *args, store_copy], capture_output=True, text=True,
                             env=program_env(), timeout=120)
        assert res.returncode == 0, res.stderr
        return res.stdout
    status_before = run("status")
    plain = run("report", "--format", "csv")
    assert "coef" not in plain.splitlines()[0]
    want = {}
    with h5py.File(store_copy, "r+") as f:
        pde = [bytes(r.astype(np.uint8)).rstrip(b"\0").decode() for r in f["/tasks/pde"]]
        method = [bytes(r.astype(np.uint8)).rstrip(b"\0").decode() for r in f["/tasks/method"]]
        cycles = f["/tasks/cycles"][()]
        truth = f["/tasks/coef_true"][()]
        rng = np.random.default_rng(5)
        for i in range(len(pde)):
            if pde[i] != "burgers":
                continue
            f["/tasks/trainable"][i, 0] = 1
            values = truth[i, 0] * (1 + rng.uniform(-0.5, 0.5, size=cycles[i]))
            f["/coefficients"][i, :cycles[i], 0] = values
            want.setdefault(method[i], []).append(values[-1])
    rows = run("report", "--format", "csv").splitlines()
    head = rows[0].split(",")
    assert head[8:] == ["coef", "coef_true", "coef_seeds", "coef_mean", "coef_std",
                        "coef_relerr_mean", "coef_relerr_std"]
    seen = 0
    for line in rows[1:]:
        r = dict(zip(head, line.split(",")))
        if r["pde"] != "burgers":
            assert r["coef"] == "" and r["coef_mean"] == ""
            continue
        v = np.array(want[r["method"]])
        err = np.abs(v - NU) / NU
        assert r["coef"] == "nu" and int(r["coef_seeds"]) == len(v) == 3
        np.testing.assert_allclose(float(r["coef_true"]), NU, rtol=1e-6)
        np.testing.assert_allclose([float(r["coef_mean"]), float(r["coef_std"]),
                                    float(r["coef_relerr_mean"]), float(r["coef_relerr_std"])],
                                   [v.mean(), v.std(), err.mean(), err.std()], rtol=2e-6)
        seen += 1
    assert seen == 3
    md = run("report")
    assert "trained coefficients, final value and relative error |c - c_true| / |c_true|" in md
    assert "| burgers nu (true 0.003183) | rel. error |" in md
    assert run("status") == status_before
