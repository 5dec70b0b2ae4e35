"""The study's report: results.csv (one row per run) and summary.md (tables, tests, rankings).

Every row of results.csv carries the run's full resolved config (its
flags.json) and its axes, so a row alone says how to reproduce it. The
summary groups runs by model x loss; within a group it gives each
activation's mean and 95% t-interval over seeds for every metric, every pair
of activations compared on log FCD (Welch's t-test and the exact permutation
test, Holm-corrected over the group's pairs), and the data-margin control.

FCD is compared on the log scale, as ratios: it is positive, its
seed-to-seed scatter grows with its size, and a collapsed run sits far above
healthy ones, so on the raw scale one seed's collapse dominates a cell's
variance and its t-interval can reach below zero (one cell's read 805 ± 1600).
The overview's figure, the rankings, the pair tests, the study-wide family
and the pooled answer (`evidence.py`) all use the one scale: geometric means,
t-intervals on log FCD, and pair effects as ratios of geometric means.

`write_report` writes all of it plus the figures and the HParams logs from
run folders; `report_from_csv` redraws the summary and figures from the
committed CSVs.
"""

import json
import math
from pathlib import Path

import numpy as np

from gan_lab.evaluation.metrics import SCORES
from gan_lab.evaluation.scoring import SCORES_FILE
from gan_lab.files import atomic_io
from gan_lab.gan.train_step import DIAGNOSTICS
from gan_lab.study import design, evidence, hparams_log, report_figures, results_csv, statistics, tables
from gan_lab.study.design import variant_label
from gan_lab.study.factor import Factor
from gan_lab.study.sweep import RunSpec

# The table's columns: every score (of the clipped samples), FCD unclipped and the share clipping changed, and the
# final saturated fraction; FCD (clipped: what users see) is the metric the tests and rankings use.
SUMMARY_METRICS = tuple(SCORES) + ("fcd_unclipped", "clipped_fraction", "saturated_fraction")
PRIMARY = "fcd"
RESULTS_CSV, SNAPSHOTS_CSV = "results.csv", "snapshots.csv"


def run_row(spec: RunSpec) -> dict:
  """One results.csv row: config, axes, outcome, final scores and final training diagnostics."""
  status = spec.status() or {"status": "missing", "reason": "never finished"}
  flags_path = spec.run_dir / "flags.json"
  row = json.loads(flags_path.read_text()) if flags_path.is_file() else {}
  cell = spec.cell
  row.update(model=cell.model, loss=cell.loss, output_activation=cell.activation, data_margin=cell.data_margin,
             variant=cell.variant, seed=spec.seed, run=spec.label, failed=status["status"] != "ok",
             failure_reason=status.get("reason", ""), wall_seconds=status.get("wall_seconds"))
  row.update(_axis_columns(cell.axes + cell.tuned))
  if cell.tuned:
    row["tuned"] = "; ".join(f"{name}={v}" for name, v in cell.tuned)
  scores_path = spec.run_dir / SCORES_FILE
  if not row["failed"] and scores_path.is_file():
    row.update(json.loads(scores_path.read_text())["final"])
    last = [m for m in atomic_io.read_jsonl(spec.run_dir / "metrics.jsonl") if "failure" not in m][-1]
    row.update({k: last[k] for k in DIAGNOSTICS})
  return row


def snapshot_rows(specs) -> list[dict]:
  """One row per scored snapshot of every finished run: its axes, step, scores, and the training diagnostics
  logged at that step. Enough to redraw the curves and ranks, and to recheck when an order settled, without
  the run folders."""
  rows = []
  for spec in specs:
    scores = spec.run_dir / SCORES_FILE
    if not (spec.succeeded() and scores.is_file()):
      continue
    logged = {m["step"]: m for m in atomic_io.read_jsonl(spec.run_dir / "metrics.jsonl") if "failure" not in m}
    cell = spec.cell
    for point in json.loads(scores.read_text())["curve"]:
      diagnostics = {k: logged[point["step"]][k] for k in DIAGNOSTICS if point["step"] in logged}
      rows.append({"run": spec.label, "model": cell.model, "loss": cell.loss, "output_activation": cell.activation,
                   "data_margin": cell.data_margin, **_axis_columns(cell.axes), "seed": spec.seed, **point,
                   **diagnostics})
  return rows


def _axis_columns(axis_values) -> dict:
  """{field: value} of a cell's --axis (or --tune) values: a tied axis fills each of its fields' columns."""
  return {field: value for name, value in axis_values for field in name.split(",")}


