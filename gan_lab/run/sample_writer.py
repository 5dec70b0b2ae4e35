"""What a run shows of its generator: grids from fixed noise, and sample files.

Both use noise fixed by the seed alone (independent of the training noise),
so grids at different steps, and snapshots and final samples, show the same
latent points: a grid sequence shows one generator changing, and snapshot
scores are comparable. The selection samples (a tuned sweep picks its recipe
on them) come from noise of their own stream, never from samples.npz's. Samples are saved as generated, with the activation's
data range (`data_range`) and the interval pixels 0 and 255 map to
(`image_range`, narrower under --data_margin) declared beside them.
"""

import numpy as np
import tensorflow as tf

from gan_lab.config.train_config import TrainConfig
from gan_lab.files import atomic_io
from gan_lab.gan.activations import OutputActivation
from gan_lab.run import grids

_GENERATE_BATCH = 500
SELECTION_SAMPLES_FILE = "samples_selection.npz"
SAMPLE_STREAM, SELECTION_STREAM = 2, 3  # The noise seeds [seed, stream] of samples.npz and samples_selection.npz.


class SampleWriter:
  """Draws grids and sample files from a generator and the run's fixed noise."""

  def __init__(self, generator, activation: OutputActivation, config: TrainConfig):
    self.activation, self.config = activation, config
    self._generate = tf.function(lambda noise: generator(noise, training=False))
    self.grid_noise = _normal([config.seed, 1], config.grid_size ** 2, config.noise_dim)  # [grid_size^2, noise_dim]
    self.sample_noise = _normal([config.seed, SAMPLE_STREAM], max(config.num_samples, config.snapshot_samples),
                                config.noise_dim)  # [max(num_samples, snapshot_samples), noise_dim]
    self.selection_noise = _normal([config.seed, SELECTION_STREAM], config.selection_samples, config.noise_dim)

  def generate(self, noise: np.ndarray) -> np.ndarray:
    """Samples for `noise` [N, noise_dim], generated in batches (inference mode)."""
    return np.concatenate([self._generate(noise[i:i + _GENERATE_BATCH]).numpy()
                           for i in range(0, len(noise), _GENERATE_BATCH)])

  def save_grid(self, path, step: int) -> np.ndarray:
    """Writes the grid of the fixed grid noise, titled with the run's axes and `step`; returns its samples."""
    c = self.config
    title = f"{c.model} · {c.output_activation} output · {c.loss} loss · step {step}"
    samples = self.generate(self.grid_noise)
    grids.save_grid(path, samples, self.activation, c.grid_size, title)
    return samples

  def save_samples(self, path, count: int) -> np.ndarray:
    """Writes `count` samples from the fixed sample noise (the same first rows every time)."""
    samples = self.generate(self.sample_noise[:count]).astype(np.float32)
    self.save_npz(path, samples)
    return samples

  def save_selection_samples(self, path) -> None:
    """Writes the selection samples: `selection_samples` rows from the selection noise stream."""
    self.save_npz(path, self.generate(self.selection_noise).astype(np.float32))

  def save_npz(self, path, samples: np.ndarray) -> None:
    """Writes samples with their declared `data_range` and `image_range`."""
    atomic_io.write_npz(path, samples=samples, data_range=np.asarray(self.activation.data_range, np.float32),
                        image_range=np.asarray(self.activation.image_range, np.float32))


def _normal(seed, rows, noise_dim) -> np.ndarray:
  return np.random.default_rng(seed).standard_normal((rows, noise_dim)).astype(np.float32)
