"""The tf.data pipeline that feeds the train step: real batches, noise, penalty weights.

Everything a step consumes is a pure function of (seed, step). The batch
order: epoch e is the stateless shuffle of all indices with seed [seed, e],
cut into `steps_per_epoch` batches (the remainder dropped); images are
gathered from one in-memory tensor. The noise and the gradient penalty's
interpolation weights are stateless draws keyed by (seed, step). So a resumed
run starts exactly where the killed one stopped with no RNG or shuffle state
to checkpoint, and a distributed run splits the very same global batch across
replicas that a single device would see.
"""

import numpy as np
import tensorflow as tf


def steps_per_epoch(num_examples: int, per_step: int) -> int:
  if per_step > num_examples:
    raise ValueError(f"batch_size * disc_steps = {per_step} exceeds the {num_examples} training examples")
  return num_examples // per_step


def index_batches(num_examples: int, per_step: int, seed: int, start_step: int = 0) -> tf.data.Dataset:
  """Endless int32 index batches `[per_step]`, from train step `start_step` (0-based) on."""
  batches_per_epoch = steps_per_epoch(num_examples, per_step)
  seed = tf.constant(seed, tf.int64)

  def epoch(index):
    order = tf.random.experimental.stateless_shuffle(tf.range(num_examples), seed=tf.stack([seed, index]))  # [N]
    batches = tf.reshape(order[:batches_per_epoch * per_step], [batches_per_epoch, per_step])  # Remainder dropped.
    return tf.data.Dataset.from_tensor_slices(batches)

  first_epoch, offset = divmod(start_step, batches_per_epoch)
  ds = tf.data.Dataset.range(first_epoch, np.iinfo(np.int64).max).flat_map(epoch).skip(offset)
  return ds.prefetch(tf.data.AUTOTUNE)


def make_dataset(data: np.ndarray, batch_size: int, disc_steps: int, noise_dim: int, seed: int,
                 start_step: int = 0, replicas: int = 1) -> tf.data.Dataset:
  """Endless step inputs, from train step `start_step` (0-based) on.

  Each element is a dict: `real` [P, ...] (already in the data range),
  `noise` [P, noise_dim] standard normal and `uniform` [P] in [0, 1), with
  P = disc_steps * batch_size: one batch for every discriminator update
  (the generator update reuses the last one's noise). Static shapes, so
  the step is traced once. With `replicas` > 1 the rows are put in replica
  order (`replica_major`), so that tf.distribute's even split of P rows
  gives each replica its share of every discriminator batch.
  """
  per_step = disc_steps * batch_size
  images = tf.constant(data)
  seed = tf.constant(seed, tf.int64)

  def step_inputs(indices, step):
    key = tf.random.experimental.stateless_fold_in(tf.stack([seed, 1]), step)
    return {"real": tf.gather(images, indices),  # [P, ...]
            "noise": tf.random.stateless_normal([per_step, noise_dim], key),  # [P, noise_dim]
            "uniform": tf.random.stateless_uniform([per_step], tf.random.experimental.stateless_fold_in(key, 1))}  # [P]

  def distributable(indices, step):
    return {k: replica_major(v, disc_steps, replicas) for k, v in step_inputs(indices, step).items()}

  steps = tf.data.Dataset.range(start_step, np.iinfo(np.int64).max)
  ds = tf.data.Dataset.zip(index_batches(len(data), per_step, seed, start_step), steps)
  return ds.map(distributable, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def replica_major(rows: tf.Tensor, disc_steps: int, replicas: int) -> tf.Tensor:
  """Reorders [K*B, ...] rows from (D step k, replica r, row j) to (r, k, j) order.

  tf.distribute hands replica r the r-th contiguous P/R rows; in this order
  those are rows r*B/R..(r+1)*B/R of every one of the K batches, so the
  replica's k-th split is its share of the k-th global batch, the very rows
  a single device uses for D step k. The identity for one replica.
  """
  if replicas == 1:
    return rows
  shape = tf.shape(rows)
  blocks = tf.reshape(rows, tf.concat([[disc_steps, replicas, -1], shape[1:]], 0))  # [K, R, B/R, ...]
  perm = tf.concat([[1, 0], tf.range(2, tf.rank(blocks))], 0)
  return tf.reshape(tf.transpose(blocks, perm), shape)  # [R*K*B/R, ...]
