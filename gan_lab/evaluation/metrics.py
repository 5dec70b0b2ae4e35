"""Sample-quality metrics on evaluator features, computed in float64.

All take features (or softmax probabilities) of the offline evaluator
(`gan_lab.evaluation.evaluator`), not ImageNet Inception, so the numbers are not
comparable with published FID/IS/KID values: compare runs with each other
and with the real-vs-real floor that every report shows.
"""

import math

import numpy as np

# The headline scores of `all_scores`: name -> (what tables call it, which way is better). Reports, the
# paired table, the HParams dashboard and the seed-defect table all read their columns from here.
SCORES = {
    "fcd": ("FCD", "lower"),
    "kid": ("KID", "lower"),
    "recall": ("recall", "higher"),
    "precision": ("precision", "higher"),
    "classifier_score": ("classifier score", "higher"),
    "classes_covered": ("classes covered", "higher"),
}


def header(name: str) -> str:
  """A table header for score `name`: its label and an arrow for the better direction (`FCD ↓`)."""
  label, better = SCORES[name]
  return f"{label} {'↓' if better == 'lower' else '↑'}"


def _f64(x):
  return np.asarray(x, np.float64)


def frechet_distance(real_features, fake_features) -> float:
  """Frechet classifier distance (the FID formula, Heusel et al. 2017, arXiv:1706.08500).

  ||mu_r - mu_f||^2 + tr(S_r + S_f - 2 (S_r S_f)^(1/2)). The trace of the
  matrix square root is computed as sum(sqrt(eig(S_r^(1/2) S_f S_r^(1/2)))),
  which is symmetric, so a symmetric eigensolver suffices and tiny negative
  round-off eigenvalues are set to 0.
  """
  real, fake = _f64(real_features), _f64(fake_features)
  mu_r, mu_f = real.mean(axis=0), fake.mean(axis=0)
  s_r, s_f = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
  w, v = np.linalg.eigh(s_r)
  root_r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
  middle = np.linalg.eigvalsh(root_r @ s_f @ root_r)
  trace_sqrt = np.sqrt(np.clip(middle, 0, None)).sum()
  return float(np.sum((mu_r - mu_f) ** 2) + np.trace(s_r) + np.trace(s_f) - 2 * trace_sqrt)


def polynomial_kernel(x, y, degree=3, gamma=None, coef=1.0):
  """k(x, y) = (gamma <x, y> + coef)^degree, gamma = 1 / dim by default (KID's kernel)."""
  x, y = _f64(x), _f64(y)
  gamma = 1.0 / x.shape[1] if gamma is None else gamma
  return (gamma * x @ y.T + coef) ** degree


def sigmoid_kernel(x, y, alpha=None, c=0.0):
  """The seeds' "sigmoid kernel" k(x, y) = tanh(alpha <x, y> + c), alpha = 1 / dim by default.

  It is not positive definite, so an MMD built on it can be negative and is
  not a metric between distributions; it is offered for comparison with
  seed 000, not as a default.
  """
  x, y = _f64(x), _f64(y)
  alpha = 1.0 / x.shape[1] if alpha is None else alpha
  return np.tanh(alpha * x @ y.T + c)


KERNELS = {"polynomial": polynomial_kernel, "sigmoid": sigmoid_kernel}


def mmd2_unbiased(x, y, kernel="polynomial") -> float:
  """Unbiased MMD^2 (Gretton et al. 2012, eq. 3): diagonal terms left out of the within-set means."""
  k = KERNELS[kernel]
  k_xx, k_yy, k_xy = k(x, x), k(y, y), k(x, y)
  m, n = len(x), len(y)
  within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
  within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
  return float(within_x + within_y - 2 * k_xy.mean())


