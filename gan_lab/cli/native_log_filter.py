"""Keeps TensorFlow's C++ start-up chatter out of the user's terminal, and its real errors in it.

Every command calls `quiet_unless_verbose` first, before anything can import
TensorFlow: the terminal then shows gan_lab's lines and TensorFlow's real
errors, unless --verbosity asks for more.

TensorFlow 2.21 logs through absl's C++ logging, which writes to file
descriptor 2 before TF_CPP_MIN_LOG_LEVEL is read ("All log messages before
absl::InitializeLog() is called are written to STDERR"): oneDNN notices, CPU
feature lines, "failed call to cuInit" on machines without a GPU, and the
graph optimizer's harmless "remapper failed" fallbacks. `install` routes
descriptor 2 through a thread that drops those lines and passes every other
one (other errors, a real GPU failure); Python's own `sys.stderr` (gan_lab's
messages, the progress bar) keeps a direct copy of the terminal.
"""

import atexit
import glob
import io
import os
import re
import sys
import threading

from absl import flags, logging

_NOISE = [
    re.compile(r"^[IW]\d{4} "),  # INFO and WARNING lines of absl's C++ logging.
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^To enable the following instructions: .* rebuild TensorFlow"),  # cpu_feature_guard's second line.
    re.compile(r"^E\d{4} .*meta_optimizer\.cc.*remapper failed: "),  # Grappler falls back to the unfused graph.
]
# Without an NVIDIA device, CUDA's initialisation failure says nothing; with one, it is kept.
_NO_GPU_NOISE = re.compile(r"^E\d{4} .*failed call to cuInit")


def quiet_unless_verbose(flag_values=flags.FLAGS) -> None:
  """Python logging at WARNING and TensorFlow's C++ chatter filtered, unless --verbosity was given."""
  if flag_values["verbosity"].present:
    return
  logging.set_verbosity(logging.WARNING)  # TensorFlow's checkpoint INFO lines would drown the progress bar.
  install()


def is_noise(line: str, have_gpu: bool) -> bool:
  return any(p.search(line) for p in _NOISE) or (not have_gpu and bool(_NO_GPU_NOISE.search(line)))


def install(have_gpu: bool | None = None) -> None:
  """Filters what native code writes to descriptor 2 from now on, until the process exits."""
  have_gpu = bool(glob.glob("/dev/nvidia[0-9]*")) if have_gpu is None else have_gpu
  terminal = os.dup(2)
  read_end, write_end = os.pipe()
  os.dup2(write_end, 2)
  os.close(write_end)
  sys.stderr.flush()
  # Line-buffered: a print's text and its newline leave in one write, so a forwarded native line cannot land
  # between them (the progress bar flushes its own "\r" lines).
  sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(terminal), "wb"), line_buffering=True, errors="backslashreplace")
  thread = threading.Thread(target=_forward, args=(read_end, terminal, have_gpu), daemon=True)
  thread.start()

  def restore():
    os.dup2(terminal, 2)  # Closes the pipe's last write end: the thread drains it and stops.
    thread.join(timeout=2)
  atexit.register(restore)


def _forward(read_end: int, terminal: int, have_gpu: bool) -> None:
  with os.fdopen(read_end, "rb") as pipe:
    for raw in pipe:
      if not is_noise(raw.decode(errors="replace"), have_gpu):
        os.write(terminal, raw)
