"""Figures of a results file, each written as PNG and PDF.

1. convergence_<mode>: L2 relative error against iteration, one panel per problem; per method the
   geometric mean over seeds (a log axis) with the min–max band over seeds.
2. points_<problem>_<mode>_seed<S>: the training set after the last cycle, one panel per method;
   drawn points coloured by the cycle they were drawn in, the initial points in grey. In (x, t)
   the points themselves; with d >= 3 inputs (x, y, t) their projection on the first two inputs,
   a second row coloured by the last input (time).
3. solution_task<ID>_<problem>_<method>_<mode>_seed<S>[_<output>]: reference, prediction and
   absolute error (the references of reference.py; a problem without one shows the prediction):
   in (x, t) maps on a 256 x 201 grid; with d >= 3 maps in the first two inputs (x, y) on a
   101 x 101 grid at three values of the last input (its lower end, middle and upper end: t = 0,
   0.5, 1 for heat2d; any further input at the middle of its range); with d = 1 curves. One
   figure per output when there are several (the output's name ends the file name).
4. pool_<problem>_<mode>_seed<S>: the last candidate pool coloured by its score (when it was
   stored), projected on the first two inputs when d >= 3.

A problem is the pde with its coefficients other than the defaults (Task.problem; in file names
'burgers nu=0.00063662' becomes burgers_nu0.00063662), so a coefficient grid is never pooled.
Box domains of the built-in problems come from model.PROBLEMS, of others from the training points.
Only finished tasks are drawn. Every function returns the paths it wrote and a list of notes on
what was skipped.
"""

import contextlib
import os
import re
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
AXIS_LABELS = {"x": "x (space)", "y": "y (space)", "z": "z (space)", "t": "t (time)"}
SLICES = (0.0, 0.5, 1.0)  # fractions of the last input's range of the d >= 3 solution maps


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


def axis_label(name):
    """'x (space)', 't (time)', or the input's own name."""
    return AXIS_LABELS.get(name, name)


def task_domain(task):
    """((lo, hi), ...) per input: the built-in problem's box, else the training points' range."""
    dom = model.DOMAINS.get(task.pde)
    if dom is not None and len(dom) == task.dim:
        return tuple(dom)
    pts = np.concatenate([task.final_points, task.drawn_points.reshape(-1, task.dim)])
    with _quiet():
        lo, hi = np.nanmin(pts, axis=0), np.nanmax(pts, axis=0)
    return tuple((float(a), float(b)) if np.isfinite(a) and b > a else (0.0, 1.0)
                 for a, b in zip(np.atleast_1d(lo), np.atleast_1d(hi)))


def _domain_axes(ax, task, margin=0.0, cols=(0, 1)):
    """Axis limits of the task's domain in the inputs `cols` (widened by `margin` of its size)
    and labels."""
    dom = task_domain(task)
    (x0, x1), (y0, y1) = dom[cols[0]], dom[cols[1]]
    dx, dy = margin * (x1 - x0), margin * (y1 - y0)
    ax.set_xlim(x0 - dx, x1 + dx)
    ax.set_ylim(y0 - dy, y1 + dy)
    ax.set_xlabel(axis_label(task.inputs[cols[0]]))
    ax.set_ylabel(axis_label(task.inputs[cols[1]]))


