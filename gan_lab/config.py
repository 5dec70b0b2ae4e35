"""The full configuration of one training run, and its validation.

Field names are the command-line flag names, so every error can name the
flag to fix. The CLI layer fills a `TrainConfig` from flags; library code
only ever sees the config, never FLAGS.
"""

import dataclasses
import json

from gan_lab import activations, data, distribute, losses, models

DATASETS = tuple(data.SPECS) + ("ring",)
PRECISIONS = ("none", "mixed_float16", "mixed_bfloat16")
UPDATE_SCHEMES = ("alternating", "simultaneous")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  """Everything that determines a run's result (plus where it is written)."""
  dataset: str = "fashion_mnist"
  data_dir: str = ""
  max_examples: int = 0
  model: str = "dcgan"
  loss: str = "non_saturating"
  output_activation: str = "tanh"
  noise_dim: int = 100
  batch_size: int = 64
  train_steps: int = 5000
  disc_steps: int = 1
  update_scheme: str = "alternating"
  g_learning_rate: float = 2e-4
  d_learning_rate: float = 2e-4
  beta_1: float = 0.5
  beta_2: float = 0.999
  gp_weight: float = 0.0
  label_smoothing: float = 0.0
  seed: int = 0
  output_dir: str = "outputs/train"
  sample_every: int = 500
  log_every: int = 100
  checkpoint_every: int = 1000
  num_samples: int = 10000
  snapshot_every: int = 0
  snapshot_samples: int = 2000
  grid_size: int = 8
  jit_compile: bool = False
  steps_per_call: int = 10
  mixed_precision: str = "none"
  strategy: str = "default"
  deterministic: bool = False
  inject_nan_at_step: int = 0

  def to_json(self) -> str:
    return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

  def validate(self) -> None:
    """Raises ValueError naming the flag, the value and what was expected."""
    _one_of("dataset", self.dataset, DATASETS)
    _one_of("model", self.model, models.NAMES)
    _one_of("loss", self.loss, losses.NAMES)
    _one_of("output_activation", self.output_activation, activations.NAMES)
    _one_of("mixed_precision", self.mixed_precision, PRECISIONS)
    _one_of("update_scheme", self.update_scheme, UPDATE_SCHEMES)
    _one_of("strategy", self.strategy, distribute.STRATEGIES)
    for name in ("noise_dim", "batch_size", "train_steps", "disc_steps", "sample_every", "log_every",
                 "checkpoint_every", "num_samples", "grid_size", "steps_per_call"):
      _at_least(name, getattr(self, name), 1)
    _at_least("max_examples", self.max_examples, 0)
    _at_least("snapshot_every", self.snapshot_every, 0)
    _at_least("inject_nan_at_step", self.inject_nan_at_step, 0)
    _at_least("snapshot_samples", self.snapshot_samples, 1)
    _at_least("seed", self.seed, 0)
    for name in ("g_learning_rate", "d_learning_rate"):
      if not 0 < getattr(self, name) < 1:
        raise ValueError(f"--{name}={getattr(self, name)}: expected a learning rate in (0, 1)")
    for name in ("beta_1", "beta_2"):
      if not 0 <= getattr(self, name) < 1:
        raise ValueError(f"--{name}={getattr(self, name)}: expected a value in [0, 1)")
    if self.gp_weight < 0:
      raise ValueError(f"--gp_weight={self.gp_weight}: expected a value >= 0")
    if not 0 <= self.label_smoothing < 0.5:
      raise ValueError(f"--label_smoothing={self.label_smoothing}: expected a value in [0, 0.5)")
    if self.label_smoothing and not losses.get(self.loss).supports_label_smoothing:
      raise ValueError(f"--label_smoothing={self.label_smoothing} has no meaning for --loss={self.loss}; "
                       "use 0 or a minimax, non_saturating or least_squares loss")
    if self.loss == "wasserstein" and self.gp_weight == 0:
      raise ValueError("--loss=wasserstein needs a Lipschitz critic: set --gp_weight (10 is the WGAN-GP value)")
    if self.update_scheme == "simultaneous" and self.disc_steps != 1:
      raise ValueError(f"--update_scheme=simultaneous updates both networks from one forward pass; "
                       f"it needs --disc_steps=1, got {self.disc_steps}")
    if self.model == "tutorial_dcgan" and self.dataset not in ("fashion_mnist", "mnist"):
      raise ValueError(f"--model=tutorial_dcgan is defined for 28x28x1 images; --dataset={self.dataset} is not")
    if self.dataset == "ring" and self.model != "mlp":
      raise ValueError(f"--dataset=ring is 2-D points; --model={self.model} needs images, use --model=mlp")


def _one_of(name, value, allowed):
  if value not in allowed:
    raise ValueError(f"--{name}={value!r}: expected one of {', '.join(allowed)}")


def _at_least(name, value, lo):
  if value < lo:
    raise ValueError(f"--{name}={value}: expected an integer >= {lo}")
