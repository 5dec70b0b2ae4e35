"""The default run chosen by time to quality: the candidates, the rule, the table and the figure.

  python -m benchmarks.default_choice --curves_dir=docs/time_to_quality

Candidates are the previous default with a few fields changed, each something a
researcher would try to buy the same quality with less CPU time: the recipe
study v3's tuning chose for every DCGAN activation (Adam 4e-4, beta_1 0), a
narrower network, a smaller batch with the learning rate scaled by its square
root. `benchmarks.time_to_quality` measures their curves (FCD against
training seconds, one row per evaluation) into csv files; this script reads
every csv in --curves_dir and applies the rule of issue 34:

  target: the median over seeds of the previous default's final FCD
  (`PREVIOUS_DEFAULT`, the baseline, spelled out field by field);
  a candidate's time to quality: the first evaluation step at which the median
  FCD over its seeds is at or below the target, and the median training
  seconds its seeds took to reach that step;
  the choice: among candidates whose time to quality is within the budget,
  the fastest (none: the previous default stays, and the table shows why).

The budget is --budget_seconds (5 minutes) on the reference machine, the
2-core AVX2-only EPYC issue 34 measured the previous default on (765.7 s of
training): scaled here by the baseline's time on this machine against that.

It prints the table and writes it (markdown) and the figure of the median
curves beside the csv files. Curves named CONFIGURATION+PRECISION (from
--mixed_precision of `benchmarks.time_to_quality`) are not candidates: where a
configuration has both a `+mixed_bfloat16` and a `+none` set, the table is
followed by the two precisions' final FCDs compared by Welch's test, the rule
for a default in bfloat16 on machines with bfloat16 units.
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

# `TrainConfig()` before issue 34 (the tutorial's Adam recipe, 5000 steps, float32): the baseline and the target,
# spelled out so that the measurement means the same after the default changes.
PREVIOUS_DEFAULT = {"model": "dcgan", "g_learning_rate": 2e-4, "d_learning_rate": 2e-4, "beta_1": 0.5,
                    "batch_size": 64, "train_steps": 5000, "mixed_precision": "none"}
BASELINE = "previous_default"
_TUNED = {"g_learning_rate": 4e-4, "d_learning_rate": 4e-4, "beta_1": 0.0}  # Study v3's choice for every DCGAN cell.
CHANGES = {  # Each candidate's changes from PREVIOUS_DEFAULT.
    BASELINE: {},
    "tuned_recipe": _TUNED,
    "tuned_recipe_narrow": {**_TUNED, "model": "dcgan_narrow"},
    "tuned_recipe_batch32": {"g_learning_rate": 4e-4 / 2 ** 0.5, "d_learning_rate": 4e-4 / 2 ** 0.5, "beta_1": 0.0,
                             "batch_size": 32},
    "narrow": {"model": "dcgan_narrow"},
}
CANDIDATES = {name: {**PREVIOUS_DEFAULT, **changes} for name, changes in CHANGES.items()}
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


def last_rows(rows: list[dict]) -> list[dict]:
  """Each seed's last evaluation among `rows` (one configuration's), in seed order."""
  last = {}
  for row in rows:
    if row["seed"] not in last or int(row["step"]) > int(last[row["seed"]]["step"]):
      last[row["seed"]] = row
  return [last[seed] for seed in sorted(last, key=int)]


def target_fcd(rows: list[dict]) -> float:
  """The baseline's final FCD, median over its seeds (each seed's last evaluation)."""
  return statistics.median(float(r["fcd"]) for r in last_rows(rows))


def time_to_quality(name: str, rows: list[dict], target: float) -> TimeToQuality:
  curve = median_curve(rows)
  reached = next(((s, t, f) for s, t, f in curve if f <= target), (None, None, None))
  return TimeToQuality(name, len({r["seed"] for r in rows}), *reached, final_fcd=curve[-1][2])


def local_budget(rows: list[dict], budget_seconds: float, reference_seconds: float) -> float:
  """`budget_seconds` on the reference machine, as seconds here: scaled by how long the baseline's whole run took
  here (median over seeds) against `reference_seconds`, its time there (0: no scaling)."""
  if not reference_seconds:
    return budget_seconds
  baseline = last_rows([r for r in rows if r["configuration"] == BASELINE])
  return budget_seconds * statistics.median(float(r["wall_seconds"]) for r in baseline) / reference_seconds


def choose(rows: list[dict], budget_seconds: float) -> tuple[float, list[TimeToQuality], str]:
  """The target, every configuration's time to quality, and the chosen one (`BASELINE` when none qualifies)."""
  by_name = collections.defaultdict(list)
  for row in rows:
    if "+" not in row["configuration"]:  # CONFIGURATION+PRECISION curves are `precision_comparison`'s.
      by_name[row["configuration"]].append(row)
  if BASELINE not in by_name:
    raise ValueError(f"no curve of {BASELINE}: measure it first (--configurations={BASELINE})")
  target = target_fcd(by_name[BASELINE])
  results = [time_to_quality(name, curve, target) for name, curve in sorted(by_name.items())]
  fast = [r for r in results if r.configuration != BASELINE and r.seconds is not None and r.seconds <= budget_seconds]
  return target, results, min(fast, key=lambda r: r.seconds).configuration if fast else BASELINE