def slug(problem):
    """A file-name part for a problem: 'burgers nu=0.00063662' -> 'burgers_nu0.00063662'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", problem.replace("=", "")).strip("_")


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
    groups = _by(tasks, "mode", "problem", "method")
    for mode in ordered([k[0] for k in groups], MODES):
        pdes = _ordered_problems([k[1] for k in groups if k[0] == mode])
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
        for p in drawn[c]:
            last[tuple(p)] = c + 1
    return np.array([last.get(tuple(p), 0) for p in task.final_points], dtype=int)


def choose_seed(tasks, seed=None):
    """The requested seed, or the smallest seed among the tasks."""
    seeds = sorted({t.seed for t in tasks})
    if seed is None:
        return seeds[0]
    return seed if seed in seeds else None


def plot_points(tasks, out_dir, seed=None):
    """Per (problem, mode): the final training set of each method at one seed."""
    paths, notes = [], []
    groups = _by(tasks, "problem", "mode")
    for problem, mode in _ordered_pairs(groups):
        s = choose_seed(groups[(problem, mode)], seed)
        chosen = [t for t in groups[(problem, mode)] if t.seed == s]
        if not chosen:
            notes.append(f"points: {problem}/{mode} has no finished task with seed {seed}")
            continue
        chosen.sort(key=lambda t: _rank(t.method, METHODS))
        if chosen[0].dim < 2:
            notes.append(f"points: {problem} has {chosen[0].dim} input, no points figure")
            continue
        with plt.rc_context(STYLE):
            paths += _points_figure(chosen, problem, mode, s, out_dir)
    return paths, notes


def _cycle_norm(cycles):
    cmap = plt.get_cmap("viridis", cycles) if cycles <= 20 else plt.get_cmap("viridis")
    norm = colors.BoundaryNorm(np.arange(0.5, cycles + 1), cmap.N) if cycles <= 20 \
        else colors.Normalize(1, cycles)
    return cmap, norm


def _cycle_panel(ax, task, cmap, norm, cols=(0, 1)):
    """The final training points in the inputs `cols`: initial grey, drawn by cycle."""
    pts, cyc = task.final_points, cycle_of_points(task)
    a, b = cols
    init = cyc == 0
    ax.scatter(pts[init, a], pts[init, b], s=_marker_size(len(pts)), c="0.6", lw=0)
    order = np.argsort(cyc[~init], kind="stable")
    few = (~init).sum() <= 200  # few drawn points: larger, outlined markers
    ax.scatter(pts[~init, a][order], pts[~init, b][order], c=cyc[~init][order], cmap=cmap,
               norm=norm, s=_marker_size((~init).sum()) * (2.0 if few else 1.0),
               edgecolors="k" if few else "none", linewidths=0.4)
    _domain_axes(ax, task, margin=0.02, cols=cols)
    drawn = f"{(~init).sum()} drawn" if task.drawn_points.shape[1] else "none drawn"
    ax.set_title(f"{task.method}: {init.sum()} initial + {drawn}",
                 color=method_colour(task.method))


def _points_figure(chosen, problem, mode, seed, out_dir):
    cycles = max(t.cycles for t in chosen)
    cmap, norm = _cycle_norm(cycles)
    name = f"points_{slug(problem)}_{mode}_seed{seed}"
    if chosen[0].dim >= 3:
        return _points_figure_projected(chosen, problem, mode, seed, out_dir, cmap, norm, name)
    fig, axes = _grid(len(chosen), max_cols=4, size=(3.9, 3.5))
    for ax, task in zip(axes, chosen):
        _cycle_panel(ax, task, cmap, norm)
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.9,
                       ticks=_cycle_ticks(cycles))
    bar.set_label("cycle the point was drawn in")
    fig.suptitle(f"{problem}, {mode} mode, seed {seed}: training points after the last "
                 f"cycle (initial points grey)")
    return save(fig, out_dir, name)


def _points_figure_projected(chosen, problem, mode, seed, out_dir, cmap, norm, name):
    """d >= 3: per method the points projected on the first two inputs, coloured by cycle (top)
    and by the last input, the time (bottom)."""
    cycles = max(t.cycles for t in chosen)
    first = chosen[0]
    last = first.dim - 1
    n = len(chosen)
    fig, axes = plt.subplots(2, n, figsize=(3.9 * n, 3.5 * 2), squeeze=False,
                             layout="constrained")
    (t0, t1) = task_domain(first)[last]
    tnorm = colors.Normalize(t0, t1)
    for j, task in enumerate(chosen):
        _cycle_panel(axes[0, j], task, cmap, norm)
        pts = task.final_points
        order = np.argsort(pts[:, last], kind="stable")  # later times on top
        axes[1, j].scatter(pts[order, 0], pts[order, 1], c=pts[order, last], cmap="plasma",
                           norm=tnorm, s=_marker_size(len(pts)), lw=0)
        _domain_axes(axes[1, j], task, margin=0.02)
        axes[1, j].set_title(f"{task.method}: all {len(pts)} points",
                             color=method_colour(task.method))
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes[0, :], shrink=0.9,
                       ticks=_cycle_ticks(cycles))
    bar.set_label("cycle the point was drawn in")
    tbar = fig.colorbar(plt.cm.ScalarMappable(norm=tnorm, cmap="plasma"), ax=axes[1, :],
                        shrink=0.9)
    tbar.set_label(axis_label(first.inputs[last]))
    names = first.inputs
    fig.suptitle(f"{problem}, {mode} mode, seed {seed}: training points after the last cycle, "
                 f"projected on ({names[0]}, {names[1]}); top: initial grey, drawn by cycle; "
                 f"bottom: coloured by {names[last]}")
    return save(fig, out_dir, name)


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


def _problem_key(problem):
    """Sort key of a problem name: the paper's order of its pde, then the name."""
    return (_rank(problem.split(" ")[0], PDES), problem.split(" ")[0], problem)