def _blocks(rows, factor: Factor = Factor()):
  """{block: {(level, data_margin): [ok rows]}} in the rows' order, failed runs left out (`Factor`)."""
  blocks = {}
  for row in rows:
    variants = blocks.setdefault(factor.block(row), {})
    key = factor.key(row)
    variants.setdefault(key, [])
    if not row["failed"] and PRIMARY in row:
      variants[key].append(row)
  return blocks


def _plain(variants) -> dict:
  """{activation: FCD values} of the variants without a data margin that have finished runs."""
  return {a: _values(ok, PRIMARY) for (a, margin), ok in variants.items() if not margin and _values(ok, PRIMARY)}


def _values(rows, metric):
  return [r[metric] for r in rows if r.get(metric) is not None and not math.isnan(r[metric])]


def _logs(groups: dict) -> dict:
  """{label: log FCD values}: the scale every FCD comparison is made on (see the module docstring)."""
  return {label: np.log(values) for label, values in groups.items()}


def _p(value) -> str:
  return "n/a" if math.isnan(value) else f"{value:.2g}"


def _table(variants, rows_all, factor: Factor = Factor()) -> list[str]:
  """The block's median [min, max] table: a row per activation variant (all its runs, failed ones counted).

  Median and range rather than mean ± t-interval: with 3-5 seeds and a run
  that collapsed, a t-interval on the raw scale crosses values no metric can
  take (negative FCD, precision above 1); the range cannot, and the overview
  gives FCD's interval on the log scale.
  """
  groups = {variant_label(a, m): [r for r in rows_all if factor.key(r) == (a, m)] for a, m in variants}
  return tables.seed_table(factor.noun, groups, [(m, m) for m in SUMMARY_METRICS], digits=4,
                           cell=statistics.format_median_range)


def _comparison_lines(groups: dict) -> tuple[list[str], list[dict]]:
  """A table of every pair in `groups` {label: FCD values} (one Holm family, tested on log FCD) and the pairs."""
  pairs = statistics.pairwise(_logs(groups))
  lines = ["| a vs b | FCD a / b | Welch p (Holm) | permutation p (Holm) | verdict |",
           "| --- | --- | --- | --- | --- |"]
  for c in pairs:
    better = c["a"] if c["difference"] < 0 else c["b"]
    verdict = (f"**{better} better**" if c["significant"] else "too few seeds to test" if math.isnan(c["welch_p"])
               else "not distinguishable at this budget")
    lines.append(f"| {c['a']} vs {c['b']} | {_ratio(c)} | {_p(c['welch_p'])} ({_p(c['welch_holm_p'])}) | "
                 f"{_p(c['permutation_p'])} ({_p(c['permutation_holm_p'])}) | {verdict} |")
  return lines, pairs


def _ratio(pair: dict) -> str:
  """A pair's effect: the ratio of its geometric mean FCDs, a over b (below 1: a is better)."""
  return f"{math.exp(pair['difference']):.3g}"


def ranking_sentence(groups: dict, pairs: list[dict]) -> str:
  """Activations by geometric mean FCD, each with the ones it is significantly better than."""
  order = sorted(groups, key=lambda v: statistics.geometric_mean(groups[v]))
  beats = {v: [c["b"] if c["a"] == v else c["a"] for c in pairs if c["significant"] and v in (c["a"], c["b"])
               and (c["a"] == v) == (c["difference"] < 0)] for v in order}
  parts = [f"{v} ({statistics.geometric_mean(groups[v]):.4g}" +
           (f"; better than {', '.join(beats[v])})" if beats[v] else ")") for v in order]
  return "Ranking by geometric mean FCD: " + " < ".join(parts) + "."


def _margin_lines(variants) -> list[str]:
  """Each margin variant against its plain activation, and whether the plain ranking survives."""
  margined = [(a, m) for (a, m), ok in variants.items() if m and ok]
  if not margined:
    return []
  groups = {}
  for activation, margin in margined:
    groups[variant_label(activation, margin)] = _values(variants[(activation, margin)], PRIMARY)
    groups[activation] = _values(variants.get((activation, 0.0), []), PRIMARY)
  lines, _ = _comparison_lines({k: g for k, g in groups.items() if len(g) > 0})
  plain_order = sorted((a for a, _ in margined), key=lambda a: statistics.geometric_mean(groups[a]))
  margin_order = sorted(margined, key=lambda key: statistics.geometric_mean(groups[variant_label(*key)]))
  same = [a for a, _ in margin_order] == plain_order
  margin_order = [variant_label(*key) for key in margin_order]
  verdict = ("the order survives the control" if same else "the order changes under the control")
  return (["", "Data-range control (the same cells with pixels mapped inside the activation's range):", "",
           *lines, "", f"Order without the margin: {' < '.join(plain_order)}; with it: {' < '.join(margin_order)}: "
           f"{verdict} (by geometric mean FCD; see the tests above for whether each gap is significant)."])


