"""Seeds 001's and 004's GANs in Keras, written as the articles write them, changed only where they cannot run.

For the doctor's tests: it must name exactly these seeds' mistakes. What was
changed to make them run is said beside it; every mistake is left in.
"""

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers  # pylint: disable=import-error

BATCH, NOISE_DIM, IMAGE = 64, 100, 784


def seed_001(pixels):
  """001: Sequential MLPs ending in sigmoid, BinaryCrossentropy(from_logits=True), noise * 0.1 + 0.9, raw data.

  Made to run: the generator's first layer takes the noise's length (the
  seed passes the image shape there), its output is the image's size (the
  seed's is the noise's), and the noise is not `.reshape`d to image shape
  (tensors have no such method) but passed through the same `* 0.1 + 0.9`
  in the model's first layer, as the seed's train step applies it.
  """
  generator = tf.keras.Sequential([
      layers.Input((NOISE_DIM,)),
      layers.Rescaling(0.1, offset=0.9),  # The seed's `noise = noise * 0.1 + 0.9`, in its train step.
      layers.Dense(128, activation="relu"),
      layers.Dense(128, activation="relu"),
      layers.Dense(IMAGE, activation="sigmoid")])
  discriminator = tf.keras.Sequential([
      layers.Input((IMAGE,)),
      layers.Dense(128, activation="relu"),
      layers.Dense(128, activation="relu"),
      layers.Dense(1, activation="sigmoid")])
  cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)

  def train_step(generator_model, discriminator_model, images, noise):
    """The seed's simultaneous step (both tapes on one forward pass)."""
    generator_optimizer, discriminator_optimizer = _adam(generator_model), _adam(discriminator_model)
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
      generated_images = generator_model(noise, training=True)
      real_output = discriminator_model(images, training=True)
      generated_output = discriminator_model(generated_images, training=True)
      gen_loss = cross_entropy(tf.ones_like(generated_output), generated_output)
      disc_loss = (cross_entropy(tf.ones_like(real_output), real_output)
                   + cross_entropy(tf.zeros_like(generated_output), generated_output))
    gradients_of_gen = gen_tape.gradient(gen_loss, generator_model.trainable_variables)
    gradients_of_disc = disc_tape.gradient(disc_loss, discriminator_model.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients_of_gen, generator_model.trainable_variables))
    discriminator_optimizer.apply_gradients(zip(gradients_of_disc, discriminator_model.trainable_variables))

  real = pixels.reshape(len(pixels), IMAGE).astype(np.float32)  # Never scaled: [0, 255] for a sigmoid output.
  noise = np.random.default_rng(1).standard_normal((BATCH, NOISE_DIM)).astype(np.float32)
  return dict(generator=generator, discriminator=discriminator, loss=cross_entropy, real_batch=real[:BATCH],
              noise=noise, train_step=train_step)


def seed_004():
  """004: MLPs ending in sigmoid, `sigmoid_cross_entropy_with_logits`, fakes labelled ones, G's labels zeros.

  Made to run: Keras layers in place of `tf.layers` under `variable_scope`,
  and each step's gradients taken for and applied to the network's own
  weights (the seed's `theta_g` / `theta_d` are not connected to the
  networks, so TensorFlow gives no gradients for them). The blocks keep
  their order and losses: the first updates D with loss_D, the second G with
  loss_G; the real labels are the seed's random 0/1 `y`, its data `X` random
  in [0, 1).
  """
  def mlp(outputs):
    return tf.keras.Sequential([layers.Dense(128, activation=tf.nn.leaky_relu),
                                layers.Dense(128, activation=tf.nn.leaky_relu),
                                layers.Dense(outputs, activation=tf.nn.sigmoid)])
  generator, discriminator = mlp(IMAGE), mlp(1)
  generator.build((None, 128))
  discriminator.build((None, IMAGE))
  rng = np.random.default_rng(4)
  X = rng.random((100, IMAGE)).astype(np.float32)  # pylint: disable=invalid-name  (the seed's names)
  y = rng.integers(0, 2, (100, 1)).astype(np.float32)
  z = rng.standard_normal((100, 128)).astype(np.float32)

  def train_step(generator_model, discriminator_model, real, noise):
    optimizer = tf.keras.optimizers.Adam()
    with tf.GradientTape() as tape:  # "train the generator": updates D.
      D_real = discriminator_model(real)  # pylint: disable=invalid-name
      D_fake = discriminator_model(generator_model(noise))  # pylint: disable=invalid-name
      loss_D = (tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=D_real))
                + tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(y), logits=D_fake)))
    gradients_D = tape.gradient(loss_D, discriminator_model.trainable_variables)
    optimizer.apply_gradients(zip(gradients_D, discriminator_model.trainable_variables))
    optimizer = tf.keras.optimizers.Adam()
    with tf.GradientTape() as tape:  # "train the discriminator": updates G.
      D_fake = discriminator_model(generator_model(noise))  # pylint: disable=invalid-name
      loss_G = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(y), logits=D_fake))
    gradients_G = tape.gradient(loss_G, generator_model.trainable_variables)
    optimizer.apply_gradients(zip(gradients_G, generator_model.trainable_variables))

  # The seed's loss is `sigmoid_cross_entropy_with_logits`: a from-logits binary cross-entropy.
  return dict(generator=generator, discriminator=discriminator,
              loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), real_batch=X, noise=z, train_step=train_step)


def _adam(model):
  """The seed's Adam(1e-4) per network, built for its variables."""
  optimizer = tf.keras.optimizers.Adam(1e-4)
  optimizer.build(model.trainable_variables)
  return optimizer
