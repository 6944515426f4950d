"""Every figure is written as a non-empty PNG and PDF; the pool figure needs a stored pool."""

import os

import h5py
import numpy as np

from helpers import inject_pools
from pinnfluence_analysis import plots
from pinnfluence_analysis.store import Store


def assert_figures(paths, names):
    for name in names:
        for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
            hits = [p for p in paths if os.path.basename(p) == f"{name}.{ext}"]
            assert hits, f"{name}.{ext} not written (written: {sorted(paths)})"
            assert os.path.getsize(hits[0]) > 1000
            with open(hits[0], "rb") as f:
                assert f.read(4) == magic


def test_all_figures(store_path, tmp_path):
    with Store(store_path) as store:
        paths, notes = plots.plot_all(store.done(), str(tmp_path))
    assert_figures(paths, [
        "convergence_add",
        "points_diffusion_add_seed1", "points_burgers_add_seed1",
        "solution_task1_diffusion_rar_add_seed1", "solution_task10_burgers_rar_add_seed1",
        "pool_diffusion_add_seed1", "pool_burgers_add_seed1",
    ])
    assert notes == []


def test_no_pool_is_a_note(store_copy, tmp_path):
    with h5py.File(store_copy, "r+") as f:
        f["/tasks/pool_count"][:] = 0
    with Store(store_copy) as store:
        paths, notes = plots.plot_pools(store.done(), str(tmp_path))
    assert paths == [] and any("no pool figure" in n for n in notes)


def test_pool_figure_and_options(store_copy, tmp_path):
    inject_pools(store_copy)
    with Store(store_copy) as store:
        paths, notes = plots.plot_all(store.done(), str(tmp_path), seed=2, task_ids=[0, 99])
    assert_figures(paths, ["pool_diffusion_add_seed2", "pool_burgers_add_seed2",
                           "points_burgers_add_seed2", "solution_task0_diffusion_static_add_seed1"])
    assert any("task 99 is not a finished task" in n for n in notes)


def test_points_coloured_by_cycle(store_path):
    with Store(store_path) as store:
        for task in store.tasks:
            cyc = plots.cycle_of_points(task)
            m = task.drawn_points.shape[1]
            assert np.bincount(cyc, minlength=3).tolist() == [len(cyc) - 2 * m, m, m]


def test_geometric_mean_and_curves(store_path):
    np.testing.assert_allclose(plots.geometric_mean(np.array([[1e-2, 1.0], [1e-4, 4.0]])),
                               [1e-3, 2.0])
    with Store(store_path) as store:
        group = [t for t in store.tasks if (t.pde, t.method) == ("burgers", "rar")]
        iters, errors = plots.seed_curves(group)
    assert errors.shape == (3, 2) and iters.shape == (2,)
    np.testing.assert_array_equal(errors[:, -1], [t.final() for t in group])
