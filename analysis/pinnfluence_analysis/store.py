"""Reader for pinnfluence results files (one HDF5 file per sweep).

Only the documented layout is used (README "The results file" and the layout comment of
include/pinnfluence/store.h): per-task descriptions under /tasks, per-cycle rows in /metrics
and /timing, and flat datasets (/params, /points/final, /points/drawn, /pool/...) addressed by
the per-task offset and count columns.

Format 3 (any problem): each task names its d inputs, m outputs and k residual components
(/tasks/dim, /tasks/inputs, /tasks/outputs, /tasks/components); the points datasets have D
columns (the largest d of the sweep) and a task's points are their first d columns. Format 2 (the
paper's problems only) is read as d = 2, inputs x, t, output u, component r. Format 5 adds the
problem's named coefficients (/tasks/coef_names, the given values /tasks/coef_true, which ones the
task trains /tasks/trainable) and the values after each cycle of a task that trains some
(/coefficients, NaN otherwise): Task.coef_trajectory, Task.final_coef, Task.coef_errors and the
final metric "coef_err". Older files read as tasks without trained coefficients. Other versions
are refused with a message saying which ones are read.

A file without /timing (or one of its datasets) is read with NaN timings and lists what it lacks
in Store.missing_timing (the overhead command needs them; the rest does not). Task.backend is the
influence backend named in the task's configuration text (the default arnoldi when none is).

Strings are fixed-width NUL-padded 8-bit arrays; unwritten numbers read as NaN (the file can be
read while a sweep is still running). Large per-task arrays (parameters, points, pools) are read
lazily, when a Task attribute is first used.

    with Store("results.h5") as store:
        for task in store.done():
            print(task.pde, task.method, task.seed, task.final("l2_relative_error"))
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

import h5py
import numpy as np

FORMAT_NAME = "pinnfluence-results"
# 2: /timing split from /metrics, /pool/params (points (n, 2): x, t; one output u)
# 3: any problem: points (n, D) with /tasks/dim, /tasks/inputs, /tasks/outputs, /tasks/components
# 4: status 4 (interrupted) and per-cycle checkpoints (/checkpoint); the results are read as in 3
# 5: trained coefficients: /coefficients (T, C, NC), /tasks/coef_names, /tasks/trainable (T, NC),
#    /tasks/coef_true (T, NC), /checkpoint/coef
FORMAT_VERSION = 5
SUPPORTED_VERSIONS = (2, 3, 4, 5)

# What a format 2 file holds: the paper's problems in (x, t) with one output u and one residual
PAPER_INPUTS, PAPER_OUTPUTS, PAPER_COMPONENTS = ("x", "t"), ("u",), ("r",)

STATUS_NAMES = {0: "pending", 1: "running", 2: "done", 3: "failed", 4: "interrupted"}
DONE = 2

METRIC_COLUMNS = ("cycle", "iteration", "l2_relative_error", "test_loss", "train_loss",
                  "train_size")
TIMING_COLUMNS = ("seconds_score", "seconds_train")
TIMING_PATHS = ("/timing/cycles", "/timing/task_seconds")
# Final metrics computed from more than /metrics (Task.final): "l2" is l2_relative_error;
# "coef_err" the final relative error of the trained coefficients (their mean if several)
METRIC_ALIASES = {"l2": "l2_relative_error"}
COEF_ERR = "coef_err"


def decode(a):
    """Text of a fixed-width NUL-padded 8-bit array (or of an HDF5 string attribute)."""
    if isinstance(a, bytes):
        return a.rstrip(b"\0").decode()
    if isinstance(a, str):
        return a
    return bytes(np.asarray(a).astype(np.uint8)).rstrip(b"\0").decode()


def names(a):
    """The comma-separated names of a fixed-width char array as a tuple ('x,y,t' -> x, y, t)."""
    return tuple(n.strip() for n in decode(a).split(",") if n.strip())


def status_name(code):
    """'pending', 'running', 'done', 'failed', 'interrupted' (or 'unknown N')."""
    return STATUS_NAMES.get(int(code), f"unknown {int(code)}")


# the coefficients group of a task's canonical configuration: present only for coefficients that
# differ from the problem's defaults (the paper's values)
_COEF_GROUP = re.compile(r"^coefficients = \{\n(.*?)^\};", re.M | re.S)
_COEF = re.compile(r"^\s*(\w+) = ([^;]+);", re.M)
# the influence group's backend; a configuration without it has the default
_INFLUENCE_GROUP = re.compile(r"^influence = \{\n(.*?)^\};", re.M | re.S)
_BACKEND = re.compile(r'^\s*backend = "([^"]*)";', re.M)
DEFAULT_BACKEND = "arnoldi"


@dataclass
class Task:
    """One task of a sweep: its description, per-cycle results and (lazily) its arrays."""

    index: int
    pde: str
    method: str
    mode: str
    seed: int
    status: int
    reason: str
    cycles: int
    layers: tuple
    config: str
    hash: int
    dim: int          # input coordinates d of the problem
    inputs: tuple     # their names, e.g. ('x', 't') or ('x', 'y', 't'); time, if any, last
    outputs: tuple    # output names, e.g. ('u',)
    components: tuple  # residual component names, e.g. ('r',)
    metrics: np.ndarray = field(repr=False)  # (cycles, 6), columns METRIC_COLUMNS
    timing: np.ndarray = field(repr=False)   # (cycles, 2), columns TIMING_COLUMNS
    seconds: float = float("nan")
    # format 5: the problem's named coefficients, which ones the task trains, their given (true)
    # values, and their values after each cycle (cycles, len(coef_names)); NaN rows where not
    # written and for a task that trains none (older formats: no coefficients)
    coef_names: tuple = ()
    trainable: tuple = ()
    coef_true: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    coef_trajectory: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    _store: "Store" = field(default=None, repr=False, compare=False)
    _slices: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self):
        return self.status == DONE

    @property
    def status_name(self):
        return status_name(self.status)

    def metric(self, name):
        """The column `name` of /metrics for this task's cycles, shape (cycles,)."""
        return self.metrics[:, METRIC_COLUMNS.index(name)]

    def final(self, name="l2_relative_error"):
        """The value of metric `name` after the last cycle (NaN if not written). Besides the
        columns of /metrics: "l2" (l2_relative_error) and "coef_err", the final relative error
        |c - c_true| / |c_true| of the trained coefficient (the mean over them if the task trains
        several; NaN if it trains none)."""
        name = METRIC_ALIASES.get(name, name)
        if name == COEF_ERR:
            errors = list(self.coef_errors().values())
            return float(np.mean(errors)) if errors else float("nan")
        return float(self.metric(name)[-1]) if self.cycles > 0 else float("nan")

    @property
    def trained(self):
        """The names of the coefficients the task trains (an inverse problem), e.g. ('nu',)."""
        return tuple(n for n, t in zip(self.coef_names, self.trainable) if t)

    def coef_values(self, name):
        """The trajectory of coefficient `name`: its value after each cycle, shape (cycles,)
        (NaN where not written; all NaN for a coefficient the task does not train)."""
        if name not in self.coef_names:
            raise KeyError(f"task {self.index} has no coefficient {name!r} "
                           f"(coefficients: {', '.join(self.coef_names) or 'none'})")
        return self.coef_trajectory[:, self.coef_names.index(name)]

    def final_coef(self):
        """{name: value after the last cycle} of the trained coefficients."""
        if self.cycles < 1:
            return {n: float("nan") for n in self.trained}
        return {n: float(self.coef_values(n)[-1]) for n in self.trained}

    def coef_errors(self):
        """{name: |c - c_true| / |c_true|} of the trained coefficients after the last cycle."""
        truth = dict(zip(self.coef_names, self.coef_true))
        return {n: abs(v - truth[n]) / abs(truth[n]) for n, v in self.final_coef().items()}

    @cached_property
    def params(self):
        """Final parameters: per layer W (n_out, n_in) row-major, then b (n_out)."""
        off, n = self._slices["param"]
        return self._store.read_rows("/params", off, n)

    @property
    def m(self):
        """The number of outputs."""
        return len(self.outputs)

    def _points(self, path, off, n):
        """Rows off..off+n-1 of a points dataset, the task's first `dim` columns: (n, dim)."""
        return self._store.read_rows(path, off, n, self.dim)

    @cached_property
    def final_points(self):
        """(n, dim) the training set after the last cycle (columns: inputs)."""
        off, n = self._slices["final"]
        return self._points("/points/final", off, n)

    @cached_property
    def drawn_points(self):
        """(cycles, m, dim) the points drawn in each cycle (m = 0 for static)."""
        off, m = self._slices["drawn"]
        rows = self._points("/points/drawn", off, self.cycles * m)
        return rows.reshape(self.cycles, m, self.dim)

    @cached_property
    def pool(self):
        """(points (n, dim), scores (n,)) of the last cycle's pool, or None if not stored
        (run.store_pool_scores)."""
        off, n = self._slices["pool"]
        if n == 0:
            return None
        return (self._points("/pool/points", off, n),
                self._store.read_rows("/pool/scores", off, n))

    @cached_property
    def pool_params(self):
        """The parameters the last pool was scored with, or None if the pool was not stored."""
        if self._slices["pool"][1] == 0 or not self._store.has("/pool/params"):
            return None
        off, n = self._slices["param"]
        return self._store.read_rows("/pool/params", off, n)

    @cached_property
    def z_points(self):
        """(n, dim) the last cycle's influence set Z, or None if not stored."""
        off, n = self._slices["z"]
        if n == 0:
            return None
        return self._points("/pool/z", off, n)

    @cached_property
    def coefficients(self):
        """{name: value} of the problem's coefficients that differ from the paper's (from
        /tasks/config); {} for a task at the paper's coefficients."""
        m = _COEF_GROUP.search(self.config)
        return {k: float(v) for k, v in _COEF.findall(m.group(1))} if m else {}

    @cached_property
    def backend(self):
        """The influence backend of the task's configuration (influence.backend, which only
        pinnfluence uses): "arnoldi", "gauss_newton", ...; the default "arnoldi" when /tasks/config
        does not name one."""
        group = _INFLUENCE_GROUP.search(self.config)
        m = _BACKEND.search(group.group(1)) if group else None
        return m.group(1) if m else DEFAULT_BACKEND

    @property
    def problem(self):
        """The problem with its coefficients other than the paper's, as `pinnfluence report`
        names its columns: 'burgers' or 'burgers nu=0.00159155'."""
        return " ".join([self.pde] + [f"{k}={v:.6g}" for k, v in self.coefficients.items()])

    def label(self):
        """A short human-readable name, e.g. 'burgers / rar / add / seed 2'."""
        return f"{self.problem} / {self.method} / {self.mode} / seed {self.seed}"


