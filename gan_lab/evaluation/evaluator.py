"""The offline evaluator: a CNN classifier trained on the GAN's own data set.

ImageNet Inception weights cannot be downloaded here, so gan_lab scores
samples with a classifier of the kind the seeds build: 002's LeNet-style
CIFAR-10 CNN, widened with a second 3x3 conv per stage for a higher test
accuracy (the README has the figure). Unlike seed 000's, it returns logits
trained with a from-logits sparse cross-entropy, no sigmoid first. Its 128-d
penultimate layer, taken before its ReLU, is the feature space of every
metric, and its softmax feeds the classifier score and class coverage. (After
the ReLU most features are zero and uniform noise lands inside the real k-NN
manifold; the README's metrics section has the measurement.)

The trained classifier is cached once per user (`default_cache_dir`, as
Keras caches its downloads), in a folder keyed by data set, data source and
architecture version, so no cache serves another data set, data source or
classifier; it is retrained only when missing or when asked, and two
processes that want it at once train it once (a lock on the folder).
"""

import dataclasses
import fcntl
import hashlib
import json
import os
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_lab.data import datasets as data
from gan_lab.files import atomic_io
from gan_lab.gan.activations import pixels_to_unit

FEATURES_LAYER = "features"
# Bump when build_classifier changes, so stale cached classifiers are retrained.
ARCHITECTURE_VERSION = 2
MODEL_FILE, INFO_FILE = "classifier.keras", "info.json"


def build_classifier(shape, num_classes=10) -> keras.Model:
  """Two conv stages (2x conv3x3 + max-pool each), Dense 128 features, ReLU, dropout, logits."""
  layers = keras.layers
  x = keras.Input(shape)
  h = x
  for filters in (32, 64):
    h = layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
    h = layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D()(h)
  features = layers.Dense(128, name=FEATURES_LAYER)(layers.Flatten()(h))
  h = layers.Dropout(0.3)(layers.ReLU()(features))
  logits = layers.Dense(num_classes, name="logits")(h)
  return keras.Model(x, logits, name="evaluator")


@dataclasses.dataclass
class Evaluator:
  """A trained classifier, and the embedding the metrics use."""
  classifier: keras.Model
  test_accuracy: float
  dataset: str

  def __post_init__(self):
    features = self.classifier.get_layer(FEATURES_LAYER).output
    embed = keras.Model(self.classifier.input, [features, self.classifier.output])
    self._embed = tf.function(lambda x: embed(x, training=False))

  def embed(self, unit_images: np.ndarray, batch_size: int = 500):
    """(features, softmax probabilities), float64, for images in [0, 1].

    Values outside [0, 1] are passed on as they are: the scorer decides
    whether to clip them (it scores both ways).
    """
    feats, probs = [], []
    for i in range(0, len(unit_images), batch_size):
      f, logits = self._embed(tf.constant(unit_images[i:i + batch_size], tf.float32))
      feats.append(f.numpy())
      probs.append(tf.nn.softmax(logits).numpy())
    return np.concatenate(feats).astype(np.float64), np.concatenate(probs).astype(np.float64)


def train(dataset: str, data_dir=None, epochs: int = 5, batch_size: int = 128, seed: int = 0,
          max_examples: int = 0, log=print, build=build_classifier) -> Evaluator:
  """Trains the classifier on the train split and measures it on the test split.

  `build(shape, num_classes)` makes the model: `build_classifier`, or a variant
  of it to compare (experiments/seed_defects.py trains seed 000's).
  """
  keras.utils.set_random_seed(seed)
  train_split, test_split = data.load(dataset, "train", data_dir), data.load(dataset, "test", data_dir)
  x, y = pixels_to_unit(train_split.images), train_split.labels
  if max_examples:
    x, y = x[:max_examples], y[:max_examples]
  model = build(x.shape[1:], int(train_split.labels.max()) + 1)
  model.compile(optimizer=keras.optimizers.Adam(1e-3),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
  model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=2 if log else 0)
  _, accuracy = model.evaluate(pixels_to_unit(test_split.images), test_split.labels, batch_size=1000, verbose=0)
  if log:
    log(f"evaluator for {dataset}: test accuracy {accuracy:.4f} after {epochs} epochs")
  return Evaluator(model, float(accuracy), dataset)


def default_cache_dir() -> Path:
  """$XDG_CACHE_HOME/gan_lab/evaluators, else ~/.cache/gan_lab/evaluators: one cache per user, whatever the folder."""
  base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
  return Path(base, "gan_lab", "evaluators")


def cache_folder(cache_dir, dataset: str, data_dir=None) -> Path:
  """The cache's folder for one data set, data source and architecture: `<dataset>-<source>-v<version>`.

  The source is `default` (Debian's package or Keras's loader: the same
  images) or a hash of the resolved `data_dir`, a local copy that may differ.
  """
  source = "default" if not data_dir else "dir" + hashlib.sha256(
      str(Path(data_dir).resolve()).encode()).hexdigest()[:12]
  return Path(cache_dir or default_cache_dir()) / f"{dataset}-{source}-v{ARCHITECTURE_VERSION}"


def load_or_train(dataset: str, cache_dir=None, data_dir=None, retrain: bool = False, epochs: int = 5,
                  log=print) -> Evaluator:
  """The cached evaluator of `dataset` (and `data_dir`) under `cache_dir` (None: the per-user cache).

  Trained first if missing or `retrain`. A second process asking while the
  first trains waits for it, then loads what it saved.
  """
  folder = cache_folder(cache_dir, dataset, data_dir)
  try:
    folder.mkdir(parents=True, exist_ok=True)
    lock = open(folder / ".lock", "a")  # pylint: disable=consider-using-with  (held until the cache is whole)
  except OSError as e:
    raise atomic_io.OutputWriteError(folder, e.strerror or str(e)) from e
  with lock:
    fcntl.flock(lock, fcntl.LOCK_EX)  # Released when the file closes, or the process dies.
    info = json.loads((folder / INFO_FILE).read_text()) if (folder / INFO_FILE).is_file() else {}
    if info and (folder / MODEL_FILE).is_file() and not retrain:
      return Evaluator(keras.models.load_model(folder / MODEL_FILE), info["test_accuracy"], dataset)
    if log:
      log(f"training the {dataset} evaluator into {folder} (once per user; later commands reuse it)")
    evaluator = train(dataset, data_dir, epochs=epochs, log=log)
    save(evaluator, folder, epochs)
  return evaluator


def save(evaluator: Evaluator, folder: Path, epochs: int) -> None:
  """Writes the classifier and its info whole or not at all (atomic_io.OutputWriteError on a full disk)."""
  try:
    folder.mkdir(parents=True, exist_ok=True)
    # Keras insists on the .keras suffix, so write to a temporary .keras name, then rename.
    fd, tmp = tempfile.mkstemp(prefix=".classifier.", suffix=".keras", dir=folder)
    os.close(fd)
  except OSError as e:
    raise atomic_io.OutputWriteError(folder / MODEL_FILE, e.strerror or str(e)) from e
  try:
    evaluator.classifier.save(tmp)
    os.replace(tmp, folder / MODEL_FILE)
  except OSError as e:
    raise atomic_io.OutputWriteError(folder / MODEL_FILE, e.strerror or str(e)) from e
  finally:
    Path(tmp).unlink(missing_ok=True)
  atomic_io.write_json(folder / INFO_FILE, {"dataset": evaluator.dataset, "test_accuracy": evaluator.test_accuracy,
                                            "epochs": epochs, "keras_version": keras.__version__,
                                            "architecture_version": ARCHITECTURE_VERSION})
