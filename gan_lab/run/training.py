"""The training loop: builds a run, steps it, and saves at the steps the config names.

`train(config)` (or `Trainer`, in pieces) is the one training path: the
CLI, the sweep and the benchmarks call it. It writes, in `config.output_dir`:
metrics.jsonl and tensorboard/ (`training_log`), grid_step_NNNNNN.png every
`sample_every` steps and grid.png at the end, grid_samples.npz, samples.npz
and samples_step_NNNNNN.npz snapshots (`sample_writer`; from the generator
EMA when `g_ema_decay` > 0, with samples_raw.npz from the raw generator
beside them), and checkpoints/
(`checkpoints`). flags.json is written by `run_dir.prepare` before training.
"""

import contextlib
import dataclasses
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_lab.config import hardware
from gan_lab.config.train_config import TrainConfig
from gan_lab.data import input_pipeline
from gan_lab.files.atomic_io import OutputWriteError
from gan_lab.gan import activations, losses, models
from gan_lab.gan.generator_ema import GeneratorEma
from gan_lab.gan.train_step import GanUpdates, make_train_loop, StepSettings
from gan_lab.run import distribute, run_lock, training_data
from gan_lab.run.checkpoints import CheckpointError, RunCheckpoint
from gan_lab.run.sample_writer import SELECTION_SAMPLES_FILE, SampleWriter
from gan_lab.run.training_log import NonFiniteLossError, TrainingLog

__all__ = ["CheckpointError", "NonFiniteLossError", "OutputWriteError", "TrainResult", "Trainer", "train"]


@dataclasses.dataclass
class TrainResult:
  """How a run ended: `steps` done, and `samples` (None when `interrupted` before the end)."""
  steps: int
  wall_seconds: float
  last_metrics: dict
  samples: np.ndarray | None
  interrupted: bool = False


