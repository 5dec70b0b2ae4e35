"""Each deliberate seed defect differs from the corrected piece in exactly the one place it claims."""


import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import activations, losses, models

REAL = np.array([[2.0], [-0.5], [0.3], [4.0]], np.float32)
FAKE = np.array([[-3.0], [0.1], [1.5], [-0.2]], np.float32)


def _softplus(x):
  return np.logaddexp(0.0, np.asarray(x, np.float64))


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def test_every_defect_is_registered_under_a_defect_name(defects):
  assert registry.LOSSES.get("defect_double_sigmoid") is defects.DOUBLE_SIGMOID
  assert registry.LOSSES.get("defect_fakes_labelled_real") is defects.FAKES_LABELLED_REAL
  assert registry.LOSSES.get("defect_swapped_updates") is defects.SWAPPED_UPDATES
  assert registry.MODELS.get("defect_mlp_shifted_noise") is defects.build_mlp_shifted_noise
  assert registry.ACTIVATIONS.get("defect_sigmoid_data_pm1") is defects.DATA_IN_PLUS_MINUS_ONE


def test_double_sigmoid_is_the_corrected_loss_on_sigmoid_outputs(defects):
  d = defects.double_sigmoid_discriminator_loss(REAL, FAKE)
  expected = np.mean(_softplus(-_sigmoid(REAL))) + np.mean(_softplus(_sigmoid(FAKE)))
  assert float(d) == pytest.approx(expected, rel=1e-6)
  assert float(d) == pytest.approx(float(losses.minimax_discriminator_loss(tf.sigmoid(REAL), tf.sigmoid(FAKE))))
  assert float(defects.double_sigmoid_generator_loss(REAL, FAKE)) == pytest.approx(np.mean(_softplus(-_sigmoid(FAKE))),
                                                                             rel=1e-6)
  # What D can express: the loss's probability sigmoid(sigmoid(x)) never leaves (0.5, 0.73).
  p = _sigmoid(_sigmoid(np.linspace(-30, 30, 101)))
  assert p.min() >= 0.5 and p.max() <= _sigmoid(1.0) and _sigmoid(1.0) < 0.7311


def test_fakes_labelled_real_changes_only_the_fake_target(defects):
  d = defects.fakes_labelled_real_discriminator_loss(REAL, FAKE)
  assert float(d) == pytest.approx(np.mean(_softplus(-REAL)) + np.mean(_softplus(-FAKE)), rel=1e-6)
  corrected_real_term = float(losses.minimax_discriminator_loss(REAL, np.full_like(FAKE, -60.0)))
  assert float(d) - np.mean(_softplus(-FAKE)) == pytest.approx(corrected_real_term, rel=1e-6)
  assert defects.FAKES_LABELLED_REAL.generator_loss is losses.non_saturating_generator_loss


def test_swapped_updates_give_each_network_the_other_s_objective(defects):
  d = defects.swapped_discriminator_loss(REAL, FAKE)
  assert float(d) == pytest.approx(float(losses.non_saturating_generator_loss(REAL, FAKE)))
  assert float(defects.swapped_discriminator_loss(REAL + 7.0, FAKE)) == float(d)  # D no longer sees the real term.
  fake = tf.constant(FAKE)
  with tf.GradientTape(persistent=True) as tape:
    tape.watch(fake)
    g = defects.swapped_generator_loss(REAL, fake)
    corrected_d = losses.minimax_discriminator_loss(REAL, fake)
  assert float(g) == pytest.approx(np.mean(_softplus(FAKE)), rel=1e-6)
  # G's gradient is the one the corrected D loss has with respect to the fakes.
  np.testing.assert_allclose(tape.gradient(g, fake), tape.gradient(corrected_d, fake), rtol=1e-6)


def test_shifted_noise_feeds_the_same_mlp_noise_times_0_1_plus_0_9(defects):
  sigmoid = activations.get("sigmoid")
  gan = defects.build_mlp_shifted_noise((28, 28, 1), 8, sigmoid)
  inner = gan.generator.get_layer("mlp_generator")
  z = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
  np.testing.assert_allclose(gan.generator(z), inner(0.1 * z + 0.9), rtol=1e-6)
  out, pre = gan.generator_with_preactivation(z)
  np.testing.assert_allclose(out, gan.generator(z), rtol=1e-6)
  plain = models.build_mlp((28, 28, 1), 8, sigmoid)
  assert [w.shape for w in gan.discriminator.weights] == [w.shape for w in plain.discriminator.weights]
  assert [w.shape for w in inner.weights] == [w.shape for w in plain.generator.weights]


@pytest.mark.parametrize("name, data_range", [("DATA_IN_PLUS_MINUS_ONE", (-1.0, 1.0)), ("DATA_IN_PIXELS", (0.0, 255.0))])
def test_data_range_defects_keep_the_sigmoid_and_move_only_the_data(defects, name, data_range):
  defect, sigmoid = getattr(defects, name), activations.get("sigmoid")
  assert defect.fn is sigmoid.fn and defect.output_range == sigmoid.output_range
  assert defect.saturation_threshold == sigmoid.saturation_threshold and defect.data_range == data_range
  np.testing.assert_allclose(defect.pixels_to_data(np.array([0.0, 255.0])), data_range)


def test_seed_000_classifier_puts_a_sigmoid_on_the_same_logits(defects):
  from gan_lab.evaluation import evaluator  # pylint: disable=g-import-not-at-top
  model = defects.classifier_with_sigmoid_on_logits((28, 28, 1), 10)
  base = evaluator.build_classifier((28, 28, 1), 10)
  assert [w.shape for w in model.weights] == [w.shape for w in base.weights]
  x = np.random.default_rng(1).uniform(size=(2, 28, 28, 1)).astype(np.float32)
  logits = model.get_layer("logits").output
  np.testing.assert_allclose(model(x), tf.sigmoid(tf.keras.Model(model.input, logits)(x)), rtol=1e-6)
  # The from-logits loss then sees values in (0, 1): softmax can give a class at most e / (e + 9).
  assert float(tf.reduce_max(tf.nn.softmax(model(x)))) < np.e / (np.e + 9)
  # And Keras's loss really is computed on them (not on logits it recovered from a tagged sigmoid).
  labels = np.array([3, 7])
  squashed = _sigmoid(tf.keras.Model(model.input, logits)(x).numpy())
  expected = np.mean(np.log(np.sum(np.exp(squashed), axis=1)) - squashed[np.arange(2), labels])
  loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, model(x))
  assert float(loss) == pytest.approx(expected, rel=1e-5)