def order_lines(steps, ranks) -> list[str]:
  """When the order by geometric mean snapshot FCD settled, and the order over each stretch where it held."""
  spans = report_figures.order_spans(steps, ranks)
  if not spans:
    return ["No snapshots to follow the order through training."]
  settled, last = spans[-1][0], steps[-1]
  if settled == last and len(steps) > 1:
    head = (f"The order by geometric mean snapshot FCD changed at the last snapshot (step {settled}): not settled at "
            "this budget.")
  else:
    head = f"The order by geometric mean snapshot FCD has held since step {settled} of {last} (ranks.png)."
  stretches = [(f"steps {a}-{b}" if a != b else f"step {a}") + ": " + " < ".join(order) for a, b, order in spans]
  return [head + " Order by snapshot: " + "; ".join(stretches) + "."]


def overview_cell(rows) -> str:
  """One activation's final FCD over seeds: geometric mean [95% t-interval on log FCD] (seeds; collapsed runs).

  The interval cannot reach 0 or below; a cell whose seeds include a
  collapsed run says how many, since its spread is then that run's, not
  the seeds' ordinary scatter.
  """
  values = _values(rows, PRIMARY)
  short = lambda value: f"{value:.0f}" if 1000 <= value < 1e5 else f"{value:.3g}"  # 1711, not 1.71e+03; 2.5e+06.
  if len(values) > 1:
    geo, lo, hi = statistics.log_t_interval(values)
    text = f"{short(geo)} [{short(lo)}, {short(hi)}]"
  else:
    text = short(values[0])
  collapsed = evidence.collapsed(rows)
  return text + f" ({len(values)}" + (f"; {collapsed} collapsed)" if collapsed else ")")


def overview_lines(rows, factor: Factor = Factor()) -> list[str]:
  """FCD at a glance: a row per block (model x loss), a column per level (activation; no margin variants).

  Each cell is `overview_cell`; the row's lowest geometric mean is bold,
  and a cell that the row's tests (Welch on log FCD, Holm over the row's
  pairs) find worse than that best is marked with a dagger.
  """
  activations = list(dict.fromkeys(factor.level(r) for r in rows if not r["data_margin"]))
  lines = [f"| {factor.header()} | " + " | ".join(activations) + " |", "|" + " --- |" * (len(activations) + 1)]
  for block, variants in _blocks(rows, factor).items():
    groups = _plain(variants)
    if not groups:
      continue
    best = min(groups, key=lambda v: statistics.geometric_mean(groups[v]))
    worse = {c["a"] if c["b"] == best else c["b"] for c in statistics.pairwise(_logs(groups))
             if c["significant"] and best in (c["a"], c["b"])}
    cells = []
    for v in activations:
      if v not in groups:
        cells.append("")
        continue
      text = overview_cell(variants[(v, 0.0)])
      cells.append(f"**{text}**" if v == best else text + (" †" if v in worse else ""))
    lines.append(f"| {factor.block_label(block)} | " + " | ".join(cells) + " |")
  return lines


