"""Shapes, epoch coverage and seed determinism of the real-batch stream."""

import numpy as np
import pytest

from gan_lab.input_pipeline import make_dataset


def test_batches_hold_one_real_batch_per_discriminator_step():
  data = np.arange(40, dtype=np.float32).reshape(40, 1)
  batch = next(iter(make_dataset(data, batch_size=4, disc_steps=3, seed=0)))
  assert batch.shape == (12, 1)


def test_each_epoch_is_a_permutation_and_seeded():
  data = np.arange(12, dtype=np.float32).reshape(12, 1)
  it = iter(make_dataset(data, batch_size=4, disc_steps=1, seed=1))
  epoch = np.concatenate([next(it).numpy() for _ in range(3)]).ravel()
  assert sorted(epoch) == list(range(12)) and list(epoch) != list(range(12))
  again = iter(make_dataset(data, batch_size=4, disc_steps=1, seed=1))
  np.testing.assert_array_equal(next(again).numpy().ravel(), epoch[:4])


def test_batch_larger_than_data_is_an_error():
  with pytest.raises(ValueError, match="exceeds the 5 training examples"):
    make_dataset(np.zeros((5, 1), np.float32), batch_size=4, disc_steps=2, seed=0)
