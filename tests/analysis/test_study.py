"""Issue 11's open-question study (configs/studies/open_question_*.cfg, jobs/open_question.sh):
the study files hold exactly the problem files' problem group and inverse/soft settings (they are
copies, since a configuration sets each key once); their sweep is 4 methods x 2 modes x 5 seeds;
the driver, run with a stand-in program that writes synthetic format-5 stores, produces the
Markdown with the report, the paired Wilcoxon tables on l2 for both problems and on coef_err for
the inverse problem; with the real program the study files run (on a tiny schedule) once the
build knows issue 11's keys."""

import os
import re
import stat
import subprocess
import sys

import pytest

from helpers import program_env

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
STUDIES = {"kovasznay": ("boundary",), "burgers_inverse": ("trainable", "data")}


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def problem_block(text):
    i = text.index("problem = {")
    return text[i:text.index("\n};\n", i) + 4]


def top_line(text, key):
    m = re.search(rf"^{key} = .*$", text, re.M)
    return m.group(0) if m else None


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_study_copies_the_problem_file(name):
    study = read(f"configs/studies/open_question_{name}.cfg")
    problem_file = os.path.join(ROOT, f"configs/problems/{name}.cfg")
    if not os.path.exists(problem_file):
        pytest.skip(f"configs/problems/{name}.cfg is not in this tree yet (issue 11's problem "
                    f"files come with the task side)")
    problem = read(f"configs/problems/{name}.cfg")
    assert problem_block(study) == problem_block(problem)
    for key in STUDIES[name]:
        assert top_line(study, key) == top_line(problem, key), key


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_study_sweep(name):
    study = read(f"configs/studies/open_question_{name}.cfg")
    assert top_line(study, "seed") == "seed = [1, 2, 3, 4, 5];"
    assert 'method = ["pinnfluence", "rar", "random", "static"];' in study
    assert 'mode = ["add", "replace"];' in study
    # the schedule: 5 cycles; nu needs 1000 + 1000 iterations per cycle to get near the truth
    its = 1000 if name == "burgers_inverse" else 300
    assert f"train = {{ cycles = 5; adam_iters = {its}; lbfgs_iters = {its}; }};" in study


FAKE_EXE = r'''#!{python}
"""A stand-in for pinnfluence: `run CFG -o H5 [--resume]` writes a synthetic format-5 store of the
study's 40 tasks; status and report print a line; --version prints a version."""
import os, sys
sys.path[:0] = [{tests!r}, {analysis!r}]
import numpy as np
from helpers import synthetic_task, write_store
args = sys.argv[1:]
if args[0] == "--version":
    print("pinnfluence 0.0-fake"); sys.exit(0)
if args[0] in ("status", "report"):
    print(f"fake {{args[0]}} of {{os.path.basename(args[-1])}}"); sys.exit(0)
assert args[0] == "run" and args[2] == "-o", args
cfg, out = args[1], args[3]
inverse = "burgers_inverse" in cfg
tasks = []
for mode in ("add", "replace"):
    for m, rate in (("pinnfluence", 0.3), ("rar", 0.5), ("random", 0.6), ("static", 0.8)):
        for s in range(1, 6):
            rng = np.random.default_rng(100 * s + int(10 * rate) + len(mode))
            errors = [0.05 * rng.uniform(0.5, 1.5) / (c + 1) for c in range(5)]
            t = synthetic_task("burgers_inv" if inverse else "kovasznay", m, s, mode=mode,
                               cycles=5, dim=2, inputs=("x", "t") if inverse else ("x", "y"),
                               errors=errors, rng=rng)
            nu = 0.01 / np.pi
            traj = nu * (1 + 4 * (rate + 0.1 * rng.uniform()) ** np.arange(1, 6))
            t["coef"] = (dict(names=("nu",), trainable=(1,), true=(nu,),
                              trajectory=traj[:, None]) if inverse else
                         dict(names=("Re",), trainable=(0,), true=(20.0,)))
            tasks.append(t)
write_store(out, tasks, version=5)
'''

FAKE_MPIEXEC = """#!/bin/sh
# mpiexec -n N cmd...: run cmd once
shift 2
exec "$@"
"""