def study_family_lines(rows, alpha: float = 0.05, factor: Factor = Factor()) -> list[str]:
  """Every activation pair of every model x loss as one family, Holm-corrected over all of them.

  The pair tables correct over a row's 6 pairs; a sentence that draws on
  several rows ("tanh is best everywhere") draws on all of them, so this
  table gives each pair's p-values adjusted over the whole study as well.
  """
  pairs = [(block, c) for block, variants in _blocks(rows, factor).items()
           for c in statistics.pairwise(_logs(_plain(variants))) if not math.isnan(c["welch_p"])]  # 2+ seeds a side.
  if not pairs:
    return []
  welch = statistics.holm([c["welch_p"] for _, c in pairs])
  permutation = statistics.holm([c["permutation_p"] for _, c in pairs])
  held = [i for i, p in enumerate(welch) if p < alpha]
  lines = [f"All {len(pairs)} testable {factor.noun} pairs (no margin variants; 2 or more seeds a side) as one "
           f"family. Below {alpha} after Holm's correction over all of them: Welch p in {len(held)}, exact "
           f"permutation p in {sum(p < alpha for p in permutation)}.", "",
           f"| {factor.header()} | a vs b | FCD a / b | Welch p | Holm over the study | permutation p | "
           "Holm over the study |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
  for (block, c), w, q in zip(pairs, welch, permutation):
    lines.append(f"| {factor.block_label(block)} | {c['a']} vs {c['b']} | {_ratio(c)} | {_p(c['welch_p'])} | "
                 f"{'**' + _p(w) + '**' if w < alpha else _p(w)} | {_p(c['permutation_p'])} | {_p(q)} |")
  return lines


def summary_markdown(rows, floor: dict, budget: str, rank_curves: dict | None = None,
                     factor: Factor = Factor()) -> str:
  """Per block: mean ± 95% CI, pair tests on log FCD, ranking, when it settled, the margin control; failures.

  rank_curves: `report_figures.rank_curves` of the same runs ({} to leave the settling out).
  factor: what is compared within which cells (the activation study's by default).
  """
  cells = " x ".join(factor.cells)
  lines = [f"Budget per run: {budget}", "",
           f"Per-{factor.noun} tables: median [min, max] over seeds (just the value for one seed). Lower is better "
           "for fcd and kid; higher for recall, precision, classifier_score and classes_covered. Pairs are compared "
           "on log FCD (FCD a / b: the ratio of geometric means) with Welch's t-test and the exact permutation test "
           "(its smallest possible p is 0.1 with 3 seeds a side, 0.0079 with 5), Holm-corrected over the pairs of "
           f"one {cells}; **better** marks a Holm-adjusted Welch p below 0.05.",
           "", "Real test images against the real train reference (the floor): " +
           ", ".join(f"{m} {floor[m]:.4g}" for m in SUMMARY_METRICS if m in floor) + ".",
           *precision_lines(rows, factor),
           "", "## Overview: final FCD (lower is better)", "",
           "Geometric mean [95% t-interval on log FCD] (seeds; runs that collapsed to "
           f"{evidence.COLLAPSED_CLASSES} classes or fewer); **bold**: the row's best; †: worse than the row's best "
           "by the row's Holm-corrected Welch test on log FCD (p < 0.05); unmarked: not distinguishable from the best "
           "at this budget.",
           "", *overview_lines(rows, factor)]
  for block, variants in _blocks(rows, factor).items():
    lines += _block_lines(block, variants, [r for r in rows if factor.block(r) == block], rank_curves, factor)
  for model in dict.fromkeys(r["model"] for r in rows):
    lines += ["", f"## {model}: one answer pooled over {evidence.strata_noun(factor, plural=True)}", "",
              *evidence.pooled_lines(rows, model, factor)]
  clipping = evidence.clipping_lines(rows, factor)
  if clipping:
    lines += ["", "## Clipped against unclipped scores", "",
              "FCD is scored on the samples as 8-bit images, clipped to black..white as every saved image is "
              "(`fcd`); `fcd_unclipped` scores the raw output mapped to pixels. The cells where clipping "
              "happens:", "", *clipping]
  family = study_family_lines(rows, factor=factor)
  if family:
    lines += ["", "## Every pair at once: Holm over the whole study", "", *family]
  failures = [f"- {r['run']}: {r['failure_reason']}" for r in rows if r["failed"]]
  if failures:
    lines += ["", "## Failed runs", "", *failures]
  return "\n".join(lines) + "\n"


def _block_lines(block, variants, block_rows, rank_curves, factor: Factor) -> list[str]:
  """One block's section: its table, pair tests, ranking, settling, margin control and every seed."""
  lines = ["", f"## {factor.block_label(block)}", "", *_table(variants, block_rows, factor)]
  groups = _plain(variants)
  if len(groups) > 1:
    table, pairs = _comparison_lines(groups)
    lines += ["", *table, "", ranking_sentence(groups, pairs)]
    if block in (rank_curves or {}):
      lines += order_lines(*rank_curves[block])
  lines += _margin_lines(variants)
  labels = {variant_label(a, m): [r for r in block_rows if factor.key(r) == (a, m)] for a, m in variants}
  return lines + ["", f"Every seed (collapsed: {evidence.COLLAPSED_CLASSES} classes covered or fewer):", "",
                  *evidence.seed_lines(labels)]


def precision_lines(rows, factor: Factor = Factor()) -> list[str]:
  """A warning for each block whose runs trained in more than one precision (none where each block has one).

  A sweep falls back from bfloat16 to float32 on a machine without bfloat16
  units; runs of one folder restarted on two kinds of machine then differ
  in more than their seed, which the tests would not show.
  """
  precisions = {}
  for r in rows:
    precisions.setdefault(factor.block(r), {}).setdefault(r.get("mixed_precision"), 0)
    precisions[factor.block(r)][r.get("mixed_precision")] += 1
  mixed = [f"- {factor.block_label(b)}: " + ", ".join(f"{n} in {p}" for p, n in counts.items())
           for b, counts in precisions.items() if len(counts) > 1]
  return ["", "**Warning: runs of one cell trained in different precisions** (their comparison mixes precision "
          "with the factor):", "", *mixed] if mixed else []


def _budget_note(sweep_dir, evaluator_accuracy) -> str:
  path = Path(sweep_dir, "budget.json")
  pinned = json.loads(path.read_text()) if path.is_file() else {}
  parts = [f"{model}: {b['train_steps']} steps at batch {b['batch_size']}, precision {b['mixed_precision']}, "
           f"{b['num_samples']} samples scored against {b['num_samples']} train images"
           for model, b in sorted(pinned.items())]
  return "; ".join(parts) + f". Evaluator test accuracy {evaluator_accuracy:.4f}."


def write_report(sweep_dir, specs, scorer, evaluator_accuracy: float) -> list[dict]:
  """From run folders: results.csv, snapshots.csv, floor.json, grids.png, hparams/ and `write_summary`'s files."""
  sweep_dir = Path(sweep_dir)
  rows = [run_row(s) for s in specs]
  snapshots = snapshot_rows(specs)
  snapshot_samples = next((r["snapshot_samples"] for r in rows if "snapshot_samples" in r), None)
  floor = {"final": scorer.real_floor(),
           "curve_fcd": scorer.real_floor(snapshot_samples)["fcd"] if snapshot_samples else None,
           "evaluator_test_accuracy": evaluator_accuracy}
  atomic_io.write_json(sweep_dir / "floor.json", floor)
  results_csv.write(sweep_dir / RESULTS_CSV, rows)
  results_csv.write(sweep_dir / SNAPSHOTS_CSV, snapshots)
  report_figures.save_grids(sweep_dir / "grids.png", specs, factor=Factor.of_design(design.pinned_design(sweep_dir)))
  hparams_log.write(sweep_dir / "hparams", rows, _hparams(sweep_dir))
  write_summary(sweep_dir, rows, snapshots, floor)
  return rows


def _hparams(sweep_dir) -> tuple[str, ...]:
  """The HParams dashboard's axes: the study's named ones, then every --axis and --tune field."""
  pinned = design.pinned_design(sweep_dir)
  fields = [f for spec in pinned["axes"] + pinned["tune"] for f in spec.partition("=")[0].split(",")]
  return hparams_log.AXES[:-1] + tuple(fields) + hparams_log.AXES[-1:]


def report_from_csv(sweep_dir) -> list[dict]:
  """Redraws a report from its committed files alone (results.csv, snapshots.csv, floor.json, budget.json):
  `write_summary`'s files, without the run folders or an evaluator. grids.png needs the samples and is kept."""
  sweep_dir = Path(sweep_dir)
  rows = results_csv.read(sweep_dir / RESULTS_CSV)
  snapshots = results_csv.read(sweep_dir / SNAPSHOTS_CSV) if (sweep_dir / SNAPSHOTS_CSV).is_file() else []
  write_summary(sweep_dir, rows, snapshots, json.loads((sweep_dir / "floor.json").read_text()))
  return rows


def write_summary(sweep_dir, rows, snapshots, floor: dict) -> None:
  """summary.md, curves.png, ranks.png and seeds.png from result and snapshot rows and the floor record."""
  sweep_dir = Path(sweep_dir)
  factor = Factor.of_design(design.pinned_design(sweep_dir))
  summary = summary_markdown(rows, floor["final"], _budget_note(sweep_dir, floor["evaluator_test_accuracy"]),
                             report_figures.rank_curves(snapshots, factor), factor)
  tuning_table = sweep_dir / design.TUNING_DIR / "tuning.md"
  if tuning_table.is_file():  # A tuned study: the choices its stage-2 runs were trained with.
    summary += "\n#" + tuning_table.read_text()
  atomic_io.write_bytes(sweep_dir / "summary.md", summary.encode())
  report_figures.save_curves(sweep_dir / "curves.png", snapshots, floor["curve_fcd"], factor)
  report_figures.save_ranks(sweep_dir / "ranks.png", snapshots, factor)
  report_figures.save_seeds(sweep_dir / "seeds.png", rows, evidence.COLLAPSED_CLASSES, factor)
