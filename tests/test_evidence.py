"""Per-seed evidence and the pooled answer, on rows built by hand."""

import math

import numpy as np
import pytest
from scipy import stats

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
  order = text.split("over all losses and seeds: ", 1)[1].split(".\n")[0]
  assert [part.split(" (")[0] for part in order.split(" < ")] == ["tanh", "sigmoid", "linear"]


def test_pooled_pairs_average_per_loss_log_ratios_and_shuffle_within_losses():
  # linear is e^0.5 above sigmoid in hinge and e^1.0 above in least_squares: pooled ratio e^0.75.
  # least_squares sits e^3 above hinge, so a test shuffling across losses would see mostly the loss.
  fcd = {("sigmoid", "hinge"): [100.0, 101.0, 99.0], ("linear", "hinge"): [100.0 * math.e ** 0.5] * 3,
         ("sigmoid", "least_squares"): [100.0 * math.e ** 3] * 3,
         ("linear", "least_squares"): [100.0 * math.e ** 4, 101.0 * math.e ** 4, 99.0 * math.e ** 4]}
  cells = {key: [math.log(v) for v in values] for key, values in fcd.items()}
  lines = evidence.pooled_pair_lines(cells, ["linear", "sigmoid"], ["hinge", "least_squares"])
  ratio = math.exp(np.mean([np.mean(cells[("linear", l)]) - np.mean(cells[("sigmoid", l)])
                            for l in ("hinge", "least_squares")]))
  assert ratio == pytest.approx(math.e ** 0.75, rel=1e-4)
  blocks = [(cells[("linear", l)], cells[("sigmoid", l)]) for l in ("hinge", "least_squares")]
  p = statistics.stratified_permutation_p(blocks)
  assert p == pytest.approx(2 / 400)  # 20 x 20 splits; only the observed one and its mirror are as extreme.
  assert lines[-1] == f"| linear vs sigmoid | {ratio:.3g} | {p:.2g} | {p:.2g} | **sigmoid better** |"


def test_pooled_lines_wait_for_two_seeds_in_every_cell():
  rows = [_row("tanh", "hinge", 0, 10.0), _row("tanh", "hinge", 1, 11.0), _row("sigmoid", "hinge", 0, 12.0)]
  assert evidence.pooled_lines(rows + [_row("sigmoid", "least_squares", 0, 12.0)], "mlp") == [
      "Not every mlp activation · loss cell has 2 finished seeds yet: no pooled test."]
  assert evidence.pooled_lines(rows, "mlp") == [  # One loss, e.g. the 25000-step arm's sweep.
      "The mlp runs here span 2 activations and 1 loss: nothing to pool over."]


def test_rows_read_back_from_a_results_csv_give_the_same_tables(tmp_path):
  rows = [_row("tanh", "hinge", s, 10.0 + s, classes=9 - s) for s in range(3)] + [
      _row("tanh", "hinge", 3, None, failed=True)]
  results_csv.write(tmp_path / "results.csv", rows)
  back = results_csv.read(tmp_path / "results.csv")
  assert evidence.seed_lines({"tanh": back}) == evidence.seed_lines({"tanh": rows})
  assert back[0]["seed"] == 0 and back[3]["failed"] is True and back[3]["fcd"] is None


def _snapshot(activation, seed, step, fcd, margin=0.0):
  return {"run": f"dcgan/non_saturating/{activation}/{margin}/seed_{seed}", "model": "dcgan", "loss": "non_saturating",
          "output_activation": activation, "data_margin": margin, "seed": seed, "step": step, "fcd": fcd}


