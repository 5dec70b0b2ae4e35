"""A study, defined once: its axes, seeds, per-model budgets and, when tuned, its tuning grid.

The study's named axes are model x loss x output activation (plus the
data-margin control); `axes` adds any other `TrainConfig` field. The sweep
script plans its runs from a `Study`, the report groups them by it, and
`pin_budget` ties a sweep folder to its budgets and design: a later
invocation may run other named axes into the same folder (the reports
merge), but not with another budget, other --axis/--tune axes or another
factor, so every run in a folder is comparable.

A tuned study (`tune`) runs in two stages (`gan_lab.study.tuning`): stage 1
trains every combination of the tuning grid for every cell at the tuning
budget with `tune_seeds` seeds numbered from `TUNE_SEED_BASE` (never the
reported seeds), in `<sweep>/tuning/runs/`; stage 2 trains each cell's chosen
combination with the fresh seeds 0..seeds-1 at the full budget, in
`<sweep>/runs/`, and only stage 2 is reported.
"""

import dataclasses
import json
from pathlib import Path
from typing import Any

from gan_lab.config import registry
from gan_lab.config.train_config import TrainConfig
from gan_lab.files import atomic_io
from gan_lab.study import axes as axes_lib
from gan_lab.study import sweep

# The Adam recipe every study so far trained with (the DCGAN tutorial's), pinned here rather than taken from
# TrainConfig's defaults: the default run may change (README, "Why the default run is what it is") while the
# studies stay re-runnable and comparable. An --axis or --tune over one of these fields overrides it.
STUDY_RECIPE = (("g_learning_rate", 2e-4), ("d_learning_rate", 2e-4), ("beta_1", 0.5), ("beta_2", 0.999))
TUNE_SEED_BASE = 10000  # Stage-1 seeds are TUNE_SEED_BASE + i: no reported seed (0..seeds-1) is ever one of them.
TUNING_DIR = "tuning"  # Stage 1's sweep folder, inside the study's.
DESIGN_FILE = "design.json"  # The pinned --axis, --tune and --factor of a sweep folder.


@dataclasses.dataclass(frozen=True, order=True)
class Cell:
  """One point of the study's axes; the runs of a cell differ only in their seed."""
  model: str
  loss: str
  activation: str
  data_margin: float = 0.0
  axes: tuple[tuple[str, Any], ...] = ()  # (axis name, value) of each --axis: part of what the cell is.
  tuned: tuple[tuple[str, Any], ...] = ()  # (axis name, value) of each --tune axis: the recipe a run trains with.

  @property
  def variant(self) -> str:
    """The activation as the report names it (`variant_label`)."""
    return variant_label(self.activation, self.data_margin)

  def path_parts(self) -> tuple[str, ...]:
    named = (self.model, self.loss, self.activation, f"margin_{self.data_margin:g}")
    return named + tuple(f"{name}={axes_lib.format_value(v)}" for name, v in self.axes + self.tuned)

  def flags(self) -> list[str]:
    named = [f"--model={self.model}", f"--loss={self.loss}", f"--output_activation={self.activation}",
             f"--data_margin={self.data_margin:g}"]
    return named + [f"--{field}={axes_lib.format_value(v)}" for name, v in self.axes + self.tuned
                    for field in name.split(",")]

  def with_tuned(self, combination) -> "Cell":
    return dataclasses.replace(self, tuned=tuple(combination))

  def untuned(self) -> "Cell":
    return dataclasses.replace(self, tuned=())


