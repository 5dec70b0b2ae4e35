"""The sweep runner: every run once, failures recorded, finished runs skipped, killed runs resumed."""

import json
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from gan_lab.run import run_lock
from gan_lab.study import design, sweep
from gan_lab.study.design import Cell

REPO = Path(__file__).resolve().parents[1]
RING = ("--dataset=ring", "--noise_dim=8", "--batch_size=32", "--max_examples=256",
        "--log_every=10", "--num_samples=100", "--grid_size=2")
DIVERGING = ("--plugins=nan_plugin", "--loss=nan_at_step_15")  # The last --loss wins.


def _plan(sweep_dir, losses, activations, seeds, args, model="mlp"):
  cells = [Cell(model, loss, act) for loss in losses for act in activations]
  return sweep.plan(sweep_dir, cells, lambda cell: seeds, lambda cell: args)


def test_plan_names_every_axis_in_the_folder_and_discover_reads_it_back(tmp_path):
  cells = [Cell("dcgan", "hinge", "tanh"), Cell("mlp", "hinge", "linear"), Cell("mlp", "hinge", "tanh", 0.05)]
  specs = sweep.plan(tmp_path, cells, lambda cell: range(3 if cell.model == "dcgan" else 2),
                     lambda cell: [f"--train_steps={5 if cell.model == 'mlp' else 7}"])
  assert len(specs) == 7 and len({s.run_dir for s in specs}) == 7
  assert [s.seed for s in specs] == [0, 0, 0, 1, 1, 1, 2]  # Seed-major: a partial sweep stays balanced.
  assert specs[0].run_dir == tmp_path / "runs" / "dcgan" / "hinge" / "tanh" / "margin_0" / "seed_0"
  assert specs[5].run_dir == tmp_path / "runs" / "mlp" / "hinge" / "tanh" / "margin_0.05" / "seed_1"
  assert "--data_margin=0.05" in specs[5].command() and "--train_steps=5" in specs[5].command()
  assert "--model=dcgan" in specs[0].command() and "--train_steps=7" in specs[0].command()
  for spec in specs[:4]:
    spec.run_dir.mkdir(parents=True)
    (spec.run_dir / sweep.STATUS_FILE).write_text('{"status": "ok"}')
  assert [(s.cell, s.seed, s.run_dir) for s in design.discover(tmp_path)] == sorted(
      [(s.cell, s.seed, s.run_dir) for s in specs[:4]])


