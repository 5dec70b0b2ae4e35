"""A one-line progress bar with live losses and throughput.

On a terminal the line is redrawn in place; in a log file (CI, nohup) each
update is its own line, so the log stays readable.
"""

import sys
import time


class ProgressBar:

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
    line = f"{step}/{self.total} [{bar[:self.width]}] {shown} eta {_duration(eta)}"
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
