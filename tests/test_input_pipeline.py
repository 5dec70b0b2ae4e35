"""Shapes, epoch coverage, seed determinism and exact resumption of the real-batch stream."""

import numpy as np
import pytest

from gan_lab import input_pipeline


def _take(ds, n):
  it = iter(ds)
  return np.stack([next(it).numpy() for _ in range(n)])


def test_batches_hold_one_real_batch_per_discriminator_step():
  data = np.arange(40, dtype=np.float32).reshape(40, 1)
  batch = next(iter(input_pipeline.make_dataset(data, batch_size=4, disc_steps=3, seed=0)))
  assert batch.shape == (12, 1) and batch.dtype == np.float32


def test_each_epoch_is_a_permutation_with_the_remainder_dropped():
  data = np.arange(14, dtype=np.float32).reshape(14, 1)
  batches = _take(input_pipeline.make_dataset(data, batch_size=4, disc_steps=1, seed=1), 6)
  for epoch in (batches[:3], batches[3:]):  # 14 // 4 = 3 steps per epoch, 2 examples dropped.
    values = epoch.ravel()
    assert len(set(values)) == 12 and set(values) <= set(range(14))
  assert not np.array_equal(batches[:3], batches[3:])  # Reshuffled every epoch.


def test_same_seed_same_order_other_seed_other_order():
  data = np.arange(100, dtype=np.float32).reshape(100, 1)
  a = _take(input_pipeline.make_dataset(data, 10, 1, seed=3), 12)
  np.testing.assert_array_equal(a, _take(input_pipeline.make_dataset(data, 10, 1, seed=3), 12))
  assert not np.array_equal(a, _take(input_pipeline.make_dataset(data, 10, 1, seed=4), 12))


@pytest.mark.parametrize("start", [1, 9, 10, 23])
def test_starting_at_a_step_continues_the_same_stream(start):
  data = np.arange(100, dtype=np.float32).reshape(100, 1)
  full = _take(input_pipeline.make_dataset(data, 10, 1, seed=5), 30)
  resumed = _take(input_pipeline.make_dataset(data, 10, 1, seed=5, start_step=start), 30 - start)
  np.testing.assert_array_equal(resumed, full[start:])


def test_batch_larger_than_data_is_an_error():
  with pytest.raises(ValueError, match="exceeds the 5 training examples"):
    input_pipeline.make_dataset(np.zeros((5, 1), np.float32), batch_size=4, disc_steps=2, seed=0)
