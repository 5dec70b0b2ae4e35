"""The sweep on a 2-node Ray cluster: every run once as a task, the local executor's records and report,
failures recorded, a stopped sweep resumed by training only what was missing, a blind node refused."""

import csv
import dataclasses
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the Ray executor is the optional extra gan_lab[ray] (bash run.sh installs it)")

from ray.cluster_utils import Cluster  # pylint: disable=g-import-not-at-top

from gan_lab.ray import executor as ray_executor  # pylint: disable=g-import-not-at-top
from gan_lab.run import run_lock  # pylint: disable=g-import-not-at-top
from gan_lab.study import report, results_csv, sweep  # pylint: disable=g-import-not-at-top
from gan_lab.study.design import Cell  # pylint: disable=g-import-not-at-top

# Under pytest-xdist, the Ray tests run one at a time: one local cluster at once.
pytestmark = pytest.mark.xdist_group("ray")

RING = ("--dataset=ring", "--noise_dim=8", "--batch_size=32", "--max_examples=256", "--log_every=10",
        "--num_samples=100", "--grid_size=2", "--deterministic")
ACTIVATIONS = ["tanh", "sigmoid", "linear", "hard_sigmoid"]


@pytest.fixture(scope="module")
def two_nodes():
  cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
  cluster.add_node(num_cpus=1)
  ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
  yield cluster
  ray.shutdown()
  cluster.shutdown()


def _plan(sweep_dir, activations, args):
  return sweep.plan(sweep_dir, [Cell("mlp", "non_saturating", a) for a in activations], lambda cell: [0],
                    lambda cell: args)


def _quiet(*_):
  pass


def _results(sweep_dir, specs):
  """results.csv without the columns that name the folder or time the run."""
  results_csv.write(sweep_dir / "results.csv", [report.run_row(s) for s in specs])
  with open(sweep_dir / "results.csv") as f:
    return [{k: v for k, v in row.items() if k not in ("output_dir", "wall_seconds")} for row in csv.DictReader(f)]


def test_runs_spread_over_the_nodes_once_each_with_the_local_executor_s_report(tmp_path, two_nodes):
  ray_executor.check_shared_storage(tmp_path)
  specs = _plan(tmp_path / "ray", ACTIVATIONS, RING + ("--train_steps=20",))
  finished = []
  ray_executor.run_all(specs, tmp_path / "ray", on_finished=finished.append, log=_quiet)
  assert sorted(s.label for s in finished) == sorted(s.label for s in specs)  # Each run once.
  assert all(s.succeeded() for s in specs)
  assert len({s.status()["ray_node"] for s in specs}) == 2
  for spec in specs:
    assert (spec.run_dir / sweep.LOG_FILE).read_text().count("gan_lab: mlp/") == 1, spec.label
  local = _plan(tmp_path / "local", ACTIVATIONS, RING + ("--train_steps=20",))
  sweep.run_all(local, parallel=2, log=_quiet)
  assert _results(tmp_path / "ray", specs) == _results(tmp_path / "local", local)
  for a, b in zip(specs, local):
    np.testing.assert_array_equal(np.load(a.run_dir / "samples.npz")["samples"],
                                  np.load(b.run_dir / "samples.npz")["samples"])
  again = []
  ray_executor.run_all(specs, tmp_path / "ray", on_finished=again.append, log=_quiet)
  assert not again


def test_a_failed_run_is_recorded_as_the_local_executor_records_it(tmp_path, two_nodes):
  bad, = _plan(tmp_path, ["linear"], RING + ("--train_steps=40", "--plugins=nan_plugin", "--loss=nan_at_step_15"))
  ray_executor.run_all([bad], tmp_path, log=_quiet)
  assert bad.status()["status"] == "failed" and bad.status()["exit_code"] == 3


class _StopAfterFirstFinished:
  """Asks for a stop once one of the runs has finished and another has a checkpoint."""

  def __init__(self, specs):
    self.specs = specs

  def requested(self):
    return (any(s.succeeded() for s in self.specs)
            and any((s.run_dir / "checkpoints" / "checkpoint").is_file() for s in self.specs if not s.ended()))


