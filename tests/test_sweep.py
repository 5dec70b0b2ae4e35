"""The sweep runner: every run once, failures recorded, finished runs skipped, killed runs resumed."""

import json
import signal
import subprocess
import time

from gan_lab import sweep

RING = ("--dataset=ring", "--model=mlp", "--noise_dim=8", "--batch_size=32", "--max_examples=256",
        "--log_every=10", "--num_samples=100", "--grid_size=2")
DIVERGING = ("--inject_nan_at_step=15",)


def test_plan_crosses_losses_activations_seeds(tmp_path):
  specs = sweep.plan(tmp_path, ["hinge", "least_squares"], ["tanh", "linear"], range(3), ["--train_steps=5"])
  assert len(specs) == 12 and len({s.run_dir for s in specs}) == 12
  assert specs[0].run_dir == tmp_path / "runs" / "hinge" / "tanh" / "seed_0"
  assert all("--train_steps=5" in s.command() for s in specs)


def test_failed_run_is_recorded_and_the_sweep_goes_on_and_resumes(tmp_path):
  ok = sweep.plan(tmp_path / "a", ["non_saturating"], ["tanh", "sigmoid"], [0], RING + ("--train_steps=20",))
  bad = sweep.plan(tmp_path / "b", ["non_saturating"], ["linear"], [0], RING + ("--train_steps=20",) + DIVERGING)
  finished = []
  sweep.run_all(bad + ok, parallel=2, on_finished=finished.append, log=lambda *_: None)
  assert {s.label for s in finished} == {s.label for s in bad + ok}
  failed = bad[0].status()
  assert failed["status"] == "failed" and failed["exit_code"] == 3
  assert "diverged" in failed["reason"] and "nan" in failed["reason"]
  assert all(s.status()["status"] == "ok" and (s.run_dir / "samples.npz").is_file() for s in ok)
  again = []
  sweep.run_all(bad + ok, on_finished=again.append, log=lambda *_: None)
  assert not again


def test_killed_run_resumes_from_its_checkpoint(tmp_path):
  spec, = sweep.plan(tmp_path, ["non_saturating"], ["tanh"], [0],
                     RING + ("--train_steps=3000", "--checkpoint_every=20", "--sample_every=1000"))
  spec.run_dir.mkdir(parents=True)
  with open(spec.run_dir / sweep.LOG_FILE, "wb") as log:
    proc = subprocess.Popen(spec.command(), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while not (spec.run_dir / "checkpoints" / "checkpoint").is_file() and time.time() < deadline:
      time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
  assert spec.status() is None and not (spec.run_dir / "samples.npz").exists()
  sweep.run_all([spec], log=lambda *_: None)
  assert spec.status()["status"] == "ok"
  log_text = (spec.run_dir / sweep.LOG_FILE).read_text()
  resumed_at = int(log_text.split("resuming at step ")[1].split()[0])
  assert 20 <= resumed_at < 3000
  steps = [json.loads(l)["step"] for l in (spec.run_dir / "metrics.jsonl").read_text().splitlines()]
  assert steps[-1] == 3000
