"""The benchmarks' own arithmetic: the paused clock and the FLOP count."""

import time

import pytest

from benchmarks import contestants
from benchmarks.time_to_quality import Clock, summarise


def test_clock_excludes_paused_time():
  clock = Clock()
  time.sleep(0.05)
  clock.pause()
  paused_at = clock.read()
  time.sleep(0.1)
  assert clock.read() == paused_at  # Frozen while paused.
  clock.resume()
  time.sleep(0.05)
  assert 0.09 < clock.read() < 0.14


def test_flop_count_of_the_tutorial_dcgan_by_hand():
  # Generator: Dense 100->12544; ConvT 5x5 256->128 at 7x7; 128->64 and 64->1, each from the input size.
  g = 2 * (100 * 12544 + 7 * 7 * 25 * 256 * 128 + 7 * 7 * 25 * 128 * 64 + 14 * 14 * 25 * 64 * 1)
  # Discriminator: Conv 5x5 1->64 to 14x14, 64->128 to 7x7, Dense 6272->1.
  d = 2 * (14 * 14 * 25 * 1 * 64 + 7 * 7 * 25 * 64 * 128 + 6272)
  assert contestants.train_flops_per_image("tutorial_dcgan") == 3 * g + 6 * d
  assert 3 * g + 6 * d == pytest.approx(435e6, rel=0.01)


def test_matmul_floor_counts_the_mlp_step_flops():
  """Per image: G forward, forward and backward and weight gradient (3 G_f); D forward and weight
  gradient on a real and a fake image, input gradient on both (6 D_f); less the input gradients of
  D's first layer on the real image and of G's first layer, which no update needs."""
  g, d = [(100, 128), (128, 128), (128, 784)], [(784, 128), (128, 128), (128, 1)]
  shapes = contestants.step_matmul_shapes(g, d, 4)
  g_f, d_f = (2 * sum(i * o for i, o in k) for k in (g, d))
  unneeded = 2 * 784 * 128 + 2 * 100 * 128
  assert sum(2 * m * k * n for m, k, n in shapes) == 4 * (3 * g_f + 6 * d_f - unneeded)
  assert contestants.train_flops_per_image("mlp") == 3 * g_f + 6 * d_f  # The floor's, plus the unneeded.


def test_precision_ops_kernels_fit_every_tutorial_conv_layer():
  """Forward, input- and filter-gradient kernels get shapes that fit each layer (a swapped role would not)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks import conv_kernels, tutorial_baseline  # pylint: disable=g-import-not-at-top
  convs = [l for m in (tutorial_baseline.make_generator_model(), tutorial_baseline.make_discriminator_model())
           for l in m.layers if type(l).__name__ in ("Conv2D", "Conv2DTranspose")]
  assert len(convs) == 5
  for layer in convs:
    for dtype in (tf.float32, tf.bfloat16):
      kernels = conv_kernels.layer_kernels(layer, 2, dtype)
      assert set(kernels) == {"forward", "grad_input", "grad_filter"}
      assert all(np.isfinite(f().numpy()) for f in kernels.values())


def test_time_to_quality_summary_finds_the_first_evaluation_at_the_tutorials_best():
  def curve(*points):
    return [{"step": step, "wall_seconds": seconds, "fcd": fcd} for step, seconds, fcd in points]
  curves = {"tutorial": curve((1, 50.0, 900.0), (2, 100.0, 600.0), (3, 200.0, 650.0)),
            "default": curve((500, 20.0, 700.0), (1000, 40.0, 600.0), (1500, 60.0, 300.0)),
            "slow": curve((500, 30.0, 800.0))}
  summary = summarise(curves)
  assert summary["tutorial"] == {"best_fcd": 600.0, "final_fcd": 650.0, "wall_seconds": 200.0, "steps": 3}
  assert summary["default"]["seconds_to_tutorial_best"] == 40.0  # Reaching 600 counts; 700 does not.
  assert summary["default"]["fraction_of_tutorial_time"] == 40.0 / 200.0
  assert summary["default"]["best_fcd"] == 300.0 and summary["default"]["steps"] == 1500
  assert summary["slow"]["seconds_to_tutorial_best"] is None and summary["slow"]["fraction_of_tutorial_time"] is None
