"""A run's checkpoints: both networks, both optimizers, the step (and the generator EMA), nothing else.

The batch order, the noise and the penalty weights are stateless functions
of (seed, step) (`input_pipeline`), so these variables are all a resume
needs. TensorFlow writes a checkpoint's files before it moves the
`checkpoints/checkpoint` pointer, so a kill mid-save leaves the previous one.
"""

from pathlib import Path

import tensorflow as tf

CHECKPOINT_DIR = "checkpoints"
_KEEP = 2


class RunCheckpoint:
  """Saves and restores the training state of one run in `<output_dir>/checkpoints`."""

  def __init__(self, output_dir, models, g_optimizer, d_optimizer, step: tf.Variable, ema=None):
    self.step = step
    tracked = dict(generator=models.generator, discriminator=models.discriminator, g_optimizer=g_optimizer,
                   d_optimizer=d_optimizer, step=step)
    if ema is not None:  # A `GeneratorEma`: the averaged weights and the update count.
      tracked.update(ema_generator=ema.generator, ema_updates=ema.num_updates)
    self._checkpoint = tf.train.Checkpoint(**tracked)
    self._manager = tf.train.CheckpointManager(self._checkpoint, Path(output_dir) / CHECKPOINT_DIR,
                                               max_to_keep=_KEEP)

  def restore_latest(self) -> int:
    """Restores the latest checkpoint, if any; returns the step it holds (0 for a new run)."""
    if self._manager.latest_checkpoint:
      self._checkpoint.restore(self._manager.latest_checkpoint).assert_existing_objects_matched()
    return int(self.step.numpy())

  def save(self, step: int) -> None:
    self.step.assign(step)
    self._manager.save(checkpoint_number=step)
