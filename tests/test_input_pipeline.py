"""Shapes, epoch coverage, seed determinism and exact resumption of the step inputs."""

import numpy as np
import pytest

from gan_lab.data import input_pipeline


def _take(ds, n, key="real"):
  it = iter(ds)
  return np.stack([next(it)[key].numpy() for _ in range(n)])


def _ds(data, batch_size=10, disc_steps=1, seed=5, start_step=0):
  return input_pipeline.make_dataset(data, batch_size, disc_steps, noise_dim=3, seed=seed, start_step=start_step)


def test_elements_hold_one_batch_per_discriminator_step():
  data = np.arange(40, dtype=np.float32).reshape(40, 1)
  element = next(iter(_ds(data, batch_size=4, disc_steps=3)))
  assert element["real"].shape == (12, 1) and element["real"].dtype == np.float32
  assert element["noise"].shape == (12, 3) and element["uniform"].shape == (12,)
  u = element["uniform"].numpy()
  assert (u >= 0).all() and (u < 1).all()


def test_each_epoch_is_a_permutation_with_the_remainder_dropped():
  data = np.arange(14, dtype=np.float32).reshape(14, 1)
  batches = _take(_ds(data, batch_size=4, seed=1), 6)
  for epoch in (batches[:3], batches[3:]):  # 14 // 4 = 3 steps per epoch, 2 examples dropped.
    values = epoch.ravel()
    assert len(set(values)) == 12 and set(values) <= set(range(14))
  assert not np.array_equal(batches[:3], batches[3:])  # Reshuffled every epoch.


@pytest.mark.parametrize("key", ["real", "noise", "uniform"])
def test_same_seed_same_stream_other_seed_other_stream(key):
  data = np.arange(100, dtype=np.float32).reshape(100, 1)
  a = _take(_ds(data, seed=3), 12, key)
  np.testing.assert_array_equal(a, _take(_ds(data, seed=3), 12, key))
  assert not np.array_equal(a, _take(_ds(data, seed=4), 12, key))


def test_noise_differs_between_steps_and_is_standard_normal():
  noise = _take(_ds(np.zeros((1000, 1), np.float32), batch_size=500), 4, "noise")
  assert not np.array_equal(noise[0], noise[1])
  assert abs(noise.mean()) < 0.05 and abs(noise.std() - 1) < 0.05


@pytest.mark.parametrize("start", [1, 9, 10, 23])
@pytest.mark.parametrize("key", ["real", "noise", "uniform"])
def test_starting_at_a_step_continues_the_same_stream(start, key):
  data = np.arange(100, dtype=np.float32).reshape(100, 1)
  full = _take(_ds(data), 30, key)
  np.testing.assert_array_equal(_take(_ds(data, start_step=start), 30 - start, key), full[start:])


def test_batch_larger_than_data_is_an_error():
  with pytest.raises(ValueError, match="exceeds the 5 training examples"):
    _ds(np.zeros((5, 1), np.float32), batch_size=4, disc_steps=2)


def test_replica_major_order_gives_each_replica_its_share_of_every_discriminator_batch():
  rows = np.arange(8, dtype=np.float32).reshape(8, 1)  # K = 2 batches of B = 4: rows 0-3 and 4-7.
  ordered = input_pipeline.replica_major(rows, disc_steps=2, replicas=2).numpy().ravel()
  assert ordered.tolist() == [0, 1, 4, 5, 2, 3, 6, 7]
  replica_0, replica_1 = np.split(ordered, 2)  # tf.distribute's even split of the element.
  assert [b.tolist() for b in np.split(replica_0, 2)] == [[0, 1], [4, 5]]  # Half of batch 0, half of batch 1.
  assert [b.tolist() for b in np.split(replica_1, 2)] == [[2, 3], [6, 7]]
  np.testing.assert_array_equal(input_pipeline.replica_major(rows, 2, 1), rows)


def test_a_distributed_element_holds_the_single_device_rows_in_replica_order():
  data = np.arange(40, dtype=np.float32).reshape(40, 1)
  single = next(iter(input_pipeline.make_dataset(data, 4, 3, noise_dim=2, seed=5)))
  split = next(iter(input_pipeline.make_dataset(data, 4, 3, noise_dim=2, seed=5, replicas=2)))
  for key in ("real", "noise", "uniform"):
    np.testing.assert_array_equal(input_pipeline.replica_major(single[key], 3, 2), split[key])
