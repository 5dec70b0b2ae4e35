"""The study's CSVs read back as they were written: the committed files must carry the same rows."""

import math

from gan_lab.study import results_csv


def test_rows_come_back_with_their_types(tmp_path):
  rows = [{"run": "mlp/hinge/tanh/margin_0/seed_0", "seed": 0, "data_margin": 0.05, "failed": False, "fcd": 10.25,
           "kid": float("nan"), "dataset": "fashion_mnist"},
          {"run": "mlp/hinge/tanh/margin_0/seed_1", "seed": 1, "data_margin": 0.0, "failed": True,
           "failure_reason": "diverged: nan"}]
  results_csv.write(tmp_path / "results.csv", rows)
  back = results_csv.read(tmp_path / "results.csv")
  assert back[0]["seed"] == 0 and isinstance(back[0]["seed"], int) and back[0]["fcd"] == 10.25
  assert back[0]["failed"] is False and back[1]["failed"] is True and back[0]["data_margin"] == 0.05
  assert math.isnan(back[0]["kid"]) and back[0]["failure_reason"] is None and back[1]["fcd"] is None
  assert back[1]["failure_reason"] == "diverged: nan" and back[0]["dataset"] == "fashion_mnist"
  assert list(back[0]) == ["run", "seed", "data_margin", "failed", "fcd", "kid", "dataset", "failure_reason"]


def test_cells_are_typed_in_order_of_strictness():
  assert [results_csv.typed(t) for t in ("", "True", "7", "-7", "1e-4", "0.5", "tanh", "1/2")] == [
      None, True, 7, -7, 1e-4, 0.5, "tanh", "1/2"]


def test_merge_writes_every_row_of_every_source_with_every_column(tmp_path):
  results_csv.write(tmp_path / "base.csv", [{"run": "a", "train_steps": 5000, "fcd": 90.5}])
  results_csv.write(tmp_path / "arm.csv", [{"run": "a", "train_steps": 25000, "fcd": 40.25, "kid": 3.0},
                                           {"run": "b", "train_steps": 25000, "fcd": 50.0, "kid": 4.0}])
  results_csv.merge(tmp_path / "all.csv", [tmp_path / "base.csv", tmp_path / "arm.csv"])
  assert results_csv.read(tmp_path / "all.csv") == [
      {"run": "a", "train_steps": 5000, "fcd": 90.5, "kid": None},
      {"run": "a", "train_steps": 25000, "fcd": 40.25, "kid": 3.0},
      {"run": "b", "train_steps": 25000, "fcd": 50.0, "kid": 4.0}]
