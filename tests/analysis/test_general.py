"""Any problem (issue 10, item 6): results files of format 3 with points (n, D) and per-task
dim, inputs, outputs and components; heat2d in (x, y, t); the predict bridge by column names.
These tests write synthetic results files (helpers.write_store) and need no C program; the last
one runs the program on heat2d."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import ANALYSIS
from helpers import param_count, program_env, run_sweep, synthetic_task, write_store
from pinnfluence_analysis import cli, model, plots, reference, stats, table
from pinnfluence_analysis.store import Store, StoreFormatError

PI = np.pi
XT = dict(dim=2, inputs=("x", "t"), domain=[(-1.0, 1.0), (0.0, 1.0)])
XYT = dict(dim=3, inputs=("x", "y", "t"), domain=[(0.0, 1.0)] * 3)
METHODS = ("pinnfluence", "rar", "static")
SEEDS = (1, 2, 3)


def heat2d_tasks(pool=True, **kw):
    """heat2d (x, y, t) tasks: 3 methods x 3 seeds, pools for the non-static methods."""
    return [synthetic_task("heat2d", m, s, **XYT, pool=300 if pool and m != "static" else 0,
                           z=40 if m == "pinnfluence" else 0, **kw)
            for m in METHODS for s in SEEDS]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A sweep over diffusion (x, t) and heat2d (x, y, t): D = 3 columns of points."""
    tasks = [synthetic_task("diffusion", m, s, **XT, pool=200 if m != "static" else 0)
             for m in METHODS for s in SEEDS]
    tasks += heat2d_tasks()
    path = tmp_path_factory.mktemp("mixed") / "mixed.h5"
    return write_store(path, tasks), tasks


# ---------------------------------------------------------------- store

def test_store_reads_any_dim(mixed):
    path, written = mixed
    with h5py.File(path, "r") as f:
        assert f["/points/final"].shape[1] == 3 and f.attrs["format_version"] == 3
    with Store(path) as store:
        assert store.format_version == 3 and len(store.tasks) == len(written)
        for task, w in zip(store.tasks, written):
            assert (task.dim, task.inputs, task.outputs, task.components) == \
                (w["dim"], w["inputs"], ("u",), ("r",))
            assert task.m == 1
            np.testing.assert_array_equal(task.final_points, w["final"])
            np.testing.assert_array_equal(task.drawn_points, w["drawn"])
            assert task.final_points.shape[1] == task.dim and np.all(np.isfinite(
                task.final_points))
            np.testing.assert_array_equal(task.params, w["params"])
            if w.get("pool"):
                np.testing.assert_array_equal(task.pool[0], w["pool"][0])
                np.testing.assert_array_equal(task.pool[1], w["pool"][1])
                assert task.pool[0].shape == (len(w["pool"][0]), task.dim)
            else:
                assert task.pool is None
            if w.get("z") is not None:
                np.testing.assert_array_equal(task.z_points, w["z"])
            else:
                assert task.z_points is None
            # the cycle colouring matches points of any dimension
            cyc = plots.cycle_of_points(task)
            per = w["drawn"].shape[1]
            assert np.bincount(cyc, minlength=3).tolist() == [len(cyc) - 2 * per, per, per]


def test_store_names_of_systems(tmp_path):
    task = synthetic_task("ns2d", "rar", 1, **XYT, outputs=("u", "v", "p"),
                          components=("momentum_x", "momentum_y", "continuity"))
    with Store(write_store(tmp_path / "ns.h5", [task])) as store:
        t = store.tasks[0]
        assert t.outputs == ("u", "v", "p") and t.m == 3
        assert t.components == ("momentum_x", "momentum_y", "continuity")
        assert t.layers[-1] == 3


def test_format_2_reads_as_x_t(tmp_path):
    tasks = [synthetic_task("burgers", "rar", s, **XT) for s in (1, 2)]
    with Store(write_store(tmp_path / "v2.h5", tasks, version=2)) as store:
        assert store.format_version == 2
        for t, w in zip(store.tasks, tasks):
            assert (t.dim, t.inputs, t.outputs, t.components) == (2, ("x", "t"), ("u",), ("r",))
            np.testing.assert_array_equal(t.final_points, w["final"])


