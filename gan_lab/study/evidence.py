"""What a study's answer rests on: every seed's score, collapsed runs named, and one answer pooled over losses.

GAN outcomes over a few seeds are often bimodal (a run collapses or it does
not), so a mean ± t-interval alone misleads: these tables give each seed's
final FCD, the median, and the geometric mean with a t-interval on log FCD
(which cannot cross zero), and count the runs that collapsed. The pooled
answer asks, per model, whether the activation matters on log FCD with the
loss as a second factor, and whether the best activation depends on the loss
(their interaction): a two-way analysis over every loss's seeds at once, and
every activation pair by a permutation test stratified by loss, which does
not lean on the normal errors that collapsed runs break. The
budget comparison asks whether an order seen at one step of training holds at
a later one, and the clipping table whether scoring the images users see
(clipped to black..white) rather than the raw output changes a cell's score.
"""

import math

import numpy as np

from gan_lab.study import results_csv, statistics
from gan_lab.study.design import variant_label
from gan_lab.study.factor import Factor

COLLAPSED_CLASSES = 2  # A run whose samples cover this many classes or fewer has collapsed.


def _fcds(rows) -> list[float]:
  return [r["fcd"] for r in rows if not r["failed"] and r.get("fcd") is not None and not math.isnan(r["fcd"])]


def collapsed(rows) -> int:
  """How many finished runs cover at most `COLLAPSED_CLASSES` classes."""
  return sum(1 for r in rows if not r["failed"] and r.get("classes_covered") is not None
             and r["classes_covered"] <= COLLAPSED_CLASSES)


def seed_lines(groups: dict) -> list[str]:
  """Markdown: a row per label ({label: rows}), every seed's FCD, the median, the log-t interval, collapses."""
  lines = ["| activation | final FCD per seed | median | geometric mean [95% log-t interval] | collapsed |",
           "| --- | --- | --- | --- | --- |"]
  for label, rows in groups.items():
    values = _fcds(rows)
    if not values:
      continue
    seeds = ", ".join(f"{r['seed']}: {r['fcd']:.4g}" for r in sorted(rows, key=lambda r: r["seed"])
                      if not r["failed"] and r.get("fcd") is not None)
    geo, lo, hi = statistics.log_t_interval(values) if len(values) > 1 else (values[0], math.nan, math.nan)
    interval = f"{geo:.4g} [{lo:.4g}, {hi:.4g}]" if len(values) > 1 else f"{geo:.4g}"
    lines.append(f"| {label} | {seeds} | {np.median(values):.4g} | {interval} | "
                 f"{collapsed(rows)} of {len(values)} |")
  return lines


def strata_noun(factor: Factor, plural: bool = False) -> str:
  """What the pooled answer pools over within a model: the loss in the activation study, else 'cell'."""
  rest = [c for c in factor.cells if c != "model"]
  noun = "loss" if rest == ["loss"] else "cell"
  return noun + ("es" if noun == "loss" else "s") * plural


def _stratum(factor: Factor, row) -> str:
  return " · ".join(str(row[c]) for c in factor.cells if c != "model")


def pooled_lines(rows, model: str, factor: Factor = Factor()) -> list[str]:
  """Markdown: the factor's (activation's) effect on log FCD with the rest of the cell (the loss) as a block,
  for one model (no margin variants)."""
  cells = {}
  for r in rows:
    if r["model"] == model and not r["data_margin"] and not r["failed"] and r.get("fcd") and r["fcd"] > 0:
      cells.setdefault((factor.level(r), _stratum(factor, r)), []).append(math.log(r["fcd"]))
  activations = sorted({a for a, _ in cells})
  losses = sorted({l for _, l in cells})
  complete = all(len(cells.get((a, l), [])) >= 2 for a in activations for l in losses)
  noun, stratum = factor.noun, strata_noun(factor)
  if len(activations) < 2 or len(losses) < 2:
    return [f"The {model} runs here span {len(activations)} {noun}{'s' * (len(activations) != 1)} and "
            f"{len(losses)} {strata_noun(factor, len(losses) != 1)}: nothing to pool over."]
  if not complete:
    return [f"Not every {model} {noun} · {stratum} cell has 2 finished seeds yet: no pooled test."]
  anova = statistics.two_way_anova(cells)
  pooled = {a: math.exp(np.mean([v for (aa, _), vs in cells.items() if aa == a for v in vs])) for a in activations}
  order = " < ".join(f"{a} ({pooled[a]:.4g})" for a in sorted(pooled, key=pooled.get))

  def effect(key, what):
    f, df, p = anova[key]
    return f"{what}: F({df}, {anova['residual_df']}) = {f:.3g}, p = {p:.2g}"

  return [f"Two-way analysis of log final FCD over every {model} run ({noun} x {stratum}, seeds as replicates; "
          "type II sums of squares):", "",
          f"- {effect('a', noun)}", f"- {effect('b', stratum)}",
          f"- {effect('interaction', f'{noun} x {stratum} (does the best {noun} depend on the {stratum}?)')}", "",
          f"Geometric mean FCD per {noun} over all {strata_noun(factor, True)} and seeds: {order}.", "",
          *pooled_pair_lines(cells, activations, losses, factor=factor)]


