"""GANs written the way Keras users write them, apart from gan_lab's code: what the doctor is measured and tested on.

Five styles, each correct or with its fakes labelled real (D's target for
G(z) is 1): an MLP and a conv GAN with a GradientTape step (keras-io's
DCGAN example's shape: D steps, then G on fresh fakes, Adam 2e-4 / 0.5),
the conv GAN with the TensorFlow DCGAN tutorial's step (both tapes on one
forward pass, Adam 1e-4: its D moves slowest), a subclassed MLP GAN with
that step, and the classic recipe (D compiled with a sigmoid
and "binary_crossentropy", frozen inside a compiled combined model,
`train_on_batch` with label arrays). `doctor_inputs()` is the correct MLP,
so `gan-lab doctor --module=experiments.user_gans` runs as is.
"""

import keras
import numpy as np
import tensorflow as tf

from gan_lab.data import datasets

STYLES = ("mlp_tape", "conv_tape", "conv_tutorial", "subclassed_mlp", "classic")
NOISE_DIM, BATCH = 64, 64


def real_batch(seed: int) -> np.ndarray:
  """64 Fashion-MNIST training images scaled to tanh's [-1, 1], as a user scales them (x / 127.5 - 1)."""
  images = datasets.load("fashion_mnist", "train").images
  rows = np.random.default_rng(seed).choice(len(images), BATCH, replace=False)
  return images[rows].astype(np.float32) / 127.5 - 1.0


def _mlp_generator():
  return keras.Sequential([keras.Input((NOISE_DIM,)), keras.layers.Dense(256), keras.layers.LeakyReLU(0.2),
                           keras.layers.Dense(28 * 28, activation="tanh"), keras.layers.Reshape((28, 28, 1))])


def _mlp_discriminator(activation=None):
  return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(256),
                           keras.layers.LeakyReLU(0.2), keras.layers.Dense(1, activation=activation)])


def _conv_generator():
  z = keras.Input((NOISE_DIM,))
  x = keras.layers.Reshape((7, 7, 64))(keras.layers.LeakyReLU(0.2)(keras.layers.Dense(7 * 7 * 64)(z)))
  x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same")(x))
  x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2DTranspose(32, 4, strides=2, padding="same")(x))
  return keras.Model(z, keras.layers.Conv2D(1, 5, padding="same", activation="tanh")(x), name="generator")


def _conv_discriminator():
  return keras.Sequential([keras.Input((28, 28, 1)),
                           keras.layers.Conv2D(32, 4, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
                           keras.layers.Conv2D(64, 4, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
                           keras.layers.Flatten(), keras.layers.Dropout(0.2), keras.layers.Dense(1)],
                          name="discriminator")


class SubclassedGenerator(keras.Model):
  def __init__(self):
    super().__init__()
    self.hidden = keras.layers.Dense(256, activation="relu")
    self.pixels = keras.layers.Dense(28 * 28, activation="tanh")

  def call(self, z, training=False):
    return tf.reshape(self.pixels(self.hidden(z)), (-1, 28, 28, 1))


class SubclassedDiscriminator(keras.Model):
  def __init__(self):
    super().__init__()
    self.hidden = keras.layers.Dense(256)
    self.logit = keras.layers.Dense(1)

  def call(self, x, training=False):
    return self.logit(tf.nn.leaky_relu(self.hidden(tf.reshape(x, (-1, 28 * 28))), 0.2))


def _tape_step(mislabelled: bool):
  """keras-io's DCGAN step: D on real and fresh fakes, then G on new fakes; D's fake target 1 when mislabelled."""
  bce = keras.losses.BinaryCrossentropy(from_logits=True)
  d_opt, g_opt = keras.optimizers.Adam(2e-4, 0.5), keras.optimizers.Adam(2e-4, 0.5)

  def train_step(generator, discriminator, real, noise):
    fake = generator(noise, training=True)
    with tf.GradientTape() as tape:
      real_out, fake_out = discriminator(real, training=True), discriminator(fake, training=True)
      fake_target = tf.ones_like(fake_out) if mislabelled else tf.zeros_like(fake_out)
      d_loss = bce(tf.ones_like(real_out), real_out) + bce(fake_target, fake_out)
    d_opt.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_variables),
                              discriminator.trainable_variables))
    with tf.GradientTape() as tape:
      fake_out = discriminator(generator(noise, training=True), training=True)
      g_loss = bce(tf.ones_like(fake_out), fake_out)
    g_opt.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
  return train_step, bce


