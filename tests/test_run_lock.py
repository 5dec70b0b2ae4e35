"""One process per run folder: a second one gives up at once naming the holder; a killed holder leaves no lock."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gan_lab.run import run_lock

GAN_LAB_TRAIN = (sys.executable, "-m", "gan_lab.cli", "train")
RING = ("--dataset=ring", "--model=mlp", "--noise_dim=8", "--batch_size=32", "--max_examples=256",
        "--log_every=10", "--checkpoint_every=10", "--num_samples=10", "--grid_size=2")


def _start_long_run(out: Path):
  """A run that trains for minutes, once it holds its folder and has checkpointed."""
  proc = subprocess.Popen([*GAN_LAB_TRAIN, *RING, "--train_steps=100000", f"--output_dir={out}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
  deadline = time.time() + 120
  while not list((out / "checkpoints").glob("ckpt-*.index")):
    assert proc.poll() is None and time.time() < deadline, proc.stderr.read() if proc.poll() is not None else "slow"
    time.sleep(0.2)
  return proc


def _second(out: Path, *args):
  began = time.time()
  proc = subprocess.run([*GAN_LAB_TRAIN, *RING, "--train_steps=100000", f"--output_dir={out}", *args],
                        capture_output=True, text=True, timeout=120)
  return proc, time.time() - began


def test_a_second_process_and_an_overwrite_are_refused_and_a_killed_holder_leaves_no_lock(tmp_path):
  out = tmp_path / "run"
  first = _start_long_run(out)
  try:
    for args in ((), ("--overwrite",)):
      proc, seconds = _second(out, *args)
      assert proc.returncode == 2, proc.stderr[-2000:]
      error = [l for l in proc.stderr.splitlines() if l.startswith("error:")]
      assert len(error) == 1 and f"is in use by process {first.pid} on " in error[0], proc.stderr[-2000:]
      assert seconds < 30 and "Traceback" not in proc.stderr
    assert list((out / "checkpoints").glob("ckpt-*.index"))  # The refused --overwrite deleted nothing.
    assert run_lock.is_held(out)
  finally:
    first.send_signal(signal.SIGKILL)
    first.wait()
  assert not run_lock.is_held(out)  # The kernel released it with the process.
  resumed = subprocess.Popen([*GAN_LAB_TRAIN, *RING, "--train_steps=100000", f"--output_dir={out}"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  first_line = resumed.stdout.readline()  # The same command takes the folder and resumes from its checkpoint.
  resumed.send_signal(signal.SIGTERM)
  assert resumed.wait(timeout=120) == 143 and "resuming at step" in first_line, first_line + resumed.stderr.read()


def test_hold_is_reentrant_and_claims_pass_to_a_child(tmp_path):
  with run_lock.hold(tmp_path):
    with run_lock.hold(tmp_path):  # The same process again: a no-op, not a deadlock.
      assert json.loads((tmp_path / run_lock.LOCK_FILE).read_text())["pid"] == os.getpid()
    code = "from gan_lab.run import run_lock; import sys; print(run_lock.is_held(sys.argv[1]))"
    assert subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True).stdout.strip() == "True"
  assert not run_lock.is_held(tmp_path)
  claim = run_lock.claim(tmp_path)
  child = ("import os, sys, time; from gan_lab.run import run_lock\n"
           "with run_lock.hold(sys.argv[1]): print('held', flush=True); time.sleep(30)\n")
  with claim:
    proc = subprocess.Popen([sys.executable, "-c", child, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                            pass_fds=(claim.fileno(),), env={**os.environ, **run_lock.inherit_env(claim)})
    assert proc.stdout.readline().strip() == "held"  # It took the parent's claim over instead of failing.
  try:
    assert run_lock.is_held(tmp_path)  # The parent let go; the child still holds it.
    assert json.loads((tmp_path / run_lock.LOCK_FILE).read_text())["pid"] == proc.pid
  finally:
    proc.kill()
    proc.wait()
  assert not run_lock.is_held(tmp_path)


def test_another_holder_is_named(tmp_path):
  child = ("import sys, time; from gan_lab.run import run_lock\n"
           "with run_lock.hold(sys.argv[1]): print('held', flush=True); time.sleep(30)\n")
  proc = subprocess.Popen([sys.executable, "-c", child, str(tmp_path)], stdout=subprocess.PIPE, text=True)
  try:
    assert proc.stdout.readline().strip() == "held"
    with pytest.raises(run_lock.RunFolderError, match=f"in use by process {proc.pid} on "):
      with run_lock.hold(tmp_path):
        pass
  finally:
    proc.kill()
    proc.wait()


def test_a_folder_that_cannot_be_made_is_one_line_not_a_traceback(tmp_path):
  (tmp_path / "a_file").write_text("")
  with pytest.raises(run_lock.RunFolderError, match="a_file/run: cannot write there"):
    with run_lock.hold(tmp_path / "a_file" / "run"):
      pass
  proc = subprocess.run([*GAN_LAB_TRAIN, *RING, "--train_steps=10", f"--output_dir={tmp_path / 'a_file' / 'run'}"],
                        capture_output=True, text=True, timeout=120)
  assert proc.returncode == 2 and "cannot write there" in proc.stderr and "Traceback" not in proc.stderr
