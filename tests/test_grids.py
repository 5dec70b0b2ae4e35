"""Grids map samples by the activation's data range only, never per image."""

import matplotlib.image
import numpy as np
import pytest

from gan_lab.gan import activations
from gan_lab.run import grids


def test_tile_uses_fixed_mapping_not_per_image_minmax():
  tanh = activations.get("tanh")
  dim = np.full((1, 2, 2, 1), -0.5, np.float32)  # A uniformly dark image must stay dark.
  canvas, outside = grids.tile(dim, tanh, columns=1)
  np.testing.assert_allclose(canvas, 0.25)
  assert outside == 0.0


def test_tile_layout_and_blank_cells():
  sig = activations.get("sigmoid")
  samples = np.stack([np.full((2, 3, 1), v, np.float32) for v in (0.0, 0.5, 1.0)])
  canvas, _ = grids.tile(samples, sig, columns=2)
  assert canvas.shape == (4, 6, 1)
  np.testing.assert_allclose(canvas[:2, :3], 0.0)
  np.testing.assert_allclose(canvas[:2, 3:], 0.5)
  np.testing.assert_allclose(canvas[2:, :3], 1.0)
  np.testing.assert_allclose(canvas[2:, 3:], 1.0)  # Empty cell: white.


def test_out_of_range_values_are_counted_and_clipped_for_display():
  linear = activations.get("linear")
  samples = np.array([-3.0, -1.0, 0.0, 1.0, 2.0], np.float32).reshape(1, 1, 5, 1)
  canvas, outside = grids.tile(samples, linear, columns=1)
  assert outside == pytest.approx(0.4)
  np.testing.assert_allclose(canvas.ravel(), [0.0, 0.0, 0.5, 1.0, 1.0])


def test_save_grid_writes_a_png_and_reports_clipping(tmp_path):
  linear = activations.get("linear")
  samples = np.random.default_rng(0).normal(0, 2, (16, 28, 28, 1)).astype(np.float32)
  path = tmp_path / "grid.png"
  outside = grids.save_grid(path, samples, linear, columns=4, title="step 1")
  assert outside > 0.3
  image = matplotlib.image.imread(path)
  assert image.ndim == 3 and image.shape[0] > 100
  assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize("shape", [(4, 32, 32, 3), (4, 28, 28, 1)])
def test_rgb_and_grey(tmp_path, shape):
  samples = np.random.default_rng(0).uniform(0, 1, shape).astype(np.float32)
  grids.save_grid(tmp_path / "g.png", samples, activations.get("sigmoid"), columns=2, title="t")
  assert (tmp_path / "g.png").stat().st_size > 1000
