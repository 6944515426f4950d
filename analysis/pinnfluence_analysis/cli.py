"""Command line: python3 -m pinnfluence_analysis {table,stats,overhead,...} FILE.h5 [options].

  table  FILE [--metric l2_relative_error|l2|test_loss|coef_err] [--format markdown|latex]
  stats  FILE [--metric ...] [--reference METHOD | --all-pairs] [--problem NAME]...
  coefficients FILE [--csv]   (the trained coefficients of every task: trajectory, final value,
                               relative error)
  overhead FILE [--format markdown|csv]   (the scoring share of the wall time and the median
                               scoring and training seconds per problem, method, mode and
                               pinnfluence's influence backend; from /timing)
  plots  FILE [--out DIR] [--seed S] [--task ID]... [--predict-with EXE]
  stability FILE.jsonl [--out DIR]   (the output of pinnfluence bench --influence-stability --json)
  validate FILE.h5 [--out DIR] [--effect test_loss|l2_relative_error]   (pinnfluence validate)

Tasks that are not done (pending, running, failed) are left out, with a note (on stderr with
overhead --format csv).
"""

import argparse
import subprocess
import sys

import numpy as np

from . import overhead, stats, table
from .store import Store, StoreFormatError, exclusion_note

# "l2" is l2_relative_error; "coef_err" the final relative error of the trained coefficients
# (only the tasks that train some)
METRICS = ("l2_relative_error", "l2", "test_loss", "coef_err")


def parser():
    p = argparse.ArgumentParser(prog="pinnfluence-analysis",
                                description="Tables, statistics and figures of a pinnfluence "
                                            "results file.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("table", help="the paper-style table (mean ± std over seeds)")
    _common(t)
    t.add_argument("--format", choices=("markdown", "latex"), default="markdown")

    s = sub.add_parser("stats", help="paired tests between methods across seeds")
    _common(s)
    g = s.add_mutually_exclusive_group()
    g.add_argument("--reference", metavar="METHOD", default=None,
                   help="compare every method with this one (default: pinnfluence, or the first "
                        "method present in paper order)")
    g.add_argument("--all-pairs", action="store_true", help="compare every pair of methods")
    s.add_argument("--problem", action="append", metavar="NAME", default=None,
                   help="only this problem (its pde name or the report's problem name); "
                        "repeatable")

    c = sub.add_parser("coefficients",
                       help="trained coefficients per task: trajectory, final value, error")
    c.add_argument("file", help="results file (.h5)")
    c.add_argument("--csv", action="store_true", help="CSV instead of a Markdown table")

    o = sub.add_parser("overhead", help="what the resampling costs: scoring share of the wall "
                                        "time, scoring and training seconds (from /timing)")
    o.add_argument("file", help="results file (.h5)")
    o.add_argument("--format", choices=("markdown", "csv"), default="markdown")

    f = sub.add_parser("plots", help="figures as PNG and PDF")
    f.add_argument("file", help="results file (.h5)")
    f.add_argument("--out", default="figures", help="output directory (default: figures)")
    f.add_argument("--seed", type=int, default=None,
                   help="seed of the point, pool and solution figures (default: the smallest)")
    f.add_argument("--task", type=int, action="append", metavar="ID",
                   help="task (0-based) of a solution figure; repeatable (default: one per "
                        "problem and mode, first method in paper order)")
    f.add_argument("--predict-with", metavar="EXE", default=None,
                   help="predict with `EXE predict FILE --task ID` (the C program) instead of "
                        "the numpy forward pass")
    b = sub.add_parser("stability", help="tables and curves of bench --influence-stability --json")
    b.add_argument("file", help="JSON lines of `pinnfluence bench --influence-stability --json`")
    b.add_argument("--out", default=None, help="also write the figures into this directory")
    v = sub.add_parser("validate", help="correlations and scatter plots of pinnfluence validate")
    v.add_argument("file", help="validation file of `pinnfluence validate` (.h5)")
    v.add_argument("--out", default=None, help="also write the scatter plots into this directory")
    v.add_argument("--effect", choices=("test_loss", "l2_relative_error"), default="test_loss",
                   help="the actual effect on the vertical axis (default: test_loss)")
    return p


def _common(p):
    p.add_argument("file", help="results file (.h5)")
    p.add_argument("--metric", choices=METRICS, default="l2_relative_error",
                   help="final metric to compare (default: l2_relative_error)")


def run_table(store, args):
    tables = table.build_tables(store.tasks, args.metric)
    fmt = table.latex if args.format == "latex" else table.markdown
    return fmt(tables, args.metric, [exclusion_note(store)])


def run_stats(store, args):
    tasks = store.tasks
    if args.problem:
        tasks = [t for t in tasks if t.pde in args.problem or t.problem in args.problem]
        if not tasks:
            raise ValueError(f"no task of problem {', '.join(args.problem)} in {store.path}")
    if args.metric == "coef_err" and not any(t.trained for t in tasks if t.done):
        raise ValueError(f"--metric coef_err: no finished task of {store.path} trains a "
                         f"coefficient")
    reference, note = stats.choose_reference(tasks, args.reference)
    comps = stats.comparisons(tasks, args.metric, reference, args.all_pairs)
    return stats.markdown(comps, args.metric, [exclusion_note(store),
                                               "" if args.all_pairs else note])


def run_coefficients(store, args):
    """One row per trained coefficient of every finished task: the truth, the value after each
    cycle, the final value and its relative error."""
    rows = []
    for t in store.done():
        errors, final = t.coef_errors(), t.final_coef()
        for name in t.trained:
            truth = float(t.coef_true[t.coef_names.index(name)])
            rows.append((t.index, t.problem, t.method, t.mode, t.seed, name, truth,
                         t.coef_values(name), final[name], errors[name]))
    if args.csv:
        out = ["task,problem,method,mode,seed,coef,coef_true,final,relative_error,trajectory"]
        out += [f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5]},{r[6]!r},{r[8]!r},{r[9]!r},"
                + " ".join(repr(float(v)) for v in r[7]) for r in rows]
        return "\n".join(out) + "\n"
    if not rows:
        return "No finished task trains a coefficient.\n"
    out = ["| task | problem | method | mode | seed | coefficient | true | after each cycle | "
           "final | relative error |", "|---|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6]:.6g} | "
            + ", ".join(f"{v:.4g}" for v in r[7]) + f" | {r[8]:.6g} | {r[9]:.3g} |"
            for r in rows]
    note = exclusion_note(store)
    return "\n".join(out + ([""] + [note] if note else [])) + "\n"


