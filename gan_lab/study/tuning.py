"""A tuned study's selection: each cell's recipe picked from stage 1, on samples its reported score never sees.

Following Lucic et al. ("Are GANs Created Equal?", 2018) and Kurach et al.
("A Large-Scale Study on Regularization and Normalization in GANs", 2019),
every level of the factor under study gets its own search, so a comparison
is between each level at its best recipe rather than at one level's. Stage
1 runs (`design.Study.tuning_cells`) end with `samples_selection.npz`, drawn
from a noise stream of its own (`sample_writer.SELECTION_STREAM`); selection
scores those (`selection.json`), never samples.npz, and stage 2 reports
fresh seeds, so no reported score was used to choose.

A combination's score is the median selection FCD over its tuning seeds; a
failed run (diverged, crashed) or a non-finite FCD counts as infinitely bad,
so a recipe that diverges on one seed of two is never chosen over one that
trains. Equal scores go to the combination first in grid order, and the
table says so; a cell whose every combination failed gets no stage 2.
"""

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from gan_lab.config.train_config import TrainConfig
from gan_lab.files import atomic_io
from gan_lab.run.sample_writer import SELECTION_SAMPLES_FILE
from gan_lab.study import axes as axes_lib
from gan_lab.study import results_csv, sweep

SELECTION_FILE = "selection.json"  # A stage-1 run's score on its selection samples.


@dataclasses.dataclass(frozen=True)
class Choice:
  """One cell's stage 1: each combination's tuning scores, and the combination chosen (None: none usable)."""
  cell: Any  # The untuned `design.Cell`.
  scores: dict  # {combination: [selection FCD per tuning seed, inf for a failed run]}
  chosen: tuple | None
  tie: bool = False

  def median(self, combination) -> float:
    return float(np.median(self.scores[combination]))


def score_selection(run_dir, scorer) -> dict:
  """Scores a finished stage-1 run's selection samples; writes and returns selection.json."""
  run_dir = Path(run_dir)
  scores = scorer.score_file(run_dir / SELECTION_SAMPLES_FILE)
  atomic_io.write_json(run_dir / SELECTION_FILE, scores)
  return scores


def selection_fcd(spec: sweep.RunSpec) -> float:
  """A stage-1 run's selection FCD: inf when it failed or its FCD is not finite; NaN while it is unscored."""
  if not spec.succeeded():
    return math.inf
  path = spec.run_dir / SELECTION_FILE
  if not path.is_file():
    return math.nan
  fcd = json.loads(path.read_text())["fcd"]
  return fcd if math.isfinite(fcd) else math.inf


def select(cells, combinations, stage1_specs, seeds: int) -> list[Choice]:
  """Each of `cells`' choice from the ended stage-1 runs `stage1_specs`, `seeds` tuning seeds per combination; a
  cell missing any run (or any score) is left out until its stage 1 is complete."""
  by_cell = {}
  for spec in stage1_specs:
    by_cell.setdefault(spec.cell.untuned(), {}).setdefault(spec.cell.tuned, []).append(selection_fcd(spec))
  choices = []
  for cell in cells:
    scores = by_cell.get(cell, {})
    if any(len(scores.get(c, ())) < seeds or any(math.isnan(v) for v in scores[c]) for c in combinations):
      continue  # Stage 1 of this cell has not finished (or is not scored yet).
    medians = [float(np.median(scores[c])) for c in combinations]
    best = min(medians)
    chosen = combinations[medians.index(best)] if math.isfinite(best) else None
    choices.append(Choice(cell, {c: scores[c] for c in combinations}, chosen, medians.count(best) > 1))
  return choices


