"""The sweep report from hand-made run folders: rows, mean ± std, failures, figures."""

import csv
import json

import numpy as np
import pytest

from gan_lab import report, sweep


def _fake_run(spec, fcd=None, failed=False):
  spec.run_dir.mkdir(parents=True)
  (spec.run_dir / "flags.json").write_text(json.dumps({"model": "dcgan", "seed": spec.seed, "train_steps": 20}))
  if failed:
    (spec.run_dir / "status.json").write_text(json.dumps({"status": "failed", "reason": "diverged: nan"}))
    return
  (spec.run_dir / "status.json").write_text(json.dumps({"status": "ok", "reason": "", "wall_seconds": 3.0}))
  final = {"fcd": fcd, "kid": fcd / 10, "kid_se": 0.1, "classifier_score": 5.0, "classifier_score_std": 0.1,
           "precision": 0.5, "recall": 0.4, "classes_covered": 10, "class_entropy_bits": 3.2}
  curve = [{"step": 10, "fcd": 2 * fcd, "kid": 1.0}, {"step": 20, "fcd": fcd, "kid": 0.5}]
  (spec.run_dir / "scores.json").write_text(json.dumps({"final": final, "curve": curve}))
  metrics = [{"step": s, "d_loss": 1.0, "g_loss": 1.0, "saturated_fraction": 0.1 * s / 10,
              "out_of_range_fraction": 0.0, "preact_grad_norm": 0.5} for s in (10, 20)]
  (spec.run_dir / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metrics))
  samples = np.random.default_rng(spec.seed).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
  np.savez(spec.run_dir / "grid_samples.npz", samples=samples, value_range=np.array([-1.0, 1.0]))


@pytest.fixture
def specs(tmp_path):
  specs = sweep.plan(tmp_path, ["hinge"], ["tanh", "linear"], range(3), [])
  for spec in specs:
    if spec.activation == "tanh":
      _fake_run(spec, fcd=10.0 + spec.seed)
    else:
      _fake_run(spec, fcd=30.0, failed=spec.seed == 2)
  return specs


def test_rows_carry_config_scores_and_failures(specs, tmp_path):
  rows = [report.run_row(s) for s in specs]
  assert rows[0]["model"] == "dcgan" and rows[0]["fcd"] == 10.0 and rows[0]["saturated_fraction"] == 0.2
  assert rows[-1]["failed"] and rows[-1]["failure_reason"] == "diverged: nan" and "fcd" not in rows[-1]
  report.write_results_csv(tmp_path / "results.csv", rows)
  with open(tmp_path / "results.csv") as f:
    read = list(csv.DictReader(f))
  assert len(read) == 6 and read[1]["fcd"] == "11.0" and read[5]["failed"] == "True"


def test_summary_means_over_seeds_counts_failures_and_shows_floor(specs):
  rows = [report.run_row(s) for s in specs]
  text = report.summary_markdown(rows, {"fcd": 0.5, "recall": 0.9}, budget="20 steps")
  tanh = next(l for l in text.splitlines() if l.startswith("| hinge | tanh"))
  assert f"| 3 | 0 | 11 ± {np.std([10, 11, 12]):.2g} |" in tanh
  linear = next(l for l in text.splitlines() if l.startswith("| hinge | linear"))
  assert "| 2 | 1 | 30 ± 0 |" in linear
  assert "| real test vs real train | (floor) |  |  | 0.5 |" in text
  assert "hinge/linear/seed 2: diverged: nan" in text and "20 steps" in text


def test_figures_are_written(specs, tmp_path):
  report.save_grids(tmp_path / "grids.png", specs, ["hinge"], ["tanh", "linear"], seed=0)
  report.save_curves(tmp_path / "curves.png", specs, ["hinge"], ["tanh", "linear"], curve_floor=1.0)
  assert (tmp_path / "grids.png").stat().st_size > 5000 and (tmp_path / "curves.png").stat().st_size > 5000


def test_series_keeps_steps_every_run_has(specs):
  steps, values = report._series([s for s in specs if s.activation == "tanh"], "fcd")
  assert steps == [10, 20] and values == [[20.0, 10.0], [22.0, 11.0], [24.0, 12.0]]