def _ordered_problems(problems):
    return sorted(dict.fromkeys(problems), key=_problem_key)


def _ordered_pairs(groups):
    pairs = list(groups)
    return sorted(pairs, key=lambda k: (_problem_key(k[0]), _rank(k[1], MODES), k[1]))


# ---------------------------------------------------------------- 3. solution

def default_solution_tasks(tasks, seed=None):
    """One task per (problem, mode): the chosen seed (default the smallest) of the first method
    in paper order."""
    out = []
    groups = _by(tasks, "problem", "mode")
    for key in _ordered_pairs(groups):
        s = choose_seed(groups[key], seed)
        chosen = sorted((t for t in groups[key] if t.seed == s),
                        key=lambda t: _rank(t.method, METHODS))
        out += chosen[:1]
    return out


def solution_grid(task, nx=256, nt=201):
    """A regular (nt, nx) grid over a (x, t) problem's domain: X, T."""
    (x0, x1), (t0, t1) = task_domain(task)[:2]
    return np.meshgrid(np.linspace(x0, x1, nx), np.linspace(t0, t1, nt))


def slice_points(task, n=101, fractions=SLICES):
    """For d >= 3: the (n, n) grid over the first two inputs (xx, yy) and, per slice, the points
    X (n*n, d) with the last input at lo + f (hi - lo) for f in fractions and any other input at
    the middle of its range. Returns xx, yy, the slice values, [X per slice]."""
    dom = task_domain(task)
    xx, yy = np.meshgrid(np.linspace(*dom[0], n), np.linspace(*dom[1], n))
    (t0, t1) = dom[-1]
    values = [t0 + f * (t1 - t0) for f in fractions]
    blocks = []
    for v in values:
        X = np.empty((xx.size, task.dim))
        X[:, 0], X[:, 1] = xx.ravel(), yy.ravel()
        for j in range(2, task.dim - 1):
            X[:, j] = 0.5 * (dom[j][0] + dom[j][1])
        X[:, -1] = v
        blocks.append(X)
    return xx, yy, values, blocks


def plot_solution(task, out_dir, predictor=None):
    """Reference, prediction and |error| of one task (prediction only if the reference is not
    available in Python); one figure per output. predictor(task, X (n, d)) -> U (n, m); default
    the numpy forward pass (model.evaluate)."""
    predictor = predictor or model.evaluate
    base = (f"solution_task{task.index}_{slug(task.problem)}_{task.method}_{task.mode}"
            f"_seed{task.seed}")
    title = (f"{task.problem}, {task.method}, {task.mode} mode, seed {task.seed} "
             f"(task {task.index}; stored final L2 relative error {task.final():.3g})")
    if task.dim >= 3:
        draw = _solution_slices
    elif task.dim == 2:
        draw = _solution_map
    else:
        draw = _solution_curve
    values = draw(task, predictor)
    paths = []
    for o, output in enumerate(task.outputs):
        name = base if len(task.outputs) == 1 else f"{base}_{slug(output)}"
        with plt.rc_context(STYLE):
            fig = values(o, output, title if len(task.outputs) == 1
                         else f"{title}\noutput {output}")
            paths += save(fig, out_dir, name)
    return paths


