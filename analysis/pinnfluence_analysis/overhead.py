"""What the resampling costs in a run, from /timing (README "PINNfluence's overhead in a run").

The finished tasks are grouped by problem, method, mode and, for pinnfluence only (the one method
that inverts a Hessian), the influence backend (Task.backend). Per group:

- the scoring share of a task: the scoring seconds of all its cycles (/timing/cycles,
  seconds_score) over its wall seconds (/timing/task_seconds), as a percentage; mean ± std over
  the group's tasks (population std, numpy.std with ddof = 0, as the table);
- the median scoring seconds of a round and the median training seconds of a cycle, medians over
  all cycles of all tasks of the group;
- the number of tasks (seeds).

A value not written (NaN in /timing) makes its group's figure NaN, shown as "–". /timing holds wall
times: they depend on the machine and its load, unlike the rest of the file.
"""

from dataclasses import dataclass

import numpy as np

from .order import BACKENDS, METHODS, MODES, PDES, ordered
from .store import TIMING_COLUMNS, StoreFormatError

# the methods whose scores depend on influence.backend
BACKEND_METHODS = ("pinnfluence",)
SCORE, TRAIN = (TIMING_COLUMNS.index(c) for c in ("seconds_score", "seconds_train"))


@dataclass
class Overhead:
    """The timing of one (problem, method, mode, backend) group of finished tasks."""

    problem: str
    method: str
    mode: str
    backend: str         # the influence backend of pinnfluence, "" for the other methods
    shares: np.ndarray   # per task (by seed): scoring seconds of all cycles / wall seconds
    score: np.ndarray    # scoring seconds of every cycle of every task
    train: np.ndarray    # training seconds of every cycle of every task

    @property
    def n(self):
        return len(self.shares)

    @property
    def share_mean(self):
        """The mean scoring share in percent."""
        return 100.0 * float(np.mean(self.shares))

    @property
    def share_std(self):
        """The population std (ddof = 0) of the scoring share in percent."""
        return 100.0 * float(np.std(self.shares))

    @property
    def score_median(self):
        return float(np.median(self.score)) if self.score.size else float("nan")

    @property
    def train_median(self):
        return float(np.median(self.train)) if self.train.size else float("nan")


def check_timing(store):
    """StoreFormatError naming what is missing if the file has no /timing (written before it)."""
    if store.missing_timing:
        raise StoreFormatError(
            f"{store.path}: no {' and no '.join(store.missing_timing)}: the overhead needs the "
            f"per-cycle scoring and training seconds and each task's wall seconds, which files "
            f"of format 2 and later hold in /timing")


def groups(tasks):
    """The Overhead of every group of finished tasks, ordered by mode, problem, method (paper
    order) and backend (the program's order)."""
    members = {}
    for t in tasks:
        if t.done:
            backend = t.backend if t.method in BACKEND_METHODS else ""
            members.setdefault((t.mode, t.problem, t.method, backend), []).append(t)
    ranks = [{name: i for i, name in enumerate(ordered([k[j] for k in members], known))}
             for j, known in enumerate((MODES, PDES, METHODS, BACKENDS))]
    out = []
    for key in sorted(members, key=lambda k: tuple(r[v] for r, v in zip(ranks, k))):
        mode, problem, method, backend = key
        ts = sorted(members[key], key=lambda t: t.seed)
        out.append(Overhead(
            problem, method, mode, backend,
            shares=np.array([np.sum(t.timing[:, SCORE]) / t.seconds for t in ts]),
            score=np.concatenate([t.timing[:, SCORE] for t in ts]),
            train=np.concatenate([t.timing[:, TRAIN] for t in ts])))
    return out


def _g(v, spec=".3g"):
    return format(v, spec) if np.isfinite(v) else "–"


def markdown(rows, notes=()):
    """A caption, one Markdown table row per group, then the notes."""
    out = ["**Resampling overhead from /timing (wall seconds, machine-dependent): scoring share "
           "= scoring seconds of all cycles / the task's wall seconds, mean ± std over tasks "
           "(population std, ddof = 0); medians over all cycles of the group's tasks.**", "",
           "| problem | method | mode | backend | scoring share | scoring per round (median) | "
           "training per cycle (median) | tasks |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        share = (f"{_g(r.share_mean)} ± {_g(r.share_std)} %" if np.isfinite(r.share_mean)
                 else "–")
        out.append(f"| {r.problem} | {r.method} | {r.mode} | {r.backend or '–'} | {share} | "
                   f"{_g(r.score_median)} s | {_g(r.train_median)} s | {r.n} |")
    if not rows:
        out = ["No finished task."]
    out += [""] + [f"Note: {note}." for note in notes if note]
    return "\n".join(out).rstrip() + "\n"


CSV_HEADER = ("problem,method,mode,backend,share_mean_percent,share_std_percent,"
              "score_seconds_median,train_seconds_median,tasks")


def csv(rows):
    """One CSV line per group under CSV_HEADER (backend empty for the methods without one; full
    precision)."""
    out = [CSV_HEADER]
    out += [f"{r.problem},{r.method},{r.mode},{r.backend},{r.share_mean!r},{r.share_std!r},"
            f"{r.score_median!r},{r.train_median!r},{r.n}" for r in rows]
    return "\n".join(out) + "\n"
