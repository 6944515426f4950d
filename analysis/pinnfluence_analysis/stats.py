"""Comparisons between methods across seeds, per problem and mode.

For each problem and mode, every method is compared with a reference method (or every pair of
methods) on a final metric of the finished tasks:

- when both methods have exactly the same seeds, the values are paired by seed and the Wilcoxon
  signed-rank test is used (scipy.stats.wilcoxon, two-sided, on method − reference); the
  difference reported is the median of the per-seed differences;
- otherwise the Mann–Whitney U test (scipy.stats.mannwhitneyu, two-sided) is used; the difference
  reported is the Hodges–Lehmann shift, the median of all pairwise differences method − reference.

The better method is the one with the lower error (negative difference: the method). With few
seeds an exact test cannot reach small p-values at all: the smallest attainable two-sided p is
2 / 2**n for the signed-rank test (n nonzero pairs: n < 6 never gives p < 0.05) and
2 / C(n1 + n2, n1) for the U test; such rows carry a note. p-values are not corrected for
multiple comparisons.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from .order import MODES, METHODS, PDES, ordered
from .table import METRIC_LABELS, group_final

ALPHA = 0.05


@dataclass
class Comparison:
    """One test of `method` against `reference` in one (mode, pde)."""

    mode: str
    pde: str
    reference: str
    method: str
    test: str            # "wilcoxon", "mannwhitneyu" or "" (no test possible)
    n: str               # "6 pairs" or "5 vs 6"
    statistic: float
    pvalue: float
    difference: float    # median difference method − reference (see the module docstring)
    better: str          # the method with the lower error, or "tie"
    note: str = ""


def paired_test(ref_values, values):
    """Wilcoxon signed-rank on values − ref_values (paired arrays): (statistic, p, note)."""
    d = np.asarray(values) - np.asarray(ref_values)
    nonzero = int(np.count_nonzero(d))
    if nonzero == 0:
        return float("nan"), float("nan"), "all paired differences are zero"
    res = sps.wilcoxon(values, ref_values)
    min_p = min(1.0, 2.0 / 2.0**nonzero)
    note = ""
    if min_p >= ALPHA:
        note = f"n too small: p ≥ {min_p:.3g} always"
    return float(res.statistic), float(res.pvalue), note


def unpaired_test(ref_values, values):
    """Mann–Whitney U (two-sided) of values against ref_values: (statistic, p, note)."""
    n1, n2 = len(values), len(ref_values)
    res = sps.mannwhitneyu(values, ref_values, alternative="two-sided")
    min_p = min(1.0, 2.0 / math.comb(n1 + n2, n1))
    note = ""
    if min_p >= ALPHA:
        note = f"n too small: p ≥ {min_p:.3g} always"
    return float(res.statistic), float(res.pvalue), note


def median_difference(ref_cell, cell, paired):
    """Median of per-seed differences (paired) or the Hodges–Lehmann shift (unpaired)."""
    if paired:
        return float(np.median(cell.values - ref_cell.values))
    return float(np.median(np.subtract.outer(cell.values, ref_cell.values)))


def compare(mode, pde, reference, ref_cell, method, cell):
    """A Comparison of two cells (see table.Cell) of the same mode and problem."""
    paired = ref_cell.seeds == cell.seeds
    if min(ref_cell.n, cell.n) < 1:
        return Comparison(mode, pde, reference, method, "", f"{cell.n} vs {ref_cell.n}",
                          float("nan"), float("nan"), float("nan"), "", "no values")
    if paired:
        statistic, pvalue, note = paired_test(ref_cell.values, cell.values)
        test, n = "wilcoxon", f"{cell.n} pairs"
    else:
        statistic, pvalue, note = unpaired_test(ref_cell.values, cell.values)
        test, n = "mannwhitneyu", f"{cell.n} vs {ref_cell.n}"
    diff = median_difference(ref_cell, cell, paired)
    better = method if diff < 0 else reference if diff > 0 else "tie"
    return Comparison(mode, pde, reference, method, test, n, statistic, pvalue, diff, better,
                      note)


def choose_reference(tasks, requested=None):
    """The reference method: `requested` if given, else pinnfluence, else the first method present
    in paper order. Returns (method, note)."""
    present = ordered([t.method for t in tasks if t.done], METHODS)
    if requested:
        if requested not in present:
            raise ValueError(f"reference method {requested!r} has no finished task "
                             f"(methods: {', '.join(present) or 'none'})")
        return requested, ""
    if not present:
        return "", ""
    if "pinnfluence" in present:
        return "pinnfluence", ""
    return present[0], f"no pinnfluence task, so the reference is {present[0]}"


def comparisons(tasks, metric="l2_relative_error", reference="pinnfluence", all_pairs=False):
    """All Comparisons, per mode and problem in paper order."""
    cells = group_final(tasks, metric)
    out = []
    for mode in ordered([k[0] for k in cells], MODES):
        for pde in ordered([k[2] for k in cells if k[0] == mode], PDES):
            here = {k[1]: c for k, c in cells.items() if k[0] == mode and k[2] == pde}
            methods = ordered(here, METHODS)
            for ref, meth in _pairs(methods, reference, all_pairs):
                out.append(compare(mode, pde, ref, here[ref], meth, here[meth]))
    return out


def _pairs(methods, reference, all_pairs):
    if all_pairs:
        return [(a, b) for i, a in enumerate(methods) for b in methods[i + 1:]]
    if reference not in methods:
        return []
    return [(reference, m) for m in methods if m != reference]


def _fmt(v, spec=".3g"):
    return "–" if not np.isfinite(v) else format(v, spec)


def markdown(comps, metric="l2_relative_error", notes=()):
    """The comparisons as one Markdown table per mode, with the notes below each."""
    out = []
    label = METRIC_LABELS.get(metric, metric)
    for mode in dict.fromkeys(c.mode for c in comps):
        rows = [c for c in comps if c.mode == mode]
        out.append(f"**{mode} mode: {label}; paired Wilcoxon signed-rank where the seeds match, "
                   f"Mann–Whitney U otherwise; two-sided; diff = median of method − reference "
                   f"(Hodges–Lehmann shift when unpaired), negative: the method has the lower "
                   f"error.**")
        out.append("")
        out.append("| problem | reference | method | test | n | statistic | p | diff | better "
                   "| note |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for c in rows:
            p = _fmt(c.pvalue, ".4g")
            if np.isfinite(c.pvalue) and c.pvalue < ALPHA:
                p = f"**{p}**"
            out.append(f"| {c.pde} | {c.reference} | {c.method} | {c.test or '–'} | {c.n} | "
                       f"{_fmt(c.statistic, 'g')} | {p} | {_fmt(c.difference)} | "
                       f"{c.better or '–'} | {c.note} |")
        out.append("")
    if not comps:
        out.append("No comparisons: fewer than two methods with finished tasks per problem and "
                   "mode (or the reference method is missing).")
        out.append("")
    out.append(f"p < {ALPHA} in bold; p-values are not corrected for multiple comparisons.")
    if any(c.note.startswith("n too small") for c in comps):
        out.append(f"n too small: with these few seeds the exact test cannot reach p < {ALPHA} "
                   f"whatever the data (the Wilcoxon signed-rank test needs at least 6 nonzero "
                   f"pairs: its smallest two-sided p is 2/2^n; the U test's is 2/C(n1+n2, n1)); "
                   f"read those rows as descriptive only.")
    out.extend(f"Note: {note}." for note in notes if note)
    return "\n".join(out).rstrip() + "\n"