class Trainer:
  """One run, stepped in pieces: `advance(n)` steps at a time, then `finish()`.

  `train` runs it whole; the benchmarks interleave `advance` windows with a
  baseline's. Construction builds the networks under the config's strategy
  and precision and resumes from the latest checkpoint in
  `config.output_dir` if there is one.

  Attributes:
    config: the run's `TrainConfig`.
    step: the number of steps done.
    strategy: the `tf.distribute.Strategy` the step runs under.
    models: the `GanModels` being trained.
    train_loop: the compiled `loop(iterator, num_steps)` (`train_step.make_train_loop`).
    ema: the `GeneratorEma` (None with `g_ema_decay=0`).
    samples: the `SampleWriter` of grids and sample files (from the EMA generator if there is one).
    role: this process's `distribute.WorkerRole`; only the chief writes files.
    last_metrics: the latest logged record (means since the log before it).
  """

  def __init__(self, config: TrainConfig, train_data: np.ndarray, log=print):
    config.validate()  # Python callers get the CLI's checks too.
    # The CLI resolves `auto` before writing flags.json; Python callers' configs are resolved here.
    if config.mixed_precision == "auto":  # Only `auto` depends on the machine: no probe for an explicit policy.
      config = dataclasses.replace(config, mixed_precision=hardware.resolve_precision(
          "auto", hardware.has_bfloat16_units()))
    self.config = config
    if config.deterministic:
      tf.config.experimental.enable_op_determinism()  # Process-wide; needed for bitwise resumes.
    activation = activations.get(config.output_activation, config.data_margin)
    self.strategy = distribute.make_strategy(config.strategy)
    self.role = distribute.worker_role(config.strategy)
    self._any_worker = distribute.any_worker(self.strategy, self.role.count)  # Workers stop at the same step.
    distribute.check_batch_split(config.batch_size, self.strategy)
    keras.utils.set_random_seed(config.seed)  # Weight initialisation.
    with self.strategy.scope():
      self.models, updates = _build_networks(config, train_data.shape[1:], activation, self.strategy)
      step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
      self.ema = _build_ema(config, train_data.shape[1:], activation, self.strategy, self.models.generator)
    self._checkpoint = RunCheckpoint(config.output_dir, self.models, updates.g_optimizer, updates.d_optimizer, step,
                                     self.ema, warn=log, worker_index=self.role.index)
    self.step = self._checkpoint.restore_latest()
    self.train_loop = make_train_loop(updates, self.strategy, jit_compile=config.jit_compile,
                                      after_step=self.ema.update if self.ema else None)
    self.samples = SampleWriter(self.ema.generator if self.ema else self.models.generator, activation, config)
    self._raw_samples = SampleWriter(self.models.generator, activation, config) if self.ema else None
    log(f"gan_lab: {config.model}/{config.output_activation}/{config.loss} on {config.dataset} "
        f"({len(train_data)} examples), device {device_description()}"
        + (f", worker {self.role.index} of {self.role.count}" if self.role.count > 1 else "")
        + (f", resuming at step {self.step}" if self.step else ""))
    dataset = input_pipeline.make_dataset(train_data, config.batch_size, config.disc_steps, config.noise_dim,
                                          config.seed, start_step=self.step,
                                          replicas=self.strategy.num_replicas_in_sync)
    self._batches = iter(self.strategy.experimental_distribute_dataset(dataset))
    self._log = TrainingLog(config.output_dir, config.train_steps, self.step,
                            images_per_step=config.batch_size * config.disc_steps, write=self.role.is_chief)

  @property
  def last_metrics(self) -> dict:
    return self._log.last

  def advance(self, num_steps: int, should_stop=lambda: False) -> None:
    """Runs up to `num_steps` more steps (never past `train_steps`), logging and saving on schedule.

    `should_stop()` is asked before each compiled chunk (at most
    `steps_per_call` steps); when it says yes (on any worker of a
    multi-worker run), `advance` returns early.
    """
    end = min(self.step + num_steps, self.config.train_steps)
    with self._a_lost_worker_ends_the_run():
      while self.step < end and not self._any_worker(should_stop()):
        chunk = min(self.config.steps_per_call, end - self.step, self._steps_to_next_event())
        self._log.add(self.train_loop(self._batches, tf.constant(chunk, tf.int32)), chunk)
        self.step += chunk
        self._after_chunk()

  def checkpoint_and_close(self) -> TrainResult:
    """Logs the steps since the last log line, checkpoints the current step and closes the log: a resume loses nothing."""
    if self._log.window.steps:
      self._log.log(self.step)
    if self.step != self._checkpoint.saved_step:
      self._checkpoint.save(self.step)
    self._log.close()
    return TrainResult(self.step, self._log.seconds(), self.last_metrics, None, interrupted=True)

  def finish(self) -> TrainResult:
    """Writes the final checkpoint, grid and samples; closes the log."""
    config, out = self.config, Path(self.config.output_dir)
    if config.train_steps % config.checkpoint_every:
      self._checkpoint.save(config.train_steps)
    if not self.role.is_chief:  # The chief writes the grids and samples (from the same weights).
      self._log.close()
      return TrainResult(config.train_steps, self._log.seconds(), self.last_metrics, None)
    grid_samples = self.samples.save_grid(out / "grid.png", config.train_steps)
    self.samples.save_npz(out / "grid_samples.npz", grid_samples)
    samples = self.samples.save_samples(out / "samples.npz", config.num_samples)
    if config.selection_samples:
      self.samples.save_selection_samples(out / SELECTION_SAMPLES_FILE)
    if self._raw_samples:
      self._raw_samples.save_samples(out / "samples_raw.npz", config.num_samples)
    self._log.close()
    return TrainResult(config.train_steps, self._log.seconds(), self.last_metrics, samples)

  @contextlib.contextmanager
  def _a_lost_worker_ends_the_run(self):
    """Any collective op fails once a peer is gone: the chunk's all-reduces, the stop flag's, a checkpoint's.
    Whichever meets the loss first, the worker ends with one line saying what to do, not a traceback."""
    try:
      yield
    except (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.DeadlineExceededError,
            tf.errors.CancelledError) as e:
      if self.role.count == 1:
        raise
      first = e.message.strip().splitlines()[0][:160] if e.message else type(e).__name__
      raise distribute.WorkerLostError(
          f"worker {self.role.index} of {self.role.count}: a worker was lost after step {self.step} ({first}); "
          "restart every worker with the same command to resume from the chief's last checkpoint") from None

  def _steps_to_next_event(self) -> int:
    """Steps until the next step that logs or saves: chunks end exactly there."""
    config = self.config
    periods = [config.log_every, config.sample_every, config.checkpoint_every]
    periods += [config.snapshot_every] if config.snapshot_every else []
    gaps = [period - self.step % period for period in periods]
    return min(gaps)

  def _after_chunk(self) -> None:
    config, step, out = self.config, self.step, Path(self.config.output_dir)
    if step % config.log_every == 0 or step == config.train_steps:
      self._log.log(step)
    elif step % config.checkpoint_every == 0:
      self._log.check_before_checkpoint(step)  # Never checkpoint diverged weights.
    if step % config.sample_every == 0 and self.role.is_chief:
      self.samples.save_grid(out / f"grid_step_{step:06d}.png", step)
    if config.snapshot_every and step % config.snapshot_every == 0 and self.role.is_chief:
      self.samples.save_samples(out / f"samples_step_{step:06d}.npz", config.snapshot_samples)
    if step % config.checkpoint_every == 0:
      self._checkpoint.save(step)


