"""gan-lab sweep beyond the study's named axes, end to end: --axis, --factor and the two-stage --tune."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SWEEP = (sys.executable, "-m", "gan_lab.cli", "sweep")
TINY = ["--models=mlp", "--losses=non_saturating", "--activations=sigmoid,tanh", "--data_margin=0", "--seeds=1",
        "--train_steps=mlp:12", "--snapshots=2", "--batch_size=16", "--num_samples=1000", "--snapshot_samples=1000",
        "--parallel=2", "--threads_per_run=1"]
TUNE = ["--tune=beta_1=0.0,0.5", "--tune_seeds=1", "--tune_steps=6"]


def _sweep(*args, timeout=600):
  return subprocess.run([*SWEEP, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)


def _rows(path):
  with open(path) as f:
    return list(csv.DictReader(f))


def test_an_axis_over_any_field_names_its_folders_and_columns_and_can_be_the_factor(tmp_path, tiny_evaluator):
  _, cache = tiny_evaluator
  proc = _sweep(f"--sweep_dir={tmp_path}", f"--evaluator_dir={cache}", *TINY, "--axis=beta_1=0.0,0.5",
                "--factor=beta_1")
  assert proc.returncode == 0, proc.stderr[-3000:]
  rows = _rows(tmp_path / "results.csv")
  assert sorted((r["output_activation"], r["beta_1"]) for r in rows) == [
      ("sigmoid", "0.0"), ("sigmoid", "0.5"), ("tanh", "0.0"), ("tanh", "0.5")]
  assert {r["run"] for r in rows} == {f"mlp/non_saturating/{a}/margin_0/beta_1={b}/seed_0"
                                      for a in ("sigmoid", "tanh") for b in ("0.0", "0.5")}
  for r in rows:  # The folder's run trained with the value its name says.
    assert json.loads((tmp_path / "runs" / r["run"] / "flags.json").read_text())["beta_1"] == float(r["beta_1"])
  summary = (tmp_path / "summary.md").read_text()
  assert "| model · loss · output_activation | 0.0 | 0.5 |" in summary  # beta_1's levels are the columns.
  assert "## mlp · non_saturating · output_activation=tanh" in summary and "Per-beta_1 tables" in summary

  again = _sweep(f"--sweep_dir={tmp_path}", f"--evaluator_dir={cache}", *TINY, "--axis=beta_1=0.0,0.9")
  assert again.returncode == 1 and again.stderr.strip().count("\n") == 0, again.stderr
  assert "pins another design: axes was beta_1=0.0,0.5, now beta_1=0.0,0.9" in again.stderr


def test_a_tuned_sweep_selects_on_other_samples_and_reports_fresh_seeds_only(tmp_path, tiny_evaluator):
  _, cache = tiny_evaluator
  proc = _sweep(f"--sweep_dir={tmp_path}", f"--evaluator_dir={cache}", *TINY, *TUNE)
  assert proc.returncode == 0, proc.stderr[-3000:]
  stage1 = _rows(tmp_path / "tuning" / "results.csv")
  assert len(stage1) == 4 and {r["seed"] for r in stage1} == {"10000"}  # 2 levels x 2 combinations x 1 seed.
  for r in stage1:  # Selection scored samples_selection.npz, drawn from other noise than samples.npz.
    run = tmp_path / "tuning" / "runs" / r["run"]
    with np.load(run / "samples_selection.npz") as chosen_on, np.load(run / "samples.npz") as reported:
      assert not np.allclose(chosen_on["samples"][:100], reported["samples"][:100])
    assert float(r["selection_fcd"]) == json.loads((run / "selection.json").read_text())["fcd"]
    assert json.loads((run / "flags.json").read_text())["train_steps"] == 6
  choices = {c["cell"]: c for c in json.loads((tmp_path / "tuning" / "choices.json").read_text())}
  for activation in ("sigmoid", "tanh"):
    medians = choices[f"mlp · non_saturating · {activation}"]["median_selection_fcd"]
    assert choices[f"mlp · non_saturating · {activation}"]["chosen"] == min(medians, key=medians.get)

  rows = _rows(tmp_path / "results.csv")  # The report: stage 2 only, fresh seeds at the chosen recipe.
  assert {r["seed"] for r in rows} == {"0"} and len(rows) == 2 and all(r["train_steps"] == "12" for r in rows)
  for r in rows:
    chosen = choices[f"mlp · non_saturating · {r['output_activation']}"]["chosen"]
    assert chosen == f"beta_1={r['beta_1']}" and r["run"].endswith(f"/{chosen}/seed_0")
  summary = (tmp_path / "summary.md").read_text()
  table = summary[summary.index("## Tuning (stage 1)"):]
  bold = [line for line in table.splitlines() if "**" in line and line.startswith("| beta_1=")]
  assert sum(line.count("**") for line in bold) == 2 * 2  # One chosen combination per level, marked.
  assert "seed_10000" not in summary[:summary.index("## Tuning")]

  logs = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("train.log")}
  again = _sweep(f"--sweep_dir={tmp_path}", f"--evaluator_dir={cache}", *TINY, *TUNE)
  assert again.returncode == 0 and "4 of 4 runs already finished" in again.stdout, again.stderr[-2000:]
  assert "2 of 2 runs already finished" in again.stdout
  assert logs == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("train.log")}


@pytest.mark.parametrize("args, message", [
    (["--axis=bogus=1,2"], "--axis=bogus=1,2: bogus is not a gan-lab train flag"),
    (["--axis=beta_1=0.5,1.5"], "--axis=beta_1=0.5,1.5: --beta_1=1.5: expected a value in [0, 1)"),
    (["--axis=disc_steps=one"], "'one' is not a valid --disc_steps"),
    (["--axis=dataset=mnist"], "dataset cannot vary within one sweep folder"),
    (["--axis=output_dir=a,b"], "output_dir cannot vary within one sweep folder"),
    (["--axis=beta_1=0.0", "--axis=beta_1=0.5"], "beta_1 is swept twice"),
    (["--axis=beta_1=0.0,0.5", "--tune=beta_1=0.9"], "beta_1 is swept twice"),
    (["--tune=beta_1=0.0,0.5"], "--tune_steps has no entry for model mlp"),
    (["--tune=g_learning_rate=0,1e-4", "--tune_steps=5"], "--g_learning_rate=0.0: expected a value in (0, 1)"),
    (["--tune_steps=5"], "--tune_steps=5 without --tune"),
    (["--tune=beta_1=0.0,0.5", "--tune_steps=mlp:x"], "--tune_steps=mlp:x: expected N or MODEL:N items"),
    (["--factor=beta_1"], "--factor=beta_1: expected a swept field"),
])
def test_a_bad_axis_or_tuning_flag_is_one_line_and_trains_nothing(tmp_path, args, message):
  proc = _sweep(f"--sweep_dir={tmp_path / 'sweep'}", *TINY, *args, timeout=120)
  assert proc.returncode == 1 and message in proc.stderr, proc.stderr
  assert proc.stderr.strip().count("\n") == 0 and not (tmp_path / "sweep").exists()


def test_study_v2_redraws_byte_for_byte_from_its_archived_rows(tmp_path):
  for name in ("results.csv", "snapshots.csv", "floor.json", "budget.json"):
    shutil.copy(REPO / "docs" / "study_v2" / name, tmp_path / name)
  proc = _sweep(f"--sweep_dir={tmp_path}", "--report_only", timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert (tmp_path / "summary.md").read_bytes() == (REPO / "docs" / "study_v2" / "summary.md").read_bytes()


def test_study_v3_redraws_from_its_archived_rows_with_its_tuning_table(tmp_path):
  archive = REPO / "docs" / "study_v3"
  for name in ("results.csv", "snapshots.csv", "floor.json", "budget.json", "design.json", "tuning/tuning.md"):
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(archive / name, tmp_path / name)
  proc = _sweep(f"--sweep_dir={tmp_path}", "--report_only", timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert (tmp_path / "summary.md").read_text() == (archive / "summary.md").read_text()
  assert "## Tuning (stage 1)" in (tmp_path / "summary.md").read_text()
