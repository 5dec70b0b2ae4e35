"""One GAN training step: `disc_steps` discriminator updates, then one generator update.

The seed code updated each network with the other's gradients and drew the
noise in image shape. Here the noise is a `[batch, noise_dim]` standard
normal that arrives with the real batch (a stateless function of seed and
step, see `input_pipeline`), and each optimizer is applied to its own
network's variables only.

Under a `tf.distribute` strategy each replica gets its slice of the global
batch; losses are local batch means divided by the number of replicas
before differentiation, so the gradients the optimizer sums over replicas
are those of the global batch mean.
"""

import dataclasses

import tensorflow as tf

from gan_lab.gan.activations import OutputActivation
from gan_lab.gan.losses import GanLoss, gradient_penalty, zero_centred_penalty
from gan_lab.gan.models import GanModels


@dataclasses.dataclass(frozen=True)
class StepSettings:
  disc_steps: int = 1
  gp_weight: float = 0.0
  r1_gamma: float = 0.0
  r2_gamma: float = 0.0
  label_smoothing: float = 0.0
  simultaneous: bool = False

  @classmethod
  def of(cls, config) -> "StepSettings":
    """The step settings of a `TrainConfig` (its fields of the same names, and its update scheme)."""
    return cls(config.disc_steps, config.gp_weight, config.r1_gamma, config.r2_gamma, config.label_smoothing,
               config.update_scheme == "simultaneous")