def _solution_map(task, predictor):
    """d = 2: maps over (x, t). Returns a figure maker (output index, name, title) -> figure."""
    xx, tt = solution_grid(task)
    X = np.column_stack([xx.ravel(), tt.ravel()])
    U = np.asarray(predictor(task, X), float).reshape(len(X), -1)
    R = reference.reference_points(task.pde, X, task.coefficients)
    xn, tn = task.inputs[0], task.inputs[1]

    def figure(o, output, title):
        u = U[:, o].reshape(xx.shape)
        what = f"{output}({xn}, {tn})"
        if R is None:
            fig, axes = _grid(1, size=(5.4, 4.0))
            _heat(axes[0], xx, tt, u, f"prediction {what}", output, _sym_norm(u), "RdBu_r")
            fig.suptitle(title + "\nno reference available in Python, so no error map",
                         fontsize=10)
        else:
            ref = R[:, o].reshape(xx.shape)
            fig, axes = _grid(3, max_cols=3, size=(4.4, 3.9))
            norm = _sym_norm(np.concatenate([ref.ravel(), u.ravel()]))
            _heat(axes[0], xx, tt, ref, f"reference {output}_ref", None, norm, "RdBu_r")
            _heat(axes[1], xx, tt, u, f"prediction {what}", None, norm, "RdBu_r")
            fig.colorbar(axes[1].collections[0], ax=axes[:2],
                         label=f"{output} (reference and prediction)", shrink=0.95)
            err = np.abs(u - ref)
            _heat(axes[2], xx, tt, err, f"absolute error |{output} − {output}_ref|",
                  f"|{output} − {output}_ref| (log scale; floor 1e-3 of max)", _log_norm(err),
                  "magma")
            fig.suptitle(title)
        for ax in axes:
            _domain_axes(ax, task)
        return fig
    return figure


def _solution_slices(task, predictor):
    """d >= 3: maps over the first two inputs at a few values of the last (rows reference,
    prediction, |error|; a column per value)."""
    xx, yy, values, blocks = slice_points(task)
    U = [np.asarray(predictor(task, X), float).reshape(len(X), -1) for X in blocks]
    R = [reference.reference_points(task.pde, X, task.coefficients) for X in blocks]
    have_ref = all(r is not None for r in R)
    names = task.inputs
    fixed = [f"{names[j]} = {blocks[0][0, j]:.3g}" for j in range(2, task.dim - 1)]

    def figure(o, output, title):
        rows = 3 if have_ref else 1
        cols = len(values)
        fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 3.5 * rows), squeeze=False,
                                 layout="constrained", sharex=True, sharey=True)
        us = [u[:, o].reshape(xx.shape) for u in U]
        at = [f"{names[-1]} = {v:.3g}" for v in values]
        if have_ref:
            refs = [r[:, o].reshape(xx.shape) for r in R]
            norm = _sym_norm(np.concatenate([a.ravel() for a in us + refs]))
            errs = [np.abs(u - r) for u, r in zip(us, refs)]
            enorm = _log_norm(np.concatenate([e.ravel() for e in errs]))
            for j in range(cols):
                _heat(axes[0, j], xx, yy, refs[j], f"reference {output}_ref, {at[j]}", None, norm,
                      "RdBu_r")
                _heat(axes[1, j], xx, yy, us[j], f"prediction {output}, {at[j]}", None, norm,
                      "RdBu_r")
                _heat(axes[2, j], xx, yy, errs[j], f"|{output} − {output}_ref|, {at[j]}", None,
                      enorm, "magma")
            fig.colorbar(axes[1, 0].collections[0], ax=axes[:2, :].ravel().tolist(),
                         label=f"{output} (reference and prediction)", shrink=0.9)
            fig.colorbar(axes[2, 0].collections[0], ax=axes[2, :].ravel().tolist(),
                         label=f"|{output} − {output}_ref| (log scale; floor 1e-3 of max)",
                         shrink=0.9)
        else:
            norm = _sym_norm(np.concatenate([a.ravel() for a in us]))
            for j in range(cols):
                _heat(axes[0, j], xx, yy, us[j], f"prediction {output}, {at[j]}", None, norm,
                      "RdBu_r")
            fig.colorbar(axes[0, 0].collections[0], ax=axes[0, :].ravel().tolist(),
                         label=output, shrink=0.9)
            title += "\nno reference available in Python, so no error maps"
        for ax in axes.flat:
            _domain_axes(ax, task)
            ax.label_outer()
        where = f"maps in ({names[0]}, {names[1]}) at {names[-1]} = " + \
            ", ".join(f"{v:.3g}" for v in values) + (f" ({', '.join(fixed)})" if fixed else "")
        fig.suptitle(f"{title}\n{where}", fontsize=10)
        return fig
    return figure


