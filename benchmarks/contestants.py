"""The benchmark's contestants: baselines and gan_lab configurations, run in timed windows."""

import tempfile
import time

import numpy as np
import tensorflow as tf

from benchmarks import tutorial_baseline
from gan_lab import data, models, training
from gan_lab.activations import get as get_activation
from gan_lab.config import TrainConfig


def load_fashion_mnist(max_examples=0) -> np.ndarray:
  """The train split scaled to [-1, 1], as the tutorial does: (x - 127.5) / 127.5."""
  images = data.load("fashion_mnist", "train").images
  images = images[:max_examples] if max_examples else images
  return ((images.astype(np.float32) - 127.5) / 127.5)


class Contestant:
  """Something that trains: `start` builds and warms up, `timed_window` measures images/s."""
  name = ""
  baseline = ""  # Name of the contestant this one is compared with ("" for baselines).
  model = ""  # Architecture, for the FLOP count.
  precision = "float32"

  def __init__(self):
    self.rates, self.startup_seconds = [], 0.0

  def build(self):
    raise NotImplementedError

  def steps(self, n) -> int:
    """Runs n steps; returns the real images they consumed."""
    raise NotImplementedError

  def sync(self):
    """Blocks until queued device work is done (reading a weight does)."""
    raise NotImplementedError

  def start(self, warmup_steps):
    began = time.perf_counter()
    self.build()
    self.steps(1)
    self.sync()
    self.startup_seconds = time.perf_counter() - began
    if warmup_steps:
      self.steps(warmup_steps)
      self.sync()

  def timed_window(self, n):
    began = time.perf_counter()
    consumed = self.steps(n)
    self.sync()
    self.rates.append(consumed / (time.perf_counter() - began))


class Tutorial(Contestant):
  """The published tutorial loop over its dataset (its last batch per epoch is short)."""

  def __init__(self, name, images, batch_size, mlp=False):
    super().__init__()
    self.name, self.images, self.batch_size, self.mlp = name, images, batch_size, mlp
    self.model = "mlp" if mlp else "tutorial_dcgan"

  def build(self):
    tf.keras.utils.set_random_seed(0)
    g, d = ((tutorial_baseline.make_mlp_generator_model(), tutorial_baseline.make_mlp_discriminator_model())
            if self.mlp else
            (tutorial_baseline.make_generator_model(), tutorial_baseline.make_discriminator_model()))
    self.gan = tutorial_baseline.TutorialGan(g, d, self.images, self.batch_size)
    self.batches = self.gan.batches()

  def steps(self, n):
    consumed = 0
    for _ in range(n):
      batch = next(self.batches)
      self.gan.train_step(batch)
      consumed += int(batch.shape[0])
    return consumed

  def sync(self):
    self.gan.discriminator.trainable_variables[-1].numpy()


class GanLab(Contestant):
  """gan_lab's complete training loop (Trainer): logging, grids, diagnostics, checkpoints on."""

  def __init__(self, name, images, baseline, **config):
    super().__init__()
    self.name, self.images, self.baseline = name, images, baseline
    self.out = tempfile.mkdtemp(prefix="gan_lab_bench_")
    self.config = TrainConfig(output_dir=self.out, train_steps=10**9, **config)
    self.model, self.precision = self.config.model, self.config.mixed_precision.replace("mixed_", "")
    if self.precision == "none":
      self.precision = "float32"

  def build(self):
    self.trainer = training.Trainer(self.config, self.images, log=lambda *_: None)

  def steps(self, n):
    self.trainer.advance(n)
    return n * self.config.batch_size * self.config.disc_steps

  def sync(self):
    self.trainer.run.models.discriminator.trainable_variables[-1].numpy()


def _gan_lab(name, images, batch_size, baseline, **config):
  return GanLab(name, images, baseline, batch_size=batch_size, **config)


# Adam(1e-4) with default betas and simultaneous updates, as the tutorial; the rest are gan_lab's defaults.
_TUTORIAL_OPTIMIZER = dict(g_learning_rate=1e-4, d_learning_rate=1e-4, beta_1=0.9, beta_2=0.999,
                           update_scheme="simultaneous")
_FACTORIES = {
    "tutorial": lambda x, b: Tutorial("tutorial", x, b),
    "gan_lab_tutorial": lambda x, b: _gan_lab("gan_lab_tutorial", x, b, "tutorial", model="tutorial_dcgan",
                                              **_TUTORIAL_OPTIMIZER),
    "gan_lab_tutorial_bf16": lambda x, b: _gan_lab("gan_lab_tutorial_bf16", x, b, "tutorial", model="tutorial_dcgan",
                                                   mixed_precision="mixed_bfloat16", **_TUTORIAL_OPTIMIZER),
    "gan_lab_tutorial_xla": lambda x, b: _gan_lab("gan_lab_tutorial_xla", x, b, "tutorial", model="tutorial_dcgan",
                                                  jit_compile=True, **_TUTORIAL_OPTIMIZER),
    "gan_lab_tutorial_bf16_xla": lambda x, b: _gan_lab("gan_lab_tutorial_bf16_xla", x, b, "tutorial",
                                                       model="tutorial_dcgan", mixed_precision="mixed_bfloat16",
                                                       jit_compile=True, **_TUTORIAL_OPTIMIZER),
    "gan_lab_tutorial_alternating": lambda x, b: _gan_lab("gan_lab_tutorial_alternating", x, b, "tutorial",
                                                          model="tutorial_dcgan",
                                                          **{**_TUTORIAL_OPTIMIZER, "update_scheme": "alternating"}),
    "gan_lab_dcgan": lambda x, b: _gan_lab("gan_lab_dcgan", x, b, "tutorial", model="dcgan"),
    "gan_lab_dcgan_bf16": lambda x, b: _gan_lab("gan_lab_dcgan_bf16", x, b, "tutorial", model="dcgan",
                                                mixed_precision="mixed_bfloat16"),
    "tutorial_mlp": lambda x, b: Tutorial("tutorial_mlp", x, b, mlp=True),
    "gan_lab_mlp": lambda x, b: _gan_lab("gan_lab_mlp", x, b, "tutorial_mlp", model="mlp"),
}
NAMES = tuple(_FACTORIES)


def make(name, images, batch_size) -> Contestant:
  return _FACTORIES[name](images, batch_size)


def forward_flops(model: tf.keras.Model) -> int:
  """Multiply-adds x 2 of a model's Dense, Conv2D and Conv2DTranspose layers, per example."""
  total = 0
  for layer in model.layers:
    kind = type(layer).__name__
    if kind == "Dense":
      total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    elif kind in ("Conv2D", "Conv2DTranspose"):
      kh, kw, a, b = layer.kernel.shape  # Conv2D: (.., in, out); Conv2DTranspose: (.., out, in).
      spatial = layer.output.shape if kind == "Conv2D" else layer.input.shape
      total += 2 * spatial[1] * spatial[2] * kh * kw * a * b
  return total


def train_flops_per_image(model_name: str) -> int:
  """Approximate FLOPs per real image of one D + one G update.

  Counting a backward pass as twice its forward pass: the D update costs
  G_f (fakes, no gradient) + 2 x 3 D_f (real and fake batches); the G update
  3 G_f + D_f + D_f (D's forward, and its backward to the input only).
  Total 4 G_f + 8 D_f.
  """
  gan = models.build(model_name, (28, 28, 1), 100, get_activation("tanh"))
  return 4 * forward_flops(gan.generator) + 8 * forward_flops(gan.discriminator)
