"""The benchmarks' own arithmetic: the paused clock and the FLOP count."""

import time

import pytest

from benchmarks import contestants
from benchmarks.time_to_quality import Clock, summarise


def test_clock_excludes_paused_time():
  clock = Clock()
  time.sleep(0.05)
  clock.pause()
  paused_at = clock.read()
  time.sleep(0.1)
  assert clock.read() == paused_at  # Frozen while paused.
  clock.resume()
  time.sleep(0.05)
  assert 0.09 < clock.read() < 0.14


def test_flop_count_of_the_tutorial_dcgan_by_hand():
  # Generator: Dense 100->12544; ConvT 5x5 256->128 at 7x7; 128->64 and 64->1, each from the input size.
  g = 2 * (100 * 12544 + 7 * 7 * 25 * 256 * 128 + 7 * 7 * 25 * 128 * 64 + 14 * 14 * 25 * 64 * 1)
  # Discriminator: Conv 5x5 1->64 to 14x14, 64->128 to 7x7, Dense 6272->1.
  d = 2 * (14 * 14 * 25 * 1 * 64 + 7 * 7 * 25 * 64 * 128 + 6272)
  assert contestants.train_flops_per_image("tutorial_dcgan") == 3 * g + 6 * d
  assert 3 * g + 6 * d == pytest.approx(435e6, rel=0.01)


def test_matmul_floor_counts_the_mlp_step_flops():
  """Per image: G forward, forward and backward and weight gradient (3 G_f); D forward and weight
  gradient on a real and a fake image, input gradient on both (6 D_f); less the input gradients of
  D's first layer on the real image and of G's first layer, which no update needs."""
  g, d = [(100, 128), (128, 128), (128, 784)], [(784, 128), (128, 128), (128, 1)]
  shapes = contestants.step_matmul_shapes(g, d, 4)
  g_f, d_f = (2 * sum(i * o for i, o in k) for k in (g, d))
  unneeded = 2 * 784 * 128 + 2 * 100 * 128
  assert sum(2 * m * k * n for m, k, n in shapes) == 4 * (3 * g_f + 6 * d_f - unneeded)
  assert contestants.train_flops_per_image("mlp") == 3 * g_f + 6 * d_f  # The floor's, plus the unneeded.


