"""Losses against TF-GAN's published test vectors and an independent reference written out from the papers.

Provenance of every expected number:
- TF-GAN: tensorflow_gan/python/losses/losses_impl_test.py (logits REAL and
  FAKE below, expected values to 5 decimals). Two of its conventions differ
  from gan_lab's and are converted here, not hidden: its `label_smoothing=s`
  moves the real target to 1 - s/2 (tf.losses.sigmoid_cross_entropy smooths
  towards 1/2), gan_lab's one-sided smoothing moves it to 1 - s, so TF-GAN's
  default 0.25 is gan_lab's 0.125; and its minimax generator loss adds the
  constant softplus(-1) (the real term of D's loss on logits of 1, kept at
  weight 0), which changes no gradient.
- Everything else: `reference`, which evaluates each paper's formula
  literally (log sigmoid, log(1 - sigmoid), squares, hinges) in 80-digit
  decimal arithmetic, so it needs no stable rewrite such as softplus and
  never shares the implementation's formula, even for huge logits.
"""

import decimal
import math

import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import losses

REAL = np.array([-5.0, 1.4, 12.5, 2.7], np.float32)
FAKE = np.array([10.0, 4.4, -5.5, 3.6], np.float32)
_DIGITS = decimal.Context(prec=80)


def _sigmoid(x) -> decimal.Decimal:
  return _DIGITS.divide(1, _DIGITS.add(1, _DIGITS.exp(-decimal.Decimal(float(x)))))


def _cross_entropy(target, x) -> float:
  """-(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), as written."""
  s, t = _sigmoid(x), decimal.Decimal(target)
  return float(-(t * _DIGITS.ln(s) + (1 - t) * _DIGITS.ln(_DIGITS.subtract(1, s))))


def reference(name, real, fake, smoothing=0.0):
  """(D loss, G loss) from the papers' formulas, batch means, real target t = 1 - smoothing."""
  t = 1.0 - smoothing
  bce_d = np.mean([_cross_entropy(t, x) for x in real]) + np.mean([_cross_entropy(0, x) for x in fake])
  real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
  return {
      # Goodfellow et al. 2014: G minimises E log(1 - D(G(z))); the non-saturating G maximises E log D(G(z)).
      "minimax": (bce_d, np.mean([float(_DIGITS.ln(_DIGITS.subtract(1, _sigmoid(x)))) for x in fake])),
      "non_saturating": (bce_d, np.mean([_cross_entropy(1, x) for x in fake])),
      # Mao et al. 2017 (a=0, b=t, c=1), with TF-GAN's 1/2 factors.
      "least_squares": (0.5 * np.mean((real - t) ** 2) + 0.5 * np.mean(fake ** 2), 0.5 * np.mean((fake - 1) ** 2)),
      # Lim & Ye 2017 / Miyato et al. 2018.
      "hinge": (np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)), -np.mean(fake)),
      # Arjovsky et al. 2017 (the penalty is separate: losses.gradient_penalty).
      "wasserstein": (np.mean(fake) - np.mean(real), -np.mean(fake)),
      # Jolicoeur-Martineau 2019 / Huang et al. 2024 (R3GAN): -log sigmoid(real - fake) per pair, and its mirror.
      "relativistic": (np.mean([-float(_DIGITS.ln(_sigmoid(r - f))) for r, f in zip(real, fake)]),
                       np.mean([-float(_DIGITS.ln(_sigmoid(f - r))) for r, f in zip(real, fake)])),
  }[name]


TF_GAN_SMOOTHING = 0.25 / 2  # TF-GAN's default label_smoothing=0.25 in gan_lab's one-sided convention.
TF_GAN_MINIMAX_G_CONSTANT = math.log1p(math.exp(-1.0))  # softplus(-1).


@pytest.mark.parametrize("name, smoothing, d_expected, g_expected", [
    ("non_saturating", TF_GAN_SMOOTHING, 6.19637, 1.38582),  # TF-GAN ModifiedLossTest.
    ("minimax", TF_GAN_SMOOTHING, 6.19637, -4.82408 + TF_GAN_MINIMAX_G_CONSTANT),  # MinimaxLossTest.
    ("least_squares", 0.0, 41.73375, 17.69625),  # LeastSquaresLossTest.
    ("wasserstein", 0.0, 0.225, -3.125),  # WassersteinLossTest.
    ("hinge", 0.0, 6.75, -3.125),  # HingeWassersteinLossTest.
])
def test_tf_gan_published_vectors(name, smoothing, d_expected, g_expected):
  loss = losses.get(name)
  assert float(loss.discriminator_loss(REAL, FAKE, smoothing)) == pytest.approx(d_expected, abs=1e-5)
  assert float(loss.generator_loss(REAL, FAKE)) == pytest.approx(g_expected, abs=1e-5)


