"""Graceful stop on SIGTERM and SIGINT: the signal is noted, and the loop stops at the next chunk boundary.

Schedulers (SLURM, Kubernetes, preemptible machines) send SIGTERM some
seconds before they kill; Ctrl-C sends SIGINT. Dying at once would lose
every step since the last checkpoint, so the first signal only sets a flag
that the training loop and the sweep check between steps; they save and
exit with 128 + the signal number (143, 130). A second signal restores the
default handler and re-sends itself: a second Ctrl-C stops at once.
"""

import os
import signal
import threading

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
  """Installs the handlers while active (`with StopRequest() as stop:`); `stop.requested()` says if a signal came."""

  def __init__(self):
    self.signum = None
    self._previous = {}
    self._active = False

  def requested(self) -> bool:
    """Whether a signal came; also puts the handlers back, in case native code replaced them.

    TensorFlow's multi-worker coordination service installs a C++ SIGTERM
    handler of its own when the strategy starts (a SIGTERM then left the run
    going); the training loop asks at every chunk, so ours is back from the
    first chunk on.
    """
    if self._active and threading.current_thread() is threading.main_thread():
      for s in SIGNALS:
        signal.signal(s, self._handle)
    return self.signum is not None

  @property
  def exit_code(self) -> int:
    return 128 + self.signum

  @property
  def name(self) -> str:
    return signal.Signals(self.signum).name

  def _handle(self, signum, frame):  # pylint: disable=unused-argument
    if self.signum is not None:  # The second signal: no more grace.
      signal.signal(signum, signal.SIG_DFL)
      os.kill(os.getpid(), signum)
      return
    self.signum = signum

  def __enter__(self):
    self._previous = {s: signal.signal(s, self._handle) for s in SIGNALS}
    self._active = True
    return self

  def __exit__(self, *exc):
    self._active = False
    for s, handler in self._previous.items():
      signal.signal(s, handler)
    return False
