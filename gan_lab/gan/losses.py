"""GAN losses, all computed from discriminator logits, in one place.

The seed code applied a sigmoid in the discriminator and then a
`from_logits=True` cross-entropy, squashing twice. Here discriminators return
raw logits and every loss below takes logits, using the numerically stable
softplus forms (log sigmoid(x) = -softplus(-x); log(1 - sigmoid(x)) =
-softplus(x)), so logits of magnitude 100 give finite losses and gradients.

Conventions follow TF-GAN's `losses_impl.py`: means over the batch, and the
discriminator loss is the sum of its real and fake terms. Every loss is cast
to a float32 scalar, also under a mixed-precision policy. Every generator
loss takes the real and the fake logits (one signature, so a train step
never asks which loss it runs): the relativistic loss reads both, the
others ignore the real ones. The gradient penalties (WGAN-GP's, R1, R2)
share one computation of D's input gradients, `input_gradient_squared_norms`.
"""

import dataclasses
import inspect
from typing import Callable

import tensorflow as tf

from gan_lab.config import registry


def _f32(x):
  return tf.cast(x, tf.float32)


def _bce_real(real_logits, label_smoothing):
  """mean(-log D(x)) with one-sided smoothed targets t = 1 - label_smoothing.

  Cross-entropy with target t: t * softplus(-x) + (1 - t) * softplus(x).
  """
  t = 1.0 - label_smoothing
  return tf.reduce_mean(t * tf.nn.softplus(-real_logits) + (1.0 - t) * tf.nn.softplus(real_logits))


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """Original GAN discriminator loss (Goodfellow et al. 2014, arXiv:1406.2661).

  L_D = -mean(log D(x)) - mean(log(1 - D(G(z))))
      = mean(softplus(-real)) + mean(softplus(fake)),
  with optional one-sided label smoothing on the real term (Salimans et al.
  2016, arXiv:1606.03498).
  """
  real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
  return _bce_real(real_logits, label_smoothing) + tf.reduce_mean(tf.nn.softplus(fake_logits))


def minimax_generator_loss(real_logits, fake_logits):
  """Original (saturating) GAN generator loss (Goodfellow et al. 2014).

  L_G = mean(log(1 - D(G(z)))) = -mean(softplus(fake)). Its gradient
  vanishes when D confidently rejects samples, which is why the
  non-saturating form exists. The real logits are not read.
  """
  del real_logits
  return -tf.reduce_mean(tf.nn.softplus(_f32(fake_logits)))


def non_saturating_generator_loss(real_logits, fake_logits):
  """Non-saturating generator loss (Goodfellow et al. 2014, section 3).

  L_G = -mean(log D(G(z))) = mean(softplus(-fake)). The real logits are not read.
  """
  del real_logits
  return tf.reduce_mean(tf.nn.softplus(-_f32(fake_logits)))


def least_squares_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """LSGAN discriminator loss (Mao et al. 2017, arXiv:1611.04076), a=0, b=1.

  L_D = 1/2 mean((real - b)^2) + 1/2 mean((fake - a)^2), on logits, with the
  real target b = 1 - label_smoothing.
  """
  real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
  b = 1.0 - label_smoothing
  return 0.5 * tf.reduce_mean(tf.square(real_logits - b)) + 0.5 * tf.reduce_mean(tf.square(fake_logits))


def least_squares_generator_loss(real_logits, fake_logits):
  """LSGAN generator loss (Mao et al. 2017), c=1: L_G = 1/2 mean((fake - 1)^2). The real logits are not read."""
  del real_logits
  return 0.5 * tf.reduce_mean(tf.square(_f32(fake_logits) - 1.0))


def wasserstein_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """WGAN critic loss (Arjovsky et al. 2017, arXiv:1701.07875).

  L_D = mean(fake) - mean(real). Needs a Lipschitz critic: use it with the
  gradient penalty (`--gp_weight`, Gulrajani et al. 2017). Label smoothing
  has no meaning for a critic and is rejected.
  """
  _reject_smoothing("wasserstein", label_smoothing)
  return tf.reduce_mean(_f32(fake_logits)) - tf.reduce_mean(_f32(real_logits))


