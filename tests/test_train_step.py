"""Each update touches only its own network; the step's outputs and diagnostics are right."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import activations, losses, models
from gan_lab.gan.train_step import GanUpdates, make_train_loop, saturation_diagnostics, STEP_OUTPUTS, StepSettings


def _updates(model="mlp", loss="non_saturating", act="tanh", shape=(28, 28, 1), **settings):
  keras.utils.set_random_seed(0)
  activation = activations.get(act)
  gan = models.build(model, shape, 8, activation)
  g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
  return GanUpdates(gan, losses.get(loss), activation, g_opt, d_opt, StepSettings(**settings))


def _noise(n=4, seed=0):
  return tf.random.stateless_normal([n, 8], [seed, 0])


def _batch(n, shape=(28, 28, 1)):
  return {"real": tf.random.uniform([n, *shape], -1, 1), "noise": _noise(n),
          "uniform": tf.random.uniform([n])}


def _one_step(updates, batch):
  """One step through the compiled loop, as training runs it."""
  return make_train_loop(updates)(iter(tf.data.Dataset.from_tensors(batch)), tf.constant(1))


def _snapshot(model):
  return [v.numpy().copy() for v in model.trainable_variables]


def _changed(before, model):
  return [not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables)]


@pytest.mark.parametrize("model", registry.MODELS.names())
def test_discriminator_update_changes_only_discriminator(model):
  u = _updates(model)
  g0, d0 = _snapshot(u.models.generator), _snapshot(u.models.discriminator)
  fake = u.models.generator(_noise(), training=True)
  u.discriminator_update(tf.random.uniform([4, 28, 28, 1], -1, 1), fake, tf.random.uniform([4]))
  assert not any(_changed(g0, u.models.generator))
  assert all(_changed(d0, u.models.discriminator))
  assert int(u.d_optimizer.iterations) == 1 and int(u.g_optimizer.iterations) == 0


@pytest.mark.parametrize("model", ["mlp", "dcgan"])  # tutorial_dcgan's dropout would make the twins differ.
def test_alternating_update_steps_d_exactly_as_a_lone_d_update_then_only_g(model):
  """D moves as `discriminator_update` alone moves it (G's step touches no D weight); G moves too."""
  alternating, lone_d = _updates(model), _updates(model)  # Same seed: same weights.
  real, uniform = tf.random.uniform([4, 28, 28, 1], -1, 1), tf.random.uniform([4])
  g0 = _snapshot(alternating.models.generator)
  alternating.alternating_update(real, _noise(), uniform)
  lone_d.discriminator_update(real, lone_d.models.generator(_noise(), training=True), uniform)
  for a, b in zip(alternating.models.discriminator.get_weights(), lone_d.models.discriminator.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
  # Every generator weight moves, except biases that batch norm cancels (zero gradient).
  changed = _changed(g0, alternating.models.generator)
  assert sum(changed) >= len(changed) - sum("bias" in v.path for v in alternating.models.generator.trainable_variables)
  assert any(changed)
  assert int(alternating.g_optimizer.iterations) == 1 and int(alternating.d_optimizer.iterations) == 1


@pytest.mark.parametrize("loss, gp", [(name, 0.0) for name in registry.LOSSES.names() if name != "wasserstein"]
                         + [("wasserstein", 10.0)])
@pytest.mark.parametrize("model", registry.MODELS.names())
@pytest.mark.parametrize("simultaneous", [False, True])
def test_one_step_over_every_architecture_and_loss(model, loss, gp, simultaneous):
  disc_steps = 1 if simultaneous else 2
  u = _updates(model, loss, gp_weight=gp, disc_steps=disc_steps, simultaneous=simultaneous)
  out = _one_step(u, _batch(4 * disc_steps))
  assert set(out) == set(STEP_OUTPUTS)
  assert all(np.isfinite(v.numpy()) and v.dtype == tf.float32 for v in out.values())
  assert int(u.d_optimizer.iterations) == disc_steps and int(u.g_optimizer.iterations) == 1


@pytest.mark.parametrize("act", registry.ACTIVATIONS.names())
def test_diagnostics_against_numpy(act):
  activation = activations.get(act)
  rng = np.random.default_rng(3)
  pre = rng.normal(0, 4, (4, 5, 5, 1)).astype(np.float32)
  fake = activation.fn(tf.constant(pre)).numpy()
  pre_grad = rng.normal(size=pre.shape).astype(np.float32)
  diag = saturation_diagnostics(fake, pre, pre_grad, activation, 4)
  threshold = activation.saturation_threshold
  expected_saturated = np.mean(np.abs(pre) > threshold) if threshold else 0.0
  lo, hi = activation.data_range
  assert float(diag["saturated_fraction"]) == pytest.approx(expected_saturated, abs=1e-7)
  assert float(diag["out_of_range_fraction"]) == pytest.approx(np.mean((fake < lo) | (fake > hi)), abs=1e-7)
  expected_norm = 4 * np.mean(np.linalg.norm(pre_grad.reshape(4, -1).astype(np.float64), axis=1))
  assert float(diag["preact_grad_norm"]) == pytest.approx(expected_norm, rel=1e-5)
  if act == "linear":
    assert float(diag["out_of_range_fraction"]) > 0.5  # N(0, 16) mostly lies outside [-1, 1].
  else:
    assert 0.05 < float(diag["saturated_fraction"]) < 0.6


def test_preact_grad_norm_is_the_per_example_gradient():
  """batch * mean-loss gradient equals each example's own loss gradient (Wasserstein G)."""
  u = _updates("mlp", loss="wasserstein")
  z = _noise()
  with tf.GradientTape(persistent=True) as tape:
    fake, pre = u.models.generator_with_preactivation(z, training=True)
    logits = u.models.discriminator(fake)
    g_loss = u.loss.generator_loss(None, logits)  # Wasserstein's G loss reads no real logits.
    own_losses = [-logits[i, 0] for i in range(4)]
  own = np.stack([tape.gradient(own_losses[i], pre).numpy()[i] for i in range(4)])
  expected = np.mean(np.linalg.norm(own.reshape(4, -1), axis=1))
  diag = saturation_diagnostics(fake, pre, tape.gradient(g_loss, pre), u.activation, 4)
  assert float(diag["preact_grad_norm"]) == pytest.approx(expected, rel=1e-4)


def test_loss_scaled_float16_update_unscales_the_diagnostic_gradient():
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    activation = activations.get("tanh")
    gan = models.build("mlp", (2,), 8, activation)
  finally:
    keras.mixed_precision.set_global_policy("float32")
  scaled = [keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-3)) for _ in range(2)]
  u = GanUpdates(gan, losses.get("non_saturating"), activation, *scaled, StepSettings())
  out = _one_step(u, _batch(4, shape=(2,)))
  assert all(v.dtype == tf.float32 and np.isfinite(v.numpy()) for v in out.values())
  # Without unscaling, the norm would carry the 32768 initial loss scale.
  assert 0 < float(out["preact_grad_norm"]) < 100


