"""Sweep axes: parsed by gan-lab train's own flag parsers, checked by TrainConfig, named the one way that reads back."""

import pytest

from gan_lab.cli import axis_flags
from gan_lab.config.train_config import TrainConfig
from gan_lab.study import axes


def test_values_are_parsed_as_gan_lab_train_parses_its_flags():
  lr, beta, jit, model_steps = axis_flags.parse(
      ["g_learning_rate,d_learning_rate=1e-4,2e-4", "beta_1=0,0.5", "jit_compile=true,false", "disc_steps=1,2"], "axis")
  assert lr.fields == ("g_learning_rate", "d_learning_rate") and lr.values == (1e-4, 2e-4)
  assert beta.values == (0.0, 0.5) and all(isinstance(v, float) for v in beta.values)
  assert jit.values == (True, False) and model_steps.values == (1, 2)


def test_a_folder_name_reads_back_to_the_same_value_and_flags_set_every_tied_field():
  lr = axes.Axis(("g_learning_rate", "d_learning_rate"), (1e-4, 2e-05))
  assert [lr.part(v) for v in lr.values] == ["g_learning_rate,d_learning_rate=0.0001",
                                            "g_learning_rate,d_learning_rate=2e-05"]
  assert lr.flags(2e-05) == ["--g_learning_rate=2e-05", "--d_learning_rate=2e-05"]
  for field, value in (("beta_1", 0.1 + 0.2), ("disc_steps", 3), ("jit_compile", False), ("update_scheme", "simultaneous")):
    assert axes.parse_value(field, axes.format_value(value)) == value
  assert lr.spec() == "g_learning_rate,d_learning_rate=0.0001,2e-05"


def test_combinations_are_the_grid_in_order():
  grid = axes.combinations([axes.Axis(("a",), (1, 2)), axes.Axis(("b",), (0.0, 0.5))])
  assert grid == [(("a", 1), ("b", 0.0)), (("a", 1), ("b", 0.5)), (("a", 2), ("b", 0.0)), (("a", 2), ("b", 0.5))]


@pytest.mark.parametrize("spec, message", [
    ("bogus=1,2", "bogus is not a gan-lab train flag"),
    ("beta_1", "expected FIELD=V1,V2"),
    ("beta_1=", "expected FIELD=V1,V2"),
    ("beta_1=0.5,fast", "'fast' is not a valid --beta_1"),
    ("disc_steps=1.5", "'1.5' is not a valid --disc_steps"),
    ("beta_1,update_scheme=0.5", "different types"),
])
def test_malformed_specs_name_the_flag_and_what_was_expected(spec, message):
  with pytest.raises(ValueError, match="--axis=") as raised:
    axis_flags.parse([spec], "axis")
  assert message in str(raised.value)


@pytest.mark.parametrize("specs, taken, message", [
    (["beta_1=0.5,1.5"], (), "--beta_1=1.5: expected a value in [0, 1)"),
    (["disc_steps=0,1"], (), "--disc_steps=0: expected an integer >= 1"),
    (["update_scheme=alternating,sideways"], (), "expected one of alternating, simultaneous"),
    (["dataset=mnist,fashion_mnist"], (), "dataset cannot vary within one sweep folder"),
    (["output_dir=a,b"], (), "output_dir cannot vary within one sweep folder"),
    (["seed=1,2"], (), "seed cannot vary within one sweep folder (--seeds)"),
    (["output_activation=tanh,linear"], (), "set it with --activations"),
    (["beta_1=0.0,0.5", "beta_1=0.9"], (), "beta_1 is swept twice"),
    (["beta_1=0.0,0.5"], ("beta_1",), "beta_1 is swept twice"),
    (["beta_1=0.5,0.5"], (), "a value is given twice"),
])
def test_values_a_run_could_not_take_are_refused_before_any_run(specs, taken, message):
  parsed = axis_flags.parse(specs, "axis")
  with pytest.raises(ValueError) as raised:
    axes.check(parsed, TrainConfig(), "axis", taken)
  assert message in str(raised.value) and str(raised.value).startswith("--axis=")
