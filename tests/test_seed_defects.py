"""experiments/seed_defects.py end to end: every variant trains through train.py, and the report is written."""

import csv
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "seed_defects.py"


def test_every_variant_runs_and_the_report_is_written(tmp_path, tiny_evaluator):
  _, cache = tiny_evaluator
  args = [sys.executable, str(SCRIPT), f"--output_dir={tmp_path}", f"--evaluator_dir={cache}", "--seeds=1",
          "--train_steps=10", "--batch_size=16", "--num_samples=200", "--classifier_epochs=0", "--parallel=2"]
  proc = subprocess.run(args, capture_output=True, text=True, timeout=900)
  assert proc.returncode == 0, proc.stderr[-3000:]
  with open(tmp_path / "results.csv") as f:
    rows = list(csv.DictReader(f))
  assert [r["variant"] for r in rows] == ["corrected", "double_sigmoid", "noise_shift", "fakes_labelled_real",
                                          "updates_swapped", "data_in_pm1", "data_in_0_255"]
  assert all(r["failed"] == "False" and r["plugins"] == "experiments.seed_defect_plugins" for r in rows)
  assert all(0.0 <= float(r["d_accuracy_real"]) <= 1.0 and float(r["fcd"]) > 0 for r in rows)
  summary = (tmp_path / "summary.md").read_text()
  assert sum(line.split("|")[2:4] == [" 1 ", " 0 "] for line in summary.splitlines()) == 7 and "- **updates_swapped** (004):" in summary
  for name in ("grids.png", "curves.png"):
    assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  logs = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("train.log")}
  again = subprocess.run(args, capture_output=True, text=True, timeout=600)
  assert again.returncode == 0, again.stderr[-3000:]
  assert logs == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("train.log")}  # Nothing retrained.
  other = subprocess.run([*args, "--train_steps=11"], capture_output=True, text=True, timeout=120)
  assert other.returncode == 1 and "holds runs made with --train_steps=10" in other.stderr


def test_an_unknown_variant_is_a_flag_error(tmp_path):
  proc = subprocess.run([sys.executable, str(SCRIPT), f"--output_dir={tmp_path}", "--variants=corrected,nope"],
                        capture_output=True, text=True, timeout=120)
  assert proc.returncode == 1 and "--variants: unknown nope" in proc.stderr and "Traceback" not in proc.stderr
