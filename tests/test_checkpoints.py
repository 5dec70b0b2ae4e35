"""Checkpoints hold both networks, both optimizers and the step, restore the newest that reads, fail cleanly."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_lab.files.atomic_io import OutputWriteError
from gan_lab.gan import activations, models
from gan_lab.run.checkpoints import CheckpointError, RunCheckpoint


def _state(tmp_path, seed):
  keras.utils.set_random_seed(seed)
  gan = models.build("mlp", (2,), 4, activations.get("tanh"))
  g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
  g_opt.build(gan.generator.trainable_variables)
  d_opt.build(gan.discriminator.trainable_variables)
  return gan, g_opt, d_opt, RunCheckpoint(tmp_path, gan, g_opt, d_opt, tf.Variable(0, dtype=tf.int64))


def test_restore_brings_back_weights_optimizer_state_and_step(tmp_path):
  gan, g_opt, _, checkpoint = _state(tmp_path, seed=1)
  assert checkpoint.restore_latest() == 0  # Nothing saved yet.
  g_opt.iterations.assign(7)
  checkpoint.save(30)
  checkpoint.save(40)
  other_gan, other_g_opt, _, other = _state(tmp_path, seed=2)  # Different initial weights.
  assert other.restore_latest() == 40
  for a, b in zip(gan.generator.get_weights() + gan.discriminator.get_weights(),
                  other_gan.generator.get_weights() + other_gan.discriminator.get_weights()):
    np.testing.assert_array_equal(a, b)
  assert int(other_g_opt.iterations) == 7


def test_keeps_the_last_two(tmp_path):
  *_, checkpoint = _state(tmp_path, seed=0)
  for step in (10, 20, 30):
    checkpoint.save(step)
  assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.index")) == ["ckpt-20.index", "ckpt-30.index"]


def _tear(directory, step):
  """Cuts the data file of ckpt-`step` in half, as a partial copy or a bad disk leaves it."""
  data, = directory.glob(f"ckpt-{step}.data-*")
  data.write_bytes(data.read_bytes()[:data.stat().st_size // 2])


def test_a_torn_newest_checkpoint_falls_back_to_the_one_before_with_a_warning(tmp_path):
  gan, _, _, checkpoint = _state(tmp_path, seed=1)
  checkpoint.save(30)
  saved = [w.copy() for w in gan.generator.get_weights()]
  gan.generator.set_weights([w + 1 for w in saved])
  checkpoint.save(40)
  _tear(tmp_path / "checkpoints", 40)
  other_gan, _, _, other = _state(tmp_path, seed=2)
  warnings = []
  other._warn = warnings.append  # pylint: disable=protected-access
  assert other.restore_latest() == 30
  for a, b in zip(saved, other_gan.generator.get_weights()):
    np.testing.assert_array_equal(a, b)
  assert len(warnings) == 1 and "ckpt-40 does not restore" in warnings[0]


def test_no_restorable_checkpoint_names_the_folder_and_the_way_out(tmp_path):
  *_, checkpoint = _state(tmp_path, seed=1)
  checkpoint.save(30)
  _tear(tmp_path / "checkpoints", 30)
  *_, other = _state(tmp_path, seed=2)
  other._warn = lambda _: None  # pylint: disable=protected-access
  with pytest.raises(CheckpointError, match=r"checkpoints: none of its checkpoints restores; pass --overwrite"):
    other.restore_latest()


def test_a_failed_save_leaves_no_partial_files_and_names_the_checkpoint(tmp_path, monkeypatch):
  *_, checkpoint = _state(tmp_path, seed=1)
  checkpoint.save(10)

  def full_disk(self, checkpoint_number):  # What TensorFlow does on a full disk: a temp folder, then the error.
    (tmp_path / "checkpoints" / f"ckpt-{checkpoint_number}_temp").mkdir()
    raise tf.errors.ResourceExhaustedError(None, None, "No space left on device\n\t[[op details]]")
  monkeypatch.setattr(tf.train.CheckpointManager, "save", full_disk)
  with pytest.raises(OutputWriteError, match=r"cannot write .*checkpoints/ckpt-20: No space left on device$"):
    checkpoint.save(20)
  assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
      "checkpoint", "ckpt-10.data-00000-of-00001", "ckpt-10.index"]
  assert checkpoint.saved_step == 10
