"""A sweep of training runs: plan them, run them (N at a time), find them again.

Every run is a subprocess of `gan-lab train` (the one training path),
started as `python -m gan_lab.cli train` with this interpreter (an installed
gan_lab needs no checkout), in its own folder, `<sweep>/runs/<cell's parts>/seed_<n>`,
which names every axis of its cell, so the folder alone says what the run is
(the study's `design.discover` reads a sweep back from its folders). A run's outcome is written
to `status.json` when it ends (and its time so far while it trains: `RunClock`); a restarted
sweep skips every run that has ended, so finished (and recorded failed) runs are never
repeated, and a run killed or interrupted mid-way resumes from its checkpoint. A failed run (non-finite loss,
crash) is recorded and the sweep goes on.
"""

import ctypes
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gan_lab.files import atomic_io
from gan_lab.run import exit_codes, run_lock

TRAIN_COMMAND = (sys.executable, "-m", "gan_lab.cli", "train")
STATUS_FILE, LOG_FILE = "status.json", "train.log"
HEARTBEAT_SECONDS = 30.0  # How often a training run's status.json records its time so far.
ENDED = ("ok", "failed")  # The statuses of a run that is never started again.
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): the signal a process gets when its parent dies.


@dataclasses.dataclass(frozen=True)
class RunSpec:
  """One run of a sweep: its cell (what the experiment varies), its seed, its folder and its other flags.

  The runner needs two things of a cell: `path_parts()`, the folders under
  `runs/` that name it, and `flags()`, its `gan-lab train` flags (the
  study's `design.Cell` is one).
  """
  cell: Any
  seed: int
  run_dir: Path
  train_args: tuple[str, ...] = ()

  @property
  def label(self) -> str:
    return "/".join(self.cell.path_parts()) + f"/seed_{self.seed}"

  def command(self) -> list[str]:
    return [*TRAIN_COMMAND, *self.cell.flags(), f"--seed={self.seed}",
            f"--output_dir={self.run_dir}", *self.train_args]

  def status(self) -> dict | None:
    return read_status(self.run_dir) or None

  def succeeded(self) -> bool:
    return (self.status() or {}).get("status") == "ok"

  def ended(self) -> bool:
    return has_ended(self.run_dir)


def run_dir_of(sweep_dir, cell, seed: int) -> Path:
  return Path(sweep_dir, "runs", *cell.path_parts(), f"seed_{seed}")


def plan(sweep_dir, cells, seeds_of, train_args_of) -> list[RunSpec]:
  """One run per cell x seed: `seeds_of(cell)` its seeds, `train_args_of(cell)` its other flags.

  Seed-major order (every cell's seed 0, then every cell's seed 1, ...), so a
  sweep stopped part-way leaves the cells with equal numbers of seeds.
  """
  specs = [RunSpec(cell, seed, run_dir_of(sweep_dir, cell, seed), tuple(train_args_of(cell)))
           for cell in cells for seed in seeds_of(cell)]
  return sorted(specs, key=lambda s: s.seed)


def run_all(specs: list[RunSpec], parallel: int = 1, on_finished=None, log=print, stop=None,
            threads_per_run: int = 0) -> None:
  """Runs every spec that has not ended, `parallel` at a time; calls `on_finished(spec)` after each.

  threads_per_run: caps each run's thread pools (`thread_limits`); 0 leaves TensorFlow's defaults.

  A run another process holds (a second sweep on the folder) is skipped
  with one line and left to that process.

  stop: an `interrupts.StopRequest`; once it is requested, no run starts and
  the signal is forwarded to the running ones, which checkpoint and are
  recorded as interrupted (resumed when the sweep is started again).
  """
  pending = pending_runs(specs, log)
  running: list[tuple[RunSpec, subprocess.Popen, RunClock, Any]] = []
  forwarded = False
  while (pending and not (stop and stop.requested())) or running:
    if stop and stop.requested() and not forwarded:
      for _, proc, _, _ in running:
        proc.send_signal(stop.signum)
      forwarded = True
    while pending and len(running) < parallel and not (stop and stop.requested()):
      spec = pending.pop(0)
      claim = run_lock.claim(spec.run_dir)
      if claim is None:  # Another sweep (or a hand-started run) is training it: not ours to start or record.
        log(f"sweep: {spec.label} skipped: in use by {run_lock.holder(spec.run_dir)}")
        continue
      if spec.ended():  # Another sweep finished it since this one planned.
        claim.close()
        continue
      # The run's process shares the claim; the sweep lets go of it once the run's status is written.
      with open(spec.run_dir / LOG_FILE, "ab") as log_file:
        env = {**os.environ, **thread_limits(threads_per_run), **run_lock.inherit_env(claim)}
        clock = RunClock(spec.run_dir)
        running.append((spec, subprocess.Popen(spec.command(), stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                               pass_fds=(claim.fileno(),), preexec_fn=stop_with_parent), clock, claim))
      log(f"sweep: started {spec.label}")
    time.sleep(0.5)
    for spec, proc, clock, claim in list(running):
      if proc.poll() is None:
        clock.beat()
        continue
      running.remove((spec, proc, clock, claim))
      with claim:
        write_status(spec.run_dir, clock.exit_status(proc.returncode))
      report_exit(spec, log, on_finished)