@pytest.mark.parametrize("version,words", [(1, "older pinnfluence"), (6, "newer pinnfluence")])
def test_other_versions_have_a_clear_message(tmp_path, version, words):
    path = write_store(tmp_path / "v.h5", [synthetic_task("burgers", "rar", 1, **XT)])
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = np.int32(version)
    with pytest.raises(StoreFormatError, match=f"format_version {version}; this reader supports "
                                               f"2, 3, 4, 5.*{words}"):
        Store(path)
    res = subprocess.run([sys.executable, "-m", "pinnfluence_analysis", "table", path],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ANALYSIS))
    assert res.returncode == 2 and f"format_version {version}" in res.stderr


def test_inconsistent_dim_is_refused(tmp_path):
    path = write_store(tmp_path / "bad.h5", [synthetic_task("heat2d", "rar", 1, **XYT)])
    with h5py.File(path, "r+") as f:
        f["/tasks/dim"][0] = 4  # more than the 3 columns of the points
    with pytest.raises(StoreFormatError, match="/tasks/dim 4 but the points datasets have 3"):
        Store(path)
    with h5py.File(path, "r+") as f:
        f["/tasks/dim"][0] = 2  # fewer than the inputs named
    with pytest.raises(StoreFormatError, match="names 3"):
        Store(path)


# ---------------------------------------------------------------- heat2d model and reference

def zero_output_params(layers, bias, rng):
    """Random hidden layers, output weights 0 and output bias `bias`: N = bias everywhere."""
    theta = rng.normal(size=param_count(layers))
    n_last = layers[-1] * layers[-2]
    theta[-(n_last + layers[-1]):-layers[-1]] = 0.0
    theta[-layers[-1]:] = bias
    return theta


def heat2d_single(tmp_path, params, layers=(3, 8, 8, 1), coefficients=None):
    task = synthetic_task("heat2d", "rar", 1, **XYT, layers=layers, params=params,
                          coefficients=coefficients)
    store = Store(write_store(tmp_path / "h.h5", [task]))
    return store, store.tasks[0]


def test_heat2d_zero_output_weights(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(500, 3))
    X[:50, 2] = 0.0  # t = 0: the constraint gives u0, the closed form's initial value
    x, y, t = X.T
    u0 = np.sin(PI * x) * np.sin(PI * y) + 0.5 * np.sin(2 * PI * x) * np.sin(PI * y)
    exact = (np.sin(PI * x) * np.sin(PI * y) * np.exp(-2 * PI**2 * 0.05 * t)
             + 0.5 * np.sin(2 * PI * x) * np.sin(PI * y) * np.exp(-5 * PI**2 * 0.05 * t))
    np.testing.assert_allclose(reference.reference("heat2d", x, y, t), exact, rtol=0,
                               atol=1e-15)
    # N = 0: u = u0 everywhere, the closed form at t = 0
    store, task = heat2d_single(tmp_path, zero_output_params((3, 8, 8, 1), 0.0, rng))
    with store:
        u = model.evaluate(task, X)
        assert u.shape == (500, 1)
        np.testing.assert_allclose(u[:, 0], u0, rtol=0, atol=1e-15)
        np.testing.assert_allclose(u[:50, 0], exact[:50], rtol=0, atol=1e-15)
        np.testing.assert_array_equal(model.predict(task, x, y, t), u[:, 0])
        # the L2 relative error of this u0-only network against the closed form
        err = np.linalg.norm(u[:, 0] - exact) / np.linalg.norm(exact)
        ref = reference.reference_points("heat2d", X)
        assert ref.shape == (500, 1)
        assert np.linalg.norm(u - ref) / np.linalg.norm(ref) == pytest.approx(err, rel=1e-14)
        assert err > 0.05  # the modes decay: u0 alone is not the solution for t > 0
    # N = 0.7: u = u0 + 0.7 x (1 - x) y (1 - y) t
    store, task = heat2d_single(tmp_path, zero_output_params((3, 8, 8, 1), 0.7, rng))
    with store:
        np.testing.assert_allclose(model.evaluate(task, X)[:, 0],
                                   u0 + 0.7 * x * (1 - x) * y * (1 - y) * t, rtol=0, atol=1e-15)


