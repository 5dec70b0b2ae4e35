"""Sweep axes over any `TrainConfig` field, and how their values name run folders and flags.

An axis is one field, or several tied fields that take the same value
together (`g_learning_rate,d_learning_rate=1e-4,2e-4`: both networks' rate
moves as one). Values are typed (parsed by the train command's own flag
parsers, `gan_lab.cli.axis_flags`) and checked by `TrainConfig.validate`
before any run starts. A value is written the one way that reads back to the
same value (`format_value`), so a folder name and a `--FIELD=` flag agree.
"""

import dataclasses
import itertools
from typing import Any

from gan_lab.config.train_config import TrainConfig

# Fields the study's named flags sweep: an --axis over one of them would be a second axis over the same field.
NAMED_AXES = {"model": "--models", "loss": "--losses", "output_activation": "--activations",
              "data_margin": "--data_margin and --margin_activations"}
# Fields one sweep folder holds fixed: its runs are compared with each other, so they share these.
FIXED_IN_A_SWEEP = {"dataset": "--dataset", "data_dir": "--data_dir", "output_dir": "the sweep's own run folders",
                    "seed": "--seeds", "train_steps": "--train_steps (per model) and --tune_steps",
                    "mixed_precision": "--mixed_precision (per model)", "plugins": "one set of plugins per sweep"}


@dataclasses.dataclass(frozen=True)
class Axis:
  """Tied `fields` that take each of `values` in turn (one value: every run of the sweep gets it)."""
  fields: tuple[str, ...]
  values: tuple[Any, ...]

  @property
  def name(self) -> str:
    """How folders, tables and the pinned design name the axis: its fields, comma-joined."""
    return ",".join(self.fields)

  def part(self, value) -> str:
    """The run folder of `value`: `FIELD=VALUE`, e.g. `beta_1=0.5`."""
    return f"{self.name}={format_value(value)}"

  def flags(self, value) -> list[str]:
    return [f"--{field}={format_value(value)}" for field in self.fields]

  def spec(self) -> str:
    """The axis as the command line gives it (and as a sweep folder pins it)."""
    return f"{self.name}={','.join(format_value(v) for v in self.values)}"


def format_value(value) -> str:
  """A value as folder names and flags write it: repr for floats (reads back exactly), str otherwise."""
  return repr(float(value)) if isinstance(value, float) else str(value)


def parse_value(field: str, text: str):
  """A folder name's value back as the field's type (the inverse of `format_value`)."""
  kind = _field_types()[field]
  if kind is bool:
    return text == "True"
  return kind(text)


def combinations(axes) -> list[tuple[tuple[str, Any], ...]]:
  """Every combination of the axes' values, in grid order: ((axis name, value), ...) per combination."""
  return [tuple(zip((a.name for a in axes), values)) for values in itertools.product(*(a.values for a in axes))]


def check(axes, base: TrainConfig, flag: str, taken=()) -> None:
  """ValueError naming `--flag` and the field: a field that cannot vary, one swept twice, a value out of bounds.

  taken: fields another axis flag (e.g. --axis beside --tune) already sweeps.
  Each value is checked by `TrainConfig.validate` on `base` with it set, the
  check `gan-lab train` makes of its own flags.
  """
  seen = set(taken)
  for axis in axes:
    for field in axis.fields:
      if field in NAMED_AXES:
        raise ValueError(f"--{flag}={axis.spec()}: {field} is one of the study's named axes; set it with "
                         f"{NAMED_AXES[field]}")
      if field in FIXED_IN_A_SWEEP:
        raise ValueError(f"--{flag}={axis.spec()}: {field} cannot vary within one sweep folder "
                         f"({FIXED_IN_A_SWEEP[field]})")
      if field in seen:
        raise ValueError(f"--{flag}={axis.spec()}: {field} is swept twice (by more than one --axis or --tune)")
      seen.add(field)
    if len(set(axis.values)) != len(axis.values):
      raise ValueError(f"--{flag}={axis.spec()}: a value is given twice")
    for value in axis.values:
      try:
        dataclasses.replace(base, **{field: value for field in axis.fields}).validate()
      except ValueError as e:
        raise ValueError(f"--{flag}={axis.spec()}: {e}") from None


def _field_types() -> dict:
  return {f.name: f.type for f in dataclasses.fields(TrainConfig)}
