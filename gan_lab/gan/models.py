"""Generator and discriminator architectures, in a registry.

Corrected versions of the seeds' networks: the generator maps noise
`[batch, noise_dim]` to images `[batch, H, W, C]` (the seed reshaped the
noise itself to image shape), and the discriminator ends in a float32
`Dense(1)` that returns logits, never probabilities (the seed squashed with a
sigmoid and then used a from-logits loss).

Each generator has a layer named `pre_activation` just before the output
activation, so training can watch saturation without a second forward pass.
With `sync_batch_norm` (training sets it when a strategy has several
replicas), batch norm all-reduces its statistics: a mirrored DCGAN normalises
over the global batch, as a single device does, not over each replica's slice.
"""

import dataclasses
import math
from typing import Callable

import keras
from keras import layers

from gan_lab.config import registry
from gan_lab.gan.activations import OutputActivation

_LEAK = 0.2  # LeakyReLU slope in discriminators (DCGAN paper, Radford et al. 2015).


@dataclasses.dataclass
class GanModels:
  """The two networks of a GAN.

  Attributes:
    generator: noise [batch, noise_dim] -> samples in the activation's range.
    discriminator: samples -> float32 logits [batch, 1].
    generator_with_preactivation: the same generator (shared weights)
      returning (samples, pre-activation), for the train step's diagnostics;
      None for a generator built elsewhere (no diagnostics then).
  """
  generator: keras.Model
  discriminator: keras.Model
  generator_with_preactivation: keras.Model | None = None


def finish_generator(noise, pre_activation, activation: OutputActivation, name):
  """(generator, generator_with_preactivation) from the noise input and the pre-activation tensor.

  Every generator ends here, so training can read the pre-activation (for its
  saturation diagnostics) without a second forward pass.
  """
  pre = layers.Identity(name="pre_activation")(pre_activation)
  # dtype float32: samples stay float32 under a mixed-precision policy.
  out = layers.Activation(activation.fn, dtype="float32", name=f"output_{activation.name}")(pre)
  generator = keras.Model(noise, out, name=name)
  with_pre = keras.Model(noise, [out, pre], name=f"{name}_with_preactivation")
  return generator, with_pre


def logits(x):
  """The discriminator's last layer: Dense(1), float32 even under a mixed-precision policy, no sigmoid."""
  return layers.Dense(1, dtype="float32", name="logits")(x)


def build_mlp(data_shape, noise_dim, activation: OutputActivation, sync_batch_norm=False) -> GanModels:
  """The seeds' MLP GAN, corrected: 2 hidden layers of 128 units each side (no batch norm to sync)."""
  del sync_batch_norm
  size = math.prod(data_shape)
  noise = keras.Input((noise_dim,), name="noise")
  h = layers.Dense(128, activation="relu")(noise)
  h = layers.Dense(128, activation="relu")(h)
  h = layers.Dense(size)(h)
  h = layers.Reshape(data_shape)(h)
  generator, with_pre = finish_generator(noise, h, activation, "mlp_generator")

  x = keras.Input(data_shape, name="samples")
  h = layers.Flatten()(x)
  h = layers.Dense(128)(h)
  h = layers.LeakyReLU(_LEAK)(h)
  h = layers.Dense(128)(h)
  h = layers.LeakyReLU(_LEAK)(h)
  discriminator = keras.Model(x, logits(h), name="mlp_discriminator")
  return GanModels(generator, discriminator, with_pre)


def _upsampling_plan(height, width):
  """Number of stride-2 layers and the base size: halve while even and > 4.

  28x28 -> 2 doublings from 7x7; 32x32 -> 3 doublings from 4x4.
  """
  n, h, w = 0, height, width
  while h % 2 == 0 and w % 2 == 0 and min(h, w) > 4:
    n, h, w = n + 1, h // 2, w // 2
  if n == 0:
    raise ValueError(f"dcgan needs an even image size above 4, got {height}x{width}")
  return n, h, w