def test_heat2d_alpha(tmp_path):
    """A task at another alpha: the constraint does not depend on it, the reference does."""
    rng = np.random.default_rng(8)
    store, task = heat2d_single(tmp_path, zero_output_params((3, 5, 1), 0.0, rng),
                                layers=(3, 5, 1), coefficients={"alpha": 0.1})
    with store:
        assert task.coefficients == {"alpha": 0.1} and task.problem == "heat2d alpha=0.1"
        x, y, t = np.full(3, 0.3), np.full(3, 0.6), np.array([0.0, 0.5, 1.0])
        assert np.all(np.isfinite(model.predict(task, x, y, t)))
        ref = reference.reference("heat2d", x, y, t, coefficients=task.coefficients)
        s = np.sin(PI * 0.6)
        want = (np.sin(PI * 0.3) * s * np.exp(-2 * PI**2 * 0.1 * t)
                + 0.5 * np.sin(2 * PI * 0.3) * s * np.exp(-5 * PI**2 * 0.1 * t))
        np.testing.assert_allclose(ref, want, rtol=1e-15)


def test_heat2d_constraint_and_reference():
    rng = np.random.default_rng(6)
    n = 40
    a, b = rng.uniform(size=n), rng.uniform(size=n)
    n1, n2 = rng.normal(size=n), rng.normal(size=n)
    zero, one = np.zeros(n), np.ones(n)
    # t = 0: the initial value whatever N is, equal to the reference
    for N in (n1, n2):
        np.testing.assert_allclose(model.constrain("heat2d", a, b, zero, N),
                                   reference.reference("heat2d", a, b, zero), atol=1e-15)
    # u = 0 on the four sides for any N and t, as the reference
    for x, y in ((zero, a), (one, a), (a, zero), (a, one)):
        u = model.constrain("heat2d", x, y, b, n1)
        np.testing.assert_allclose(u, 0.0, atol=1e-15)
        np.testing.assert_allclose(reference.reference("heat2d", x, y, b), 0.0, atol=1e-15)
    # the closed form solves u_t = alpha (u_xx + u_yy)
    h, alpha = 1e-4, 0.05
    x, y, t = rng.uniform(0.1, 0.9, (3, n))

    def u(x, y, t):
        return reference.heat2d(x, y, t, alpha)
    ut = (u(x, y, t + h) - u(x, y, t - h)) / (2 * h)
    uxx = (u(x + h, y, t) - 2 * u(x, y, t) + u(x - h, y, t)) / h**2
    uyy = (u(x, y + h, t) - 2 * u(x, y, t) + u(x, y - h, t)) / h**2
    assert np.max(np.abs(ut - alpha * (uxx + uyy))) < 1e-5
    assert model.DOMAINS["heat2d"] == ((0.0, 1.0),) * 3
    assert model.PROBLEMS["heat2d"].coefficients == {"alpha": 0.05}


def test_model_checks_shapes(tmp_path):
    rng = np.random.default_rng(1)
    store, task = heat2d_single(tmp_path, rng.normal(size=param_count((3, 4, 1))),
                                layers=(3, 4, 1))
    with store:
        with pytest.raises(ValueError, match="expected \\(n, 3\\)|3 inputs"):
            model.evaluate(task, np.zeros((5, 2)))
        with pytest.raises(ValueError, match="3 coordinate arrays"):
            model.predict(task, [0.1], [0.2])
    task = synthetic_task("ns2d", "rar", 1, **XYT, outputs=("u", "v"))
    with Store(write_store(tmp_path / "ns.h5", [task])) as store:
        with pytest.raises(ValueError, match="no Python model of problem 'ns2d'.*predict-with"):
            model.evaluate(store.tasks[0], np.zeros((2, 3)))


# ---------------------------------------------------------------- table, stats, plots

