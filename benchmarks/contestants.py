"""The benchmark's contestants: baselines and gan_lab configurations, run in timed windows."""

import tempfile
import time

import numpy as np
import tensorflow as tf

from benchmarks import tutorial_baseline
from gan_lab.config.train_config import TrainConfig
from gan_lab.data import datasets as data
from gan_lab.gan import models
from gan_lab.gan.activations import get as get_activation
from gan_lab.run import training


def load_fashion_mnist(max_examples=0) -> np.ndarray:
  """The train split scaled to [-1, 1], the range of both contestants' tanh outputs."""
  images = data.load("fashion_mnist", "train").images
  return get_activation("tanh").pixels_to_data(images[:max_examples] if max_examples else images)


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
    # float32 unless the contestant names its precision: the default `auto` would differ by machine.
    self.config = TrainConfig(output_dir=self.out, train_steps=10**9, **{"mixed_precision": "none", **config})
    self.model, self.precision = self.config.model, self.config.mixed_precision.replace("mixed_", "")
    if self.precision == "none":
      self.precision = "float32"

  def build(self):
    self.trainer = training.Trainer(self.config, self.images, log=lambda *_: None)

  def steps(self, n):
    self.trainer.advance(n)
    return n * self.config.batch_size * self.config.disc_steps

  def sync(self):
    self.trainer.models.discriminator.trainable_variables[-1].numpy()


def step_matmul_shapes(g_kernels, d_kernels, batch_size):
  """(rows, inner, cols) of every matmul one simultaneous D + G update of an MLP GAN cannot avoid.

  With kernels (fan_in, fan_out): G forward on the batch, D forward on the
  real and the fake batch; D's weight gradients on both and its input
  gradients (the first layer's for the fakes only, which G's gradient
  needs); G's weight gradients and its input gradients below the first
  layer. Nothing else of a step (activations, losses, Adam, input) is counted.
  """
  b, b2 = batch_size, 2 * batch_size
  shapes = [(b, i, o) for i, o in g_kernels] + [(b2, i, o) for i, o in d_kernels]
  shapes += [(i, b2, o) for i, o in d_kernels] + [(b, o, i) for i, o in d_kernels[:1]]
  shapes += [(b2, o, i) for i, o in d_kernels[1:]]
  shapes += [(i, b, o) for i, o in g_kernels] + [(b, o, i) for i, o in g_kernels[1:]]
  return shapes


class MatmulFloor(Contestant):
  """Only the matmuls of the MLP tutorial's step, back to back: a bound on any MLP step's speed.

  Its images/s over the plain step's is the most any implementation of that
  step could gain at this precision on this machine, even with every other
  op of the step costing nothing.
  """
  model, baseline = "mlp", "tutorial_mlp"

  def __init__(self, name, batch_size, precision):
    super().__init__()
    self.name, self.batch_size, self.precision = name, batch_size, precision

  def build(self):
    kernels = [[tuple(l.kernel.shape) for l in m.layers if type(l).__name__ == "Dense"]
               for m in (tutorial_baseline.make_mlp_generator_model(), tutorial_baseline.make_mlp_discriminator_model())]
    dtype = tf.as_dtype(self.precision)
    pairs = [(tf.cast(tf.random.normal((m, k)), dtype), tf.cast(tf.random.normal((k, n)), dtype))
             for m, k, n in step_matmul_shapes(*kernels, self.batch_size)]
    # Summing one element of each product keeps every matmul live without adding real work.
    self.step = tf.function(lambda: tf.add_n([tf.cast(tf.matmul(a, b)[0, 0], tf.float32) for a, b in pairs]))
    self.last = None

  def steps(self, n):
    for _ in range(n):
      self.last = self.step()
    return n * self.batch_size

  def sync(self):
    self.last.numpy()


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
    "gan_lab_mlp_bf16": lambda x, b: _gan_lab("gan_lab_mlp_bf16", x, b, "tutorial_mlp", model="mlp",
                                              mixed_precision="mixed_bfloat16"),
    "mlp_matmul_floor": lambda x, b: MatmulFloor("mlp_matmul_floor", b, "float32"),
    "mlp_matmul_floor_bf16": lambda x, b: MatmulFloor("mlp_matmul_floor_bf16", b, "bfloat16"),
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
  """FLOPs per real image that one D + one G update needs, as the tutorial's step does them.

  A backward pass costs twice its forward pass (input and weight
  gradients): G forward once and backward once (3 G_f); D forward and
  backward on a real and a fake image (6 D_f). Total 3 G_f + 6 D_f. It
  includes two input gradients no update needs (D's first layer on the real
  image, G's first layer): under 2% for the DCGANs, 10% for the MLP. An
  alternating step's second D forward on the fakes is not counted: the
  figure is the work a step needs, not what a scheme spends.
  """
  gan = models.build(model_name, (28, 28, 1), 100, get_activation("tanh"))
  return 3 * forward_flops(gan.generator) + 6 * forward_flops(gan.discriminator)
