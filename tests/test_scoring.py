"""Scores separate real images from noise and expose a single-class generator."""

import json

import numpy as np
import pytest

from gan_lab.data import datasets as data
from gan_lab.evaluation import metrics, scoring
from gan_lab.gan.activations import pixels_to_unit as to_unit

# Under pytest-xdist, one worker builds the module's fixture once.
pytestmark = pytest.mark.xdist_group("scoring")


@pytest.fixture(scope="module")
def scorer(tiny_evaluator):
  return scoring.Scorer(tiny_evaluator[0], reference_size=2000, kid_block_size=500)


def test_samples_map_to_unit_by_declared_range_without_clipping(tmp_path):
  np.savez(tmp_path / "samples.npz", samples=np.array([-1.0, 0.0, 1.0, 1.5], np.float32), data_range=[-1.0, 1.0],
           image_range=[-1.0, 1.0])
  np.testing.assert_allclose(scoring.load_samples(tmp_path / "samples.npz"), [0.0, 0.5, 1.0, 1.25])


def test_samples_with_an_image_range_map_by_it(tmp_path):
  np.savez(tmp_path / "samples.npz", samples=np.array([-0.95, 0.0, 0.95, 1.0], np.float32), data_range=[-1.0, 1.0],
           image_range=[-0.95, 0.95])
  np.testing.assert_allclose(scoring.load_samples(tmp_path / "samples.npz"), [0.0, 0.5, 1.0, 1.95 / 1.9], rtol=1e-6)


def test_real_floor_is_far_better_than_noise(scorer):
  floor = scorer.real_floor()
  noise = scorer.score_unit_images(np.random.default_rng(0).uniform(size=(2000, 28, 28, 1)).astype(np.float32))
  assert floor["fcd"] * 10 < noise["fcd"]
  assert floor["kid"] < noise["kid"]
  assert floor["recall"] > 0.5 > noise["recall"]
  assert floor["classifier_score"] > 2 * noise["classifier_score"]
  # No assertion on precision: with this small classifier's embedding, uniform noise can land
  # inside the real k-NN manifold (measured 0.75-0.99 for briefly trained evaluators); see README.
  assert floor["classes_covered"] == 10


def test_single_class_samples_cover_one_class(scorer):
  test = data.load("fashion_mnist", "test")
  trousers = to_unit(test.images[test.labels == 1][:1000])
  scores = scorer.score_unit_images(trousers)
  assert scores["classes_covered"] <= 2 and scores["class_entropy_bits"] < 0.5
  assert scores["recall"] < scorer.real_floor()["recall"]


def test_score_run_dir_writes_final_and_curve(scorer, tmp_path):
  test = data.load("fashion_mnist", "test").images[:1000]
  tanh_samples = to_unit(test) * 2 - 1
  for name in ("samples.npz", "samples_step_000010.npz", "samples_step_000020.npz"):
    np.savez(tmp_path / name, samples=tanh_samples, data_range=np.array([-1.0, 1.0], np.float32),
             image_range=np.array([-1.0, 1.0], np.float32))
  scores = scoring.score_run_dir(tmp_path, scorer)
  assert json.loads((tmp_path / "scores.json").read_text()) == scores
  assert [p["step"] for p in scores["curve"]] == [10, 20]
  # Real images declared in [-1, 1] are mapped back exactly: the same score as the images themselves.
  assert scores["final"]["fcd"] == pytest.approx(scorer.score_unit_images(to_unit(test))["fcd"], rel=1e-4)


def test_cached_reference_radii_and_curve_scores_match_the_metrics_computed_directly(scorer, tmp_path):
  images = to_unit(data.load("fashion_mnist", "test").images[1000:2000])
  scorer.score_unit_images(images[:500])  # Fills the reference's radii cache.
  cached = scorer.score_unit_images(images)
  features, _ = scorer.evaluator.embed(images)
  precision, recall = metrics.precision_recall(scorer.real_features, features, k=3)
  assert (cached["precision"], cached["recall"]) == (precision, recall)
  np.savez(tmp_path / "snapshot.npz", samples=images, data_range=[0.0, 1.0], image_range=[0.0, 1.0])
  curve = scorer.curve_scores(tmp_path / "snapshot.npz")
  assert curve == {"fcd": pytest.approx(cached["fcd"], rel=1e-9), "kid": pytest.approx(cached["kid"], rel=1e-9),
                   "fcd_unclipped": curve["fcd"], "kid_unclipped": curve["kid"], "clipped_fraction": 0.0}


def test_files_are_scored_clipped_as_users_see_them_with_the_unclipped_scores_beside(tiny_evaluator, tmp_path):
  ev, _ = tiny_evaluator
  scorer = scoring.Scorer(ev, reference_size=1000)
  test = to_unit(data.load("fashion_mnist", "test").images[:1000])
  overshoot = test * 1.6 - 0.3  # A linear generator's output: beyond black and white in places.
  np.savez(tmp_path / "samples.npz", samples=overshoot, data_range=[0.0, 1.0], image_range=[0.0, 1.0])
  scores = scorer.score_file(tmp_path / "samples.npz")
  assert scores["fcd"] == pytest.approx(scorer.score_unit_images(np.clip(overshoot, 0, 1))["fcd"], rel=1e-6)
  assert scores["fcd_unclipped"] == pytest.approx(scorer.score_unit_images(overshoot)["fcd"], rel=1e-6)
  assert scores["fcd_unclipped"] != pytest.approx(scores["fcd"], rel=1e-3)
  assert scores["clipped_fraction"] == pytest.approx(np.mean((overshoot < 0) | (overshoot > 1)))
  curve = scorer.curve_scores(tmp_path / "samples.npz")
  assert curve["fcd"] == pytest.approx(scores["fcd"], rel=1e-6) and curve["clipped_fraction"] > 0.1
  np.savez(tmp_path / "inside.npz", samples=test, data_range=[0.0, 1.0], image_range=[0.0, 1.0])
  inside = scorer.curve_scores(tmp_path / "inside.npz")
  assert inside["fcd_unclipped"] == inside["fcd"] and inside["clipped_fraction"] == 0.0
