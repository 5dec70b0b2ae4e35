"""The training loop on the ring: it learns the modes, writes its files, resumes, and stops on NaN."""

import dataclasses
import json

import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config.hardware import check_precision_supported
from gan_lab.config.train_config import TrainConfig
from gan_lab.data import toy
from gan_lab.run import distribute, training, training_data


def _ring_config(tmp_path, **changes):
  base = TrainConfig(dataset="ring", model="mlp", output_activation="tanh", noise_dim=8, batch_size=128,
                     train_steps=3000, g_learning_rate=1e-3, d_learning_rate=1e-3, seed=0,
                     output_dir=str(tmp_path), sample_every=1000, log_every=500, checkpoint_every=1000,
                     num_samples=2000, grid_size=16)
  return dataclasses.replace(base, **changes)


def test_mlp_on_ring_covers_most_modes(tmp_path):
  config = _ring_config(tmp_path)
  result = training.train(config, training_data.load(config), log=lambda *_: None)
  covered, near = toy.mode_coverage(result.samples)
  assert covered >= 6, f"only {covered} of 8 modes covered"
  assert near > 0.5
  lines = [json.loads(l) for l in (tmp_path / "metrics.jsonl").read_text().splitlines()]
  assert [l["step"] for l in lines] == [500, 1000, 1500, 2000, 2500, 3000]
  assert all(l["images_per_sec"] > 0 for l in lines)
  assert sorted(p.name for p in tmp_path.glob("grid*.png")) == [
      "grid.png", "grid_step_001000.png", "grid_step_002000.png", "grid_step_003000.png"]


def test_resume_continues_from_the_checkpoint(tmp_path):
  config = _ring_config(tmp_path, train_steps=20, log_every=10, checkpoint_every=10, sample_every=100,
                        num_samples=10)
  data = training_data.load(config)
  training.train(config, data, log=lambda *_: None)
  with open(tmp_path / "metrics.jsonl", "a") as f:  # What a killed run could leave: a later line, a torn one.
    f.write('{"step": 25, "d_loss": 1.0}\n{"step": 2')
  messages = []
  training.train(dataclasses.replace(config, train_steps=30), data, log=messages.append)
  assert "resuming at step 20" in messages[0]
  steps = [json.loads(l)["step"] for l in (tmp_path / "metrics.jsonl").read_text().splitlines()]
  assert steps == [10, 20, 30]


def test_non_finite_loss_stops_with_a_record(tmp_path):
  config = _ring_config(tmp_path, train_steps=20, log_every=10, num_samples=10, max_examples=64, batch_size=32)
  data = training_data.load(config)
  data[0, 0] = np.nan  # A NaN in the data propagates into the discriminator loss.
  with pytest.raises(training.NonFiniteLossError, match="step 10: d_loss = nan"):
    training.train(config, data, log=lambda *_: None)
  last = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[-1])
  assert last["step"] == 10 and "non-finite d_loss" in last["failure"]


def test_watchdog_runs_before_every_checkpoint(tmp_path):
  # Log every 100 steps but checkpoint every 10: the loss that turns NaN at step 25 must stop the run
  # at the step-30 checkpoint, leaving step 20 as the last checkpoint.
  import nan_plugin  # pylint: disable=g-import-not-at-top,unused-import  (registers nan_at_step_25)
  config = _ring_config(tmp_path, train_steps=100, log_every=100, checkpoint_every=10, loss="nan_at_step_25",
                        num_samples=10)
  with pytest.raises(training.NonFiniteLossError, match="step 30"):
    training.train(config, training_data.load(config), log=lambda *_: None)
  assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.index")) == ["ckpt-10.index", "ckpt-20.index"]


def test_mixed_bfloat16_keeps_logits_losses_and_samples_float32(tmp_path):
  config = TrainConfig(dataset="fashion_mnist", model="dcgan", mixed_precision="mixed_bfloat16", batch_size=8,
                       train_steps=3, log_every=1, num_samples=16, grid_size=2, output_dir=str(tmp_path))
  data = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype(np.float32)
  trainer = training.Trainer(config, data, log=lambda *_: None)
  gan = trainer.models
  conv = next(l for l in gan.discriminator.layers if "conv" in l.name)
  assert conv.compute_dtype == "bfloat16" and conv.variable_dtype == "float32"
  assert gan.discriminator(data[:2]).dtype == "float32" and gan.generator(np.zeros((2, 100))).dtype == "float32"
  batch = {"real": data[:8], "noise": np.zeros((8, 100), np.float32), "uniform": np.zeros(8, np.float32)}
  values = trainer.train_loop(iter(tf.data.Dataset.from_tensors(batch)), tf.constant(1))
  assert all(v.dtype == "float32" and np.isfinite(v.numpy()) for v in values.values())
  trainer.advance(3)
  result = trainer.finish()
  assert result.samples.dtype == np.float32 and np.isfinite(result.samples).all()
  import keras  # pylint: disable=g-import-not-at-top
  assert keras.mixed_precision.global_policy().name == "float32"  # Restored after building.


