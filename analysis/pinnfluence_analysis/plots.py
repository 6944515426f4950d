"""Figures of a results file, each written as PNG and PDF.

1. convergence_<mode>: L2 relative error against iteration, one panel per problem; per method the
   geometric mean over seeds (a log axis) with the min–max band over seeds.
2. points_<pde>_<mode>_seed<S>: the training set after the last cycle, one panel per method; drawn
   points coloured by the cycle they were drawn in, the initial points in grey.
3. solution_task<ID>_<pde>_<method>_<mode>_seed<S>: reference, prediction and absolute error on a
   regular grid (the references of reference.py; a problem without one shows the prediction).
4. pool_<pde>_<mode>_seed<S>: the last candidate pool coloured by its score (when it was stored).

Only finished tasks are drawn. Every function returns the paths it wrote and a list of notes on
what was skipped.
"""

import contextlib
import os
import warnings

import matplotlib

if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import colors, ticker  # noqa: E402

from . import model, reference  # noqa: E402
from .order import MODES, METHODS, PDES, method_colour, ordered  # noqa: E402

STYLE = {
    "font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11, "xtick.labelsize": 10,
    "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 12,
    "savefig.dpi": 150, "savefig.bbox": "tight",
}
X_LABEL, T_LABEL = "x (space)", "t (time)"


def save(fig, out_dir, name):
    """Write fig as name.png and name.pdf into out_dir; returns both paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, f"{name}.{ext}") for ext in ("png", "pdf")]
    for p in paths:
        fig.savefig(p)
    plt.close(fig)
    return paths


def _grid(n_panels, max_cols=4, size=(4.2, 3.6)):
    cols = min(n_panels, max_cols)
    rows = -(-n_panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows),
                             squeeze=False, layout="constrained")
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


def _domain_axes(ax, pde, margin=0.0):
    """Axis limits of the problem's domain (widened by `margin` of its size) and labels."""
    (x0, x1), (t0, t1) = model.DOMAINS[pde]
    dx, dt = margin * (x1 - x0), margin * (t1 - t0)
    ax.set_xlim(x0 - dx, x1 + dx)
    ax.set_ylim(t0 - dt, t1 + dt)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(T_LABEL)


def _by(tasks, *keys):
    out = {}
    for task in tasks:
        out.setdefault(tuple(getattr(task, k) for k in keys), []).append(task)
    return out


# ---------------------------------------------------------------- 1. convergence

def seed_curves(tasks):
    """(iterations (C,), errors (n_seeds, C)) of one group, aligned by cycle (NaN padded).

    The iteration of a cycle is the median over seeds (equal unless L-BFGS stopped early)."""
    c = max(t.cycles for t in tasks)
    errors = np.full((len(tasks), c), np.nan)
    iters = np.full((len(tasks), c), np.nan)
    for i, t in enumerate(tasks):
        errors[i, :t.cycles] = t.metric("l2_relative_error")
        iters[i, :t.cycles] = t.metric("iteration")
    with _quiet():
        return np.nanmedian(iters, axis=0), errors


def geometric_mean(errors):
    """Geometric mean over axis 0, ignoring NaN (and non-positive values)."""
    logs = np.where(errors > 0, np.log(np.where(errors > 0, errors, 1.0)), np.nan)
    with _quiet():
        return np.exp(np.nanmean(logs, axis=0))


