"""The sweep's report: results.csv, summary.md, grids.png and curves.png.

Every row of results.csv carries the run's full resolved config (its
flags.json), so a row alone says how to reproduce it.
"""

import csv
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np

from gan_lab import activations, atomic_io, grids
from gan_lab.sweep import SCORES_FILE, RunSpec

SUMMARY_METRICS = ("fcd", "kid", "classifier_score", "precision", "recall", "classes_covered",
                   "class_entropy_bits", "saturated_fraction", "out_of_range_fraction")
_TRAINING_DIAGNOSTICS = ("saturated_fraction", "out_of_range_fraction", "preact_grad_norm")


def _read_jsonl(path):
  return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def run_row(spec: RunSpec) -> dict:
  """One results.csv row: config, outcome, final scores and final diagnostics."""
  status = spec.status() or {"status": "missing", "reason": "never finished"}
  row = {**json.loads((spec.run_dir / "flags.json").read_text())} if (spec.run_dir / "flags.json").is_file() else {}
  row.update(loss=spec.loss, output_activation=spec.activation, seed=spec.seed,
             failed=status["status"] != "ok", failure_reason=status.get("reason", ""),
             wall_seconds=status.get("wall_seconds"))
  scores_path = spec.run_dir / SCORES_FILE
  if not row["failed"] and scores_path.is_file():
    row.update(json.loads(scores_path.read_text())["final"])
    last = [m for m in _read_jsonl(spec.run_dir / "metrics.jsonl") if "failure" not in m][-1]
    row.update({k: last[k] for k in _TRAINING_DIAGNOSTICS})
  return row


def write_results_csv(path, rows) -> None:
  columns = list(dict.fromkeys(k for row in rows for k in row))
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, columns)
  writer.writeheader()
  writer.writerows(rows)
  atomic_io.write_bytes(path, buffer.getvalue().encode())


def _mean_std(values):
  values = [v for v in values if v is not None]
  if not values:
    return "n/a"
  return f"{np.mean(values):.4g} ± {np.std(values):.2g}" if len(values) > 1 else f"{values[0]:.4g}"


def summary_markdown(rows, floor: dict, budget: str) -> str:
  """Mean ± std over seeds per loss x activation, failures counted, the real floor beside."""
  header = ["loss", "activation", "runs ok", "failed", *SUMMARY_METRICS]
  lines = [f"Budget per run: {budget}. Mean ± std over seeds (population std); lower is better for fcd and kid,",
           "higher for classifier_score, precision, recall, classes_covered and class_entropy_bits.", "",
           "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
  groups = dict.fromkeys((r["loss"], r["output_activation"]) for r in rows)
  for loss, act in groups:
    group = [r for r in rows if (r["loss"], r["output_activation"]) == (loss, act)]
    ok = [r for r in group if not r["failed"] and "fcd" in r]
    cells = [loss, act, str(len(ok)), str(len(group) - len(ok))]
    cells += [_mean_std([r.get(m) for r in ok]) for m in SUMMARY_METRICS]
    lines.append("| " + " | ".join(cells) + " |")
  floor_cells = ["real test vs real train", "(floor)", "", ""] + [
      f"{floor[m]:.4g}" if m in floor else "" for m in SUMMARY_METRICS]
  lines.append("| " + " | ".join(floor_cells) + " |")
  failures = [f"- {r['loss']}/{r['output_activation']}/seed {r['seed']}: {r['failure_reason']}"
              for r in rows if r["failed"]]
  if failures:
    lines += ["", "Failed runs:", *failures]
  return "\n".join(lines) + "\n"


def save_grids(path, specs, losses, activation_names, seed) -> None:
  """Final grids side by side: one column per activation, one row per loss, same fixed noise."""
  figure, axes = plt.subplots(len(losses), len(activation_names), squeeze=False,
                              figsize=(3.2 * len(activation_names), 3.4 * len(losses)), dpi=100)
  by_key = {(s.loss, s.activation, s.seed): s for s in specs}
  for i, loss in enumerate(losses):
    for j, act in enumerate(activation_names):
      ax = axes[i][j]
      ax.set_axis_off()
      spec = by_key.get((loss, act, seed))
      path_npz = spec.run_dir / "grid_samples.npz" if spec else None
      if not path_npz or not path_npz.is_file():
        ax.set_title(f"{act}\n(no samples: run failed)", fontsize=9)
        continue
      with np.load(path_npz) as f:
        samples = f["samples"]
      columns = int(np.ceil(np.sqrt(len(samples))))
      canvas, outside = grids.tile(samples, activations.get(act), columns)
      grids.show(ax, canvas)
      ax.set_title(f"{act} / {loss}" + (f"\n{100 * outside:.1f}% clipped" if outside else ""), fontsize=9)
  figure.suptitle(f"final samples, seed {seed}, same noise in every panel", fontsize=10)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


def save_curves(path, specs, losses, activation_names, curve_floor: float | None) -> None:
  """FCD and saturation diagnostics against step; a line per activation, seeds as a min-max band."""
  panels = [("fcd", "FCD (snapshot samples)")] + [(k, k) for k in _TRAINING_DIAGNOSTICS]
  figure, axes = plt.subplots(len(panels), len(losses), squeeze=False, sharex=True,
                              figsize=(6 * len(losses), 2.6 * len(panels)), dpi=100)
  for col, loss in enumerate(losses):
    for act in activation_names:
      runs = [s for s in specs if s.loss == loss and s.activation == act and (s.status() or {}).get("status") == "ok"]
      for row, (key, label) in enumerate(panels):
        steps, values = _series(runs, key)
        if not values:
          continue
        ax = axes[row][col]
        line, = ax.plot(steps, np.mean(values, axis=0), label=act)
        ax.fill_between(steps, np.min(values, axis=0), np.max(values, axis=0), color=line.get_color(), alpha=0.2)
        ax.set_ylabel(label)
    axes[0][col].set_title(f"{loss} loss")
    if curve_floor is not None:
      axes[0][col].axhline(curve_floor, color="k", linestyle=":", label="real floor")
    axes[0][col].set_yscale("log")
    axes[0][col].legend(fontsize=8)
    axes[-1][col].set_xlabel("training step")
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


def _series(runs, key):
  """Steps and one value list per run, trimmed to the steps all runs share."""
  per_run = []
  for spec in runs:
    if key == "fcd":
      scores = spec.run_dir / SCORES_FILE
      points = json.loads(scores.read_text())["curve"] if scores.is_file() else []
    else:
      points = [m for m in _read_jsonl(spec.run_dir / "metrics.jsonl") if "failure" not in m]
    per_run.append({p["step"]: p[key] for p in points})
  if not per_run:
    return [], []
  steps = sorted(set.intersection(*(set(p) for p in per_run)))
  return steps, [[p[s] for s in steps] for p in per_run] if steps else []
