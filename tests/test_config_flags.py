"""absl flags made from TrainConfig: one per field, its default and type, parsed back into a config."""

import dataclasses

from absl import flags

from gan_lab.cli import config_flags
from gan_lab.config.train_config import TrainConfig


def _fresh_flags():
  flag_values = flags.FlagValues()
  config_flags.define_config_flags(flag_values, exclude=("plugins",))
  return flag_values


def test_one_flag_per_field_with_its_default_and_help():
  flag_values = _fresh_flags()
  fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
  assert set(flag_values) == set(fields) - {"plugins"}
  for name in flag_values:
    assert flag_values[name].default == fields[name].default, name
    assert flag_values[name].help.startswith(fields[name].metadata["help"]), name
  assert "One of: sigmoid, tanh, linear, hard_sigmoid" in flag_values["output_activation"].help
  assert "In (0, 1)." in flag_values["g_learning_rate"].help and "At least 1." in flag_values["batch_size"].help


def test_parsed_flags_make_the_config():
  flag_values = _fresh_flags()
  flag_values(["prog", "--batch_size=8", "--loss=hinge", "--jit_compile", "--g_learning_rate=0.001"])
  config = config_flags.config_from_flags(flag_values, output_dir="elsewhere")
  assert config == dataclasses.replace(TrainConfig(), batch_size=8, loss="hinge", jit_compile=True,
                                       g_learning_rate=0.001, output_dir="elsewhere")


def test_given_flags_are_those_on_the_command_line_even_at_their_default():
  flag_values = _fresh_flags()
  flag_values(["prog", "--batch_size=64", "--loss=hinge"])  # 64 is the default, but it was given.
  assert config_flags.given_flags(flag_values) == {"batch_size", "loss"}
