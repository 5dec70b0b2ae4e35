"""Scores sample files against real data with the offline evaluator.

The real reference is a fixed slice of the train split; the real-vs-real
floor scores the same number of test images against it, so every report can
show what a perfect generator would get at that sample count.
"""

from pathlib import Path

import numpy as np

from gan_lab.data import datasets as data
from gan_lab.evaluation import metrics
from gan_lab.evaluation.evaluator import Evaluator
from gan_lab.files import atomic_io
from gan_lab.gan.activations import pixels_to_unit, rescale, UNIT_RANGE

_NEIGHBOURS = 3  # k of improved precision and recall.
SCORES_FILE = "scores.json"  # A scored run's folder holds it: every metric of samples.npz, the snapshot curve.


def load_samples(path) -> np.ndarray:
  """Samples of a `samples*.npz` file, mapped to [0, 1] by its declared `image_range` (pixels 0..255), unclipped."""
  with np.load(Path(path)) as f:
    return rescale(f["samples"], f["image_range"], UNIT_RANGE)


class Scorer:
  """Holds the evaluator and the real reference features of one data set."""

  def __init__(self, evaluator: Evaluator, data_dir=None, reference_size: int = 10000, kid_block_size=1000):
    self.evaluator, self.kid_block_size = evaluator, kid_block_size
    self.reference_size, self.data_dir = reference_size, data_dir
    train = data.load(evaluator.dataset, "train", data_dir).images[:reference_size]
    self.real_features, _ = evaluator.embed(pixels_to_unit(train))
    self._real_radii = None  # The reference's k-NN radii, computed at the first precision/recall.

  def score_unit_images(self, unit_images: np.ndarray) -> dict:
    features, probs = self.evaluator.embed(unit_images)
    if self._real_radii is None:
      self._real_radii = metrics.kth_neighbour_radii(self.real_features, _NEIGHBOURS)
    block = min(self.kid_block_size, len(unit_images))
    return metrics.all_scores(self.real_features, features, probs, kid_block_size=block, k=_NEIGHBOURS,
                              real_radii=self._real_radii)

  def curve_scores(self, path) -> dict:
    """FCD and KID of a snapshot file, clipped and unclipped (what the curves plot; cheaper than every metric)."""
    unit = load_samples(path)
    clipped = self._fcd_kid(np.clip(unit, 0.0, 1.0))
    return {**clipped, **self._unclipped(unit, clipped)}

  def score_file(self, path) -> dict:
    """Every metric of a sample file as users see it: mapped to pixels and clipped, as grids and images are.

    Beside them: `fcd_unclipped` and `kid_unclipped` (the generator's raw
    output, values beyond black and white included) and `clipped_fraction`
    (the share of values that clipping changed).
    """
    unit = load_samples(path)
    clipped = self.score_unit_images(np.clip(unit, 0.0, 1.0))
    return {**clipped, **self._unclipped(unit, clipped)}

  def _fcd_kid(self, unit_images: np.ndarray) -> dict:
    features, _ = self.evaluator.embed(unit_images)
    kid, _ = metrics.kernel_distance(self.real_features, features, min(self.kid_block_size, len(features)))
    return {"fcd": metrics.frechet_distance(self.real_features, features), "kid": kid}

  def _unclipped(self, unit_images: np.ndarray, clipped: dict) -> dict:
    """FCD and KID of the unclipped images (the clipped ones' when nothing was clipped), and the clipped share."""
    outside = float(np.mean((unit_images < 0.0) | (unit_images > 1.0)))
    raw = self._fcd_kid(unit_images) if outside else clipped
    return {"fcd_unclipped": raw["fcd"], "kid_unclipped": raw["kid"], "clipped_fraction": outside}

  def real_floor(self, count: int | None = None) -> dict:
    """Scores of `count` real test images (default: the reference size) against the reference."""
    test = data.load(self.evaluator.dataset, "test", self.data_dir).images[:count or self.reference_size]
    return self.score_unit_images(pixels_to_unit(test))


def score_run_dir(run_dir, scorer: Scorer) -> dict:
  """Scores a finished run's samples.npz and every snapshot; writes and returns scores.json.

  `final` holds every metric of samples.npz (`Scorer.score_file`: clipped,
  and FCD and KID unclipped beside them); `curve` has FCD and KID of each
  `samples_step_NNNNNN.npz` (a smaller sample count, so compare curve points
  with each other and with `curve_floor`, not with `final`).
  """
  run_dir = Path(run_dir)
  curve = []
  for path in sorted(run_dir.glob("samples_step_*.npz")):
    curve.append({"step": int(path.stem.rsplit("_", 1)[1]), **scorer.curve_scores(path)})
  scores = {"final": scorer.score_file(run_dir / "samples.npz"), "curve": curve}
  atomic_io.write_json(run_dir / SCORES_FILE, scores)
  return scores


def score_unscored(run_dirs, scorer: Scorer) -> None:
  """Scores each finished run folder that has no scores.json yet (e.g. one that ended before a kill)."""
  for run_dir in map(Path, run_dirs):
    if not (run_dir / SCORES_FILE).is_file():
      score_run_dir(run_dir, scorer)