def test_mixed_float16_refused_without_gpu():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if tf.config.list_physical_devices("GPU"):
    pytest.skip("this machine has a GPU")
  with pytest.raises(ValueError, match="mixed_float16 needs a GPU"):
    check_precision_supported("mixed_float16")


def test_steps_per_call_changes_neither_results_nor_when_files_are_written(tmp_path):
  """Chunks end at every log, grid, snapshot and checkpoint step; the samples are bitwise equal."""
  runs = {}
  for k in (1, 7):
    out = tmp_path / f"k{k}"
    config = _ring_config(out, train_steps=40, log_every=10, sample_every=15, checkpoint_every=20, snapshot_every=25,
                          snapshot_samples=10, num_samples=10, steps_per_call=k)
    trainer = training.Trainer(config, training_data.load(config), log=lambda *_: None)
    trainer.advance(config.train_steps)
    result = trainer.finish()
    assert trainer.train_loop.experimental_get_tracing_count() == 1  # Chunks of 1 to 7 steps: one trace.
    lines = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    runs[k] = (result.samples, [{m: l[m] for m in ("step", "d_loss", "g_loss")} for l in lines],
               sorted(p.name for p in out.rglob("*") if p.suffix in (".png", ".npz", ".index")))
  np.testing.assert_array_equal(runs[1][0], runs[7][0])
  # The logged means agree to float32 rounding: chunks sum their steps before the window adds them.
  assert [l["step"] for l in runs[1][1]] == [l["step"] for l in runs[7][1]] == [10, 20, 30, 40]
  for a, b in zip(runs[1][1], runs[7][1]):
    assert a == pytest.approx(b, rel=1e-6)
  assert runs[1][2] == runs[7][2]
  assert "grid_step_000030.png" in runs[7][2] and "samples_step_000025.npz" in runs[7][2]
  assert "ckpt-20.index" in runs[7][2]


@pytest.mark.parametrize("failing", ["_any_worker", "train_loop"])
def test_a_lost_peer_ends_a_worker_with_one_line_wherever_its_collective_fails(tmp_path, failing):
  # Under load the loss shows first in whichever collective runs next: the stop flag's all-reduce or the chunk's.
  config = _ring_config(tmp_path, train_steps=20, log_every=10, checkpoint_every=10, sample_every=100,
                        num_samples=10)
  trainer = training.Trainer(config, training_data.load(config), log=lambda *_: None)
  trainer.advance(10)

  def lost(*_):
    raise tf.errors.UnavailableError(None, None, "Collective ops is aborted by: recvmsg:Connection reset by peer\n"
                                                 "Additional GRPC error information")
  setattr(trainer, failing, lost)
  with pytest.raises(tf.errors.UnavailableError):  # One worker has no peer to lose: the error is not renamed.
    trainer.advance(10)
  trainer.role = distribute.WorkerRole(index=1, count=2)
  with pytest.raises(distribute.WorkerLostError) as lost_error:
    trainer.advance(10)
  assert str(lost_error.value) == (
      "worker 1 of 2: a worker was lost after step 10 (Collective ops is aborted by: recvmsg:Connection reset by peer); "
      "restart every worker with the same command to resume from the chief's last checkpoint")


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_relativistic_with_r1_and_r2_trains_each_model_50_steps_on_fashion_mnist(tmp_path, model):
  config = TrainConfig(dataset="fashion_mnist", max_examples=1024, model=model, loss="relativistic", r1_gamma=1.0,
                       r2_gamma=1.0, batch_size=32, train_steps=50, log_every=10, sample_every=50,
                       checkpoint_every=50, num_samples=16, grid_size=2, output_dir=str(tmp_path))
  training.train(config, training_data.load(config), log=lambda *_: None)
  lines = [json.loads(l) for l in (tmp_path / "metrics.jsonl").read_text().splitlines()]
  assert [l["step"] for l in lines] == [10, 20, 30, 40, 50]
  assert all(np.isfinite(l["d_loss"]) and np.isfinite(l["g_loss"]) for l in lines)


def test_r1_and_r2_add_to_the_discriminator_loss_from_the_same_start(tmp_path):
  # One step from the same weights and batch: the penalties are non-negative and the step reports them in d_loss.
  losses = {}
  for gammas in ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0)):
    config = _ring_config(tmp_path / f"{gammas}", loss="relativistic", r1_gamma=gammas[0], r2_gamma=gammas[1],
                          train_steps=1, log_every=1, num_samples=10)
    trainer = training.Trainer(config, training_data.load(config), log=lambda *_: None)
    trainer.advance(1)
    losses[gammas] = trainer.last_metrics["d_loss"]
  assert losses[(0.0, 0.0)] < losses[(10.0, 0.0)] < losses[(10.0, 10.0)]
