"""A `--plugins` module for tests: losses whose discriminator loss turns NaN from a given step on.

The non-finite-loss watchdog needs a run that diverges at a known step. Rather
than a flag or a branch in the training loop, a test names one of these losses
(`--plugins=nan_plugin --loss=nan_at_step_25`): the discriminator loss of
step N and every later one is NaN, so D's weights turn NaN there as a real
divergence would. conftest.py puts this folder on PYTHONPATH for subprocesses.
"""

import tensorflow as tf

from gan_lab.gan import losses


def nan_from_step(step: int) -> losses.GanLoss:
  """The non-saturating loss pair, with a discriminator loss that is NaN from its `step`-th call on (one per step)."""
  calls = tf.Variable(0, dtype=tf.int64, trainable=False, name=f"nan_at_step_{step}_calls")

  def discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    called = calls.assign_add(1)
    loss = losses.minimax_discriminator_loss(real_logits, fake_logits, label_smoothing)
    return tf.where(called >= step, tf.constant(float("nan")), loss)

  return losses.GanLoss(f"nan_at_step_{step}", discriminator_loss, losses.non_saturating_generator_loss)


for _step in (10, 15, 25):
  losses.register(nan_from_step(_step))
