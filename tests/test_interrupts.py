"""StopRequest: the first SIGTERM or SIGINT is noted, a second one ends the process at once."""

import os
import signal
import subprocess
import sys

import pytest

from gan_lab.run import interrupts


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_the_first_signal_is_only_noted_and_the_handlers_are_restored(signum, code):
  before = signal.getsignal(signum)
  with interrupts.StopRequest() as stop:
    assert not stop.requested()
    os.kill(os.getpid(), signum)
    assert stop.requested() and stop.exit_code == code and stop.name == signal.Signals(signum).name
  assert signal.getsignal(signum) is before


def test_a_second_ctrl_c_stops_at_once():
  program = ("import os, signal, time\n"
             "from gan_lab.run import interrupts\n"
             "with interrupts.StopRequest() as stop:\n"
             "  os.kill(os.getpid(), signal.SIGINT)\n"
             "  print('noted', stop.requested(), flush=True)\n"
             "  os.kill(os.getpid(), signal.SIGINT)\n"
             "  time.sleep(5)\n"
             "  print('still running')\n")
  proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  assert proc.stdout == "noted True\n" and proc.returncode == -signal.SIGINT


def test_asking_puts_back_handlers_that_native_code_replaced():
  before = signal.getsignal(signal.SIGTERM)
  with interrupts.StopRequest() as stop:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # As TensorFlow's coordination service does (in C++).
    assert not stop.requested()
    os.kill(os.getpid(), signal.SIGTERM)
    assert stop.requested() and stop.exit_code == 143
  stop.requested()  # Asking after the block installs nothing.
  assert signal.getsignal(signal.SIGTERM) is before
