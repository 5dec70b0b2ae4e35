"""The variant table against hand-computed intervals; grids and curves are written."""

import json
import math

import numpy as np

from gan_lab.files import atomic_io
from gan_lab.study import variant_report

T_975_DF2 = 4.302652729911275  # Student's t table, two-sided 95%, 2 degrees of freedom.


def test_table_gives_mean_and_t_interval_per_variant_and_counts_failures():
  rows = [{"variant": "a", "failed": False, "fcd": v} for v in (10.0, 12.0, 14.0)]
  rows += [{"variant": "b", "failed": False, "fcd": 30.0}, {"variant": "b", "failed": True},
           {"variant": "c", "failed": False, "fcd": math.nan}]
  lines = variant_report.summary_table(rows, [("fcd", "FCD")], ["a", "b", "c"])
  assert lines[0] == "| variant | runs ok | failed | FCD |"
  half = T_975_DF2 * 2.0 / math.sqrt(3)  # std (ddof 1) of 10, 12, 14 is 2.
  assert lines[2] == f"| a | 3 | 0 | 12 ± {half:.2g} |"
  assert lines[3] == "| b | 1 | 1 | 30 |" and lines[4] == "| c | 1 | 0 | n/a |"


def test_grids_and_curves_are_pngs(tmp_path):
  rng = np.random.default_rng(0)
  grid = tmp_path / "grid_samples.npz"
  atomic_io.write_npz(grid, samples=rng.uniform(size=(4, 8, 8, 1)).astype(np.float32),
                      data_range=np.array([0.0, 1.0], np.float32), image_range=np.array([0.0, 1.0], np.float32))
  metrics = tmp_path / "metrics.jsonl"
  metrics.write_text("".join(json.dumps({"step": s, "d_loss": 1.0 / s, "g_loss": s / 10}) + "\n" for s in (1, 2, 3)))
  variant_report.save_grids(tmp_path / "grids.png", {"a": grid, "b": None}, "title")
  variant_report.save_loss_curves(tmp_path / "curves.png", {"a": [metrics, metrics], "b": []})
  for name in ("grids.png", "curves.png"):
    assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
