"""gan_lab.GAN: `fit` steps exactly as the Trainer's update does, works with Keras's callbacks, and resumes."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_lab
from gan_lab.config.train_config import TrainConfig
from gan_lab.data import input_pipeline
from gan_lab.run import training

SHAPE = (28, 28, 1)


def _images(count=64, seed=0):
  return np.random.default_rng(seed).uniform(-1, 1, (count, *SHAPE)).astype(np.float32)


def _weights(networks):
  return [w.numpy() for net in networks for w in net.weights]


@pytest.mark.parametrize("settings", [
    {"loss": "non_saturating"},
    {"loss": "wasserstein", "gp_weight": 10.0, "disc_steps": 2},
    {"loss": "hinge", "update_scheme": "simultaneous"},
    {"loss": "relativistic", "r1_gamma": 1.0, "r2_gamma": 1.0},
    {"loss": "relativistic", "r1_gamma": 0.5, "r2_gamma": 2.0, "update_scheme": "simultaneous"},
])
def test_one_fit_step_changes_the_weights_as_the_trainers_update(tmp_path, settings):
  config = TrainConfig(dataset="fashion_mnist", model="dcgan", batch_size=8, noise_dim=16, train_steps=1,
                       num_samples=4, grid_size=2, output_dir=str(tmp_path / "trainer"),
                       mixed_precision="none", **settings)  # The fit path's float32, on any machine.
  data = _images()
  trainer = training.Trainer(config, data, log=lambda *_: None)
  keras.utils.set_random_seed(config.seed)  # The Trainer's initialisation, for the GAN's networks.
  gan = gan_lab.GAN.from_architecture("dcgan", SHAPE, config.noise_dim, config.output_activation)
  before = _weights([trainer.models.generator, trainer.models.discriminator])
  for want, got in zip(before, _weights([gan.generator, gan.discriminator]), strict=True):
    np.testing.assert_array_equal(got, want)
  batch = next(iter(input_pipeline.make_dataset(data, config.batch_size, config.disc_steps, config.noise_dim,
                                                config.seed)))  # The Trainer's first step inputs.
  trainer.advance(1)
  adam = lambda rate: keras.optimizers.Adam(rate, config.beta_1, config.beta_2)
  gan.compile(d_optimizer=adam(config.d_learning_rate), g_optimizer=adam(config.g_learning_rate), loss=config.loss,
              gp_weight=config.gp_weight, disc_steps=config.disc_steps, update_scheme=config.update_scheme,
              r1_gamma=config.r1_gamma, r2_gamma=config.r2_gamma)
  history = gan.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0)
  after = _weights([trainer.models.generator, trainer.models.discriminator])
  assert max(np.abs(a - b).max() for a, b in zip(before, after)) > 1e-4  # The step moved the weights.
  for want, got in zip(after, _weights([gan.generator, gan.discriminator]), strict=True):
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
  assert np.isclose(history.history["d_loss"][0], trainer.last_metrics["d_loss"], rtol=1e-5)


class _StopAtEpoch(keras.callbacks.Callback):
  """Interrupts `fit` at the end of an epoch, as a killed job would (BackupAndRestore has saved it by then)."""

  def __init__(self, epoch):
    super().__init__()
    self.epoch = epoch

  def on_epoch_end(self, epoch, logs=None):
    if epoch == self.epoch:
      raise RuntimeError("interrupted")


def _compiled_gan(seed):
  gan = gan_lab.GAN.from_architecture("mlp", SHAPE, noise_dim=8, output_activation="sigmoid", seed=seed)
  gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
              steps_per_execution=2)
  return gan


def test_fit_with_grids_and_backup_resumes_after_an_interruption(tmp_path):
  data = (_images(96) + 1) / 2  # The sigmoid's data range.
  callbacks = lambda: [keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
                       gan_lab.SampleGrid(tmp_path, grid_size=2, num_samples=6)]
  keras.utils.set_random_seed(1)
  with pytest.raises(RuntimeError, match="interrupted"):
    _compiled_gan(seed=1).fit(data, batch_size=32, epochs=3, verbose=0, callbacks=callbacks() + [_StopAtEpoch(1)])
  assert sorted(p.name for p in tmp_path.glob("grid_epoch_*.png")) == ["grid_epoch_0001.png", "grid_epoch_0002.png"]
  keras.utils.set_random_seed(2)  # Other initial weights: the restore must replace them.
  resumed = _compiled_gan(seed=1)
  history = resumed.fit(data, batch_size=32, epochs=3, verbose=0, callbacks=callbacks())
  assert len(history.history["d_loss"]) == 1  # Only the third epoch was left.
  assert int(resumed.g_optimizer.iterations) == int(resumed.d_optimizer.iterations) == 3 * 3
  assert (tmp_path / "grid_epoch_0003.png").is_file()
  samples = np.load(tmp_path / "samples_epoch_0003.npz")
  assert samples["samples"].shape == (6, *SHAPE) and list(samples["data_range"]) == [0, 1]


def test_keras_callbacks_tensorboard_and_model_checkpoint_work(tmp_path):
  gan = _compiled_gan(seed=0)
  gan.fit(_images(64), batch_size=32, epochs=1, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(tmp_path / "tb")),
                     keras.callbacks.ModelCheckpoint(str(tmp_path / "gan.weights.h5"), save_weights_only=True)])
  assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))
  restored = _compiled_gan(seed=5)
  restored.load_weights(tmp_path / "gan.weights.h5")
  for want, got in zip(_weights([gan.generator, gan.discriminator]), _weights([restored.generator,
                                                                              restored.discriminator]), strict=True):
    np.testing.assert_array_equal(got, want)


def test_own_networks_train_without_diagnostics_and_grids_need_an_activation(tmp_path):
  noise = keras.Input((4,))
  generator = keras.Model(noise, keras.layers.Dense(2, activation="tanh")(noise))
  points = keras.Input((2,))
  discriminator = keras.Model(points, keras.layers.Dense(1)(keras.layers.Dense(8, activation="relu")(points)))
  gan = gan_lab.GAN(generator, discriminator, seed=0)
  gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3), loss="least_squares")
  history = gan.fit(_images(32)[:, :2, 0, 0], batch_size=16, epochs=1, verbose=0)
  assert sorted(history.history) == ["d_loss", "g_loss"]
  with pytest.raises(ValueError, match="pass activation=NAME"):
    gan.fit(_images(32)[:, :2, 0, 0], batch_size=16, epochs=1, verbose=0, callbacks=[gan_lab.SampleGrid(tmp_path)])


def test_compile_refuses_what_the_config_refuses():
  gan = gan_lab.GAN.from_architecture("mlp", SHAPE, noise_dim=8)
  adam = keras.optimizers.Adam
  with pytest.raises(ValueError, match="needs a Lipschitz critic"):
    gan.compile(d_optimizer=adam(), g_optimizer=adam(), loss="wasserstein")
  with pytest.raises(ValueError, match="has no meaning"):
    gan.compile(d_optimizer=adam(), g_optimizer=adam(), loss="hinge", label_smoothing=0.1)


def test_import_gan_lab_and_its_config_load_no_tensorflow():
  code = ("import sys, gan_lab; gan_lab.TrainConfig().validate(); assert 'TrainConfig' in dir(gan_lab); "
          "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
  proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
  assert proc.stdout.split() == ["False", "False"], proc.stderr[-2000:]