def run_overhead(store, args):
    """The scoring share and the median scoring and training seconds per group of tasks."""
    overhead.check_timing(store)
    rows = overhead.groups(store.tasks)
    note = exclusion_note(store)
    if args.format == "csv":  # the note on stderr keeps the output plain CSV
        if note:
            print(f"pinnfluence-analysis: note: {note}", file=sys.stderr)
        return overhead.csv(rows)
    return overhead.markdown(rows, [note])


def program_predictor(exe, path):
    """A predictor(task, X) -> U (n, m) that runs `exe predict path --task ID` on the points
    X (n, d), one line of d numbers per point."""
    def predict(task, X):
        X = np.asarray(X, float)
        text = "".join(" ".join(repr(float(v)) for v in row) + "\n" for row in X)
        out = subprocess.run([exe, "predict", path, "--task", str(task.index)], input=text,
                             capture_output=True, text=True, check=True).stdout
        return parse_predict(out, task, len(X))
    return predict


def parse_predict(text, task, n=None):
    """The outputs U (n, m) of `pinnfluence predict`'s output for a task.

    The program writes a '#' header line naming its columns (the inputs, every output, every
    residual component) and one line per point; the outputs are found by their names in the
    header (task.outputs), not by position. The header is the last '#' line before the numbers
    that names as many columns as they have (commas or blanks between names). Output without any
    '#' line (the program before the general problem description: x t u residual) is read by
    position: the m columns after the d inputs."""
    comments, rows = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if not rows:
                comments.append(stripped[1:].replace(",", " ").split())
            continue
        rows.append(stripped.split())
    dim, outputs = getattr(task, "dim", 2), tuple(getattr(task, "outputs", ("u",)))
    try:
        data = np.array(rows, dtype=float).reshape(len(rows), -1)
    except ValueError:
        raise ValueError("pinnfluence predict: lines with different numbers of columns or not "
                         "numbers") from None
    if n is not None and data.shape[0] != n:
        raise ValueError(f"pinnfluence predict wrote {data.shape[0]} lines for {n} points")
    if not comments:
        cols = list(range(dim, dim + len(outputs)))
    else:
        width = data.shape[1] if data.size else None
        fits = [c for c in comments if width is None or len(c) == width]
        if not fits:
            raise ValueError(f"pinnfluence predict: {width} columns but no '#' line names "
                             f"{width} (header: {' '.join(comments[-1])})")
        header = fits[-1]
        # an output's name after the inputs (an input could share a name only by accident)
        rest = header[dim:]
        missing = [o for o in outputs if o not in rest]
        if missing:
            raise ValueError(f"pinnfluence predict: no column {', '.join(map(repr, missing))} in "
                             f"its header ({' '.join(header)})")
        cols = [dim + rest.index(o) for o in outputs]
    if data.size and data.shape[1] < max(cols) + 1:
        raise ValueError(f"pinnfluence predict wrote {data.shape[1]} columns, expected at least "
                         f"{max(cols) + 1}")
    return data[:, cols] if data.size else np.empty((0, len(outputs)))


def run_plots(store, args):
    from . import plots  # matplotlib only when figures are wanted
    predictor = program_predictor(args.predict_with, store.path) if args.predict_with else None
    paths, notes = plots.plot_all(store.done(), args.out, args.seed, args.task, predictor)
    lines = [f"wrote {p}" for p in paths]
    lines += [f"note: {n}" for n in [exclusion_note(store)] + notes if n]
    return "\n".join(lines) + "\n"


def run_stability(args):
    from . import stability
    with open(args.file) as f:
        states = stability.read(f)
    text = stability.markdown(states)
    if args.out:
        text += "".join(f"wrote {p}\n" for p in stability.plot(states, args.out))
    return text


def run_validate(args):
    from . import validate
    tasks = validate.read(args.file)
    text = validate.markdown(tasks)
    if args.out:
        eff = validate.EFFECTS.index(args.effect)
        text += "".join(f"wrote {p}\n" for p in validate.plot(tasks, args.out, eff))
    return text


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        if args.command == "stability":
            sys.stdout.write(run_stability(args))
            return 0
        if args.command == "validate":
            sys.stdout.write(run_validate(args))
            return 0
        with Store(args.file) as store:
            run = {"table": run_table, "stats": run_stats, "plots": run_plots,
                   "coefficients": run_coefficients, "overhead": run_overhead}[args.command]
            sys.stdout.write(run(store, args))
    except (OSError, StoreFormatError, ValueError, subprocess.CalledProcessError) as e:
        print(f"pinnfluence-analysis: {e}", file=sys.stderr)
        return 2
    return 0
