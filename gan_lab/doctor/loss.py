"""The loss against D's output: a sigmoid squashed twice (seed 001), and a loss pair's pull in the wrong direction.

A sigmoid D fed to a from-logits loss confines what the loss sees to
(0.5, 0.73): put back into the seeds' corrected MLP GAN it cost FCD 1170
against 527; fakes labelled real 1230 and swapped updates 2230
(`findings._COST`). Any loss is read: a gan_lab name or pair (logits), a
Keras loss object (its `from_logits`), a Keras loss function or name
(probabilities, as compile() uses it).
"""

import keras
import numpy as np
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.doctor.findings import DoctorError, Finding
from gan_lab.doctor.networks import ends_in_sigmoid
from gan_lab.gan import losses

_PROBE_LOGIT = 5.0  # |logit| at which D is confidently wrong: a logit loss still pulls hard there.


def _gan_lab_loss(loss) -> losses.GanLoss | None:
  """The gan_lab loss pair `loss` names or is (None for a Keras loss object, function or name)."""
  if isinstance(loss, losses.GanLoss):
    return loss
  return losses.get(loss) if isinstance(loss, str) and loss in registry.LOSSES.names() else None


def _keras_loss(loss):
  """A Keras loss given by name ("binary_crossentropy") as Keras resolves it (compile() does the same)."""
  if isinstance(loss, str) and _gan_lab_loss(loss) is None:
    try:
      return keras.losses.get(loss)
    except ValueError:
      raise DoctorError(f"loss={loss!r} is neither a gan_lab loss ({', '.join(registry.LOSSES.names())}) nor a Keras loss "
                        "name") from None
  return loss


def _takes_logits(loss) -> bool | None:
  """Whether the loss reads D's output as logits: gan_lab's always do; a Keras loss says so in `from_logits`
  (a Keras loss function or name takes probabilities, as compile() uses it); None: the doctor cannot tell."""
  if _gan_lab_loss(loss) is not None:
    return True
  if getattr(loss, "__module__", "").startswith("keras") and not hasattr(loss, "get_config"):
    return False  # keras.losses.binary_crossentropy and the like: from_logits defaults to False.
  from_logits = getattr(loss, "from_logits", None)
  if from_logits is None and hasattr(loss, "get_config"):
    from_logits = loss.get_config().get("from_logits")
  return from_logits


def check_loss(discriminator, loss, real) -> list[Finding]:
  # Beside the real batch, inputs scaled far out: a logit grows with them, a probability stays in [0, 1].
  loss = _keras_loss(loss)
  probe = np.concatenate([real, 100 * real + 10, -100 * real - 10]).astype(np.float32)
  raw = discriminator(probe, training=False)
  if isinstance(raw, (list, tuple, dict)) or tuple(np.shape(raw))[1:] not in ((), (1,)):
    shape = f"{len(raw)} outputs" if isinstance(raw, (list, tuple, dict)) else f"outputs of shape {list(np.shape(raw))}"
    raise DoctorError(f"the discriminator returns {shape} for a batch of {len(probe)}: the doctor checks a "
                      "discriminator with one score per example ([batch, 1])")
  outputs = np.asarray(raw, np.float32)
  sigmoid_end = ends_in_sigmoid(discriminator) or bool(np.all((outputs >= 0) & (outputs <= 1)))
  takes_logits = _takes_logits(loss)
  if sigmoid_end and takes_logits:
    return [Finding("double_sigmoid", "error", "the discriminator ends in a sigmoid and the loss applies one again "
                    "(it takes logits): D's output is confined to (0.5, 0.73) as the loss sees it and its gradients "
                    "shrink 4x or more; end D in Dense(1) with no activation")]
  if sigmoid_end and takes_logits is False:
    return [Finding("sigmoid_probabilities", "note", "the discriminator ends in a sigmoid and the loss takes "
                    "probabilities: correct, but log(sigmoid(x)) rounds to -inf once |x| passes about 17 (float32); "
                    "return logits and use from_logits=True for the same loss computed stably")]
  pair = _gan_lab_loss(loss)
  return _check_loss_pair(pair) if pair is not None else []


def _gradients(fn, *logits):
  """d fn / d each logit batch, at the given logits ([B, 1] each), times B: a per-example pull."""
  tensors = [tf.constant(np.full((4, 1), v, np.float32)) for v in logits]
  with tf.GradientTape() as tape:
    for t in tensors:
      tape.watch(t)
    value = fn(*tensors)
  return [0.0 if g is None else float(tf.reduce_sum(g)) for g in tape.gradient(value, tensors)]  # None: unused.


