"""Two MultiWorkerMirroredStrategy workers on 127.0.0.1: one set of outputs, a single run's weights, resume, a lost worker."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

GAN_LAB_TRAIN = (sys.executable, "-m", "gan_lab.cli", "train")
RING = ["--dataset=ring", "--model=mlp", "--batch_size=32", "--log_every=10", "--checkpoint_every=10",
        "--num_samples=10", "--deterministic", "--mixed_precision=none"]  # Float32 anywhere: runs compared to 1e-5.


def _free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for s in sockets:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def _start_workers(out, *args):
  ports = _free_ports(2)
  procs = []
  for index in range(2):
    tf_config = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]}, "task": {"type": "worker", "index": index}}
    env = {**os.environ, "TF_CONFIG": json.dumps(tf_config)}
    procs.append(subprocess.Popen([*GAN_LAB_TRAIN, "--strategy=multi_worker", *RING, *args,
                                   f"--output_dir={out}"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True))
  return procs


def _finish(procs, timeout=300):
  outputs = [p.communicate(timeout=timeout) for p in procs]
  return [p.returncode for p in procs], outputs


def test_two_workers_write_one_set_of_outputs_and_train_as_one_process(tmp_path, checkpoint_weights):
  codes, outputs = _finish(_start_workers(tmp_path / "pair", "--train_steps=40"))
  assert codes == [0, 0], [err[-2000:] for _, err in outputs]
  single = subprocess.run([*GAN_LAB_TRAIN, *RING, "--train_steps=40", f"--output_dir={tmp_path / 'one'}"],
                          capture_output=True, text=True, timeout=300)
  assert single.returncode == 0, single.stderr[-2000:]
  pair = tmp_path / "pair"
  steps = [json.loads(l)["step"] for l in (pair / "metrics.jsonl").read_text().splitlines()]
  assert steps == [10, 20, 30, 40]  # Each line once.
  assert len(list((pair / "tensorboard").iterdir())) == 1
  assert not [p for p in pair.iterdir() if p.name.startswith(".worker_")]
  assert sorted(p.name for p in (pair / "checkpoints").glob("*.index")) == ["ckpt-30.index", "ckpt-40.index"]
  a, b = checkpoint_weights(tmp_path / "one"), checkpoint_weights(pair)
  assert a.keys() == b.keys() and len(a) > 10
  for name in a:  # The same global batch split over two workers: only the order of summation differs.
    np.testing.assert_allclose(a[name], b[name], atol=1e-5, err_msg=name)
  pair_last = json.loads((pair / "metrics.jsonl").read_text().splitlines()[-1])
  one_last = json.loads((tmp_path / "one" / "metrics.jsonl").read_text().splitlines()[-1])
  assert pair_last["g_loss"] == pytest.approx(one_last["g_loss"], rel=1e-5)


def test_a_killed_pair_resumes_from_the_chief_checkpoint(tmp_path):
  out = tmp_path / "pair"
  procs = _start_workers(out, "--train_steps=600", "--checkpoint_every=50")
  deadline = time.time() + 120
  while not (out / "checkpoints" / "checkpoint").is_file() and time.time() < deadline:
    time.sleep(0.05)
  for p in procs:
    p.send_signal(signal.SIGKILL)
  _finish(procs)
  codes, outputs = _finish(_start_workers(out, "--train_steps=600", "--checkpoint_every=50"))
  assert codes == [0, 0], [err[-2000:] for _, err in outputs]
  for stdout, _ in outputs:
    assert "resuming at step" in stdout
  steps = [json.loads(l)["step"] for l in (out / "metrics.jsonl").read_text().splitlines()]
  assert steps == sorted(set(steps)) and steps[-1] == 600


def test_a_lost_worker_stops_the_other_with_one_line(tmp_path):
  out = tmp_path / "pair"
  procs = _start_workers(out, "--train_steps=100000")
  deadline = time.time() + 120
  while not (out / "checkpoints" / "checkpoint").is_file() and time.time() < deadline:
    time.sleep(0.05)
  procs[1].send_signal(signal.SIGKILL)
  began = time.time()
  _, err = procs[0].communicate(timeout=120)
  assert procs[0].returncode == 4 and time.time() - began < 90
  assert "Traceback" not in err
  assert "error: worker 0 of 2: a worker was lost after step" in err.strip().splitlines()[-1]
  procs[1].wait()


def test_sigterm_to_one_worker_stops_both_at_the_same_checkpointed_step(tmp_path):
  out = tmp_path / "pair"
  args = ("--train_steps=1000", "--checkpoint_every=500")
  procs = _start_workers(out, *args)
  deadline = time.time() + 120
  while not (out / "metrics.jsonl").is_file() and time.time() < deadline:
    time.sleep(0.05)
  procs[1].send_signal(signal.SIGTERM)  # A non-chief worker is preempted; the chief is not told.
  codes, outputs = _finish(procs, timeout=120)
  assert codes == [143, 143], [(out_[-1500:], err[-1500:]) for out_, err in outputs]
  chief, other = (err.strip().splitlines()[-1] for _, err in outputs)
  step = int(other.split(" at step ")[1].split(";")[0])
  assert other == f"interrupted (SIGTERM) at step {step}; checkpoint saved; run the same command to resume"
  assert chief == (f"interrupted (another worker was stopped) at step {step}; checkpoint saved; "
                   "run the same command to resume")
  assert (out / "checkpoints" / f"ckpt-{step}.index").is_file() and step < 1000
  codes, outputs = _finish(_start_workers(out, *args))
  assert codes == [0, 0], [err[-2000:] for _, err in outputs]
  assert all(f"resuming at step {step}" in stdout for stdout, _ in outputs)
  steps = [json.loads(l)["step"] for l in (out / "metrics.jsonl").read_text().splitlines()]
  assert steps == sorted(set(steps)) and steps[-1] == 1000
