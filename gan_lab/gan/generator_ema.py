"""An exponential moving average (EMA) of the generator's weights, to draw samples from.

GAN weights oscillate around the solution the two players chase; an average
of the recent generator weights samples better than the latest weights, at
no training cost (Yazici et al. 2019, arXiv:1806.04498; compare_gan's
`g_use_ema`, keras-io's GAN-ADA, StudioGAN's `apply_g_ema`). The average is
taken over every generator weight, batch-norm moving statistics included, as
keras-io's GAN-ADA example does, so the averaged generator in inference mode
normalises with averaged statistics. It only ever samples; training uses the
raw generator.
"""

import tensorflow as tf


class GeneratorEma:
  """A copy of the generator whose weights trail the trained ones.

  After each step: w_ema <- d * w_ema + (1 - d) * w, with
  d = min(decay, (1 + n) / (10 + n)) after n updates (the `num_updates` rule
  of `tf.train.ExponentialMovingAverage`), so the first steps' average is not
  held back by the random initial weights. `update` runs in cross-replica
  context (the train loop calls it after `strategy.run`), where a mirrored
  variable's assignment reaches every replica.
  """

  def __init__(self, generator, copy, decay: float):
    """`copy`: a second generator of the same architecture (its weights are overwritten)."""
    if not 0 < decay < 1:
      raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
    self.generator, self.decay = copy, decay
    self._pairs = list(zip(copy.weights, generator.weights))
    for average, weight in self._pairs:
      average.assign(weight)
    self.num_updates = tf.Variable(0, dtype=tf.int64, trainable=False, name="ema_updates")

  def update(self) -> None:
    updates = tf.cast(self.num_updates, tf.float32)
    decay = tf.minimum(tf.constant(self.decay, tf.float32), (1.0 + updates) / (10.0 + updates))
    for average, weight in self._pairs:
      average.assign(decay * average + (1.0 - decay) * tf.cast(weight, average.dtype))
    self.num_updates.assign_add(1)
