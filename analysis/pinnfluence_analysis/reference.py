"""Reference solutions of the problems (PAPER.md section 1), where Python can give them.

- diffusion, wave, drift_diffusion: closed forms, for any coefficients (diffusion's source keeps
  e^{-t} sin(pi x) for every D; wave sin(pi x) cos(c pi t) + sin(4 pi x) cos(4 c pi t) / 2;
  drift_diffusion sin(2x - 2 beta t + pi/4) e^{-4 D t});
- heat2d, u_t = alpha (u_xx + u_yy) on [0,1]^2 x [0,1]: the closed form
      u = sin(pi x) sin(pi y) e^{-2 pi^2 alpha t} + 0.5 sin(2 pi x) sin(pi y) e^{-5 pi^2 alpha t}
  for any alpha (default 0.05);
- burgers: the Cole–Hopf integral
      u = −∫ sin π(x−η) f(x−η) G(η) dη / ∫ f(x−η) G(η) dη,
      f(y) = exp(−cos(πy) / (2πν)),  G(η) = exp(−η² / (4νt)),  ν = 0.01/π,
  with η = sqrt(4νt)·s so that G becomes the Gauss–Hermite weight exp(−s²), evaluated with
  numpy's 128-point Gauss–Hermite rule; the exponent of f is shifted by its maximum over the
  nodes before exponentiating (the same factor cancels between numerator and denominator), so
  nothing overflows; at t = 0 the initial condition −sin πx is returned;
- allen_cahn: no closed form; u_t = 0.001 u_xx + 5(u − u³), u(±1, t) = −1,
  u(x, 0) = x² cos πx is solved as the C program does: Legendre spectral elements in x (one
  element of degree 512 on the Gauss–Lobatto–Legendre nodes, lumped mass), ETDRK4 (Kassam &
  Trefethen 2005, contour integrals for the coefficients) in the eigenbasis of the symmetric
  operator W^-1/2 K W^-1/2, time step 1e-3, and barycentric interpolation from the nodes.
  Degree 640 changes the 201 × 101 holdout grid by 3e-9, step 5e-4 by 1e-11; the stored L2
  errors (computed by the C program against its own reference) are reproduced to 1e-10
  (tests/analysis/test_model.py). About a second per call (the solver is cached).

burgers and allen_cahn at coefficients other than the paper's have no Python reference here (the C
program computes and stores its own errors): reference() returns None for them.
"""

import functools

import numpy as np
from scipy.special import eval_legendre, roots_jacobi

NU_BURGERS = 0.01 / np.pi
HERMITE_ORDER = 128


def diffusion(x, t, D=1.0):
    """e^{-t} sin(pi x) for every diffusion coefficient D (the source follows D)."""
    return np.exp(-t) * np.sin(np.pi * x)


def wave(x, t, c=2.0):
    return (np.sin(np.pi * x) * np.cos(c * np.pi * t)
            + 0.5 * np.sin(4 * np.pi * x) * np.cos(4 * c * np.pi * t))


def drift_diffusion(x, t, D=1.0, beta=20.0):
    return np.sin(2 * x - 2 * beta * t + np.pi / 4) * np.exp(-4 * D * t)


HEAT2D_ALPHA = 0.05


def heat2d(x, y, t, alpha=HEAT2D_ALPHA):
    """u_t = alpha (u_xx + u_yy), u = 0 on the boundary of [0,1]^2, two modes."""
    s = np.sin(np.pi * y)
    return (np.sin(np.pi * x) * s * np.exp(-2 * np.pi**2 * alpha * t)
            + 0.5 * np.sin(2 * np.pi * x) * s * np.exp(-5 * np.pi**2 * alpha * t))


def burgers(x, t, order=HERMITE_ORDER, nu=NU_BURGERS):
    """Cole–Hopf solution of u_t + u u_x = nu u_xx, u(x, 0) = −sin πx, u(±1, t) = 0."""
    x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
    s, w = np.polynomial.hermite.hermgauss(order)
    shape = x.shape
    x, t = x.ravel(), t.ravel()
    u = -np.sin(np.pi * x)
    live = t > 0
    if np.any(live):
        eta = np.sqrt(4 * nu * t[live])[:, None] * s[None, :]
        y = x[live, None] - eta
        expo = -np.cos(np.pi * y) / (2 * np.pi * nu)
        f = w[None, :] * np.exp(expo - expo.max(axis=1, keepdims=True))
        u[live] = -np.sum(np.sin(np.pi * y) * f, axis=1) / np.sum(f, axis=1)
    return u.reshape(shape)