def _joint_tape_step(mislabelled: bool):
  """The TensorFlow tutorial's step: both tapes on one forward pass."""
  bce = keras.losses.BinaryCrossentropy(from_logits=True)
  d_opt, g_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

  def train_step(generator, discriminator, real, noise):
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
      fake = generator(noise, training=True)
      real_out, fake_out = discriminator(real, training=True), discriminator(fake, training=True)
      fake_target = tf.ones_like(fake_out) if mislabelled else tf.zeros_like(fake_out)
      d_loss = bce(tf.ones_like(real_out), real_out) + bce(fake_target, fake_out)
      g_loss = bce(tf.ones_like(fake_out), fake_out)
    d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                              discriminator.trainable_variables))
    g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
  return train_step, bce


def _classic_step(mislabelled: bool):
  """The classic recipe: D compiled alone, then frozen inside a compiled combined model; label arrays."""
  combined_of = {}

  def compiled(generator, discriminator):
    key = (id(generator), id(discriminator))
    if key not in combined_of:  # Built once per pair of networks, as a script builds it once before its loop.
      discriminator.trainable = True
      discriminator.compile(optimizer=keras.optimizers.Adam(2e-4, 0.5), loss="binary_crossentropy")
      discriminator.trainable = False
      combined = keras.Model(generator.inputs, discriminator(generator.outputs[0]))
      combined.compile(optimizer=keras.optimizers.Adam(2e-4, 0.5), loss="binary_crossentropy")
      combined_of[key] = combined
    return combined_of[key]

  def train_step(generator, discriminator, real, noise):
    combined = compiled(generator, discriminator)
    fake = generator.predict(noise, verbose=0)
    ones, zeros = np.ones((len(real), 1), np.float32), np.zeros((len(fake), 1), np.float32)
    discriminator.trainable = True
    discriminator.train_on_batch(real, ones)
    discriminator.train_on_batch(fake, ones if mislabelled else zeros)
    discriminator.trainable = False
    combined.train_on_batch(noise, np.ones((len(noise), 1), np.float32))
  return train_step, "binary_crossentropy"


def build(style: str, mislabelled: bool = False, seed: int = 0) -> dict:
  """`gan_lab.doctor.check`'s arguments for one user GAN: fresh networks (Keras seeded), a real batch, noise."""
  keras.utils.set_random_seed(seed)
  if style == "mlp_tape":
    generator, discriminator, (step, loss) = _mlp_generator(), _mlp_discriminator(), _tape_step(mislabelled)
  elif style == "conv_tape":
    generator, discriminator, (step, loss) = _conv_generator(), _conv_discriminator(), _tape_step(mislabelled)
  elif style == "conv_tutorial":
    generator, discriminator = _conv_generator(), _conv_discriminator()
    step, loss = _joint_tape_step(mislabelled)
  elif style == "subclassed_mlp":
    generator, discriminator = SubclassedGenerator(), SubclassedDiscriminator()
    step, loss = _joint_tape_step(mislabelled)
  elif style == "classic":
    generator, discriminator = _mlp_generator(), _mlp_discriminator("sigmoid")
    step, loss = _classic_step(mislabelled)
  else:
    raise ValueError(f"style={style!r}: expected one of {', '.join(STYLES)}")
  noise = np.random.default_rng(seed).standard_normal((BATCH, NOISE_DIM)).astype(np.float32)
  return dict(generator=generator, discriminator=discriminator, loss=loss, real_batch=real_batch(seed), noise=noise,
              train_step=step)


def doctor_inputs() -> dict:
  return build("mlp_tape")
