"""The trained network of a task, evaluated in numpy.

The network is a tanh MLP with a linear output layer from the d inputs to the m outputs; its
parameters (/params, layer sizes in /tasks/layers) are stored per layer as W (n_out, n_in)
row-major, then b (n_out). The raw outputs N_j(X) are turned into the solution by the hard
constraint of the problem (PAPER.md section 1, DESIGN.md section 8), u_j = A_j(X) + B_j(X) N_j(X).

Points are point-major arrays X (n, d), columns in the order of the problem's inputs (time, if
any, last); outputs are (n, m). The built-in problems are in PROBLEMS: the paper's five in
(x, t) and heat2d in (x, y, t), with their named coefficients (a task's coefficients other than the
defaults come from its configuration, Task.coefficients). Problems not listed here are evaluated
by the C program (`pinnfluence predict`, the plots' --predict-with).
"""

from dataclasses import dataclass, field

import numpy as np

PI = np.pi


@dataclass(frozen=True)
class Problem:
    """A built-in problem as the analysis needs it: names, box domain and hard constraint."""

    name: str
    inputs: tuple           # input names, time (if any) last
    outputs: tuple          # output names
    domain: tuple           # ((lo, hi), ...) per input
    # (columns of X, each (n,); N (n, m); coefficients {name: value}) -> U (n, m)
    constraint: object = field(repr=False)
    coefficients: dict = field(default_factory=dict)  # name -> default (the paper's) value

    @property
    def dim(self):
        return len(self.inputs)

    def coefficient_values(self, given=None):
        """The defaults updated by `given` (a Task.coefficients); ValueError for a name the
        problem does not have."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.coefficients))
        if unknown:
            raise ValueError(f"{self.name} has no coefficient {', '.join(unknown)} (its "
                             f"coefficients: {', '.join(self.coefficients) or 'none'})")
        return {**self.coefficients, **given}


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


def network(theta, layers, X):
    """The raw network outputs N (n, m) at X (n, d): tanh hidden layers, linear output layer."""
    h = np.asarray(X, dtype=float)
    if h.ndim != 2 or h.shape[1] != layers[0]:
        raise ValueError(f"points of shape {h.shape} for a network with {layers[0]} inputs")
    weights = split_params(theta, layers)
    for i, (w, b) in enumerate(weights):
        h = h @ w.T + b
        if i < len(weights) - 1:
            h = np.tanh(h)
    return h


# ---------------------------------------------------------------- hard constraints

def _one(fn):
    """A one-output constraint fn(*columns, n, coef) -> u as a (columns, N (n, 1), coef) -> U."""
    def constraint(cols, n, coef):
        return fn(*cols, n[:, 0], coef)[:, None]
    return constraint


# The constraints of the C problems (src/pde); A and B do not depend on the coefficients except
# drift_diffusion's A (its closed form at t = 0 and along x = 0, 2 pi)

def _diffusion(x, t, n, coef):
    return np.sin(PI * x) + (1 - x**2) * t * n


def _burgers(x, t, n, coef):
    return -np.sin(PI * x) + (1 - x**2) * t * n


def _allen_cahn(x, t, n, coef):
    return t * (1 + x) * (1 - x) * n + x**2 * np.cos(PI * x)


def _wave(x, t, n, coef):
    return 20 * n * x * (1 - x) * t**2 + np.sin(PI * x) + 0.5 * np.sin(4 * PI * x)


def _drift_diffusion(x, t, n, coef):
    w, g = 2 * coef["beta"], -4 * coef["D"]  # 40 and -4 at the paper's D = 1, beta = 20
    a = np.sin(2 * x + PI / 4) + (np.sin(PI / 4 - w * t) * np.exp(g * t) - np.sin(PI / 4))
    return a + t * x * (2 * PI - x) * n


def heat2d_initial(x, y):
    """u0(x, y) = sin(pi x) sin(pi y) + 0.5 sin(2 pi x) sin(pi y), heat2d's initial value."""
    return np.sin(PI * x) * np.sin(PI * y) + 0.5 * np.sin(2 * PI * x) * np.sin(PI * y)


def _heat2d(x, y, t, n, coef):
    return heat2d_initial(x, y) + x * (1 - x) * y * (1 - y) * t * n


_UNIT = (0.0, 1.0)
PROBLEMS = {p.name: p for p in (
    Problem("diffusion", ("x", "t"), ("u",), ((-1.0, 1.0), _UNIT), _one(_diffusion), {"D": 1.0}),
    Problem("burgers", ("x", "t"), ("u",), ((-1.0, 1.0), _UNIT), _one(_burgers),
            {"nu": 0.01 / PI}),
    Problem("allen_cahn", ("x", "t"), ("u",), ((-1.0, 1.0), _UNIT), _one(_allen_cahn),
            {"D": 0.001, "k": 5.0}),
    Problem("wave", ("x", "t"), ("u",), (_UNIT, _UNIT), _one(_wave), {"c": 2.0}),
    Problem("drift_diffusion", ("x", "t"), ("u",), ((0.0, 2 * PI), _UNIT),
            _one(_drift_diffusion), {"D": 1.0, "beta": 20.0}),
    Problem("heat2d", ("x", "y", "t"), ("u",), (_UNIT, _UNIT, _UNIT), _one(_heat2d),
            {"alpha": 0.05}),
)}