def pooled_pair_lines(cells: dict, activations: list, losses: list, alpha: float = 0.05,
                      factor: Factor = Factor()) -> list[str]:
  """Markdown: every activation pair over all losses at once, by a permutation test stratified by loss.

  cells: {(activation, loss): [log FCD]}. The effect is the mean over
  losses of each loss's log ratio of geometric means, mapped back (so each
  loss weighs the same); the test shuffles activation labels only within a
  loss, so it needs neither normal errors nor equal variances, which
  collapsed runs break. Holm over the pairs of this model.
  """
  pairs = [(a, b) for i, a in enumerate(activations) for b in activations[i + 1:]]
  blocks = {pair: [(cells[(pair[0], l)], cells[(pair[1], l)]) for l in losses] for pair in pairs}
  p = [statistics.stratified_permutation_p(blocks[pair]) for pair in pairs]
  adjusted = statistics.holm(p)
  stratum = strata_noun(factor)
  lines = [f"Every pair over all {len(losses)} {strata_noun(factor, True)} at once (log FCD; labels shuffled only "
           f"within a {stratum}, so the {stratum} cancels; Holm over these {len(pairs)} pairs):", "",
           f"| a vs b | FCD a / b (per-{stratum} ratios averaged on the log scale) | stratified permutation p | Holm | "
           "verdict |", "| --- | --- | --- | --- | --- |"]
  for (a, b), raw, held in zip(pairs, p, adjusted):
    ratio = math.exp(np.mean([np.mean(x) - np.mean(y) for x, y in blocks[(a, b)]]))
    verdict = f"**{a if ratio < 1 else b} better**" if held < alpha else "not distinguishable at this budget"
    lines.append(f"| {a} vs {b} | {ratio:.3g} | {raw:.2g} | {held:.2g} | {verdict} |")
  return lines


def clipping_lines(rows, factor: Factor = Factor()) -> list[str]:
  """Markdown: every cell whose samples leave black..white, scored clipped (as saved images are) and unclipped.

  A row per model · loss · activation variant with any value clipped: the
  geometric means of both FCDs, in how many runs clipping raised FCD, and
  the range over runs of the share of values clipped.
  """
  groups = {}
  for r in rows:
    if not r["failed"] and r.get("fcd") and r.get("fcd_unclipped") and (r.get("clipped_fraction") or 0) > 0:
      groups.setdefault((factor.block_label(factor.block(r)), variant_label(*factor.key(r))), []).append(r)
  if not groups:
    return []
  lines = [f"| {factor.header()} · {factor.noun} | runs | FCD clipped | FCD unclipped | clipped higher in | values clipped |",
           "| --- | --- | --- | --- | --- | --- |"]
  for (block, label), runs in sorted(groups.items(), key=lambda item: ("+" in item[0][1], item[0])):
    clipped, unclipped = [r["fcd"] for r in runs], [r["fcd_unclipped"] for r in runs]
    share = [r["clipped_fraction"] for r in runs]
    lines.append(f"| {block} · {label} | {len(runs)} | {statistics.geometric_mean(clipped):.3g} | "
                 f"{statistics.geometric_mean(unclipped):.3g} | {sum(c > u for c, u in zip(clipped, unclipped))} of "
                 f"{len(runs)} | {min(share):.1%}-{max(share):.1%} |")
  return lines