def final_fcds(rows: list[dict], configuration: str) -> list[float]:
  """Each seed's last FCD of one configuration, in seed order."""
  return [float(r["fcd"]) for r in last_rows([r for r in rows if r["configuration"] == configuration])]


def precision_comparison(rows: list[dict], configuration: str) -> dict:
  """bfloat16 against float32 for one configuration ("NAME+mixed_bfloat16" and "NAME+none" curves): each side's
  final FCDs, the mean difference (bfloat16 - float32) with Welch's 95% interval and p-value, and whether bfloat16
  is not worse: the interval's upper end at most 0 would be better, above 0 with p < 0.05 worse."""
  bf16, f32 = final_fcds(rows, f"{configuration}+mixed_bfloat16"), final_fcds(rows, f"{configuration}+none")
  if min(len(bf16), len(f32)) < 2:
    raise ValueError(f"{configuration}: need at least 2 seeds of each precision, have {len(bf16)} bfloat16 and "
                     f"{len(f32)} float32")
  from scipy import stats  # pylint: disable=g-import-not-at-top
  test = stats.ttest_ind(bf16, f32, equal_var=False)
  low, high = test.confidence_interval(0.95)
  difference = statistics.mean(bf16) - statistics.mean(f32)
  return {"bfloat16": bf16, "float32": f32, "difference": difference, "ci95": (float(low), float(high)),
          "welch_p": float(test.pvalue), "bfloat16_not_worse": not (difference > 0 and test.pvalue < 0.05)}


def precision_text(configuration: str, comparison: dict) -> str:
  seeds = f"{len(comparison['bfloat16'])} and {len(comparison['float32'])} seeds"
  low, high = comparison["ci95"]
  verdict = "not worse" if comparison["bfloat16_not_worse"] else "worse"
  return (f"`{configuration}` in mixed_bfloat16 against float32 ({seeds}): final FCD "
          f"{statistics.mean(comparison['bfloat16']):.1f} against {statistics.mean(comparison['float32']):.1f}, "
          f"difference {comparison['difference']:+.1f} (Welch 95% interval {low:+.1f} to {high:+.1f}, "
          f"p = {comparison['welch_p']:.2f}): bfloat16 is {verdict}.\n")


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
  lines = [f"Target: {BASELINE}'s final FCD, median of its seeds: {target:.1f}. Budget: {budget_seconds:.0f} s of "
           f"training. Chosen: `{chosen}`.", "",
           f"| configuration | seeds | changes from {BASELINE} | first step at target | seconds to it | FCD there | "
           "last FCD |", "| --- | --- | --- | --- | --- | --- | --- |"]
  for r in results:
    changes = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in CHANGES.get(r.configuration, {}).items()) or "-"
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
  ax.axhline(target, color="k", linestyle=":", label=f"target: {BASELINE}'s final FCD")
  ax.axvline(budget_seconds, color="grey", linestyle="--", label=f"budget here ({budget_seconds:.0f} s)")
  ax.set(xlabel="training seconds (median over seeds; evaluation excluded)", ylabel="FCD (2000 samples, log scale)",
         yscale="log", title="Fashion-MNIST, float32, 2 CPU cores: FCD against training time")
  ax.legend(fontsize=8)
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


flags.DEFINE_string("curves_dir", "docs/time_to_quality", "Folder of curve csv files (benchmarks.time_to_quality "
                    "--curves_csv); the table and figure are written there.")
flags.DEFINE_float("budget_seconds", 300.0, "Training seconds a new default may take on the reference machine.",
                   lower_bound=0.0)
flags.DEFINE_float("reference_seconds", 765.7, "The baseline's training seconds on the reference machine (issue 34's "
                   "2-core AVX2-only EPYC, float32: measured there, not here), so the budget is scaled to this "
                   "machine's speed; 0: the budget is seconds here.", lower_bound=0.0)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  try:
    rows = read_curves(FLAGS.curves_dir)
    budget = local_budget(rows, FLAGS.budget_seconds, FLAGS.reference_seconds)
    target, results, chosen = choose(rows, budget)
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  text = table(target, results, chosen, budget)
  if FLAGS.reference_seconds:
    text += (f"\nThe budget, {FLAGS.budget_seconds:g} s on the reference machine ({BASELINE}: "
             f"{FLAGS.reference_seconds:g} s there), is {budget:.0f} s here.\n")
  for base in sorted({r["configuration"].split("+")[0] for r in rows if r["configuration"].endswith("+none")}):
    text += "\n" + precision_text(base, precision_comparison(rows, base))
  print(text)
  atomic_io.write_bytes(Path(FLAGS.curves_dir, "choice.md"), text.encode())
  plot(Path(FLAGS.curves_dir, "curves.png"), rows, target, budget)


if __name__ == "__main__":
  app.run(main)
