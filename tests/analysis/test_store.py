"""The store reader returns the tasks, counts and shapes of the documented layout."""

import h5py
import numpy as np

from helpers import TINY_METHODS, TINY_PDES, TINY_SEEDS, inject_pools, set_status
from pinnfluence_analysis.store import METRIC_COLUMNS, Store, decode, exclusion_note


def test_tasks_and_keys(store_path):
    with Store(store_path) as store:
        tasks = store.tasks
        assert len(tasks) == len(TINY_PDES) * len(TINY_METHODS) * len(TINY_SEEDS)
        assert {t.pde for t in tasks} == set(TINY_PDES)
        assert {t.method for t in tasks} == set(TINY_METHODS)
        assert {t.seed for t in tasks} == set(TINY_SEEDS)
        assert {t.mode for t in tasks} == {"add"}
        assert all(t.done and t.status_name == "done" and t.reason == "" for t in tasks)
        assert [t.index for t in tasks] == list(range(len(tasks)))
        assert store.attrs["format"] == "pinnfluence-results"
        assert 'pde = ["diffusion", "burgers"]' in store.sweep_config
        for t in tasks:  # one group per (pde, method) with every seed
            assert f'pde = "{t.pde}";' in t.config and f"seed = {t.seed};" in t.config


def test_shapes(store_path):
    with Store(store_path) as store, h5py.File(store_path, "r") as f:
        for t in store.tasks:
            assert t.cycles == 2 and t.layers == (2, 8, 8, 1)
            assert t.metrics.shape == (2, len(METRIC_COLUMNS)) and t.timing.shape == (2, 2)
            np.testing.assert_array_equal(t.metric("cycle"), [1, 2])
            assert np.all(np.diff(t.metric("iteration")) > 0)
            assert np.all(np.isfinite(t.metrics)) and np.isfinite(t.seconds)
            assert t.params.shape == (2 * 8 + 8 + 8 * 8 + 8 + 8 + 1,)
            np.testing.assert_array_equal(
                t.params, f["/params"][f["/tasks/param_offset"][t.index]:][:t.params.size])
            m = 0 if t.method == "static" else (1 if t.pde == "diffusion" else 10)
            initial = 30 if t.pde == "diffusion" else 1000
            assert t.drawn_points.shape == (2, m, 2)
            assert t.final_points.shape == (initial + 2 * m, 2)
            assert t.final_points.dtype == np.float64
            assert int(t.metric("train_size")[-1]) == initial + 2 * m
            # add mode: every drawn point is in the final training set
            final = {tuple(p) for p in t.final_points}
            assert all(tuple(p) in final for p in t.drawn_points.reshape(-1, 2))
            # run.store_pool_scores: every method but static has a last pool; no Z (no influence)
            if t.method == "static":
                assert t.pool is None and t.pool_params is None
            else:
                pts, scores = t.pool
                assert pts.shape == (300, 2) and scores.shape == (300,)
                assert np.all(np.isfinite(scores)) and np.all(np.abs(pts[:, 0]) <= 1)
                assert t.pool_params.shape == t.params.shape
            assert t.z_points is None


def test_pool_rows(store_copy):
    """Pools and Z at arbitrary offsets (a synthetic layout: Z exists only for influence methods,
    which the tiny sweep does not run)."""
    injected = inject_pools(store_copy)
    with Store(store_copy) as store:
        for t in store.tasks:
            if t.index in injected:
                p, s, z = injected[t.index]
                np.testing.assert_array_equal(t.pool[0], p)
                np.testing.assert_array_equal(t.pool[1], s)
                np.testing.assert_array_equal(t.z_points, z)
            else:
                assert t.pool is None


def test_not_done_tasks(store_copy):
    set_status(store_copy, 0, 3, "training diverged (test)")
    set_status(store_copy, 1, 0)
    with Store(store_copy) as store:
        assert store.tasks[0].status_name == "failed"
        assert store.tasks[0].reason == "training diverged (test)"
        assert len(store.done()) == len(store.tasks) - 2
        note = exclusion_note(store)
        assert "2 of 18 tasks are not done" in note and "1 failed" in note and "1 pending" in note


def test_decode():
    raw = np.zeros(8, dtype=np.int8)
    raw[:3] = np.frombuffer(b"rar", dtype=np.int8)
    assert decode(raw) == "rar" and decode(b"add\0\0") == "add"


def test_rejects_other_files(tmp_path):
    import pytest
    from pinnfluence_analysis.store import StoreFormatError
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "something-else"
    with pytest.raises(StoreFormatError, match="not a pinnfluence results file"):
        Store(path)
