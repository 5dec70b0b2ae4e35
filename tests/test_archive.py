"""A study's ended runs archived small and restored elsewhere: the report reads the same rows from either."""

import json

import numpy as np

from gan_lab.run import run_lock
from gan_lab.study import archive, report, sweep
from gan_lab.study.design import Cell
from test_report import fake_run


def _study(folder):
  """tanh (seeds 0, 1) and linear (seed 0 failed) finished; sigmoid seed 0 finished but not scored yet."""
  cells = [Cell("mlp", "hinge", a) for a in ("tanh", "linear", "sigmoid")]
  specs = sweep.plan(folder, cells, lambda cell: range(2) if cell.activation == "tanh" else range(1), lambda c: [])
  for spec in specs:
    fake_run(spec, fcd=10.0 + spec.seed, curve=[(10, 30.0), (20, 20.0)], failed=spec.cell.activation == "linear")
  with open(specs[0].run_dir / "metrics.jsonl", "a") as f:  # Step 15: not scored, not needed; 25: the last line.
    for step in (15, 25):
      f.write(json.dumps({"step": step, "d_loss": 2.0, "g_loss": 1.0, "saturated_fraction": step / 100,
                          "out_of_range_fraction": 0.0, "preact_grad_norm": 0.5}) + "\n")
  unscored = next(s for s in specs if s.cell.activation == "sigmoid")
  (unscored.run_dir / "scores.json").unlink()
  (folder / "budget.json").write_text('{"mlp": {"train_steps": 20}}')
  return specs


def test_export_keeps_what_the_report_reads(tmp_path):
  specs = _study(tmp_path / "study")
  assert archive.export(tmp_path / "study", tmp_path / "archive") == 3  # The unscored run waits for its scores.
  tanh0 = tmp_path / "archive" / "runs" / "mlp/hinge/tanh/margin_0/seed_0"
  assert sorted(p.name for p in tanh0.iterdir()) == ["flags.json", "grid_samples.npz", "metrics.jsonl", "scores.json",
                                                     "status.json"]
  assert [json.loads(l)["step"] for l in (tanh0 / "metrics.jsonl").read_text().splitlines()] == [10, 20, 25]
  np.testing.assert_array_equal(np.load(tanh0 / "grid_samples.npz")["samples"],
                                np.load(specs[0].run_dir / "grid_samples.npz")["samples"])
  assert not (tanh0.parent / "seed_1" / "grid_samples.npz").exists()  # grids.png shows seed 0 only.
  assert (tmp_path / "archive" / "runs/mlp/hinge/linear/margin_0/seed_0/status.json").is_file()
  assert not (tmp_path / "archive" / "runs/mlp/hinge/sigmoid").exists()
  assert (tmp_path / "archive" / "budget.json").is_file()


def test_restored_runs_give_the_report_the_same_rows(tmp_path):
  specs = _study(tmp_path / "study")
  archive.export(tmp_path / "study", tmp_path / "archive")
  assert archive.restore(tmp_path / "archive", tmp_path / "elsewhere") == 3
  moved = sweep.plan(tmp_path / "elsewhere", [s.cell for s in specs], lambda cell: range(2), lambda c: [])
  by_label = {s.label: s for s in moved}
  for spec in (s for s in specs if s.cell.activation != "sigmoid"):  # The three archived runs.
    there = by_label[spec.label]
    assert there.ended() and report.run_row(there) == report.run_row(spec)
    assert report.snapshot_rows([there]) == report.snapshot_rows([spec])
  assert (tmp_path / "elsewhere" / "budget.json").read_text() == (tmp_path / "study" / "budget.json").read_text()


def test_restore_leaves_ended_and_busy_runs_and_replaces_unfinished_ones(tmp_path):
  _study(tmp_path / "study")
  archive.export(tmp_path / "study", tmp_path / "archive")
  here = tmp_path / "here" / "runs" / "mlp/hinge"
  (here / "tanh/margin_0/seed_0").mkdir(parents=True)
  (here / "tanh/margin_0/seed_0/status.json").write_text('{"status": "ok", "wall_seconds": 1.0}')  # Ended here.
  (here / "tanh/margin_0/seed_1").mkdir(parents=True)
  (here / "tanh/margin_0/seed_1/status.json").write_text('{"status": "interrupted"}')  # Resumable, busy.
  (here / "linear/margin_0/seed_0").mkdir(parents=True)
  (here / "linear/margin_0/seed_0/metrics.jsonl").write_text("")  # Started, never ended, idle.
  messages = []
  with run_lock.claim(here / "tanh/margin_0/seed_1"):
    assert archive.restore(tmp_path / "archive", tmp_path / "here", log=messages.append) == 1
  assert json.loads((here / "tanh/margin_0/seed_0/status.json").read_text())["wall_seconds"] == 1.0
  assert json.loads((here / "tanh/margin_0/seed_1/status.json").read_text())["status"] == "interrupted"
  assert len(messages) == 1 and "is in use by" in messages[0]
  assert (here / "linear/margin_0/seed_0/status.json").is_file() and not list(here.rglob("*.restoring"))


def test_a_sweep_over_one_model_keeps_the_archive_s_other_budgets(tmp_path):
  # docs/study_v3 ran as --models=mlp, then --models=dcgan into one folder: the second pinned only dcgan's budget.
  _study(tmp_path / "study")
  archive.export(tmp_path / "study", tmp_path / "archive")
  (tmp_path / "elsewhere").mkdir()
  (tmp_path / "elsewhere" / "budget.json").write_text('{"dcgan": {"train_steps": 50}}')
  archive.restore(tmp_path / "archive", tmp_path / "elsewhere")
  archive.export(tmp_path / "elsewhere", tmp_path / "archive")
  assert json.loads((tmp_path / "archive" / "budget.json").read_text()) == {
      "dcgan": {"train_steps": 50}, "mlp": {"train_steps": 20}}