def test_driver_on_synthetic_stores(tmp_path):
    exe, mpi = tmp_path / "pinnfluence", tmp_path / "mpiexec"
    exe.write_text(FAKE_EXE.format(python=sys.executable, tests=HERE,
                                   analysis=os.path.join(ROOT, "analysis")))
    mpi.write_text(FAKE_MPIEXEC)
    for p in (exe, mpi):
        p.chmod(p.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "oq"
    env = dict(os.environ, PF_EXE=str(exe), MPIEXEC=str(mpi), PF_PYTHON=sys.executable)
    res = subprocess.run(["bash", os.path.join(ROOT, "jobs", "open_question.sh"), str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    md = (out / "open_question.md").read_text()
    for s in ("kovasznay", "burgers_inverse"):
        assert (out / f"open_question_{s}.h5").exists()
        assert f"fake report of open_question_{s}.h5" in md
        assert f"pinnfluence run configs/studies/open_question_{s}.cfg" in md
    assert md.count("### Paired Wilcoxon, final L2 relative error") == 2
    assert "### Paired Wilcoxon, final relative error of nu" in md
    assert "| kovasznay | pinnfluence | rar | wilcoxon | 5 pairs |" in md
    assert "| burgers_inv | pinnfluence | static | wilcoxon | 5 pairs |" in md
    assert "final relative error |c - c_true| / |c_true| of the trained coefficients" in md
    assert "| 0 | burgers_inv | pinnfluence | add | 1 | nu |" in md
    # a second run resumes the existing files
    res = subprocess.run(["bash", os.path.join(ROOT, "jobs", "open_question.sh"), str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "--resume" in res.stderr, res.stderr


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_study_runs_with_the_program(exe, name, tmp_path):
    """The study file as it is, on a tiny schedule (--set), with the real program: every task
    done. Skipped while the build does not know issue 11's keys (the task side)."""
    out = tmp_path / f"{name}.h5"
    sets = ["seed=1", "train.cycles=1", "train.adam_iters=3", "train.lbfgs_iters=2",
            "influence.test_points=50", 'sample.method=["rar", "random"]']
    cmd = [exe, "run", os.path.join(ROOT, f"configs/studies/open_question_{name}.cfg"), "-o",
           str(out)]
    for s in sets:
        cmd += ["--set", s]
    res = subprocess.run(cmd, capture_output=True, text=True, env=program_env(), timeout=600)
    if res.returncode == 2 and re.search(r"(trainable|data|boundary|constraints): unknown key|"
                                              r"constraints\[\d+\]\.A: missing", res.stderr):
        pytest.skip(f"this build does not know issue 11's keys yet: {res.stderr.strip()[-300:]}")
    assert res.returncode == 0, res.stderr[-3000:]
    from pinnfluence_analysis.store import Store
    with Store(str(out)) as store:
        assert len(store.tasks) == 4 and all(t.done for t in store.tasks)
        if name == "burgers_inverse":
            assert all(t.trained == ("nu",) for t in store.tasks)
            assert all(abs(t.coef_true[0] - 0.01 / 3.141592653589793) < 1e-15
                       for t in store.tasks)


def test_program_resume_restores_coefficients(exe, tmp_path):
    """burgers_inverse on a tiny schedule, interrupted by SIGTERM in cycle 3 (after the cycle-2
    checkpoint) and resumed, gives the uninterrupted run's file bit for bit: the coefficient rows,
    metrics, parameters and the checkpoint's coefficient slots (the resume restored the trained nu
    from /checkpoint/coef). Skipped while the build does not know issue 11's keys."""
    import h5py
    import numpy as np
    cfg = os.path.join(ROOT, "configs/studies/open_question_burgers_inverse.cfg")
    sets = ["seed=1", "train.cycles=3", "train.adam_iters=40", "train.lbfgs_iters=10",
            "influence.test_points=100", 'sample.method="pinnfluence"', 'sample.mode="add"']
    args = [a for s in sets for a in ("--set", s)]

    def run(out, *extra, env=None):
        return subprocess.run([exe, "run", cfg, "-o", str(out), *extra, *args],
                              capture_output=True, text=True, env=env or program_env(),
                              timeout=600)
    full, cut = tmp_path / "full.h5", tmp_path / "cut.h5"
    res = run(full)
    if res.returncode == 2 and re.search(r"(trainable|data): unknown key", res.stderr):
        pytest.skip(f"this build does not know issue 11's keys yet: {res.stderr.strip()[-300:]}")
    assert res.returncode == 0, res.stderr[-3000:]
    res = run(cut, env=dict(program_env(), PF_FAULT_SIGNAL="0:3:5:TERM"))
    assert "fault injection" in res.stderr, res.stderr[-3000:]
    with h5py.File(cut, "r") as f:
        assert f["/tasks/status"][0] == 4 and f["/checkpoint/slot"][0] > 0
        assert np.all(np.isnan(f["/coefficients"][0, 2]))  # cycle 3 never finished
    res = run(cut, "--resume")
    assert res.returncode == 0, res.stderr[-3000:]
    with h5py.File(full, "r") as a, h5py.File(cut, "r") as b:
        for path in ("/coefficients", "/metrics", "/params", "/points/final",
                     "/checkpoint/coef", "/tasks/trainable", "/tasks/coef_true"):
            assert np.array_equal(a[path][()], b[path][()], equal_nan=True), path
        assert np.all(np.isfinite(a["/coefficients"][0, :, 0]))
