"""The training loop: data -> models -> train step -> grids, checkpoints, metrics.

`train(config, data)` (or `Trainer`, in pieces) is the one training path:
the CLI, the sweep and the benchmarks call it. It writes, in
`config.output_dir`: metrics.jsonl, grid_step_NNNNNN.png every
`sample_every` steps and grid.png at the end (all from one fixed noise
batch, whose final samples also go to grid_samples.npz), samples.npz (and
samples_step_NNNNNN.npz snapshots every `snapshot_every` steps),
checkpoints/ (both networks, both optimizers and the step; the data order
and the noise are functions of seed and step) and tensorboard/ scalars.
flags.json is written by `run_dir.prepare` before training starts.
"""

import contextlib
import dataclasses
import json
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_lab import activations, atomic_io, data, distribute, grids, input_pipeline, losses, models, toy
from gan_lab.config import TrainConfig
from gan_lab.progress import ProgressBar
from gan_lab.train_step import GanUpdates, StepSettings, make_train_loop

_SAMPLE_BATCH = 500


class NonFiniteLossError(RuntimeError):
  """Training diverged: a loss became NaN or infinite."""


@dataclasses.dataclass
class TrainResult:
  steps: int
  wall_seconds: float
  last_metrics: dict
  samples: np.ndarray


def load_training_data(config: TrainConfig) -> np.ndarray:
  """The training set as float32, scaled to the output activation's data range."""
  activation = activations.get(config.output_activation)
  if config.dataset == "ring":
    points = toy.ring(config.max_examples or 50_000, config.seed)  # In [-1, 1].
    lo, hi = activation.data_range
    return (points + 1) / 2 * (hi - lo) + lo
  images = data.load(config.dataset, "train", config.data_dir or None).images
  if config.max_examples:
    images = images[:config.max_examples]
  return activation.pixels_to_data(images)


def check_precision_supported(policy: str) -> None:
  """Raises ValueError for a mixed-precision policy this machine cannot run well."""
  if policy == "mixed_float16" and not tf.config.list_physical_devices("GPU"):
    raise ValueError("--mixed_precision=mixed_float16 needs a GPU (float16 is emulated on CPUs); "
                     "use mixed_bfloat16 or none")


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


def device_description() -> str:
  gpus = tf.config.list_logical_devices("GPU")
  return f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}" if gpus else "CPU"


class _Run:
  """The state of one run: strategy, networks, optimizers, step, checkpoints."""

  def __init__(self, config: TrainConfig, data_shape):
    self.config = config
    self.activation = activations.get(config.output_activation)
    self.strategy = distribute.make_strategy(config.strategy)
    keras.utils.set_random_seed(config.seed)  # Weight initialisation.
    with self.strategy.scope():
      with _precision_policy(config.mixed_precision):
        self.models = models.build(config.model, data_shape, config.noise_dim, self.activation,
                                   sync_batch_norm=self.strategy.num_replicas_in_sync > 1)
      self.g_opt, self.d_opt = (_adam(lr, config) for lr in (config.g_learning_rate, config.d_learning_rate))
      settings = StepSettings(config.batch_size, config.disc_steps, config.gp_weight, config.label_smoothing,
                              config.update_scheme == "simultaneous")
      # GanUpdates builds the optimizers' slots, so a restore fills them instead of being deferred.
      updates = GanUpdates(self.models, losses.get(config.loss), self.activation, self.g_opt, self.d_opt, settings)
      self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    checkpoint = tf.train.Checkpoint(generator=self.models.generator, discriminator=self.models.discriminator,
                                     g_optimizer=self.g_opt, d_optimizer=self.d_opt, step=self.step)
    self.manager = tf.train.CheckpointManager(checkpoint, Path(config.output_dir) / "checkpoints", max_to_keep=2)
    if self.manager.latest_checkpoint:
      checkpoint.restore(self.manager.latest_checkpoint).assert_existing_objects_matched()
    self.train_loop = make_train_loop(updates, self.strategy, jit_compile=config.jit_compile)
    noise_rng = np.random.default_rng([config.seed, 1])  # Independent of the training noise.
    self.grid_noise = noise_rng.standard_normal((config.grid_size ** 2, config.noise_dim)).astype(np.float32)
    self.sample_noise = np.random.default_rng([config.seed, 2]).standard_normal(
        (max(config.num_samples, config.snapshot_samples), config.noise_dim)).astype(np.float32)
    self._generate = tf.function(lambda z: self.models.generator(z, training=False))

  def generate(self, noise: np.ndarray) -> np.ndarray:
    return np.concatenate([self._generate(noise[i:i + _SAMPLE_BATCH]).numpy()
                           for i in range(0, len(noise), _SAMPLE_BATCH)])

  def save_grid(self, path, step) -> np.ndarray:
    title = (f"{self.config.model} · {self.config.output_activation} output · {self.config.loss} loss · "
             f"step {step}")
    samples = self.generate(self.grid_noise)
    grids.save_grid(path, samples, self.activation, self.config.grid_size, title)
    return samples

  def save_samples(self, path, count) -> np.ndarray:
    """Writes `count` samples from the run's fixed sample noise (the same rows every time)."""
    samples = self.generate(self.sample_noise[:count]).astype(np.float32)
    atomic_io.write_npz(path, samples=samples, value_range=np.asarray(self.activation.data_range, np.float32))
    return samples


