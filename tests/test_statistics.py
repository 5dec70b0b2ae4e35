"""Confidence intervals and the paired test against textbook values and scipy."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from gan_lab.study import statistics

T_975_DF2, T_975_DF4 = 4.302652729911275, 2.7764451051977987  # Student's t table, two-sided 95%.


def test_mean_ci_against_the_t_table():
  mean, half = statistics.mean_ci([1.0, 2.0, 3.0])  # sd = 1
  assert mean == 2.0 and half == pytest.approx(T_975_DF2 / math.sqrt(3), rel=1e-9)
  values = [10.0, 12.0, 9.0, 11.0, 13.0]  # sd = sqrt(2.5)
  assert statistics.mean_ci(values)[1] == pytest.approx(T_975_DF4 * math.sqrt(2.5) / math.sqrt(5), rel=1e-9)


def test_one_value_has_no_interval():
  mean, half = statistics.mean_ci([4.0])
  assert mean == 4.0 and math.isnan(half)
  assert statistics.format_mean_ci([4.0]) == "4"
  assert statistics.format_mean_ci([1.0, 2.0, 3.0]) == "2 ± 2.5"


def test_median_range_stays_inside_the_values_seen():
  # A collapsed seed (1541) drags the mean to 805 and its t-interval below zero; the median and range do not.
  assert statistics.format_median_range([1541.0, 436.0, 438.5], 4) == "438.5 [436, 1541]"
  assert statistics.format_median_range([4.0]) == "4"


def test_paired_difference_uses_per_seed_differences():
  before, after = np.array([100.0, 120.0, 140.0]), np.array([90.0, 111.0, 128.0])  # Differences -10, -9, -12.
  result = statistics.paired_difference(after, before)
  diffs = after - before
  assert result["mean"] == pytest.approx(-31 / 3)
  assert result["ci_half_width"] == pytest.approx(T_975_DF2 * np.std(diffs, ddof=1) / math.sqrt(3))
  # The t statistic written out: mean / (sd / sqrt(n)), two-sided p from the t distribution with n - 1 df.
  t = diffs.mean() / (np.std(diffs, ddof=1) / math.sqrt(3))
  assert result["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 2), rel=1e-9)
  assert result["p_value"] < 0.01  # A consistent improvement is significant although the seeds spread widely.


def test_welch_p_against_the_formula_written_out():
  a, b = np.array([100.0, 104.0, 98.0, 101.0]), np.array([90.0, 97.0, 92.0])
  va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
  t = (a.mean() - b.mean()) / math.sqrt(va + vb)
  df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))  # Welch-Satterthwaite.
  assert statistics.welch_p(a, b) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9)
  assert math.isnan(statistics.welch_p([1.0], [2.0, 3.0]))


def _enumerated_permutation_p(a, b):
  """Twice the smaller one-sided share of all splits at least as extreme (what the exact test counts)."""
  pooled, observed = np.concatenate([a, b]), np.mean(a) - np.mean(b)
  diffs = []
  for chosen in itertools.combinations(range(len(pooled)), len(a)):
    mask = np.zeros(len(pooled), bool)
    mask[list(chosen)] = True
    diffs.append(pooled[mask].mean() - pooled[~mask].mean())
  diffs = np.array(diffs)
  tol = 1e-12 * max(1.0, abs(observed))
  return min(1.0, 2 * min(np.mean(diffs >= observed - tol), np.mean(diffs <= observed + tol)))


@pytest.mark.parametrize("a, b", [([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]), ([3.1, 2.0, 5.5, 4.0, 3.3], [5.0, 6.2, 4.1, 7.7, 6.6]),
                                  ([1.0, 2.5, 2.0], [2.2, 3.0, 1.5, 4.0, 3.5])])
def test_permutation_p_enumerates_every_split(a, b):
  assert statistics.permutation_p(a, b) == pytest.approx(_enumerated_permutation_p(np.array(a), np.array(b)))


def test_permutation_p_floor_at_three_seeds_is_one_tenth():
  assert statistics.permutation_p([1.0, 2.0, 3.0], [10.0, 11.0, 12.0]) == pytest.approx(0.1)


def test_one_seed_a_side_cannot_be_tested():
  pair, = statistics.pairwise({"tanh": [1.0], "sigmoid": [2.0]})
  assert math.isnan(pair["welch_p"]) and math.isnan(pair["permutation_p"]) and not pair["significant"]
  assert pair["difference"] == -1.0


def test_holm_against_a_worked_example():
  # Sorted p: 0.01, 0.02, 0.03, 0.04 with m = 4: 0.04, 0.06, 0.06 (monotone), 0.06.
  assert statistics.holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])
  assert statistics.holm([0.5, 0.4]) == pytest.approx([0.8, 0.8])  # 2 x 0.4, then max(0.8, 1 x 0.5).
  adjusted = statistics.holm([0.01, math.nan])
  assert adjusted[0] == pytest.approx(0.01) and math.isnan(adjusted[1])


def test_pairwise_marks_only_holm_significant_pairs():
  groups = {"a": [10.0, 10.5, 9.5, 10.2, 9.8], "b": [20.0, 20.5, 19.5, 20.2, 19.8], "c": [10.1, 10.6, 9.6, 10.3, 9.9]}
  rows = {(r["a"], r["b"]): r for r in statistics.pairwise(groups)}
  assert set(rows) == {("a", "b"), ("a", "c"), ("b", "c")}
  assert rows[("a", "b")]["significant"] and rows[("b", "c")]["significant"] and not rows[("a", "c")]["significant"]
  assert rows[("a", "b")]["difference"] == pytest.approx(-10.0)
  raw = [rows[k]["welch_p"] for k in rows]
  assert [rows[k]["welch_holm_p"] for k in rows] == pytest.approx(statistics.holm(raw))


def test_log_t_interval_is_the_t_interval_of_the_logs_mapped_back():
  values = [436.0, 438.0, 1541.0]  # mlp · hinge · hard_sigmoid: one collapsed seed.
  logs = np.log(values)
  half = T_975_DF2 * np.std(logs, ddof=1) / math.sqrt(3)
  geo, lo, hi = statistics.log_t_interval(values)
  assert geo == pytest.approx(math.exp(logs.mean())) and lo == pytest.approx(math.exp(logs.mean() - half))
  assert hi == pytest.approx(math.exp(logs.mean() + half)) and 0 < lo < min(values)


def test_geometric_mean_is_the_nth_root_of_the_product():
  assert statistics.geometric_mean([1.0, 100.0]) == pytest.approx(10.0)  # The arithmetic mean would be 50.5.
  assert statistics.geometric_mean([2.0, 4.0, 8.0]) == pytest.approx(4.0)


def test_two_way_anova_matches_the_textbook_sums_of_squares_on_a_balanced_design():
  rng = np.random.default_rng(0)
  cells = {(a, b): list(rng.normal(a + (b == "y") * 2 + (a == 1 and b == "y"), 1.0, 4))
           for a in (0, 1, 2) for b in ("x", "y")}
  y = np.array([v for vs in cells.values() for v in vs])
  grand = y.mean()
  mean_a = {a: np.mean([v for (aa, _), vs in cells.items() if aa == a for v in vs]) for a in (0, 1, 2)}
  mean_b = {b: np.mean([v for (_, bb), vs in cells.items() if bb == b for v in vs]) for b in ("x", "y")}
  ss_a = 8 * sum((m - grand) ** 2 for m in mean_a.values())  # 2 levels of b x 4 replicates per level of a.
  ss_b = 12 * sum((m - grand) ** 2 for m in mean_b.values())
  ss_cells = 4 * sum((np.mean(vs) - grand) ** 2 for vs in cells.values())
  ss_ab = ss_cells - ss_a - ss_b
  ss_e = sum(((np.asarray(vs) - np.mean(vs)) ** 2).sum() for vs in cells.values())
  result = statistics.two_way_anova(cells)
  assert result["residual_df"] == 24 - 6
  for key, ss, df in (("a", ss_a, 2), ("b", ss_b, 1), ("interaction", ss_ab, 2)):
    f = (ss / df) / (ss_e / 18)
    assert result[key][:2] == (pytest.approx(f), df)
    assert result[key][2] == pytest.approx(1 - stats.f.cdf(f, df, 18))


def _splits(a, b):
  """Every (mean of the first group - mean of the second) over the splits of a + b into groups of len(a), len(b)."""
  pooled = list(a) + list(b)
  return [np.mean([pooled[i] for i in chosen]) - np.mean([pooled[i] for i in range(len(pooled)) if i not in chosen])
          for chosen in itertools.combinations(range(len(pooled)), len(a))]


def test_stratified_permutation_p_enumerates_every_split_within_blocks():
  # Block 2 sits 100 above block 1: shuffling across blocks would swamp the a - b difference; within, it cancels.
  blocks = [([1.0, 2.0, 2.5], [3.0, 3.5]), ([101.0, 102.5], [103.0, 104.0])]
  observed = (np.mean([1.0, 2.0, 2.5]) - 3.25) + (101.75 - 103.5)
  sums = [x + y for x in _splits(*blocks[0]) for y in _splits(*blocks[1])]  # 10 x 6 = 60 splits.
  expected = np.mean([abs(t) >= abs(observed) - 1e-9 for t in sums])
  assert statistics.stratified_permutation_p(blocks) == pytest.approx(expected)
  assert expected == pytest.approx(2 / 60)  # Only the observed split and its mirror are as extreme.


def test_stratified_permutation_p_samples_when_there_are_too_many_splits():
  rng = np.random.default_rng(3)
  same = [(rng.normal(0, 1, 5), rng.normal(0, 1, 5)) for _ in range(4)]  # 252^4 splits: sampled.
  apart = [(a - 2.0, b) for a, b in same]
  assert statistics.stratified_permutation_p(apart) == pytest.approx(1 / 20001)  # Never 0.
  assert statistics.stratified_permutation_p(same) > 0.05
  assert statistics.stratified_permutation_p(same) == statistics.stratified_permutation_p(same)  # Seeded.