def test_table_and_stats_any_problem(mixed):
    path, written = mixed
    with Store(path) as store:
        cells = table.group_final(store.tasks)
        assert {k[2] for k in cells} == {"diffusion", "heat2d"}
        for method in METHODS:
            want = [w["metrics"][-1, 2] for w in written
                    if (w["pde"], w["method"]) == ("heat2d", method)]
            cell = cells[("add", method, "heat2d")]
            assert cell.seeds == SEEDS and cell.mean == np.mean(want)
        text = table.markdown(table.build_tables(store.tasks))
        assert "| method | diffusion ×1e" in text and " | heat2d ×1e" in text
        comps = stats.comparisons(store.tasks, reference="pinnfluence")
        assert {(c.pde, c.method) for c in comps} == {
            (p, m) for p in ("diffusion", "heat2d") for m in ("rar", "static")}
        assert all(c.test == "wilcoxon" and c.n == "3 pairs" for c in comps)


def assert_figures(paths, names):
    for name in names:
        for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
            hits = [p for p in paths if os.path.basename(p) == f"{name}.{ext}"]
            assert hits, f"{name}.{ext} not written (written: {sorted(paths)})"
            assert os.path.getsize(hits[0]) > 1000
            with open(hits[0], "rb") as f:
                assert f.read(4) == magic


def test_plots_for_d3(mixed, tmp_path):
    path, _ = mixed
    with Store(path) as store:
        paths, notes = plots.plot_all(store.done(), str(tmp_path))
        heat = [t for t in store.tasks if t.pde == "heat2d"]
        xx, yy, values, blocks = plots.slice_points(heat[0])
    assert notes == []
    assert_figures(paths, [
        "convergence_add",
        "points_diffusion_add_seed1", "points_heat2d_add_seed1",
        "pool_diffusion_add_seed1", "pool_heat2d_add_seed1",
        "solution_task0_diffusion_pinnfluence_add_seed1",
        "solution_task9_heat2d_pinnfluence_add_seed1",
    ])
    assert values == [0.0, 0.5, 1.0] and xx.shape == (101, 101)
    assert all(b.shape == (101 * 101, 3) and np.all(b[:, 2] == v) for b, v in zip(blocks, values))


def test_solution_d3_values(tmp_path):
    """The maps show what the predictor returns at the slice points (a recording predictor)."""
    rng = np.random.default_rng(2)
    store, task = heat2d_single(tmp_path, zero_output_params((3, 8, 8, 1), 0.0, rng))
    seen = []

    def predictor(task, X):
        seen.append(X.copy())
        return model.evaluate(task, X)
    with store:
        paths = plots.plot_solution(task, str(tmp_path / "fig"), predictor)
    assert [os.path.basename(p) for p in paths] == [
        "solution_task0_heat2d_rar_add_seed1.png", "solution_task0_heat2d_rar_add_seed1.pdf"]
    assert [float(X[0, 2]) for X in seen] == [0.0, 0.5, 1.0]


def test_plots_unknown_system_with_predictor(tmp_path, monkeypatch):
    """A problem the numpy model does not know, with two outputs, drawn with a predictor (as with
    --predict-with): one solution figure per output, maps without a reference; the domain from
    the points."""
    tasks = [synthetic_task("ns2d", m, 1, **XYT, outputs=("u", "p"), pool=100)
             for m in ("rar", "random")]
    with Store(write_store(tmp_path / "ns.h5", tasks)) as store:
        def predictor(task, X):
            return np.column_stack([X.sum(axis=1), X[:, 0] * X[:, 1]])
        paths, notes = plots.plot_all(store.done(), str(tmp_path), predictor=predictor)
        assert notes == []
        assert_figures(paths, ["points_ns2d_add_seed1", "pool_ns2d_add_seed1",
                               "solution_task0_ns2d_rar_add_seed1_u",
                               "solution_task0_ns2d_rar_add_seed1_p"])
        # without a predictor: an error of plot_solution, a note of plot_all
        with pytest.raises(ValueError, match="no Python model of problem 'ns2d'"):
            plots.plot_solution(store.tasks[0], str(tmp_path / "np"))
        for name in ("plot_convergence", "plot_points", "plot_pools"):  # only the solutions
            monkeypatch.setattr(plots, name, lambda *a, **k: ([], []))
        paths, notes = plots.plot_all(store.done(), str(tmp_path / "np"))
        assert paths == [] and len(notes) == 1  # one solution per problem and mode
        assert all("no Python model of problem 'ns2d'" in n for n in notes)


