"""gan-lab doctor: check a GAN for the seed articles' mistakes before training it.

  gan-lab doctor --model=mlp --loss=non_saturating --output_activation=sigmoid
  gan-lab doctor --plugins=my_gan_parts --model=my_model --loss=my_loss     # registered pieces, by name
  gan-lab doctor --module=my_gan                                           # your own objects

With names (gan_lab's or a --plugins module's), the doctor builds the
networks as `gan-lab train` would with the same flags, feeds them a real
batch scaled as training scales it and a standard-normal noise batch, and
runs one of gan_lab's train steps on copies. With --module, the module
defines `doctor_inputs()` returning the keyword arguments of
`gan_lab.doctor.check`: generator, discriminator, loss, real_batch,
noise, and optionally train_step. Exit codes: 0 nothing found (notes
allowed), 1 bad flag, 5 a mistake found, 6 the doctor could not check the
GAN (the module or the GAN's own code failed: one line says what).
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
                    "arguments of gan_lab.doctor.check; the name flags are then not used.")

FLAGS = flags.FLAGS


_EXPECTED = ("expected a function doctor_inputs() returning a dict of generator, discriminator, loss, real_batch, "
             "noise (and optionally train_step, output_range)")


def _inputs_from_module(name: str) -> dict:
  """The module's doctor_inputs(); DoctorError (one line) for a module that cannot give them."""
  from gan_lab.doctor import DoctorError, first_line as _first_line  # pylint: disable=g-import-not-at-top
  try:
    module = importlib.import_module(name)
  except Exception as e:  # pylint: disable=broad-except  (importing runs the user's module: any error)
    raise DoctorError(f"--module={name}: cannot import it ({type(e).__name__}: {_first_line(e)})") from None
  if not callable(getattr(module, "doctor_inputs", None)):
    raise DoctorError(f"--module={name}: {_EXPECTED}")
  try:
    inputs = module.doctor_inputs()
  except Exception as e:  # pylint: disable=broad-except
    raise DoctorError(f"--module={name}: doctor_inputs() raised {type(e).__name__}: {_first_line(e)}") from None
  needed, allowed = {"generator", "discriminator", "loss", "real_batch", "noise"}, {"train_step", "output_range"}
  if not isinstance(inputs, dict) or not needed <= set(inputs) or set(inputs) - needed - allowed:
    got = ", ".join(sorted(inputs)) if isinstance(inputs, dict) else type(inputs).__name__
    raise DoctorError(f"--module={name}: doctor_inputs() returned {got}; {_EXPECTED}")
  return inputs


def _inputs_from_names(config) -> dict:
  """gan_lab's pieces as `gan-lab train` builds them, a real batch as it feeds them, and its train step."""
  import keras  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_lab import doctor  # pylint: disable=g-import-not-at-top
  from gan_lab.gan import activations, models  # pylint: disable=g-import-not-at-top
  from gan_lab.gan.train_step import StepSettings  # pylint: disable=g-import-not-at-top
  from gan_lab.run import training_data  # pylint: disable=g-import-not-at-top
  activation = activations.get(config.output_activation, config.data_margin)
  real = training_data.load(config)[:config.batch_size]
  keras.utils.set_random_seed(config.seed)
  networks = models.build(config.model, real.shape[1:], config.noise_dim, activation)
  noise = np.random.default_rng(config.seed).standard_normal((len(real), config.noise_dim)).astype(np.float32)
  settings = StepSettings.of(config)
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
  from gan_lab import doctor  # pylint: disable=g-import-not-at-top
  try:
    inputs = _inputs_from_module(FLAGS.module) if FLAGS.module else _inputs_from_names(config)
    findings = _checked(doctor, inputs)
  except datasets.DataError as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.UNUSABLE
  except doctor.DoctorError as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.DOCTOR_FAILED
  print(doctor.summary(findings))
  return ExitCode.FINDINGS if any(f.severity == "error" for f in findings) else ExitCode.OK


def _checked(doctor, inputs):
  """doctor.check on the inputs; whatever the user's networks or arrays raise becomes one DoctorError line."""
  try:
    return doctor.check(**inputs)
  except doctor.DoctorError:
    raise
  except Exception as e:  # pylint: disable=broad-except  (the GAN's own code runs inside the checks)
    raise doctor.DoctorError(f"the doctor could not check your GAN: {type(e).__name__}: {doctor.first_line(e)}") from e


if __name__ == "__main__":
  app.run(main)
