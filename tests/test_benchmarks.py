"""The benchmarks' own arithmetic: the paused clock and the FLOP count."""

import time

import pytest

from benchmarks import contestants
from benchmarks.time_to_quality import Clock


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
  assert contestants.train_flops_per_image("tutorial_dcgan") == 4 * g + 8 * d
  assert 4 * g + 8 * d == pytest.approx(580e6, rel=0.01)
