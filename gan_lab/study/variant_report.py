"""A report that compares named variants of one experiment: a table over seeds, grids, loss curves.

The study's report (`report.py`) is organised by model x loss x activation;
an experiment whose runs differ in other ways (a defect put back, a
different preset) names each run's variant instead, and this module tables
and draws them in the order given.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

import numpy as np  # pylint: disable=g-import-not-at-top

from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top
from gan_lab.study import report_figures  # pylint: disable=g-import-not-at-top
from gan_lab.study import statistics  # pylint: disable=g-import-not-at-top


def summary_table(rows: list[dict], columns: list[tuple[str, str]], variants: list[str]) -> list[str]:
  """Markdown lines: a row per variant, each column `(key, header)` as mean ± 95% t-interval over its runs.

  `rows` are results rows with `variant` and `failed`; failed runs are
  counted, not averaged.
  """
  header = ["variant", "runs ok", *[title for _, title in columns]]
  lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
  for variant in variants:
    mine = [r for r in rows if r["variant"] == variant]
    ok = [r for r in mine if not r["failed"]]
    cells = [variant, f"{len(ok)} of {len(mine)}"]
    for key, _ in columns:
      values = [r[key] for r in ok if r.get(key) is not None and not math.isnan(r[key])]
      cells.append(statistics.format_mean_ci(values) if values else "n/a")
    lines.append("| " + " | ".join(cells) + " |")
  return lines


def save_grids(path, grid_files: dict, title: str) -> None:
  """One panel per variant from `grid_files` {variant: grid_samples.npz path or None}, side by side."""
  figure, axes = plt.subplots(1, len(grid_files), squeeze=False, figsize=(2.6 * len(grid_files), 3.0), dpi=90)
  for ax, (variant, grid_path) in zip(axes[0], grid_files.items()):
    ax.set_axis_off()
    if grid_path is None:
      ax.set_title(f"{variant}\n(no finished run)", fontsize=8)
      continue
    report_figures.draw_grid(ax, grid_path, variant)
  figure.suptitle(title, fontsize=10)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


def save_loss_curves(path, metrics_files: dict, keys=("d_loss", "g_loss")) -> None:
  """A panel per key: each variant's mean over its runs' `metrics.jsonl` against step ({variant: [paths]})."""
  figure, axes = plt.subplots(1, len(keys), squeeze=False, figsize=(5.5 * len(keys), 3.6), dpi=90)
  for ax, key in zip(axes[0], keys):
    for variant, paths in metrics_files.items():
      runs = [[m for m in atomic_io.read_jsonl(p) if key in m] for p in paths]
      length = min((len(r) for r in runs), default=0)
      if not length:
        continue
      steps = [m["step"] for m in runs[0][:length]]
      ax.plot(steps, np.mean([[m[key] for m in r[:length]] for r in runs], axis=0), label=variant, linewidth=1)
    ax.set_xlabel("training step")
    ax.set_title(f"{key} (mean over seeds)", fontsize=9)
  axes[0][0].legend(fontsize=7)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)
