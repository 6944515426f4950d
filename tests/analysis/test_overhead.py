"""The overhead command: scoring shares and median scoring and training seconds per problem,
method, mode and (pinnfluence only) influence backend, against values computed here from /timing
with h5py; CSV; tasks not done; the influence backend's default; a file without /timing."""

import csv
import io
import re
import shutil

import h5py
import numpy as np
import pytest

from helpers import decode, run_sweep, set_status, text_row
from pinnfluence_analysis import cli, overhead
from pinnfluence_analysis.store import Store, StoreFormatError
from test_cli import run

# rar and pinnfluence crossed with two backends, 2 seeds: 8 tasks (rar x backend gives 4 rar
# tasks of one group, the backend not mattering to rar), well under a second
OVERHEAD_CFG = """\
pde = ["diffusion"];
seed = [1, 2];
network = { hidden = [8]; };
holdout = { points = 200; };
train = { cycles = 2; adam_iters = 20; lbfgs_iters = 5; };
sample = { method = ["rar", "pinnfluence"]; pool = 200; };
influence = { backend = ["arnoldi", "gauss_newton"]; test_points = 50; arnoldi_iters = 10;
              rank = 5; };
"""


@pytest.fixture(scope="module")
def overhead_path(exe, tmp_path_factory):
    return run_sweep(exe, tmp_path_factory.mktemp("overhead"), OVERHEAD_CFG, "overhead")


@pytest.fixture
def overhead_copy(overhead_path, tmp_path):
    dst = tmp_path / "copy.h5"
    shutil.copy(overhead_path, dst)
    return str(dst)


def expected(path):
    """{(problem, method, mode, backend): (share mean %, share std %, median score s, median
    train s, tasks)} straight from the file, done tasks only; backend '' but for pinnfluence."""
    groups = {}
    with h5py.File(path, "r") as f:
        cycles, status = f["/tasks/cycles"][()], f["/tasks/status"][()]
        timing, wall = f["/timing/cycles"][()], f["/timing/task_seconds"][()]
        assert f["/timing/cycles"].attrs["columns"] == b"seconds_score,seconds_train"
        for i in np.argsort(f["/tasks/seed"][()], kind="stable"):
            if status[i] != 2:
                continue
            method, config = decode(f["/tasks/method"][i]), decode(f["/tasks/config"][i])
            m = re.search(r'^  backend = "(\w+)";$', config, re.M)
            backend = (m.group(1) if m else "arnoldi") if method == "pinnfluence" else ""
            key = (decode(f["/tasks/pde"][i]), method, decode(f["/tasks/mode"][i]), backend)
            groups.setdefault(key, []).append((timing[i, :cycles[i]], wall[i]))
    out = {}
    for key, tasks in groups.items():
        shares = np.array([rows[:, 0].sum() / w for rows, w in tasks])
        allc = np.concatenate([rows for rows, _ in tasks])
        out[key] = (100 * shares.mean(), 100 * shares.std(), np.median(allc[:, 0]),
                    np.median(allc[:, 1]), len(tasks))
    return out


