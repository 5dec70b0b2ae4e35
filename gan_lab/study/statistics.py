"""Statistics over seeds: means with confidence intervals, for tables that say how sure they are.

A few seeds per configuration is what a GAN study can afford, so intervals
use Student's t (scipy.stats), not a normal approximation; a paired
comparison (two sample sets of the same runs, e.g. EMA vs raw generator)
uses the per-seed differences, which removes the seed-to-seed spread that
both share. Comparisons of several configurations (independent runs) use
Welch's t-test and an exact permutation test, Holm-corrected over the family
of pairs compared.
"""

import itertools
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


def format_median_range(values, digits: int = 3) -> str:
  """'median [min, max]' with `digits` significant digits (just the value for one): never outside the values seen."""
  values = np.asarray(values, np.float64)
  if len(values) == 1:
    return f"{values[0]:.{digits}g}"
  return f"{np.median(values):.{digits}g} [{values.min():.{digits}g}, {values.max():.{digits}g}]"


def paired_difference(after, before, level: float = 0.95) -> dict:
  """The mean of after - before over paired seeds, its t-interval, and the paired t-test's p-value."""
  diff = np.asarray(after, np.float64) - np.asarray(before, np.float64)
  mean, half = mean_ci(diff, level)
  p_value = float(stats.ttest_rel(after, before).pvalue) if len(diff) > 1 else math.nan
  return {"mean": mean, "ci_half_width": half, "p_value": p_value, "seeds": len(diff)}


def welch_p(a, b) -> float:
  """Two-sided p-value of Welch's t-test (unequal variances); NaN with fewer than 2 values a side."""
  if min(len(a), len(b)) < 2:
    return math.nan
  return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def permutation_p(a, b) -> float:
  """Two-sided p-value of the exact permutation test of the difference in means.

  Every split of the pooled values into groups of the two sizes is
  enumerated (scipy's n_resamples=inf), so no distributional assumption is
  made; the smallest p-value it can give is 2 / C(n_a + n_b, n_a): 0.1 for
  3 seeds against 3, 0.0079 for 5 against 5. NaN with fewer than 2 values
  a side (scipy's requirement; one against one could only give p = 1).
  """
  if min(len(a), len(b)) < 2:
    return math.nan
  difference = lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis)
  result = stats.permutation_test((np.asarray(a, np.float64), np.asarray(b, np.float64)), difference,
                                  permutation_type="independent", n_resamples=np.inf, vectorized=True)
  return float(result.pvalue)


def stratified_permutation_p(blocks, n_resamples: int = 20000, seed: int = 0) -> float:
  """Two-sided p-value of a - b over several blocks, with labels shuffled only within each block.

  blocks: [(a values, b values), ...], e.g. one per loss. The statistic is
  the sum over blocks of mean(a) - mean(b), so a block effect (one loss's
  FCDs all higher) cancels and no normality is assumed. The null is that a
  and b are exchangeable within every block. Every split is enumerated
  when there are at most `n_resamples` of them (the exact test); otherwise
  `n_resamples` random splits (seeded) give (1 + hits) / (1 + n_resamples),
  which is never 0.
  """
  blocks = [(np.asarray(a, np.float64), np.asarray(b, np.float64)) for a, b in blocks]
  observed = sum(a.mean() - b.mean() for a, b in blocks)
  splits = math.prod(math.comb(len(a) + len(b), len(a)) for a, b in blocks)
  tolerance = 1e-9 * max(1.0, abs(observed))
  if splits <= n_resamples:
    totals = np.zeros(1)
    for a, b in blocks:
      pooled, k = np.concatenate([a, b]), len(a)
      differences = np.array([pooled[list(c)].mean() - np.delete(pooled, list(c)).mean()
                              for c in itertools.combinations(range(len(pooled)), k)])
      totals = (totals[:, None] + differences[None, :]).ravel()
    return float(np.mean(np.abs(totals) >= abs(observed) - tolerance))
  rng = np.random.default_rng(seed)
  totals = np.zeros(n_resamples)
  for a, b in blocks:
    shuffled = rng.permuted(np.tile(np.concatenate([a, b]), (n_resamples, 1)), axis=1)
    totals += shuffled[:, :len(a)].mean(axis=1) - shuffled[:, len(a):].mean(axis=1)
  return float((1 + np.sum(np.abs(totals) >= abs(observed) - tolerance)) / (1 + n_resamples))