def stop_with_parent() -> None:
  """In a run's process before it starts: SIGTERM it when its parent dies (Linux's PR_SET_PDEATHSIG): the local
  sweep's process, or the Ray worker whose task it is (a lost node's run checkpoints and stops).

  A sweep killed outright (SIGKILL, a session's end) cannot stop its runs;
  without this they trained on as orphans whose time no clock recorded (a
  run that trained 404 s so reported the 7 s of the process that later
  found it finished). With it the run checkpoints and stops as on any
  SIGTERM, and its time up to the last heartbeat is kept.
  """
  if sys.platform.startswith("linux"):
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def thread_limits(threads: int) -> dict[str, str]:
  """Environment variables that cap a TensorFlow process's thread pools at `threads` (none for 0).

  Small steps do not keep two threads per op busy, so several runs of one
  thread each get more done on the same cores than one run using them all.
  """
  names = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
  return {name: str(threads) for name in names} if threads else {}


def pending_runs(specs: list[RunSpec], log=print, where: str = "") -> list[RunSpec]:
  """The specs that have not ended, after logging how many have."""
  pending = [s for s in specs if not s.ended()]
  log(f"sweep: {len(specs) - len(pending)} of {len(specs)} runs already finished; {len(pending)} to run{where}")
  return pending


class RunClock:
  """A run's wall time summed over its processes, kept in status.json while it trains.

  A resumed run carries the seconds its earlier processes recorded (an
  interrupted run's, or the last heartbeat of one whose sweep was killed
  outright, e.g. at a session's end, which writes nothing as it dies). Every
  `HEARTBEAT_SECONDS` the run's status reads "running" with the total so
  far, so such a kill loses at most that much of a run's time. Created and
  ended by the process that holds the run's claim.
  """

  def __init__(self, run_dir):
    earlier = read_status(run_dir)
    self.run_dir, self.began, self.last_beat = Path(run_dir), time.time(), time.time()
    self.carried = 0.0 if earlier.get("status") in ENDED else float(earlier.get("wall_seconds") or 0.0)

  def seconds(self) -> float:
    return self.carried + time.time() - self.began

  def beat(self) -> None:
    """Records the time so far, at most once every `HEARTBEAT_SECONDS`."""
    if time.time() - self.last_beat >= HEARTBEAT_SECONDS:
      write_status(self.run_dir, {"status": "running", "exit_code": None, "reason": "",
                                  "wall_seconds": round(self.seconds(), 1)})
      self.last_beat = time.time()

  def exit_status(self, returncode: int) -> dict:
    """What status.json says once the run's process exited with `returncode` (`status_record`, its time summed)."""
    return status_record(self.run_dir, returncode, self.seconds())


def report_exit(spec: RunSpec, log=print, on_finished=None) -> None:
  """What every executor does once a run's status is written: a log line, then the callback (scoring)."""
  status = spec.status()
  log(f"sweep: {spec.label} {status['status']}" + (f" ({status['reason']})" if status["reason"] else ""))
  if on_finished:
    on_finished(spec)


def record_lost(spec: RunSpec, cause: str, log=print) -> None:
  """A run whose process was lost with its machine: interrupted, to resume from its last checkpoint."""
  write_status(spec.run_dir, {"status": "interrupted", "exit_code": None,
                              "reason": f"{cause}; resumes from its last checkpoint",
                              "wall_seconds": (spec.status() or {}).get("wall_seconds")})
  log(f"sweep: {spec.label} interrupted ({cause})")


def write_status(run_dir, status: dict) -> None:
  atomic_io.write_json(Path(run_dir, STATUS_FILE), status)


def read_status(run_dir) -> dict:
  """A run's status.json ({} until its first process has ended or sent a heartbeat)."""
  path = Path(run_dir, STATUS_FILE)
  return json.loads(path.read_text()) if path.is_file() else {}


def has_ended(run_dir) -> bool:
  """Finished or failed for good; a run stopped by a signal (or left "running" by a killed sweep) is resumed."""
  return read_status(run_dir).get("status") in ENDED


def status_record(run_dir, returncode: int, seconds: float) -> dict:
  """What `status.json` says of a run that exited with `returncode` (the reason from the last line of its log)."""
  if returncode == 0:
    return {"status": "ok", "exit_code": 0, "reason": "", "wall_seconds": round(seconds, 1)}
  if returncode in exit_codes.INTERRUPTED_REASONS:
    return {"status": "interrupted", "exit_code": returncode, "reason": exit_codes.INTERRUPTED_REASONS[returncode],
            "wall_seconds": round(seconds, 1)}
  if returncode in exit_codes.KILLED_BY:
    return {"status": "interrupted", "exit_code": returncode,
            "reason": f"killed by {signal.Signals(-returncode).name}; resumes from its last checkpoint",
            "wall_seconds": round(seconds, 1)}
  lines = Path(run_dir, LOG_FILE).read_text(errors="replace").strip().splitlines()
  last = lines[-1][:300] if lines else ""
  reason = exit_codes.FAILURE_REASONS.get(returncode, f"crashed with exit code {returncode}")
  return {"status": "failed", "exit_code": returncode, "reason": f"{reason}: {last}",
          "wall_seconds": round(seconds, 1)}


def pin_settings(path, settings: dict) -> dict:
  """Ties a folder to `settings` (recorded in the JSON file `path`); returns {key: pinned value} where they differ.

  A sweep reuses the finished runs in its folder as they are, so a later
  invocation with other settings would mix incomparable runs: callers refuse
  to go on when the returned dict is not empty (nothing is written then).
  Keys not pinned yet are added.
  """
  path = Path(path)
  pinned = json.loads(path.read_text()) if path.is_file() else {}
  conflicts = {k: pinned[k] for k in settings if k in pinned and pinned[k] != settings[k]}
  if not conflicts:
    atomic_io.write_json(path, {**pinned, **settings})
  return conflicts
