"""A run's training set: scaled into the activation's data range, cut, and big enough for a step."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gan_lab.config.train_config import TrainConfig
from gan_lab.data import datasets as data
from gan_lab.run import training_data

HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()
RING = TrainConfig(dataset="ring", model="mlp", max_examples=5000)


@pytest.mark.parametrize("activation, lo, hi", [("sigmoid", 0, 1), ("tanh", -1, 1), ("hard_sigmoid", 0, 1)])
def test_ring_points_fill_the_data_range(activation, lo, hi):
  points = training_data.load(dataclasses.replace(RING, output_activation=activation))
  assert points.shape == (5000, 2) and points.dtype == np.float32
  assert lo <= points.min() and points.max() <= hi and points.max() - points.min() > 0.7 * (hi - lo)


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_images_map_pixels_linearly_onto_the_data_range(activation):
  config = TrainConfig(output_activation=activation, max_examples=100)
  images = training_data.load(config)
  pixels = data.load("fashion_mnist", "train").images[:100].astype(np.float64)
  lo, hi = {"sigmoid": (0, 1), "tanh": (-1, 1)}[activation]
  assert images.shape == (100, 28, 28, 1)
  np.testing.assert_allclose(images, lo + (hi - lo) * pixels / 255, atol=1e-6)


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
def test_data_margin_keeps_black_and_white_off_the_ends_of_tanh():
  images = training_data.load(TrainConfig(output_activation="tanh", data_margin=0.05, max_examples=100))
  pixels = data.load("fashion_mnist", "train").images[:100].astype(np.float64)
  np.testing.assert_allclose(images, -0.95 + 1.9 * pixels / 255, atol=1e-6)


def test_too_few_examples_for_one_step_names_the_flags():
  config = dataclasses.replace(RING, max_examples=100, batch_size=64, disc_steps=2)
  with pytest.raises(data.DataError, match=r"--batch_size x --disc_steps = 64 x 2 = 128 exceeds the 100 training"):
    training_data.load(config)
