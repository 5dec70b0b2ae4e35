"""Config validation names the flag, the value and what was expected; the module stays light."""

import dataclasses
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gan_lab.config.train_config import TrainConfig

REPO = Path(__file__).resolve().parents[1]


def test_defaults_are_valid_and_serialise():
  TrainConfig().validate()
  assert json.loads(TrainConfig().to_json())["dataset"] == "fashion_mnist"


@pytest.mark.parametrize("change, message", [
    ({"output_activation": "softmax"}, "--output_activation='softmax': expected one of sigmoid"),
    ({"train_steps": -5}, "--train_steps=-5: expected an integer >= 1"),
    ({"batch_size": 0}, "--batch_size=0"),
    ({"g_learning_rate": 0.0}, "--g_learning_rate=0.0"),
    ({"beta_2": 1.0}, "--beta_2=1.0"),
    ({"gp_weight": -1.0}, "--gp_weight=-1.0"),
    ({"label_smoothing": 0.7}, "--label_smoothing=0.7"),
    ({"loss": "hinge", "label_smoothing": 0.1}, "no meaning for --loss=hinge"),
    ({"loss": "wasserstein"}, "--loss=wasserstein needs a Lipschitz critic"),
    ({"dataset": "ring"}, "--dataset=ring is 2-D points"),
    ({"dataset": "svhn"}, "--dataset='svhn'"),
    ({"model": "tutorial_dcgan", "dataset": "cifar10"}, "--model=tutorial_dcgan is defined for 28x28x1"),
    ({"mixed_precision": "float8"}, "--mixed_precision='float8'"),
    ({"update_scheme": "simultaneous", "disc_steps": 2}, "it needs --disc_steps=1, got 2"),
    ({"gp_weight": math.nan}, "--gp_weight=nan: expected a value in [0, inf)"),
    ({"d_learning_rate": math.inf}, "--d_learning_rate=inf: expected a value in (0, 1)"),
    ({"beta_1": -0.1}, "--beta_1=-0.1: expected a value in [0, 1)"),
    ({"seed": -1}, "--seed=-1: expected an integer >= 0"),
    ({"batch_size": 64.0}, "--batch_size=64.0: expected a value of type int"),
    ({"jit_compile": 1}, "--jit_compile=1: expected a value of type bool"),
    ({"noise_dim": True}, "--noise_dim=True: expected a value of type int"),
])
def test_bad_values_are_named(change, message):
  with pytest.raises(ValueError, match=re.escape(message)):
    dataclasses.replace(TrainConfig(), **change).validate()


def test_wasserstein_with_penalty_is_fine():
  dataclasses.replace(TrainConfig(), loss="wasserstein", gp_weight=10.0).validate()


def test_an_int_is_a_valid_float():
  dataclasses.replace(TrainConfig(), gp_weight=10, beta_1=0).validate()


def test_importing_the_config_does_not_import_tensorflow():
  """The CLI checks flags before the slow TensorFlow import; that only helps if the config is light."""
  code = ("import sys; sys.path.insert(0, sys.argv[1]); import gan_lab.config.train_config as c; c.TrainConfig().validate(); "
          "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
  proc = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, timeout=60)
  assert proc.returncode == 0, proc.stderr
  assert proc.stdout.strip() == "[]"


def test_every_field_has_help_and_sensible_metadata():
  for field in dataclasses.fields(TrainConfig):
    assert field.metadata["help"].strip(), field.name
    assert field.type in (str, int, float, bool), field.name
