"""Grids and sample files come from noise fixed by the seed, with the data range declared."""

import numpy as np
import tensorflow as tf

from gan_lab.config.train_config import TrainConfig
from gan_lab.gan import activations
from gan_lab.run.sample_writer import SampleWriter


def _writer(seed=0, activation="sigmoid"):
  config = TrainConfig(seed=seed, noise_dim=3, grid_size=2, num_samples=5, snapshot_samples=3,
                       output_activation=activation)
  generator = lambda noise, training: tf.math.sigmoid(tf.reshape(tf.tile(noise, [1, 12]), [-1, 6, 6, 1]))
  return SampleWriter(generator, activations.get(activation), config)


def test_noise_is_a_function_of_the_seed_alone():
  a, b, c = _writer(0), _writer(0), _writer(1)
  np.testing.assert_array_equal(a.sample_noise, b.sample_noise)
  assert a.grid_noise.shape == (4, 3) and a.sample_noise.shape == (5, 3)
  assert not np.array_equal(a.sample_noise, c.sample_noise)
  assert not np.array_equal(a.grid_noise, a.sample_noise[:4])  # Grid and samples use separate streams.


def test_snapshots_are_the_first_rows_of_the_final_samples(tmp_path):
  writer = _writer()
  final = writer.save_samples(tmp_path / "samples.npz", 5)
  snapshot = writer.save_samples(tmp_path / "snapshot.npz", 3)
  np.testing.assert_array_equal(snapshot, final[:3])
  with np.load(tmp_path / "samples.npz") as f:
    assert f["samples"].shape == (5, 6, 6, 1) and list(f["data_range"]) == [0.0, 1.0]


def test_grid_is_written_whole(tmp_path):
  samples = _writer().save_grid(tmp_path / "grid.png", step=7)
  assert samples.shape == (4, 6, 6, 1)
  assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  assert not list(tmp_path.glob(".*.tmp"))


def test_a_data_margin_is_declared_beside_the_unchanged_data_range(tmp_path):
  config = TrainConfig(noise_dim=3, grid_size=2, num_samples=5, output_activation="sigmoid", data_margin=0.1)
  generator = lambda noise, training: tf.math.sigmoid(tf.reshape(tf.tile(noise, [1, 12]), [-1, 6, 6, 1]))
  SampleWriter(generator, activations.get("sigmoid", 0.1), config).save_samples(tmp_path / "s.npz", 5)
  with np.load(tmp_path / "s.npz") as f:
    assert list(f["data_range"]) == [0.0, 1.0]
    np.testing.assert_allclose(f["image_range"], [0.05, 0.95])