def test_the_reference_agrees_with_tf_gan_where_they_share_a_convention():
  assert reference("non_saturating", REAL, FAKE, TF_GAN_SMOOTHING) == pytest.approx((6.19637, 1.38582), abs=1e-5)
  assert reference("least_squares", REAL, FAKE) == pytest.approx((41.73375, 17.69625), abs=1e-5)
  assert reference("minimax", REAL, FAKE)[1] - TF_GAN_MINIMAX_G_CONSTANT == pytest.approx(-4.82408, abs=1e-5)


@pytest.mark.parametrize("name", registry.LOSSES.names())
def test_matches_numpy_formula_on_random_logits(name):
  rng = np.random.default_rng(0)
  real, fake = rng.normal(0, 3, 64).astype(np.float32), rng.normal(0, 3, 64).astype(np.float32)
  d_ref, g_ref = reference(name, real, fake)
  loss = losses.get(name)
  assert float(loss.discriminator_loss(real, fake)) == pytest.approx(d_ref, rel=1e-5, abs=1e-5)
  assert float(loss.generator_loss(real, fake)) == pytest.approx(g_ref, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("name", ["minimax", "non_saturating", "least_squares"])
def test_one_sided_label_smoothing_matches_formula(name):
  d_ref, _ = reference(name, REAL, FAKE, smoothing=0.1)
  assert float(losses.get(name).discriminator_loss(REAL, FAKE, 0.1)) == pytest.approx(d_ref, rel=1e-5)
  assert float(losses.get(name).discriminator_loss(REAL, FAKE, 0.1)) != pytest.approx(
      float(losses.get(name).discriminator_loss(REAL, FAKE)), rel=1e-3)


@pytest.mark.parametrize("name", ["hinge", "wasserstein", "relativistic"])
def test_smoothing_rejected_where_undefined(name):
  with pytest.raises(ValueError, match="label smoothing"):
    losses.get(name).discriminator_loss(REAL, FAKE, 0.1)


@pytest.mark.parametrize("name", registry.LOSSES.names())
def test_huge_logits_give_finite_losses_and_gradients(name):
  real = tf.Variable([100.0, -100.0, 90.0, -95.0])
  fake = tf.Variable([-100.0, 100.0, 95.0, -90.0])
  loss = losses.get(name)
  with tf.GradientTape(persistent=True) as tape:
    d, g = loss.discriminator_loss(real, fake), loss.generator_loss(real, fake)
  for value in [d, g, *tape.gradient(d, [real, fake]), tape.gradient(g, fake)]:
    assert np.all(np.isfinite(value.numpy()))
  d_ref, g_ref = reference(name, real.numpy(), fake.numpy())
  assert float(d) == pytest.approx(d_ref, rel=1e-5)
  assert float(g) == pytest.approx(g_ref, rel=1e-5)


@pytest.mark.parametrize("name", registry.LOSSES.names())
def test_losses_are_float32_scalars_from_half_precision_logits(name):
  loss = losses.get(name)
  d = loss.discriminator_loss(tf.constant(REAL, tf.float16), tf.constant(FAKE, tf.float16))
  g = loss.generator_loss(tf.constant(REAL, tf.bfloat16), tf.constant(FAKE, tf.bfloat16))
  for value in (d, g):
    assert value.dtype == tf.float32 and value.shape == ()


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


def test_relativistic_losses_read_only_the_paired_differences():
  # Adding one constant to every logit changes no relativistic loss; pairing is row by row, not batch means.
  loss = losses.get("relativistic")
  for fn in (lambda r, f: loss.discriminator_loss(r, f), loss.generator_loss):
    assert float(fn(REAL + 3.0, FAKE + 3.0)) == pytest.approx(float(fn(REAL, FAKE)), rel=1e-6)
    assert float(fn(REAL, FAKE[::-1])) != pytest.approx(float(fn(REAL, FAKE)), rel=1e-3)


def test_relativistic_gradient_signs():
  # D's loss falls as D(real) - D(fake) rises; G's falls as its fakes' logits rise against the real ones.
  loss = losses.get("relativistic")
  real, fake = tf.Variable(REAL), tf.Variable(FAKE)
  with tf.GradientTape(persistent=True) as tape:
    d, g = loss.discriminator_loss(real, fake), loss.generator_loss(real, fake)
  d_real, d_fake = (t.numpy() for t in tape.gradient(d, [real, fake]))
  assert np.all(d_real < 0) and np.all(d_fake > 0)
  np.testing.assert_allclose(d_real, -d_fake, rtol=1e-6)  # A function of real - fake only.
  assert np.all(tape.gradient(g, fake).numpy() < 0)
  # d/d real_i of mean softplus(fake - real) is -sigmoid(fake_i - real_i) / B, written out.
  expected = -1 / (1 + np.exp(-(FAKE.astype(np.float64) - REAL))) / len(REAL)
  np.testing.assert_allclose(d_real, expected, rtol=1e-5)


def test_a_generator_loss_of_the_old_one_argument_interface_is_refused_by_name():
  with pytest.raises(ValueError, match=r"'old_style'.*generator_loss must take \(real_logits, fake_logits\)"):
    losses.register(losses.GanLoss("old_style", losses.minimax_discriminator_loss, lambda fake: -tf.reduce_mean(fake)))
  assert "old_style" not in registry.LOSSES.names()


# A tiny differentiable D for the zero-centred penalties: D(x) = sum_j w_j tanh(x_j), whose input gradient is
# w_j (1 - tanh(x_j)^2), written out below in NumPy (float64) rather than differentiated.
_W = np.random.default_rng(3).normal(size=(2, 3, 1)).astype(np.float32)


def _tanh_critic(x, training=False):
  del training
  return tf.reduce_sum(_W * tf.tanh(x), axis=[1, 2, 3])[:, None]


def _zero_centred_reference(x, gamma):
  grads = _W.astype(np.float64) * (1 - np.tanh(x.astype(np.float64)) ** 2)  # [B, 2, 3, 1]
  return gamma / 2 * np.mean(np.sum(grads.reshape(len(x), -1) ** 2, axis=1))


@pytest.mark.parametrize("gamma", [0.1, 1.0, 10.0])
def test_r1_and_r2_match_their_formula_on_a_tiny_critic(gamma):
  rng = np.random.default_rng(4)
  real, fake = rng.normal(size=(5, 2, 3, 1)).astype(np.float32), rng.normal(size=(5, 2, 3, 1)).astype(np.float32)
  for x in (real, fake):  # R1 is the penalty on the real batch, R2 the same on the fakes.
    assert float(losses.zero_centred_penalty(_tanh_critic, x, gamma)) == pytest.approx(
        _zero_centred_reference(x, gamma), rel=1e-5)


def test_the_penalties_share_one_input_gradient_and_it_is_float32_under_mixed_precision():
  x = tf.constant(np.random.default_rng(5).normal(size=(4, 2, 3, 1)), tf.bfloat16)
  squared = losses.input_gradient_squared_norms(_tanh_critic, x)
  assert squared.dtype == tf.float32 and squared.shape == (4,)
  reference = np.sum(((_W * (1 - np.tanh(np.asarray(tf.cast(x, tf.float32))) ** 2)).reshape(4, -1)) ** 2, axis=1)
  np.testing.assert_allclose(squared.numpy(), reference, rtol=1e-5)
  assert losses.zero_centred_penalty(_tanh_critic, x, 1.0).dtype == tf.float32


def test_r1_pulls_the_critic_towards_a_flat_one():
  # One gradient step on gamma/2 ||grad_x D||^2 shrinks a linear critic's weights: the penalty is zero-centred.
  w = tf.Variable(np.full((2, 3, 1), 0.5, np.float32))
  critic = lambda x, training=False: tf.reduce_sum(w * x, axis=[1, 2, 3])[:, None]
  with tf.GradientTape() as tape:
    r1 = losses.zero_centred_penalty(critic, tf.ones([3, 2, 3, 1]), 2.0)
  assert float(r1) == pytest.approx(6 * 0.25, rel=1e-6)  # gamma/2 * ||w||^2 = 1 * 6 * 0.5^2.
  np.testing.assert_allclose(tape.gradient(r1, w).numpy(), 2.0 * w.numpy(), rtol=1e-6)  # gamma * w.
