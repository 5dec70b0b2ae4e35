"""The user's train step on a probe: untrained networks (seed 004's theta_g / theta_d), fakes labelled real, swapped updates.

The step runs PROBE_STEPS times with a stand-in generator whose samples
are the real batch itself (plus a trainable offset, zero at first), so D's
real and fake batches are the same images. A correct D cannot separate
them: it settles at its loss's balance (logit 0 for cross-entropy). With
the fakes labelled real, every term pulls D's score up, and it climbs.
One step comparing D's scores on real and on G's fakes (this probe's
predecessor) missed the mistake on image data: both scores rise. The
drift's measured separation, user-written MLP, conv, subclassed and
classic-recipe GANs and gan_lab's own, is in docs/seed_articles.md
(experiments/doctor_probe.py). G's first step must raise the old D's
score of its samples. Put back into the seeds' corrected MLP GAN, fakes
labelled real cost FCD 1230 and swapped updates 2230, against 527
(`findings._COST`).
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from gan_lab.doctor.findings import DoctorError, Finding, first_line
from gan_lab.doctor.loss import same_images_balance
from gan_lab.doctor.networks import copy_model, logit_reader
from gan_lab.gan import losses, models
from gan_lab.gan.train_step import GanUpdates, StepSettings

PROBE_STEPS = 20  # Enough for a correct D started 2 logits off its balance to settle (docs/seed_articles.md).
MAX_PROBE_STEPS = 60  # While D still climbs after PROBE_STEPS (a slow D: lr 1e-4 on a conv D), up to this many.
DRIFT_LIMIT = 1.0  # Logits above the balance: correct steps ended within 0.3 of it, mislabelled ones past it.
CLIMBING = 0.25  # A drift above this that rose in each of the last 5 steps is followed further.


class _RealImages(keras.layers.Layer):
  """The probe generator's layer: row i of the real batch for noise row i (cycled), plus a trainable offset."""

  def __init__(self, images, **kwargs):
    super().__init__(**kwargs)
    self.images = tf.constant(images)
    self.offset = self.add_weight(shape=images.shape[1:], initializer="zeros", name="offset")

  def call(self, noise):
    rows = tf.range(tf.shape(noise)[0]) % tf.shape(self.images)[0]
    return tf.gather(self.images, rows) + self.offset


def probe_generator(real, noise) -> keras.Model:
  """A generator taking the user's noise whose samples are the real batch: G's step can move only the offset."""
  z = keras.Input(noise.shape[1:])
  return keras.Model(z, _RealImages(real)(z), name="doctor_probe_generator")


def check_train_step(discriminator, loss, real, noise, train_step, found: set) -> list[Finding]:
  """PROBE_STEPS of the user's step on a copy of D and the probe generator: D must settle, G must climb D's score.

  A discriminator Keras cannot copy (subclassed) takes the steps itself, and
  its weights are put back afterwards. The user's generator is not touched.
  `found`: the names of the errors earlier checks found (each is reported
  once; data outside G's range leaves the drift unread).
  """
  d = copy_model(discriminator) or discriminator
  d_weights = d.get_weights()
  try:
    return _probe_findings(d, d_weights, same_images_balance(loss, discriminator), real, noise, train_step, found)
  finally:
    discriminator.set_weights(d_weights) if d is discriminator else None


def _run_step(train_step, g, d, real, noise) -> None:
  try:
    train_step(g, d, real, noise)
  except Exception as e:  # pylint: disable=broad-except  (the user's code: any error is a reason, not a crash)
    raise DoctorError(f"the doctor could not run your train step: {type(e).__name__}: {first_line(e)}") from e


@dataclasses.dataclass(frozen=True)
class ProbeRun:
  """What the user's step did on the probe: D's mean logit on the real batch after each step (scores[0] before)
  minus its loss's balance, the probe generator's samples after the first step, which networks moved."""
  drifts: list
  first_samples: np.ndarray
  generator_trained: bool
  discriminator_trained: bool


