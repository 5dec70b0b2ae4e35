"""The full configuration of one training run: every flag, defined once, and its validation.

Each `TrainConfig` field is a command-line flag of the same name; its
metadata (help, choices, bounds) is all the CLI needs to define the flag
(experiments/config_flags.py), so adding a flag is one edit here. Library
code only ever sees the config, never FLAGS, and every error names the flag
to fix. Importing this module does not import TensorFlow: registry names are
plain data (`gan_lab.config.registry`), so bad flags fail before any heavy import.
"""

import dataclasses
import json
import math

from gan_lab.config import registry
from gan_lab.data import datasets as data

DATASETS = tuple(data.SPECS) + ("ring",)
PRECISIONS = ("auto", "none", "mixed_float16", "mixed_bfloat16")
UPDATE_SCHEMES = ("alternating", "simultaneous")
STRATEGIES = ("default", "mirrored", "multi_worker")
_RING_SHAPE = (2,)


def _flag(default, help_text, *, choices=None, at_least=None, interval=None):
  """A config field that is also a flag.

  choices: allowed values, or a callable returning them (a registry's names).
  at_least: inclusive lower bound of an integer.
  interval: (lo, hi, brackets) for a float, brackets one of "[]", "[)", "(]", "()".
  """
  metadata = {"help": help_text, "choices": choices, "at_least": at_least, "interval": interval}
  return dataclasses.field(default=default, metadata=metadata)


def choices_of(field: dataclasses.Field) -> tuple | None:
  """The allowed values of a field, resolving a registry's current names."""
  choices = field.metadata.get("choices")
  return tuple(choices()) if callable(choices) else choices


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  """Everything that determines a run's result (plus where it is written)."""
  dataset: str = _flag("fashion_mnist", "Training data; ring is a 2-D toy set for --model=mlp.", choices=DATASETS)
  data_dir: str = _flag("", "Directory (or .npz) to read the data set from first.")
  max_examples: int = _flag(0, "Use only the first N training examples (0: all).", at_least=0)
  # The default run's architecture and recipe were chosen by time to quality on a float32 2-core CPU (README,
  # "Why the default run is what it is"); the studies pin their own (`gan_lab.study.design.STUDY_RECIPE`).
  model: str = _flag("dcgan_narrow", "Architecture.", choices=registry.MODELS.names)
  loss: str = _flag("non_saturating", "GAN loss family.", choices=registry.LOSSES.names)
  output_activation: str = _flag("tanh", "Generator output activation; it also sets the data range.",
                                 choices=registry.ACTIVATIONS.names)
  data_margin: float = _flag(
      0.0, "Fraction of a bounded activation's data range left free at its ends: pixels map onto the inner interval "
      "(0.05: tanh [-0.95, 0.95], sigmoid [0.025, 0.975]), so black and white need no infinite pre-activation. "
      "No effect on linear (unbounded). Samples map back the same way.", interval=(0, 1, "[)"))
  noise_dim: int = _flag(100, "Noise vector length.", at_least=1)
  batch_size: int = _flag(64, "Real examples per discriminator update (global: split across replicas).",
                          at_least=1)
  train_steps: int = _flag(5000, "Generator updates.", at_least=1)
  disc_steps: int = _flag(1, "Discriminator updates per generator update.", at_least=1)
  update_scheme: str = _flag(
      "alternating", "alternating: D update(s), then a G update against the updated D (on the same fakes); "
      "simultaneous: both from one forward pass, as TF's DCGAN tutorial (faster, needs disc_steps=1).",
      choices=UPDATE_SCHEMES)
  g_learning_rate: float = _flag(4e-4, "Generator Adam learning rate.", interval=(0, 1, "()"))
  d_learning_rate: float = _flag(4e-4, "Discriminator Adam learning rate.", interval=(0, 1, "()"))
  beta_1: float = _flag(0.0, "Adam beta_1 (both networks).", interval=(0, 1, "[)"))
  beta_2: float = _flag(0.999, "Adam beta_2 (both networks).", interval=(0, 1, "[)"))
  gp_weight: float = _flag(0.0, "WGAN-GP gradient penalty weight (0: off).", interval=(0, math.inf, "[)"))
  r1_gamma: float = _flag(0.0, "R1 penalty weight gamma: gamma/2 * E||grad_x D(x)||^2 on real x (Mescheder et al. "
                          "2018), with any loss; R3GAN pairs it with --loss=relativistic and --r2_gamma (0: off; "
                          "10 measured best of 0.1-100 for the relativistic DCGAN on Fashion-MNIST: README).",
                          interval=(0, math.inf, "[)"))
  r2_gamma: float = _flag(0.0, "R2 penalty weight gamma: the same zero-centred penalty on the generator's samples "
                          "(0: off).", interval=(0, math.inf, "[)"))
  label_smoothing: float = _flag(0.0, "One-sided label smoothing of real targets.", interval=(0, 0.5, "[)"))
  g_ema_decay: float = _flag(0.0, "Decay of an exponential moving average of the generator's weights that grids "
                             "and samples are drawn from (samples_raw.npz keeps the raw generator's); 0: off.",
                             interval=(0, 1, "[)"))
  seed: int = _flag(0, "Seed for weights, noise and data order.", at_least=0)
  output_dir: str = _flag("outputs/train", "Where the run's files go.")
  sample_every: int = _flag(500, "Save a grid every N steps.", at_least=1)
  log_every: int = _flag(100, "Log metrics every N steps.", at_least=1)
  checkpoint_every: int = _flag(1000, "Checkpoint every N steps.", at_least=1)
  num_samples: int = _flag(10000, "Samples saved in samples.npz at the end.", at_least=1)
  snapshot_every: int = _flag(0, "Save snapshot_samples samples as samples_step_NNNNNN.npz every N steps "
                              "(0: off); the sweep scores them for its quality-vs-step curves.", at_least=0)
  snapshot_samples: int = _flag(2000, "Samples per snapshot.", at_least=1)
  selection_samples: int = _flag(0, "Also save N samples as samples_selection.npz at the end, drawn from noise "
                                 "seeded apart from samples.npz's, so a tuned sweep selects a recipe on other "
                                 "samples than those it scores (0: none).", at_least=0)
  grid_size: int = _flag(8, "Grids are grid_size x grid_size samples.", at_least=1)
  jit_compile: bool = _flag(False, "Compile the train step with XLA.")
  steps_per_call: int = _flag(10, "Train steps per compiled call (fewer Python round trips; logging, grids and "
                              "checkpoints still happen at their exact steps, and results do not depend on it).",
                              at_least=1)
  mixed_precision: str = _flag(
      "auto", "Keras mixed-precision policy: auto is mixed_bfloat16 on a machine with bfloat16 units (a GPU of "
      "compute capability 8.0+, an avx512_bf16 or amx_bf16 CPU) and float32 (none) elsewhere, the resolved one "
      "going into flags.json; mixed_float16 (with loss scaling) needs a GPU; mixed_bfloat16 elsewhere is emulated, "
      "several times slower. Logits, losses and samples stay float32.", choices=PRECISIONS)
  strategy: str = _flag("default", "tf.distribute: default placement; mirrored over all local GPUs (or logical "
                        "CPUs); multi_worker from TF_CONFIG. --batch_size is global, split across replicas.",
                        choices=STRATEGIES)
  deterministic: bool = _flag(False, "tf.config.experimental.enable_op_determinism(): bitwise-reproducible runs "
                              "and resumes, at some speed cost.")
  plugins: str = _flag("", "Comma-separated Python modules imported first: they register custom models, losses "
                       "or output activations (gan_lab.gan.models.register, ...) under names the flags can use.")

  def to_json(self) -> str:
    return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

  def validate(self) -> None:
    """Raises ValueError naming the flag, the value and what was expected."""
    for field in dataclasses.fields(self):
      _check_field(field, getattr(self, field.name))
    self._check_combinations()

  def _check_combinations(self) -> None:
    registry.check_loss_settings(self.loss, self.label_smoothing, self.gp_weight)
    if self.update_scheme == "simultaneous" and self.disc_steps != 1:
      raise ValueError(f"--update_scheme=simultaneous updates both networks from one forward pass; "
                       f"it needs --disc_steps=1, got {self.disc_steps}")
    model = registry.MODELS.traits(self.model)
    if self.dataset == "ring" and not model["points"]:
      raise ValueError(f"--dataset=ring is 2-D points; --model={self.model} needs images, use --model=mlp")
    shape = _RING_SHAPE if self.dataset == "ring" else data.SPECS[self.dataset].shape
    if model["image_shape"] and tuple(model["image_shape"]) != shape:
      raise ValueError(f"--model={self.model} is defined for {'x'.join(map(str, model['image_shape']))} images; "
                       f"--dataset={self.dataset} is not")


