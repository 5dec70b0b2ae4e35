"""One process per run folder: a run holds an operating-system lock on its folder for its whole life.

`fcntl.flock` on `<folder>/.lock`: the kernel releases it when the holding
process exits, however it dies (`kill -9` included), so a lock is never left
stale. The lock file names its holder (process id, host, start time) for the
message a second process gets. A sweep claims a run before starting it and
hands the claim to the run's process (`claim` + `inherit_env`): the lock is
then never free between the sweep's check and the run's start, so two sweeps
on one folder cannot both start the same run.

On shared storage the lock is as good as the file system's `flock`: local
file systems and NFSv4 (which maps `flock` to its byte-range locks) honour it
across processes and hosts.
"""

import contextlib
import datetime
import fcntl
import json
import os
import socket
from pathlib import Path

LOCK_FILE = ".lock"
_INHERITED = "GAN_LAB_RUN_LOCK_FD"  # A lock a parent (the sweep) claimed for this process: its descriptor.
_HELD: dict[str, int] = {}  # Folders this process holds: path -> descriptor (holding twice is a no-op).


class RunFolderError(RuntimeError):
  """The run folder cannot be held: another process holds it, or it cannot be written."""


def claim(folder):
  """Takes `folder`'s lock without waiting: an open file that holds it, or None if another process does."""
  path = Path(folder)
  path.mkdir(parents=True, exist_ok=True)
  handle = open(path / LOCK_FILE, "a+")  # pylint: disable=consider-using-with  (the caller keeps it open)
  try:
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
  except BlockingIOError:
    handle.close()
    return None
  _write_holder(handle)
  return handle


def _write_holder(handle) -> None:
  """Records this process as the holder, for the message a second process gets."""
  handle.seek(0)
  handle.truncate()
  handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                           "started": datetime.datetime.now().isoformat(timespec="seconds")}))
  handle.flush()


def holder(folder) -> str:
  """Who holds `folder`'s lock, as the lock file says (written by the holder when it took it)."""
  try:
    info = json.loads((Path(folder) / LOCK_FILE).read_text())
    return f"process {info['pid']} on {info['host']}, since {info['started']}"
  except (OSError, ValueError, KeyError):
    return "another process"


def is_held(folder) -> bool:
  """Whether another process holds `folder` now (a free lock is taken and released at once)."""
  if not (Path(folder) / LOCK_FILE).exists():
    return False
  handle = claim(folder)
  if handle is None:
    return True
  handle.close()
  return False


def inherit_env(handle) -> dict:
  """Environment for a child process that takes over `handle`'s claim (pass `handle.fileno()` in `pass_fds`)."""
  return {_INHERITED: str(handle.fileno())}


@contextlib.contextmanager
def hold(folder):
  """Holds `folder` for the `with` block; RunFolderError naming the holder if another process has it (or if
  the folder cannot be written).

  Reentrant within a process, and a lock claimed by the parent for this
  process (`inherit_env`) is taken over rather than fought for.
  """
  key = str(Path(folder).resolve())
  if key in _HELD:
    yield
    return
  try:
    handle = _inherited(folder) or claim(folder)
  except OSError as e:
    raise RunFolderError(f"{folder}: cannot write there ({e.strerror or e})") from None
  if handle is None:
    raise RunFolderError(f"{folder} is in use by {holder(folder)}: a second process would write the same files; "
                         "wait for it to end (or stop it), or use another folder")
  _HELD[key] = handle.fileno()
  try:
    yield
  finally:
    del _HELD[key]
    handle.close()


def _inherited(folder):
  """The claim a parent handed down for `folder`, if the descriptor in the environment is its lock file."""
  fd = os.environ.get(_INHERITED)
  if not fd:
    return None
  try:
    inherited = os.fstat(int(fd))
    wanted = os.stat(Path(folder) / LOCK_FILE)
  except (OSError, ValueError):
    return None
  if (inherited.st_dev, inherited.st_ino) != (wanted.st_dev, wanted.st_ino):
    return None
  del os.environ[_INHERITED]  # Handed down once: this process's own children do not inherit it.
  handle = os.fdopen(int(fd), "a+")
  _write_holder(handle)
  return handle
