"""The numpy forward pass and hard constraints reproduce `pinnfluence predict`; the references
satisfy their PDEs and the Burgers reference reproduces the stored L2 errors."""

import subprocess

import numpy as np
import pytest

from helpers import program_env
from pinnfluence_analysis import model, reference
from pinnfluence_analysis.cli import parse_predict
from pinnfluence_analysis.store import Store

PDES = ("diffusion", "burgers", "allen_cahn", "wave", "drift_diffusion")


def program_predict(exe, path, task, X):
    """`pinnfluence predict` at X (n, d): (every column as a number (n, c), the outputs (n, m)
    found by the header's names)."""
    text = "".join(" ".join(repr(float(v)) for v in row) + "\n" for row in X)
    res = subprocess.run([exe, "predict", path, "--task", str(task.index)], input=text,
                         capture_output=True, text=True, env=program_env(), check=True)
    return (np.loadtxt(res.stdout.splitlines(), ndmin=2, comments="#"),
            parse_predict(res.stdout, task, len(X)))


def test_forward_pass_matches_program(exe, store_path):
    rng = np.random.default_rng(11)
    with Store(store_path) as store:
        for task in store.tasks:
            (x0, x1), (t0, t1) = model.DOMAINS[task.pde]
            x, t = rng.uniform(x0, x1, 300), rng.uniform(t0, t1, 300)
            x[:2], t[:2] = (x0, x1), (t0, t1)  # corners too
            out, outputs = program_predict(exe, store_path, task, np.column_stack([x, t]))
            np.testing.assert_array_equal(out[:, 0], x)
            np.testing.assert_array_equal(out[:, 1], t)
            u = model.predict(task, x, t)
            assert np.max(np.abs(u - outputs[:, 0])) <= 1e-10 * max(1.0, np.max(np.abs(u)))


def test_burgers_reference_reproduces_stored_error(store_path):
    """The stored L2 error was computed by the C program against its own Cole-Hopf reference on
    the 256 x 100 grid; our reference and forward pass give the same number."""
    x, t = reference.holdout_grid("burgers")
    ref = reference.burgers(x, t)
    with Store(store_path) as store:
        tasks = [tk for tk in store.tasks if tk.pde == "burgers"]
        assert tasks
        for task in tasks:
            u = model.predict(task, x, t)
            err = np.linalg.norm(u - ref) / np.linalg.norm(ref)
            assert err == pytest.approx(task.final("l2_relative_error"), rel=1e-9)


def test_burgers_reference_converged():
    x = np.linspace(-1, 1, 41)
    for t in (1e-3, 0.3, 1 / np.pi, 1.0):
        a = reference.burgers(x, np.full_like(x, t))
        b = reference.burgers(x, np.full_like(x, t), order=256)
        assert np.max(np.abs(a - b)) < 1e-12
    # the shock's slope at x = 0, t = 1.6037/pi (Basdevant et al. 1986: -152.00516)
    h, t = 1e-5, 1.6037 / np.pi
    slope = (reference.burgers(h, t) - reference.burgers(-h, t)) / (2 * h)
    assert slope == pytest.approx(-152.00516, rel=1e-5)


def residual(pde, u, x, t, h=1e-4):
    """The PDE residual of a function u(x, t) by central differences."""
    ut = (u(x, t + h) - u(x, t - h)) / (2 * h)
    ux = (u(x + h, t) - u(x - h, t)) / (2 * h)
    uxx = (u(x + h, t) - 2 * u(x, t) + u(x - h, t)) / h**2
    utt = (u(x, t + h) - 2 * u(x, t) + u(x, t - h)) / h**2
    v = u(x, t)
    return {
        "diffusion": ut - uxx + np.exp(-t) * (np.sin(np.pi * x) - np.pi**2 * np.sin(np.pi * x)),
        "burgers": ut + v * ux - 0.01 / np.pi * uxx,
        "wave": utt - 4 * uxx,
        "drift_diffusion": ut - uxx + 20 * ux,
    }[pde]


@pytest.mark.parametrize("pde", ["diffusion", "burgers", "wave", "drift_diffusion"])
def test_references_solve_their_pdes(pde):
    rng = np.random.default_rng(5)
    (x0, x1), _ = model.DOMAINS[pde]
    x = rng.uniform(x0 + 0.1, x1 - 0.1, 50)
    t = rng.uniform(0.2, 0.9, 50)
    if pde == "burgers":  # away from the shock at x = 0
        x = np.where(np.abs(x) < 0.3, x + 0.4 * np.sign(x + 1e-9), x)
    fn = lambda a, b: reference.reference(pde, a, b)  # noqa: E731
    scale = np.max(np.abs(fn(x, t))) + 1
    assert np.max(np.abs(residual(pde, fn, x, t))) < 2e-4 * scale * (100 if pde == "wave" else 1)


@pytest.mark.parametrize("pde", PDES)
def test_constraints_hold_for_any_network_output(pde):
    """u = A + B N meets the initial and boundary conditions whatever N is."""
    rng = np.random.default_rng(2)
    (x0, x1), _ = model.DOMAINS[pde]
    xs = rng.uniform(x0, x1, 20)
    ts = rng.uniform(0, 1, 20)
    n1, n2 = rng.normal(size=20), rng.normal(size=20)
    at_t0 = [model.constrain(pde, xs, np.zeros(20), n) for n in (n1, n2)]
    np.testing.assert_allclose(at_t0[0], at_t0[1], atol=1e-14)
    if reference.available(pde):
        np.testing.assert_allclose(at_t0[0], reference.reference(pde, xs, np.zeros(20)),
                                   atol=1e-12)
    for xb in (x0, x1):  # Dirichlet in x on both sides
        a = model.constrain(pde, np.full(20, xb), ts, n1)
        b = model.constrain(pde, np.full(20, xb), ts, n2)
        np.testing.assert_allclose(a, b, atol=1e-12)
        if reference.available(pde):
            np.testing.assert_allclose(a, reference.reference(pde, np.full(20, xb), ts),
                                       atol=1e-12)


def test_split_params_checks_size():
    with pytest.raises(ValueError, match="do not match"):
        model.split_params(np.zeros(10), (2, 3, 1))


ALLEN_CAHN_CFG = """\
pde = "allen_cahn";
seed = [1, 2];
network = { hidden = [8, 8]; };
points = { initial = 200; };
train = { cycles = 1; adam_iters = 40; lbfgs_iters = 10; };
sample = { method = "static"; };
"""


def test_allen_cahn_reference_reproduces_stored_error(exe, tmp_path):
    """The C program computes its Allen-Cahn reference itself (spectral ETDRK4); the stored L2
    errors on the 201 x 101 grid are reproduced with our independent Python solve."""
    from helpers import run_sweep
    path = run_sweep(exe, tmp_path, ALLEN_CAHN_CFG, "allen_cahn")
    x, t = reference.holdout_grid("allen_cahn")
    ref = reference.reference("allen_cahn", x, t)
    x0 = x[t == 0]
    np.testing.assert_allclose(ref[t == 0], x0**2 * np.cos(np.pi * x0), atol=1e-14)
    np.testing.assert_array_equal(ref[np.abs(x) == 1], -1.0)
    with Store(path) as store:
        for task in store.tasks:
            u = model.predict(task, x, t)
            err = np.linalg.norm(u - ref) / np.linalg.norm(ref)
            assert err == pytest.approx(task.final("l2_relative_error"), rel=1e-9)
