"""The study report from hand-made run folders: rows, intervals, tests, rankings, the margin control."""

import csv
import json
import math
import shutil

import numpy as np
import pytest
from scipy import stats

from gan_lab.study import report, results_csv, statistics, sweep
from gan_lab.study.design import Cell


def fake_run(spec, fcd=None, failed=False, curve=None):
  """A finished (or failed) run folder as train.py and the sweep's scoring leave it."""
  spec.run_dir.mkdir(parents=True)
  (spec.run_dir / "flags.json").write_text(json.dumps({"model": spec.cell.model, "seed": spec.seed,
                                                       "train_steps": 20, "snapshot_samples": 1000}))
  if failed:
    (spec.run_dir / "status.json").write_text(json.dumps({"status": "failed", "reason": "diverged: nan"}))
    return
  (spec.run_dir / "status.json").write_text(json.dumps({"status": "ok", "reason": "", "wall_seconds": 3.0}))
  final = {"fcd": fcd, "kid": fcd / 10, "kid_se": 0.1, "classifier_score": 5.0, "classifier_score_std": 0.1,
           "precision": 0.5, "recall": 0.4, "classes_covered": 10, "class_entropy_bits": 3.2}
  curve = curve or [(10, 2 * fcd), (20, fcd)]
  (spec.run_dir / "scores.json").write_text(json.dumps({"final": final, "curve": [
      {"step": s, "fcd": f, "kid": 1.0} for s, f in curve]}))
  metrics = [{"step": s, "d_loss": 1.0, "g_loss": 1.0, "saturated_fraction": 0.1 * s / 10,
              "out_of_range_fraction": 0.0, "preact_grad_norm": 0.5} for s, _ in curve]
  (spec.run_dir / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metrics))
  samples = np.random.default_rng(spec.seed).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
  np.savez(spec.run_dir / "grid_samples.npz", samples=samples, data_range=np.array([-1.0, 1.0]),
           image_range=np.array([-1.0, 1.0]))


TANH_FCD = [10.0, 11.0, 12.0]


@pytest.fixture
def specs(tmp_path):
  """hinge/mlp: tanh clearly best, linear with one failed seed, sigmoid between; tanh+margin beside tanh."""
  cells = [Cell("mlp", "hinge", a) for a in ("tanh", "linear", "sigmoid")] + [Cell("mlp", "hinge", "tanh", 0.05)]
  specs = sweep.plan(tmp_path, cells, lambda cell: range(3), lambda cell: [])
  fcds = {"tanh": TANH_FCD, "linear": [30.0, 31.0, None], "sigmoid": [12.5, 10.5, 13.0],
          "tanh+margin0.05": [13.0, 14.0, 15.0]}
  for spec in specs:
    fcd = fcds[spec.cell.variant][spec.seed]
    fake_run(spec, fcd=fcd, failed=fcd is None)
  return specs


def test_rows_carry_config_axes_scores_and_failures(specs, tmp_path):
  rows = [report.run_row(s) for s in specs]
  assert rows[0]["model"] == "mlp" and rows[0]["fcd"] == 10.0 and rows[0]["saturated_fraction"] == 0.2
  assert rows[0]["run"] == "mlp/hinge/tanh/margin_0/seed_0" and rows[-1]["variant"] == "tanh+margin0.05"
  failed = next(r for r in rows if r["run"] == "mlp/hinge/linear/margin_0/seed_2")
  assert failed["failed"] and failed["failure_reason"] == "diverged: nan" and "fcd" not in failed
  results_csv.write(tmp_path / "results.csv", rows)
  with open(tmp_path / "results.csv") as f:
    read = list(csv.DictReader(f))
  assert len(read) == 12 and [r["fcd"] for r in read if r["variant"] == "tanh"] == ["10.0", "11.0", "12.0"]
  assert [r["failed"] for r in read if r["variant"] == "linear"] == ["False", "False", "True"]
  assert {"model", "loss", "output_activation", "data_margin", "seed"} <= set(read[0])


def test_summary_gives_medians_and_ranges_and_counts_failures(specs):
  text = report.summary_markdown([report.run_row(s) for s in specs], {"fcd": 0.5, "recall": 0.9}, budget="20 steps")
  tanh = next(l for l in text.splitlines() if l.startswith("| tanh |"))
  assert tanh.startswith(f"| tanh | 3 | 0 | {np.median(TANH_FCD):.4g} [{min(TANH_FCD):.4g}, {max(TANH_FCD):.4g}] |")
  assert next(l for l in text.splitlines() if l.startswith("| linear |")).startswith("| linear | 2 | 1 | 30.5 [")
  assert "## mlp · hinge" in text and "fcd 0.5, recall 0.9" in text and "20 steps" in text
  assert "- mlp/hinge/linear/margin_0/seed_2: diverged: nan" in text