def test_failed_run_is_recorded_and_the_sweep_goes_on_and_resumes(tmp_path):
  ok = _plan(tmp_path / "a", ["non_saturating"], ["tanh", "sigmoid"], [0], RING + ("--train_steps=20",))
  bad = _plan(tmp_path / "b", ["non_saturating"], ["linear"], [0], RING + ("--train_steps=20",) + DIVERGING)
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
  spec, = _plan(tmp_path, ["non_saturating"], ["tanh"], [0],
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


class _StopOnceCheckpointed:
  """A stop request (as `interrupts.StopRequest` gives) that turns true once the run has a checkpoint."""
  signum = signal.SIGTERM

  def __init__(self, run_dir):
    self.run_dir = run_dir

  def requested(self):
    return (self.run_dir / "checkpoints" / "checkpoint").is_file()


def test_a_stopped_sweep_forwards_the_signal_and_resumes_the_run_later(tmp_path):
  spec, = _plan(tmp_path, ["non_saturating"], ["tanh"], [0],
                RING + ("--train_steps=3000", "--checkpoint_every=20", "--sample_every=1000"))
  waiting, = _plan(tmp_path, ["hinge"], ["tanh"], [0], RING + ("--train_steps=20",))
  sweep.run_all([spec, waiting], stop=_StopOnceCheckpointed(spec.run_dir), log=lambda *_: None)
  assert spec.status()["status"] == "interrupted" and spec.status()["exit_code"] == 143
  assert waiting.status() is None  # Never started once the stop came.
  assert design.discover(tmp_path) == []
  sweep.run_all([spec, waiting], parallel=2, log=lambda *_: None)
  assert spec.succeeded() and waiting.succeeded()
  assert "resuming at step" in (spec.run_dir / sweep.LOG_FILE).read_text()


@pytest.mark.parametrize("returncode", [-signal.SIGTERM, -signal.SIGKILL])
def test_a_run_killed_by_a_signal_is_interrupted_and_resumed_not_failed(tmp_path, returncode):
  # A SIGTERM that lands after training ended but before the process exits kills it with the default handler.
  spec, = _plan(tmp_path, ["non_saturating"], ["tanh"], [0], RING)
  spec.run_dir.mkdir(parents=True)
  (spec.run_dir / sweep.LOG_FILE).write_text("done: 20 steps\n")
  sweep.write_status(spec.run_dir, sweep.status_record(spec.run_dir, returncode, 1.0))
  assert spec.status()["status"] == "interrupted" and spec.status()["exit_code"] == returncode
  assert not spec.ended() and signal.Signals(-returncode).name in spec.status()["reason"]


@pytest.mark.parametrize("threads, expected", [(1, "1 1 1"), (0, "unset unset unset")])
def test_threads_per_run_reaches_each_runs_environment(tmp_path, monkeypatch, threads, expected):
  """The run's process sees the caps (a stand-in command prints them), and 0 sets none."""
  for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    monkeypatch.delenv(name, raising=False)
  printer = [sys.executable, "-c", "import os; print(*(os.environ.get(n, 'unset') for n in "
             "('OMP_NUM_THREADS', 'TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS')))"]
  monkeypatch.setattr(sweep.RunSpec, "command", lambda self: printer)
  specs = _plan(tmp_path, ["non_saturating"], ["tanh", "sigmoid"], [0], RING)
  sweep.run_all(specs, parallel=2, log=lambda *_: None, threads_per_run=threads)
  assert [(s.run_dir / sweep.LOG_FILE).read_text().strip() for s in specs] == [expected, expected]
  assert all(s.succeeded() for s in specs)


def test_wall_seconds_add_up_over_a_runs_processes_even_when_its_sweep_was_killed(tmp_path, monkeypatch):
  spec, = _plan(tmp_path, ["hinge"], ["tanh"], [0], ())
  spec.run_dir.mkdir(parents=True)
  now = [1000.0]
  monkeypatch.setattr(sweep, "time", types.SimpleNamespace(time=lambda: now[0]))

  def process(seconds, returncode=None):
    """A run's process lasting `seconds`, its sweep beating every 10 s; None: the sweep is killed with it."""
    clock = sweep.RunClock(spec.run_dir)
    for _ in range(int(seconds // 10)):
      now[0] += 10.0
      clock.beat()
    now[0] += seconds % 10
    if returncode is not None:
      sweep.write_status(spec.run_dir, clock.exit_status(returncode))

  process(10.0, 143)
  process(2.5, 130)
  assert spec.status()["status"] == "interrupted" and spec.status()["wall_seconds"] == 12.5
  process(65.0)  # Killed outright (SIGKILL, a session's end): its last heartbeat, at 60 s, is what survives.
  assert spec.status()["status"] == "running" and spec.status()["wall_seconds"] == 72.5 and not spec.ended()
  process(5.0, 0)
  assert spec.status() == {"status": "ok", "exit_code": 0, "reason": "", "wall_seconds": 77.5}
  process(4.0, 0)  # A finished run's time is not carried into another.
  assert spec.status()["wall_seconds"] == 4.0


def test_a_training_run_s_status_says_running_with_its_time_so_far(tmp_path, monkeypatch):
  monkeypatch.setattr(sweep, "HEARTBEAT_SECONDS", 0.0)
  reader = lambda self: [sys.executable, "-c", "import time; time.sleep(2); "
                         f"print(open({str(self.run_dir / sweep.STATUS_FILE)!r}).read())"]
  monkeypatch.setattr(sweep.RunSpec, "command", reader)
  spec, = _plan(tmp_path, ["hinge"], ["tanh"], [0], ())
  sweep.run_all([spec], log=lambda *_: None)
  seen = json.loads((spec.run_dir / sweep.LOG_FILE).read_text())  # The status its process read while it ran.
  assert seen["status"] == "running" and 0 < seen["wall_seconds"] < 3
  assert spec.status()["status"] == "ok" and spec.status()["wall_seconds"] >= seen["wall_seconds"]


def test_two_sweeps_on_one_folder_train_each_run_once(tmp_path):
  specs = _plan(tmp_path, ["non_saturating"], ["tanh", "sigmoid", "linear"], [0], RING + ("--train_steps=30",))
  logs = [[], []]
  sweeps = [threading.Thread(target=sweep.run_all, args=(specs,), kwargs={"parallel": 2, "log": logs[i].append})
            for i in range(2)]
  for s in sweeps:
    s.start()
    time.sleep(0.3)
  for s in sweeps:
    s.join()
  for spec in specs:
    assert spec.status()["status"] == "ok", spec.label
    assert (spec.run_dir / sweep.LOG_FILE).read_text().count("gan_lab: mlp/") == 1, spec.label  # Trained once.
    steps = [json.loads(l)["step"] for l in (spec.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == [10, 20, 30], spec.label  # Each metrics line once.
  started = [l for log in logs for l in log if "started" in l]
  skipped = [l for log in logs for l in log if "skipped: in use by process" in l]
  assert len(started) == 3 and len(started) + len(skipped) >= 3, logs


def test_a_sweep_killed_outright_stops_its_runs_instead_of_leaving_them_to_train_unrecorded(tmp_path):
  spec, = _plan(tmp_path, ["hinge"], ["tanh"], [0], RING + ("--train_steps=100000", "--checkpoint_every=50"))
  program = ("import sys; from pathlib import Path; from gan_lab.study import sweep; from gan_lab.study.design import Cell\n"
             f"spec = sweep.RunSpec(Cell('mlp', 'hinge', 'tanh'), 0, Path({str(spec.run_dir)!r}), {spec.train_args!r})\n"
             "sweep.run_all([spec], log=lambda *_: None)\n")
  sweeper = subprocess.Popen([sys.executable, "-c", program], cwd=REPO)
  deadline = time.time() + 240
  while time.time() < deadline and not list(spec.run_dir.glob("checkpoints/*.index")):
    time.sleep(0.5)
  assert list(spec.run_dir.glob("checkpoints/*.index")), "the run never checkpointed"
  sweeper.kill()  # SIGKILL: the sweep writes nothing and cannot forward a signal.
  sweeper.wait()
  deadline = time.time() + 120
  while time.time() < deadline and run_lock.is_held(spec.run_dir):
    time.sleep(0.5)
  assert not run_lock.is_held(spec.run_dir), "the run trained on after its sweep died"
  assert "interrupted (SIGTERM)" in (spec.run_dir / sweep.LOG_FILE).read_text()