def budget_lines(snapshots, early: int, late: int) -> list[str]:
  """Markdown: per model x loss scored at both steps, the order at `early` and at `late`, the pairs that swap and
  the pairs apart at each step, and whether the activation changes how far FCD falls between them (no margin variants).

  Both steps are snapshots of the same runs, so the activation x budget
  interaction is a one-way analysis of each run's change in log FCD (late
  over early) across activations: if every activation's FCD falls by the
  same factor, the order cannot change beyond the seeds' scatter. Snapshot
  scores use the same sample count at both steps (the final scores use more).
  """
  at = {}
  for r in snapshots:
    if not r["data_margin"] and r["step"] in (early, late) and r.get("fcd"):
      at.setdefault((r["model"], r["loss"]), {}).setdefault(r["output_activation"], {}).setdefault(
          r["run"], {})[r["step"]] = r["fcd"]
  lines = [f"| model · loss | order at step {early} | order at step {late} | pairs whose order changes "
           f"(Holm-corrected Welch p at step {late}) | pairs apart at step {early} / at step {late} (Holm-corrected "
           f"Welch p < 0.05) | FCD at {late} / at {early} (geometric mean over runs) | "
           "activation effect on the change |", "| --- | --- | --- | --- | --- | --- | --- |"]
  for (model, loss), activations in at.items():
    both = {a: [steps for steps in runs.values() if len(steps) == 2] for a, runs in activations.items()}
    both = {a: runs for a, runs in both.items() if runs}
    if len(both) < 2:
      continue
    logs = {step: {a: [math.log(s[step]) for s in runs] for a, runs in both.items()} for step in (early, late)}
    tests = {step: statistics.pairwise(logs[step]) for step in (early, late)}
    changes = {a: np.subtract(logs[late][a], logs[early][a]) for a in both}
    order = lambda step: " < ".join(sorted(both, key=lambda a: statistics.geometric_mean([s[step] for s in both[a]])))
    ratios = ", ".join(f"{a} {math.exp(np.mean(c)):.3g}" for a, c in changes.items())
    f, df_between, df_within, p = statistics.one_way_anova(changes)
    effect = "n/a (1 run per activation)" if math.isnan(p) else f"F({df_between}, {df_within}) = {f:.3g}, p = {p:.2g}"
    lines.append(f"| {model} · {loss} | {order(early)} | {order(late)} | {_changed_pairs(logs[early], tests[late])} | "
                 f"{_apart_pairs(tests[early], tests[late], early)} | {ratios} | {effect} |")
  return lines


def _changed_pairs(early_logs: dict, late_tests: list) -> str:
  """The activation pairs whose order at the later step is the reverse of that at the earlier one, each with the
  Holm-adjusted (over all pairs) Welch p of log FCD at the later step: whether the new order is beyond the seeds'
  scatter. `early_logs`: {activation: log FCD per run}; `late_tests`: `statistics.pairwise` at the later step."""
  p_text = lambda p: "n/a" if math.isnan(p) else f"{p:.2g}"  # One run a side cannot be tested.
  swapped = [p for p in late_tests
             if (np.mean(early_logs[p["a"]]) < np.mean(early_logs[p["b"]])) != (p["difference"] < 0)]
  return ", ".join((f"{p['a']} < {p['b']}" if p["difference"] <= 0 else f"{p['b']} < {p['a']}")
                   + f" (p = {p_text(p['welch_holm_p'])})" for p in swapped) or "none"


def _apart_pairs(early_tests: list, late_tests: list, early: int) -> str:
  """How many activation pairs differ beyond the seeds' scatter (`significant`: Holm-adjusted Welch p of log FCD
  below 0.05, over all pairs) at the earlier and the later step, naming those apart at step `early` only: ranks can
  keep their order while a gap between them closes. The tests are `statistics.pairwise` at each step."""
  if any(math.isnan(p["welch_p"]) for p in early_tests + late_tests):
    return "n/a (1 run per activation)"
  apart = [{(p["a"], p["b"]) for p in tests if p["significant"]} for tests in (early_tests, late_tests)]
  total, closed = len(early_tests), sorted(apart[0] - apart[1])
  counts = f"{len(apart[0])} of {total} / {len(apart[1])} of {total}"
  return counts + (f"; apart at {early} only: " + ", ".join(f"{a} and {b}" for a, b in closed) if closed else "")


def budget(snapshots_csv_path, early: int, late: int) -> None:
  """Prints `budget_lines` from a snapshots.csv, e.g. the 25000-step arm against the study's 5000 steps:

    python -c "from gan_lab.study import evidence; evidence.budget('docs/study_v2_25k/snapshots.csv', 5000, 25000)"
  """
  print("\n".join(budget_lines(results_csv.read(snapshots_csv_path), early, late)))


def main(results_csv_path, figure=None) -> None:
  """Prints the pooled answer per model from a results.csv, and draws its per-seed figure.

    python -c "from gan_lab.study import evidence; evidence.main('docs/study_v1/results.csv', 'docs/study_v1/seeds.png')"
  """
  from gan_lab.study import report_figures  # pylint: disable=g-import-not-at-top  (matplotlib only for the figure)
  rows = results_csv.read(results_csv_path)
  for model in dict.fromkeys(r["model"] for r in rows):
    print("\n".join([f"## {model}", "", *pooled_lines(rows, model), ""]))
  if figure:
    report_figures.save_seeds(figure, rows, COLLAPSED_CLASSES)
