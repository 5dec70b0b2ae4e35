"""experiments/compare_ema.py end to end: two tiny EMA runs scored into a paired table."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY = ["--max_examples=256", "--batch_size=32", "--train_steps=20", "--log_every=10", "--sample_every=20",
        "--checkpoint_every=20", "--num_samples=200", "--grid_size=2", "--g_ema_decay=0.9"]


def _python(script, *args, timeout=300):
  return subprocess.run([sys.executable, str(REPO / "experiments" / script), *args], capture_output=True, text=True,
                        timeout=timeout)


def test_paired_table_of_ema_and_raw_samples(tmp_path, tiny_evaluator):
  _, cache = tiny_evaluator
  runs = []
  for seed in (0, 1):
    run = tmp_path / f"seed_{seed}"
    proc = _python("train.py", *TINY, f"--seed={seed}", f"--output_dir={run}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs.append(str(run))
  proc = _python("compare_ema.py", f"--run_dirs={','.join(runs)}", f"--evaluator_dir={cache}",
                 f"--output_dir={tmp_path}", "--reference_size=1000")
  assert proc.returncode == 0, proc.stderr[-3000:]
  rows = json.loads((tmp_path / "comparison.json").read_text())
  assert sorted((r["seed"], r["samples"]) for r in rows) == [(0, "ema"), (0, "raw"), (1, "ema"), (1, "raw")]
  table = (tmp_path / "comparison.md").read_text()
  assert "| metric | ema | raw | ema - raw (paired, 95% CI) | p (paired t) |" in table
  assert len([l for l in table.splitlines() if l.startswith("| ")]) == 2 + 5  # Header, rule, one row per metric.
  assert "2 seeds (0, 1)" in table


def test_runs_without_raw_samples_are_refused(tmp_path):
  proc = _python("compare_ema.py", f"--run_dirs={tmp_path}")
  assert proc.returncode == 1 and "expected finished runs with samples_raw.npz" in proc.stderr
  assert "Traceback" not in proc.stderr