def test_precision_ops_kernels_fit_every_tutorial_conv_layer():
  """Forward, input- and filter-gradient kernels get shapes that fit each layer (a swapped role would not)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks import conv_kernels, tutorial_baseline  # pylint: disable=g-import-not-at-top
  convs = [l for m in (tutorial_baseline.make_generator_model(), tutorial_baseline.make_discriminator_model())
           for l in m.layers if type(l).__name__ in ("Conv2D", "Conv2DTranspose")]
  assert len(convs) == 5
  for layer in convs:
    for dtype in (tf.float32, tf.bfloat16):
      kernels = conv_kernels.layer_kernels(layer, 2, dtype)
      assert set(kernels) == {"forward", "grad_input", "grad_filter"}
      assert all(np.isfinite(f().numpy()) for f in kernels.values())


def test_time_to_quality_summary_finds_the_first_evaluation_at_the_tutorials_best():
  def curve(*points):
    return [{"step": step, "wall_seconds": seconds, "fcd": fcd} for step, seconds, fcd in points]
  curves = {"tutorial": curve((1, 50.0, 900.0), (2, 100.0, 600.0), (3, 200.0, 650.0)),
            "default": curve((500, 20.0, 700.0), (1000, 40.0, 600.0), (1500, 60.0, 300.0)),
            "slow": curve((500, 30.0, 800.0))}
  summary = summarise(curves)
  assert summary["tutorial"] == {"best_fcd": 600.0, "final_fcd": 650.0, "wall_seconds": 200.0, "steps": 3}
  assert summary["default"]["seconds_to_tutorial_best"] == 40.0  # Reaching 600 counts; 700 does not.
  assert summary["default"]["fraction_of_tutorial_time"] == 40.0 / 200.0
  assert summary["default"]["best_fcd"] == 300.0 and summary["default"]["steps"] == 1500
  assert summary["slow"]["seconds_to_tutorial_best"] is None and summary["slow"]["fraction_of_tutorial_time"] is None


def _rows(configuration, seed, *points):
  return [{"configuration": configuration, "seed": str(seed), "step": str(step), "wall_seconds": str(seconds),
           "fcd": str(fcd)} for step, seconds, fcd in points]


def _choice_rows():
  """A baseline of three seeds (final FCDs 100, 90, 95: target 95) and three candidates around a 300 s budget."""
  default = (_rows("previous_default", 0, (500, 100.0, 300.0), (1000, 200.0, 100.0))
             + _rows("previous_default", 1, (500, 110.0, 280.0), (1000, 210.0, 90.0))
             + _rows("previous_default", 2, (500, 90.0, 290.0), (1000, 190.0, 95.0))
             + _rows("previous_default+none", 0, (1000, 20.0, 1.0)))  # A precision curve: never the target.
  # Seed 1 of `quick` was cut off before step 1500: that step is not on the median curve.
  quick = (_rows("quick", 0, (500, 80.0, 150.0), (1000, 160.0, 94.0), (1500, 240.0, 80.0))
           + _rows("quick", 1, (500, 90.0, 140.0), (1000, 170.0, 99.0))
           + _rows("quick", 2, (500, 70.0, 120.0), (1000, 150.0, 90.0), (1500, 230.0, 85.0)))
  slow = _rows("slow", 0, (1000, 250.0, 120.0), (2000, 400.0, 60.0))  # Reaches the target after the budget.
  never = _rows("never", 0, (1000, 100.0, 200.0))
  return default + quick + slow + never


def test_default_choice_takes_the_fastest_candidate_reaching_the_defaults_median_final_fcd():
  from benchmarks import default_choice  # pylint: disable=g-import-not-at-top
  target, results, chosen = default_choice.choose(_choice_rows(), budget_seconds=300.0)
  by_name = {r.configuration: r for r in results}
  assert target == 95.0
  # quick at step 1000: FCDs 94, 99, 90 (median 94 <= 95) after 160, 170, 150 s (median 160).
  assert (by_name["quick"].step, by_name["quick"].seconds, by_name["quick"].fcd) == (1000, 160.0, 94.0)
  assert by_name["quick"].final_fcd == 94.0 and by_name["quick"].seeds == 3  # Step 1500 lacks seed 1.
  assert (by_name["slow"].step, by_name["slow"].seconds) == (2000, 400.0)
  assert by_name["never"].step is None and by_name["never"].seconds is None
  assert chosen == "quick"
  assert "Chosen: `quick`" in default_choice.table(target, results, chosen, 300.0)


def test_default_choice_keeps_the_previous_default_when_no_candidate_fits_the_budget():
  from benchmarks import default_choice  # pylint: disable=g-import-not-at-top
  rows = [r for r in _choice_rows() if r["configuration"] != "quick"]
  assert default_choice.choose(rows, budget_seconds=300.0)[2] == "previous_default"
  assert default_choice.choose(rows, budget_seconds=400.0)[2] == "slow"
  with pytest.raises(ValueError, match="no curve of previous_default"):
    default_choice.choose([r for r in rows if r["configuration"] != "previous_default"], 300.0)


def test_every_default_candidate_is_a_valid_config_that_differs_from_the_previous_default():
  import dataclasses  # pylint: disable=g-import-not-at-top
  from benchmarks import default_choice  # pylint: disable=g-import-not-at-top
  from gan_lab.config.train_config import TrainConfig  # pylint: disable=g-import-not-at-top
  baseline = default_choice.PREVIOUS_DEFAULT
  for name, fields in default_choice.CANDIDATES.items():
    dataclasses.replace(TrainConfig(), **fields).validate()
    changed = {k for k in fields if fields[k] != baseline.get(k)}
    assert changed == set(default_choice.CHANGES[name]) and bool(changed) == (name != default_choice.BASELINE)


def test_time_to_quality_writes_seeded_curves_as_rows_default_choice_reads(tmp_path):
  from benchmarks import default_choice, time_to_quality  # pylint: disable=g-import-not-at-top
  point = {"step": 500, "wall_seconds": 12.5, "fcd": 80.0}
  rows = time_to_quality.curve_rows({"default@2": [point], "quality_raw@2": [point], "narrow": [point]})
  assert [(r["configuration"], r["seed"]) for r in rows] == [("default", "2"), ("quality_raw", "2"), ("narrow", "0")]
  time_to_quality.write_csv(tmp_path / "curves.csv", rows)
  read = default_choice.read_curves(tmp_path)
  assert read[0] == {"configuration": "default", "seed": "2", "step": "500", "wall_seconds": "12.5", "fcd": "80.0"}


def test_precision_comparison_is_welchs_test_written_out():
  """Welch's t and Satterthwaite's degrees of freedom by hand; bfloat16 counts as worse only when significantly so."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from scipy import stats  # pylint: disable=g-import-not-at-top
  from benchmarks import default_choice  # pylint: disable=g-import-not-at-top
  bf16, f32 = [60.0, 64.0, 58.0, 66.0, 61.0], [68.0, 71.0, 73.0, 69.0, 75.0]
  rows = [r for i, v in enumerate(bf16) for r in _rows("fast+mixed_bfloat16", i, (100, 1.0, 500.0), (200, 2.0, v))]
  rows += [r for i, v in enumerate(f32) for r in _rows("fast+none", i, (200, 2.0, v))]
  result = default_choice.precision_comparison(rows, "fast")
  va, vb = np.var(bf16, ddof=1) / 5, np.var(f32, ddof=1) / 5
  t = (np.mean(bf16) - np.mean(f32)) / np.sqrt(va + vb)
  df = (va + vb) ** 2 / (va ** 2 / 4 + vb ** 2 / 4)
  half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
  assert result["bfloat16"] == bf16 and result["difference"] == pytest.approx(np.mean(bf16) - np.mean(f32))
  assert result["welch_p"] == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9)
  assert result["ci95"] == pytest.approx((result["difference"] - half, result["difference"] + half), rel=1e-9)
  assert result["bfloat16_not_worse"]  # Lower FCD.
  swapped = [{**r, "configuration": {"fast+none": "fast+mixed_bfloat16", "fast+mixed_bfloat16": "fast+none"}[
      r["configuration"]]} for r in rows]
  worse = default_choice.precision_comparison(swapped, "fast")
  assert worse["difference"] > 0 and worse["welch_p"] < 0.05 and not worse["bfloat16_not_worse"]
  assert "bfloat16 is worse" in default_choice.precision_text("fast", worse)
  with pytest.raises(ValueError, match="need at least 2 seeds of each precision"):
    default_choice.precision_comparison(rows[:2], "fast")


def test_the_budget_scales_with_the_baseline_s_speed_here_against_the_reference_machine():
  from benchmarks import default_choice  # pylint: disable=g-import-not-at-top
  rows = _choice_rows()  # The baseline's seeds ended after 200, 210, 190 s: median 200.
  assert default_choice.local_budget(rows, 300.0, 400.0) == 300.0 * 200.0 / 400.0
  assert default_choice.local_budget(rows, 300.0, 0.0) == 300.0
