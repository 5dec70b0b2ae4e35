"""TensorFlow's official DCGAN tutorial (tensorflow.org/tutorials/generative/dcgan), as published.

The benchmark's baseline: same architecture, BinaryCrossentropy(from_logits=True),
Adam(1e-4) for both networks, a plain @tf.function step with two tapes, and
`from_tensor_slices(x).shuffle(60000).batch(256)`. Also a plain version of the
seeds' MLP GAN with the same kind of step, as the MLP's baseline.
"""

import tensorflow as tf
from tensorflow.keras import layers

NOISE_DIM = 100
BUFFER_SIZE = 60000


def make_generator_model():
  model = tf.keras.Sequential()
  model.add(layers.Input((NOISE_DIM,)))
  model.add(layers.Dense(7 * 7 * 256, use_bias=False))
  model.add(layers.BatchNormalization())
  model.add(layers.LeakyReLU())
  model.add(layers.Reshape((7, 7, 256)))
  model.add(layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False))
  model.add(layers.BatchNormalization())
  model.add(layers.LeakyReLU())
  model.add(layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False))
  model.add(layers.BatchNormalization())
  model.add(layers.LeakyReLU())
  model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False, activation="tanh"))
  return model


def make_discriminator_model():
  model = tf.keras.Sequential()
  model.add(layers.Input((28, 28, 1)))
  model.add(layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"))
  model.add(layers.LeakyReLU())
  model.add(layers.Dropout(0.3))
  model.add(layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"))
  model.add(layers.LeakyReLU())
  model.add(layers.Dropout(0.3))
  model.add(layers.Flatten())
  model.add(layers.Dense(1))
  return model


def make_mlp_generator_model():
  return tf.keras.Sequential([layers.Input((NOISE_DIM,)), layers.Dense(128, activation="relu"),
                              layers.Dense(128, activation="relu"), layers.Dense(784, activation="tanh"),
                              layers.Reshape((28, 28, 1))])


def make_mlp_discriminator_model():
  return tf.keras.Sequential([layers.Input((28, 28, 1)), layers.Flatten(), layers.Dense(128),
                              layers.LeakyReLU(0.2), layers.Dense(128), layers.LeakyReLU(0.2), layers.Dense(1)])


class TutorialGan:
  """The tutorial's models, optimizers, losses and train step."""

  def __init__(self, generator, discriminator, images, batch_size):
    self.generator, self.discriminator = generator, discriminator
    self.cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    self.generator_optimizer = tf.keras.optimizers.Adam(1e-4)
    self.discriminator_optimizer = tf.keras.optimizers.Adam(1e-4)
    self.batch_size = batch_size
    self.dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(BUFFER_SIZE).batch(batch_size)
    self.train_step = tf.function(self._train_step)

  def discriminator_loss(self, real_output, fake_output):
    real_loss = self.cross_entropy(tf.ones_like(real_output), real_output)
    fake_loss = self.cross_entropy(tf.zeros_like(fake_output), fake_output)
    return real_loss + fake_loss

  def generator_loss(self, fake_output):
    return self.cross_entropy(tf.ones_like(fake_output), fake_output)

  def _train_step(self, images):
    noise = tf.random.normal([self.batch_size, NOISE_DIM])
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
      generated_images = self.generator(noise, training=True)
      real_output = self.discriminator(images, training=True)
      fake_output = self.discriminator(generated_images, training=True)
      gen_loss = self.generator_loss(fake_output)
      disc_loss = self.discriminator_loss(real_output, fake_output)
    gradients_of_generator = gen_tape.gradient(gen_loss, self.generator.trainable_variables)
    gradients_of_discriminator = disc_tape.gradient(disc_loss, self.discriminator.trainable_variables)
    self.generator_optimizer.apply_gradients(zip(gradients_of_generator, self.generator.trainable_variables))
    self.discriminator_optimizer.apply_gradients(
        zip(gradients_of_discriminator, self.discriminator.trainable_variables))
    return gen_loss, disc_loss

  def batches(self):
    """The tutorial's epoch loop, endless: `for image_batch in dataset: train_step(image_batch)`."""
    while True:
      yield from self.dataset