def train(config: TrainConfig, train_data: np.ndarray | None = None, log=print,
          should_stop=lambda: False) -> TrainResult:
  """Trains a GAN as `config` says, on `train_data` (in the data range) or the config's data set.

  Resumes from the latest checkpoint in `config.output_dir` if there is one.
  When `should_stop()` turns true (e.g. `interrupts.StopRequest.requested`),
  checkpoints the step reached and returns with `interrupted` set. Raises
  run_lock.RunFolderError when another process holds `config.output_dir`,
  NonFiniteLossError when a loss is NaN or infinite at a log or checkpoint
  step, after recording the failure in metrics.jsonl (the last good
  checkpoint stays), and atomic_io.OutputWriteError when an output cannot be
  written.
  """
  chief = distribute.worker_role(config.strategy).is_chief  # The other workers write no files of the run.
  with run_lock.hold(config.output_dir) if chief else contextlib.nullcontext():
    if train_data is None:
      train_data = training_data.load(config)
    trainer = Trainer(config, train_data, log)
    trainer.advance(config.train_steps, should_stop)
    return trainer.checkpoint_and_close() if trainer.step < config.train_steps else trainer.finish()


def device_description() -> str:
  gpus = tf.config.list_logical_devices("GPU")
  return f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}" if gpus else "CPU"


def _build_networks(config: TrainConfig, data_shape, activation, strategy) -> tuple[models.GanModels, GanUpdates]:
  """The models under the config's precision policy, and their updates (which build the optimizers' slots)."""
  gan = _build_models(config, data_shape, activation, strategy)
  g_optimizer, d_optimizer = (_adam(rate, config) for rate in (config.g_learning_rate, config.d_learning_rate))
  settings = StepSettings.of(config)
  # Slots are built here, so a checkpoint restore fills them instead of being deferred.
  return gan, GanUpdates(gan, losses.get(config.loss), activation, g_optimizer, d_optimizer, settings)


def _build_ema(config: TrainConfig, data_shape, activation, strategy, generator) -> GeneratorEma | None:
  """The generator EMA, on a second generator of the same architecture and precision; None when off."""
  if not config.g_ema_decay:
    return None
  return GeneratorEma(generator, _build_models(config, data_shape, activation, strategy).generator,
                      config.g_ema_decay)


def _build_models(config: TrainConfig, data_shape, activation, strategy) -> models.GanModels:
  """The config's architecture under its precision policy, batch norm synced when there are several replicas."""
  with _precision_policy(config.mixed_precision):
    return models.build(config.model, data_shape, config.noise_dim, activation,
                        sync_batch_norm=strategy.num_replicas_in_sync > 1)


@contextlib.contextmanager
def _precision_policy(policy: str):
  """Builds layers under `policy`, then restores the global policy (it only matters at build time)."""
  previous = keras.mixed_precision.global_policy()
  keras.mixed_precision.set_global_policy("float32" if policy == "none" else policy)
  try:
    yield
  finally:
    keras.mixed_precision.set_global_policy(previous)


def _adam(learning_rate, config: TrainConfig):
  adam = keras.optimizers.Adam(learning_rate, config.beta_1, config.beta_2)
  # float16 gradients underflow without loss scaling; bfloat16 has float32's exponent range.
  return keras.optimizers.LossScaleOptimizer(adam) if config.mixed_precision == "mixed_float16" else adam