class StoreFormatError(Exception):
    """The file is not a pinnfluence results file of a supported version."""


class Store:
    """An open results file; `tasks` lists every task (whatever its status)."""

    def __init__(self, path):
        self.path = str(path)
        self._file = h5py.File(self.path, "r")
        try:
            self._check_format()
            self.attrs = {k: _attr_value(v) for k, v in self._file.attrs.items()}
            self.sweep_config = decode(self._file["/sweep/config"][()])
            self.tasks = self._read_tasks()
        except Exception:
            self._file.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._file.close()

    def _check_format(self):
        fmt = decode(self._file.attrs.get("format", b""))
        if fmt != FORMAT_NAME:
            raise StoreFormatError(f"{self.path}: not a pinnfluence results file "
                                   f"(format attribute {fmt!r})")
        version = int(self._file.attrs.get("format_version", -1))
        if version not in SUPPORTED_VERSIONS:
            newer = version > FORMAT_VERSION
            raise StoreFormatError(
                f"{self.path}: format_version {version}; this reader supports "
                f"{', '.join(map(str, SUPPORTED_VERSIONS))} (formats 3 to 5: any problem, 5 with "
                f"trained coefficients; format 2: the paper's problems in (x, t)). "
                + ("The file was written by a newer pinnfluence: update the analysis package."
                   if newer else "The file was written by an older pinnfluence: rerun the "
                   "sweep with the current program, or read it with the analysis package of "
                   "that program's version."))
        self.format_version = version

    def _read_tasks(self):
        f = self._file
        t = {name: f["/tasks/" + name][()] for name in f["/tasks"].keys()}
        metrics = f["/metrics"][()]
        # /timing is optional here (only `overhead` needs it): NaN when the file has none
        self.missing_timing = [p for p in TIMING_PATHS if p not in f]
        n = len(t["status"])
        timing = (np.full((n, metrics.shape[1], len(TIMING_COLUMNS)), np.nan)
                  if self.missing_timing else f["/timing/cycles"][()])
        seconds = np.full(n, np.nan) if self.missing_timing else f["/timing/task_seconds"][()]
        width = self._points_width()
        tasks = []
        for i in range(len(t["status"])):
            cycles = int(t["cycles"][i])
            layers = tuple(int(v) for v in t["layers"][i] if v > 0)
            dim, inputs, outputs, components = self._problem_shape(t, i, width)
            coef = self._coefficients(t, i, cycles)
            tasks.append(Task(
                index=i, pde=decode(t["pde"][i]), method=decode(t["method"][i]),
                mode=decode(t["mode"][i]), seed=int(t["seed"][i]), status=int(t["status"][i]),
                reason=decode(t["reason"][i]), cycles=cycles, layers=layers,
                config=decode(t["config"][i]), hash=int(t["hash"][i]),
                dim=dim, inputs=inputs, outputs=outputs, components=components,
                metrics=metrics[i, :cycles], timing=timing[i, :cycles],
                seconds=float(seconds[i]), _store=self,
                _slices=_task_slices(t, i), **coef))
        return tasks

    def _coefficients(self, t, i, cycles):
        """Task i's coefficient fields (format 5; none before)."""
        if self.format_version < 5:
            return {}
        for name in ("coef_names", "trainable", "coef_true"):
            if name not in t:
                raise StoreFormatError(f"{self.path}: format_version 5 without /tasks/{name}")
        if "coefficients" not in self._file:
            raise StoreFormatError(f"{self.path}: format_version 5 without /coefficients")
        coef_names = names(t["coef_names"][i])
        nc = len(coef_names)
        width = t["trainable"].shape[1]
        if nc > width:
            raise StoreFormatError(f"{self.path}: task {i} names {nc} coefficients in "
                                   f"/tasks/coef_names but /tasks/trainable has {width} columns")
        trainable = tuple(bool(v) for v in t["trainable"][i][:nc])
        trajectory = self._file["/coefficients"][i, :cycles, :nc]
        return dict(coef_names=coef_names, trainable=trainable,
                    coef_true=np.asarray(t["coef_true"][i][:nc], float),
                    coef_trajectory=np.asarray(trajectory, float))

    def _points_width(self):
        """D, the columns of the points datasets (2 in format 2)."""
        shape = self._file["/points/final"].shape
        if len(shape) != 2:
            raise StoreFormatError(f"{self.path}: /points/final has shape {shape}, not (n, D)")
        return int(shape[1])

    def _problem_shape(self, t, i, width):
        """dim, inputs, outputs, components of task i (format 2: the paper's (x, t) -> u)."""
        if self.format_version < 3:
            return 2, PAPER_INPUTS, PAPER_OUTPUTS, PAPER_COMPONENTS
        for name in ("dim", "inputs", "outputs", "components"):
            if name not in t:
                raise StoreFormatError(f"{self.path}: format_version 3 without /tasks/{name}")
        dim = int(t["dim"][i])
        inputs, outputs = names(t["inputs"][i]), names(t["outputs"][i])
        components = names(t["components"][i])
        if not 1 <= dim <= width:
            raise StoreFormatError(f"{self.path}: task {i} has /tasks/dim {dim} but the points "
                                   f"datasets have {width} columns")
        if len(inputs) != dim:
            raise StoreFormatError(f"{self.path}: task {i} has /tasks/dim {dim} but "
                                   f"/tasks/inputs names {len(inputs)} ({','.join(inputs)!r})")
        if not outputs:
            raise StoreFormatError(f"{self.path}: task {i} names no output in /tasks/outputs")
        return dim, inputs, outputs, components

    def has(self, path):
        """Whether the file holds a non-empty dataset at path."""
        return path in self._file and self._file[path].size > 0

    def read_rows(self, path, offset, count, columns=None):
        """Rows offset..offset+count-1 of a flat dataset (a copy); of a 2-D dataset only the
        first `columns` columns if given (a task's dim of a points dataset)."""
        rows = slice(int(offset), int(offset) + int(count))
        ds = self._file[path]
        if columns is None:
            return ds[rows]
        if ds.ndim != 2 or ds.shape[1] < columns:
            raise StoreFormatError(f"{self.path}: {path} has shape {ds.shape}, expected (n, D) "
                                   f"with D >= {columns}")
        if int(count) == 0:  # h5py refuses some empty selections of empty datasets
            return np.empty((0, columns), dtype=ds.dtype)
        return ds[rows, :int(columns)]

    def done(self):
        """The tasks with status done, in file order."""
        return [task for task in self.tasks if task.done]

    def not_done(self):
        """The tasks that are pending, running or failed."""
        return [task for task in self.tasks if not task.done]

    def task(self, index):
        return self.tasks[index]


def _task_slices(t, i):
    """Offset and count of task i in each flat dataset."""
    def pair(offset, count):
        return int(t[offset][i]), int(t[count][i])
    return {
        "param": pair("param_offset", "param_count"),
        "final": pair("final_offset", "final_count"),
        "drawn": pair("drawn_offset", "drawn_per_cycle"),
        "pool": pair("pool_offset", "pool_count"),
        "z": pair("z_offset", "z_count"),
    }


def _attr_value(v):
    """A root attribute as Python text or number."""
    if isinstance(v, bytes):
        return decode(v)
    if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.itemsize == 1:
        return decode(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def exclusion_note(store):
    """One line naming how many tasks are not done (and why), or '' if all are done."""
    rest = store.not_done()
    if not rest:
        return ""
    counts = {}
    for task in rest:
        counts[task.status_name] = counts.get(task.status_name, 0) + 1
    parts = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    return (f"{len(rest)} of {len(store.tasks)} tasks are not done ({parts}) and are excluded")