class Trainer:
  """Runs the loop of one run in pieces: `advance(n)` steps at a time, then `finish()`.

  `train` runs it whole; the benchmark interleaves `advance` windows with
  a baseline's. Construction resumes from the latest checkpoint in
  `config.output_dir` if there is one.
  """

  def __init__(self, config: TrainConfig, train_data: np.ndarray, log=print):
    self.config, self.out = config, Path(config.output_dir)
    if config.deterministic:
      tf.config.experimental.enable_op_determinism()  # Process-wide; needed for bitwise resumes.
    self.run = _Run(config, train_data.shape[1:])
    self.step = int(self.run.step.numpy())
    log(f"gan_lab: {config.model}/{config.output_activation}/{config.loss} on {config.dataset} "
        f"({len(train_data)} examples), device {device_description()}"
        + (f", resuming at step {self.step}" if self.step else ""))
    _truncate_metrics(self.out / "metrics.jsonl", self.step)
    dataset = input_pipeline.make_dataset(train_data, config.batch_size, config.disc_steps, config.noise_dim,
                                          config.seed, start_step=self.step)
    self.batches = iter(self.run.strategy.experimental_distribute_dataset(dataset))
    self.writer = tf.summary.create_file_writer(str(self.out / "tensorboard"))
    self.progress = ProgressBar(config.train_steps, self.step)
    self.began, self.window, self.last = time.perf_counter(), _Window(), {}

  def advance(self, num_steps: int) -> None:
    """Runs up to `num_steps` more steps (never past `train_steps`) with all logging and saving."""
    c, run = self.config, self.run
    end = min(self.step + num_steps, c.train_steps)
    while self.step < end:
      if self.step + 1 == c.inject_nan_at_step:
        _poison(run.models.discriminator)
      chunk = min(c.steps_per_call, end - self.step, self._steps_to_next_event())
      self.window.add(run.train_loop(self.batches, tf.constant(chunk, tf.int32)), chunk)
      self.step += chunk
      run.step.assign(self.step)
      self._after_chunk(self.step)

  def _steps_to_next_event(self) -> int:
    """Steps until the next step that logs, saves or injects: chunks end exactly there."""
    c = self.config
    periods = [c.log_every, c.sample_every, c.checkpoint_every] + ([c.snapshot_every] if c.snapshot_every else [])
    gaps = [p - self.step % p for p in periods]
    if c.inject_nan_at_step > self.step + 1:
      gaps.append(c.inject_nan_at_step - 1 - self.step)  # The next chunk starts at the poisoned step.
    return min(gaps)

  def _after_chunk(self, step):
    c, run = self.config, self.run
    if step % c.log_every == 0 or step == c.train_steps:
      self._log(step)
    elif step % c.checkpoint_every == 0:
      _check_finite(self.out, step, self.window.means())  # Never checkpoint diverged weights.
    if step % c.sample_every == 0:
      run.save_grid(self.out / f"grid_step_{step:06d}.png", step)
    if c.snapshot_every and step % c.snapshot_every == 0:
      run.save_samples(self.out / f"samples_step_{step:06d}.npz", c.snapshot_samples)
    if step % c.checkpoint_every == 0:
      run.manager.save(checkpoint_number=step)

  def _log(self, step):
    self.last = self.window.flush(step, self.began, self.config.batch_size * self.config.disc_steps)
    _check_finite(self.out, step, self.last)
    atomic_io.append_jsonl(self.out / "metrics.jsonl", self.last)
    _write_scalars(self.writer, step, self.last)
    self.progress.update(step, {k: self.last[k] for k in ("d_loss", "g_loss", "images_per_sec")})

  def finish(self) -> TrainResult:
    """The final checkpoint, grid and samples."""
    c, run = self.config, self.run
    if c.train_steps % c.checkpoint_every:
      run.manager.save(checkpoint_number=c.train_steps)
    grid_samples = run.save_grid(self.out / "grid.png", c.train_steps)
    atomic_io.write_npz(self.out / "grid_samples.npz", samples=grid_samples,
                        value_range=np.asarray(run.activation.data_range, np.float32))
    samples = run.save_samples(self.out / "samples.npz", c.num_samples)
    self.writer.close()
    return TrainResult(c.train_steps, time.perf_counter() - self.began, self.last, samples)


