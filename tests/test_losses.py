"""Losses against their formulas written out in NumPy and TF-GAN's test vectors."""

import numpy as np
import pytest
import tensorflow as tf

from gan_lab import losses, registry

REAL = np.array([-5.0, 1.4, 12.5, 2.7], np.float32)
FAKE = np.array([10.0, 4.4, -5.5, 3.6], np.float32)


def softplus(x):
  return np.logaddexp(0.0, np.asarray(x, np.float64))


def np_reference(name, real, fake, smoothing=0.0):
  """(D loss, G loss) written out from the papers' formulas."""
  real, fake, t = np.asarray(real, np.float64), np.asarray(fake, np.float64), 1.0 - smoothing
  bce_d = np.mean(t * softplus(-real) + (1 - t) * softplus(real)) + np.mean(softplus(fake))
  return {
      "minimax": (bce_d, np.mean(np.log1p(-1 / (1 + np.exp(-np.clip(fake, -30, 30)))))
                  if np.abs(fake).max() < 30 else -np.mean(softplus(fake))),
      "non_saturating": (bce_d, np.mean(softplus(-fake))),
      "least_squares": (0.5 * np.mean((real - t) ** 2) + 0.5 * np.mean(fake ** 2), 0.5 * np.mean((fake - 1) ** 2)),
      "hinge": (np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)), -np.mean(fake)),
      "wasserstein": (np.mean(fake) - np.mean(real), -np.mean(fake)),
  }[name]


@pytest.mark.parametrize("name, g_expected, d_expected", [
    ("least_squares", 17.69625, 41.73375),
    ("non_saturating", 1.38582, 5.83387),
    ("wasserstein", -3.125, 0.225),
    ("hinge", None, 6.75),
])
def test_tf_gan_published_vectors(name, g_expected, d_expected):
  loss = losses.get(name)
  assert float(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d_expected, abs=1e-4)
  if g_expected is not None:
    assert float(loss.generator_loss(FAKE)) == pytest.approx(g_expected, abs=1e-4)


@pytest.mark.parametrize("name", registry.LOSSES.names())
def test_matches_numpy_formula_on_random_logits(name):
  rng = np.random.default_rng(0)
  real, fake = rng.normal(0, 3, 64).astype(np.float32), rng.normal(0, 3, 64).astype(np.float32)
  d_ref, g_ref = np_reference(name, real, fake)
  loss = losses.get(name)
  assert float(loss.discriminator_loss(real, fake)) == pytest.approx(d_ref, rel=1e-5, abs=1e-5)
  assert float(loss.generator_loss(fake)) == pytest.approx(g_ref, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("name", ["minimax", "non_saturating", "least_squares"])
def test_one_sided_label_smoothing_matches_formula(name):
  d_ref, _ = np_reference(name, REAL, FAKE, smoothing=0.1)
  assert float(losses.get(name).discriminator_loss(REAL, FAKE, 0.1)) == pytest.approx(d_ref, rel=1e-5)
  assert float(losses.get(name).discriminator_loss(REAL, FAKE, 0.1)) != pytest.approx(
      float(losses.get(name).discriminator_loss(REAL, FAKE)), rel=1e-3)


@pytest.mark.parametrize("name", ["hinge", "wasserstein"])
def test_smoothing_rejected_where_undefined(name):
  with pytest.raises(ValueError, match="label smoothing"):
    losses.get(name).discriminator_loss(REAL, FAKE, 0.1)


@pytest.mark.parametrize("name", registry.LOSSES.names())
def test_huge_logits_give_finite_losses_and_gradients(name):
  real = tf.Variable([100.0, -100.0, 90.0, -95.0])
  fake = tf.Variable([-100.0, 100.0, 95.0, -90.0])
  loss = losses.get(name)
  with tf.GradientTape(persistent=True) as tape:
    d, g = loss.discriminator_loss(real, fake), loss.generator_loss(fake)
  for value in [d, g, *tape.gradient(d, [real, fake]), tape.gradient(g, fake)]:
    assert np.all(np.isfinite(value.numpy()))
  d_ref, g_ref = np_reference(name, real.numpy(), fake.numpy())
  assert float(d) == pytest.approx(d_ref, rel=1e-5)
  assert float(g) == pytest.approx(g_ref, rel=1e-5)


@pytest.mark.parametrize("name", registry.LOSSES.names())
def test_losses_are_float32_scalars_from_half_precision_logits(name):
  loss = losses.get(name)
  d = loss.discriminator_loss(tf.constant(REAL, tf.float16), tf.constant(FAKE, tf.float16))
  g = loss.generator_loss(tf.constant(FAKE, tf.bfloat16))
  for value in (d, g):
    assert value.dtype == tf.float32 and value.shape == ()


def test_minimax_generator_is_minus_mean_softplus():
  assert float(losses.get("minimax").generator_loss(FAKE)) == pytest.approx(-np.mean(softplus(FAKE)), rel=1e-6)


def test_unknown_loss_names_the_choices():
  with pytest.raises(ValueError, match="hinge"):
    losses.get("bogus")


def _fixed_uniform(values):
  return tf.constant(values, tf.float32)


def test_gradient_penalty_of_linear_critic_is_norm_minus_one_squared():
  w = np.random.default_rng(1).normal(size=(3, 2, 2, 1)).astype(np.float32)
  critic = lambda x, training: tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None]
  real, fake = tf.ones([3, 2, 2, 1]), tf.zeros([3, 2, 2, 1])
  gp = losses.gradient_penalty(critic, real, fake, _fixed_uniform([0.1, 0.5, 0.9]))
  norms = np.sqrt((w.reshape(3, -1) ** 2).sum(axis=1) + 1e-10)
  assert float(gp) == pytest.approx(np.mean((norms - 1) ** 2), rel=1e-5)


def test_gradient_penalty_interpolates_per_example():
  # D(x) = 1/2 ||x||^2 has gradient x_hat = u * real + (1 - u) * fake.
  critic = lambda x, training: 0.5 * tf.reduce_sum(x ** 2, axis=[1, 2, 3])[:, None]
  rng = np.random.default_rng(2)
  real, fake = rng.normal(size=(4, 3, 3, 1)).astype(np.float32), rng.normal(size=(4, 3, 3, 1)).astype(np.float32)
  u = np.array([0.0, 0.25, 0.75, 1.0], np.float32)
  gp = losses.gradient_penalty(critic, real, fake, _fixed_uniform(u))
  x_hat = u[:, None, None, None] * real + (1 - u[:, None, None, None]) * fake
  norms = np.sqrt((x_hat.reshape(4, -1).astype(np.float64) ** 2).sum(axis=1) + 1e-10)
  assert float(gp) == pytest.approx(np.mean((norms - 1) ** 2), rel=1e-5)


def test_gradient_penalty_gradient_is_finite_at_zero_gradient():
  v = tf.Variable(0.0)
  critic = lambda x, training: v * tf.reduce_sum(x, axis=[1, 2, 3])[:, None]
  with tf.GradientTape() as tape:
    gp = losses.gradient_penalty(critic, tf.ones([2, 2, 2, 1]), tf.zeros([2, 2, 2, 1]), _fixed_uniform([0.5, 0.5]))
  assert float(gp) == pytest.approx(1.0, abs=1e-4)
  assert np.isfinite(tape.gradient(gp, v).numpy())
