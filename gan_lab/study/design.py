"""The output-activation study, defined once: its axes, seeds and per-model budgets.

The sweep script plans its runs from a `Study`, the report groups them by it,
and `pin_budget` ties a sweep folder to its budgets: a later invocation may
run other axes into the same folder (the reports merge), but not with another
budget, so every run in a folder is comparable.
"""

import dataclasses
from pathlib import Path

from gan_lab.config import registry
from gan_lab.study import sweep


@dataclasses.dataclass(frozen=True, order=True)
class Cell:
  """One point of the study's axes; the runs of a cell differ only in their seed."""
  model: str
  loss: str
  activation: str
  data_margin: float = 0.0

  @property
  def variant(self) -> str:
    """The activation as the report names it (`variant_label`)."""
    return variant_label(self.activation, self.data_margin)

  def path_parts(self) -> tuple[str, ...]:
    return self.model, self.loss, self.activation, f"margin_{self.data_margin:g}"

  def flags(self) -> list[str]:
    return [f"--model={self.model}", f"--loss={self.loss}", f"--output_activation={self.activation}",
            f"--data_margin={self.data_margin:g}"]


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

  def cells(self) -> list[Cell]:
    """Every cell: the full cross product, then the margin variants."""
    plain = [Cell(m, l, a) for m in self.models for l in self.losses for a in self.activations]
    margin = [Cell(m, l, a, self.data_margin) for m in self.models for l in self.losses
              if l in self.margin_losses for a in self.activations if a in self.margin_activations]
    return plain + (margin if self.data_margin else [])

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
    flags = self.budget(cell.model)
    if not registry.needs_gradient_penalty(cell.loss):
      del flags["gp_weight"]
    return [f"--{name}={value}" for name, value in flags.items()]

  def pin_budget(self, sweep_dir) -> None:
    """Records each model's budget in `sweep_dir/budget.json`; ValueError if the folder holds another one."""
    path = Path(sweep_dir, "budget.json")
    budgets = {model: self.budget(model) for model in self.models}
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


def variant_label(activation: str, data_margin: float) -> str:
  """How tables name an activation under a data margin: `tanh`, or `tanh+margin0.05`."""
  return activation + (f"+margin{data_margin:g}" if data_margin else "")


def discover(sweep_dir) -> list[sweep.RunSpec]:
  """Every study run folder under `sweep_dir` that has ended (ok or failed), from any invocation, sorted."""
  specs = []
  for status in Path(sweep_dir, "runs").glob(f"*/*/*/margin_*/seed_*/{sweep.STATUS_FILE}"):
    model, loss, activation, margin, seed = status.parent.relative_to(Path(sweep_dir, "runs")).parts
    cell = Cell(model, loss, activation, float(margin.removeprefix("margin_")))
    specs.append(sweep.RunSpec(cell, int(seed.removeprefix("seed_")), status.parent))
  return sorted((s for s in specs if s.ended()), key=lambda s: (s.cell, s.seed))
