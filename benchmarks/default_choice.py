"""The default run chosen by time to quality: the candidates, the rule, the table and the figure.

  python -m benchmarks.default_choice --curves_dir=docs/time_to_quality

Candidates are `TrainConfig()` with a few fields changed, each something a
researcher would try to buy the same quality with less CPU time: the recipe
study v3's tuning chose for every DCGAN activation (Adam 4e-4, beta_1 0), a
narrower network, a smaller batch with the learning rate scaled by its square
root. `benchmarks.time_to_quality` measures their curves (FCD against
training seconds, one row per evaluation) into csv files; this script reads
every csv in --curves_dir and applies the rule of issue 34:

  target: the median over seeds of the default's final FCD;
  a candidate's time to quality: the first evaluation step at which the median
  FCD over its seeds is at or below the target, and the median training
  seconds its seeds took to reach that step;
  the choice: among candidates whose time to quality is within --budget_seconds,
  the fastest (none: the default stays, and the table shows why).

It prints the table and writes it (markdown) and the figure of the median
curves beside the csv files.
"""

import collections
import csv
import dataclasses
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags  # pylint: disable=g-import-not-at-top

from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top

_TUNED = {"g_learning_rate": 4e-4, "d_learning_rate": 4e-4, "beta_1": 0.0}  # Study v3's choice for every DCGAN cell.
CANDIDATES = {
    "tuned_recipe": _TUNED,
    "tuned_recipe_narrow": {**_TUNED, "model": "dcgan_narrow"},
    "tuned_recipe_batch32": {"g_learning_rate": 4e-4 / 2 ** 0.5, "d_learning_rate": 4e-4 / 2 ** 0.5, "beta_1": 0.0,
                             "batch_size": 32},
    "narrow": {"model": "dcgan_narrow"},
}
CSV_FIELDS = ("configuration", "seed", "step", "wall_seconds", "fcd")


@dataclasses.dataclass(frozen=True)
class TimeToQuality:
  """A configuration's median curve point where it first reached the target (None where it never did)."""
  configuration: str
  seeds: int
  step: int | None
  seconds: float | None
  fcd: float | None
  final_fcd: float


def median_curve(rows: list[dict]) -> list[tuple[int, float, float]]:
  """(step, median seconds, median FCD) at each step every seed of the configuration was evaluated at."""
  by_step = collections.defaultdict(list)
  for row in rows:
    by_step[int(row["step"])].append(row)
  seeds = {row["seed"] for row in rows}
  return [(step, statistics.median(float(r["wall_seconds"]) for r in points),
           statistics.median(float(r["fcd"]) for r in points))
          for step, points in sorted(by_step.items()) if len(points) == len(seeds)]


def target_fcd(rows: list[dict]) -> float:
  """The default's final FCD, median over its seeds (each seed's last evaluation)."""
  last = {}
  for row in rows:
    if row["seed"] not in last or int(row["step"]) > int(last[row["seed"]]["step"]):
      last[row["seed"]] = row
  return statistics.median(float(r["fcd"]) for r in last.values())


def time_to_quality(name: str, rows: list[dict], target: float) -> TimeToQuality:
  curve = median_curve(rows)
  reached = next(((s, t, f) for s, t, f in curve if f <= target), (None, None, None))
  return TimeToQuality(name, len({r["seed"] for r in rows}), *reached, final_fcd=curve[-1][2])


def choose(rows: list[dict], budget_seconds: float) -> tuple[float, list[TimeToQuality], str]:
  """The target, every configuration's time to quality, and the chosen one ("default" when none qualifies)."""
  by_name = collections.defaultdict(list)
  for row in rows:
    by_name[row["configuration"]].append(row)
  if "default" not in by_name:
    raise ValueError("no curve of the default configuration: measure it first (--configurations=default)")
  target = target_fcd(by_name["default"])
  results = [time_to_quality(name, curve, target) for name, curve in sorted(by_name.items())]
  fast = [r for r in results if r.configuration != "default" and r.seconds is not None and r.seconds <= budget_seconds]
  return target, results, min(fast, key=lambda r: r.seconds).configuration if fast else "default"


def read_curves(curves_dir) -> list[dict]:
  rows = []
  for path in sorted(Path(curves_dir).glob("*.csv")):
    with open(path, newline="") as f:
      rows += list(csv.DictReader(f))
  if not rows:
    raise ValueError(f"{curves_dir}: no curve csv files (write them with benchmarks.time_to_quality --curves_csv)")
  return rows


def table(target: float, results: list[TimeToQuality], chosen: str, budget_seconds: float) -> str:
  def cell(value, fmt):
    return "never" if value is None else format(value, fmt)
  lines = [f"Target: the default's final FCD, median of its seeds: {target:.1f}. Budget: {budget_seconds:g} s of "
           f"training. Chosen: `{chosen}`.", "",
           "| configuration | seeds | changes from `TrainConfig()` | first step at target | seconds to it | FCD there | "
           "last FCD |", "| --- | --- | --- | --- | --- | --- | --- |"]
  for r in results:
    changes = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in CANDIDATES.get(r.configuration, {}).items()) or "-"
    lines.append(f"| `{r.configuration}` | {r.seeds} | {changes} | {cell(r.step, 'd')} | {cell(r.seconds, '.0f')} | "
                 f"{cell(r.fcd, '.1f')} | {r.final_fcd:.1f} |")
  return "\n".join(lines) + "\n"


def plot(path, rows: list[dict], target: float, budget_seconds: float) -> None:
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  by_name = collections.defaultdict(list)
  for row in rows:
    by_name[row["configuration"]].append(row)
  figure, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
  for name, curve_rows in sorted(by_name.items()):
    curve = median_curve(curve_rows)
    ax.plot([t for _, t, _ in curve], [f for _, _, f in curve], marker="o", markersize=3,
            label=f"{name} ({len({r['seed'] for r in curve_rows})} seeds)")
  ax.axhline(target, color="k", linestyle=":", label="target: default's final FCD")
  ax.axvline(budget_seconds, color="grey", linestyle="--", label=f"{budget_seconds:g} s budget")
  ax.set(xlabel="training seconds (median over seeds; evaluation excluded)", ylabel="FCD (2000 samples, log scale)",
         yscale="log", title="Fashion-MNIST, float32, 2 CPU cores: FCD against training time")
  ax.legend(fontsize=8)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


flags.DEFINE_string("curves_dir", "docs/time_to_quality", "Folder of curve csv files (benchmarks.time_to_quality "
                    "--curves_csv); the table and figure are written there.")
flags.DEFINE_float("budget_seconds", 300.0, "Training seconds a new default may take.", lower_bound=0.0)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  try:
    rows = read_curves(FLAGS.curves_dir)
    target, results, chosen = choose(rows, FLAGS.budget_seconds)
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  text = table(target, results, chosen, FLAGS.budget_seconds)
  print(text)
  atomic_io.write_bytes(Path(FLAGS.curves_dir, "choice.md"), text.encode())
  plot(Path(FLAGS.curves_dir, "curves.png"), rows, target, FLAGS.budget_seconds)


if __name__ == "__main__":
  app.run(main)