@contextlib.contextmanager
def _quiet():
    """Silences numpy's 'all-NaN slice' warnings inside a block (NaN is the intended result)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def plot_convergence(tasks, out_dir):
    """One figure per mode: error against iteration, a panel per problem."""
    paths = []
    groups = _by(tasks, "mode", "pde", "method")
    for mode in ordered([k[0] for k in groups], MODES):
        pdes = ordered([k[1] for k in groups if k[0] == mode], PDES)
        with plt.rc_context(STYLE):
            fig, axes = _grid(len(pdes), max_cols=3, size=(4.6, 3.6))
            handles = {}
            for ax, pde in zip(axes, pdes):
                methods = ordered([k[2] for k in groups if k[:2] == (mode, pde)], METHODS)
                for method in methods:
                    handles[method] = _convergence_curve(ax, groups[(mode, pde, method)], method)
                _log_y(ax)
                ax.set_xlabel("iteration (Adam + L-BFGS, cumulative)")
                ax.set_ylabel("L2 relative error")
                ns = sorted({len(groups[(mode, pde, m)]) for m in methods})
                ax.set_title(f"{pde}, {mode} mode (n = {_span(ns)} seeds)")
                ax.grid(True, which="major", alpha=0.3)
            order = ordered(handles, METHODS)
            fig.legend([handles[m] for m in order], order, loc="upper center",
                       bbox_to_anchor=(0.5, 0.0), ncols=min(len(order), 7),
                       title="line: geometric mean over seeds; band: min–max over seeds")
            paths += save(fig, out_dir, f"convergence_{mode}")
    return paths, []


def _log_y(ax):
    """A log y axis whose ticks read well also when the data span less than two decades:
    then 1, 2 and 5 times powers of ten are labelled, or, under one decade, evenly spaced round
    values (a log axis alone would label one tick or none)."""
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    if not (lo > 0 and hi / lo < 100):
        return
    if hi / lo < 10:
        ticks = ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    else:
        ticks = [m * 10.0**k for k in range(int(np.floor(np.log10(lo))),
                                            int(np.ceil(np.log10(hi))) + 1) for m in (1, 2, 5)]
    ticks = [v for v in ticks if lo <= v <= hi]
    plain = 0.01 <= lo and hi <= 1000
    ax.yaxis.set_major_locator(ticker.FixedLocator(ticks))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(
        (lambda v, _pos=None: f"{v:g}") if plain else _power_label))
    ax.yaxis.set_minor_locator(ticker.LogLocator(base=10, subs=np.arange(1, 10)))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_ylim(lo, hi)


def _power_label(v, _pos=None):
    """2e-4 -> 2×10⁻⁴ (mathtext), 1e-3 -> 10⁻³, 1.5e-3 -> 1.5×10⁻³."""
    exp = int(np.floor(np.log10(v) + 1e-9))
    mant = float(f"{v / 10.0**exp:.2g}")
    if mant == 1:
        return f"$10^{{{exp}}}$"
    return f"${mant:g}\\times10^{{{exp}}}$"


def _span(ns):
    return str(ns[0]) if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"


def _convergence_curve(ax, tasks, method):
    iters, errors = seed_curves(tasks)
    colour = method_colour(method)
    few = len(iters) <= 12
    line, = ax.plot(iters, geometric_mean(errors), color=colour, lw=1.8,
                    marker="o" if few else None, ms=4)
    if len(tasks) > 1:
        with _quiet():
            ax.fill_between(iters, np.nanmin(errors, axis=0), np.nanmax(errors, axis=0),
                            color=colour, alpha=0.18, lw=0)
    return line


# ---------------------------------------------------------------- 2. training points

def cycle_of_points(task):
    """For each final training point, the cycle (1-based) it was drawn in, or 0 if initial.

    A point drawn again later keeps the later cycle; matching is by exact coordinates."""
    drawn = task.drawn_points
    last = {}
    for c in range(drawn.shape[0]):
        for x, t in drawn[c]:
            last[(x, t)] = c + 1
    return np.array([last.get((x, t), 0) for x, t in task.final_points], dtype=int)


def choose_seed(tasks, seed=None):
    """The requested seed, or the smallest seed among the tasks."""
    seeds = sorted({t.seed for t in tasks})
    if seed is None:
        return seeds[0]
    return seed if seed in seeds else None


def plot_points(tasks, out_dir, seed=None):
    """Per (pde, mode): the final training set of each method at one seed."""
    paths, notes = [], []
    groups = _by(tasks, "pde", "mode")
    for pde, mode in _ordered_pairs(groups):
        s = choose_seed(groups[(pde, mode)], seed)
        chosen = [t for t in groups[(pde, mode)] if t.seed == s]
        if not chosen:
            notes.append(f"points: {pde}/{mode} has no finished task with seed {seed}")
            continue
        chosen.sort(key=lambda t: _rank(t.method, METHODS))
        with plt.rc_context(STYLE):
            paths += _points_figure(chosen, pde, mode, s, out_dir)
    return paths, notes


def _points_figure(chosen, pde, mode, seed, out_dir):
    cycles = max(t.cycles for t in chosen)
    cmap = plt.get_cmap("viridis", cycles) if cycles <= 20 else plt.get_cmap("viridis")
    norm = colors.BoundaryNorm(np.arange(0.5, cycles + 1), cmap.N) if cycles <= 20 \
        else colors.Normalize(1, cycles)
    fig, axes = _grid(len(chosen), max_cols=4, size=(3.9, 3.5))
    size = _marker_size(max(len(t.final_points) for t in chosen))
    for ax, task in zip(axes, chosen):
        pts, cyc = task.final_points, cycle_of_points(task)
        init = cyc == 0
        ax.scatter(pts[init, 0], pts[init, 1], s=size, c="0.6", lw=0)
        order = np.argsort(cyc[~init], kind="stable")
        few = (~init).sum() <= 200  # few drawn points: larger, outlined markers
        ax.scatter(pts[~init, 0][order], pts[~init, 1][order], c=cyc[~init][order], cmap=cmap,
                   norm=norm, s=_marker_size((~init).sum()) * (2.0 if few else 1.0),
                   edgecolors="k" if few else "none", linewidths=0.4)
        _domain_axes(ax, pde, margin=0.02)
        drawn = f"{(~init).sum()} drawn" if task.drawn_points.shape[1] else "none drawn"
        ax.set_title(f"{task.method}: {init.sum()} initial + {drawn}",
                     color=method_colour(task.method))
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.9,
                       ticks=_cycle_ticks(cycles))
    bar.set_label("cycle the point was drawn in")
    fig.suptitle(f"{pde}, {mode} mode, seed {seed}: training points after the last "
                 f"cycle (initial points grey)")
    return save(fig, out_dir, f"points_{pde}_{mode}_seed{seed}")


def _cycle_ticks(cycles):
    if cycles <= 10:
        return np.arange(1, cycles + 1)
    step = int(np.ceil(cycles / 8))
    return np.unique(np.r_[1, np.arange(step, cycles + 1, step)])


def _marker_size(n):
    """Scatter marker area (pt^2) for n points in a panel: smaller as the panel fills."""
    return float(np.clip(500.0 / np.sqrt(max(n, 1)), 2.0, 14.0))


def _rank(name, known):
    return known.index(name) if name in known else len(known)


def _ordered_pairs(groups):
    pairs = list(groups)
    return sorted(pairs, key=lambda k: (_rank(k[0], PDES), k[0], _rank(k[1], MODES), k[1]))


# ---------------------------------------------------------------- 3. solution

def default_solution_tasks(tasks, seed=None):
    """One task per (pde, mode): the chosen seed (default the smallest) of the first method in
    paper order."""
    out = []
    groups = _by(tasks, "pde", "mode")
    for key in _ordered_pairs(groups):
        s = choose_seed(groups[key], seed)
        chosen = sorted((t for t in groups[key] if t.seed == s),
                        key=lambda t: _rank(t.method, METHODS))
        out += chosen[:1]
    return out


def solution_grid(pde, nx=256, nt=201):
    """A regular (nt, nx) grid over the problem's domain: X, T."""
    (x0, x1), (t0, t1) = model.DOMAINS[pde]
    return np.meshgrid(np.linspace(x0, x1, nx), np.linspace(t0, t1, nt))


