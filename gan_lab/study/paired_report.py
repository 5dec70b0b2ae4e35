"""Two sample files of the same runs, scored and compared seed by seed (e.g. EMA vs raw generator).

Both files of a run come from the same training run and the same noise, so
the comparison is paired: the table gives each file's mean ± 95% CI over
seeds and the mean per-seed difference with its CI and paired t-test p-value.
"""

import json
from pathlib import Path

from gan_lab.evaluation.metrics import header
from gan_lab.study import statistics

METRICS = ("fcd", "kid", "recall", "precision", "classifier_score")


def score_runs(run_dirs, scorer, files: dict) -> list[dict]:
  """One row per run and file: `files` maps a label to a file name inside each run folder."""
  rows = []
  for run_dir in map(Path, run_dirs):
    seed = json.loads((run_dir / "flags.json").read_text())["seed"]
    for label, name in files.items():
      rows.append({"run": str(run_dir), "seed": seed, "samples": label, **scorer.score_file(run_dir / name)})
  return rows


def markdown_table(rows: list[dict], after: str, before: str, metrics=METRICS) -> str:
  """Per metric: `after` and `before` as mean ± CI, and the paired difference after - before."""
  by_label = {label: sorted((r for r in rows if r["samples"] == label), key=lambda r: r["seed"])
              for label in (after, before)}
  seeds = [r["seed"] for r in by_label[after]]
  if seeds != [r["seed"] for r in by_label[before]]:
    raise ValueError(f"{after} and {before} rows are not paired by seed")
  lines = [f"| metric | {after} | {before} | {after} - {before} (paired, 95% CI) | p (paired t) |",
           "| --- | --- | --- | --- | --- |"]
  for metric in metrics:
    a, b = ([r[metric] for r in by_label[label]] for label in (after, before))
    diff = statistics.paired_difference(a, b)
    lines.append(f"| {header(metric)} | {statistics.format_mean_ci(a)} | {statistics.format_mean_ci(b)} | "
                 f"{diff['mean']:+.3g} ± {diff['ci_half_width']:.2g} | {diff['p_value']:.3g} |")
  lines.append(f"\n{len(seeds)} seeds ({', '.join(map(str, seeds))}); mean ± half-width of the 95% t-interval.")
  return "\n".join(lines) + "\n"