class GanUpdates:
  """The two updates of a GAN step, each applying only its own network's gradients.

  Every method runs in one replica's context on that replica's slice:
  `real`, `noise` and `uniform` (the gradient penalty's interpolation
  weights) have the same leading size. The Trainer's compiled loop and the
  Keras `GAN.train_step` both step through this class. The saturation
  diagnostics need the generator's pre-activation and the output
  activation: without `models.generator_with_preactivation` or
  `activation` (a user's own generator), a step reports its losses only.
  """

  def __init__(self, models: GanModels, loss: GanLoss, activation: OutputActivation | None,
               g_optimizer, d_optimizer, settings: StepSettings):
    self.models, self.loss, self.activation, self.settings = models, loss, activation, settings
    self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
    self.diagnoses = models.generator_with_preactivation is not None and activation is not None
    # Build slots outside tf.function: a LossScaleOptimizer cannot build inside its cond.
    for optimizer, model in ((g_optimizer, models.generator), (d_optimizer, models.discriminator)):
      if not optimizer.built:
        optimizer.build(model.trainable_variables)

  def _for_gradients(self, loss, optimizer):
    """The loss to differentiate: divided over replicas, then (float16 only) loss-scaled."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return optimizer.scale_loss(loss / replicas)

  def _discriminator_loss(self, real, fake, uniform):
    """D's loss (plus its gradient penalties) on a real and a fake batch; also the real and fake logits."""
    d, settings = self.models.discriminator, self.settings
    # Two D calls, not one on the stacked batch: through a stacked call, G's gradient would also
    # back-propagate D over the real half (benchmarks/README.md has the measurement).
    real_logits = d(real, training=True)  # [B, 1]
    fake_logits = d(fake, training=True)  # [B, 1]
    d_loss = self.loss.discriminator_loss(real_logits, fake_logits, settings.label_smoothing)
    if settings.gp_weight:
      d_loss += settings.gp_weight * gradient_penalty(d, real, tf.stop_gradient(fake), uniform)
    if settings.r1_gamma:
      d_loss += zero_centred_penalty(d, real, settings.r1_gamma)
    if settings.r2_gamma:
      d_loss += zero_centred_penalty(d, tf.stop_gradient(fake), settings.r2_gamma)
    return d_loss, real_logits, fake_logits

  def discriminator_update(self, real, fake, uniform):
    """One discriminator step on a real batch [B, ...] and fakes [B, ...]; returns D's loss.

    `fake` is taken as given: no gradient reaches the generator.
    """
    d = self.models.discriminator
    with tf.GradientTape() as tape:
      d_loss, _, _ = self._discriminator_loss(real, fake, uniform)
      scaled = self._for_gradients(d_loss, self.d_optimizer)
    self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, d.trainable_variables), d.trainable_variables))
    return d_loss

  def _generate(self, noise):
    """(samples, pre-activation or None): one recorded generator pass."""
    if self.diagnoses:
      return self.models.generator_with_preactivation(noise, training=True)  # [B, ...] each.
    return self.models.generator(noise, training=True), None

  def _generator_gradients(self, tape, g_scaled, pre):
    """G's gradients, and the loss's gradient at the pre-activation (None without diagnostics)."""
    variables = self.models.generator.trainable_variables
    if pre is None:
      return tape.gradient(g_scaled, variables), None
    *g_grads, pre_grad = tape.gradient(g_scaled, variables + [pre])
    return g_grads, pre_grad

  def alternating_update(self, real, noise, uniform):
    """A D step, then a G step against the updated D on the same fakes; returns (D loss, G loss, diagnostics).

    As PyTorch's DCGAN example: the updates alternate (G learns from the D
    of this step, not the previous one) and the fakes are generated once for
    both. (keras-io's GAN `train_step` alternates too, but draws new noise
    and generates again for its G step.) real [B, ...], noise
    [B, noise_dim], uniform [B] (the gradient penalty's weights).
    """
    g, d = self.models.generator, self.models.discriminator
    with tf.GradientTape() as g_tape:
      # 1. One generator pass, recorded for G's gradient.
      fake, pre = self._generate(noise)
      # 2. D steps on real vs these fakes, unrecorded: the fakes are constants to D.
      with g_tape.stop_recording():
        d_loss = self.discriminator_update(real, tf.stop_gradient(fake), uniform)
      # 3. The updated D judges the same fakes (and the real batch, which a relativistic loss compares them
      #    with; a loss that ignores it leaves that pass unused, and tf.function prunes it); G steps to fool it.
      fake_logits = d(fake, training=True)  # [B, 1]
      g_loss = self.loss.generator_loss(d(real, training=True), fake_logits)
      g_scaled = self._for_gradients(g_loss, self.g_optimizer)
    g_grads, pre_grad = self._generator_gradients(g_tape, g_scaled, pre)
    self.g_optimizer.apply_gradients(zip(g_grads, g.trainable_variables))
    return d_loss, g_loss, self._diagnostics(fake, pre, pre_grad)

  def simultaneous_update(self, real, noise, uniform):
    """Both updates from one forward pass, as TF's DCGAN tutorial does (simultaneous gradient descent).

    Returns (D loss, G loss, diagnostics). G's gradient comes from the D
    before this step's D update, unlike the alternating scheme.
    """
    g, d = self.models.generator, self.models.discriminator
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
      fake, pre = self._generate(noise)
      d_loss, real_logits, fake_logits = self._discriminator_loss(real, fake, uniform)  # [B, 1] each
      g_loss = self.loss.generator_loss(real_logits, fake_logits)
      d_scaled = self._for_gradients(d_loss, self.d_optimizer)
      g_scaled = self._for_gradients(g_loss, self.g_optimizer)
    d_grads = d_tape.gradient(d_scaled, d.trainable_variables)
    g_grads, pre_grad = self._generator_gradients(g_tape, g_scaled, pre)
    self.d_optimizer.apply_gradients(zip(d_grads, d.trainable_variables))
    # Order G's update after D's: under a strategy every replica must reach the two gradient
    # all-reduces in the same order. Reading a D weight waits for D's update.
    with tf.control_dependencies([tf.identity(d.trainable_variables[0])]):
      self.g_optimizer.apply_gradients(zip(g_grads, g.trainable_variables))
    return d_loss, g_loss, self._diagnostics(fake, pre, pre_grad)

  def _diagnostics(self, fake, pre, pre_grad):
    """The saturation diagnostics of this G update ({} without a pre-activation)."""
    if not self.diagnoses:
      return {}
    # pre_grad is d(scaled loss)/d(pre): undo the loss scale; the 1/replicas
    # factor makes it the global mean's gradient, as saturation_diagnostics expects.
    pre_grad = tf.cast(pre_grad, tf.float32) / self.g_optimizer.scale_loss(tf.constant(1.0))
    global_batch = tf.cast(tf.shape(fake)[0], tf.float32) * tf.distribute.get_strategy().num_replicas_in_sync
    return saturation_diagnostics(fake, pre, pre_grad, self.activation, global_batch)

  def replica_step(self, batch):
    """One train step on this replica's slice of a `make_dataset` element.

    The slice holds K = disc_steps batches of B rows: real [K*B, ...],
    noise [K*B, noise_dim], uniform [K*B].
    """
    real, noise, uniform = batch["real"], batch["noise"], batch["uniform"]
    if self.settings.simultaneous:
      d_loss, g_loss, diagnostics = self.simultaneous_update(real, noise, uniform)
    else:
      *extra_d_steps, last = zip(*(tf.split(x, self.settings.disc_steps) for x in (real, noise, uniform)))
      for real_k, noise_k, uniform_k in extra_d_steps:  # [B, ...], [B, noise_dim], [B]
        fake_k = self.models.generator(noise_k, training=True)  # No tape: this D step needs no G gradient.
        self.discriminator_update(real_k, fake_k, uniform_k)
      d_loss, g_loss, diagnostics = self.alternating_update(*last)
    return {"d_loss": d_loss, "g_loss": g_loss, **diagnostics}


