"""Confidence intervals and the paired test against textbook values and scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from gan_lab import statistics

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