def parse_csv(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return {(r["problem"], r["method"], r["mode"], r["backend"]):
            (float(r["share_mean_percent"]), float(r["share_std_percent"]),
             float(r["score_seconds_median"]), float(r["train_seconds_median"]), int(r["tasks"]))
            for r in rows}


def parse_markdown(text):
    """The same dictionary from the Markdown rows (backend '–' read as '')."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\| (\S+) \| (\S+) \| (\S+) \| (\S+) \| (\S+) ± (\S+) % \| (\S+) s \| "
                     r"(\S+) s \| (\d+) \|$", line)
        if m:
            g = m.groups()
            out[(g[0], g[1], g[2], "" if g[3] == "–" else g[3])] = \
                tuple(float(v) for v in g[4:8]) + (int(g[8]),)
    return out


def check(got, want, rel):
    assert set(got) == set(want)
    for key in want:
        assert got[key][4] == want[key][4], key
        np.testing.assert_allclose(got[key][:4], want[key][:4], rtol=rel, err_msg=str(key))


def test_groups_and_numbers(overhead_path):
    want = expected(overhead_path)
    # the grouping: two pinnfluence backends apart, rar one group of all 4 tasks
    assert set(want) == {("diffusion", "pinnfluence", "add", "arnoldi"),
                         ("diffusion", "pinnfluence", "add", "gauss_newton"),
                         ("diffusion", "rar", "add", "")}
    assert want[("diffusion", "rar", "add", "")][4] == 4
    assert all(v[0] > 0 and v[2] > 0 and v[3] > 0 for v in want.values())
    res = run(["overhead", overhead_path, "--format", "csv"])
    assert res.returncode == 0 and res.stderr == "", res.stderr
    check(parse_csv(res.stdout), want, 1e-12)
    res = run(["overhead", overhead_path])
    assert res.returncode == 0 and res.stderr == "", res.stderr
    check(parse_markdown(res.stdout), want, 5e-3)  # 3 significant digits
    rows = [line.split(" | ")[1:4] for line in res.stdout.splitlines() if line.startswith("| d")]
    assert rows == [["pinnfluence", "add", "arnoldi"], ["pinnfluence", "add", "gauss_newton"],
                    ["rar", "add", "–"]]
    assert "Note:" not in res.stdout


def test_not_done_left_out(overhead_copy, capsys):
    with h5py.File(overhead_copy, "r") as f:
        methods = [decode(m) for m in f["/tasks/method"]]
    i = methods.index("pinnfluence")
    set_status(overhead_copy, i, 3, "diverged (test)")
    want = expected(overhead_copy)
    assert sum(v[4] for v in want.values()) == len(methods) - 1
    assert cli.main(["overhead", overhead_copy]) == 0
    out = capsys.readouterr().out
    check(parse_markdown(out), want, 5e-3)
    assert "Note: 1 of 8 tasks are not done (1 failed) and are excluded." in out
    assert cli.main(["overhead", overhead_copy, "--format", "csv"]) == 0
    cap = capsys.readouterr()
    check(parse_csv(cap.out), want, 1e-12)
    assert "1 of 8 tasks are not done" in cap.err and "Note" not in cap.out


def test_default_backend(overhead_copy):
    """A configuration text without influence.backend is the default arnoldi."""
    with h5py.File(overhead_copy, "r+") as f:
        configs = f["/tasks/config"]
        for i in range(configs.shape[0]):
            text = decode(configs[i])
            if 'backend = "arnoldi"' in text:
                configs[i] = text_row(text.replace('  backend = "arnoldi";\n', ""),
                                      configs.shape[1])
    with Store(overhead_copy) as store:
        assert {t.backend for t in store.tasks} == {"arnoldi", "gauss_newton"}
        assert not any('backend = "arnoldi"' in t.config for t in store.tasks)
    res = run(["overhead", overhead_copy, "--format", "csv"])
    assert res.returncode == 0, res.stderr
    check(parse_csv(res.stdout), expected(overhead_copy), 1e-12)


@pytest.mark.parametrize("missing", ["/timing", "/timing/task_seconds"])
def test_without_timing(overhead_copy, missing):
    with h5py.File(overhead_copy, "r+") as f:
        del f[missing]
    res = run(["overhead", overhead_copy])
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.startswith(f"pinnfluence-analysis: {overhead_copy}: no ")
    assert "/timing/task_seconds" in res.stderr
    assert ("/timing/cycles" in res.stderr) == (missing == "/timing")
    with Store(overhead_copy) as store:  # the other commands do not need /timing
        assert store.missing_timing and len(store.done()) == 8
    res = run(["table", overhead_copy])
    assert res.returncode == 0 and "| rar |" in res.stdout, res.stderr
    with Store(overhead_copy) as store, pytest.raises(StoreFormatError, match="no /timing"):
        overhead.check_timing(store)