@pytest.mark.parametrize("model", ["mlp", "dcgan"])  # tutorial_dcgan's dropout would make the replay random.
def test_generator_learns_from_the_updated_discriminator_on_the_same_fakes(model):
  u = _updates(model)
  g0 = _snapshot(u.models.generator)
  real = tf.random.uniform([4, 28, 28, 1], -1, 1)
  d_loss, g_loss, _ = u.alternating_update(real, _noise(), tf.random.uniform([4]))
  assert int(u.d_optimizer.iterations) == 1 and int(u.g_optimizer.iterations) == 1
  # Replay: the same noise through the pre-update generator, judged by the post-update discriminator.
  for v, value in zip(u.models.generator.trainable_variables, g0):
    v.assign(value)
  fake = u.models.generator(_noise(), training=True)
  d = u.models.discriminator
  assert float(u.loss.generator_loss(d(real, training=True), d(fake, training=True))) == pytest.approx(
      float(g_loss), rel=1e-5)
  assert np.isfinite(float(d_loss))


def test_simultaneous_update_takes_g_gradient_from_the_pre_update_discriminator():
  u = _updates("dcgan", simultaneous=True)
  g0, d0 = _snapshot(u.models.generator), _snapshot(u.models.discriminator)
  real = tf.random.uniform([4, 28, 28, 1], -1, 1)
  d_loss, g_loss, _ = u.simultaneous_update(real, _noise(), tf.random.uniform([4]))
  for model, values in ((u.models.generator, g0), (u.models.discriminator, d0)):
    for v, value in zip(model.trainable_variables, values):
      v.assign(value)
  fake = u.models.generator(_noise(), training=True)
  logits = u.models.discriminator(tf.concat([real, fake], 0), training=True)
  assert float(u.loss.generator_loss(logits[:4], logits[4:])) == pytest.approx(float(g_loss), rel=1e-5)
  assert float(u.loss.discriminator_loss(logits[:4], logits[4:])) == pytest.approx(float(d_loss), rel=1e-5)


def test_loop_sums_the_outputs_of_its_steps():
  """Three steps in one call give the sums of three one-step calls from the same start."""
  batches = [_batch(4, shape=(2,)) for _ in range(3)]
  separate, together = (_updates("mlp", shape=(2,)) for _ in range(2))  # Same seed: same weights.
  singles = [_one_step(separate, b) for b in batches]
  dataset = tf.data.Dataset.from_tensor_slices({k: tf.stack([b[k] for b in batches]) for k in batches[0]})
  summed = make_train_loop(together)(iter(dataset), tf.constant(3))
  for k in STEP_OUTPUTS:
    assert float(summed[k]) == pytest.approx(sum(float(s[k]) for s in singles), rel=1e-5, abs=1e-6)
  assert int(together.g_optimizer.iterations) == 3
  for a, b in zip(separate.models.generator.get_weights(), together.models.generator.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
