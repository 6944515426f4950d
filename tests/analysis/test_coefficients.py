"""A coefficient grid in one results file: the analysis never pools tasks of different
coefficients; Task.problem names them as `pinnfluence report` names its columns; the Python model
evaluates every coefficient (its hard constraints follow them) and agrees with `pinnfluence
predict`; the Python reference is given only where it follows them (not burgers' Cole-Hopf at
another nu) and an unknown coefficient is refused."""

import csv
import io
import subprocess

import numpy as np
import pytest

from helpers import program_env, run_sweep
from pinnfluence_analysis import model, reference, table
from pinnfluence_analysis.cli import parse_predict
from pinnfluence_analysis.store import Store

GRID_CFG = """\
pde = "burgers";
seed = [1, 2];
coefficients = { nu = [0.003183098861837907, 0.0006366197723675814]; };
network = { hidden = [6, 6]; };
points = { initial = 40; };
train = { cycles = 1; adam_iters = 20; lbfgs_iters = 5; };
sample = { method = "rar"; pool = 200; per_cycle = 5; };
"""


@pytest.fixture(scope="module")
def grid_path(exe, tmp_path_factory):
    return run_sweep(exe, tmp_path_factory.mktemp("grid"), GRID_CFG, "grid")


def test_problem_names_and_groups(grid_path, exe):
    with Store(grid_path) as store:
        tasks = store.tasks
    problems = sorted({t.problem for t in tasks})
    assert problems == ["burgers", "burgers nu=0.00063662"]
    small = [t for t in tasks if t.coefficients]
    assert len(small) == 2 and all(t.coefficients == {"nu": 0.0006366197723675814} for t in small)
    cells = table.group_final(tasks)
    assert sorted(k[2] for k in cells) == problems
    assert all(c.n == 2 for c in cells.values())
    # the same columns as the program's own report, with the same means
    res = subprocess.run([exe, "report", grid_path, "--format", "csv"], capture_output=True,
                         text=True, env=program_env(), timeout=240)
    assert res.returncode == 0, res.stderr
    rows = {r["pde"]: r for r in csv.DictReader(io.StringIO(res.stdout))}
    assert sorted(rows) == problems
    for (mode, method, problem), cell in cells.items():
        assert float(rows[problem]["l2_mean"]) == pytest.approx(cell.mean, rel=1e-6)


def test_model_follows_coefficients(grid_path, exe):
    rng = np.random.default_rng(3)
    x, t = rng.uniform(-1, 1, 50), rng.uniform(0, 1, 50)
    with Store(grid_path) as store:
        for task in store.tasks:
            res = subprocess.run([exe, "predict", grid_path, "--task", str(task.index)],
                                 input="".join(f"{a!r} {b!r}\n" for a, b in zip(x, t)),
                                 capture_output=True, text=True, env=program_env(), check=True)
            want = parse_predict(res.stdout, task, len(x))[:, 0]
            u = model.predict(task, x, t)
            assert np.max(np.abs(u - want)) <= 1e-10 * max(1.0, np.max(np.abs(u)))
            assert reference.available("burgers", task.coefficients) == (not task.coefficients)


def test_unknown_coefficient_is_refused():
    class Fake:  # the fields model.check_task reads
        index, pde, problem, dim, inputs, layers = 0, "burgers", "burgers mu=1", 2, ("x", "t"), \
            (2, 3, 1)
        coefficients = {"mu": 1.0}
    with pytest.raises(ValueError, match="burgers has no coefficient mu"):
        model.predict(Fake(), [0.1], [0.5])
