"""`check`: every check, in the order that lets a later one trust an earlier one (shape before range before step)."""

import numpy as np

from gan_lab.doctor.data_range import check_data_range
from gan_lab.doctor.findings import Finding
from gan_lab.doctor.loss import check_loss
from gan_lab.doctor.noise import check_noise
from gan_lab.doctor.train_step import check_train_step

def check(generator, discriminator, loss, real_batch, noise, train_step=None, output_range=None,
          log=print) -> list[Finding]:
  """The mistakes found in a GAN; each is also printed (through `log`, unless None).

  generator, discriminator: Keras models (noise -> samples, samples -> D's
    output). loss: a gan_lab loss name or `losses.GanLoss` (both take
    logits), or a Keras loss (its `from_logits` is read). real_batch: real
    data exactly as training feeds it. noise: a batch of the noise training
    draws. train_step: optional `train_step(generator, discriminator,
    real_batch, noise)` doing one GAN step on the networks given; it is run
    once on copies. output_range: the generator's (lo, hi) when its last
    layer does not say (e.g. a custom activation).
  """
  real = np.asarray(real_batch, np.float32)
  noise = np.asarray(noise, np.float32)
  findings = [*check_noise(generator, noise)]
  if not findings or findings[0].name != "noise_shape":
    findings += check_data_range(generator, real, noise, output_range)
  findings += check_loss(discriminator, loss, real)
  if train_step is not None and not any(f.name == "noise_shape" for f in findings):
    errors = {f.name for f in findings if f.severity == "error"}
    findings += check_train_step(discriminator, loss, real, noise, train_step, errors)
  for finding in findings if log else ():
    log(str(finding))
  return findings