def _solution_curve(task, predictor):
    """d = 1: the prediction and reference along the input, and the absolute error."""
    (x0, x1), = task_domain(task)
    x = np.linspace(x0, x1, 512)
    X = x[:, None]
    U = np.asarray(predictor(task, X), float).reshape(len(X), -1)
    R = reference.reference_points(task.pde, X, task.coefficients)

    def figure(o, output, title):
        fig, axes = _grid(2 if R is not None else 1, max_cols=2, size=(4.8, 3.6))
        axes[0].plot(x, U[:, o], color="C0", lw=1.6, label="prediction")
        if R is not None:
            axes[0].plot(x, R[:, o], color="k", lw=1.0, ls="--", label="reference")
            axes[1].semilogy(x, np.abs(U[:, o] - R[:, o]), color="C3", lw=1.2)
            axes[1].set_title(f"|{output} − {output}_ref|")
            axes[1].set_xlabel(axis_label(task.inputs[0]))
        else:
            title += "\nno reference available in Python"
        axes[0].legend()
        axes[0].set_xlabel(axis_label(task.inputs[0]))
        axes[0].set_ylabel(output)
        fig.suptitle(title, fontsize=10)
        return fig
    return figure


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
    """Per (problem, mode): the last pool of each method coloured by score, at one seed."""
    paths, notes = [], []
    with_pool = [t for t in tasks if t.pool is not None]
    if not with_pool:
        return [], ["pool: no finished task has a stored pool (/tasks/pool_count is 0 everywhere; "
                    "pools are stored with run.store_pool_scores = true), so there is no pool "
                    "figure"]
    groups = _by(with_pool, "problem", "mode")
    for problem, mode in _ordered_pairs(groups):
        s = choose_seed(groups[(problem, mode)], seed)
        chosen = sorted((t for t in groups[(problem, mode)] if t.seed == s),
                        key=lambda t: _rank(t.method, METHODS))
        if not chosen:
            notes.append(f"pool: {problem}/{mode} has no stored pool with seed {seed}")
            continue
        if chosen[0].dim < 2:
            notes.append(f"pool: {problem} has {chosen[0].dim} input, no pool figure")
            continue
        with plt.rc_context(STYLE):
            paths += _pool_figure(chosen, problem, mode, s, out_dir)
    return paths, notes


def _pool_figure(chosen, problem, mode, seed, out_dir):
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
        _domain_axes(ax, task, margin=0.02)
        ax.set_title(title, color=method_colour(task.method))
    names = chosen[0].inputs
    where = (f", projected on ({names[0]}, {names[1]})" if chosen[0].dim >= 3 else "")
    fig.suptitle(f"{problem}, {mode} mode, seed {seed}: last cycle's candidate pool "
                 f"coloured by score{where}")
    return save(fig, out_dir, f"pool_{slug(problem)}_{mode}_seed{seed}")


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
        try:
            paths += plot_solution(task, out_dir, predictor)
        except ValueError as e:  # e.g. a problem the numpy model does not know
            notes.append(f"solution: task {task.index}: {e}")
    return paths, notes
