"""pinnfluence validate's file in the analysis: the table holds the correlations the program
stored, every predictor is a panel of the scatter figure, and the figure's points are the stored
predicted and actual effects."""

import os
import subprocess

import h5py
import numpy as np
import pytest

from helpers import program_env
from pinnfluence_analysis import cli, validate

CFG = """pde = "burgers";
seed = 1;
network = { hidden = [6, 6]; };
points = { initial = 100; };
train = { adam_iters = 50; lbfgs_iters = 50; };
sample = { method = "rar"; pool = 300; per_cycle = 4; };
influence = { test_points = 60; arnoldi_iters = 30; rank = 10; };
validate = { at_cycle = 1; groups = 6; bootstrap = 50; retrain = { adam_iters = 20; lbfgs_iters = 20; }; };
"""


@pytest.fixture(scope="module")
def vfile(exe, tmp_path_factory):
    d = tmp_path_factory.mktemp("validate")
    cfg = os.path.join(d, "v.cfg")
    with open(cfg, "w") as f:
        f.write(CFG)
    out = os.path.join(d, "v.h5")
    res = subprocess.run([exe, "validate", cfg, "-o", out], capture_output=True, text=True,
                         env=program_env(), cwd=d)
    assert res.returncode == 0, res.stderr
    return out


def test_read_and_table(vfile):
    tasks = validate.read(vfile)
    assert len(tasks) == 1
    t = tasks[0]
    assert t["status"] == 2
    assert t["predictors"][0] == "train_exact" and "score_pinnfluence" in t["predictors"]
    assert t["predicted"].shape == (6, len(t["predictors"]))
    assert np.isfinite(t["actual"]).all()
    with h5py.File(vfile, "r") as f:
        m = f["/units/metrics"][0]
    # the effect is the retrained test loss with the group minus the baseline's
    np.testing.assert_array_equal(t["actual"][:, 0], m[1:, 0] - m[0, 0])
    text = validate.markdown(tasks)
    rho = t["correlation"][0, 0, 0]
    assert f"| train_exact | {rho:.3f} |" in text


def test_scatter(vfile, tmp_path):
    paths = validate.plot(validate.read(vfile), str(tmp_path))
    names = sorted(os.path.basename(p) for p in paths)
    assert names == ["validate_task1.pdf", "validate_task1.png"]
    for p in paths:
        assert os.path.getsize(p) > 1000


def test_cli(vfile, tmp_path, capsys):
    assert cli.main(["validate", vfile, "--out", str(tmp_path), "--effect",
                     "l2_relative_error"]) == 0
    out = capsys.readouterr().out
    assert "train_exact" in out and "wrote" in out


def test_not_a_validation_file(tmp_path):
    p = tmp_path / "x.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "something else"
    with pytest.raises(ValueError):
        validate.read(str(p))
