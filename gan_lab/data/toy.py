"""A 2-D toy data set, 8 Gaussians on a ring, and its mode-coverage score.

Small enough to train an MLP GAN in seconds, with a known answer: a healthy
GAN puts samples near all 8 modes; a collapsed one covers few.
"""

import numpy as np

NUM_MODES = 8
RADIUS = 0.8
STD = 0.02
RANGE = (-1.0, 1.0)  # Every point lies inside, 10 standard deviations past the ring.


def mode_centers() -> np.ndarray:
  """The 8 mode centres, [8, 2], on a circle of radius RADIUS."""
  angles = 2 * np.pi * np.arange(NUM_MODES) / NUM_MODES
  return RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def ring(num_points: int, seed: int) -> np.ndarray:
  """`num_points` samples in RANGE^2 (float32 [N, 2]), modes drawn uniformly."""
  rng = np.random.default_rng(seed)
  modes = rng.integers(0, NUM_MODES, num_points)
  return (mode_centers()[modes] + STD * rng.standard_normal((num_points, 2))).astype(np.float32)


def mode_coverage(samples: np.ndarray, max_distance: float = 4 * STD, min_fraction: float = 0.01):
  """Counts modes that hold at least `min_fraction` of the samples.

  A sample belongs to its nearest mode when it lies within `max_distance`
  (4 standard deviations) of it. Returns (modes covered, fraction of
  samples near any mode).
  """
  samples = np.asarray(samples, np.float64).reshape(-1, 2)
  d = np.linalg.norm(samples[:, None, :] - mode_centers()[None].astype(np.float64), axis=2)
  nearest, close = d.argmin(axis=1), d.min(axis=1) <= max_distance
  counts = np.bincount(nearest[close], minlength=NUM_MODES)
  return int((counts >= min_fraction * len(samples)).sum()), float(close.mean())
