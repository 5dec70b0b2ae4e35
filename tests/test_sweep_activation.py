"""experiments/sweep_activation.py end to end: a tiny study over every axis, its report, and a restart."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Every axis with as few runs as cover it: one seed, a second one in one cell, a margin variant per model.
TINY = ["--models=dcgan,mlp", "--losses=non_saturating,wasserstein", "--activations=sigmoid,tanh", "--seeds=1",
        "--more_seeds=mlp/wasserstein:2", "--margin_activations=tanh", "--train_steps=dcgan:4,mlp:6", "--snapshots=2",
        "--batch_size=16", "--num_samples=1000", "--snapshot_samples=1000", "--parallel=2",
        "--threads_per_run=1"]


def _sweep(*args, timeout=900):
  return subprocess.run([sys.executable, str(REPO / "experiments" / "sweep_activation.py"), *args],
                        capture_output=True, text=True, timeout=timeout)


def test_tiny_study_writes_every_output_and_repeats_nothing(tmp_path, tiny_evaluator):
  _, cache = tiny_evaluator
  args = [f"--sweep_dir={tmp_path}", f"--evaluator_dir={cache}", *TINY]
  proc = _sweep(*args)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert "sweep: 0 of 12 runs already finished; 12 to run" in proc.stdout
  with open(tmp_path / "results.csv") as f:
    rows = list(csv.DictReader(f))
  assert len(rows) == 12 and all(r["failed"] == "False" for r in rows)
  axes = {(r["model"], r["loss"], r["output_activation"], r["data_margin"], r["seed"]) for r in rows}
  assert len(axes) == 12 and {r["seed"] for r in rows if r["loss"] == "wasserstein" and r["model"] == "mlp"} == {
      "0", "1"} and {r["gp_weight"] for r in rows if r["loss"] == "wasserstein"} == {"10.0"}
  summary = (tmp_path / "summary.md").read_text()
  for block in ("dcgan · non_saturating", "dcgan · wasserstein", "mlp · non_saturating", "mlp · wasserstein"):
    assert f"## {block}" in summary
  assert summary.count("| a vs b | FCD a / b | Welch p (Holm) | permutation p (Holm) | verdict |") == 4 + 2
  for name in ("grids.png", "curves.png", "ranks.png"):
    assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  assert len(list((tmp_path / "hparams").rglob("events.out.tfevents.*"))) == 13

  logs = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").rglob("train.log")}
  archive = tmp_path / "archive"  # What docs/ commits of a study: a few KB per run, and the report.
  again = _sweep(*args, f"--archive_dir={archive}")
  assert again.returncode == 0, again.stderr[-3000:]
  assert "sweep: 12 of 12 runs already finished; 0 to run" in again.stdout
  assert "sweep: 0 ended runs restored" in again.stdout
  assert "sweep: 12 ended runs and the report archived" in again.stdout
  assert logs == {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").rglob("train.log")}
  kept = {p.name for p in (archive / "runs").rglob("*") if p.is_file()}
  assert kept == {"flags.json", "scores.json", "status.json", "metrics.jsonl", "grid_samples.npz"}  # No checkpoints.

  elsewhere = tmp_path / "elsewhere"  # Another machine: the archive and nothing else.
  moved = _sweep(f"--sweep_dir={elsewhere}", f"--evaluator_dir={cache}", f"--archive_dir={archive}", *TINY)
  assert moved.returncode == 0, moved.stderr[-3000:]
  assert "sweep: 12 ended runs restored" in moved.stdout and "12 of 12 runs already finished; 0 to run" in moved.stdout
  assert (elsewhere / "results.csv").read_text() == (tmp_path / "results.csv").read_text()
  assert (elsewhere / "summary.md").read_text() == summary and (elsewhere / "grids.png").is_file()

  committed = tmp_path / "committed"  # The CSVs and records alone, no run folders.
  committed.mkdir()
  for name in ("results.csv", "snapshots.csv", "floor.json", "budget.json"):
    shutil.copy(archive / name, committed / name)
  redrawn = _sweep(f"--sweep_dir={committed}", "--report_only", timeout=300)
  assert redrawn.returncode == 0, redrawn.stderr[-3000:]
  assert "report redrawn from the 12 rows of" in redrawn.stdout and "evaluator" not in redrawn.stdout
  assert (committed / "summary.md").read_text() == summary
  assert (committed / "ranks.png").is_file() and not (committed / "grids.png").exists()
  empty = _sweep(f"--sweep_dir={tmp_path / 'nothing'}", "--report_only", timeout=300)
  assert empty.returncode == 2 and "has no run folders, and no" in empty.stderr


@pytest.mark.xdist_group("ray")  # Under pytest-xdist, with the other Ray tests: one local cluster at once.
def test_the_ray_executor_runs_the_same_study_and_report(tmp_path, tiny_evaluator):
  pytest.importorskip("ray", reason="--executor=ray needs the optional extra gan_lab[ray]")
  _, cache = tiny_evaluator
  proc = _sweep(f"--sweep_dir={tmp_path}", f"--evaluator_dir={cache}", "--executor=ray", "--models=mlp",
                "--losses=non_saturating", "--activations=tanh", "--seeds=1", "--margin_activations=tanh",
                *[a for a in TINY if a.split("=")[0] in ("--train_steps", "--snapshots", "--batch_size",
                                                         "--num_samples", "--snapshot_samples")])
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert "sweep: 0 of 2 runs already finished; 2 to run on Ray" in proc.stdout
  with open(tmp_path / "results.csv") as f:
    rows = list(csv.DictReader(f))
  assert sorted(r["data_margin"] for r in rows) == ["0.0", "0.05"] and all(r["failed"] == "False" for r in rows)
  assert all(float(r["fcd"]) > 0 for r in rows) and (tmp_path / "summary.md").is_file()


def test_an_archive_in_the_sweep_folder_itself_is_refused(tmp_path):
  proc = _sweep(f"--sweep_dir={tmp_path}", f"--archive_dir={tmp_path}/.", timeout=120)
  assert proc.returncode == 1 and "needs a folder of its own" in proc.stderr and "Traceback" not in proc.stderr
  assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("flag, message", [
    ("--train_steps=dcgan:many", "--train_steps=dcgan:many: expected MODEL:VALUE items"),
    ("--losses=non_saturating,nope", "--losses=non_saturating,nope: expected names from"),
    ("--more_seeds=dcgan:5", "--more_seeds=dcgan:5: expected MODEL/LOSS:N items")])
def test_bad_flags_get_one_line(tmp_path, flag, message):
  proc = _sweep(f"--sweep_dir={tmp_path}", flag, timeout=120)
  assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_another_budget_in_the_same_folder_is_refused(tmp_path):
  (tmp_path / "budget.json").write_text('{"mlp": {"train_steps": 1}}')
  proc = _sweep(f"--sweep_dir={tmp_path}", "--models=mlp", timeout=120)
  assert proc.returncode == 1 and "pins another budget for mlp" in proc.stderr and "Traceback" not in proc.stderr


def test_run_sh_sweep_help_lists_the_axes():
  proc = subprocess.run(["bash", str(REPO / "run.sh"), "sweep", "--help"], capture_output=True, text=True, timeout=600)
  # absl prints the help to stdout and exits 1 (its convention for --help).
  assert "--models" in proc.stdout and "--data_margin" in proc.stdout and "Traceback" not in proc.stderr
