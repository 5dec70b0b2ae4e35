"""Statistics over seeds: means with confidence intervals, for tables that say how sure they are.

A few seeds per configuration is what a GAN study can afford, so intervals
use Student's t (scipy.stats), not a normal approximation; a paired
comparison (two sample sets of the same runs, e.g. EMA vs raw generator)
uses the per-seed differences, which removes the seed-to-seed spread that
both share.
"""

import math

import numpy as np
from scipy import stats


def mean_ci(values, level: float = 0.95) -> tuple[float, float]:
  """(mean, half-width of the two-sided `level` t-interval); half-width NaN for fewer than 2 values."""
  values = np.asarray(values, np.float64)
  if len(values) < 2:
    return (float(values[0]) if len(values) else math.nan), math.nan
  sem = np.std(values, ddof=1) / math.sqrt(len(values))
  return float(np.mean(values)), float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * sem)


def format_mean_ci(values, digits: int = 3) -> str:
  """'mean ± half-width' with `digits` significant digits (just the mean for one value)."""
  mean, half = mean_ci(values)
  return f"{mean:.{digits}g}" if math.isnan(half) else f"{mean:.{digits}g} ± {half:.2g}"


def paired_difference(after, before, level: float = 0.95) -> dict:
  """The mean of after - before over paired seeds, its t-interval, and the paired t-test's p-value."""
  diff = np.asarray(after, np.float64) - np.asarray(before, np.float64)
  mean, half = mean_ci(diff, level)
  p_value = float(stats.ttest_rel(after, before).pvalue) if len(diff) > 1 else math.nan
  return {"mean": mean, "ci_half_width": half, "p_value": p_value, "seeds": len(diff)}
