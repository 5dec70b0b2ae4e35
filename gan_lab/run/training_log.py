"""A run's training log: metrics.jsonl, TensorBoard scalars, the progress bar, the NaN watchdog.

Step outputs are summed over a window of steps and logged as their means
every `log_every` steps. A resumed run first drops the log lines past its
checkpoint (a killed run may have written them), so the log holds each step
once. A non-finite loss, checked at every log and before every checkpoint,
is recorded as a `failure` line and raised: diverged weights are never
checkpointed.
"""

import contextlib
import json
import math
import sys
import time
from pathlib import Path

import tensorflow as tf

from gan_lab.files import atomic_io

METRICS_FILE = "metrics.jsonl"
_SHOWN = ("d_loss", "g_loss", "images_per_sec")


class NonFiniteLossError(RuntimeError):
  """Training diverged: a loss became NaN or infinite."""


class MetricsWindow:
  """Sums the step outputs between two log lines, so a log line holds their means."""

  def __init__(self):
    self.start, self.steps, self.sums = time.perf_counter(), 0, None

  def add(self, sums: dict, steps: int) -> None:
    """Adds the summed outputs (tensors) of `steps` steps."""
    self.sums = sums if self.sums is None else {k: self.sums[k] + v for k, v in sums.items()}
    self.steps += steps

  def means(self) -> dict:
    return {k: float(v.numpy()) / self.steps for k, v in self.sums.items()}

  def flush(self, step: int, began: float, images_per_step: int) -> dict:
    """The window's means with step, wall time and throughput; starts a new window."""
    now = time.perf_counter()
    record = {**self.means(), "step": step, "wall_seconds": round(now - began, 3),
              "images_per_sec": self.steps * images_per_step / (now - self.start)}
    self.start, self.steps, self.sums = time.perf_counter(), 0, None
    return record


class TrainingLog:
  """Writes the windowed means of a run to metrics.jsonl, TensorBoard and the progress bar.

  With `write=False` (a multi-worker run's non-chief workers) it only keeps
  the means and runs the watchdog: every worker sees the same losses and
  stops together, and the chief alone writes them.
  """

  def __init__(self, out: Path, train_steps: int, start_step: int, images_per_step: int, write: bool = True):
    self.out, self.images_per_step, self.write = Path(out), images_per_step, write
    if write:
      truncate_after(self.out / METRICS_FILE, start_step)
    self.writer = tf.summary.create_file_writer(str(self.out / "tensorboard")) if write else None
    self.progress = ProgressBar(train_steps, start_step)
    self.began, self.window, self.last = time.perf_counter(), MetricsWindow(), {}

  def add(self, sums: dict, steps: int) -> None:
    self.window.add(sums, steps)

  def log(self, step: int) -> dict:
    """Logs the window's means at `step` (raising NonFiniteLossError on a NaN loss); returns them."""
    self.last = self.window.flush(step, self.began, self.images_per_step)
    self._check_finite(step, self.last)
    if not self.write:
      return self.last
    atomic_io.append_jsonl(self.out / METRICS_FILE, self.last)
    with self._tensorboard_errors(), self.writer.as_default(step=step):
      for name, value in self.last.items():
        if name != "step":
          tf.summary.scalar(name, value)
    self.progress.update(step, {k: self.last[k] for k in _SHOWN})
    return self.last

  def check_before_checkpoint(self, step: int) -> None:
    """The watchdog on the window so far, for a checkpoint step that does not log."""
    self._check_finite(step, self.window.means())

  def seconds(self) -> float:
    return time.perf_counter() - self.began

  def close(self) -> None:
    if self.writer is not None:
      with self._tensorboard_errors():
        self.writer.close()

  @contextlib.contextmanager
  def _tensorboard_errors(self):
    """TensorFlow's write errors (a full disk) as the OutputWriteError every other output raises."""
    try:
      yield
    except tf.errors.OpError as e:
      raise atomic_io.OutputWriteError(self.out / "tensorboard", atomic_io.write_error_reason(e.message)) from e

  def _check_finite(self, step: int, metrics: dict) -> None:
    bad = [k for k in ("d_loss", "g_loss") if not math.isfinite(metrics[k])]
    if bad and self.write:
      atomic_io.append_jsonl(self.out / METRICS_FILE, {"step": step, "failure": f"non-finite {', '.join(bad)}",
                                                       **{k: str(metrics[k]) for k in bad}})
    if bad:
      raise NonFiniteLossError(f"step {step}: {', '.join(f'{k} = {metrics[k]}' for k in bad)}; "
                               "the last good checkpoint is kept in checkpoints/")


def truncate_after(path: Path, last_step: int) -> None:
  """Drops log lines past `last_step` (and torn or foreign lines) from a metrics file."""
  if not path.exists():
    return
  lines = path.read_text(errors="replace").splitlines(keepends=True)
  steps = [_logged_step(line) for line in lines]
  kept = [line for line, step in zip(lines, steps) if step is not None and step <= last_step]
  if len(kept) != len(lines):
    atomic_io.write_bytes(path, "".join(kept).encode())


def _logged_step(line: str) -> int | None:
  """The step of a metrics.jsonl line; None for a torn or foreign line."""
  try:
    return int(json.loads(line)["step"])
  except (ValueError, KeyError, TypeError):
    return None


class ProgressBar:
  """A one-line progress bar: redrawn in place on a terminal, a line per update in a log file (CI, nohup)."""

  def __init__(self, total: int, start: int = 0, stream=None, width: int = 24):
    self.total, self.start, self.width = total, start, width
    self.stream = stream or sys.stderr
    self.began = time.perf_counter()
    self.dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()

  def update(self, step: int, values: dict) -> None:
    done = step / self.total
    bar = "=" * int(self.width * done) + ">" + " " * (self.width - int(self.width * done))
    elapsed = time.perf_counter() - self.began
    rate = (step - self.start) / elapsed if elapsed > 0 else 0.0
    eta = (self.total - step) / rate if rate > 0 else float("inf")
    shown = " ".join(f"{k} {v:.4g}" for k, v in values.items())
    line = f"{step}/{self.total} [{bar[:self.width]}] {shown} {rate:.3g} steps/s eta {_duration(eta)}"
    if self.dynamic:
      self.stream.write("\r" + line + ("\n" if step >= self.total else ""))
    else:
      self.stream.write(line + "\n")
    self.stream.flush()


def _duration(seconds: float) -> str:
  if seconds == float("inf"):
    return "?"
  minutes, s = divmod(int(seconds), 60)
  return f"{minutes}m{s:02d}s" if minutes else f"{s}s"
