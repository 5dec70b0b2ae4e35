"""The probe restores a run's trained discriminator and counts its decisions as a NumPy forward pass does."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from gan_lab.data import datasets as data
from gan_lab.evaluation import discriminator_probe
from gan_lab.gan import activations

# Under pytest-xdist, one worker trains the module's probe once.
pytestmark = pytest.mark.xdist_group("discriminator_probe")

GAN_LAB_TRAIN = (sys.executable, "-m", "gan_lab.cli", "train")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
  if not Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").is_file():
    pytest.skip("needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
  out = tmp_path_factory.mktemp("run")
  proc = subprocess.run([*GAN_LAB_TRAIN, "--model=mlp", "--output_activation=sigmoid", "--train_steps=30",
                         "--batch_size=32", "--max_examples=2000", "--num_samples=300", "--log_every=10",
                         f"--output_dir={out}"], capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  return out


def _numpy_logits(weights, x):
  """The MLP discriminator written out: Dense, LeakyReLU(0.2), Dense, LeakyReLU(0.2), Dense."""
  leaky = lambda v: np.where(v > 0, v, 0.2 * v)
  h = x.reshape(len(x), -1).astype(np.float64)
  h = leaky(h @ weights[0] + weights[1])
  h = leaky(h @ weights[2] + weights[3])
  return h @ weights[4] + weights[5]


def test_accuracies_match_a_numpy_forward_pass_of_the_trained_weights(tiny_run):
  reader = tf.train.load_checkpoint(str(tiny_run / "checkpoints"))
  # The optimizer tracks D's trainable weights in order; they are the trained values the probe must restore.
  weights = [reader.get_tensor(f"d_optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE") for i in range(6)]
  result = discriminator_probe.discriminator_accuracy(tiny_run, count=300)
  real = activations.get("sigmoid").pixels_to_data(data.load("fashion_mnist", "test").images[:300])
  fakes = np.load(tiny_run / "samples.npz")["samples"]
  assert result["d_accuracy_real"] == pytest.approx(np.mean(_numpy_logits(weights, real) > 0), abs=1 / 300)
  assert result["d_accuracy_fake"] == pytest.approx(np.mean(_numpy_logits(weights, fakes) <= 0), abs=1 / 300)
  config = discriminator_probe._config(tiny_run)  # pylint: disable=protected-access
  restored = discriminator_probe._restored_discriminator(  # pylint: disable=protected-access
      tiny_run, config, activations.get("sigmoid"), (28, 28, 1))
  for got, want in zip(restored.get_weights(), weights, strict=True):  # Restored, not left at initialisation.
    np.testing.assert_array_equal(got, want)


def test_a_run_without_checkpoints_is_named(tiny_run, tmp_path):
  (tmp_path / "flags.json").write_text((tiny_run / "flags.json").read_text())
  (tmp_path / "samples.npz").write_bytes((tiny_run / "samples.npz").read_bytes())
  with pytest.raises(FileNotFoundError, match="no checkpoint to read the discriminator from"):
    discriminator_probe.discriminator_accuracy(tmp_path, count=10)
