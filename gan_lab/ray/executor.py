"""Runs a sweep's training runs as Ray tasks, on a local Ray or a cluster (`ray start --head` and `--address`).

Each task runs the run's `experiments/train.py` command on whichever node
Ray picks, with the CPUs and GPUs asked for; the plan, the skip of ended
runs, the status records and the scoring are the local executor's
(`gan_lab.study.sweep`). Every node reads and writes the sweep folder directly, so
it must be on storage they all see: `check_shared_storage` proves it from
each node before any run starts. A stop (SIGTERM, Ctrl-C) reaches the tasks
through a file in that folder, and each passes it on to its run as SIGTERM.
"""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from gan_lab.run import run_lock
from gan_lab.study import sweep

STOP_FILE = ".stop"


class SharedStorageError(RuntimeError):
  """A Ray node cannot see the sweep folder."""


@ray.remote(num_cpus=0)
def _reads(path: str, token: str):
  """(this node's address, whether it reads `token` in `path`)."""
  seen = Path(path).is_file() and Path(path).read_text() == token
  return ray.util.get_node_ip_address(), seen


def check_shared_storage(sweep_dir) -> None:
  """Writes a token into the sweep folder and has every alive node read it back; SharedStorageError otherwise."""
  probe, token = Path(sweep_dir) / f".ray_probe_{uuid.uuid4().hex}", uuid.uuid4().hex
  probe.write_text(token)
  try:
    nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
    results = ray.get([_reads.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
                       .remote(str(probe.resolve()), token) for node in nodes])
  finally:
    probe.unlink(missing_ok=True)
  blind = [address for address, seen in results if not seen]
  if blind:
    raise SharedStorageError(f"--sweep_dir={sweep_dir} is not visible from Ray node(s) {', '.join(blind)}: "
                             "put it on storage every node mounts at the same path")


@ray.remote
def _train(command: list[str], run_dir: str, stop_file: str) -> tuple[bool, str]:
  """Runs one training command on this node and writes its status.json; returns (whether it ran, a note).

  It does not run when the sweep was stopped before it began, or when
  another process holds the run or has finished it (the note says which).
  A stop reaches the run as SIGTERM.
  """
  node = ray.get_runtime_context().get_node_id()
  if os.path.exists(stop_file):
    return False, ""
  claim = run_lock.claim(run_dir)
  if claim is None:  # Another sweep holds the run: not ours to start or record.
    return False, f"skipped: in use by {run_lock.holder(run_dir)}"
  with claim:  # Held until the status is written: no other sweep starts the run in between.
    if sweep.has_ended(run_dir):
      return False, "skipped: another sweep finished it"
    clock = sweep.RunClock(run_dir)
    with open(Path(run_dir) / sweep.LOG_FILE, "ab") as log:  # The run's process shares the claim.
      proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, pass_fds=(claim.fileno(),),
                              env={**os.environ, **run_lock.inherit_env(claim)}, preexec_fn=sweep.stop_with_parent)
      while proc.poll() is None:
        if os.path.exists(stop_file):
          proc.send_signal(signal.SIGTERM)
          proc.wait()
          break
        clock.beat()
        time.sleep(0.5)
    sweep.write_status(run_dir, {**clock.exit_status(proc.returncode), "ray_node": node})
  return True, ""


def run_all(specs, sweep_dir, cpus_per_run: float = 1, gpus_per_run: float = 0, on_finished=None, log=print,
            stop=None) -> None:
  """Runs every spec that has not ended as a Ray task (`ray.init` must have been called)."""
  stop_file = Path(sweep_dir) / STOP_FILE
  stop_file.unlink(missing_ok=True)
  pending = sweep.pending_runs(specs, log, where=" on Ray")
  running = {}
  for spec in pending:
    spec.run_dir.mkdir(parents=True, exist_ok=True)
    # No retries: a run lost with its node is recorded interrupted and resumes when the sweep is started again.
    task = _train.options(num_cpus=cpus_per_run, num_gpus=gpus_per_run, max_retries=0)
    running[task.remote(spec.command(), str(spec.run_dir), str(stop_file.resolve()))] = spec
  while running:
    if stop and stop.requested() and not stop_file.exists():
      stop_file.write_text("stop")  # Running tasks pass it on as SIGTERM; tasks not yet begun do not begin.
    done, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
    for ref in done:
      spec = running.pop(ref)
      try:
        ran, note = ray.get(ref)
      except ray.exceptions.RayError as e:  # The task's worker or node died.
        sweep.record_lost(spec, f"its Ray task was lost ({type(e).__name__})", log)
        continue
      if ran:
        sweep.report_exit(spec, log, on_finished)
      elif note:
        log(f"sweep: {spec.label} {note}")
  stop_file.unlink(missing_ok=True)
