"""The study's figures: final grids side by side, quality curves, and each activation's rank by step.

The grids read run folders (grid_samples.npz); the curves and ranks read
snapshot rows (`report.snapshot_rows`, committed as snapshots.csv), so they
can be redrawn from a sweep folder or from the committed CSV alone.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
from matplotlib import ticker
import numpy as np
from scipy import stats

from gan_lab.evaluation import scoring
from gan_lab.files import atomic_io
from gan_lab.run import grids
from gan_lab.study.design import variant_label
from gan_lab.study.factor import Factor


def _blocks(specs, factor: Factor):
  """{block: {level label: [succeeded specs]}}, keeping every level that was planned (`Factor`, on each run's cell)."""
  blocks = {}
  for spec in specs:
    cell = spec.cell
    row = {"model": cell.model, "loss": cell.loss, "output_activation": cell.activation, "data_margin": cell.data_margin,
           **{field: value for name, value in cell.axes for field in name.split(",")}}
    variants = blocks.setdefault(factor.block(row), {})
    label = variant_label(*factor.key(row))
    variants.setdefault(label, [])
    if spec.succeeded():
      variants[label].append(spec)
  return blocks


def draw_grid(ax, grid_samples_path, title: str) -> None:
  """A run's grid_samples.npz as a square tile on `ax`, titled, with the share of clipped values if any."""
  unit = scoring.load_samples(grid_samples_path)
  canvas, outside = grids.tile_unit(unit, int(np.ceil(np.sqrt(len(unit)))))
  grids.show(ax, canvas)
  ax.set_title(title + (f" ({100 * outside:.1f}% clipped)" if outside else ""), fontsize=8)


def save_grid_panels(path, panels: list[list], title: str) -> None:
  """A figure of grid panels: `panels` rows of (title, grid_samples.npz path or None for no run), or None (blank)."""
  columns = max(len(row) for row in panels)
  figure, axes = plt.subplots(len(panels), columns, squeeze=False, figsize=(2.6 * columns, 2.9 * len(panels)), dpi=90)
  for ax_row, row in zip(axes, panels):
    for ax, panel in zip(ax_row, row + [None] * (columns - len(row))):
      ax.set_axis_off()
      if panel is None:  # Not planned here (margin variants run in some losses only).
        continue
      panel_title, grid_path = panel
      if grid_path is None:
        ax.set_title(f"{panel_title}\n(no finished run)", fontsize=8)
      else:
        draw_grid(ax, grid_path, panel_title)
  figure.suptitle(title, fontsize=10)
  figure.tight_layout(rect=(0, 0, 1, 0.97))  # Keep the title clear of the first row's panel titles.
  atomic_io.save_figure(path, figure)


def save_grids(path, specs, seed: int = 0, factor: Factor = Factor()) -> None:
  """Final grids, one row per block (model x loss), one column per level (activation variant), seed `seed`."""
  blocks = _blocks(specs, factor)
  columns = list(dict.fromkeys(v for variants in blocks.values() for v in variants))
  panels = []
  for block, variants in blocks.items():
    runs = {v: next((s for s in variants[v] if s.seed == seed), None) for v in variants}
    title = "/".join(str(part) for part in factor.block_label(block).split(" · "))
    level = lambda v: v if factor.name == "output_activation" else f"{factor.noun}={v}"
    panels.append([(f"{title}\n{level(v)}", runs[v] and runs[v].run_dir / "grid_samples.npz") if v in variants
                   else None for v in columns])
  save_grid_panels(path, panels, f"final samples, seed {seed}, the same noise in every panel of a row")


def aligned(per_run: list[dict]) -> tuple[list, list[list]]:
  """Steps and one value list per run ({step: value} each), on the steps every run has."""
  if not per_run:
    return [], []
  steps = sorted(set.intersection(*(set(p) for p in per_run)))
  return steps, [[p[s] for s in steps] for p in per_run]


def snapshot_blocks(snapshots, factor: Factor = Factor()) -> dict:
  """{block: {(level, data_margin): {run: {step: snapshot row}}}}, in the rows' order (`Factor`)."""
  blocks = {}
  for row in snapshots:
    variants = blocks.setdefault(factor.block(row), {})
    runs = variants.setdefault(factor.key(row), {})
    runs.setdefault(row["run"], {})[row["step"]] = row
  return blocks


def _series(runs: dict, key):
  """Steps and one value list per run ({run: {step: row}}), on the steps all runs share; NaN where not logged."""
  def value(row):
    v = row.get(key)
    return math.nan if v is None else v
  return aligned([{step: value(row) for step, row in steps.items()} for steps in runs.values()])


def save_curves(path, snapshots, curve_floor: float | None, factor: Factor = Factor()) -> None:
  """Per model x loss (rows): snapshot FCD and the saturation diagnostics against step; mean line, min-max band."""
  panels = [("fcd", "snapshot FCD"), ("saturated_fraction", "saturated fraction"),
            ("out_of_range_fraction", "outside pixel range"), ("preact_grad_norm", "pre-activation grad norm")]
  blocks = snapshot_blocks(snapshots, factor)
  figure, axes = plt.subplots(len(blocks), len(panels), squeeze=False, figsize=(4.2 * len(panels), 2.7 * len(blocks)),
                              dpi=90)
  for row, (block, variants) in enumerate(blocks.items()):
    for col, (key, label) in enumerate(panels):
      ax = axes[row][col]
      for (activation, margin), runs in variants.items():
        steps, values = _series(runs, key)
        if values:
          line, = ax.plot(steps, np.mean(values, axis=0), label=variant_label(activation, margin),
                          linestyle="--" if margin else "-")
          ax.fill_between(steps, np.min(values, axis=0), np.max(values, axis=0), color=line.get_color(), alpha=0.15)
      ax.set_title(f"{factor.block_label(block)}: {label}", fontsize=9)
      if key == "fcd":
        ax.set_yscale("log")
        if curve_floor is not None:
          ax.axhline(curve_floor, color="k", linestyle=":", label="real floor")
        ax.legend(fontsize=6)
    axes[row][0].set_xlabel("training step")
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


def rank_curves(snapshots, factor: Factor = Factor()) -> dict:
  """{block: (steps, {level: ranks})}: the rank (1 = best) of each plain activation's snapshot FCD,
  by its geometric mean over seeds (the scale the report compares final FCD on).

  Ties share the average rank. Margin variants are left out: the ranking
  compares activations under the same data mapping.
  """
  curves = {}
  for block, variants in snapshot_blocks(snapshots, factor).items():
    means = {}
    for (activation, margin), runs in variants.items():
      steps, values = _series(runs, "fcd")
      if values and not margin:
        means[activation] = dict(zip(steps, stats.gmean(values, axis=0)))
    if len(means) < 2:
      continue
    steps = sorted(set.intersection(*(set(m) for m in means.values())))
    table = np.array([[means[v][s] for v in means] for s in steps])  # [steps, activations]
    ranks = stats.rankdata(table, axis=1) if len(steps) else np.zeros((0, len(means)))
    curves[block] = (steps, {v: ranks[:, i].tolist() for i, v in enumerate(means)})
  return curves


def order_spans(steps, ranks: dict) -> list[tuple[int, int, list[str]]]:
  """(first step, last step, activations best first) for each stretch of snapshots over which the order holds."""
  spans = []
  for i, step in enumerate(steps):
    order = sorted(ranks, key=lambda v: ranks[v][i])
    if spans and spans[-1][2] == order:
      spans[-1] = (spans[-1][0], step, order)
    else:
      spans.append((step, step, order))
  return spans


def save_ranks(path, snapshots, factor: Factor = Factor()) -> None:
  """One panel per block (model x loss): each level's (activation's) rank by snapshot FCD against step."""
  curves = rank_curves(snapshots, factor)
  columns = min(4, max(1, len(curves)))
  rows = -(-max(1, len(curves)) // columns)
  figure, axes = plt.subplots(rows, columns, squeeze=False, figsize=(3.6 * columns, 2.8 * rows), dpi=90)
  for ax in axes.flat:
    ax.set_axis_off()
  for ax, (block, (steps, ranks)) in zip(axes.flat, curves.items()):
    ax.set_axis_on()
    for variant, values in ranks.items():
      ax.plot(steps, values, marker="o", markersize=3, label=variant)
    ax.set_ylim(len(ranks) + 0.5, 0.5)
    ax.set_yticks(range(1, len(ranks) + 1))
    ax.set_title(factor.block_label(block), fontsize=9)
    ax.set_xlabel("training step", fontsize=8)
    ax.set_ylabel("rank by geometric mean FCD (1 best)", fontsize=8)
    ax.legend(fontsize=6)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


def save_seeds(path, rows, collapsed_classes: int, factor: Factor = Factor()) -> None:
  """Every seed's final FCD (log scale), a panel per model x loss, a column of points per activation variant.

  Seeds sit side by side in seed order, the black bar is the geometric mean (the overview's centre), and runs
  that collapsed (at most `collapsed_classes` classes covered) are drawn as red crosses: the figure shows
  what a mean hides when outcomes are bimodal.
  """
  blocks = list(dict.fromkeys(factor.block(r) for r in rows))
  columns = min(4, max(1, len(blocks)))
  figure, axes = plt.subplots(-(-max(1, len(blocks)) // columns), columns, squeeze=False,
                              figsize=(3.6 * columns, 2.9 * -(-max(1, len(blocks)) // columns)), dpi=90)
  for ax in axes.flat:
    ax.set_axis_off()
  for ax, block in zip(axes.flat, blocks):
    ax.set_axis_on()
    finished = [r for r in rows if factor.block(r) == block and not r["failed"] and r.get("fcd")]
    labels = list(dict.fromkeys(variant_label(*factor.key(r)) for r in finished))
    for x, label in enumerate(labels):
      seeds = sorted((r for r in finished if variant_label(*factor.key(r)) == label), key=lambda r: r["seed"])
      for offset, r in zip(np.linspace(-0.2, 0.2, len(seeds)) if len(seeds) > 1 else [0.0], seeds):
        gone = r.get("classes_covered") is not None and r["classes_covered"] <= collapsed_classes
        ax.plot(x + offset, r["fcd"], "x" if gone else "o", color="tab:red" if gone else "tab:blue", markersize=4)
      ax.hlines(stats.gmean([r["fcd"] for r in seeds]), x - 0.3, x + 0.3, color="black", linewidth=1)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ticker.LogFormatter())  # Plain numbers (300, not 3 x 10^2) on the log axis.
    ax.yaxis.set_minor_formatter(ticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    ax.tick_params(axis="y", which="both", labelsize=7)
    ax.set_xticks(range(len(labels)), labels, rotation=30, fontsize=7, ha="right")
    ax.set_title(factor.block_label(block), fontsize=9)
    ax.set_ylabel("final FCD (log)", fontsize=8)
  figure.suptitle(f"every seed (left to right in seed order); bar: geometric mean; red x: collapsed "
                  f"({collapsed_classes} classes or fewer)", fontsize=10)
  figure.tight_layout(rect=(0, 0, 1, 0.95))
  atomic_io.save_figure(path, figure)
