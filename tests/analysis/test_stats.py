"""Paired (Wilcoxon) and unpaired (Mann-Whitney U) comparisons equal scipy's on the same arrays."""

import numpy as np
import pytest
from scipy import stats as sps

from helpers import final_values, set_status
from pinnfluence_analysis import stats
from pinnfluence_analysis.store import Store


def comparisons(path, **kw):
    with Store(path) as store:
        return stats.comparisons(store.tasks, **kw)


def test_paired_wilcoxon(store_path):
    direct = final_values(store_path, 2)
    comps = comparisons(store_path, reference="rar")
    assert len(comps) == 2 * 2  # 2 problems x (static, random) against rar
    for c in comps:
        ref, other = direct[(c.mode, c.reference, c.pde)], direct[(c.mode, c.method, c.pde)]
        seeds = sorted(ref)
        x = np.array([other[s] for s in seeds])
        y = np.array([ref[s] for s in seeds])
        expect = sps.wilcoxon(x, y)
        assert c.test == "wilcoxon" and c.n == "3 pairs"
        assert c.pvalue == expect.pvalue and c.statistic == expect.statistic
        assert c.difference == np.median(x - y)
        assert c.better == (c.method if c.difference < 0 else c.reference)
        assert "n too small" in c.note  # 3 pairs: smallest two-sided p is 0.25


def test_unpaired_mannwhitney(store_copy):
    with Store(store_copy) as store:
        victim = next(t.index for t in store.tasks
                      if (t.method, t.pde, t.seed) == ("static", "burgers", 3))
    set_status(store_copy, victim, 3, "diverged")
    direct = final_values(store_copy, 2)
    comps = comparisons(store_copy, reference="rar")
    c = next(c for c in comps if (c.method, c.pde) == ("static", "burgers"))
    x = np.array(list(direct[("add", "static", "burgers")].values()))
    y = np.array(list(direct[("add", "rar", "burgers")].values()))
    expect = sps.mannwhitneyu(x, y, alternative="two-sided")
    assert c.test == "mannwhitneyu" and c.n == "2 vs 3"
    assert c.pvalue == expect.pvalue and c.statistic == expect.statistic
    assert c.difference == pytest.approx(np.median(np.subtract.outer(x, y)), rel=1e-15)


def test_small_n_warning_threshold():
    rng = np.random.default_rng(3)
    for n, warned in ((5, True), (6, False)):
        a = rng.uniform(1, 2, n)
        _, p, note = stats.paired_test(a, a * 0.5)  # every difference negative: the smallest p
        assert (note != "") == warned
        assert p == pytest.approx(2 / 2**n)
    assert stats.unpaired_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])[2]  # 3 vs 3: p >= 0.1
    assert not stats.unpaired_test(np.arange(4.0), np.arange(4.0) + 10)[2]  # 4 vs 4: p ~ 0.029


def test_markdown_and_reference(store_path):
    with Store(store_path) as store:
        ref, note = stats.choose_reference(store.tasks)  # no pinnfluence in the tiny sweep
        assert ref == "rar" and "no pinnfluence" in note
        with pytest.raises(ValueError, match="no finished task"):
            stats.choose_reference(store.tasks, "grad_dot")
        comps = stats.comparisons(store.tasks, "test_loss", all_pairs=True)
    assert len(comps) == 2 * 3
    text = stats.markdown(comps, "test_loss")
    assert "| problem | reference | method | test | n |" in text
    assert "cannot reach p < 0.05" in text and "final test loss" in text