def test_coefficient_grid_is_not_pooled_in_plots(tmp_path):
    tasks = [synthetic_task("heat2d", "rar", s, **XYT, coefficients=c)
             for c in (None, {"alpha": 0.1}) for s in (1, 2)]
    with Store(write_store(tmp_path / "grid.h5", tasks)) as store:
        chosen = plots.default_solution_tasks(store.done())
        assert [(t.index, t.problem) for t in chosen] == [(0, "heat2d"),
                                                          (2, "heat2d alpha=0.1")]
        paths, notes = plots.plot_points(store.done(), str(tmp_path))
        assert notes == []
        paths += plots.plot_solution(chosen[1], str(tmp_path))
    assert_figures(paths, ["points_heat2d_add_seed1", "points_heat2d_alpha0.1_add_seed1",
                           "solution_task2_heat2d_alpha0.1_rar_add_seed1"])


# ---------------------------------------------------------------- predict bridge

class _Task:
    def __init__(self, dim=3, outputs=("u",), index=0):
        self.dim, self.outputs, self.index = dim, outputs, index


def test_parse_predict_by_header():
    text = "# x y t u r\n0.1 0.2 0.3 1.5 -2\n0.4 0.5 0.6 2.5 -3\n"
    np.testing.assert_array_equal(cli.parse_predict(text, _Task(), 2), [[1.5], [2.5]])
    # the outputs found by name wherever the program puts them (and commas in the header)
    text = "# x,t,r1,v,u,r2\n1 2 10 20 30 40\n"
    np.testing.assert_array_equal(cli.parse_predict(text, _Task(2, ("u", "v")), 1), [[30, 20]])
    # a comment line before the header
    text = "# task 3 of results.h5\n# x y t u r\n1 2 3 4 5\n"
    np.testing.assert_array_equal(cli.parse_predict(text, _Task(), 1), [[4.0]])
    # no header (the program before issue 10): x t u residual, by position
    np.testing.assert_array_equal(cli.parse_predict("1 2 3 4\n", _Task(2), 1), [[3.0]])
    with pytest.raises(ValueError, match="no column 'u'"):
        cli.parse_predict("# x y t w r\n1 2 3 4 5\n", _Task(), 1)
    with pytest.raises(ValueError, match="wrote 1 lines for 2 points"):
        cli.parse_predict("# x y t u r\n1 2 3 4 5\n", _Task(), 2)
    with pytest.raises(ValueError, match="4 columns but no .#. line names 4"):
        cli.parse_predict("# x y t u r\n1 2 3 4\n", _Task(), 1)


FAKE_PREDICT = """\
#!{python}
# a stand-in for `pinnfluence predict FILE --task ID` after issue 10: d columns in, a header line,
# then inputs, outputs (here u = sum of the inputs) and one residual component (0)
import sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip() and not l.startswith("#")]
d = len(rows[0])
names = ["x", "y", "t"][:d] if d == 3 else ["x", "t"]
print("# " + " ".join(names + ["r", "u"]))  # a residual before the output: found by name
for r in rows:
    print(" ".join(repr(v) for v in r + [0.0, sum(r)]))
"""


