"""One GAN training step: `disc_steps` discriminator updates, then one generator update.

The seed code updated each network with the other's gradients and drew the
noise in image shape. Here the noise is a `[batch, noise_dim]` standard
normal from the run's own `tf.random.Generator` (so it is checkpointed and
reproducible), and each optimizer is applied to its own network's variables
only.
"""

import dataclasses

import tensorflow as tf

from gan_lab.activations import OutputActivation
from gan_lab.losses import GanLoss, gradient_penalty
from gan_lab.models import GanModels


@dataclasses.dataclass(frozen=True)
class StepSettings:
  batch_size: int
  noise_dim: int
  disc_steps: int = 1
  gp_weight: float = 0.0
  label_smoothing: float = 0.0
  simultaneous: bool = False


class GanUpdates:
  """The two updates of a GAN step, each applying only its own network's gradients."""

  def __init__(self, models: GanModels, loss: GanLoss, activation: OutputActivation,
               g_optimizer, d_optimizer, rng: tf.random.Generator, settings: StepSettings):
    self.models, self.loss, self.activation, self.rng, self.settings = models, loss, activation, rng, settings
    self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
    # Build slots outside tf.function: a LossScaleOptimizer cannot build inside its cond.
    for optimizer, model in ((g_optimizer, models.generator), (d_optimizer, models.discriminator)):
      if not optimizer.built:
        optimizer.build(model.trainable_variables)

  def noise(self):
    return self.rng.normal([self.settings.batch_size, self.settings.noise_dim])

  def discriminator_update(self, real, fake=None):
    """One discriminator step on a real batch and a fake one (fresh if None); returns its loss.

    Real and fake go through D as one stacked batch: one larger convolution
    is faster than two, and D has no batch norm, so the logits are the same.
    """
    g, d, s = self.models.generator, self.models.discriminator, self.settings
    if fake is None:
      fake = g(self.noise(), training=True)  # Outside the tape: D's update needs no G gradients.
    with tf.GradientTape() as tape:
      real_logits, fake_logits = tf.split(d(tf.concat([real, fake], axis=0), training=True), 2)
      d_loss = self.loss.discriminator_loss(real_logits, fake_logits, s.label_smoothing)
      if s.gp_weight:
        d_loss += s.gp_weight * gradient_penalty(d, real, fake, self.rng.uniform)
      # The identity, except under a float16 LossScaleOptimizer (which unscales in apply).
      scaled_loss = self.d_optimizer.scale_loss(d_loss)
    grads = tape.gradient(scaled_loss, d.trainable_variables)
    self.d_optimizer.apply_gradients(zip(grads, d.trainable_variables))
    return d_loss

  def generator_update(self, real=None):
    """One generator step; returns (D loss or None, G loss, saturation diagnostics).

    With a real batch, the discriminator is updated first on the same fakes
    the generator then learns from (as PyTorch's DCGAN example does): the
    updates still alternate, G sees the updated D, and one generator forward
    pass is saved.
    """
    g, d = self.models.generator, self.models.discriminator
    d_loss = None
    with tf.GradientTape() as tape:
      fake, pre = self.models.generator_with_preactivation(self.noise(), training=True)
      if real is not None:
        with tape.stop_recording():
          d_loss = self.discriminator_update(real, tf.stop_gradient(fake))
      g_loss = self.loss.generator_loss(d(fake, training=True))
      scaled_loss = self.g_optimizer.scale_loss(g_loss)
    *grads, pre_grad = tape.gradient(scaled_loss, g.trainable_variables + [pre])
    self.g_optimizer.apply_gradients(zip(grads, g.trainable_variables))
    pre_grad = tf.cast(pre_grad, tf.float32) / self.g_optimizer.scale_loss(tf.constant(1.0))
    return d_loss, g_loss, saturation_diagnostics(fake, pre, pre_grad, self.activation, self.settings.batch_size)


  def simultaneous_update(self, real):
    """Both updates from one forward pass, as TF's DCGAN tutorial does (simultaneous gradient descent).

    Returns (D loss, G loss, diagnostics). G's gradient comes from the D
    before this step's D update, unlike the alternating scheme.
    """
    g, d, s = self.models.generator, self.models.discriminator, self.settings
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
      fake, pre = self.models.generator_with_preactivation(self.noise(), training=True)
      real_logits, fake_logits = tf.split(d(tf.concat([real, fake], axis=0), training=True), 2)
      d_loss = self.loss.discriminator_loss(real_logits, fake_logits, s.label_smoothing)
      if s.gp_weight:
        d_loss += s.gp_weight * gradient_penalty(d, real, tf.stop_gradient(fake), self.rng.uniform)
      g_loss = self.loss.generator_loss(fake_logits)
      d_scaled, g_scaled = self.d_optimizer.scale_loss(d_loss), self.g_optimizer.scale_loss(g_loss)
    d_grads = d_tape.gradient(d_scaled, d.trainable_variables)
    *g_grads, pre_grad = g_tape.gradient(g_scaled, g.trainable_variables + [pre])
    self.d_optimizer.apply_gradients(zip(d_grads, d.trainable_variables))
    self.g_optimizer.apply_gradients(zip(g_grads, g.trainable_variables))
    pre_grad = tf.cast(pre_grad, tf.float32) / self.g_optimizer.scale_loss(tf.constant(1.0))
    return d_loss, g_loss, saturation_diagnostics(fake, pre, pre_grad, self.activation, s.batch_size)


def make_train_step(updates: GanUpdates, jit_compile: bool = False):
  """Returns a compiled `step(real) -> dict of float32 scalars`.

  `real` holds `disc_steps * batch_size` examples, one batch per
  discriminator update; the last D update shares its fakes with the G
  update (or, with `settings.simultaneous`, one forward pass serves both
  updates). The returned dict has the last discriminator loss, the generator
  loss, and saturation diagnostics of the generator update:
  `saturated_fraction` (pre-activations past the activation's saturation
  threshold), `out_of_range_fraction` (samples outside the data range) and
  `preact_grad_norm` (mean per-example norm of the generator loss's gradient
  at the pre-activation, i.e. what reaches the generator's last layer).
  """
  def step(real):
    if updates.settings.simultaneous:
      d_loss, g_loss, diagnostics = updates.simultaneous_update(real)
      return {"d_loss": d_loss, "g_loss": g_loss, **diagnostics}
    *early, last = tf.split(real, updates.settings.disc_steps)
    for real_batch in early:
      updates.discriminator_update(real_batch)
    d_loss, g_loss, diagnostics = updates.generator_update(last)
    return {"d_loss": d_loss, "g_loss": g_loss, **diagnostics}

  return tf.function(step, jit_compile=jit_compile)


def saturation_diagnostics(fake, pre, pre_grad, activation, batch_size):
  """Saturation, range and gradient-signal statistics of one generator batch."""
  lo, hi = activation.data_range
  pre, pre_grad = tf.cast(pre, tf.float32), tf.cast(pre_grad, tf.float32)
  threshold = activation.saturation_threshold
  saturated = (tf.reduce_mean(tf.cast(tf.abs(pre) > threshold, tf.float32)) if threshold is not None
               else tf.constant(0.0))
  outside = tf.reduce_mean(tf.cast((fake < lo) | (fake > hi), tf.float32))
  per_example = tf.sqrt(tf.reduce_sum(tf.reshape(tf.square(pre_grad), [batch_size, -1]), axis=1))
  # g_loss is a batch mean, so each example's own gradient is batch_size times larger.
  return {"saturated_fraction": saturated, "out_of_range_fraction": outside,
          "preact_grad_norm": batch_size * tf.reduce_mean(per_example)}