def holm(p_values) -> list[float]:
  """Holm's step-down adjusted p-values (Holm 1979), in the input order; NaN stays NaN and is not counted.

  Sorted ascending, the i-th (from 0) of m p-values becomes
  max over j <= i of min(1, (m - j) p_(j)); rejecting where the adjusted
  value is below alpha controls the family-wise error rate at alpha.
  """
  order = [i for i in np.argsort(p_values) if not math.isnan(p_values[i])]
  adjusted, running = [math.nan] * len(p_values), 0.0
  for rank, i in enumerate(order):
    running = max(running, min(1.0, (len(order) - rank) * p_values[i]))
    adjusted[i] = running
  return adjusted


def pairwise(groups: dict, alpha: float = 0.05) -> list[dict]:
  """Every pair of `groups` {name: values}: difference in means, Welch and permutation p, Holm over the pairs.

  `significant` is decided by the Holm-adjusted Welch p-value; the exact
  permutation p-value (also Holm-adjusted) is the assumption-free check.
  """
  pairs = list(itertools.combinations(groups, 2))
  welch = [welch_p(groups[a], groups[b]) for a, b in pairs]
  permutation = [permutation_p(groups[a], groups[b]) for a, b in pairs]
  welch_holm, permutation_holm = holm(welch), holm(permutation)
  return [{"a": a, "b": b, "difference": float(np.mean(groups[a]) - np.mean(groups[b])),
           "welch_p": welch[i], "welch_holm_p": welch_holm[i], "permutation_p": permutation[i],
           "permutation_holm_p": permutation_holm[i], "significant": bool(welch_holm[i] < alpha)}
          for i, (a, b) in enumerate(pairs)]


def geometric_mean(values) -> float:
  """exp(mean(log values)): the centre of `log_t_interval`, for a positive score compared as ratios."""
  return float(stats.gmean(np.asarray(values, np.float64)))


def log_t_interval(values, level: float = 0.95) -> tuple[float, float, float]:
  """(geometric mean, lo, hi): a t-interval on log values, mapped back, so it can never reach 0 or below.

  FCD is positive and its seed-to-seed scatter grows with its size (a
  collapsed run sits far above healthy ones), which an interval on the raw
  values ignores (one cell's gave 805 ± 1600, through negative FCD).
  """
  logs = np.log(np.asarray(values, np.float64))
  mean, half = mean_ci(logs, level)
  return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def one_way_anova(groups: dict) -> tuple[float, int, int, float]:
  """(F, between df, within df, p) of the one-way analysis of variance over `groups` {name: values}.

  NaN F and p when fewer than 2 groups or no within-group df (scipy's f_oneway; the test checks it
  against the sums of squares written out).
  """
  values = [np.asarray(v, np.float64) for v in groups.values()]
  between, within = len(values) - 1, sum(len(v) for v in values) - len(values)
  if between < 1 or within < 1:
    return math.nan, between, within, math.nan
  result = stats.f_oneway(*values)
  return float(result.statistic), between, within, float(result.pvalue)


def two_way_anova(cells: dict) -> dict:
  """Main effects of two factors and their interaction on `cells` {(a, b): [values]}, by least squares.

  Each effect's sum of squares is type II (the effect after the other main
  effect; the interaction after both), so unequal replicates (a failed run)
  are handled; F-tests against the full model's residual. Returns
  {"a": (F, df, p), "b": (F, df, p), "interaction": (F, df, p), "residual_df": n}.
  """
  keys = [key for key, values in cells.items() for _ in values]
  y = np.array([v for values in cells.values() for v in values], np.float64)
  levels_a = sorted({a for a, _ in cells})
  levels_b = sorted({b for _, b in cells})
  one = np.ones((len(y), 1))
  dummies_a = np.array([[a == level for level in levels_a[1:]] for a, _ in keys], np.float64).reshape(len(y), -1)
  dummies_b = np.array([[b == level for level in levels_b[1:]] for _, b in keys], np.float64).reshape(len(y), -1)
  both = np.hstack([(dummies_a[:, [i]] * dummies_b[:, [j]]) for i in range(dummies_a.shape[1])
                    for j in range(dummies_b.shape[1])] or [np.zeros((len(y), 0))])

  def rss(*blocks):
    x = np.hstack([one, *blocks])
    residual = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return float(residual @ residual), np.linalg.matrix_rank(x)

  full, full_rank = rss(dummies_a, dummies_b, both)
  additive, additive_rank = rss(dummies_a, dummies_b)
  residual_df = len(y) - full_rank

  def test(reduced, reduced_rank, bigger, bigger_rank):
    df = bigger_rank - reduced_rank
    f = ((reduced - bigger) / df) / (full / residual_df)
    return f, df, float(stats.f.sf(f, df, residual_df))

  return {"a": test(*rss(dummies_b), additive, additive_rank), "b": test(*rss(dummies_a), additive, additive_rank),
          "interaction": test(additive, additive_rank, full, full_rank), "residual_df": residual_df}