def wasserstein_generator_loss(real_logits, fake_logits):
  """WGAN generator loss (Arjovsky et al. 2017): L_G = -mean(fake). The real logits are not read."""
  del real_logits
  return -tf.reduce_mean(_f32(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """Hinge discriminator loss (Lim & Ye 2017, arXiv:1705.02894; SAGAN).

  L_D = mean(relu(1 - real)) + mean(relu(1 + fake)).
  """
  _reject_smoothing("hinge", label_smoothing)
  real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
  return tf.reduce_mean(tf.nn.relu(1.0 - real_logits)) + tf.reduce_mean(tf.nn.relu(1.0 + fake_logits))


def relativistic_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
  """Relativistic pairing discriminator loss (RpGAN: Jolicoeur-Martineau 2019, arXiv:1807.00734; the loss of
  R3GAN: Huang et al., "The GAN is dead; long live the GAN! A Modern GAN Baseline", NeurIPS 2024, arXiv:2501.05441).

  L_D = mean_i(softplus(fake_i - real_i)) = -mean_i(log sigmoid(real_i - fake_i)): D is asked how much more
  real the i-th real example looks than the i-th fake, so real and fake are paired row by row (both batches
  [B, 1]). Use it with R1 and R2 (`--r1_gamma`, `--r2_gamma`), as R3GAN does. No label smoothing.
  """
  _reject_smoothing("relativistic", label_smoothing)
  return tf.reduce_mean(tf.nn.softplus(_f32(fake_logits) - _f32(real_logits)))


def relativistic_generator_loss(real_logits, fake_logits):
  """Relativistic pairing generator loss (Jolicoeur-Martineau 2019; R3GAN, Huang et al. 2024).

  L_G = mean_i(softplus(real_i - fake_i)): G raises its samples' logits relative to the paired real ones.
  """
  return tf.reduce_mean(tf.nn.softplus(_f32(real_logits) - _f32(fake_logits)))


def _reject_smoothing(name, label_smoothing):
  if label_smoothing:
    raise ValueError(f"label smoothing is not defined for the {name} loss; use --label_smoothing=0")


@dataclasses.dataclass(frozen=True)
class GanLoss:
  """A discriminator/generator loss pair, both taking logits.

  `discriminator_loss(real_logits, fake_logits, label_smoothing)` and
  `generator_loss(real_logits, fake_logits)` return float32 scalars (batch
  means); logits are [B, 1], real and fake of the same B.
  """
  name: str
  discriminator_loss: Callable
  generator_loss: Callable


for _loss in (
    GanLoss("minimax", minimax_discriminator_loss, minimax_generator_loss),
    GanLoss("non_saturating", minimax_discriminator_loss, non_saturating_generator_loss),
    GanLoss("least_squares", least_squares_discriminator_loss, least_squares_generator_loss),
    GanLoss("hinge", hinge_discriminator_loss, wasserstein_generator_loss),
    GanLoss("wasserstein", wasserstein_discriminator_loss, wasserstein_generator_loss),
    GanLoss("relativistic", relativistic_discriminator_loss, relativistic_generator_loss),
):
  registry.LOSSES.implement_builtin(_loss.name, _loss)


def register(loss: GanLoss, label_smoothing: bool = False, needs_gradient_penalty: bool = False) -> None:
  """Makes a researcher's loss pair usable by name (`--loss=NAME`).

  label_smoothing, needs_gradient_penalty: its traits, as `config.registry`
    defines them for the built-in losses.
  """
  _check_generator_signature(loss)
  registry.LOSSES.register(loss.name, loss, label_smoothing=label_smoothing,
                           needs_gradient_penalty=needs_gradient_penalty)


def _check_generator_signature(loss: GanLoss) -> None:
  """A generator loss written for the old one-argument interface fails here, by name, not mid-training."""
  try:
    inspect.signature(loss.generator_loss).bind(None, None)
  except TypeError:
    raise ValueError(f"loss {loss.name!r}: generator_loss must take (real_logits, fake_logits), as every gan_lab "
                     "generator loss does (ignore real_logits if it does not need them)") from None
  except ValueError:
    pass  # A builtin or C callable without a signature to read: taken as given.


def get(name: str) -> GanLoss:
  """Returns the registered loss pair `name` (ValueError naming the choices if unknown)."""
  return registry.LOSSES.get(name)


def input_gradient_squared_norms(discriminator, x):
  """||grad_x D(x)_i||^2 for each example i of x [B, ...]: [B], float32.

  The one place gan_lab differentiates D with respect to its input; every
  gradient penalty below is built on it. D's logit for example i depends
  on x_i alone (no batch norm in gan_lab's discriminators), so the gradient
  of their sum holds each example's own gradient. x is cast to float32 and
  the squares are summed in float32, also under a mixed-precision policy
  (D's layers still compute in the policy's dtype).
  """
  x = _f32(x)
  with tf.GradientTape() as tape:
    tape.watch(x)
    total = tf.reduce_sum(_f32(discriminator(x, training=True)))  # Of the [B, 1] logits.
  grads = _f32(tape.gradient(total, x))  # [B, ...]
  return tf.reduce_sum(tf.square(grads), axis=tf.range(1, tf.rank(grads)))  # [B]


def gradient_penalty(discriminator, real, fake, uniform, epsilon=1e-10):
  """WGAN-GP gradient penalty (Gulrajani et al. 2017, arXiv:1704.00028).

  GP = mean((||grad_x D(x_hat)||_2 - 1)^2), x_hat = u * real + (1 - u) * fake,
  with one u ~ U[0, 1] per example. `epsilon` sits inside the sqrt so the
  norm's gradient stays finite at zero (as in TF-GAN). Multiply by the
  penalty weight at the call site.

  Args:
    discriminator: callable mapping samples to logits.
    real, fake: sample batches of the same shape [B, ...].
    uniform: [B] interpolation weights in [0, 1) (from the input pipeline,
      a function of seed and step).
    epsilon: added to the squared norm before the sqrt.
  """
  real, fake = _f32(real), _f32(fake)
  u = tf.reshape(_f32(uniform), [-1] + [1] * (len(real.shape) - 1))  # [B, 1, ..., 1]: broadcasts per example.
  x_hat = u * real + (1.0 - u) * fake  # [B, ...]
  norms = tf.sqrt(input_gradient_squared_norms(discriminator, x_hat) + epsilon)  # [B]
  return tf.reduce_mean(tf.square(norms - 1.0))


def zero_centred_penalty(discriminator, x, gamma):
  """R1 (on real x) or R2 (on fake x): gamma / 2 * mean_i ||grad_x D(x_i)||^2.

  Mescheder et al., "Which Training Methods for GANs do actually Converge?", ICML 2018 (arXiv:1801.04406)
  for R1 and R2; R3GAN (Huang et al. 2024) applies both with the relativistic loss. Zero-centred: it pulls D's
  gradient towards 0 on the data (R1) and on the samples (R2), where WGAN-GP pulls its norm towards 1.
  """
  return 0.5 * gamma * tf.reduce_mean(input_gradient_squared_norms(discriminator, x))
