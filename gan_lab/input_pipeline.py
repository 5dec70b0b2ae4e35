"""The tf.data pipeline that feeds real batches to the train step.

The batch order is a pure function of (seed, step): epoch e is the stateless
shuffle of all indices with seed [seed, e], cut into `steps_per_epoch`
batches (the remainder dropped). So a resumed run starts exactly where the
killed one stopped, with no shuffle-buffer state to checkpoint, and the
pipeline streams only small index batches; images are gathered from one
in-memory tensor.
"""

import numpy as np
import tensorflow as tf


def steps_per_epoch(num_examples: int, per_step: int) -> int:
  if per_step > num_examples:
    raise ValueError(f"batch_size * disc_steps = {per_step} exceeds the {num_examples} training examples")
  return num_examples // per_step


def index_batches(num_examples: int, per_step: int, seed: int, start_step: int = 0) -> tf.data.Dataset:
  """Endless int32 index batches `[per_step]`, from train step `start_step` (0-based) on."""
  spe = steps_per_epoch(num_examples, per_step)

  def epoch(e):
    order = tf.random.experimental.stateless_shuffle(tf.range(num_examples), seed=tf.stack([tf.constant(seed, tf.int64), e]))
    return tf.data.Dataset.from_tensor_slices(tf.reshape(order[:spe * per_step], [spe, per_step]))

  first_epoch, offset = divmod(start_step, spe)
  ds = tf.data.Dataset.range(first_epoch, np.iinfo(np.int64).max).flat_map(epoch).skip(offset)
  return ds.prefetch(tf.data.AUTOTUNE)


def make_dataset(data: np.ndarray, batch_size: int, disc_steps: int, seed: int,
                 start_step: int = 0) -> tf.data.Dataset:
  """Endless real batches of `disc_steps * batch_size` examples, already in the data range.

  One fresh real batch for every discriminator update of a train step;
  `drop_remainder` semantics keep the shape static, so the step is traced
  once.
  """
  per_step = disc_steps * batch_size
  images = tf.constant(data)
  return index_batches(len(data), per_step, seed, start_step).map(
      lambda idx: tf.gather(images, idx), num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
