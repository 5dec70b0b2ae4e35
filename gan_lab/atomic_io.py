"""Output files written whole or not at all.

Every file is written to a temporary name in the same directory and renamed
over the target, so a run killed at any moment leaves the old file or the
new one, never a torn one.
"""

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def _replace_on_success(path: Path):
  """Yields a temporary path beside `path`; renames it onto `path` on success."""
  path = Path(path)
  fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
  os.close(fd)
  os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give outputs the usual permissions.
  try:
    yield Path(tmp)
    os.replace(tmp, path)
  except BaseException:
    Path(tmp).unlink(missing_ok=True)
    raise


def write_bytes(path, payload: bytes) -> None:
  with _replace_on_success(path) as tmp:
    with open(tmp, "wb") as f:
      f.write(payload)
      f.flush()
      os.fsync(f.fileno())


def write_json(path, obj) -> None:
  write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def write_npz(path, **arrays) -> None:
  buffer = io.BytesIO()
  np.savez(buffer, **arrays)
  write_bytes(path, buffer.getvalue())


def save_figure(path, figure) -> None:
  """Writes a matplotlib figure atomically, then closes it (pyplot keeps open figures alive)."""
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top  (only figure writers need it)
  try:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=Path(path).suffix.lstrip("."))
    write_bytes(path, buffer.getvalue())
  finally:
    plt.close(figure)


def append_jsonl(path, record: dict) -> None:
  """Appends one JSON line with a single write, so a line is never split."""
  with open(path, "a", encoding="utf-8") as f:
    f.write(json.dumps(record, sort_keys=True) + "\n")
    f.flush()
    os.fsync(f.fileno())
