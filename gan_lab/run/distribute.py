"""The tf.distribute strategy of a run: one device, all local devices, or many workers.

Under multi_worker every worker runs the same program; `worker_role` says
which one this process is. Only the chief (worker 0) writes the run's files;
the others write their share of each checkpoint (every worker must take part
in a save) to a folder of their own that is removed after it.
"""

import dataclasses
import functools
import json
import os

import tensorflow as tf

from gan_lab.config.train_config import STRATEGIES


@dataclasses.dataclass(frozen=True)
class WorkerRole:
  index: int = 0
  count: int = 1

  @property
  def is_chief(self) -> bool:
    return self.index == 0


def worker_role(strategy_name: str) -> WorkerRole:
  """This process's place among the workers (from TF_CONFIG under multi_worker; else the only one)."""
  if strategy_name != "multi_worker":
    return WorkerRole()
  raw = os.environ.get("TF_CONFIG")
  _check_tf_config(raw)
  config = json.loads(raw)
  return WorkerRole(int(config["task"]["index"]), len(config["cluster"]["worker"]))


class WorkerLostError(RuntimeError):
  """A multi-worker run lost a worker (its collectives aborted or timed out)."""


class StrategyError(ValueError):
  """The strategy cannot run this config (a flag error: the CLI exits 1)."""


def check_batch_split(batch_size: int, strategy: tf.distribute.Strategy) -> None:
  """Each replica must get the same number of rows of every batch."""
  replicas = strategy.num_replicas_in_sync
  if batch_size % replicas:
    raise StrategyError(f"--batch_size={batch_size} must divide by the {replicas} replicas of the strategy "
                        f"(e.g. --batch_size={batch_size - batch_size % replicas or replicas})")


@functools.cache
def make_strategy(name: str) -> tf.distribute.Strategy:
  """Returns the strategy `name`, one per process.

  Runs in one process share it: a second MirroredStrategy over the same
  devices would number its collectives from the same keys as the first, and
  its all-reduces would meet stale ones of another shape and abort.

  default: TensorFlow's default placement (a GPU if it sees one, else the CPU).
  mirrored: MirroredStrategy over all local GPUs, or all logical CPU devices
    when there is no GPU (useful for tests with split CPUs).
  multi_worker: MultiWorkerMirroredStrategy from the TF_CONFIG environment
    variable (cluster spec and this worker's task).
  """
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy([d.name for d in devices])
  if name == "multi_worker":
    _check_tf_config(os.environ.get("TF_CONFIG"))
    # A lost worker is noticed by TensorFlow's coordination service (its heartbeats stop), which aborts the
    # others' collectives; CommunicationOptions(timeout_seconds=...) is not used: in TF 2.21 on CPU it leaks
    # a thread per collective (benchmarks/README.md, "Multi-worker").
    return tf.distribute.MultiWorkerMirroredStrategy()
  raise StrategyError(f"--strategy={name!r}: expected one of {', '.join(STRATEGIES)}")


def _check_tf_config(raw):
  if not raw:
    raise StrategyError("--strategy=multi_worker needs the TF_CONFIG environment variable "
                     '(e.g. {"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}})')
  try:
    config = json.loads(raw)
    config["cluster"]["worker"], config["task"]["index"]  # pylint: disable=pointless-statement
  except (ValueError, KeyError, TypeError) as e:
    raise StrategyError(f"TF_CONFIG is not a cluster spec with cluster.worker and task.index ({e})") from None


def any_worker(strategy: tf.distribute.Strategy, workers: int):
  """`agree(flag) -> bool`: true on every worker when `flag` is true on any of them.

  Every worker calls it at the same chunk boundaries (one all-reduce of one
  number per chunk), so a stop that reaches one worker (its SIGTERM) stops
  them all at the same step, and they checkpoint that step together.
  """
  if workers == 1:
    return bool

  @tf.function
  def total(flag):
    return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(tf.identity, args=(flag,)), axis=None)

  return lambda flag: bool(total(tf.constant(1.0 if flag else 0.0)).numpy() > 0)
