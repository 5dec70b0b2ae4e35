"""The generator EMA: NumPy reference, samples drawn from it, exact resume, mirrored = one device."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config.train_config import TrainConfig
from gan_lab.gan import activations, losses, models
from gan_lab.gan.generator_ema import GeneratorEma
from gan_lab.gan.train_step import GanUpdates, make_train_loop, StepSettings
from gan_lab.run import training

REPO = Path(__file__).resolve().parents[1]
RING = TrainConfig(dataset="ring", model="mlp", noise_dim=8, batch_size=32, train_steps=12, log_every=6,
                   checkpoint_every=6, sample_every=12, num_samples=40, grid_size=2, max_examples=512,
                   g_ema_decay=0.8, mixed_precision="none")  # Float32 on any machine: the checks are 1e-6 close.


def _updates_and_ema(decay):
  keras.utils.set_random_seed(0)
  activation = activations.get("tanh")
  gan = models.build("mlp", (2,), 8, activation)
  updates = GanUpdates(gan, losses.get("non_saturating"), activation, keras.optimizers.Adam(1e-2),
                       keras.optimizers.Adam(1e-2), StepSettings())
  return updates, GeneratorEma(gan.generator, models.build("mlp", (2,), 8, activation).generator, decay)


def _batches(count):
  rng = np.random.default_rng(1)
  return tf.data.Dataset.from_tensor_slices({
      "real": rng.uniform(-1, 1, (count, 16, 2)).astype(np.float32),
      "noise": rng.standard_normal((count, 16, 8)).astype(np.float32),
      "uniform": rng.uniform(size=(count, 16)).astype(np.float32)})


def test_ema_matches_a_numpy_average_with_the_num_updates_warmup():
  decay, steps = 0.7, 5
  updates, ema = _updates_and_ema(decay)
  loop = make_train_loop(updates, after_step=ema.update)
  batches = iter(_batches(steps))
  average = [w.numpy().astype(np.float64) for w in updates.models.generator.weights]  # Starts as a copy.
  for n in range(steps):
    loop(batches, tf.constant(1))
    d = min(decay, (1 + n) / (10 + n))  # n updates done before this one.
    average = [d * a + (1 - d) * w.numpy() for a, w in zip(average, updates.models.generator.weights)]
  assert int(ema.num_updates) == steps
  for expected, got in zip(average, ema.generator.weights):
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
  raw = updates.models.generator.get_weights()
  assert any(not np.allclose(a, b) for a, b in zip(raw, ema.generator.get_weights()))  # It trails.


def test_decay_outside_0_1_is_refused():
  for decay in (0.0, 1.0):
    with pytest.raises(ValueError, match="EMA decay must be in"):
      _updates_and_ema(decay)
  with pytest.raises(ValueError, match=r"--g_ema_decay=1.0: expected a value in \[0, 1\)"):
    dataclasses.replace(RING, g_ema_decay=1.0).validate()


@pytest.mark.parametrize("decay", [0.0, 0.8])
def test_samples_come_from_the_ema_and_raw_samples_from_the_generator(tmp_path, decay):
  trainer = training.Trainer(dataclasses.replace(RING, g_ema_decay=decay, output_dir=str(tmp_path)),
                             np.random.default_rng(0).uniform(-1, 1, (512, 2)).astype(np.float32),
                             log=lambda *_: None)
  trainer.advance(12)
  result = trainer.finish()
  noise = trainer.samples.sample_noise[:40]
  raw = trainer.models.generator(noise, training=False).numpy()
  if decay:
    np.testing.assert_allclose(result.samples, trainer.ema.generator(noise, training=False).numpy(), atol=1e-6)
    with np.load(tmp_path / "samples_raw.npz") as f:
      np.testing.assert_allclose(f["samples"], raw, atol=1e-6)
    assert np.abs(result.samples - raw).max() > 1e-3
  else:
    assert trainer.ema is None and not (tmp_path / "samples_raw.npz").exists()
    np.testing.assert_allclose(result.samples, raw, atol=1e-6)


# A fresh process: two logical CPUs and op determinism are process-wide settings.
_RESUME_AND_MIRRORED = r"""
import dataclasses, json, sys, tempfile
sys.path.insert(0, sys.argv[1])
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from gan_lab.config.train_config import TrainConfig
from gan_lab.run import training
base = TrainConfig(**json.loads(sys.argv[2]))
data = np.random.default_rng(0).uniform(-1, 1, (512, 2)).astype(np.float32)
quiet = lambda *_: None

def ema_weights(trainer):
  return [w.numpy() for w in trainer.ema.generator.weights]

straight = training.Trainer(dataclasses.replace(base, output_dir=tempfile.mkdtemp()), data, quiet)
straight.advance(12)
straight_samples = straight.finish().samples
out = tempfile.mkdtemp()
first = training.Trainer(dataclasses.replace(base, output_dir=out), data, quiet)
first.advance(6)  # Checkpoint at step 6, then "killed".
resumed = training.Trainer(dataclasses.replace(base, output_dir=out), data, quiet)
assert resumed.step == 6
resumed.advance(12)
resumed_samples = resumed.finish().samples
result = {"resume_bitwise": all(np.array_equal(a, b) for a, b in zip(ema_weights(straight), ema_weights(resumed)))
          and np.array_equal(straight_samples, resumed_samples)}
mirrored = training.Trainer(dataclasses.replace(base, strategy="mirrored", output_dir=tempfile.mkdtemp()), data, quiet)
mirrored.advance(12)
result["replicas"] = mirrored.strategy.num_replicas_in_sync
result["mirrored_max_abs_diff"] = max(float(np.max(np.abs(a - b)))
                                      for a, b in zip(ema_weights(straight), ema_weights(mirrored)))
print(json.dumps(result))
"""


def test_ema_resumes_bitwise_and_mirrored_matches_one_device():
  config = dataclasses.replace(RING, deterministic=True)
  fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
  proc = subprocess.run([sys.executable, "-c", _RESUME_AND_MIRRORED, str(REPO), json.dumps(fields)],
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  result = json.loads(proc.stdout.strip().splitlines()[-1])
  assert result["resume_bitwise"] and result["replicas"] == 2
  assert result["mirrored_max_abs_diff"] < 1e-5, result  # Same global batches; only summation order differs.
