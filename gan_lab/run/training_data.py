"""A run's training set: loaded, cut to --max_examples, scaled into the activation's pixel range.

The only place real data meets the output activation: the scaling is
`OutputActivation.pixels_to_data` (images) or a `rescale` of the ring's
[-1, 1] points, so data and samples always share one range.
"""

import numpy as np

from gan_lab.config.train_config import TrainConfig
from gan_lab.data import datasets as data, toy
from gan_lab.gan import activations


def load(config: TrainConfig) -> np.ndarray:
  """The training set as float32 in the data range; DataError if it cannot fill one step's batches."""
  activation = activations.get(config.output_activation, config.data_margin)
  if config.dataset == "ring":
    points = toy.ring(config.max_examples or 50_000, config.seed)
    train = activations.rescale(points, toy.RANGE, activation.image_range)
  else:
    images = data.load(config.dataset, "train", config.data_dir or None).images
    train = activation.pixels_to_data(images[:config.max_examples] if config.max_examples else images)
  per_step = config.batch_size * config.disc_steps
  if per_step > len(train):
    raise data.DataError(f"--batch_size x --disc_steps = {config.batch_size} x {config.disc_steps} = {per_step} "
                         f"exceeds the {len(train)} training examples")
  return train
