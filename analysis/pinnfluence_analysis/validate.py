"""Predicted against actual effects of `pinnfluence validate` (validation.h5): a table of the
stored correlations per task and predictor, and per task a scatter of each predictor's
prediction against the measured change of the test loss (one panel per predictor, groups drawn
by the method's distribution and uniform groups in two colours, Spearman and Pearson in the
title).

    pinnfluence validate CONFIG -o validation.h5
    python3 -m pinnfluence_analysis validate validation.h5 --out figures
"""

import os

import h5py
import numpy as np

FORMAT = "pinnfluence-validation"
EFFECTS = ("test_loss", "l2_relative_error")


def _text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return bytes(v).rstrip(b"\0").decode()
    return str(v)


def read(path):
    """The validation file as a list of tasks: dicts with label, status, predictors (names),
    predicted (G, NP), actual (G, 2), source (G), correlation (NP, 2, 7), state (5)."""
    with h5py.File(path, "r") as f:
        if _text(f.attrs.get("format", b"")) != FORMAT:
            raise ValueError(f"{path}: not a pinnfluence validation file")
        names = _text(f["/predicted"].attrs["predictors"]).split(",")
        status = f["/tasks/status"][()]
        labels = f["/tasks/label"][()]
        tasks = []
        for i in range(len(status)):
            tasks.append({
                "task": i,
                "label": bytes(labels[i]).rstrip(b"\0").decode() or f"task {i + 1}",
                "status": int(status[i]),
                "predictors": names,
                "predicted": f["/predicted"][i],
                "actual": f["/actual"][i],
                "source": f["/groups/source"][i],
                "correlation": f["/correlation"][i],
                "state": f["/state/metrics"][i],
            })
    return tasks


def spearman(a, b):
    """Spearman's correlation of the finite pairs (average ranks for ties); NaN under 3 pairs."""
    from scipy.stats import spearmanr
    m = np.isfinite(a) & np.isfinite(b)
    if m.sum() < 3:
        return float("nan")
    return float(spearmanr(a[m], b[m]).correlation)


def markdown(tasks):
    """One table per task: Spearman and Pearson with their bootstrap intervals (test loss),
    Spearman for the L2 error, and Spearman within the method-drawn and within the uniform groups
    (the pooled correlation also rewards telling the two kinds of groups apart)."""
    out = []
    for t in tasks:
        if t["status"] != 2 or not np.isfinite(t["actual"]).any():
            out.append(f"{t['label']}: not complete (status {t['status']}); resume it\n")
            continue
        st = t["state"]
        out.append(f"\n## {t['label']}: state after cycle {int(st[0])}, L2 {st[1]:.3e}, "
                   f"{int(st[4])} training points, {len(t['actual'])} groups\n\n")
        out.append("| predictor | spearman | 95% | pearson | 95% | spearman (L2) | "
                   "spearman, method-drawn | spearman, uniform |\n")
        out.append("|---|---|---|---|---|---|---|---|\n")
        act = t["actual"][:, 0]
        for p, name in enumerate(t["predictors"]):
            c, l2 = t["correlation"][p, 0], t["correlation"][p, 1]
            pred = t["predicted"][:, p]
            within = [spearman(pred[t["source"] == s], act[t["source"] == s]) for s in (0, 1)]
            out.append(f"| {name} | {c[0]:.3f} | [{c[1]:.3f}, {c[2]:.3f}] | {c[3]:.3f} | "
                       f"[{c[4]:.3f}, {c[5]:.3f}] | {l2[0]:.3f} | {within[0]:.3f} | "
                       f"{within[1]:.3f} |\n")
    return "".join(out)


def plot(tasks, out_dir, effect=0):
    """Per complete task a figure validate_task<N> (.png and .pdf) of predicted against actual
    effect, one panel per predictor. Returns the paths written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for t in tasks:
        act = t["actual"][:, effect]
        if t["status"] != 2 or not np.isfinite(act).any():
            continue
        names = t["predictors"]
        ncol = 5
        nrow = (len(names) + ncol - 1) // ncol
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.8 * nrow), squeeze=False)
        for p, name in enumerate(names):
            ax = axes[p // ncol][p % ncol]
            pred = t["predicted"][:, p]
            for src, colour, lab in ((0, "tab:red", "method's draw"), (1, "tab:blue", "uniform")):
                m = (t["source"] == src) & np.isfinite(pred) & np.isfinite(act)
                ax.scatter(pred[m], act[m], s=12, c=colour, label=lab)
            c = t["correlation"][p, effect]
            ax.set_title(f"{name}\nspearman {c[0]:.2f}, pearson {c[3]:.2f}", fontsize=8)
            ax.tick_params(labelsize=6)
            ax.axhline(0, color="0.7", lw=0.5)
            if p % ncol == 0:
                ax.set_ylabel(f"actual change of {EFFECTS[effect]}", fontsize=7)
            if p // ncol == nrow - 1:
                ax.set_xlabel("predicted", fontsize=7)
        for q in range(len(names), nrow * ncol):
            axes[q // ncol][q % ncol].set_visible(False)
        axes[0][0].legend(fontsize=6)
        fig.suptitle(f"{t['label']}: predicted vs actual effect of adding a group", fontsize=9)
        fig.tight_layout()
        for ext in ("png", "pdf"):
            path = os.path.join(out_dir, f"validate_task{t['task'] + 1}.{ext}")
            fig.savefig(path, dpi=120)
            paths.append(path)
        plt.close(fig)
    return paths