def test_budget_lines_give_both_orders_and_test_whether_activations_improve_alike():
  # tanh falls 2x from step 5 to 25, sigmoid 4x: sigmoid overtakes tanh; linear falls 2x and stays last.
  falls = {"tanh": (100.0, [2.0, 2.1, 1.9]), "sigmoid": (150.0, [4.0, 4.2, 3.9]), "linear": (300.0, [2.0, 2.2, 2.1])}
  snapshots = [_snapshot(a, s, step, start * (1 + 0.01 * s) / (fall[s] if step == 25 else 1.0))
               for a, (start, fall) in falls.items() for s in range(3) for step in (5, 15, 25)]
  snapshots.append(_snapshot("tanh", 0, 25, 1.0, margin=0.05))  # Margin variants are left out.
  lines = evidence.budget_lines(snapshots, 5, 25)
  assert lines[0].startswith("| model · loss | order at step 5 | order at step 25 |")
  cells = [c.strip() for c in lines[2].strip("|").split("|")]
  assert cells[:3] == ["dcgan · non_saturating", "tanh < sigmoid < linear", "sigmoid < tanh < linear"]
  late = {a: [math.log(r["fcd"]) for r in snapshots if r["step"] == 25 and r["output_activation"] == a
              and not r["data_margin"]] for a in falls}
  welch = sorted(stats.ttest_ind(late[a], late[b], equal_var=False).pvalue
                 for a, b in (("tanh", "sigmoid"), ("tanh", "linear"), ("sigmoid", "linear")))
  swapped = stats.ttest_ind(late["tanh"], late["sigmoid"], equal_var=False).pvalue
  rank = welch.index(swapped)  # Holm over 3 pairs, written out: max over the smaller p's of (3 - j) p_(j).
  holm = min(1.0, max((3 - j) * welch[j] for j in range(rank + 1)))
  assert cells[3] == f"sigmoid < tanh (p = {holm:.2g})"  # Only the pair that changed order.
  logs = {step: {a: [math.log(r["fcd"]) for r in snapshots if r["step"] == step and r["output_activation"] == a
                     and not r["data_margin"]] for a in falls} for step in (5, 25)}
  holm_all = lambda p: [min(1.0, max((3 - j) * sorted(p)[j] for j in range(sorted(p).index(q) + 1))) for q in p]
  pairs = (("tanh", "sigmoid"), ("tanh", "linear"), ("sigmoid", "linear"))
  apart = {step: [(a, b) for (a, b), q in zip(pairs, holm_all([stats.ttest_ind(logs[step][a], logs[step][b],
                                                                                equal_var=False).pvalue
                                                               for a, b in pairs])) if q < 0.05] for step in (5, 25)}
  closed = sorted(set(apart[5]) - set(apart[25]))
  assert cells[4] == f"{len(apart[5])} of 3 / {len(apart[25])} of 3" + (
      "; apart at 5 only: " + ", ".join(f"{a} and {b}" for a, b in closed) if closed else "")
  changes = {a: np.log(1 / np.array(fall)) for a, (_, fall) in falls.items()}
  assert cells[5].startswith(f"tanh {math.exp(changes['tanh'].mean()):.3g}, sigmoid ")
  grand = np.concatenate(list(changes.values())).mean()  # One-way ANOVA written out.
  between = sum(len(c) * (c.mean() - grand) ** 2 for c in changes.values())
  within = sum(((c - c.mean()) ** 2).sum() for c in changes.values())
  f = (between / 2) / (within / 6)
  assert cells[6].startswith(f"F(2, 6) = {f:.3g}, p = ") and float(cells[6].split("p = ")[1]) < 1e-4


def test_budget_lines_name_the_gaps_that_close_though_the_order_holds():
  # At step 5 the three are far apart (1% scatter); by step 25 sigmoid has fallen onto tanh, scattered about it.
  falls = {"tanh": (100.0, [2.0, 2.1, 1.9]), "sigmoid": (150.0, [2.9, 3.3, 2.7]), "linear": (300.0, [2.0, 2.2, 2.1])}
  snapshots = [_snapshot(a, s, step, start * (1 + 0.01 * s) / (fall[s] if step == 25 else 1.0))
               for a, (start, fall) in falls.items() for s in range(3) for step in (5, 25)]
  cells = [c.strip() for c in evidence.budget_lines(snapshots, 5, 25)[2].strip("|").split("|")]
  assert cells[1] == cells[2] == "tanh < sigmoid < linear" and cells[3] == "none"
  assert cells[4] == "3 of 3 / 2 of 3; apart at 5 only: tanh and sigmoid"


def test_budget_lines_say_when_one_run_per_activation_cannot_be_tested():
  snapshots = [_snapshot(a, 0, step, fcd) for a, fcd in (("tanh", 10.0), ("sigmoid", 12.0)) for step in (5, 25)]
  assert evidence.budget_lines(snapshots, 5, 25)[2].endswith(
      "| none | n/a (1 run per activation) | tanh 1, sigmoid 1 | n/a (1 run per activation) |")
  snapshots[-1]["fcd"] = 8.0  # sigmoid overtakes tanh at step 25, on one run a side.
  assert "| sigmoid < tanh (p = n/a) |" in evidence.budget_lines(snapshots, 5, 25)[2]


def test_clipping_lines_compare_clipped_and_unclipped_fcd_where_values_leave_the_pixel_range():
  def run(activation, seed, fcd, unclipped, share, margin=0.0):
    return {**_row(activation, "hinge", seed, fcd, margin=margin), "fcd_unclipped": unclipped,
            "clipped_fraction": share}
  rows = [run("linear", 0, 100.0, 80.0, 0.2), run("linear", 1, 400.0, 500.0, 0.3),
          run("tanh", 0, 50.0, 50.0, 0.0),  # Nothing clipped: no row.
          run("tanh", 0, 90.0, 60.0, 0.25, margin=0.05)]
  lines = evidence.clipping_lines(rows)
  assert lines[2] == "| mlp · hinge · linear | 2 | 200 | 200 | 1 of 2 | 20.0%-30.0% |"  # sqrt(100*400), sqrt(80*500).
  assert lines[3] == "| mlp · hinge · tanh+margin0.05 | 1 | 90 | 60 | 1 of 1 | 25.0%-25.0% |"
  assert len(lines) == 4 and evidence.clipping_lines(rows[2:3]) == []
