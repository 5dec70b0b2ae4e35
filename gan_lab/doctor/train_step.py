"""One train step on copies: untrained networks (seed 004's theta_g / theta_d), fakes labelled real, swapped updates.

The user's step runs once; D should then separate real from the same
fakes better, and G's new fakes should look more real to the old D. Put
back into the seeds' corrected MLP GAN, fakes labelled real cost FCD 1230
and swapped updates 2230, against 527 (`findings._COST`). The probe for
fakes labelled real is one step and misses it on image data (issue 36).
"""

import keras
import numpy as np

from gan_lab.doctor.findings import DoctorError, Finding, first_line
from gan_lab.doctor.networks import copy_model, logits_of
from gan_lab.gan import losses, models
from gan_lab.gan.train_step import GanUpdates, StepSettings

def _score(logits_of, x) -> float:
  """D's mean logit on x (`logits_of`: a `logits_of` view): larger means 'more real'."""
  return float(np.mean(np.asarray(logits_of(x), np.float64)))


def check_train_step(generator, discriminator, real, noise, train_step, found) -> list[Finding]:
  """One step on copies: D should separate real from these fakes better; G's new fakes should look more real.

  A network Keras cannot copy (subclassed) takes the step itself, and its
  weights are put back afterwards.
  """
  g, d = copy_model(generator) or generator, copy_model(discriminator) or discriminator
  g_weights, d_weights = g.get_weights(), d.get_weights()
  try:
    return _step_findings(g, d, g_weights, d_weights, real, noise, train_step, found)
  finally:
    generator.set_weights(g_weights) if g is generator else None
    discriminator.set_weights(d_weights) if d is discriminator else None


def _run_step(train_step, g, d, real, noise) -> None:
  try:
    train_step(g, d, real, noise)
  except Exception as e:  # pylint: disable=broad-except  (the user's code: any error is a reason, not a crash)
    raise DoctorError(f"the doctor could not run your train step: {type(e).__name__}: {first_line(e)}") from e


def _step_findings(g, d, g_weights, d_weights, real, noise, train_step, found) -> list[Finding]:
  fake_before = np.asarray(g(noise, training=False))
  d_before = logits_of(d, d_weights)  # Before the step, as its copy's fresh initialisers draw from the seed's stream.
  _run_step(train_step, g, d, real, noise)
  findings = []
  unchanged = [name for name, net, before in (("generator", g, g_weights), ("discriminator", d, d_weights))
               if all(np.array_equal(a, b) for a, b in zip(net.get_weights(), before))]
  if unchanged:
    findings.append(Finding("untrained_network", "error", f"the train step changed none of the {' or '.join(unchanged)}'s "
                            "weights: its gradients are taken or applied to other variables (seed 004's theta_g and "
                            "theta_d); apply each network's gradients to its own trainable_variables"))
  fake_after = np.asarray(g(noise, training=False))
  d_after = logits_of(d, d.get_weights())
  d_fake_moved = _score(d_after, fake_before) - _score(d_before, fake_before)
  d_real_moved = _score(d_after, real) - _score(d_before, real)
  g_moved = _score(d_before, fake_after) - _score(d_before, fake_before)
  if "discriminator" not in unchanged and d_fake_moved > 0 and d_fake_moved > d_real_moved:
    if "fakes_labelled_real" not in found and "swapped_updates" not in found:
      findings.append(Finding("fakes_labelled_real", "error", "after the train step D calls the same fakes more real "
                              "(its target for G(z) is 1, or it steps on G's objective); D's target for fakes is 0"))
  if "generator" not in unchanged and g_moved < 0 and "swapped_updates" not in found:
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
