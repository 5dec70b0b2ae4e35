"""Shared test set-up: quiet TensorFlow, import gan_lab from the checkout, test plugins for subprocesses."""

import fcntl
import importlib
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# Subprocesses (gan-lab commands, sweep runs, Ray workers) import the tests' --plugins modules (nan_plugin) from here.
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "tests"), os.environ.get("PYTHONPATH", "")) if p)

import pytest  # pylint: disable=g-import-not-at-top

from gan_lab.config import registry  # pylint: disable=g-import-not-at-top


@pytest.fixture(scope="session")
def tiny_evaluator(tmp_path_factory):
  """A Fashion-MNIST evaluator trained briefly (10k examples, 2 epochs), cached in a temp folder.

  Good enough (about 85% test accuracy) to separate real images from noise;
  the full evaluator (5 epochs, all 60k) is what the sweep uses.
  """
  from gan_lab.evaluation import evaluator  # pylint: disable=g-import-not-at-top
  if not Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file():
    pytest.skip("needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
  # Under pytest-xdist every worker has a temp folder of its own; their parent is this session's, so the
  # workers share one evaluator, trained by whichever asks first (the others wait on the lock, then load it).
  base = tmp_path_factory.getbasetemp()
  shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
  cache = shared / "evaluators"
  folder = evaluator.cache_folder(cache, "fashion_mnist")
  folder.mkdir(parents=True, exist_ok=True)
  with open(shared / "tiny_evaluator.lock", "a") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    if not (folder / evaluator.INFO_FILE).is_file():
      evaluator.save(evaluator.train("fashion_mnist", epochs=2, max_examples=10000, log=None), folder, epochs=2)
  return evaluator.load_or_train("fashion_mnist", cache, log=None), cache


@pytest.fixture
def checkpoint_weights():
  """`read(run_dir)`: the variables of a run's latest checkpoint as {name: array}, bookkeeping left out."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  def read(run_dir):
    reader = tf.train.load_checkpoint(str(Path(run_dir) / "checkpoints"))
    return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()
            if "save_counter" not in n and "OBJECT_GRAPH" not in n}
  return read


def _run_as_nobody(function, *args):
  """Calls `function(*args)` in a forked child that has dropped to the user nobody; returns its str() result.

  Root may write into read-only folders, so permission tests run this way
  when the suite runs as root (as CI does). The child touches no TensorFlow
  state; it only runs pure-Python code already imported.
  """
  import pwd  # pylint: disable=g-import-not-at-top
  nobody = pwd.getpwnam("nobody")
  read, write = os.pipe()
  pid = os.fork()
  if pid == 0:  # The child: drop privileges, run, report, and leave without running pytest's exit handlers.
    os.close(read)
    try:
      os.setgroups([])
      os.setgid(nobody.pw_gid)
      os.setuid(nobody.pw_uid)
      result = str(function(*args))
    except BaseException as e:  # pylint: disable=broad-except
      result = f"child raised {type(e).__name__}: {e}"
    os.write(write, result.encode())
    os._exit(0)
  os.close(write)
  with os.fdopen(read, "rb") as pipe:
    result = pipe.read().decode()
  os.waitpid(pid, 0)
  return result


@pytest.fixture
def run_as_nobody():
  if os.geteuid() != 0:
    pytest.skip("dropping to nobody needs root")
  return _run_as_nobody


@pytest.fixture(scope="module")
def defects():
  """The plugin module, its registrations undone afterwards so other tests see only gan_lab's names."""
  saved = [(r, dict(r._traits), dict(r._entries)) for r in (registry.LOSSES, registry.MODELS, registry.ACTIVATIONS)]
  sys.modules.pop("experiments.seed_defect_plugins", None)
  yield importlib.import_module("experiments.seed_defect_plugins")
  for reg, traits, entries in saved:
    reg._traits, reg._entries = traits, entries
  sys.modules.pop("experiments.seed_defect_plugins", None)
