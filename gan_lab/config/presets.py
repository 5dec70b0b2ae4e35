"""Named starting points (`--preset`): sets of flag values chosen by measurement, not by taste.

A preset fills in the flags a command does not give; a flag given on the
command line always wins. The run's flags.json holds the resolved values,
so a preset run is as reproducible as any other. Why each value was chosen,
with the measurement behind it, is in the README ("A quality preset").
"""

import dataclasses

from gan_lab.config.train_config import TrainConfig

# The best Fashion-MNIST samples gan_lab makes in about 15 minutes of training on 2 CPU cores
# with bfloat16 units: gan_lab's DCGAN in bfloat16 (its step is faster than float32 there; `auto`
# falls back to float32 where bfloat16 would be emulated), train_steps sized to those minutes,
# sampling from a generator EMA (docs/training.md: the measurement).
QUALITY = {
    "model": "dcgan",  # The architecture and Adam recipe it was measured with (the default run's before issue 34).
    "g_learning_rate": 2e-4,
    "d_learning_rate": 2e-4,
    "beta_1": 0.5,
    "train_steps": 25000,
    "mixed_precision": "auto",  # Measured in mixed_bfloat16, which `auto` is on its machine.
    "g_ema_decay": 0.999,
    "sample_every": 2500,
    "checkpoint_every": 2500,
    "output_dir": "outputs/train_quality",
}
PRESETS = {"quality": QUALITY}


def names() -> tuple[str, ...]:
  return tuple(PRESETS)


def apply(name: str, values: dict, given: set) -> dict:
  """`values` (a config's fields) with the preset's, except for the fields in `given` (set on the command line)."""
  if name not in PRESETS:
    raise ValueError(f"--preset={name!r}: expected one of {', '.join(PRESETS)}")
  return {**values, **{k: v for k, v in PRESETS[name].items() if k not in given}}


def resolve(name: str, config: TrainConfig, given: set) -> TrainConfig:
  """`config` with preset `name` applied to the fields not in `given` (set on the command line)."""
  return TrainConfig(**apply(name, dataclasses.asdict(config), given))
