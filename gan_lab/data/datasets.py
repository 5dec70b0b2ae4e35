"""Real image data sets: find them, validate them, load them as uint8.

Resolution order for a data set: an explicit `data_dir` (IDX files, gzipped
or not, a Keras-style `.npz`, or CIFAR-10's `cifar-10-batches-py` pickles),
then Debian's `dataset-*` package files, then Keras's own loader and cache.
Keras downloads only where a network exists; here it gets a socket time-out
so a closed network fails fast with one message that says what to install or
pass, instead of hanging.
"""

import dataclasses
import gzip
import os
import pickle
import socket
import struct
import zlib
from pathlib import Path

import numpy as np

_KERAS_TIMEOUT_S = 20.0


class DataError(ValueError):
  """A data file is missing, unreadable or not what it claims to be."""


@dataclasses.dataclass(frozen=True)
class ImageDatasetSpec:
  name: str
  shape: tuple[int, int, int]
  keras_module: str
  debian_package: str | None = None

  @property
  def debian_dir(self) -> Path | None:
    return Path("/usr/share/datasets") / self.debian_package.removeprefix("dataset-") if self.debian_package else None


SPECS = {
    s.name: s for s in (
        ImageDatasetSpec("fashion_mnist", (28, 28, 1), "fashion_mnist", "dataset-fashion-mnist"),
        ImageDatasetSpec("mnist", (28, 28, 1), "mnist"),
        ImageDatasetSpec("cifar10", (32, 32, 3), "cifar10"),
    )
}

_IDX_PREFIX = {"train": "train", "test": "t10k"}
_SPLITS = ("train", "test")


@dataclasses.dataclass
class Split:
  """One split of a data set: uint8 images [N, H, W, C], int labels [N]."""
  images: np.ndarray
  labels: np.ndarray
  source: str


def load(name: str, split: str = "train", data_dir: str | None = None,
         debian_root: Path | None = None, keras_loader=None) -> Split:
  """Loads split `split` of data set `name` as validated uint8 images.

  Args:
    name: a key of `SPECS`.
    split: "train" or "test".
    data_dir: optional directory (or `.npz` file) to read first; when given
      and it holds nothing usable, that is an error (no silent fallback).
    debian_root: overrides Debian's data directory (tests).
    keras_loader: overrides `keras.datasets.<name>.load_data` (tests).
  """
  if name not in SPECS:
    raise DataError(f"unknown dataset {name!r}; expected one of {', '.join(SPECS)}")
  if split not in _SPLITS:
    raise DataError(f"unknown split {split!r}; expected train or test")
  spec = SPECS[name]
  if data_dir:
    return _validated(spec, _load_from_dir(spec, split, Path(data_dir)))
  debian_dir = debian_root if debian_root is not None else spec.debian_dir
  if debian_dir is not None and _idx_paths(debian_dir, split):
    return _validated(spec, _load_idx(debian_dir, split))
  return _validated(spec, _load_keras(spec, split, keras_loader))


def _validated(spec: ImageDatasetSpec, split: Split) -> Split:
  images, labels = split.images, split.labels
  if images.ndim == 3 and spec.shape[2] == 1:
    images = images[..., np.newaxis]
  if images.shape[1:] != spec.shape:
    raise DataError(f"{split.source}: images have shape {images.shape}, expected [N, {', '.join(map(str, spec.shape))}]")
  if not np.issubdtype(images.dtype, np.integer) or images.min() < 0 or images.max() > 255:
    raise DataError(f"{split.source}: pixel values must be integers in 0..255, found dtype {images.dtype} "
                    f"with range [{images.min()}, {images.max()}]")
  labels = np.asarray(labels).reshape(-1)
  if len(labels) != len(images):
    raise DataError(f"{split.source}: {len(images)} images but {len(labels)} labels")
  return Split(images.astype(np.uint8), labels.astype(np.int64), split.source)


# --- IDX files (MNIST-style), as Debian and the original sites ship them ---

def _idx_paths(directory: Path, split: str):
  """(images, labels) paths for `split` in `directory`, or None if absent."""
  prefix = _IDX_PREFIX[split]
  for suffix in (".gz", ""):
    images = directory / f"{prefix}-images-idx3-ubyte{suffix}"
    labels = directory / f"{prefix}-labels-idx1-ubyte{suffix}"
    if images.is_file() and labels.is_file():
      return images, labels
  return None


def _load_idx(directory: Path, split: str) -> Split:
  images_path, labels_path = _idx_paths(directory, split)
  return Split(read_idx(images_path, ndim=3), read_idx(labels_path, ndim=1), str(images_path))


