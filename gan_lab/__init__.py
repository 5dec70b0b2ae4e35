"""gan_lab: GAN experiments in Keras/TensorFlow, one subpackage per step of the data's path.

  config -> data -> gan -> doctor, run -> evaluation -> study (ray, cli on top; files under all)

The names below are what a Python user needs; each is imported when first
read (PEP 562), so `import gan_lab` and `gan_lab.TrainConfig` load no
TensorFlow, and a command line is checked before the slow import.

  TrainConfig, train            one run, as `gan-lab train` does it (gan_lab.run.training)
  GAN, SampleGrid               a keras.Model to `fit` (gan_lab.gan.keras_gan), its grid callback (gan_lab.run.sample_grid)
  register_model, register_loss, register_activation   your own pieces, usable by name
  doctor                        `doctor.check(...)`: the seed articles' mistakes in your own GAN
"""

import importlib

# public name -> (module, attribute)
_EXPORTS = {
    "TrainConfig": ("gan_lab.config.train_config", "TrainConfig"),
    "train": ("gan_lab.run.training", "train"),
    "GAN": ("gan_lab.gan.keras_gan", "GAN"),
    "SampleGrid": ("gan_lab.run.sample_grid", "SampleGrid"),
    "register_model": ("gan_lab.gan.models", "register"),
    "register_loss": ("gan_lab.gan.losses", "register"),
    "register_activation": ("gan_lab.gan.activations", "register"),
    "doctor": ("gan_lab.doctor", None),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
  if name not in _EXPORTS:
    raise AttributeError(f"module 'gan_lab' has no attribute {name!r}")
  module, attribute = _EXPORTS[name]
  value = importlib.import_module(module)
  value = getattr(value, attribute) if attribute else value
  globals()[name] = value  # Later reads skip this function.
  return value


def __dir__():
  return sorted(list(globals()) + __all__)
