"""How well a finished run's discriminator tells real test images from the run's own samples.

Losses and sample scores say how G does; this says what D learned. A D that
calls everything real (a defect that mislabels the fakes) or whose judgement
is squashed (a double sigmoid) shows it here at once. The decision is
logit > 0, i.e. D(x) > 1/2: the boundary of the cross-entropy losses.
"""

import dataclasses
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.config.train_config import TrainConfig
from gan_lab.data import datasets as data
from gan_lab.gan import activations, models
from gan_lab.run.checkpoints import CHECKPOINT_DIR
from gan_lab.run.run_dir import FLAGS_FILE


def _config(run_dir: Path) -> TrainConfig:
  """The run's config from its flags.json (its --plugins imported, so their names resolve)."""
  known = {f.name for f in dataclasses.fields(TrainConfig)}
  config = TrainConfig(**{k: v for k, v in json.loads((run_dir / FLAGS_FILE).read_text()).items() if k in known})
  registry.import_plugins(config.plugins)
  return config


def _restored_discriminator(run_dir: Path, config: TrainConfig, activation, data_shape) -> tf.keras.Model:
  discriminator = models.build(config.model, data_shape, config.noise_dim, activation).discriminator
  latest = tf.train.latest_checkpoint(str(run_dir / CHECKPOINT_DIR))
  if latest is None:
    raise FileNotFoundError(f"{run_dir / CHECKPOINT_DIR}: no checkpoint to read the discriminator from")
  tf.train.Checkpoint(discriminator=discriminator).restore(latest).expect_partial()
  return discriminator


def _fraction_positive(discriminator, x: np.ndarray, batch_size: int = 1000) -> float:
  logits = np.concatenate([discriminator(x[i:i + batch_size], training=False).numpy()
                           for i in range(0, len(x), batch_size)])
  return float(np.mean(logits > 0))


def discriminator_accuracy(run_dir, count: int = 5000, data_dir=None) -> dict:
  """{'d_accuracy_real': share of `count` test images D calls real, 'd_accuracy_fake': share of samples.npz it
  calls fake}, with D restored from the run's newest checkpoint and real images mapped as training mapped them."""
  run_dir = Path(run_dir)
  config = _config(run_dir)
  test = data.load(config.dataset, "test", data_dir or config.data_dir or None).images[:count]
  activation = activations.get(config.output_activation, config.data_margin)
  with np.load(run_dir / "samples.npz") as f:
    fakes = f["samples"][:count].astype(np.float32)
  discriminator = _restored_discriminator(run_dir, config, activation, test.shape[1:])
  return {"d_accuracy_real": _fraction_positive(discriminator, activation.pixels_to_data(test).astype(np.float32)),
          "d_accuracy_fake": 1.0 - _fraction_positive(discriminator, fakes)}
