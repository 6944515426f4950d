"""The command line (python3 -m pinnfluence_analysis and the wrapper script)."""

import os
import subprocess
import sys

from conftest import ANALYSIS


def run(args, **kw):
    env = dict(os.environ, PYTHONPATH=ANALYSIS, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "pinnfluence_analysis", *args],
                          capture_output=True, text=True, env=env, **kw)


def test_table_stats_plots(store_path, tmp_path):
    res = run(["table", store_path])
    assert res.returncode == 0, res.stderr
    assert "| method | diffusion ×1e" in res.stdout and "| rar |" in res.stdout
    res = run(["table", store_path, "--format", "latex", "--metric", "test_loss"])
    assert res.returncode == 0 and r"\toprule" in res.stdout
    res = run(["stats", store_path, "--reference", "static"])
    assert res.returncode == 0 and "| burgers | static | rar | wilcoxon |" in res.stdout
    res = run(["plots", store_path, "--out", str(tmp_path / "fig")])
    assert res.returncode == 0, res.stderr
    assert "wrote" in res.stdout and "note:" not in res.stdout
    for name in ("convergence_add.pdf", "pool_burgers_add_seed1.png"):
        assert (tmp_path / "fig" / name).stat().st_size > 0


def test_plots_with_program(exe, store_path, tmp_path):
    res = run(["plots", store_path, "--out", str(tmp_path), "--task", "9",
               "--predict-with", exe])
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "solution_task9_burgers_static_add_seed1.png").stat().st_size > 0


def test_errors(tmp_path, store_path):
    res = run(["table", str(tmp_path / "missing.h5")])
    assert res.returncode == 2 and "pinnfluence-analysis:" in res.stderr
    res = run(["stats", store_path, "--reference", "grad_dot"])
    assert res.returncode == 2 and "no finished task" in res.stderr


def test_wrapper_script(store_path):
    res = subprocess.run([os.path.join(ANALYSIS, "pinnfluence-analysis"), "table", store_path],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "mean ± std over seeds" in res.stdout
