"""A run killed (SIGKILL) or stopped (SIGTERM, SIGINT) and resumed ends bitwise equal to one never interrupted."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

# Under pytest-xdist, one worker builds the module's reference run once.
pytestmark = pytest.mark.xdist_group("resume")

GAN_LAB_TRAIN = (sys.executable, "-m", "gan_lab.cli", "train")
HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()
ARGS = ["--max_examples=512", "--batch_size=32", "--train_steps=150", "--checkpoint_every=25", "--log_every=25",
        "--sample_every=1000", "--num_samples=200", "--grid_size=4", "--deterministic"]


def _command(out):
  return [*GAN_LAB_TRAIN, *ARGS, f"--output_dir={out}"]


def _weights(run_dir):
  reader = tf.train.load_checkpoint(str(run_dir / "checkpoints"))
  names = [n for n in reader.get_variable_to_shape_map() if "save_counter" not in n and "OBJECT_GRAPH" not in n]
  return {n: reader.get_tensor(n) for n in names}


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
def test_kill_9_and_resume_matches_uninterrupted_run(tmp_path):
  straight, killed = tmp_path / "straight", tmp_path / "killed"
  subprocess.run(_command(straight), check=True, capture_output=True, timeout=300)

  proc = subprocess.Popen(_command(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  deadline = time.time() + 120
  while not (killed / "checkpoints" / "checkpoint").is_file() and time.time() < deadline:
    time.sleep(0.02)
  proc.send_signal(signal.SIGKILL)
  assert proc.wait() == -signal.SIGKILL
  assert not (killed / "samples.npz").exists(), "the run finished before it was killed"

  resumed = subprocess.run(_command(killed), capture_output=True, text=True, timeout=300)
  assert resumed.returncode == 0, resumed.stderr[-2000:]
  assert "resuming at step" in resumed.stderr + resumed.stdout

  a, b = _weights(straight), _weights(killed)
  assert a.keys() == b.keys() and len(a) > 20
  for name in a:
    np.testing.assert_array_equal(a[name], b[name], err_msg=name)
  with np.load(straight / "samples.npz") as fa, np.load(killed / "samples.npz") as fb:
    np.testing.assert_array_equal(fa["samples"], fb["samples"])
  # The resumed run replaced the killed run's log lines past its checkpoint: one line per step.
  assert _steps(killed) == _steps(straight) == [25, 50, 75, 100, 125, 150]


def _steps(run_dir):
  return [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
  out = tmp_path_factory.mktemp("straight") / "run"
  subprocess.run(_command(out), check=True, capture_output=True, timeout=300)
  return out


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_checkpoints_where_it_is_and_the_resume_is_bitwise_exact(tmp_path, straight_run, signum, code):
  stopped = tmp_path / "stopped"
  proc = subprocess.Popen(_command(stopped), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  deadline = time.time() + 120
  while not (stopped / "metrics.jsonl").is_file() and time.time() < deadline:
    time.sleep(0.02)
  time.sleep(0.3)  # Past step 25, between checkpoints.
  proc.send_signal(signum)
  _, err = proc.communicate(timeout=120)
  assert proc.returncode == code, err[-2000:]
  line = err.strip().splitlines()[-1]
  assert line.startswith(f"interrupted ({signal.Signals(signum).name}) at step ")
  assert line.endswith("; checkpoint saved; run the same command to resume")
  step = int(line.split(" at step ")[1].split(";")[0])
  assert 25 <= step < 150 and not (stopped / "samples.npz").exists()
  assert tf.train.load_checkpoint(str(stopped / "checkpoints")).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE") == step
  assert _steps(stopped)[-1] == step  # The steps since the last log line were logged, not lost.

  resumed = subprocess.run(_command(stopped), capture_output=True, text=True, timeout=300)
  assert resumed.returncode == 0, resumed.stderr[-2000:]
  assert f"resuming at step {step}" in resumed.stderr + resumed.stdout
  a, b = _weights(straight_run), _weights(stopped)
  for name in a:
    np.testing.assert_array_equal(a[name], b[name], err_msg=name)
  with np.load(straight_run / "samples.npz") as fa, np.load(stopped / "samples.npz") as fb:
    np.testing.assert_array_equal(fa["samples"], fb["samples"])
