"""Named starting points (`--preset`): sets of flag values chosen by measurement, not by taste.

A preset fills in the flags a command does not give; a flag given on the
command line always wins. The run's flags.json holds the resolved values,
so a preset run is as reproducible as any other. Why each value was chosen,
with the measurement behind it, is in the README ("A quality preset").
"""

import dataclasses

from gan_lab.config import hardware
from gan_lab.config.train_config import TrainConfig

# The best Fashion-MNIST samples gan_lab makes in about 15 minutes of training on 2 CPU cores
# with bfloat16 units: gan_lab's DCGAN in bfloat16 (its step is faster than float32 there),
# train_steps sized to those minutes, sampling from a generator EMA (README: the measurement).
QUALITY = {
    "model": "dcgan",  # The architecture and Adam recipe it was measured with (the default run's before issue 34).
    "g_learning_rate": 2e-4,
    "d_learning_rate": 2e-4,
    "beta_1": 0.5,
    "train_steps": 25000,
    "mixed_precision": "mixed_bfloat16",
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


def resolve(name: str, config: TrainConfig, given: set) -> tuple[TrainConfig, str]:
  """`config` with preset `name` applied to the fields not in `given`, and the bfloat16 fallback's line ("" if none).

  A `--mixed_precision` in `given` is kept as asked; the preset's bfloat16
  falls back to float32 where the machine lacks bfloat16 units.
  """
  resolved = TrainConfig(**apply(name, dataclasses.asdict(config), given))
  if "mixed_precision" in given:
    return resolved, ""
  return without_unsupported_bfloat16(resolved, hardware.has_bfloat16_units())


def without_unsupported_bfloat16(config: TrainConfig, has_bfloat16: bool) -> tuple[TrainConfig, str]:
  """The config in float32 when it asks for bfloat16 the machine lacks, with the line that says so.

  Emulated bfloat16 is slower than float32, so a preset meant to be fast
  falls back rather than fail. Returns the config unchanged and "" otherwise.
  """
  if config.mixed_precision != "mixed_bfloat16" or has_bfloat16:
    return config, ""
  return (dataclasses.replace(config, mixed_precision="none"),
          "note: this machine has no bfloat16 units (no GPU of compute capability 8.0+, no avx512_bf16 or "
          "amx_bf16 CPU flag); training in float32 (--mixed_precision=none), so the preset's steps take longer")