def plot_solution(task, out_dir, predictor=None):
    """Reference, prediction and |error| heat maps of one task (prediction only if the reference
    is not available in Python). predictor(task, x, t) -> u; default the numpy forward pass."""
    predictor = predictor or model.predict
    xx, tt = solution_grid(task.pde)
    u = predictor(task, xx.ravel(), tt.ravel()).reshape(xx.shape)
    # the Python references are the paper's: none for a task with other coefficients
    ref = None if task.coefficients else reference.reference(task.pde, xx, tt)
    name = f"solution_task{task.index}_{task.pde}_{task.method}_{task.mode}_seed{task.seed}"
    title = (f"{task.pde}, {task.method}, {task.mode} mode, seed {task.seed} "
             f"(task {task.index}; stored final L2 relative error {task.final():.3g})")
    with plt.rc_context(STYLE):
        if ref is None:
            fig, axes = _grid(1, size=(5.4, 4.0))
            _heat(axes[0], xx, tt, u, "prediction u(x, t)", "u", _sym_norm(u), "RdBu_r")
            fig.suptitle(title + "\nno reference available in Python, so no error map",
                         fontsize=10)
        else:
            fig, axes = _grid(3, max_cols=3, size=(4.4, 3.9))
            norm = _sym_norm(np.concatenate([ref.ravel(), u.ravel()]))
            _heat(axes[0], xx, tt, ref, "reference u_ref(x, t)", None, norm, "RdBu_r")
            _heat(axes[1], xx, tt, u, "prediction u(x, t)", None, norm, "RdBu_r")
            fig.colorbar(axes[1].collections[0], ax=axes[:2], label="u (reference and prediction)",
                         shrink=0.95)
            err = np.abs(u - ref)
            _heat(axes[2], xx, tt, err, "absolute error |u − u_ref|",
                  "|u − u_ref| (log scale; floor 1e-3 of max)", _log_norm(err), "magma")
            fig.suptitle(title)
        for ax in axes:
            _domain_axes(ax, task.pde)
        return save(fig, out_dir, name)


