"""The seed articles' defects, put back one at a time, for experiments/seed_defects.py only.

A `--plugins` module (gan_lab's public extension point): importing it
registers each defect under a `defect_*` name of the registry it belongs to
(a loss, a model or an output activation), so a run with the defect is an
ordinary `experiments/train.py` run that differs from the corrected one in
that single name. gan_lab itself never imports this module.
"""

import keras
import tensorflow as tf

from gan_lab.evaluation import evaluator
from gan_lab.gan import activations, losses, models


def double_sigmoid_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """001, 004: D ends in a sigmoid, then a from-logits cross-entropy squashes again.

  The loss sees p = sigmoid(sigmoid(logit)), confined to (0.5, 0.73): D can
  never call a sample fake, and d p / d logit is at most a quarter of the
  corrected loss's.
  """
  return losses.minimax_discriminator_loss(tf.sigmoid(real_logits), tf.sigmoid(fake_logits), label_smoothing)


def double_sigmoid_generator_loss(real_logits, fake_logits):
  """The non-saturating G loss on D's sigmoid output taken as a logit (001, 004)."""
  return losses.non_saturating_generator_loss(tf.sigmoid(real_logits), tf.sigmoid(fake_logits))


def fakes_labelled_real_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """004: D's targets for the fakes are ones: -mean(log D(x)) - mean(log D(G(z))).

  D is taught that everything is real, so it stops being a critic of G.
  """
  del label_smoothing  # Registered without it: the config refuses --label_smoothing for this loss.
  real_logits, fake_logits = tf.cast(real_logits, tf.float32), tf.cast(fake_logits, tf.float32)
  return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(-fake_logits))


def swapped_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """004: D steps with G's objective, -mean(log D(G(z))): it learns to call the fakes real."""
  del label_smoothing
  return losses.non_saturating_generator_loss(real_logits, fake_logits)


def swapped_generator_loss(real_logits, fake_logits):
  """004: G steps with D's objective; its part of L_D is -mean(log(1 - D(G(z)))): G makes its fakes look fake."""
  del real_logits
  return tf.reduce_mean(tf.nn.softplus(tf.cast(fake_logits, tf.float32)))


def build_mlp_shifted_noise(data_shape, noise_dim, activation, sync_batch_norm=False):
  """001: the seeds' MLP fed noise * 0.1 + 0.9, i.e. N(0.9, 0.1^2) in place of N(0, 1)."""
  plain = models.build_mlp(data_shape, noise_dim, activation, sync_batch_norm)
  noise = keras.Input((noise_dim,), name="noise")
  shifted = keras.layers.Rescaling(0.1, offset=0.9, name="seed_001_noise_shift")(noise)
  return models.GanModels(keras.Model(noise, plain.generator(shifted), name="mlp_shifted_noise_generator"),
                          plain.discriminator,
                          keras.Model(noise, plain.generator_with_preactivation(shifted),
                                      name="mlp_shifted_noise_generator_with_preactivation"))


def classifier_with_sigmoid_on_logits(shape, num_classes=10) -> keras.Model:
  """000: the evaluator's classifier with `nn.Sigmoid()` after its logits, trained with the same
  from-logits cross-entropy: softmax over sigmoids in (0, 1) can put at most e / (e + 9) = 0.23 on a class."""
  base = evaluator.build_classifier(shape, num_classes)
  # tf.math.sigmoid, not Keras's "sigmoid": Keras tags its own sigmoid's output with the logits, and a
  # from-logits loss then silently uses those, undoing the defect (PyTorch, the seed's framework, does not).
  return keras.Model(base.input, keras.layers.Activation(tf.math.sigmoid, name="seed_000_sigmoid")(base.output),
                     name="evaluator_with_sigmoid")


SIGMOID = activations.get("sigmoid")
DATA_IN_PLUS_MINUS_ONE = activations.OutputActivation(
    "defect_sigmoid_data_pm1", SIGMOID.fn, SIGMOID.output_range, (-1.0, 1.0), SIGMOID.saturation_threshold)
DATA_IN_PIXELS = activations.OutputActivation(
    "defect_sigmoid_data_0_255", SIGMOID.fn, SIGMOID.output_range, (0.0, 255.0), SIGMOID.saturation_threshold)

DOUBLE_SIGMOID = losses.GanLoss("defect_double_sigmoid", double_sigmoid_discriminator_loss,
                                double_sigmoid_generator_loss)
FAKES_LABELLED_REAL = losses.GanLoss("defect_fakes_labelled_real", fakes_labelled_real_discriminator_loss,
                                     losses.non_saturating_generator_loss)
SWAPPED_UPDATES = losses.GanLoss("defect_swapped_updates", swapped_discriminator_loss, swapped_generator_loss)

for _loss in (DOUBLE_SIGMOID, FAKES_LABELLED_REAL, SWAPPED_UPDATES):
  losses.register(_loss)
models.register("defect_mlp_shifted_noise", build_mlp_shifted_noise)
for _activation in (DATA_IN_PLUS_MINUS_ONE, DATA_IN_PIXELS):
  activations.register(_activation)
