"""Every metric against an independent NumPy/SciPy computation and on known cases."""

import itertools

import numpy as np
import pytest
import scipy.linalg

from gan_lab.evaluation import metrics


def _gaussians(n=500, d=6, shift=0.0, seed=0):
  """n draws of one correlated Gaussian per dimension d (the seed changes only the draws)."""
  a = np.random.default_rng(123).normal(size=(d, d))
  return np.random.default_rng(seed).normal(size=(n, d)) @ a + shift


def test_frechet_distance_matches_scipy_sqrtm():
  x, y = _gaussians(seed=0), _gaussians(shift=0.7, seed=1)
  mu_x, mu_y = x.mean(0), y.mean(0)
  s_x, s_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
  covmean = scipy.linalg.sqrtm(s_x @ s_y).real
  expected = np.sum((mu_x - mu_y) ** 2) + np.trace(s_x + s_y - 2 * covmean)
  assert metrics.frechet_distance(x, y) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_of_identical_sets_is_zero_and_grows_with_shift():
  x = _gaussians()
  assert abs(metrics.frechet_distance(x, x)) < 1e-8
  # A pure mean shift by s in every one of d dimensions adds d * s^2.
  assert metrics.frechet_distance(x, x + 2.0) == pytest.approx(6 * 4.0, rel=1e-8)


def _mmd2_brute_force(x, y, k):
  kxx = np.mean([k(a, b) for (i, a), (j, b) in itertools.product(enumerate(x), enumerate(x)) if i != j])
  kyy = np.mean([k(a, b) for (i, a), (j, b) in itertools.product(enumerate(y), enumerate(y)) if i != j])
  kxy = np.mean([k(a, b) for a in x for b in y])
  return kxx + kyy - 2 * kxy


@pytest.mark.parametrize("kernel, k", [
    ("polynomial", lambda a, b: (a @ b / 3 + 1) ** 3),
    ("sigmoid", lambda a, b: np.tanh(a @ b / 3)),
])
def test_unbiased_mmd_matches_double_loop(kernel, k):
  x, y = _gaussians(20, 3, seed=2), _gaussians(25, 3, shift=0.5, seed=3)
  assert metrics.mmd2_unbiased(x, y, kernel) == pytest.approx(_mmd2_brute_force(x, y, k), rel=1e-9)


def test_kid_averages_block_mmds_over_every_sample_with_a_standard_error():
  x, y = _gaussians(500, 4, seed=4), _gaussians(200, 4, shift=1.0, seed=5)
  mean, error = metrics.kernel_distance(x, y, block_size=100, seed=7)
  rng = np.random.default_rng(7)
  xs, ys = x[rng.permutation(500)], y[rng.permutation(200)]
  # Two blocks each: 250 + 250 real against 100 + 100 fake, no sample left out.
  blocks = [metrics.mmd2_unbiased(xs[:250], ys[:100]), metrics.mmd2_unbiased(xs[250:], ys[100:])]
  assert mean == pytest.approx((blocks[0] + blocks[1]) / 2)
  assert error == pytest.approx(abs(blocks[0] - blocks[1]) / 2)  # sqrt(((a-b)/2)^2 * 2 / 1) / sqrt(2).
  same_mean, _ = metrics.kernel_distance(x, _gaussians(200, 4, seed=6), block_size=100)
  assert abs(same_mean) < mean / 5


def test_kid_of_a_single_block_has_no_error_estimate():
  x, y = _gaussians(150, 4, seed=4), _gaussians(150, 4, shift=1.0, seed=5)
  mean, error = metrics.kernel_distance(x, y, block_size=100)
  assert mean == pytest.approx(metrics.mmd2_unbiased(x, y)) and np.isnan(error)


def test_sigmoid_kernel_is_not_positive_definite():
  points = np.array([[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [2.0, 2.0]])
  gram = metrics.sigmoid_kernel(points, points, alpha=1.0, c=-1.0)
  assert np.linalg.eigvalsh(gram).min() < -1e-3


def test_classifier_score_known_cases():
  one_class = np.tile(np.eye(10)[3], (100, 1))
  assert metrics.classifier_score(one_class)[0] == pytest.approx(1.0)
  confident_even = np.tile(np.eye(10), (10, 1))
  assert metrics.classifier_score(confident_even, splits=10)[0] == pytest.approx(10.0)
  rng = np.random.default_rng(0)
  p = rng.dirichlet(np.ones(10), 200)
  marginal = p.mean(0)
  expected = np.exp(np.mean(np.sum(p * np.log(p / marginal), axis=1)))
  assert metrics.classifier_score(p, splits=1)[0] == pytest.approx(expected, rel=1e-10)


def _precision_recall_brute_force(real, fake, k):
  def radii(s):
    d = np.linalg.norm(s[:, None] - s[None], axis=2)
    return np.sort(d, axis=1)[:, k]
  def inside(points, centres, r):
    return np.mean([any(np.linalg.norm(p - c) <= rc for c, rc in zip(centres, r)) for p in points])
  return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def test_precision_recall_matches_brute_force():
  real, fake = _gaussians(60, 3, seed=8), _gaussians(50, 3, shift=1.0, seed=9) * 0.5
  got = metrics.precision_recall(real, fake, k=3)
  assert got == pytest.approx(_precision_recall_brute_force(real, fake, 3))
  assert got[0] != got[1]


def test_precision_recall_known_cases():
  x = _gaussians(200, 4, seed=10)
  assert metrics.precision_recall(x, x) == (1.0, 1.0)
  assert metrics.precision_recall(x, x + 1000.0) == (0.0, 0.0)
  # A collapsed generator: high precision, low recall.
  precision, recall = metrics.precision_recall(x, np.repeat(x[:3], 60, axis=0) + 1e-6)
  assert precision == 1.0 and recall < 0.2


def test_class_coverage():
  assert metrics.class_coverage(np.tile(np.eye(10)[4], (50, 1))) == (1, 0.0)
  covered, entropy = metrics.class_coverage(np.tile(np.eye(10), (20, 1)))
  assert covered == 10 and entropy == pytest.approx(np.log2(10))
  # 1 sample of class 9 among 200 is below the 1% threshold.
  probs = np.vstack([np.tile(np.eye(10)[0], (199, 1)), np.eye(10)[9:]])
  assert metrics.class_coverage(probs)[0] == 1


def test_all_scores_keys():
  x = _gaussians(1000, 4, seed=11)
  probs = np.random.default_rng(0).dirichlet(np.ones(10), 1000)
  scores = metrics.all_scores(x, x, probs, kid_block_size=500)
  assert set(scores) == {"fcd", "kid", "kid_se", "classifier_score", "classifier_score_std", "precision",
                         "recall", "classes_covered", "class_entropy_bits"}
  assert abs(scores["fcd"]) < 1e-8 and scores["precision"] == scores["recall"] == 1.0