def _heat(ax, xx, tt, values, title, bar_label, norm, cmap):
    mesh = ax.pcolormesh(xx, tt, values, norm=norm, cmap=cmap, shading="auto",
                         rasterized=True)
    ax.set_title(title)
    if bar_label:
        ax.figure.colorbar(mesh, ax=ax, label=bar_label)


def _sym_norm(values):
    m = float(np.nanmax(np.abs(values))) or 1.0
    return colors.Normalize(-m, m)


def _log_norm(values, decades=3):
    """A log colour scale over the top `decades` of the positive values (smaller ones clip)."""
    pos = values[np.isfinite(values) & (values > 0)]
    if pos.size == 0:
        return colors.Normalize(0, 1)
    hi = float(pos.max())
    lo = max(float(pos.min()), hi * 10.0**-decades)
    return colors.LogNorm(lo, hi, clip=True)


# ---------------------------------------------------------------- 4. pool

def plot_pools(tasks, out_dir, seed=None):
    """Per (pde, mode): the last pool of each method coloured by score, at one seed."""
    paths, notes = [], []
    with_pool = [t for t in tasks if t.pool is not None]
    if not with_pool:
        return [], ["pool: no finished task has a stored pool (/tasks/pool_count is 0 everywhere; "
                    "pools are stored with run.store_pool_scores = true), so there is no pool "
                    "figure"]
    groups = _by(with_pool, "pde", "mode")
    for pde, mode in _ordered_pairs(groups):
        s = choose_seed(groups[(pde, mode)], seed)
        chosen = sorted((t for t in groups[(pde, mode)] if t.seed == s),
                        key=lambda t: _rank(t.method, METHODS))
        if not chosen:
            notes.append(f"pool: {pde}/{mode} has no stored pool with seed {seed}")
            continue
        with plt.rc_context(STYLE):
            paths += _pool_figure(chosen, pde, mode, s, out_dir)
    return paths, notes


def _pool_figure(chosen, pde, mode, seed, out_dir):
    fig, axes = _grid(len(chosen), max_cols=3, size=(4.4, 3.6))
    for ax, task in zip(axes, chosen):
        pts, scores = task.pool
        norm, scale = _score_norm(scores)
        order = np.argsort(scores)  # high scores on top
        title = f"{task.method}: pool of {len(pts)}"
        mesh = ax.scatter(pts[order, 0], pts[order, 1], c=scores[order], norm=norm,
                          s=_marker_size(len(pts)), lw=0, cmap="viridis")
        if task.z_points is not None:  # on top, thin, so the pool stays readable
            z = task.z_points
            ax.scatter(z[:, 0], z[:, 1], s=_marker_size(len(z)), marker="x", c="k", lw=0.5,
                       alpha=0.55)
            title += f"\n(black ×: the {len(z)} points of Z)"
        fig.colorbar(mesh, ax=ax, label=f"score ({scale})")
        _domain_axes(ax, pde, margin=0.02)
        ax.set_title(title, color=method_colour(task.method))
    fig.suptitle(f"{pde}, {mode} mode, seed {seed}: last cycle's candidate pool "
                 f"coloured by score")
    return save(fig, out_dir, f"pool_{pde}_{mode}_seed{seed}")


def _score_norm(scores):
    """A log colour scale when the positive scores really span decades (the 90th percentile
    over 20 times the 10th; uniform scores such as the random method's stay linear)."""
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        return colors.Normalize(0, 1), "linear scale"
    pos = finite[finite > 0]
    if pos.size == finite.size and np.percentile(pos, 90) > 20 * np.percentile(pos, 10):
        return colors.LogNorm(pos.min(), pos.max()), "log scale"
    return colors.Normalize(finite.min(), finite.max()), "linear scale"


# ---------------------------------------------------------------- all

def plot_all(tasks, out_dir, seed=None, task_ids=None, predictor=None):
    """Every figure; returns (paths, notes)."""
    paths, notes = [], []
    for fn in (plot_convergence, lambda ts, d: plot_points(ts, d, seed),
               lambda ts, d: plot_pools(ts, d, seed)):
        p, n = fn(tasks, out_dir)
        paths += p
        notes += n
    by_index = {t.index: t for t in tasks}
    if task_ids:
        chosen = [by_index[i] for i in task_ids if i in by_index]
        notes += [f"solution: task {i} is not a finished task" for i in task_ids
                  if i not in by_index]
    else:
        chosen = default_solution_tasks(tasks, seed)
    for task in chosen:
        paths += plot_solution(task, out_dir, predictor)
    return paths, notes
