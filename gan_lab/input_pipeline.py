"""The tf.data pipeline that feeds real batches to the train step."""

import numpy as np
import tensorflow as tf


def make_dataset(data: np.ndarray, batch_size: int, disc_steps: int, seed: int) -> tf.data.Dataset:
  """An endless, shuffled stream of real batches, already in the data range.

  Each element holds `disc_steps * batch_size` examples: one fresh real batch
  for every discriminator update of a train step. `drop_remainder` keeps the
  shape static, so the step is traced once. Shuffling reshuffles every epoch
  from `seed`, so a run is determined by its seed.
  """
  per_step = disc_steps * batch_size
  if per_step > len(data):
    raise ValueError(f"batch_size * disc_steps = {per_step} exceeds the {len(data)} training examples")
  ds = tf.data.Dataset.from_tensor_slices(data)
  ds = ds.shuffle(len(data), seed=seed, reshuffle_each_iteration=True).repeat()
  return ds.batch(per_step, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
