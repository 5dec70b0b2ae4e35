"""The study's figures from hand-made run folders: ranks by step, when the order settles, PNGs written."""

import pytest

from gan_lab.study import report, report_figures, sweep
from gan_lab.study.design import Cell
from test_report import fake_run


@pytest.fixture
def specs(tmp_path):
  """sigmoid starts best and falls behind tanh at step 30; linear is last throughout; one linear run failed."""
  curves = {"sigmoid": [(10, 5.0), (20, 6.0), (30, 9.0), (40, 9.5)],
            "tanh": [(10, 8.0), (20, 7.0), (30, 4.0), (40, 3.0)],
            "linear": [(10, 20.0), (20, 19.0), (30, 18.0), (40, 17.0)]}
  cells = [Cell("dcgan", "hinge", a) for a in curves] + [Cell("dcgan", "hinge", "tanh", 0.05)]
  specs = sweep.plan(tmp_path, cells, lambda cell: range(2), lambda cell: [])
  for spec in specs:
    curve = [(s, f + spec.seed) for s, f in curves[spec.cell.activation]]
    fake_run(spec, fcd=curve[-1][1], curve=curve, failed=spec.cell.activation == "linear" and spec.seed == 1)
  return specs


def test_ranks_follow_the_geometric_mean_snapshot_fcd_and_leave_margin_variants_out(specs):
  (block, (steps, ranks)), = report_figures.rank_curves(report.snapshot_rows(specs)).items()
  assert block == ("dcgan", "hinge") and steps == [10, 20, 30, 40]
  assert ranks == {"sigmoid": [1, 1, 2, 2], "tanh": [2, 2, 1, 1], "linear": [3, 3, 3, 3]}
  assert report_figures.order_spans(steps, ranks) == [(10, 20, ["sigmoid", "tanh", "linear"]),
                                                      (30, 40, ["tanh", "sigmoid", "linear"])]


def test_ranks_use_the_geometric_mean_so_one_collapsed_seed_does_not_decide_them():
  fcds = {"tanh": [10.0, 1000.0], "sigmoid": [120.0, 120.0]}  # Arithmetic means 505 vs 120; geometric 100 vs 120.
  snapshots = [{"run": f"{a}/{seed}", "model": "mlp", "loss": "hinge", "output_activation": a, "data_margin": 0.0,
                "seed": seed, "step": 10, "fcd": fcd} for a, values in fcds.items() for seed, fcd in enumerate(values)]
  (_, (_, ranks)), = report_figures.rank_curves(snapshots).items()
  assert ranks == {"tanh": [1.0], "sigmoid": [2.0]}


def test_order_spans_edge_cases():
  assert report_figures.order_spans([], {}) == []
  assert report_figures.order_spans([5, 10], {"a": [1, 1], "b": [2, 2]}) == [(5, 10, ["a", "b"])]
  assert report_figures.order_spans([5, 10, 15], {"a": [1, 2, 1], "b": [2, 1, 2]}) == [
      (5, 5, ["a", "b"]), (10, 10, ["b", "a"]), (15, 15, ["a", "b"])]


def test_figures_are_written(specs, tmp_path):
  snapshots = report.snapshot_rows(specs)
  for name, draw in (("grids.png", lambda p: report_figures.save_grids(p, specs)),
                     ("curves.png", lambda p: report_figures.save_curves(p, snapshots, curve_floor=1.0)),
                     ("ranks.png", lambda p: report_figures.save_ranks(p, snapshots)),
                     ("seeds.png", lambda p: report_figures.save_seeds(p, [report.run_row(s) for s in specs], 2))):
    draw(tmp_path / name)
    assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
