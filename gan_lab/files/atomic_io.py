"""Output files written whole or not at all.

Every file is written to a temporary name in the same directory and renamed
over the target, so a run killed at any moment leaves the old file or the
new one, never a torn one. A write that fails (a full disk, a folder turned
read-only) removes its temporary file and raises `OutputWriteError`, which
names the file: the CLIs turn it into one line and exit code 2.
"""

import contextlib
import errno
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

_UMASK = os.umask(0)
os.umask(_UMASK)


class OutputWriteError(RuntimeError):
  """An output file could not be written; nothing half-written is left."""

  def __init__(self, path, reason: str):
    super().__init__(f"cannot write {path}: {reason}")
    self.path, self.reason = Path(path), reason


_WRITE_ERRORS = tuple(os.strerror(code) for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EIO))


def write_error_reason(text: str) -> str:
  """The operating system's words in an error text that wraps them (TensorFlow's adds op and file details)."""
  known = [words for words in _WRITE_ERRORS if words in text]
  if known:
    return known[0]
  return text.strip().splitlines()[0][:200] if text.strip() else "write failed"


@contextlib.contextmanager
def _replace_on_success(path: Path):
  """Yields a temporary path beside `path`; renames it onto `path` on success."""
  path = Path(path)
  try:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
  except OSError as e:
    raise OutputWriteError(path, e.strerror or str(e)) from e
  os.close(fd)
  try:
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give outputs the usual permissions.
    yield Path(tmp)
    os.replace(tmp, path)
  except OSError as e:
    Path(tmp).unlink(missing_ok=True)
    raise OutputWriteError(path, e.strerror or str(e)) from e
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


def read_jsonl(path) -> list[dict]:
  """The records of a file `append_jsonl` wrote (blank lines skipped)."""
  return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def append_jsonl(path, record: dict) -> None:
  """Appends one JSON line with a single write; a failed append is cut back off, so no line is torn."""
  line = (json.dumps(record, sort_keys=True) + "\n").encode()
  try:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
  except OSError as e:
    raise OutputWriteError(path, e.strerror or str(e)) from e
  size = os.fstat(fd).st_size
  try:
    if os.write(fd, line) != len(line):
      raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    os.fsync(fd)
  except OSError as e:
    with contextlib.suppress(OSError):
      os.ftruncate(fd, size)
    raise OutputWriteError(path, e.strerror or str(e)) from e
  finally:
    os.close(fd)