def test_summary_marks_only_holm_significant_pairs(specs):
  text = report.summary_markdown([report.run_row(s) for s in specs], {}, budget="")
  lines = text.splitlines()
  pair = {l.split(" | ")[0][2:]: l for l in lines if " vs " in l and l.startswith("| ")}
  assert "**tanh better**" in pair["tanh vs linear"] and "**sigmoid better**" in pair["linear vs sigmoid"]
  assert "not distinguishable at this budget" in pair["tanh vs sigmoid"]
  log = lambda values: [math.log(v) for v in values]  # The pairs are tested on log FCD.
  raw = [stats.ttest_ind(log(a), log(b), equal_var=False).pvalue
         for a, b in ((TANH_FCD, [30.0, 31.0]), (TANH_FCD, [12.5, 10.5, 13.0]), ([30.0, 31.0], [12.5, 10.5, 13.0]))]
  expected = statistics.holm(raw)
  assert f"| {raw[0]:.2g} ({expected[0]:.2g}) |" in pair["tanh vs linear"]
  geo = lambda values: math.prod(values) ** (1 / len(values))
  assert (f"Ranking by geometric mean FCD: tanh ({geo(TANH_FCD):.4g}; better than linear) < sigmoid "
          f"({geo([12.5, 10.5, 13.0]):.4g}; better than linear) < linear ({geo([30.0, 31.0]):.4g}).") in text


def test_summary_reports_the_margin_control(specs):
  text = report.summary_markdown([report.run_row(s) for s in specs], {}, budget="")
  ratio = (13.0 * 14.0 * 15.0 / (10.0 * 11.0 * 12.0)) ** (1 / 3)  # Geometric mean over geometric mean.
  assert f"| tanh+margin0.05 vs tanh | {ratio:.3g} |" in text
  assert "Order without the margin: tanh; with it: tanh+margin0.05: the order survives the control" in text


def test_summary_says_when_the_order_settled(specs):
  rows = [report.run_row(s) for s in specs]
  settled = {("mlp", "hinge"): ([10, 20, 30], {"tanh": [2, 1, 1], "sigmoid": [1, 2, 2]})}
  text = report.summary_markdown(rows, {}, "", settled)
  assert "has held since step 20 of 30 (ranks.png). Order by snapshot: step 10: sigmoid < tanh; steps 20-30: " \
         "tanh < sigmoid." in text
  moving = {("mlp", "hinge"): ([10, 20], {"tanh": [1, 2], "sigmoid": [2, 1]})}
  assert "changed at the last snapshot (step 20): not settled" in report.summary_markdown(rows, {}, "", moving)


def test_overview_bolds_the_best_and_marks_only_significantly_worse_cells(specs):
  lines = report.overview_lines([report.run_row(s) for s in specs])
  assert lines[0] == "| model · loss | tanh | linear | sigmoid |"
  logs = np.log(TANH_FCD)  # Geometric mean and t-interval on log FCD, written out.
  half = stats.t.ppf(0.975, 2) * np.std(logs, ddof=1) / math.sqrt(3)
  geo, lo, hi = (math.exp(logs.mean() + k * half) for k in (0, -1, 1))
  cells = lines[2].split(" | ")
  assert cells[0] == "| mlp · hinge" and cells[1] == f"**{geo:.3g} [{lo:.3g}, {hi:.3g}] (3)**"
  assert cells[2].startswith("30.5 [") and cells[2].endswith("(2) †")  # tanh vs linear is significant (pairs test).
  assert cells[3].startswith("11.9 [") and cells[3].endswith("(3) |")  # Not distinguishable from tanh.


def test_overview_cells_count_collapsed_seeds_and_never_reach_below_zero():
  rows = [{"fcd": f, "classes_covered": c, "failed": False} for f, c in ((436.0, 9), (438.0, 8), (1541.0, 1))]
  cell = report.overview_cell(rows)
  assert cell.endswith(" (3; 1 collapsed)")  # A raw t-interval here would read 805 ± 1600.
  lo = float(cell.split("[")[1].split(",")[0])
  assert 0 < lo < 436.0
  assert report.overview_cell(rows[:1]) == "436 (1)" and report.overview_cell(rows[2:]) == "1541 (1; 1 collapsed)"
  two = report.overview_cell([rows[0], rows[2]])  # t with 1 df: an interval end past 1e5 in 3 digits, not 7.
  assert two.startswith("820 [") and two.endswith("e+06] (2; 1 collapsed)")


