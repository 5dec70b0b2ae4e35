"""Starts one multi-worker training run through Ray Train's `TensorflowTrainer`.

Ray Train places the workers (CPUs and GPUs each) on the cluster and sets
`TF_CONFIG` in each worker's environment, the one thing a hand-started
multi-worker run needs typed per machine. Each worker then runs the same
`experiments/train.py` command with `--strategy=multi_worker` in a
subprocess, which inherits that `TF_CONFIG`: training, chief-only writes,
checkpoints, resume and exit codes are exactly those of a hand-started run.
The output folder must be on storage every node sees, at the same path.
"""

import os
import re
import subprocess

import ray.train
from ray.train.tensorflow import TensorflowTrainer

_EXIT = re.compile(r"gan_lab worker \d+ exited with code (-?\d+)")


class WorkerExit(RuntimeError):
  """A worker's training process ended with a non-zero exit code."""


def _worker(config: dict) -> None:
  """Ray Train's loop on each worker: the training command, with the TF_CONFIG Ray Train has set."""
  rank = ray.train.get_context().get_world_rank()
  code = subprocess.run(config["command"], cwd=config["cwd"], env=dict(os.environ), check=False).returncode
  if code:
    raise WorkerExit(f"gan_lab worker {rank} exited with code {code}")


def launch(command: list[str], cwd: str, num_workers: int, cpus_per_worker: float = 1.0,
           gpus_per_worker: float = 0.0) -> int:
  """Runs `command` on `num_workers` Ray Train workers; returns 0, or the exit code of a worker that failed."""
  resources = {"CPU": cpus_per_worker, **({"GPU": gpus_per_worker} if gpus_per_worker else {})}
  trainer = TensorflowTrainer(
      _worker, train_loop_config={"command": command, "cwd": cwd},
      scaling_config=ray.train.ScalingConfig(num_workers=num_workers, use_gpu=gpus_per_worker > 0,
                                             resources_per_worker=resources),
      run_config=ray.train.RunConfig(failure_config=ray.train.FailureConfig(max_failures=0)))
  try:
    trainer.fit()
  except ray.train.TrainingFailedError as e:
    codes = [int(c) for c in _EXIT.findall(str(e))]
    return codes[0] if codes else 1
  return 0