LOSS_OUTPUTS = ("d_loss", "g_loss")
DIAGNOSTICS = ("saturated_fraction", "out_of_range_fraction", "preact_grad_norm")  # `saturation_diagnostics`.
STEP_OUTPUTS = LOSS_OUTPUTS + DIAGNOSTICS


def make_train_loop(updates: GanUpdates, strategy: tf.distribute.Strategy | None = None,
                    jit_compile: bool = False, after_step=None):
  """Returns a compiled `loop(iterator, num_steps) -> dict of float32 sums over the steps`.

  `iterator` yields `input_pipeline.make_dataset` elements (distributed by
  `strategy.experimental_distribute_dataset` when a strategy is given);
  `num_steps` is an int32 tensor, so every chunk length shares one trace.
  Running several steps per call moves the step loop and the metric sums
  into the graph: the per-step Python dispatch and eager additions are what
  limit small models (benchmarks/README.md). Each step: the alternating
  scheme does `disc_steps` D updates, the last sharing its fakes with the G
  update; the simultaneous one takes both from one forward pass; then
  `after_step()`, if given, runs in cross-replica context (the generator
  EMA's update). Its outputs (`STEP_OUTPUTS`, averaged over replicas) are the last D loss, the G loss
  and saturation diagnostics of the G update: `saturated_fraction`
  (pre-activations past the activation's saturation threshold),
  `out_of_range_fraction` (samples outside the data range) and
  `preact_grad_norm` (mean per-example norm of the G loss's gradient at the
  pre-activation, i.e. what reaches G's last layer).
  """
  strategy = strategy or tf.distribute.get_strategy()
  replica_step = tf.function(updates.replica_step, jit_compile=jit_compile) if jit_compile else updates.replica_step

  def loop(iterator, num_steps):
    sums = {k: tf.constant(0.0) for k in STEP_OUTPUTS}
    for _ in tf.range(num_steps):
      per_replica = strategy.run(replica_step, args=(next(iterator),))
      if after_step is not None:
        after_step()
      sums = {k: sums[k] + strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica[k], axis=None)
              for k in STEP_OUTPUTS}
    return sums

  return tf.function(loop)


def saturation_diagnostics(fake, pre, pre_grad, activation, batch_size):
  """Saturation, range and gradient-signal statistics of one generator batch.

  `pre_grad` is the gradient of a loss that is a mean over `batch_size`
  examples, so each example's own gradient is `batch_size` times larger.
  """
  lo, hi = activation.image_range  # Outside it: brighter than white or darker than black.
  pre, pre_grad = tf.cast(pre, tf.float32), tf.cast(pre_grad, tf.float32)
  threshold = activation.saturation_threshold
  saturated = (tf.reduce_mean(tf.cast(tf.abs(pre) > threshold, tf.float32)) if threshold is not None
               else tf.constant(0.0))
  outside = tf.reduce_mean(tf.cast((fake < lo) | (fake > hi), tf.float32))
  squares = tf.reshape(tf.square(pre_grad), [tf.shape(pre_grad)[0], -1])  # [B, H*W*C]
  per_example = tf.sqrt(tf.reduce_sum(squares, axis=1))  # [B]
  return {"saturated_fraction": saturated, "out_of_range_fraction": outside,
          "preact_grad_norm": batch_size * tf.reduce_mean(per_example)}