def _check_field(field: dataclasses.Field, value) -> None:
  name, meta = field.name, field.metadata
  if not _has_type(value, field.type):
    raise ValueError(f"--{name}={value!r}: expected a value of type {field.type.__name__}")
  choices = choices_of(field)
  if choices is not None and value not in choices:
    raise ValueError(f"--{name}={value!r}: expected one of {', '.join(choices)}")
  if meta.get("at_least") is not None and not value >= meta["at_least"]:
    raise ValueError(f"--{name}={value}: expected an integer >= {meta['at_least']}")
  if meta.get("interval") is not None and not _inside(value, meta["interval"]):
    raise ValueError(f"--{name}={value}: expected a value in {describe_interval(meta['interval'])}")


def _has_type(value, kind) -> bool:
  """isinstance, except that a bool is no int or float and an int is a float."""
  if kind in (int, float) and isinstance(value, bool):
    return False
  return isinstance(value, (int, float) if kind is float else kind)


def _inside(value, interval) -> bool:
  """Whether `value` lies in the interval (False for NaN, which compares False with everything)."""
  lo, hi, brackets = interval
  above = value >= lo if brackets[0] == "[" else value > lo
  below = value <= hi if brackets[1] == "]" else value < hi
  return bool(above and below)


def describe_interval(interval) -> str:
  lo, hi, brackets = interval
  if hi == math.inf:
    return f"{brackets[0]}{lo}, inf)"
  return f"{brackets[0]}{lo}, {hi}{brackets[1]}"
