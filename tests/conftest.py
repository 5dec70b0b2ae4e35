"""Shared test set-up: quiet TensorFlow, import gan_lab from the checkout."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pytest  # pylint: disable=g-import-not-at-top


@pytest.fixture(scope="session")
def tiny_evaluator(tmp_path_factory):
  """A Fashion-MNIST evaluator trained briefly (10k examples, 2 epochs), cached in a temp folder.

  Good enough (about 85% test accuracy) to separate real images from noise;
  the full evaluator (5 epochs, all 60k) is what the sweep uses.
  """
  from gan_lab import evaluator  # pylint: disable=g-import-not-at-top
  if not Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file():
    pytest.skip("needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
  cache = tmp_path_factory.mktemp("evaluators")
  ev = evaluator.train("fashion_mnist", epochs=2, max_examples=10000, log=None)
  evaluator.save(ev, cache / "fashion_mnist", epochs=2)
  return ev, cache
