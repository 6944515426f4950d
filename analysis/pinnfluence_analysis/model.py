"""The trained network of a task, evaluated in numpy.

The network is a tanh MLP with a linear output layer; its parameters (/params, layer sizes in
/tasks/layers) are stored per layer as W (n_out, n_in) row-major, then b (n_out). The raw output
N(x, t) is turned into the solution u by the hard constraint of the problem (PAPER.md section 1),
u = A(x, t) + B(x, t) N(x, t).
"""

import numpy as np

PI = np.pi


def split_params(theta, layers):
    """[(W, b), ...] views of the flat parameter vector for the given layer sizes."""
    theta = np.asarray(theta, dtype=float)
    expected = sum(n_out * (n_in + 1) for n_in, n_out in zip(layers[:-1], layers[1:]))
    if theta.size != expected:
        raise ValueError(f"{theta.size} parameters do not match the layer sizes {tuple(layers)} "
                         f"({expected} expected)")
    out, k = [], 0
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        w = theta[k:k + n_out * n_in].reshape(n_out, n_in)
        k += n_out * n_in
        out.append((w, theta[k:k + n_out]))
        k += n_out
    return out


def network(theta, layers, x, t):
    """The raw network output N(x, t): tanh hidden layers, linear output layer."""
    h = np.stack([np.ravel(x), np.ravel(t)], axis=1).astype(float)
    weights = split_params(theta, layers)
    for i, (w, b) in enumerate(weights):
        h = h @ w.T + b
        if i < len(weights) - 1:
            h = np.tanh(h)
    return h[:, 0].reshape(np.shape(x))


def _diffusion(x, t, n):
    return np.sin(PI * x) + (1 - x**2) * t * n


def _burgers(x, t, n):
    return -np.sin(PI * x) + (1 - x**2) * t * n


def _allen_cahn(x, t, n):
    return t * (1 + x) * (1 - x) * n + x**2 * np.cos(PI * x)


def _wave(x, t, n):
    return 20 * n * x * (1 - x) * t**2 + np.sin(PI * x) + 0.5 * np.sin(4 * PI * x)


def _drift_diffusion(x, t, n):
    a = np.sin(2 * x + PI / 4) + (np.sin(PI / 4 - 40 * t) * np.exp(-4 * t) - np.sin(PI / 4))
    return a + t * x * (2 * PI - x) * n


CONSTRAINTS = {
    "diffusion": _diffusion,
    "burgers": _burgers,
    "allen_cahn": _allen_cahn,
    "wave": _wave,
    "drift_diffusion": _drift_diffusion,
}

DOMAINS = {  # (x_min, x_max), (t_min, t_max)
    "diffusion": ((-1.0, 1.0), (0.0, 1.0)),
    "burgers": ((-1.0, 1.0), (0.0, 1.0)),
    "allen_cahn": ((-1.0, 1.0), (0.0, 1.0)),
    "wave": ((0.0, 1.0), (0.0, 1.0)),
    "drift_diffusion": ((0.0, 2 * PI), (0.0, 1.0)),
}


def constrain(pde, x, t, n):
    """u = A + B N, the hard constraint of problem `pde` applied to the raw output n."""
    try:
        return CONSTRAINTS[pde](np.asarray(x, float), np.asarray(t, float), n)
    except KeyError:
        raise ValueError(f"unknown problem {pde!r}") from None


def predict(task, x, t):
    """u(x, t) of a task's final network (a store.Task)."""
    x, t = np.asarray(x, float), np.asarray(t, float)
    if task.coefficients:
        # the constraints and references here are the paper's; `pinnfluence predict` knows all
        raise ValueError(f"task {task.index} ({task.problem}): the Python model covers the paper's "
                         "coefficients only; use `pinnfluence predict` for this task")
    return constrain(task.pde, x, t, network(task.params, task.layers, x, t))