def run_probe(train_step, d, balance: float | None, real, noise) -> ProbeRun:
  """The user's step on `d` (changed in place) and a fresh probe generator: PROBE_STEPS times, and on while D
  still climbs towards DRIFT_LIMIT (up to MAX_PROBE_STEPS). A loss with no balance (None) is read from logit 0
  and not followed further: its drift is not read."""
  g, read = probe_generator(real, noise), logit_reader(d)
  g_weights, d_weights = g.get_weights(), d.get_weights()
  origin = 0.0 if balance is None else balance
  drifts = [float(np.mean(read(real, d_weights))) - origin]
  while len(drifts) <= PROBE_STEPS or (balance is not None and len(drifts) <= MAX_PROBE_STEPS
                                       and _still_climbing(drifts)):
    _run_step(train_step, g, d, real, noise)
    if len(drifts) == 1:
      first_samples = np.asarray(g(noise[:len(real)], training=False))
    drifts.append(float(np.mean(read(real, d.get_weights()))) - origin)
  moved = lambda net, before: not all(np.array_equal(a, b) for a, b in zip(net.get_weights(), before))
  return ProbeRun(drifts, first_samples, moved(g, g_weights), moved(d, d_weights))


def _still_climbing(drifts) -> bool:
  return CLIMBING < drifts[-1] <= DRIFT_LIMIT and all(b > a for a, b in zip(drifts[-6:], drifts[-5:]))


def _probe_findings(d, d_weights, balance, real, noise, train_step, found) -> list[Finding]:
  probe = run_probe(train_step, d, balance, real, noise)
  unchanged = [name for name, trained in (("generator", probe.generator_trained),
                                          ("discriminator", probe.discriminator_trained)) if not trained]
  findings = []
  if unchanged:
    findings.append(Finding("untrained_network", "error", f"the train step changed none of the {' or '.join(unchanged)}'s "
                            "weights: its gradients are taken or applied to other variables (seed 004's theta_g and "
                            "theta_d); apply each network's gradients to its own trainable_variables"))
  drift, steps = probe.drifts[-1], len(probe.drifts) - 1
  if balance is None and probe.discriminator_trained and not found & {"fakes_labelled_real", "swapped_updates"}:
    findings.append(Finding("fakes_labelled_real_unchecked", "note", "the loss is flat where D scores real and fake "
                            "alike (as Wasserstein's and the relativistic loss are), so nothing anchors D's score on equal batches and the "
                            "train-step probe cannot tell fakes labelled real from a correct step; check that D's "
                            "target for G(z) is 'fake'"))
  # Data outside G's range is no sample G could draw: D's scores on it start far from any balance.
  elif probe.discriminator_trained and drift > DRIFT_LIMIT and not found & {"fakes_labelled_real", "swapped_updates",
                                                                            "data_range"}:
    findings.append(Finding("fakes_labelled_real", "error", f"given the same images as real and as fake, D's score "
                            f"climbed to {drift:.1f} logits above its loss's balance ({balance:g}) in {steps} steps: "
                            "D's target for G(z) is 1 (or it steps on G's objective); D's target for fakes is 0"))
  g_moved = float(np.mean(logit_reader(d)(probe.first_samples, d_weights))) - (balance or 0.0) - probe.drifts[0]
  if probe.generator_trained and g_moved < 0 and "swapped_updates" not in found:
    findings.append(Finding("swapped_updates", "error", "after the train step the generator's new samples look more "
                            "fake to the old D: G steps on D's objective (or with D's gradients); G's target is "
                            "'real'"))
  return findings


def gan_lab_train_step(loss: str, settings: StepSettings = StepSettings(), g_learning_rate: float = 2e-4,
                       d_learning_rate: float = 2e-4, beta_1: float = 0.5, beta_2: float = 0.999):
  """gan_lab's own GAN step (`GanUpdates`, fresh Adam optimizers) as a `train_step` for `check`."""
  def train_step(generator, discriminator, real_batch, noise_batch):
    adam = lambda rate: keras.optimizers.Adam(rate, beta_1, beta_2)
    updates = GanUpdates(models.GanModels(generator, discriminator), losses.get(loss), None,
                         adam(g_learning_rate), adam(d_learning_rate), settings)
    updates.replica_step({"real": real_batch, "noise": noise_batch,
                          "uniform": np.full(len(real_batch), 0.5, np.float32)})
  return train_step
