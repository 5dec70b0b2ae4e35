"""Per-seed evidence and the pooled answer, on rows built by hand."""

import math

import numpy as np

from gan_lab.study import evidence, results_csv, statistics


def _row(activation, loss, seed, fcd, classes=10, failed=False, model="mlp", margin=0.0):
  return {"model": model, "loss": loss, "output_activation": activation, "data_margin": margin, "seed": seed,
          "fcd": fcd, "classes_covered": classes, "failed": failed}


def test_seed_lines_show_every_seed_the_median_a_positive_interval_and_collapses():
  rows = [_row("hard_sigmoid", "hinge", 0, 436.0), _row("hard_sigmoid", "hinge", 1, 438.0),
          _row("hard_sigmoid", "hinge", 2, 1541.0, classes=1), _row("hard_sigmoid", "hinge", 3, None, failed=True)]
  line = evidence.seed_lines({"hard_sigmoid": rows})[2]
  geo, lo, hi = statistics.log_t_interval([436.0, 438.0, 1541.0])
  assert line == f"| hard_sigmoid | 0: 436, 1: 438, 2: 1541 | 438 | {geo:.4g} [{lo:.4g}, {hi:.4g}] | 1 of 3 |"
  assert lo > 0


def test_pooled_lines_find_an_activation_effect_and_no_interaction_when_the_order_is_the_same_in_every_loss():
  rng = np.random.default_rng(1)
  rows = [_row(a, l, s, math.exp(base + shift + rng.normal(0, 0.05)))
          for a, base in (("tanh", 5.0), ("sigmoid", 5.5), ("linear", 6.0))
          for l, shift in (("hinge", 0.0), ("least_squares", 0.3)) for s in range(3)]
  rows.append(_row("tanh", "hinge", 0, 1.0, model="dcgan"))  # Another model's runs are not pooled in.
  text = "\n".join(evidence.pooled_lines(rows, "mlp"))
  assert "activation: F(2, 12) = " in text and "activation x loss" in text
  p_activation = float(text.split("activation: F(2, 12) = ")[1].split("p = ")[1].split("\n")[0])
  p_interaction = float(text.split("loss?): F(2, 12) = ")[1].split("p = ")[1].split("\n")[0])
  assert p_activation < 1e-6 and p_interaction > 0.01
  order = text.rsplit("over all losses and seeds: ", 1)[1]
  assert [part.split(" (")[0] for part in order.split(" < ")] == ["tanh", "sigmoid", "linear"]


def test_pooled_lines_wait_for_two_seeds_in_every_cell():
  rows = [_row("tanh", "hinge", 0, 10.0), _row("tanh", "hinge", 1, 11.0), _row("sigmoid", "hinge", 0, 12.0)]
  assert evidence.pooled_lines(rows, "mlp") == [
      "Not every mlp activation · loss cell has 2 finished seeds yet: no pooled test."]


def test_rows_read_back_from_a_results_csv_give_the_same_tables(tmp_path):
  rows = [_row("tanh", "hinge", s, 10.0 + s, classes=9 - s) for s in range(3)] + [
      _row("tanh", "hinge", 3, None, failed=True)]
  results_csv.write(tmp_path / "results.csv", rows)
  back = results_csv.read(tmp_path / "results.csv")
  assert evidence.seed_lines({"tanh": back}) == evidence.seed_lines({"tanh": rows})
  assert back[0]["seed"] == 0 and back[3]["failed"] is True and back[3]["fcd"] is None
