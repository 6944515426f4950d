"""The paper-style table: numbers from /metrics, the paper's formatting, and agreement with the
C program's own report (`pinnfluence report --format csv`)."""

import csv
import io
import re
import subprocess

import numpy as np
import pytest

from helpers import final_values, program_env, set_status
from pinnfluence_analysis import table
from pinnfluence_analysis.store import Store


def cells_of(path, metric):
    with Store(path) as store:
        return table.group_final(store.tasks, metric)


@pytest.mark.parametrize("metric,column", [("l2_relative_error", 2), ("test_loss", 3)])
def test_cells_equal_numpy(store_path, metric, column):
    direct = final_values(store_path, column)
    cells = cells_of(store_path, metric)
    assert set(cells) == set(direct)
    for key, by_seed in direct.items():
        values = np.array([by_seed[s] for s in sorted(by_seed)])
        assert cells[key].seeds == tuple(sorted(by_seed))
        assert cells[key].mean == np.mean(values)
        assert cells[key].std == np.std(values)  # ddof = 0, as the paper
        assert cells[key].n == len(values)


def parse_markdown(text):
    """{(mode, method, pde): (mean, std)} scaled back by the header exponents, and bold cells."""
    out, bold, mode, pdes = {}, set(), None, []
    for line in text.splitlines():
        m = re.match(r"\*\*(\w+) mode:", line)
        if m:
            mode = m.group(1)
        elif line.startswith("| method |"):
            pdes = [re.match(r"(\w+) ×1e(-?\d+)", h.strip()).groups()
                    for h in line.strip("|").split("|")[1:]]
        elif line.startswith("| ") and not line.startswith("|---"):
            parts = [p.strip() for p in line.strip().strip("|").split("|")]
            for (pde, exp), cell in zip(pdes, parts[1:]):
                if cell.startswith("**"):
                    bold.add((mode, parts[0], pde))
                mean, std = re.match(r"\**([\d.]+) ± ([\d.]+)", cell).groups()
                out[(mode, parts[0], pde)] = (mean, std, int(exp))
    return out, bold


def test_markdown_numbers(store_path):
    direct = final_values(store_path, 2)
    with Store(store_path) as store:
        text = table.markdown(table.build_tables(store.tasks))
    parsed, bold = parse_markdown(text)
    assert set(parsed) == set(direct)
    for pde in {k[2] for k in direct}:
        keys = [k for k in direct if k[2] == pde]
        means = {k: np.mean(list(direct[k].values())) for k in keys}
        exp = int(np.floor(np.log10(min(means.values()))))  # the paper: best mean in [1, 10)
        assert {k: parsed[k][2] for k in keys} == {k: exp for k in keys}
        for k in keys:
            m = means[k] / 10.0**exp
            s = np.std(list(direct[k].values())) / 10.0**exp
            d = 1 if m < 99.95 else 0
            assert parsed[k][:2] == (f"{m:.{d}f}", f"{s:.{d}f}")
        assert {k for k in keys if k in bold} == {min(means, key=means.get)}
    assert "n = 3 seeds per entry" in text
    assert "(n=" not in text


def test_paper_formatting():
    assert table.format_pair(17.2e-4, 5.5e-4, -4) == "17.2 ± 5.5"
    assert table.format_pair(801e-4, 1471e-4, -4) == "801 ± 1471"
    assert table.format_pair(4.3e-5, 1.5e-5, -5) == "4.3 ± 1.5"
    assert table.format_pair(float("nan"), 0.0, 0) == "–"
    assert table.column_exponent([2.9e-5, 62.5e-5, 4.3e-5]) == -5
    assert table.column_exponent([6.5e-4, 811e-4]) == -4


def test_uneven_seeds_and_exclusions(store_copy):
    with Store(store_copy) as store:
        victim = next(t.index for t in store.tasks if t.method == "rar" and t.seed == 2)
    set_status(store_copy, victim, 3, "diverged")
    with Store(store_copy) as store:
        from pinnfluence_analysis.store import exclusion_note
        text = table.markdown(table.build_tables(store.tasks), notes=[exclusion_note(store)])
    assert "(n=2)" in text and "(n=3)" in text
    assert "1 of 18 tasks are not done (1 failed) and are excluded" in text


def test_latex(store_path):
    with Store(store_path) as store:
        text = table.latex(table.build_tables(store.tasks, "test_loss"), "test_loss")
    for token in (r"\begin{tabular}{lcc}", r"\toprule", r"\midrule", r"\bottomrule",
                  r"\textbf{", r"$\pm$", r"diffusion ($\times 10^{"):
        assert token in text
    assert text.count(r"\textbf{") == 2  # one best entry per column


def test_agrees_with_program_report(exe, store_path):
    """The C program's table: means and stds agree to 1e-6 relative (it prints 7 digits)."""
    res = subprocess.run([exe, "report", store_path, "--format", "csv"], capture_output=True,
                         text=True, env=program_env(), check=True)
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows, res.stdout
    l2 = cells_of(store_path, "l2_relative_error")
    tl = cells_of(store_path, "test_loss")
    assert len(rows) == len(l2)
    for r in rows:
        key = (r["mode"], r["method"], r["pde"])
        assert int(r["seeds"]) == l2[key].n
        for name, cell in (("l2", l2[key]), ("test_loss", tl[key])):
            assert float(r[f"{name}_mean"]) == pytest.approx(cell.mean, rel=1e-6)
            assert float(r[f"{name}_std"]) == pytest.approx(cell.std, rel=1e-6)
