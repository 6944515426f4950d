"""The stability tables and figures from `bench --influence-stability --json` lines: records are
grouped per state, other lines are ignored, a malformed line or a file without records is an
error, and the figure is written."""

import json

import pytest

from pinnfluence_analysis import cli, stability


def _lines():
    state = {"what": "stability_state", "pde": "burgers", "cycle": 1, "params": 2241}
    spec = {"what": "stability_spectrum", "pde": "burgers", "cycle": 1, "params": 2241,
            "negative": 1059, "discarded": 688, "reference_rank": 1553}
    rows = []
    for sweep, values in (("arnoldi_iters", (25, 200)), ("rank", (5, 50)),
                          ("damping", (1e-6, 1e-3))):
        for k, v in enumerate(values):
            exact = None if sweep == "arnoldi_iters" else 0.9 + 0.05 * k
            rows.append({"what": "stability", "pde": "burgers", "cycle": 1, "sweep": sweep,
                         "value": v, "spearman": 0.8 + 0.07 * k, "spearman_exact": exact,
                         "topk": 10, "overlap": 5 + k,
                         "overlap_exact": None if exact is None else 6, "seconds": 0.5})
    other = {"what": "loss_grad", "pde": "burgers"}  # a `bench --json` line
    return [json.dumps(r) for r in [state, spec, other] + rows]


def test_read_and_table():
    states = stability.read(_lines())
    assert list(states) == [("burgers", 1)]
    st = states[("burgers", 1)]
    assert st["spectrum"]["negative"] == 1059 and len(st["rows"]) == 6
    text = stability.markdown(states)
    assert "1059 negative eigenvalues" in text and "688 discarded" in text
    assert "| rank | 50 | 0.8700 | 6/10 | 0.9500 | 6 | 0.50 |" in text
    assert "| arnoldi_iters | 25 | 0.8000 | 5/10 | – | – | 0.50 |" in text


def test_errors():
    with pytest.raises(ValueError, match="line 2: not JSON"):
        stability.read(['{"what": "loss_grad"}', "{oops"])
    with pytest.raises(ValueError, match="line 1: a stability record without pde"):
        stability.read(['{"what": "stability_state"}'])
    with pytest.raises(ValueError, match="no stability records"):
        stability.read(['{"what": "loss_grad"}'])


def test_cli_writes_the_figure(tmp_path, capsys):
    src = tmp_path / "stability.jsonl"
    src.write_text("\n".join(_lines()) + "\n")
    assert cli.main(["stability", str(src), "--out", str(tmp_path / "fig")]) == 0
    out = capsys.readouterr().out
    assert "burgers after cycle 1" in out
    assert (tmp_path / "fig" / "stability_burgers_cycle1.png").stat().st_size > 1000
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert cli.main(["stability", str(bad)]) == 2