def train(config: TrainConfig, train_data: np.ndarray, log=print) -> TrainResult:
  """Trains a GAN on `train_data` (already in the data range) as `config` says.

  Resumes from the latest checkpoint in `config.output_dir` if there is one.
  Raises NonFiniteLossError when a loss is NaN or infinite at a log or
  checkpoint step, after recording the failure in metrics.jsonl (the last
  good checkpoint stays).
  """
  trainer = Trainer(config, train_data, log)
  trainer.advance(config.train_steps)
  return trainer.finish()


class _Window:
  """Sums the step outputs between two log lines, so a log line holds their means."""

  def __init__(self):
    self.start, self.steps, self.sums = time.perf_counter(), 0, None

  def add(self, sums, steps):
    """Adds the summed outputs of `steps` steps."""
    self.sums = sums if self.sums is None else {k: self.sums[k] + v for k, v in sums.items()}
    self.steps += steps

  def means(self) -> dict:
    return {k: float(v.numpy()) / self.steps for k, v in self.sums.items()}

  def flush(self, step, began, images_per_step) -> dict:
    """The window's means with step, wall time and throughput; starts a new window."""
    now = time.perf_counter()
    record = {**self.means(), "step": step, "wall_seconds": round(now - began, 3),
              "images_per_sec": self.steps * images_per_step / (now - self.start)}
    self.start, self.steps, self.sums = time.perf_counter(), 0, None
    return record


def _truncate_metrics(path: Path, last_step: int) -> None:
  """Drops log lines past the checkpoint a run resumes from (a killed run may have written them)."""
  if not path.exists():
    return
  lines = path.read_text(errors="replace").splitlines(keepends=True)
  kept = [line for line in lines if _logged_step(line) is not None and _logged_step(line) <= last_step]
  if len(kept) != len(lines):
    atomic_io.write_bytes(path, "".join(kept).encode())


def _logged_step(line: str) -> int | None:
  """The step of a metrics.jsonl line; None for a torn or foreign line."""
  try:
    return int(json.loads(line)["step"])
  except (ValueError, KeyError, TypeError):
    return None


def _poison(model):
  """Sets one weight to NaN, as a fault injection that the watchdog must catch."""
  variable = model.trainable_variables[0]
  variable.assign(tf.fill(variable.shape, float("nan")))


def _check_finite(out: Path, step: int, metrics: dict) -> None:
  bad = [k for k in ("d_loss", "g_loss") if not math.isfinite(metrics[k])]
  if bad:
    atomic_io.append_jsonl(out / "metrics.jsonl", {"step": step, "failure": f"non-finite {', '.join(bad)}",
                                                   **{k: str(metrics[k]) for k in bad}})
    raise NonFiniteLossError(f"step {step}: {', '.join(f'{k} = {metrics[k]}' for k in bad)}; "
                             "the last good checkpoint is kept in checkpoints/")


def _write_scalars(writer, step, metrics):
  with writer.as_default(step=step):
    for name, value in metrics.items():
      if name != "step":
        tf.summary.scalar(name, value)
