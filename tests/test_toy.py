"""The ring data set and its mode-coverage score."""

import numpy as np

from gan_lab.data import toy


def test_ring_covers_all_modes_and_lies_in_unit_square():
  points = toy.ring(4000, seed=0)
  assert points.shape == (4000, 2) and points.dtype == np.float32
  assert np.abs(points).max() < 1.0
  covered, near = toy.mode_coverage(points)
  assert covered == 8 and near > 0.999


def test_collapsed_samples_cover_one_mode():
  centre = toy.mode_centers()[3]
  covered, near = toy.mode_coverage(np.tile(centre, (100, 1)))
  assert covered == 1 and near == 1.0


def test_points_far_from_modes_cover_nothing():
  covered, near = toy.mode_coverage(np.zeros((100, 2)))
  assert covered == 0 and near == 0.0


def test_same_seed_same_points():
  np.testing.assert_array_equal(toy.ring(10, 5), toy.ring(10, 5))
  assert not np.array_equal(toy.ring(10, 5), toy.ring(10, 6))
