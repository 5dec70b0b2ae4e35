"""A run's checkpoints: both networks, both optimizers, the step (and the generator EMA), nothing else.

The batch order, the noise and the penalty weights are stateless functions
of (seed, step) (`input_pipeline`), so these variables are all a resume
needs. TensorFlow writes a checkpoint's files before it moves the
`checkpoints/checkpoint` pointer, so a kill mid-save leaves the previous one;
a checkpoint torn later (a partial copy, a bad disk) is skipped for the one
before it, with a warning. A save that fails (a full disk) leaves no
temporary files and raises `atomic_io.OutputWriteError`.
"""

import shutil
from pathlib import Path

import tensorflow as tf

from gan_lab.files.atomic_io import OutputWriteError, write_error_reason

CHECKPOINT_DIR = "checkpoints"
_KEEP = 2


class CheckpointError(RuntimeError):
  """No checkpoint of the run can be restored."""


class RunCheckpoint:
  """Saves and restores the training state of one run in `<output_dir>/checkpoints`."""

  def __init__(self, output_dir, models, g_optimizer, d_optimizer, step: tf.Variable, ema=None, warn=print,
               worker_index: int = 0):
    """worker_index > 0 (a non-chief multi-worker): restore from the chief's folder, save to a folder of its own
    (`.worker_<i>_checkpoints`) that is removed after each save, as TensorFlow's multi-worker guide does."""
    self.step, self._warn = step, warn
    tracked = dict(generator=models.generator, discriminator=models.discriminator, g_optimizer=g_optimizer,
                   d_optimizer=d_optimizer, step=step)
    if ema is not None:  # A `GeneratorEma`: the averaged weights and the update count.
      tracked.update(ema_generator=ema.generator, ema_updates=ema.num_updates)
    self._checkpoint = tf.train.Checkpoint(**tracked)
    self.directory = Path(output_dir) / CHECKPOINT_DIR
    self._manager = tf.train.CheckpointManager(self._checkpoint, self.directory, max_to_keep=_KEEP)
    self._scratch = Path(output_dir) / f".worker_{worker_index}_checkpoints" if worker_index else None
    self.saved_step = None

  def restore_latest(self) -> int:
    """Restores the newest checkpoint that reads back, if any; returns its step (0 for a new run).

    Raises CheckpointError when checkpoints exist and none restores.
    """
    candidates = list(reversed(self._manager.checkpoints))
    for path in candidates:
      try:
        self._checkpoint.restore(path).assert_existing_objects_matched()
      except (tf.errors.OpError, ValueError, IndexError, AssertionError) as e:
        self._warn(f"warning: checkpoint {path} does not restore ({type(e).__name__}: {str(e)[:120]}); "
                   "trying the one before it")
        continue
      self.saved_step = int(self.step.numpy())
      return self.saved_step
    if candidates:
      raise CheckpointError(f"{self.directory}: none of its checkpoints restores; pass --overwrite to start "
                            "the run afresh")
    return int(self.step.numpy())

  def save(self, step: int) -> None:
    self.step.assign(step)
    directory = self._scratch or self.directory
    try:
      manager = tf.train.CheckpointManager(self._checkpoint, self._scratch, 1) if self._scratch else self._manager
      manager.save(checkpoint_number=step)
      if self._scratch:
        shutil.rmtree(self._scratch)
    except (tf.errors.OpError, OSError) as e:
      for partial in [*directory.glob(f"ckpt-{step}_temp*"), *([self._scratch] if self._scratch else [])]:
        shutil.rmtree(partial, ignore_errors=True)
      reason = getattr(e, "strerror", None) or getattr(e, "message", None) or str(e)
      raise OutputWriteError(directory / f"ckpt-{step}", write_error_reason(reason)) from e
    self.saved_step = step