# the box domain of each built-in problem: ((x_min, x_max), (t_min, t_max)) for the paper's five,
# ((x_min, x_max), (y_min, y_max), (t_min, t_max)) for heat2d
DOMAINS = {name: p.domain for name, p in PROBLEMS.items()}


def problem(pde):
    """The built-in Problem called pde, or None."""
    return PROBLEMS.get(pde)


def _problem(pde):
    p = PROBLEMS.get(pde)
    if p is None:
        raise ValueError(f"no Python model of problem {pde!r} (built in: "
                         f"{', '.join(PROBLEMS)}); use `pinnfluence predict` (plots "
                         f"--predict-with)")
    return p


def transform(pde, X, N, coefficients=None):
    """U (n, m) = A(X) + B(X) N, the hard constraint of problem pde (with its coefficients other
    than the defaults, a Task.coefficients) applied to the raw network outputs N (n, m) at
    X (n, d)."""
    p = _problem(pde)
    coef = p.coefficient_values(coefficients)
    X = np.asarray(X, float)
    N = np.asarray(N, float)
    if X.ndim != 2 or X.shape[1] != p.dim:
        raise ValueError(f"{pde}: points of shape {X.shape}, expected (n, {p.dim}) "
                         f"({', '.join(p.inputs)})")
    if N.shape != (X.shape[0], len(p.outputs)):
        raise ValueError(f"{pde}: network outputs of shape {N.shape}, expected "
                         f"({X.shape[0]}, {len(p.outputs)})")
    return p.constraint(tuple(X.T), N, coef)


def constrain(pde, *args, coefficients=None):
    """The hard constraint in coordinates: constrain(pde, x, t, n) (or x, y, t, n for heat2d)
    with arrays of one shape; n the raw output (m = 1) or with a last axis of the m outputs.
    Returns u of n's shape."""
    p = _problem(pde)
    if len(args) != p.dim + 1:
        raise ValueError(f"{pde}: constrain takes {p.dim} coordinates ({', '.join(p.inputs)}) "
                         f"and the raw output")
    coords = np.broadcast_arrays(*[np.asarray(a, float) for a in args[:-1]])
    shape = coords[0].shape
    X = np.stack([c.ravel() for c in coords], axis=1)
    n = np.asarray(args[-1], float)
    m = len(p.outputs)
    N = n.reshape(-1, m) if m > 1 else np.broadcast_to(n, shape).reshape(-1, 1)
    U = transform(pde, X, N, coefficients)
    return U.reshape(shape) if m == 1 else U.reshape(shape + (m,))


def check_task(task):
    """The task's built-in Problem, or ValueError saying why Python cannot evaluate it."""
    p = _problem(task.pde)
    try:
        p.coefficient_values(task.coefficients)
    except ValueError as e:
        raise ValueError(f"task {task.index}: {e}") from None
    dim = getattr(task, "dim", 2)
    if dim != p.dim or tuple(getattr(task, "inputs", p.inputs)) != p.inputs:
        raise ValueError(f"task {task.index}: {task.pde} has inputs {','.join(p.inputs)}, the "
                         f"file says {','.join(getattr(task, 'inputs', ()))}")
    layers = tuple(task.layers)
    if layers[0] != p.dim or layers[-1] != len(p.outputs):
        raise ValueError(f"task {task.index}: layers {layers} do not map {p.dim} inputs to "
                         f"{len(p.outputs)} outputs")
    return p


def evaluate(task, X):
    """The outputs U (n, m) of a task's final network (a store.Task) at X (n, d)."""
    check_task(task)
    X = np.asarray(X, float)
    return transform(task.pde, X, network(task.params, task.layers, X), task.coefficients)


def predict(task, *coords):
    """u of a task's final network at coordinates given one array per input (x, t or x, y, t;
    one shape, broadcast): u of that shape for one output, else with a last axis of outputs."""
    p = check_task(task)
    if len(coords) != p.dim:
        raise ValueError(f"{task.pde}: predict takes {p.dim} coordinate arrays "
                         f"({', '.join(p.inputs)}), got {len(coords)}")
    cs = np.broadcast_arrays(*[np.asarray(c, float) for c in coords])
    shape = cs[0].shape
    U = evaluate(task, np.stack([c.ravel() for c in cs], axis=1))
    return U[:, 0].reshape(shape) if U.shape[1] == 1 else U.reshape(shape + (U.shape[1],))