def edge_warnings(choices, tune_axes) -> list[str]:
  """A line per chosen value at the end of its axis's grid, unless that end is the field's own bound.

  A learning rate chosen at the grid's largest value says the best one may
  lie beyond it; beta_1 = 0 chosen at the grid's lowest cannot go lower.
  """
  intervals = {f.name: f.metadata.get("interval") for f in dataclasses.fields(TrainConfig)}
  lines = []
  for choice in choices:
    for axis, (_, value) in zip(tune_axes, choice.chosen or ()):
      numeric = sorted(v for v in axis.values if isinstance(v, (int, float)) and not isinstance(v, bool))
      if len(numeric) < 2 or value not in (numeric[0], numeric[-1]):
        continue
      interval = intervals.get(axis.fields[0])
      at_bound = interval and ((value == interval[0] and interval[2][0] == "[") or
                               (value == interval[1] and interval[2][1] == "]"))
      if not at_bound:
        end = "largest" if value == numeric[-1] else "smallest"
        lines.append(f"warning: {_cell_label(choice.cell)}: chosen {axis.name}={axes_lib.format_value(value)} is the "
                     f"grid's {end} value; the best may lie beyond it")
  return lines


def table_lines(choices, combinations) -> list[str]:
  """The tuning table: a row per combination, a column per cell; median selection FCD, the chosen one bold."""
  if not choices:
    return ["No cell has finished stage 1 yet."]
  lines = ["| combination | " + " | ".join(_cell_label(c.cell) for c in choices) + " |",
           "|" + " --- |" * (len(choices) + 1)]
  for combination in combinations:
    cells = []
    for choice in choices:
      text = _number(choice.median(combination)) + _failed_note(choice.scores[combination])
      cells.append(f"**{text}**" if combination == choice.chosen else text)
    lines.append(f"| {combination_label(combination)} | " + " | ".join(cells) + " |")
  notes = [f"- {_cell_label(c.cell)}: " + ("every combination failed: no stage 2" if c.chosen is None else
                                           "tied medians: the first in grid order was chosen")
           for c in choices if c.chosen is None or c.tie]
  return lines + ([""] + notes if notes else [])


def combination_label(combination) -> str:
  return ", ".join(f"{name}={axes_lib.format_value(v)}" for name, v in combination)


def _cell_label(cell) -> str:
  parts = [cell.model, cell.loss, cell.variant] + [f"{n}={axes_lib.format_value(v)}" for n, v in cell.axes]
  return " · ".join(parts)


def _number(value: float) -> str:
  return "failed" if math.isinf(value) else f"{value:.4g}"


def _failed_note(scores) -> str:
  failed = sum(math.isinf(v) for v in scores)
  return f" ({failed} of {len(scores)} failed)" if failed and not all(math.isinf(v) for v in scores) else ""


def rows(stage1_specs, run_row) -> list[dict]:
  """tuning/results.csv: each stage-1 run's row (`run_row`) with its selection FCD and the combination."""
  out = []
  for spec in stage1_specs:
    fcd = selection_fcd(spec)
    out.append({**run_row(spec), "combination": combination_label(spec.cell.tuned),
                "selection_fcd": None if math.isinf(fcd) else fcd})
  return out


def write(tuning_dir, choices, combinations, tune_axes, stage1_specs, run_row) -> list[str]:
  """tuning/results.csv, tuning/choices.json and tuning/tuning.md; returns the edge warnings."""
  tuning_dir = Path(tuning_dir)
  results_csv.write(tuning_dir / "results.csv", rows(stage1_specs, run_row))
  atomic_io.write_json(tuning_dir / "choices.json", [
      {"cell": _cell_label(c.cell), "chosen": None if c.chosen is None else combination_label(c.chosen),
       "tie": c.tie, "median_selection_fcd": {combination_label(k): c.median(k) for k in combinations}}
      for c in choices])
  warnings = edge_warnings(choices, tune_axes)
  text = ["# Tuning (stage 1)", "",
          "Median selection FCD over the tuning seeds (samples_selection.npz: noise drawn apart from the samples "
          "every reported score uses); **bold**: the combination chosen for the cell's stage 2; a failed run "
          "counts as infinitely bad.", "", *table_lines(choices, combinations)]
  text += ["", *warnings] if warnings else []
  atomic_io.write_bytes(tuning_dir / "tuning.md", ("\n".join(text) + "\n").encode())
  return warnings