def _check_loss_pair(pair: losses.GanLoss) -> list[Finding]:
  """A loss pair's pull on logits where D is confidently wrong: its direction, and whether anything is left of it."""
  d_loss = lambda r, f: pair.discriminator_loss(r, f, 0.0)
  pull_real, pull_fake = _gradients(d_loss, -_PROBE_LOGIT, _PROBE_LOGIT)  # D calls a real fake and a fake real.
  _, pull_g = _gradients(pair.generator_loss, _PROBE_LOGIT, -_PROBE_LOGIT)  # D confidently rejects G's sample.
  findings = []
  # Squashed logits pull weakly wherever |logit| is large, where D is wrong and where it is right; a loss that is
  # merely saturated where D is wrong (a swapped relativistic pair) still pulls hard where D is right.
  mirrored = _gradients(d_loss, _PROBE_LOGIT, -_PROBE_LOGIT)
  if all(0 < abs(pull) < 0.05 for pull in (pull_real, pull_fake, *mirrored)):
    return [Finding("double_sigmoid", "error", "the loss squashes its logits before using them: where D is "
                    f"confidently wrong it pulls with {max(abs(pull_real), abs(pull_fake)):.2g} per example "
                    "instead of about 1; compute the loss from D's raw logits")]
  wrong_d, wrong_g = pull_fake < 0, pull_g > 0  # D should push fake logits down; G should push them up.
  if (wrong_d and pull_real == 0) or wrong_g:
    findings.append(Finding("swapped_updates", "error", "each network steps on the other's objective: "
                            + ("the discriminator loss ignores the real batch and rewards calling fakes real; "
                               if wrong_d and pull_real == 0 else "")
                            + ("the generator loss rewards making its samples look fake; " if wrong_g else "")
                            + "D must minimise its classification loss and G the non-saturating (or its own "
                            "family's) generator loss"))
  elif wrong_d:
    findings.append(Finding("fakes_labelled_real", "error", "the discriminator loss labels the fakes real: D learns to "
                            "accept every sample and stops telling G anything; D's target for G(z) is 0"))
  return findings


def same_images_balance(loss, discriminator) -> float | None:
  """The logit a correct D settles at when its real and fake batches are the same images: the middle of the set
  where D's loss on equal logits is smallest (cross-entropy 0, least squares with targets 0 and 1 0.5, hinge the
  middle of [-1, 1]). The train-step probe measures D's drift above it. None for a loss that is flat on equal
  logits (Wasserstein's): nothing anchors D's score there, so a correct D may drift any way and the drift says
  nothing. A loss smallest at an end of [-10, 10] (it keeps pulling one way) and a callable the doctor cannot
  evaluate this way are measured from cross-entropy's 0."""
  loss = _keras_loss(loss)
  pair = _gan_lab_loss(loss)
  grid = np.round(np.linspace(-10, 10, 201), 6)
  try:
    values = np.array([_same_images_loss(loss, pair, discriminator, s) for s in grid])
  except Exception:  # pylint: disable=broad-except  (a user's callable with another signature)
    return 0.0
  grid, values = grid[np.isfinite(values)], values[np.isfinite(values)]
  if not len(values):
    return 0.0
  lowest = grid[values <= values.min() + 1e-6 * (1 + abs(values.min()))]
  if lowest.min() == grid[0] and lowest.max() == grid[-1]:
    return None  # Flat: no balance.
  if 0 < lowest.min() - grid[0] and lowest.max() < grid[-1]:
    return float((lowest.min() + lowest.max()) / 2)
  return 0.0  # Smallest at an end of the grid: the loss has no balance (it keeps pulling one way).


def _same_images_loss(loss, pair, discriminator, logit) -> float:
  """D's loss when D scores a real and a fake example alike, at `logit` (as a probability for a probability loss)."""
  score = tf.constant([[logit]], tf.float32)
  if pair is not None:
    return float(pair.discriminator_loss(score, score, 0.0))
  output = score if _takes_logits(loss) or not ends_in_sigmoid(discriminator) else tf.sigmoid(score)
  # A Keras loss function returns one value per example ([1] here), a loss object their mean.
  return float(np.mean(loss(tf.ones_like(output), output)) + np.mean(loss(tf.zeros_like(output), output)))
