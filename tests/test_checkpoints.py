"""Checkpoints hold both networks, both optimizers and the step, and restore the latest."""

import keras
import numpy as np
import tensorflow as tf

from gan_lab import activations, models
from gan_lab.checkpoints import RunCheckpoint


def _state(tmp_path, seed):
  keras.utils.set_random_seed(seed)
  gan = models.build("mlp", (2,), 4, activations.get("tanh"))
  g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
  g_opt.build(gan.generator.trainable_variables)
  d_opt.build(gan.discriminator.trainable_variables)
  return gan, g_opt, d_opt, RunCheckpoint(tmp_path, gan, g_opt, d_opt, tf.Variable(0, dtype=tf.int64))


def test_restore_brings_back_weights_optimizer_state_and_step(tmp_path):
  gan, g_opt, _, checkpoint = _state(tmp_path, seed=1)
  assert checkpoint.restore_latest() == 0  # Nothing saved yet.
  g_opt.iterations.assign(7)
  checkpoint.save(30)
  checkpoint.save(40)
  other_gan, other_g_opt, _, other = _state(tmp_path, seed=2)  # Different initial weights.
  assert other.restore_latest() == 40
  for a, b in zip(gan.generator.get_weights() + gan.discriminator.get_weights(),
                  other_gan.generator.get_weights() + other_gan.discriminator.get_weights()):
    np.testing.assert_array_equal(a, b)
  assert int(other_g_opt.iterations) == 7


def test_keeps_the_last_two(tmp_path):
  *_, checkpoint = _state(tmp_path, seed=0)
  for step in (10, 20, 30):
    checkpoint.save(step)
  assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.index")) == ["ckpt-20.index", "ckpt-30.index"]
