"""The paper-style results table (PAPER.md section 4).

Per mode: methods as rows, problems as columns, the mean ± standard deviation over seeds of a
final metric (population standard deviation, numpy.std with ddof=0, as the paper). Each column
has a common power of ten, chosen like the paper: the exponent of the smallest mean in the column,
so the best entry reads between 1 and 10. Entries below 100 keep one decimal, larger ones none
("17.2 ± 5.5", "801 ± 1471"); the best (smallest) mean of a column is bold. Only finished tasks
count; the number of seeds is printed in the cells when it is not the same in the whole table.
"""

import math
from dataclasses import dataclass

import numpy as np

from .order import MODES, METHODS, PDES, ordered

METRIC_LABELS = {"l2_relative_error": "final L2 relative error", "l2": "final L2 relative error",
                 "test_loss": "final test loss",
                 "coef_err": "final relative error |c - c_true| / |c_true| of the trained "
                             "coefficients"}


@dataclass
class Cell:
    """The statistics of one (mode, method, pde) group of finished tasks."""

    values: np.ndarray  # final metric per task, ordered by seed
    seeds: tuple

    @property
    def n(self):
        return len(self.values)

    @property
    def mean(self):
        return float(np.mean(self.values))

    @property
    def std(self):
        return float(np.std(self.values))  # ddof = 0, as the paper


def group_final(tasks, metric="l2_relative_error"):
    """{(mode, method, problem): Cell} over the finished tasks, values ordered by seed; the
    problem is the pde with its coefficients other than the paper's (Task.problem), so a
    coefficient grid is never pooled. For "coef_err" only the tasks that train coefficients."""
    groups = {}
    for task in tasks:
        if task.done and (metric != "coef_err" or task.trained):
            groups.setdefault((task.mode, task.method, task.problem), []).append(task)
    cells = {}
    for key, members in groups.items():
        members.sort(key=lambda t: t.seed)
        cells[key] = Cell(np.array([t.final(metric) for t in members]),
                          tuple(t.seed for t in members))
    return cells


def column_exponent(means):
    """The power of ten of the smallest finite positive mean (0 if there is none)."""
    finite = [m for m in means if np.isfinite(m) and m > 0]
    return math.floor(math.log10(min(finite))) if finite else 0


def format_pair(mean, std, exponent):
    """'17.2 ± 5.5' for mean and std scaled by 10**-exponent, or '–' if the mean is not finite.

    The number of decimals follows the scaled mean: one below 100, none from 100 on."""
    if not np.isfinite(mean):
        return "–"
    m, s = mean / 10.0**exponent, std / 10.0**exponent
    decimals = 1 if abs(m) < 99.95 else 0
    return f"{m:.{decimals}f} ± {s:.{decimals}f}"


@dataclass
class Table:
    """One mode's table, ready to format."""

    mode: str
    methods: list
    pdes: list
    exponents: dict      # pde -> power of ten of its column
    cells: dict          # (method, pde) -> Cell
    best: dict           # pde -> the smallest mean of its column
    uniform_n: int       # the number of seeds of every cell, or 0 if it differs


def build_tables(tasks, metric="l2_relative_error"):
    """One Table per mode (paper order), from the finished tasks."""
    cells = group_final(tasks, metric)
    tables = []
    for mode in ordered([k[0] for k in cells], MODES):
        mine = {(meth, pde): c for (m, meth, pde), c in cells.items() if m == mode}
        methods = ordered([k[0] for k in mine], METHODS)
        pdes = ordered([k[1] for k in mine], PDES)
        exponents, best = {}, {}
        for pde in pdes:
            means = [c.mean for (meth, p), c in mine.items() if p == pde]
            exponents[pde] = column_exponent(means)
            finite = [m for m in means if np.isfinite(m)]
            best[pde] = min(finite) if finite else float("nan")
        ns = {c.n for c in mine.values()}
        tables.append(Table(mode, methods, pdes, exponents, mine, best,
                            ns.pop() if len(ns) == 1 else 0))
    return tables


def _cell_text(table, method, pde, bold):
    cell = table.cells.get((method, pde))
    if cell is None:
        return "–", False
    text = format_pair(cell.mean, cell.std, table.exponents[pde])
    if not table.uniform_n:
        text += f" (n={cell.n})"
    is_best = np.isfinite(cell.mean) and cell.mean == table.best[pde]
    return (bold(text) if is_best else text), is_best


def _caption(table, metric):
    seeds = (f"n = {table.uniform_n} seeds per entry" if table.uniform_n
             else "n = number of seeds per entry")
    return (f"{table.mode} mode: {METRIC_LABELS.get(metric, metric)}, mean ± std over seeds "
            f"(population std, ddof = 0); {seeds}; best mean per column in bold.")


def markdown(tables, metric="l2_relative_error", notes=()):
    """The tables as Markdown (a caption line, then a pipe table, per mode)."""
    out = []
    for table in tables:
        out.append(f"**{_caption(table, metric)}**")
        out.append("")
        head = [f"{pde} ×1e{table.exponents[pde]}" for pde in table.pdes]
        out.append("| method | " + " | ".join(head) + " |")
        out.append("|---|" + "---|" * len(table.pdes))
        for method in table.methods:
            row = [_cell_text(table, method, pde, lambda s: f"**{s}**")[0] for pde in table.pdes]
            out.append(f"| {method} | " + " | ".join(row) + " |")
        out.append("")
    out.extend(f"Note: {note}." for note in notes if note)
    return "\n".join(out).rstrip() + "\n"


def _tex(name):
    return name.replace("_", r"\_")


def latex(tables, metric="l2_relative_error", notes=()):
    """The tables as LaTeX tabular environments with booktabs rules."""
    out = [f"% {note}" for note in notes if note]
    for table in tables:
        out.append(f"% {_caption(table, metric)}")
        out.append(r"\begin{tabular}{l" + "c" * len(table.pdes) + "}")
        out.append(r"\toprule")
        head = [f"{_tex(pde)} ($\\times 10^{{{table.exponents[pde]}}}$)" for pde in table.pdes]
        out.append("method & " + " & ".join(head) + r" \\")
        out.append(r"\midrule")
        for method in table.methods:
            row = [_cell_text(table, method, pde, lambda s: f"\\textbf{{{s}}}")[0]
                   for pde in table.pdes]
            row = [r.replace("±", "$\\pm$").replace("–", "--") for r in row]
            out.append(f"{_tex(method)} & " + " & ".join(row) + r" \\")
        out.append(r"\bottomrule")
        out.append(r"\end{tabular}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