def test_a_stopped_sweep_resumes_training_only_what_was_missing(tmp_path, two_nodes):
  specs = _plan(tmp_path, ACTIVATIONS, RING + ("--train_steps=2000", "--checkpoint_every=200", "--sample_every=10000"))
  specs[0] = dataclasses.replace(specs[0], train_args=RING + ("--train_steps=20",))  # Finishes first.
  ray_executor.run_all(specs, tmp_path, stop=_StopAfterFirstFinished(specs), log=_quiet)
  assert not (tmp_path / ray_executor.STOP_FILE).exists()
  done = [s for s in specs if s.succeeded()]
  interrupted = [s for s in specs if (s.status() or {}).get("status") == "interrupted"]
  # 143: its SIGTERM handler checkpointed; -15: the signal came before the handler was installed (still starting).
  assert done and interrupted and all(s.status()["exit_code"] in (143, -15) for s in interrupted)
  logs = {s.label: (s.run_dir / sweep.LOG_FILE).read_text() for s in done}
  resumed = []
  ray_executor.run_all(specs, tmp_path, on_finished=resumed.append, log=_quiet)
  assert sorted(s.label for s in resumed) == sorted(s.label for s in specs if s not in done)
  assert all(s.succeeded() for s in specs)
  assert all((s.run_dir / sweep.LOG_FILE).read_text() == logs[s.label] for s in done)  # Not trained again.
  assert any("resuming at step" in (s.run_dir / sweep.LOG_FILE).read_text() for s in interrupted)


def test_a_folder_a_node_cannot_see_is_refused(tmp_path, two_nodes, monkeypatch):
  real_write = Path.write_text
  monkeypatch.setattr(Path, "write_text", lambda self, text: real_write(self, text + "-not-what-nodes-read"))
  with pytest.raises(ray_executor.SharedStorageError, match=r"is not visible from Ray node\(s\) "):
    ray_executor.check_shared_storage(tmp_path)


class _StopOnceResumed:
  """Asks the sweep to stop once the run's log says it resumed (the executor passes it on as SIGTERM), or after
  `timeout` seconds, so a run that never resumes fails the test instead of training all its steps."""

  def __init__(self, spec, timeout=300):
    self.spec, self.deadline = spec, time.time() + timeout

  def requested(self):
    log = self.spec.run_dir / sweep.LOG_FILE
    return (log.is_file() and "resuming at step" in log.read_text()) or time.time() > self.deadline


def test_a_lost_node_leaves_its_run_interrupted_and_the_next_start_resumes_it(tmp_path, two_nodes):
  del two_nodes  # Shut down: this test needs a cluster of its own, whose worker node it removes.
  ray.shutdown()
  cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
  node = cluster.add_node(num_cpus=1)
  ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
  try:
    spec, = _plan(tmp_path, ["tanh"], RING + ("--train_steps=100000", "--checkpoint_every=20"))
    thread = threading.Thread(target=ray_executor.run_all, args=([spec], tmp_path), kwargs={"log": _quiet})
    thread.start()
    deadline = time.time() + 300
    # The manager's `checkpoint` file, written after the ckpt-N files: a run killed between the two has no
    # checkpoint to resume from (a loaded machine once did so here, and the resumed run started from step 0).
    while not (spec.run_dir / "checkpoints" / "checkpoint").is_file():
      assert time.time() < deadline, "the run never checkpointed"
      time.sleep(0.5)
    cluster.remove_node(node)
    thread.join(timeout=180)
    assert not thread.is_alive() and spec.status()["status"] == "interrupted", spec.status()
    assert "Ray task was lost" in spec.status()["reason"]
    deadline = time.time() + 120
    while run_lock.is_held(spec.run_dir):  # The lost run's process stops (SIGTERM when its worker dies).
      assert time.time() < deadline, "the lost run's process kept the folder"
      time.sleep(0.5)
    cluster.add_node(num_cpus=1)
    ray_executor.run_all([spec], tmp_path, log=_quiet, stop=_StopOnceResumed(spec))
  finally:
    ray.shutdown()
    cluster.shutdown()
  assert spec.status()["status"] == "interrupted" and spec.status()["exit_code"] == 143, spec.status()
  text = (spec.run_dir / sweep.LOG_FILE).read_text()
  assert text.count("resuming at step") == 1 and text.count("gan_lab: mlp/") == 2  # Trained by one process at a time.
  steps = [json.loads(l)["step"] for l in (spec.run_dir / "metrics.jsonl").read_text().splitlines()]
  assert steps == sorted(set(steps))  # No metrics line twice.


def test_a_tuned_study_s_stage_one_runs_as_ray_tasks_each_with_its_combination(tmp_path, two_nodes):
  from gan_lab.study import design  # pylint: disable=g-import-not-at-top
  cell = Cell("mlp", "non_saturating", "tanh")
  tuned = [cell.with_tuned(((name, value),)) for name, value in (("beta_1", 0.0), ("beta_1", 0.5))]
  specs = sweep.plan(tmp_path, tuned, lambda c: [design.TUNE_SEED_BASE],
                     lambda c: RING + ("--train_steps=20", "--selection_samples=50"))
  ray_executor.run_all(specs, tmp_path, log=_quiet)
  assert all(s.succeeded() for s in specs)
  for spec in specs:
    assert json.loads((spec.run_dir / "flags.json").read_text())["beta_1"] == spec.cell.tuned[0][1]
    assert (spec.run_dir / "samples_selection.npz").is_file()
  assert [s.cell for s in design.discover(tmp_path, {"beta_1"})] == tuned
