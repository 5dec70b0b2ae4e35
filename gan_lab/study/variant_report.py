"""A report that compares named variants of one experiment: a table over seeds, grids, loss curves.

The study's report (`report.py`) is organised by model x loss x activation;
an experiment whose runs differ in other ways (a defect put back, a
different preset) names each run's variant instead, and this module tables
and draws them in the order given.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

import numpy as np  # pylint: disable=g-import-not-at-top

from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top
from gan_lab.study import report_figures, tables  # pylint: disable=g-import-not-at-top


def summary_table(rows: list[dict], columns: list[tuple[str, str]], variants: list[str]) -> list[str]:
  """Markdown lines: a row per variant (in the order given), each column `(key, header)` as mean ± 95% CI."""
  return tables.seed_table("variant", {v: [r for r in rows if r["variant"] == v] for v in variants}, columns)


def save_grids(path, grid_files: dict, title: str) -> None:
  """One panel per variant from `grid_files` {variant: grid_samples.npz path or None}, side by side."""
  report_figures.save_grid_panels(path, [list(grid_files.items())], title)


def save_loss_curves(path, metrics_files: dict, keys=("d_loss", "g_loss")) -> None:
  """A panel per key: each variant's mean over its runs' `metrics.jsonl` against step ({variant: [paths]}).

  Runs are aligned on the steps they all logged (`report_figures.aligned`), as the study's curves are.
  """
  figure, axes = plt.subplots(1, len(keys), squeeze=False, figsize=(5.5 * len(keys), 3.6), dpi=90)
  for ax, key in zip(axes[0], keys):
    for variant, paths in metrics_files.items():
      steps, values = report_figures.aligned([{m["step"]: m[key] for m in atomic_io.read_jsonl(p) if key in m}
                                              for p in paths])
      if steps:
        ax.plot(steps, np.mean(values, axis=0), label=variant, linewidth=1)
    ax.set_xlabel("training step")
    ax.set_title(f"{key} (mean over seeds)", fontsize=9)
  axes[0][0].legend(fontsize=7)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)
