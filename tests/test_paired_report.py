"""The paired table: rows matched by seed, differences after - before, refusing unpaired rows."""

import json

import pytest

from gan_lab.study import paired_report


class _FakeScorer:
  """Scores a file by the number written in it, so the table's arithmetic can be checked by hand."""

  def score_file(self, path):
    value = float(path.read_text())
    return {m: value for m in paired_report.METRICS}


def _runs(tmp_path, values):
  dirs = []
  for seed, (ema, raw) in enumerate(values):
    run = tmp_path / f"seed_{seed}"
    run.mkdir()
    (run / "flags.json").write_text(json.dumps({"seed": seed}))
    (run / "a.txt").write_text(str(ema))
    (run / "b.txt").write_text(str(raw))
    dirs.append(run)
  return dirs


def test_table_pairs_by_seed(tmp_path):
  rows = paired_report.score_runs(_runs(tmp_path, [(90, 100), (111, 120), (128, 140)]), _FakeScorer(),
                                  {"ema": "a.txt", "raw": "b.txt"})
  assert len(rows) == 6 and {r["samples"] for r in rows} == {"ema", "raw"}
  table = paired_report.markdown_table(rows, after="ema", before="raw", metrics=("fcd",))
  line = next(l for l in table.splitlines() if l.startswith("| FCD"))
  # Means 109.7 and 120; differences -10, -9, -12: mean -10.3.
  assert "| FCD ↓ | 110 ± " in line and "| 120 ± 50 |" in line and "| -10.3 ± " in line
  assert "3 seeds (0, 1, 2)" in table


def test_unpaired_rows_are_refused(tmp_path):
  rows = paired_report.score_runs(_runs(tmp_path, [(1, 2), (3, 4)]), _FakeScorer(), {"ema": "a.txt", "raw": "b.txt"})
  with pytest.raises(ValueError, match="not paired by seed"):
    paired_report.markdown_table(rows[:-1], after="ema", before="raw")
