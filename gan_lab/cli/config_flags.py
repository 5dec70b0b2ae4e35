"""absl flags generated from `TrainConfig`'s fields: one definition per flag, in gan_lab/config.py.

The type, default and help come from the field; choices and bounds go into
the help text and are checked by `TrainConfig.validate` (after `--plugins`
are imported, so names a plugin registers are accepted), which names the
flag in every error.
"""

import dataclasses

from absl import flags

from gan_lab.config import train_config as config_lib

_DEFINE = {str: flags.DEFINE_string, int: flags.DEFINE_integer, float: flags.DEFINE_float, bool: flags.DEFINE_bool}


def define_config_flags(flag_values=flags.FLAGS, exclude=()) -> None:
  """Defines one absl flag per `TrainConfig` field (less `exclude`), with its default and help."""
  for field in dataclasses.fields(config_lib.TrainConfig):
    if field.name not in exclude:
      _DEFINE[field.type](field.name, field.default, _help(field), flag_values=flag_values)


def config_from_flags(flag_values, **overrides) -> config_lib.TrainConfig:
  """The `TrainConfig` of the parsed flags; fields without a flag keep their default unless overridden."""
  values = {f.name: flag_values[f.name].value for f in dataclasses.fields(config_lib.TrainConfig)
            if f.name in flag_values}
  return config_lib.TrainConfig(**{**values, **overrides})


def given_flags(flag_values) -> set:
  """The `TrainConfig` fields set on the command line (not left at their default)."""
  return {f.name for f in dataclasses.fields(config_lib.TrainConfig) if f.name in flag_values
          and flag_values[f.name].present}


def _help(field: dataclasses.Field) -> str:
  meta, text = field.metadata, field.metadata["help"]
  choices = config_lib.choices_of(field)
  if choices:
    text += f" One of: {', '.join(choices)}" + (" (or a name a --plugins module registers)."
                                                  if callable(meta["choices"]) else ".")
  if meta["at_least"] is not None:
    text += f" At least {meta['at_least']}."
  if meta["interval"] is not None:
    text += f" In {config_lib.describe_interval(meta['interval'])}."
  return text
