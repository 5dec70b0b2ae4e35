"""gan-lab doctor: check a GAN for the seed articles' mistakes before training it.

  gan-lab doctor --model=mlp --loss=non_saturating --output_activation=sigmoid
  gan-lab doctor --plugins=my_gan_parts --model=my_model --loss=my_loss     # registered pieces, by name
  gan-lab doctor --module=my_gan                                           # your own objects

With names (gan_lab's or a --plugins module's), the doctor builds the
networks as `gan-lab train` would with the same flags, feeds them a real
batch scaled as training scales it and a standard-normal noise batch, and
runs one of gan_lab's train steps on copies. With --module, the module
defines `doctor_inputs()` returning the keyword arguments of
`gan_lab.gan.doctor.check`: generator, discriminator, loss, real_batch,
noise, and optionally train_step. Exit codes: 0 nothing found (notes
allowed), 1 bad flag, 5 a mistake found.
"""

import importlib
import os
import sys

from absl import app, flags

from gan_lab.cli import config_flags, native_log_filter
from gan_lab.config import registry
from gan_lab.run.exit_codes import ExitCode

config_flags.define_config_flags()
flags.adopt_module_key_flags(config_flags)
flags.DEFINE_string("module", "", "A Python module (importable from this folder) whose doctor_inputs() returns the "
                    "arguments of gan_lab.gan.doctor.check; the name flags are then not used.")

FLAGS = flags.FLAGS


def _inputs_from_module(name: str) -> dict:
  try:
    module = importlib.import_module(name)
  except ImportError as e:
    raise app.UsageError(f"--module: cannot import {name!r} ({e})") from None
  if not callable(getattr(module, "doctor_inputs", None)):
    raise app.UsageError(f"--module={name}: expected a function doctor_inputs() returning generator, discriminator, "
                         "loss, real_batch, noise (and optionally train_step)")
  return module.doctor_inputs()


def _inputs_from_names(config) -> dict:
  """gan_lab's pieces as `gan-lab train` builds them, a real batch as it feeds them, and its train step."""
  import keras  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_lab.gan import activations, doctor, models  # pylint: disable=g-import-not-at-top
  from gan_lab.gan.train_step import StepSettings  # pylint: disable=g-import-not-at-top
  from gan_lab.run import training_data  # pylint: disable=g-import-not-at-top
  activation = activations.get(config.output_activation, config.data_margin)
  real = training_data.load(config)[:config.batch_size]
  keras.utils.set_random_seed(config.seed)
  networks = models.build(config.model, real.shape[1:], config.noise_dim, activation)
  noise = np.random.default_rng(config.seed).standard_normal((len(real), config.noise_dim)).astype(np.float32)
  settings = StepSettings(config.disc_steps, config.gp_weight, config.label_smoothing,
                          config.update_scheme == "simultaneous")
  train_step = doctor.gan_lab_train_step(config.loss, settings, config.g_learning_rate, config.d_learning_rate,
                                         config.beta_1, config.beta_2)

  return dict(generator=networks.generator, discriminator=networks.discriminator, loss=config.loss, real_batch=real,
              noise=noise, train_step=train_step, output_range=activation.output_range)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  native_log_filter.quiet_unless_verbose()
  sys.path.append(os.getcwd())  # --plugins and --module modules may live in the folder the command runs from.
  config = config_flags.config_from_flags(FLAGS)
  try:
    registry.import_plugins(config.plugins)
    config.validate()
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  from gan_lab.data import datasets  # pylint: disable=g-import-not-at-top
  from gan_lab.gan import doctor  # pylint: disable=g-import-not-at-top
  try:
    inputs = _inputs_from_module(FLAGS.module) if FLAGS.module else _inputs_from_names(config)
  except datasets.DataError as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.UNUSABLE
  findings = doctor.check(**inputs)
  print(doctor.summary(findings))
  return ExitCode.FINDINGS if any(f.severity == "error" for f in findings) else ExitCode.OK


if __name__ == "__main__":
  app.run(main)