def read_idx(path: Path, ndim: int) -> np.ndarray:
  """Reads an IDX file of unsigned bytes (gzipped if it ends in .gz)."""
  try:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
  except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as e:
    raise DataError(f"{path}: cannot read ({e})") from None
  if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != ndim:
    raise DataError(f"{path}: not an IDX file of uint8 with {ndim} dimensions "
                    f"(magic {raw[:4].hex() or 'missing'}, expected 000008{ndim:02x})")
  header = 4 + 4 * ndim
  if len(raw) < header:
    raise DataError(f"{path}: truncated IDX header")
  dims = struct.unpack(f">{ndim}I", raw[4:header])
  expected = header + int(np.prod(dims))
  if len(raw) != expected:
    raise DataError(f"{path}: {len(raw)} bytes for dimensions {dims}, expected {expected} (truncated or corrupt)")
  return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


# --- explicit directories ---

def _load_from_dir(spec: ImageDatasetSpec, split: str, path: Path) -> Split:
  if path.is_file() and path.suffix == ".npz":
    return _load_npz(path, split)
  if not path.is_dir():
    raise DataError(f"--data_dir {path}: not a directory or .npz file")
  if _idx_paths(path, split):
    return _load_idx(path, split)
  npz = sorted(path.glob("*.npz"))
  if len(npz) == 1:
    return _load_npz(npz[0], split)
  cifar = path / "cifar-10-batches-py" if (path / "cifar-10-batches-py").is_dir() else path
  if (cifar / "test_batch").is_file():
    return _load_cifar_pickles(cifar, split)
  prefix = _IDX_PREFIX[split]
  raise DataError(f"--data_dir {path}: found no {spec.name} data; expected {prefix}-images-idx3-ubyte[.gz] and "
                  f"{prefix}-labels-idx1-ubyte[.gz], one Keras .npz (x_train, y_train, x_test, y_test), "
                  "or CIFAR-10's cifar-10-batches-py")


def _load_npz(path: Path, split: str) -> Split:
  keys = (f"x_{split}", f"y_{split}")
  try:
    with np.load(path, allow_pickle=False) as f:
      missing = [k for k in keys if k not in f.files]
      if missing:
        raise DataError(f"{path}: missing arrays {missing}; found {f.files}")
      return Split(f[keys[0]], f[keys[1]], str(path))
  except (OSError, ValueError, EOFError, zlib.error) as e:
    if isinstance(e, DataError):
      raise
    raise DataError(f"{path}: cannot read as .npz ({e})") from None


class _BatchUnpickler(pickle.Unpickler):
  """Unpickles dicts, lists, bytes, strings, numbers and NumPy arrays, and refuses every other class.

  A pickle can name any importable callable and have it called while
  loading; CIFAR-10's python batches need only NumPy's array
  reconstruction, so a file in --data_dir that asks for anything else
  (`os.system`, say) is refused before it runs.
  """
  _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
              ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
              ("numpy._core.multiarray", "scalar")}

  def find_class(self, module, name):
    if (module, name) not in self._ALLOWED:
      raise pickle.UnpicklingError(f"refused to load {module}.{name}: a CIFAR-10 batch holds only arrays, lists "
                                   "and bytes")
    return super().find_class(module, name)


def _load_cifar_pickles(directory: Path, split: str) -> Split:
  names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
  images, labels = [], []
  for n in names:
    path = directory / n
    try:
      with open(path, "rb") as f:
        batch = _BatchUnpickler(f, encoding="bytes").load()
      images.append(np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
      labels.append(np.asarray(batch[b"labels"]))
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, ValueError) as e:
      raise DataError(f"{path}: not a CIFAR-10 python batch ({type(e).__name__}: {e})") from None
  return Split(np.concatenate(images), np.concatenate(labels), str(directory))


# --- Keras's loader (its cache, or a download where a network exists) ---

def _load_keras(spec: ImageDatasetSpec, split: str, keras_loader) -> Split:
  if keras_loader is None:
    import keras  # pylint: disable=g-import-not-at-top
    keras_loader = getattr(keras.datasets, spec.keras_module).load_data
  previous = socket.getdefaulttimeout()
  socket.setdefaulttimeout(_KERAS_TIMEOUT_S)
  try:
    (x_train, y_train), (x_test, y_test) = keras_loader()
  except Exception as e:  # Keras raises many types for a failed download.
    raise DataError(_not_found_message(spec, e)) from None
  finally:
    socket.setdefaulttimeout(previous)
  cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
  return Split(*((x_train, y_train) if split == "train" else (x_test, y_test)), f"keras cache {cache}")


def _not_found_message(spec: ImageDatasetSpec, error: Exception) -> str:
  first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
  ways = []
  if spec.debian_package:
    ways.append(f"install Debian's package (apt-get update && apt-get install {spec.debian_package})")
  ways.append(f"pass --data_dir=DIR with the {spec.name} files (IDX .gz, a Keras .npz"
              + (", or cifar-10-batches-py" if spec.name == "cifar10" else "") + ")")
  ways.append("or run once where keras.datasets can download into ~/.keras/datasets")
  return f"dataset {spec.name} not found and Keras could not fetch it ({first_line}); " + "; ".join(ways)
