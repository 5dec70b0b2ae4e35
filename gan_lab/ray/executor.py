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
def _train(command: list[str], run_dir: str, stop_file: str) -> tuple[int | None, float, str]:
  """Runs one training command on this node; passes a stop on as SIGTERM; returns (exit code, seconds, node id).

  The exit code is None when the sweep was stopped before the run began, or when another process holds
  the run (the node id is then the line that says so).
  """
  began, node = time.time(), ray.get_runtime_context().get_node_id()
  if os.path.exists(stop_file):
    return None, 0.0, node
  claim = run_lock.claim(run_dir)
  if claim is None:  # Another sweep holds the run: not ours to start or record.
    return None, 0.0, f"skipped: in use by {run_lock.holder(run_dir)}"
  with claim, open(Path(run_dir) / sweep.LOG_FILE, "ab") as log:  # The run's process keeps the claim.
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, pass_fds=(claim.fileno(),),
                            env={**os.environ, **run_lock.inherit_env(claim)})
    while proc.poll() is None:
      if os.path.exists(stop_file):
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        break
      time.sleep(0.5)
  return proc.returncode, time.time() - began, node


def run_all(specs, sweep_dir, cpus_per_run: float = 1, gpus_per_run: float = 0, on_finished=None, log=print,
            stop=None) -> None:
  """Runs every spec that has not ended as a Ray task (`ray.init` must have been called)."""
  stop_file = Path(sweep_dir) / STOP_FILE
  stop_file.unlink(missing_ok=True)
  pending = sweep.pending_runs(specs, log, where=" on Ray")
  running = {}
  for spec in pending:
    spec.run_dir.mkdir(parents=True, exist_ok=True)
    task = _train.options(num_cpus=cpus_per_run, num_gpus=gpus_per_run)
    running[task.remote(spec.command(), str(spec.run_dir), str(stop_file.resolve()))] = spec
  while running:
    if stop and stop.requested() and not stop_file.exists():
      stop_file.write_text("stop")  # Running tasks pass it on as SIGTERM; tasks not yet begun do not begin.
    done, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
    for ref in done:
      spec = running.pop(ref)
      returncode, seconds, node = ray.get(ref)
      if returncode is not None:  # None: the stop came before the run began, or another process holds it.
        sweep.record_exit(spec, returncode, seconds, log, on_finished, ray_node=node)
      elif node.startswith("skipped"):
        log(f"sweep: {spec.label} {node}")
  stop_file.unlink(missing_ok=True)
