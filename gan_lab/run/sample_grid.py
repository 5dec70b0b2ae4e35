"""`SampleGrid`: the Keras callback that shows a `GAN.fit` run as `gan-lab train` shows its own.

Every `every_epochs` epochs it draws the same fixed noise through the
generator and writes grid_epoch_NNNN.png (and, if asked, samples_epoch_NNNN.npz
with the same declared ranges as a run's samples.npz), so a sequence of grids
shows one generator changing.
"""

from pathlib import Path

import keras
import numpy as np

from gan_lab.files import atomic_io
from gan_lab.gan import activations
from gan_lab.run import grids


class SampleGrid(keras.callbacks.Callback):
  """Writes a fixed-noise grid (and optionally samples) every `every_epochs` epochs into `output_dir`.

  activation: the output activation that maps samples to pixels; by default
    the GAN's own (`GAN.from_architecture`); a name or an `OutputActivation`
    for a GAN of your own networks.
  """

  def __init__(self, output_dir, every_epochs: int = 1, grid_size: int = 8, num_samples: int = 0,
               seed: int = 0, activation=None):
    super().__init__()
    if every_epochs < 1 or grid_size < 1 or num_samples < 0:
      raise ValueError(f"SampleGrid: expected every_epochs >= 1, grid_size >= 1, num_samples >= 0; got "
                       f"{every_epochs}, {grid_size}, {num_samples}")
    self.output_dir, self.every_epochs, self.grid_size = Path(output_dir), every_epochs, grid_size
    self.num_samples, self.seed = num_samples, seed
    self._activation = activations.get(activation) if isinstance(activation, str) else activation

  def on_train_begin(self, logs=None):
    self.activation = self._activation or self.model.activation
    if self.activation is None:
      raise ValueError("SampleGrid needs the output activation of a GAN built from your own networks: "
                       "pass activation=NAME (sigmoid, tanh, ...) or an OutputActivation")
    self.output_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([self.seed, 1])  # As the Trainer's grid noise: fixed by the seed alone.
    self.noise = rng.standard_normal((max(self.grid_size ** 2, self.num_samples), self.model.noise_dim),
                                     dtype=np.float32)

  def on_epoch_end(self, epoch, logs=None):
    done = epoch + 1
    if done % self.every_epochs:
      return
    samples = np.asarray(self.model.generator.predict(self.noise, batch_size=500, verbose=0), np.float32)
    grids.save_grid(self.output_dir / f"grid_epoch_{done:04d}.png", samples[:self.grid_size ** 2],
                    self.activation, self.grid_size, f"{self.model.generator.name} · epoch {done}")
    if self.num_samples:
      atomic_io.write_npz(self.output_dir / f"samples_epoch_{done:04d}.npz", samples=samples[:self.num_samples],
                          data_range=np.asarray(self.activation.data_range, np.float32),
                          image_range=np.asarray(self.activation.image_range, np.float32))