def test_program_predictor_d3(tmp_path):
    exe = tmp_path / "fake-pinnfluence"
    exe.write_text(FAKE_PREDICT.format(python=sys.executable))
    exe.chmod(0o755)
    path = write_store(tmp_path / "h.h5", [synthetic_task("heat2d", "pinnfluence", 1, **XYT)])
    predict = cli.program_predictor(str(exe), path)
    with Store(path) as store:
        task = store.tasks[0]
        X = np.random.default_rng(0).uniform(size=(20, 3))
        np.testing.assert_array_equal(predict(task, X), X.sum(axis=1, keepdims=True))
    res = subprocess.run([sys.executable, "-m", "pinnfluence_analysis", "plots", path, "--out",
                          str(tmp_path / "fig"), "--task", str(task.index), "--predict-with",
                          str(exe)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ANALYSIS, MPLBACKEND="Agg"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "fig" / f"solution_task{task.index}_heat2d_pinnfluence_add_seed1.png"
            ).stat().st_size > 0


def test_cli_on_d3_store(mixed, tmp_path):
    path, _ = mixed
    env = dict(os.environ, PYTHONPATH=ANALYSIS, MPLBACKEND="Agg")
    for args in (["table", path], ["stats", path], ["table", path, "--format", "latex"]):
        res = subprocess.run([sys.executable, "-m", "pinnfluence_analysis", *args],
                             capture_output=True, text=True, env=env)
        assert res.returncode == 0, res.stderr
        assert "heat2d" in res.stdout


# ---------------------------------------------------------------- the C program on heat2d

HEAT2D_CFG = """\
pde = "heat2d";
seed = [1, 2];
network = { hidden = [8, 8]; };
points = { initial = 60; };
holdout = { points = 400; };
train = { cycles = 2; adam_iters = 30; lbfgs_iters = 5; };
sample = { method = ["rar", "random"]; pool = 200; per_cycle = 5; };
run = { store_pool_scores = true; };
"""


@pytest.fixture(scope="module")
def heat2d_path(exe, tmp_path_factory):
    directory = tmp_path_factory.mktemp("heat2d")
    cfg = directory / "heat2d.cfg"
    cfg.write_text(HEAT2D_CFG)
    res = subprocess.run([exe, "run", str(cfg), "-o", str(directory / "probe.h5"),
                          "--overwrite"], capture_output=True, text=True, env=program_env(),
                         timeout=240)
    if res.returncode != 0 and '"heat2d" is not one of' in res.stderr:
        pytest.skip("PF_EXE has no heat2d (a program from before issue 10)")
    assert res.returncode == 0, res.stderr[-3000:]
    return run_sweep(exe, directory, HEAT2D_CFG, "heat2d")


def test_program_heat2d(exe, heat2d_path, tmp_path):
    """The program's heat2d store: (x, y, t) points, the numpy model equal to `pinnfluence
    predict` (parsed by its header), table and figures."""
    rng = np.random.default_rng(9)
    X = rng.uniform(size=(200, 3))
    X[:8] = [[0, 0, 0], [1, 1, 1], [0, 1, 0.5], [1, 0, 0.5], [0.5, 0.5, 0], [0.5, 0.5, 1],
             [0.25, 0.75, 0.3], [0.75, 0.25, 0.9]]
    with Store(heat2d_path) as store:
        assert store.format_version == 5 and len(store.tasks) == 4
        for task in store.tasks:
            assert task.done, task.reason
            assert (task.dim, task.inputs, task.outputs) == (3, ("x", "y", "t"), ("u",))
            assert task.layers == (3, 8, 8, 1)
            assert task.final_points.shape == (70, 3)
            assert np.all((task.final_points >= 0) & (task.final_points <= 1))
            assert task.pool[0].shape == (200, 3)
            res = subprocess.run([exe, "predict", heat2d_path, "--task", str(task.index)],
                                 input="".join(" ".join(repr(float(v)) for v in r) + "\n"
                                               for r in X),
                                 capture_output=True, text=True, env=program_env(), check=True)
            header = res.stdout.splitlines()[0]
            assert header.startswith("#")
            assert header[1:].replace(",", " ").split()[:4] == ["x", "y", "t", "u"]
            u = cli.parse_predict(res.stdout, task, len(X))
            np.testing.assert_allclose(model.evaluate(task, X), u, rtol=0, atol=1e-10)
        text = table.markdown(table.build_tables(store.tasks))
        assert "| heat2d ×1e" in text
        paths, notes = plots.plot_all(store.done(), str(tmp_path))
    assert_figures(paths, ["convergence_add", "points_heat2d_add_seed1", "pool_heat2d_add_seed1",
                           "solution_task0_heat2d_rar_add_seed1"])
