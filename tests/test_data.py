"""Data sources in resolution order, validation of corrupt files, and the not-found message."""

import gzip
import os
import pickle
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gan_lab.data import datasets as data

DEBIAN_FMNIST = Path("/usr/share/datasets/fashion-mnist")


def _idx_bytes(array, magic_ndim=None):
  ndim = array.ndim if magic_ndim is None else magic_ndim
  return bytes([0, 0, 8, ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def _write_idx_dir(directory, n=10, split="train", gz=True):
  prefix = {"train": "train", "test": "t10k"}[split]
  rng = np.random.default_rng(0)
  images, labels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)
  suffix = ".gz" if gz else ""
  for name, array in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
    payload = _idx_bytes(array)
    (directory / (name + suffix)).write_bytes(gzip.compress(payload) if gz else payload)
  return images, labels


def _no_keras(*_):
  raise AssertionError("Keras loader must not be reached")


@pytest.mark.skipif(not DEBIAN_FMNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
@pytest.mark.parametrize("split, n", [("train", 60000), ("test", 10000)])
def test_real_fashion_mnist_from_debian(split, n):
  s = data.load("fashion_mnist", split, keras_loader=_no_keras)
  assert s.images.shape == (n, 28, 28, 1) and s.images.dtype == np.uint8
  assert s.labels.shape == (n,) and set(np.unique(s.labels)) == set(range(10))
  assert s.images.max() == 255 and s.images.min() == 0
  assert str(DEBIAN_FMNIST) in s.source


@pytest.mark.parametrize("gz", [True, False])
def test_idx_from_data_dir_takes_precedence(tmp_path, gz):
  images, labels = _write_idx_dir(tmp_path, gz=gz)
  s = data.load("mnist", "train", str(tmp_path), keras_loader=_no_keras)
  np.testing.assert_array_equal(s.images[..., 0], images)
  np.testing.assert_array_equal(s.labels, labels)


def test_keras_npz_in_data_dir(tmp_path):
  rng = np.random.default_rng(1)
  arrays = {k: rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8) for k in ("x_train", "x_test")}
  arrays.update(y_train=np.arange(5), y_test=np.arange(5))
  np.savez(tmp_path / "cifar10.npz", **arrays)
  s = data.load("cifar10", "test", str(tmp_path), keras_loader=_no_keras)
  np.testing.assert_array_equal(s.images, arrays["x_test"])


def test_cifar_python_batches(tmp_path):
  folder = tmp_path / "cifar-10-batches-py"
  folder.mkdir()
  rng = np.random.default_rng(2)
  flat = {}
  for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
    flat[name] = rng.integers(0, 256, (3, 3072), dtype=np.uint8)
    with open(folder / name, "wb") as f:
      pickle.dump({b"data": flat[name], b"labels": [1, 2, 3]}, f)
  s = data.load("cifar10", "train", str(tmp_path), keras_loader=_no_keras)
  assert s.images.shape == (15, 32, 32, 3)
  # Channel-first rows become HWC: pixel (0, 0) of image 0 is bytes 0, 1024, 2048.
  np.testing.assert_array_equal(s.images[0, 0, 0], flat["data_batch_1"][0, [0, 1024, 2048]])


def test_debian_files_used_before_keras(tmp_path):
  _write_idx_dir(tmp_path, split="test")
  s = data.load("fashion_mnist", "test", debian_root=tmp_path, keras_loader=_no_keras)
  assert s.images.shape == (10, 28, 28, 1)


def test_keras_loader_is_last_resort(tmp_path):
  x = np.zeros((4, 28, 28), np.uint8)
  s = data.load("mnist", "train", debian_root=tmp_path, keras_loader=lambda: ((x, np.arange(4)), (x, np.arange(4))))
  assert s.images.shape == (4, 28, 28, 1) and "keras" in s.source


def test_no_source_gives_one_clear_message_quickly(tmp_path):
  def offline():
    raise OSError("[Errno -3] Temporary failure in name resolution")
  began = time.perf_counter()
  with pytest.raises(data.DataError) as e:
    data.load("fashion_mnist", "train", debian_root=tmp_path, keras_loader=offline)
  message = str(e.value)
  assert "apt-get install dataset-fashion-mnist" in message and "--data_dir" in message
  assert "\n" not in message and time.perf_counter() - began < 5


@pytest.mark.parametrize("corrupt, expected", [
    (lambda b: b[:-100], "truncated or corrupt"),
    (lambda b: bytes([0, 0, 9, 3]) + b[4:], "magic 00000903"),
    (lambda b: b"", "magic missing"),
])
def test_corrupt_idx_files_are_named(tmp_path, corrupt, expected):
  _write_idx_dir(tmp_path, gz=False)
  path = tmp_path / "train-images-idx3-ubyte"
  path.write_bytes(corrupt(path.read_bytes()))
  with pytest.raises(data.DataError, match=expected) as e:
    data.load("mnist", "train", str(tmp_path))
  assert str(path) in str(e.value)


def test_broken_gzip_is_named(tmp_path):
  _write_idx_dir(tmp_path)
  path = tmp_path / "train-images-idx3-ubyte.gz"
  path.write_bytes(path.read_bytes()[:50])
  with pytest.raises(data.DataError, match="cannot read"):
    data.load("mnist", "train", str(tmp_path))


def test_wrong_image_shape(tmp_path):
  np.savez(tmp_path / "x.npz", x_train=np.zeros((3, 32, 32, 3), np.uint8), y_train=np.zeros(3))
  with pytest.raises(data.DataError, match=r"expected \[N, 28, 28, 1\]"):
    data.load("fashion_mnist", "train", str(tmp_path))


def test_pixels_outside_0_255(tmp_path):
  np.savez(tmp_path / "x.npz", x_train=np.full((3, 28, 28), 300, np.int32), y_train=np.zeros(3))
  with pytest.raises(data.DataError, match="0..255"):
    data.load("mnist", "train", str(tmp_path))


def test_empty_data_dir_does_not_fall_back(tmp_path):
  with pytest.raises(data.DataError, match="found no mnist data"):
    data.load("mnist", "train", str(tmp_path), keras_loader=_no_keras)


def test_unknown_dataset():
  with pytest.raises(data.DataError, match="fashion_mnist, mnist, cifar10"):
    data.load("imagenet")


class _RunsCode:
  """What a crafted pickle carries: unpickling it calls `os.system` (here, to create a file)."""

  def __init__(self, marker):
    self.marker = marker

  def __reduce__(self):
    return (os.system, (f"touch {self.marker}",))


def _crafted_cifar(tmp_path):
  """A CIFAR-10 folder whose every batch would create the returned file if unpickled."""
  folder = tmp_path / "cifar-10-batches-py"
  folder.mkdir()
  marker = tmp_path / "pwned"
  for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
    with open(folder / name, "wb") as f:
      pickle.dump({b"data": _RunsCode(marker), b"labels": [1]}, f)
  return marker


def test_a_crafted_cifar_pickle_runs_nothing_and_is_refused_naming_the_file(tmp_path):
  marker = _crafted_cifar(tmp_path)
  with pytest.raises(data.DataError, match=r"data_batch_1: not a CIFAR-10 python batch .*refused to load posix.system"):
    data.load("cifar10", "train", str(tmp_path), keras_loader=_no_keras)
  assert not marker.exists()


def test_the_cli_exits_2_on_a_crafted_cifar_pickle(tmp_path):
  marker = _crafted_cifar(tmp_path)
  proc = subprocess.run([sys.executable, "-m", "gan_lab.cli", "train", "--dataset=cifar10", f"--data_dir={tmp_path}",
                         "--train_steps=1", f"--output_dir={tmp_path / 'run'}"], capture_output=True, text=True,
                        timeout=300)
  assert proc.returncode == 2 and "refused to load posix.system" in proc.stderr, proc.stderr[-2000:]
  assert not marker.exists() and "Traceback" not in proc.stderr
