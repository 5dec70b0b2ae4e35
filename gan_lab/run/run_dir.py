"""A run's output folder: checked writable up front, guarded against mixing configs.

A run writes its resolved flags to `flags.json` before training. Starting a
run again in the same folder resumes it, but only with the same flags: a
resume under different flags would silently splice two experiments together.
"""

import json
import shutil
from pathlib import Path

from gan_lab.files import atomic_io
from gan_lab.run import run_lock

# Flags that may change between a run's resumes: where things are, and how steps are batched into
# calls, which leaves the results bitwise equal (tests/test_training.py checks it).
_LOCATION_FLAGS = frozenset({"output_dir", "data_dir"})
_EXECUTION_FLAGS = frozenset({"steps_per_call"})

FLAGS_FILE = "flags.json"


class RunDirError(ValueError):
  """The output folder cannot be used for this run."""


def prepare(output_dir, flags: dict, overwrite: bool = False, defaults: dict | None = None) -> Path:
  """Creates or checks `output_dir` and writes `flags.json` into it.

  Raises RunDirError if the folder is not writable, or if it holds a run
  with different flags and `overwrite` is False. With `overwrite`, the old
  run's files are removed first (hold the folder first: `run_lock.hold`). A flag missing from the old run's
  flags.json (added to gan_lab since) counts as its value in `defaults`.
  """
  out = Path(output_dir)
  previous = out / FLAGS_FILE
  if overwrite and out.exists():
    _remove_all_but_the_lock(out)
  elif previous.exists():
    _check_same_run(previous, flags, defaults or {})
  try:
    out.mkdir(parents=True, exist_ok=True)
    atomic_io.write_json(out / FLAGS_FILE, flags)
  except OSError as e:
    raise RunDirError(f"--output_dir={out}: cannot write there ({e.strerror or e})") from None
  except atomic_io.OutputWriteError as e:
    raise RunDirError(f"--output_dir={out}: cannot write there ({e.reason})") from None
  return out


def _remove_all_but_the_lock(out: Path) -> None:
  """The old run's files go; the lock file stays, so whoever holds the folder keeps holding it."""
  for entry in out.iterdir():
    if entry.name == run_lock.LOCK_FILE:
      continue
    if entry.is_dir() and not entry.is_symlink():
      shutil.rmtree(entry)
    else:
      entry.unlink()


def _check_same_run(path: Path, flags: dict, defaults: dict) -> None:
  try:
    old = json.loads(path.read_text())
  except (OSError, ValueError) as e:
    raise RunDirError(f"{path}: unreadable ({e}); pass --overwrite to start afresh") from None
  keys = (set(old) | set(flags)) - _LOCATION_FLAGS - _EXECUTION_FLAGS
  old = {**defaults, **old}
  differ = sorted(k for k in keys if old.get(k) != flags.get(k))
  if differ:
    shown = ", ".join(f"--{k} was {old.get(k)!r}, now {flags.get(k)!r}" for k in differ)
    raise RunDirError(f"{path.parent} holds a run with other flags ({shown}); "
                      "pass --overwrite to replace it or choose another --output_dir")
