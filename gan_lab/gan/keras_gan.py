"""`GAN`: gan_lab's corrected GAN as a `keras.Model`, trained with `fit` as Keras users train anything.

keras-io's GAN examples subclass `keras.Model` with `compile(d_optimizer,
g_optimizer, loss_fn)` and a `train_step`; this is that shape, with
gan_lab's pieces inside: the architectures of its registry (or your own
generator and a discriminator that returns logits), its losses by name, and
its train step (`train_step.GanUpdates`, the code the Trainer runs, not a
copy). Keras's callbacks (TensorBoard, BackupAndRestore, ModelCheckpoint)
work with it; `gan_lab.run.sample_grid.SampleGrid` saves a fixed-noise grid.

`gan-lab train` (the Trainer) stays the path for experiments: chunks that
end exactly at the logging, grid and checkpoint steps, a noise stream that is
a function of seed and step (so a resumed run is bitwise the same), EMA,
strategies and the study's files. `GAN.fit` is for using gan_lab's pieces
inside your own Keras code.
"""

import keras
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import activations, losses, models
from gan_lab.gan.train_step import GanUpdates, LOSS_OUTPUTS, STEP_OUTPUTS, StepSettings


class GAN(keras.Model):
  """A generator and a discriminator (logits out), trained by `fit` on batches of real data.

  `fit` takes real data already in the generator's output range (for a GAN
  built by `from_architecture`, `gan.activation.pixels_to_data(pixels)`
  scales uint8 pixels so). A batch may also be a dict of `real`, `noise`
  and `uniform` (the Trainer's input pipeline elements); otherwise noise
  [batch, noise_dim] and the gradient penalty's weights are drawn from
  `seed`.
  """

  def __init__(self, generator: keras.Model, discriminator: keras.Model, noise_dim: int | None = None,
               activation: activations.OutputActivation | None = None, generator_with_preactivation=None,
               seed: int | None = None, **kwargs):
    super().__init__(**kwargs)
    self.generator, self.discriminator = generator, discriminator
    self.noise_dim = noise_dim or int(generator.input_shape[-1])
    self.activation = activation
    self._with_preactivation = generator_with_preactivation
    self.seed_generator = keras.random.SeedGenerator(seed)
    self.updates = None
    self.built = True  # Both networks are built models: weights can be saved and restored before `fit`.

  @classmethod
  def from_architecture(cls, model: str = "dcgan", data_shape=(28, 28, 1), noise_dim: int = 100,
                        output_activation: str = "tanh", data_margin: float = 0.0, seed: int | None = None) -> "GAN":
    """A GAN of a registered architecture and output activation (as `--model`, `--output_activation`)."""
    activation = activations.get(output_activation, data_margin)
    networks = models.build(model, data_shape, noise_dim, activation)
    return cls(networks.generator, networks.discriminator, noise_dim, activation,
               networks.generator_with_preactivation, seed)

  def compile(self, d_optimizer, g_optimizer, loss="non_saturating", label_smoothing: float = 0.0,
              gp_weight: float = 0.0, disc_steps: int = 1, update_scheme: str = "alternating",
              jit_compile=False, r1_gamma: float = 0.0, r2_gamma: float = 0.0, **kwargs):
    """Sets the optimizers and the loss (a registered name, or a `losses.GanLoss`); the rest is Keras's compile.

    disc_steps: discriminator updates per generator update; each batch is
      split into that many equal parts. update_scheme: "alternating" or
      "simultaneous" (see `gan-lab train --help`). jit_compile is off by
      default, as in the Trainer; steps_per_execution and the other keyword
      arguments go to `keras.Model.compile`. r1_gamma, r2_gamma: the
      zero-centred R1 (real) and R2 (fake) penalty weights, as --r1_gamma
      and --r2_gamma (0: off).
    """
    gan_loss = _checked_loss(loss, label_smoothing, gp_weight)
    if not (r1_gamma >= 0 and r2_gamma >= 0):
      raise ValueError(f"r1_gamma={r1_gamma}, r2_gamma={r2_gamma}: expected values >= 0 (0: off)")
    if update_scheme not in ("alternating", "simultaneous") or (update_scheme == "simultaneous" and disc_steps != 1):
      raise ValueError(f"update_scheme={update_scheme!r} with disc_steps={disc_steps}: expected alternating, or "
                       "simultaneous with disc_steps=1")
    # model.optimizer is G's: its iterations count generator steps, as Keras callbacks (TensorBoard) read them.
    super().compile(optimizer=g_optimizer, jit_compile=jit_compile, **kwargs)
    self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
    networks = models.GanModels(self.generator, self.discriminator, self._with_preactivation)
    settings = StepSettings(disc_steps, gp_weight, r1_gamma, r2_gamma, label_smoothing, update_scheme == "simultaneous")
    self.updates = GanUpdates(networks, gan_loss, self.activation, g_optimizer, d_optimizer, settings)
    names = STEP_OUTPUTS if self.updates.diagnoses else LOSS_OUTPUTS
    self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

  @property
  def metrics(self):
    """Keras resets these every epoch: means of the step outputs since then."""
    return list(getattr(self, "trackers", {}).values())

  def call(self, noise, training=False):
    """Samples for noise [batch, noise_dim]."""
    return self.generator(noise, training=training)

  def train_step(self, data):
    """One GAN step: `disc_steps` D updates, then a G update, through the Trainer's `GanUpdates.replica_step`."""
    outputs = self.updates.replica_step(data if isinstance(data, dict) else self._step_inputs(data))
    for name, tracker in self.trackers.items():
      tracker.update_state(outputs[name])
    return {name: tracker.result() for name, tracker in self.trackers.items()}

  def _step_inputs(self, data) -> dict:
    """real [N, ...] (the batch), noise [N, noise_dim] and uniform [N], drawn from the seed generator."""
    real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
    rows = tf.shape(real)[0]
    return {"real": real,
            "noise": keras.random.normal((rows, self.noise_dim), seed=self.seed_generator),
            "uniform": keras.random.uniform((rows,), seed=self.seed_generator)}


def _checked_loss(loss, label_smoothing: float, gp_weight: float) -> losses.GanLoss:
  """The loss pair, after the checks `TrainConfig` makes of --loss, --label_smoothing and --gp_weight."""
  if isinstance(loss, losses.GanLoss):
    return loss
  registry.check_loss_settings(loss, label_smoothing, gp_weight, prefix="")
  return losses.get(loss)
