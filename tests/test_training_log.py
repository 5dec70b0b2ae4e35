"""The training log: windowed means, truncation on resume, and the NaN watchdog's record."""

import json

import pytest
import tensorflow as tf

from gan_lab.run import training_log


def _sums(d_loss, g_loss):
  return {"d_loss": tf.constant(d_loss), "g_loss": tf.constant(g_loss)}


def test_a_log_line_holds_the_means_of_its_window(tmp_path):
  log = training_log.TrainingLog(tmp_path, train_steps=10, start_step=0, images_per_step=8)
  log.add(_sums(6.0, 3.0), steps=3)  # Summed over 3 steps.
  log.add(_sums(2.0, 1.0), steps=1)
  record = log.log(4)
  assert record["d_loss"] == pytest.approx(2.0) and record["g_loss"] == pytest.approx(1.0)
  assert record["step"] == 4 and record["images_per_sec"] > 0
  log.add(_sums(5.0, 5.0), steps=1)  # A new window.
  assert log.log(5)["d_loss"] == pytest.approx(5.0)
  log.close()
  assert [json.loads(l)["step"] for l in (tmp_path / "metrics.jsonl").read_text().splitlines()] == [4, 5]
  assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_truncate_drops_lines_past_the_step_and_torn_lines(tmp_path):
  path = tmp_path / "metrics.jsonl"
  path.write_text('{"step": 10}\n{"step": 20}\n{"step": 30}\n{"d_loss": 1}\n{"step": 4')
  training_log.truncate_after(path, 20)
  assert path.read_text() == '{"step": 10}\n{"step": 20}\n'


def test_non_finite_loss_is_recorded_then_raised(tmp_path):
  log = training_log.TrainingLog(tmp_path, train_steps=10, start_step=0, images_per_step=8)
  log.add(_sums(float("nan"), 1.0), steps=2)
  with pytest.raises(training_log.NonFiniteLossError, match="step 6: d_loss = nan"):
    log.check_before_checkpoint(6)
  last = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[-1])
  assert last == {"step": 6, "failure": "non-finite d_loss", "d_loss": "nan"}
