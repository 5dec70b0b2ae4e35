"""Config validation names the flag, the value and what was expected."""

import dataclasses
import json

import pytest

from gan_lab.config import TrainConfig


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
])
def test_bad_values_are_named(change, message):
  with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
    dataclasses.replace(TrainConfig(), **change).validate()


def test_wasserstein_with_penalty_is_fine():
  dataclasses.replace(TrainConfig(), loss="wasserstein", gp_weight=10.0).validate()