def build_dcgan(data_shape, noise_dim, activation: OutputActivation, sync_batch_norm=False,
                base_channels=64) -> GanModels:
  """DCGAN (Radford et al. 2015, arXiv:1511.06434) sized for 28x28 or 32x32.

  Generator: Dense to a (base x base x base_channels*2^(n-1)) map, batch norm + ReLU,
  then n stride-2 4x4 transposed convolutions halving the channels, the last
  one to the image's channels. Discriminator: n stride-2 4x4 convolutions
  doubling channels with LeakyReLU(0.2) and no batch norm (so the same
  critic works with the WGAN-GP per-example gradient penalty), then logits.
  """
  if len(data_shape) != 3:
    raise ValueError(f"dcgan needs images [H, W, C], got data shape {data_shape}")
  height, width, channels = data_shape
  n, base_h, base_w = _upsampling_plan(height, width)

  noise = keras.Input((noise_dim,), name="noise")
  top = base_channels * 2 ** (n - 1)  # Channels of the first feature map; halved by each upsampling.
  h = layers.Dense(base_h * base_w * top, use_bias=False)(noise)
  h = layers.Reshape((base_h, base_w, top))(h)
  h = layers.ReLU()(layers.BatchNormalization(synchronized=sync_batch_norm)(h))
  for i in range(n - 1):
    h = layers.Conv2DTranspose(top // 2 ** (i + 1), 4, strides=2, padding="same", use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization(synchronized=sync_batch_norm)(h))
  h = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(h)
  generator, with_pre = finish_generator(noise, h, activation, "dcgan_generator")

  x = keras.Input(data_shape, name="samples")
  h = x
  for i in range(n):
    h = layers.Conv2D(base_channels * 2 ** i, 4, strides=2, padding="same")(h)
    h = layers.LeakyReLU(_LEAK)(h)
  discriminator = keras.Model(x, logits(layers.Flatten()(h)), name="dcgan_discriminator")
  return GanModels(generator, discriminator, with_pre)


def build_tutorial_dcgan(data_shape, noise_dim, activation: OutputActivation, sync_batch_norm=False) -> GanModels:
  """The DCGAN of TensorFlow's official DCGAN tutorial, for 28x28x1 (the benchmark's reference).

  Generator: Dense 7x7x256 (no bias), BN, LeakyReLU; 5x5 transposed convs
  to 128 (stride 1), 64 (stride 2) and C (stride 2) channels, BN + LeakyReLU
  between. Discriminator: 5x5 stride-2 convs to 64 and 128 channels, each
  with LeakyReLU and Dropout(0.3), then logits.
  """
  if tuple(data_shape) != (28, 28, 1):
    raise ValueError(f"tutorial_dcgan is defined for 28x28x1 images, got {data_shape}")
  noise = keras.Input((noise_dim,), name="noise")
  h = layers.Dense(7 * 7 * 256, use_bias=False)(noise)
  h = layers.LeakyReLU()(layers.BatchNormalization(synchronized=sync_batch_norm)(h))
  h = layers.Reshape((7, 7, 256))(h)
  for filters, stride in ((128, 1), (64, 2)):
    h = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same", use_bias=False)(h)
    h = layers.LeakyReLU()(layers.BatchNormalization(synchronized=sync_batch_norm)(h))
  h = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False)(h)
  generator, with_pre = finish_generator(noise, h, activation, "tutorial_generator")

  x = keras.Input(data_shape, name="samples")
  h = x
  for filters in (64, 128):
    h = layers.Dropout(0.3)(layers.LeakyReLU()(layers.Conv2D(filters, 5, strides=2, padding="same")(h)))
  discriminator = keras.Model(x, logits(layers.Flatten()(h)), name="tutorial_discriminator")
  return GanModels(generator, discriminator, with_pre)


def build_dcgan_narrow(data_shape, noise_dim, activation: OutputActivation, sync_batch_norm=False) -> GanModels:
  """`build_dcgan` at half its width (32 base channels): the default run's architecture, for speed on CPUs.

  The middle convolutions (128 <-> 64 channels at 7x7 and 14x14) hold most of
  the DCGAN's multiply-adds and shrink fourfold; why it became the default
  (time to quality in float32): docs/speed.md.
  """
  return build_dcgan(data_shape, noise_dim, activation, sync_batch_norm, base_channels=32)


for _name, _builder in (("mlp", build_mlp), ("dcgan", build_dcgan), ("dcgan_narrow", build_dcgan_narrow),
                        ("tutorial_dcgan", build_tutorial_dcgan)):
  registry.MODELS.implement_builtin(_name, _builder)


def register(name: str, builder: Callable[..., GanModels], points: bool = False, image_shape=None) -> None:
  """Makes a researcher's generator/discriminator pair usable by name (`--model=NAME`).

  `builder(data_shape, noise_dim, activation, sync_batch_norm) -> GanModels`;
  end the generator with `finish_generator` and the discriminator with
  `logits`. points: it also builds for flat data such as the 2-D ring;
  image_shape: the only [H, W, C] it builds for (None: any image shape).
  """
  registry.MODELS.register(name, builder, points=points, image_shape=image_shape)


def build(name, data_shape, noise_dim, activation: OutputActivation, sync_batch_norm=False) -> GanModels:
  """Builds the registered architecture `name` for data of `data_shape`.

  `sync_batch_norm` all-reduces batch-norm statistics over replicas; only
  worth its all-reduces (and its one-pass variance) with several replicas.
  """
  return registry.MODELS.get(name)(tuple(data_shape), noise_dim, activation, sync_batch_norm)