def kernel_distance(real_features, fake_features, block_size=1000, kernel="polynomial", seed=0):
  """KID (Binkowski et al. 2018, arXiv:1801.01401): unbiased MMD^2 averaged over blocks.

  Both sets are shuffled (seeded) and each is cut into the same number of
  blocks, min(len) // block_size (at least 1), of near-equal size, so every
  sample is used even when the sets differ in size (10000 real against 2000
  snapshot samples: blocks of 5000 against 1000). One MMD^2 per block pair.
  Returns (mean, standard error of the mean over blocks: std with ddof=1 /
  sqrt(blocks)); the error is NaN for a single block, which cannot estimate it.
  """
  rng = np.random.default_rng(seed)
  real = _f64(real_features)[rng.permutation(len(real_features))]
  fake = _f64(fake_features)[rng.permutation(len(fake_features))]
  if min(len(real), len(fake)) < 2:
    raise ValueError("KID needs at least 2 samples per set")
  blocks = max(1, min(len(real), len(fake)) // block_size)
  values = [mmd2_unbiased(r, f, kernel) for r, f in zip(np.array_split(real, blocks), np.array_split(fake, blocks))]
  error = float(np.std(values, ddof=1) / np.sqrt(blocks)) if blocks > 1 else math.nan
  return float(np.mean(values)), error


def classifier_score(probabilities, splits=10):
  """The Inception-score formula (Salimans et al. 2016) on the evaluator's softmax.

  exp(mean_x KL(p(y|x) || p(y))) per split, p(y) the split's mean
  prediction. Returns (mean, std over splits). 1 <= score <= classes.
  """
  p = _f64(probabilities)
  scores = []
  for part in np.array_split(p, splits):
    marginal = part.mean(axis=0, keepdims=True)
    kl = np.sum(part * (np.log(np.clip(part, 1e-30, None)) - np.log(np.clip(marginal, 1e-30, None))), axis=1)
    scores.append(np.exp(kl.mean()))
  return float(np.mean(scores)), float(np.std(scores))


def kth_neighbour_radii(features, k, chunk=1000):
  """Distance from each point to its k-th nearest other point of the same set."""
  features = _f64(features)
  radii = np.empty(len(features))
  sq = np.sum(features ** 2, axis=1)
  for i in range(0, len(features), chunk):
    d2 = sq[i:i + chunk, None] + sq[None, :] - 2 * features[i:i + chunk] @ features.T
    # Column k of the sorted row: column 0 is the point itself (distance 0).
    radii[i:i + chunk] = np.sqrt(np.clip(np.partition(d2, k, axis=1)[:, k], 0, None))
  return radii


def _fraction_inside_manifold(points, centres, radii, chunk=1000):
  sq_c = np.sum(centres ** 2, axis=1)
  inside = np.empty(len(points), bool)
  for i in range(0, len(points), chunk):
    p = points[i:i + chunk]
    d2 = np.sum(p ** 2, axis=1)[:, None] + sq_c[None, :] - 2 * p @ centres.T
    inside[i:i + chunk] = np.any(d2 <= radii[None, :] ** 2, axis=1)
  return float(inside.mean())


def precision_recall(real_features, fake_features, k=3, real_radii=None):
  """Improved precision and recall (Kynkaanniemi et al. 2019, arXiv:1904.06991).

  Each set's manifold is the union of balls around its points reaching the
  k-th nearest neighbour. Precision: fraction of fakes inside the real
  manifold (quality). Recall: fraction of reals inside the fake manifold
  (diversity). `real_radii` (`kth_neighbour_radii(real, k)`) saves
  recomputing the reference's radii when many sample sets are scored
  against one reference.
  """
  real, fake = _f64(real_features), _f64(fake_features)
  real_radii = kth_neighbour_radii(real, k) if real_radii is None else real_radii
  precision = _fraction_inside_manifold(fake, real, real_radii)
  recall = _fraction_inside_manifold(real, fake, kth_neighbour_radii(fake, k))
  return precision, recall


def class_coverage(probabilities, min_fraction=0.01):
  """(classes covered, entropy of the predicted-class histogram in bits).

  A class is covered when at least `min_fraction` of the samples are
  predicted as it. A collapsed generator covers few classes and its entropy
  falls from log2(classes) towards 0.
  """
  p = _f64(probabilities)
  counts = np.bincount(p.argmax(axis=1), minlength=p.shape[1])
  share = counts / counts.sum()
  nonzero = share[share > 0]
  return int(np.sum(share >= min_fraction)), float(max(0.0, -np.sum(nonzero * np.log2(nonzero))))


def all_scores(real_features, fake_features, fake_probabilities, kid_block_size=1000, k=3, real_radii=None) -> dict:
  """Every metric for one sample set against the real reference (`real_radii`: see `precision_recall`)."""
  kid, kid_se = kernel_distance(real_features, fake_features, kid_block_size)
  score, score_std = classifier_score(fake_probabilities)
  precision, recall = precision_recall(real_features, fake_features, k, real_radii)
  covered, entropy = class_coverage(fake_probabilities)
  return {"fcd": frechet_distance(real_features, fake_features), "kid": kid, "kid_se": kid_se,
          "classifier_score": score, "classifier_score_std": score_std, "precision": precision,
          "recall": recall, "classes_covered": covered, "class_entropy_bits": entropy}