class AllenCahn:
    """Spectral ETDRK4 solver of the Allen–Cahn problem (see the module docstring)."""

    EPS, RATE = 1e-3, 5.0

    def __init__(self, degree=512, dt=1e-3, contour=32):
        self.dt, self.contour = dt, contour
        x, w = gll_nodes(degree)
        k = gll_stiffness(x, degree, w)
        self.x, self.sw = x, np.sqrt(w[1:-1])  # interior nodes carry the unknowns v = u + 1
        s = k[1:-1, 1:-1] / np.outer(self.sw, self.sw)
        lam, self.q = np.linalg.eigh(0.5 * (s + s.T))
        self.lin = -self.EPS * lam
        self.bary = barycentric_weights(x)
        self._coef = {}

    def _coefficients(self, h):
        """ETDRK4 coefficients for step h (Kassam & Trefethen 2005, eq. 2.5, contour means)."""
        key = round(h, 15)
        if key not in self._coef:
            m = self.contour
            r = np.exp(1j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
            lr = h * self.lin[:, None] + r[None, :]
            e = np.exp(lr)

            def mean(a):
                return h * np.real(np.mean(a, axis=1))
            self._coef[key] = (
                np.exp(h * self.lin), np.exp(h * self.lin / 2),
                mean((np.exp(lr / 2) - 1) / lr),
                mean((-4 - lr + e * (4 - 3 * lr + lr**2)) / lr**3),
                mean((2 + lr + e * (-2 + lr)) / lr**3),
                mean((-4 - 3 * lr - lr**2 + e * (4 - lr)) / lr**3))
        return self._coef[key]

    def _nodal(self, z):
        """u at all nodes from the eigen-coordinates z."""
        return np.concatenate([[-1.0], self.q @ z / self.sw - 1.0, [-1.0]])

    def _reaction(self, z):
        u = self.q @ z / self.sw - 1.0
        return self.q.T @ (self.sw * self.RATE * (u - u**3))

    def _step(self, z, h):
        e, e2, qc, f1, f2, f3 = self._coefficients(h)
        nu = self._reaction(z)
        a = e2 * z + qc * nu
        na = self._reaction(a)
        b = e2 * z + qc * na
        nb = self._reaction(b)
        c = e2 * a + qc * (2 * nb - nu)
        return e * z + nu * f1 + 2 * (na + nb) * f2 + self._reaction(c) * f3

    def nodal(self, times):
        """u at the nodes for each time (any order, in [0, 1]): (len(times), degree + 1)."""
        times = np.asarray(times, float)
        order = np.argsort(times)
        u0 = self.x**2 * np.cos(np.pi * self.x)
        z, now = self.q.T @ (self.sw * (u0[1:-1] + 1.0)), 0.0
        out = np.empty((times.size, self.x.size))
        for i in order:
            span = times[i] - now
            steps = int(np.ceil(span / self.dt - 1e-9)) if span > 0 else 0
            for _ in range(steps):
                z = self._step(z, span / steps)
            now = times[i] if steps else now
            out[i] = self._nodal(z) if times[i] > 0 else u0
        return out

    def __call__(self, x, t):
        """u(x, t) at scattered points (broadcast shapes)."""
        x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
        ts, inverse = np.unique(t.ravel(), return_inverse=True)
        nodal = self.nodal(ts)
        u = np.empty(x.size)
        xr = x.ravel()
        for k in range(ts.size):
            sel = inverse == k
            u[sel] = barycentric(self.x, self.bary, nodal[k], xr[sel])
        return u.reshape(x.shape)


def gll_nodes(degree):
    """Gauss–Lobatto–Legendre nodes (ascending) and quadrature weights."""
    inner, _ = roots_jacobi(degree - 1, 1, 1)
    x = np.concatenate([[-1.0], np.sort(inner), [1.0]])
    return x, 2.0 / (degree * (degree + 1) * eval_legendre(degree, x) ** 2)


def gll_stiffness(x, degree, w):
    """K = Dᵀ W D with D the Legendre collocation derivative on the GLL nodes."""
    p = eval_legendre(degree, x)
    dx = x[:, None] - x[None, :]
    np.fill_diagonal(dx, 1.0)
    d = (p[:, None] / p[None, :]) / dx
    np.fill_diagonal(d, 0.0)
    d[0, 0], d[-1, -1] = -degree * (degree + 1) / 4.0, degree * (degree + 1) / 4.0
    return d.T @ (w[:, None] * d)


def barycentric_weights(x):
    """Barycentric interpolation weights 1 / Π_k≠j (x_j − x_k), scaled (computed in logs)."""
    dx = x[:, None] - x[None, :]
    np.fill_diagonal(dx, 1.0)
    logs = np.sum(np.log(np.abs(dx)), axis=1)
    return np.prod(np.sign(dx), axis=1) * np.exp(logs.min() - logs)


def barycentric(nodes, weights, values, xq):
    """The interpolating polynomial of (nodes, values) at xq (second barycentric formula)."""
    d = xq[:, None] - nodes[None, :]
    hit = d == 0
    d[hit] = 1.0
    c = weights[None, :] / d
    out = (c @ values) / c.sum(axis=1)
    rows, cols = np.nonzero(hit)
    out[rows] = values[cols]
    return out


@functools.lru_cache(maxsize=2)
def allen_cahn_solver(degree=512, dt=1e-3):
    return AllenCahn(degree, dt)


def allen_cahn(x, t):
    """The Allen–Cahn reference at (x, t) (spectral ETDRK4; see the module docstring)."""
    return allen_cahn_solver()(x, t)


# pde -> (function of the input coordinates and keyword coefficients, the coefficients it takes:
# a task with another coefficient than these at a non-default value has no Python reference)
CLOSED = {
    "diffusion": (diffusion, ("D",)),
    "wave": (wave, ("c",)),
    "drift_diffusion": (drift_diffusion, ("D", "beta")),
    "heat2d": (heat2d, ("alpha",)),
    "burgers": (burgers, ()),
    "allen_cahn": (allen_cahn, ()),
}


def available(pde, coefficients=None):
    """Whether Python can compute the reference of `pde` with these coefficients (those other
    than the defaults, a Task.coefficients): every built-in problem at its defaults; diffusion,
    wave, drift_diffusion and heat2d at any."""
    entry = CLOSED.get(pde)
    return entry is not None and set(coefficients or {}) <= set(entry[1])


def reference(pde, *coords, coefficients=None):
    """The reference solution at the coordinates (one array per input: x, t or x, y, t), or None
    if it is not available in Python."""
    if not available(pde, coefficients):
        return None
    fn, _ = CLOSED[pde]
    return fn(*[np.asarray(c, float) for c in coords], **dict(coefficients or {}))


def reference_points(pde, X, coefficients=None):
    """The reference at points X (n, d) as (n, m) (m = 1 for the built-in problems), or None."""
    X = np.asarray(X, float)
    u = reference(pde, *X.T, coefficients=coefficients)
    return None if u is None else np.asarray(u, float).reshape(X.shape[0], -1)


def holdout_grid(pde):
    """The fixed holdout grid of burgers and allen_cahn (x, t arrays, t-major), else None.

    burgers: x = linspace(−1, 1, 256) × t = 0, 0.01, ..., 0.99; allen_cahn: x = −1, −0.99, ..., 1
    × t = 0, 0.01, ..., 1 (PAPER.md section 1)."""
    if pde == "burgers":
        xs, ts = np.linspace(-1, 1, 256), np.arange(100) / 100
    elif pde == "allen_cahn":
        xs, ts = np.linspace(-1, 1, 201), np.arange(101) / 100
    else:
        return None
    tt, xx = np.meshgrid(ts, xs, indexing="ij")
    return xx.ravel(), tt.ravel()
