"""--axis and --tune values (`FIELD[,FIELD...]=V1,V2,...`) parsed into `axes.Axis`, by `gan-lab train`'s parsers.

Each value goes through the absl parser of the train command's flag of the
same name (the flags `config_flags` defines from `TrainConfig`), so `1e-4`,
`true` or `64` mean here what they mean on `gan-lab train`'s command line;
bounds and choices are then checked by `axes.check`.
"""

import dataclasses

from absl import flags

from gan_lab.cli import config_flags
from gan_lab.config import train_config as config_lib
from gan_lab.study import axes


def _train_flags() -> flags.FlagValues:
  flag_values = flags.FlagValues()
  config_flags.define_config_flags(flag_values)
  return flag_values


def parse(specs, flag: str) -> tuple[axes.Axis, ...]:
  """The axes of a repeated flag's values; ValueError naming `--flag` and what was expected."""
  train_flags = _train_flags()
  types = {f.name: f.type for f in dataclasses.fields(config_lib.TrainConfig)}
  parsed = []
  for spec in specs:
    names, sep, values = spec.partition("=")
    fields = tuple(n.strip() for n in names.split(","))
    if not sep or not all(fields) or not values.strip():
      raise ValueError(f"--{flag}={spec}: expected FIELD=V1,V2,... (or FIELD1,FIELD2=V1,V2,... for tied fields)")
    unknown = [f for f in fields if f not in types]
    if unknown:
      raise ValueError(f"--{flag}={spec}: {', '.join(unknown)} is not a gan-lab train flag "
                       "(gan-lab train --help lists them)")
    if len({types[f] for f in fields}) > 1:
      raise ValueError(f"--{flag}={spec}: tied fields take one value, but {', '.join(fields)} have different types")
    parsed.append(axes.Axis(fields, tuple(_parse_value(train_flags[fields[0]], v.strip(), spec, flag)
                                          for v in values.split(","))))
  return tuple(parsed)


def _parse_value(train_flag, text: str, spec: str, flag: str):
  try:
    return train_flag.parser.parse(text)
  except (ValueError, TypeError) as e:
    raise ValueError(f"--{flag}={spec}: {text!r} is not a valid --{train_flag.name} ({e})") from None