@dataclasses.dataclass(frozen=True)
class Study:
  """Axes (models x losses x activations, plus data-margin variants) and what every run gets.

  more_seeds: ((model, loss, seeds), ...) cells that get more seeds than `seeds`.
  margin_activations, margin_losses: the cells that are also run with
    `data_margin` (every model); 0 turns the data-range control off.
  train_steps, mixed_precision: per model, ((model, value), ...).
  gp_weight: given to the losses that need a gradient penalty (their registry trait).
  snapshots: scored sample snapshots per run, evenly spaced (the rank curves).
  """
  models: tuple[str, ...] = ("dcgan", "mlp")
  losses: tuple[str, ...] = ("non_saturating", "least_squares", "hinge", "wasserstein")
  activations: tuple[str, ...] = ("sigmoid", "tanh", "linear", "hard_sigmoid")
  seeds: int = 5
  more_seeds: tuple[tuple[str, str, int], ...] = ()
  data_margin: float = 0.05
  margin_activations: tuple[str, ...] = ("sigmoid", "tanh")
  margin_losses: tuple[str, ...] = ("non_saturating",)
  train_steps: tuple[tuple[str, int], ...] = (("dcgan", 5000), ("mlp", 20000))
  mixed_precision: tuple[tuple[str, str], ...] = (("dcgan", "mixed_bfloat16"), ("mlp", "none"))
  batch_size: int = 64
  gp_weight: float = 10.0
  snapshots: int = 10
  snapshot_samples: int = 2000
  num_samples: int = 10000
  dataset: str = "fashion_mnist"
  axes: tuple[axes_lib.Axis, ...] = ()
  factor: str = "output_activation"
  tune: tuple[axes_lib.Axis, ...] = ()
  tune_seeds: int = 2
  tune_steps: tuple[tuple[str, int], ...] = ()
  native_bfloat16: bool = True  # This machine's: where False, runs asked for mixed_bfloat16 train in float32.
  recipe: tuple[tuple[str, Any], ...] = STUDY_RECIPE

  def cells(self) -> list[Cell]:
    """Every cell: the full cross product (with every --axis), then the margin variants."""
    extra = axes_lib.combinations(self.axes)
    plain = [Cell(m, l, a, 0.0, x) for m in self.models for l in self.losses for a in self.activations for x in extra]
    margin = [Cell(m, l, a, self.data_margin, x) for m in self.models for l in self.losses
              if l in self.margin_losses for a in self.activations if a in self.margin_activations for x in extra]
    return plain + (margin if self.data_margin else [])

  def combinations(self) -> list[tuple[tuple[str, Any], ...]]:
    """The tuning grid's combinations in grid order (the order that breaks ties)."""
    return axes_lib.combinations(self.tune)

  def tuning_cells(self) -> list[Cell]:
    """Stage 1: every cell with every combination of the tuning grid."""
    return [cell.with_tuned(c) for cell in self.cells() for c in self.combinations()]

  def tune_seeds_of(self, cell: Cell) -> range:
    return range(TUNE_SEED_BASE, TUNE_SEED_BASE + self.tune_seeds)

  def tuning_train_args(self, cell: Cell) -> list[str]:
    """Stage 1's flags: the tuning budget, no snapshots, and the selection samples selection is made on."""
    steps = dict(self.tune_steps)[cell.model]
    budget = {**self.budget(cell.model), "train_steps": steps, "snapshot_every": 0, "sample_every": steps,
              "checkpoint_every": max(1, steps // self.snapshots), "selection_samples": self.num_samples}
    return self._args(cell, budget)

  def seeds_of(self, cell: Cell) -> range:
    extra = {(m, l): n for m, l, n in self.more_seeds}
    return range(max(self.seeds, extra.get((cell.model, cell.loss), 0)))

  def budget(self, model: str) -> dict:
    """The flags every run of `model` gets besides its axes and seed (gp_weight only where the loss needs it)."""
    steps = dict(self.train_steps)[model]
    every = max(1, steps // self.snapshots)
    return {"dataset": self.dataset, "train_steps": steps, "batch_size": self.batch_size,
            "mixed_precision": dict(self.mixed_precision).get(model, "none"), "snapshot_every": every,
            "sample_every": every, "checkpoint_every": every, "snapshot_samples": self.snapshot_samples,
            "num_samples": self.num_samples, "gp_weight": self.gp_weight}

  def train_args(self, cell: Cell) -> list[str]:
    return self._args(cell, self.budget(cell.model))

  def _args(self, cell: Cell, budget: dict) -> list[str]:
    """The recipe (less the fields the cell's axes set) and the budget as flags, with the precision this machine
    runs (`run_precision`) and gp_weight only where the loss needs it."""
    named = {field for name, _ in cell.axes + cell.tuned for field in name.split(",")}
    recipe = {field: value for field, value in self.recipe if field not in named}
    flags = {**recipe, **budget, "mixed_precision": self.run_precision(cell.model)}
    if not registry.needs_gradient_penalty(cell.loss):
      del flags["gp_weight"]
    return [f"--{name}={value}" for name, value in flags.items()]

  def run_precision(self, model: str) -> str:
    """The precision `model`'s runs train in: the study's, except float32 for bfloat16 this machine emulates
    (slower than float32 there; `precision_note` says so)."""
    asked = dict(self.mixed_precision).get(model, "none")
    return "none" if asked == "mixed_bfloat16" and not self.native_bfloat16 else asked

  def precision_note(self) -> str:
    """The one line a sweep prints when it trains a model in another precision than the study asks ("" if none)."""
    fallen = [m for m in self.models if self.run_precision(m) != dict(self.mixed_precision).get(m, "none")]
    if not fallen:
      return ""
    return (f"note: this machine has no bfloat16 units (no GPU of compute capability 8.0+, no avx512_bf16 or "
            f"amx_bf16): {', '.join(fallen)} runs train in float32 instead of emulated mixed_bfloat16; every "
            "results.csv row records the precision it ran in")

  def design(self) -> dict:
    """What a sweep folder pins besides the budgets: its --axis and --tune axes, the factor and the tuning seeds."""
    return {"axes": [a.spec() for a in self.axes], "tune": [a.spec() for a in self.tune], "factor": self.factor,
            "tune_seeds": self.tune_seeds if self.tune else 0, "tune_steps": dict(self.tune_steps) if self.tune else {}}

  def pin_budget(self, sweep_dir) -> None:
    """Records each model's budget in `sweep_dir/budget.json` and the design in `DESIGN_FILE`; ValueError if the
    folder holds another one."""
    path = Path(sweep_dir, "budget.json")
    budgets = {model: self.budget(model) for model in self.models}
    design_path = Path(sweep_dir, DESIGN_FILE)
    design = self.design()
    if not design_path.is_file() and any(Path(sweep_dir, "runs").glob("*")):
      # A folder from before designs were pinned: its runs have no --axis or --tune.
      atomic_io.write_json(design_path, Study().design())
    for key, pinned in sweep.pin_settings(design_path, design).items():
      raise ValueError(f"{design_path} pins another design: {key} was {_spec_text(pinned)}, now "
                       f"{_spec_text(design[key])}: use those flags or another --sweep_dir")
    for model, pinned in sweep.pin_settings(path, budgets).items():
      changed = sorted(k for k in budgets[model] if pinned.get(k) != budgets[model][k])
      raise ValueError(f"{path} pins another budget for {model} ({', '.join(changed)} differ): use those "
                       f"flags or another --sweep_dir")

  def check(self) -> None:
    """ValueError naming the flag for unknown names or a model without a budget."""
    for flag, values, known in (("models", self.models, registry.MODELS.names()),
                                ("losses", self.losses, registry.LOSSES.names()),
                                ("activations", self.activations, registry.ACTIVATIONS.names())):
      unknown = [v for v in values if v not in known]
      if unknown or not values:
        raise ValueError(f"--{flag}={','.join(values)}: expected names from {', '.join(known)}")
    for flag, table in (("train_steps", self.train_steps), ("mixed_precision", self.mixed_precision)):
      missing = [m for m in self.models if m not in dict(table)]
      if missing:
        raise ValueError(f"--{flag} has no entry for model {', '.join(missing)}: expected MODEL:VALUE for each")
    base = TrainConfig(dataset=self.dataset, model=self.models[0], loss=self.losses[0],
                       output_activation=self.activations[0])
    axes_lib.check(self.axes, base, "axis")
    axes_lib.check(self.tune, base, "tune", taken=[f for a in self.axes for f in a.fields])
    factors = ["output_activation", "model", "loss"] + [a.name for a in self.axes]
    if self.factor not in factors:
      raise ValueError(f"--factor={self.factor}: expected a swept field: {', '.join(factors)}")
    if self.tune:
      missing = [m for m in self.models if m not in dict(self.tune_steps)]
      if missing:
        raise ValueError(f"--tune_steps has no entry for model {', '.join(missing)}: expected N or MODEL:N items")


def variant_label(activation: str, data_margin: float) -> str:
  """How tables name an activation under a data margin: `tanh`, or `tanh+margin0.05`."""
  return activation + (f"+margin{data_margin:g}" if data_margin else "")


def _spec_text(value) -> str:
  return " ".join(value) if isinstance(value, list) and value else repr(value)


def pinned_design(sweep_dir) -> dict:
  """The design a sweep folder pinned (`Study.design`), or the untuned study's for a folder without one."""
  path = Path(sweep_dir, DESIGN_FILE)
  return json.loads(path.read_text()) if path.is_file() else Study().design()


def discover(sweep_dir, tuned_names=None) -> list[sweep.RunSpec]:
  """Every study run folder under `sweep_dir/runs` that has ended (ok or failed), from any invocation, sorted.

  A folder is `model/loss/activation/margin_M/[AXIS=VALUE/...]seed_N`; its
  AXIS=VALUE parts are --tune axes if the folder's design tunes them, else
  --axis axes (tuned_names: the --tune axes' names, by default those the folder's design pins).
  """
  if tuned_names is None:
    tuned_names = {spec.partition("=")[0] for spec in pinned_design(sweep_dir)["tune"]}
  runs = Path(sweep_dir, "runs")
  specs = []
  for status in runs.glob(f"*/*/*/margin_*/**/seed_*/{sweep.STATUS_FILE}"):
    model, loss, activation, margin, *parts, seed = status.parent.relative_to(runs).parts
    values = [_axis_value(part) for part in parts]
    cell = Cell(model, loss, activation, float(margin.removeprefix("margin_")),
                tuple(v for v in values if v[0] not in tuned_names), tuple(v for v in values if v[0] in tuned_names))
    specs.append(sweep.RunSpec(cell, int(seed.removeprefix("seed_")), status.parent))
  return sorted((s for s in specs if s.ended()), key=lambda s: (s.cell, s.seed))


def _axis_value(part: str) -> tuple[str, Any]:
  """(axis name, typed value) of a folder name `AXIS=VALUE`."""
  name, _, text = part.partition("=")
  return name, axes_lib.parse_value(name.split(",")[0], text)