def test_snapshot_rows_carry_every_scored_snapshot_with_its_diagnostics(specs):
  rows = report.snapshot_rows(specs)
  finished = [s for s in specs if s.succeeded()]
  assert len(rows) == 2 * len(finished)  # Two snapshots per finished run; the failed run has none.
  tanh0 = [r for r in rows if r["run"] == "mlp/hinge/tanh/margin_0/seed_0"]
  assert [(r["step"], r["fcd"], r["saturated_fraction"]) for r in tanh0] == [(10, 20.0, 0.1), (20, 10.0, 0.2)]
  assert {r["data_margin"] for r in rows} == {0.0, 0.05} and {r["output_activation"] for r in rows} == {
      "tanh", "linear", "sigmoid"}


def test_the_report_redrawn_from_its_committed_csvs_alone_is_the_same_report(specs, tmp_path):
  rows, snapshots = [report.run_row(s) for s in specs], report.snapshot_rows(specs)
  floor = {"final": {"fcd": 0.5, "recall": 0.9}, "curve_fcd": 1.5, "evaluator_test_accuracy": 0.9}
  (tmp_path / "budget.json").write_text(json.dumps({"mlp": {"train_steps": 20, "batch_size": 8, "mixed_precision":
                                                            "none", "num_samples": 100}}))
  (tmp_path / "floor.json").write_text(json.dumps(floor))
  results_csv.write(tmp_path / report.RESULTS_CSV, rows)
  results_csv.write(tmp_path / report.SNAPSHOTS_CSV, snapshots)
  report.write_summary(tmp_path, rows, snapshots, floor)
  from_folders = (tmp_path / "summary.md").read_text()
  shutil.rmtree(tmp_path / "runs")
  (tmp_path / "summary.md").unlink()
  assert len(report.report_from_csv(tmp_path)) == len(rows)
  assert (tmp_path / "summary.md").read_text() == from_folders
  assert "has held since step 10 of 20" in from_folders and "Evaluator test accuracy 0.9000" in from_folders
  for name in ("curves.png", "ranks.png", "seeds.png"):
    assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_study_family_corrects_every_pair_of_every_row_at_once():
  fcds = {("mlp", "hinge"): {"tanh": [10.0, 11.0, 12.0], "linear": [30.0, 31.0, 33.0]},
          ("dcgan", "hinge"): {"tanh": [5.0, 5.5, 6.0], "sigmoid": [5.2, 6.1, 5.9], "linear": [9.0, 9.5, 9.9]}}
  rows = [{"model": m, "loss": l, "output_activation": a, "data_margin": 0.0, "failed": False, "fcd": f, "seed": s}
          for (m, l), cells in fcds.items() for a, values in cells.items() for s, f in enumerate(values)]
  lines = report.study_family_lines(rows)
  one_seed = [{**r, "model": r["model"] + "_seed0"} for r in rows if r["seed"] == 0]  # Untestable pairs are left out, not listed.
  assert report.study_family_lines(one_seed) == [] and len(report.study_family_lines(rows + one_seed)) == len(lines)
  table = [l for l in lines if l.startswith("| mlp") or l.startswith("| dcgan")]
  assert len(table) == 1 + 3  # One pair in the first row, three in the second.
  raw = [stats.ttest_ind(np.log(fcds[(m, "hinge")][a]), np.log(fcds[(m, "hinge")][b]), equal_var=False).pvalue
         for m, a, b in (("mlp", "tanh", "linear"), ("dcgan", "tanh", "sigmoid"), ("dcgan", "tanh", "linear"),
                         ("dcgan", "sigmoid", "linear"))]
  order = np.argsort(raw)  # Holm written out: the i-th smallest times (m - i), then a running maximum.
  adjusted, running = [0.0] * 4, 0.0
  for rank, i in enumerate(order):
    running = max(running, min(1.0, (4 - rank) * raw[i]))
    adjusted[i] = running
  for line, p in zip(table, adjusted):
    assert line.split(" | ")[4].strip("*") == f"{p:.2g}", line
  assert lines[0].startswith(f"All 4 testable activation pairs (no margin variants; 2 or more seeds a side) as one "
                             "family. Below 0.05 after Holm's correction over all of them: Welch p in "
                             f"{sum(p < 0.05 for p in adjusted)}, exact permutation p in 0.")


def test_a_cell_whose_runs_trained_in_two_precisions_is_called_out():
  base = {"model": "dcgan", "loss": "hinge", "output_activation": "tanh", "data_margin": 0.0}
  rows = [{**base, "mixed_precision": "mixed_bfloat16"}, {**base, "mixed_precision": "none"},
          {**base, "loss": "least_squares", "mixed_precision": "none"}]
  lines = report.precision_lines(rows)
  assert "**Warning: runs of one cell trained in different precisions**" in lines[1]
  assert lines[-1] == "- dcgan · hinge: 1 in mixed_bfloat16, 1 in none"
  assert report.precision_lines(rows[1:]) == []
