"""The stability of the inverse-Hessian factor from `pinnfluence bench --influence-stability
--json`: a summary table and, per state (problem, cycle), a figure of the Spearman correlation of
PINNfluence scores with the exact-Hessian scores against arnoldi_iters, rank and damping (Arnoldi,
and the exact backend at that rank or damping where the bench measured it), with the top-10
overlap beside it.

    pinnfluence bench --influence-stability --json > stability.jsonl
    python3 -m pinnfluence_analysis stability stability.jsonl --out figures
"""

import json

SWEEPS = ("arnoldi_iters", "rank", "damping")


def read(lines):
    """{(pde, cycle): {"state": dict, "spectrum": dict, "rows": [dict, ...]}} from JSON lines
    (other lines, e.g. of `bench --json`, are ignored; a malformed line is a ValueError)."""
    states = {}
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"line {n}: not JSON ({e.msg})") from None
        what = rec.get("what", "")
        if not what.startswith("stability"):
            continue
        if "pde" not in rec or "cycle" not in rec:
            raise ValueError(f"line {n}: a stability record without pde and cycle")
        key = (rec["pde"], int(rec["cycle"]))
        st = states.setdefault(key, {"state": {}, "spectrum": {}, "rows": []})
        if what == "stability_state":
            st["state"] = rec
        elif what == "stability_spectrum":
            st["spectrum"] = rec
        elif what == "stability":
            st["rows"].append(rec)
    if not states:
        raise ValueError("no stability records (run `pinnfluence bench --influence-stability "
                         "--json`)")
    return states


def _fmt(v, spec):
    return "–" if v is None else format(v, spec)


def markdown(states):
    """One table per state: each setting's Spearman and top-10 overlap (Arnoldi / exact), with
    the spectrum counts above it."""
    out = []
    for (pde, cycle), st in sorted(states.items()):
        sp = st["spectrum"]
        out.append(f"**{pde} after cycle {cycle}** (P = {sp.get('params', '?')}): "
                   f"{sp.get('negative', '?')} negative eigenvalues, "
                   f"{sp.get('discarded', '?')} discarded by eig_tol, "
                   f"reference rank {sp.get('reference_rank', '?')}\n")
        out.append("| sweep | value | Spearman | top-10 | exact Spearman | exact top-10 | seconds |")
        out.append("|---|---|---|---|---|---|---|")
        for r in st["rows"]:
            out.append(f"| {r['sweep']} | {r['value']:g} | {r['spearman']:.4f} | "
                       f"{r['overlap']}/{r['topk']} | {_fmt(r.get('spearman_exact'), '.4f')} | "
                       f"{_fmt(r.get('overlap_exact'), 'd')} | {r['seconds']:.2f} |")
        out.append("")
    return "\n".join(out) + "\n"


def plot(states, out_dir):
    """stability_<pde>_cycle<C>: three panels (arnoldi_iters, rank, damping); returns the paths."""
    from . import plots  # matplotlib only when figures are wanted
    plt = plots.plt
    paths = []
    for (pde, cycle), st in sorted(states.items()):
        with plt.rc_context(plots.STYLE):
            fig, axes = plt.subplots(1, len(SWEEPS), figsize=(12.6, 3.6), squeeze=False)
            for i, (ax, sweep) in enumerate(zip(axes[0], SWEEPS)):
                rows = sorted((r for r in st["rows"] if r["sweep"] == sweep),
                              key=lambda r: r["value"])
                x = [r["value"] for r in rows]
                ax.plot(x, [r["spearman"] for r in rows], "o-", label="Arnoldi")
                ex = [(r["value"], r["spearman_exact"]) for r in rows
                      if r.get("spearman_exact") is not None]
                if ex:
                    ax.plot(*zip(*ex), "s--", label="exact at this setting")
                ax.set_xscale("log")
                ax.set_xlabel(sweep)
                if i == 0:
                    ax.set_ylabel("Spearman vs exact reference")
                ax.grid(True, alpha=0.3)
                ax.legend(loc="best")
            fig.suptitle(f"{pde} after cycle {cycle}: stability of the PINNfluence ranking")
            paths += plots.save(fig, out_dir, f"stability_{pde}_cycle{cycle}")
    return paths
