"""The study definition: its cells, seeds per cell, per-model budgets, and a folder pinned to them."""

import json

import pytest

from gan_lab.study import design as study_lib
from gan_lab.study.design import Cell


def test_default_study_is_the_issue_s_design():
  study = study_lib.Study()
  cells = study.cells()
  plain = [c for c in cells if not c.data_margin]
  assert len(plain) == 2 * 4 * 4 and len(set(cells)) == len(cells)
  assert sorted(c.variant for c in cells if c.data_margin and c.model == "mlp") == ["sigmoid+margin0.05",
                                                                                     "tanh+margin0.05"]
  assert {len(study.seeds_of(c)) for c in cells} == {5}  # 5 seeds in every cell: the study's second design.
  first = study_lib.Study(seeds=3, more_seeds=(("dcgan", "non_saturating", 5),))  # The first study's design.
  assert len(first.seeds_of(Cell("dcgan", "non_saturating", "tanh"))) == 5
  assert len(first.seeds_of(Cell("mlp", "non_saturating", "tanh"))) == 3


def test_train_args_carry_the_model_budget_and_a_penalty_only_where_the_loss_needs_one():
  study = study_lib.Study(snapshots=4)
  wgan = study.train_args(Cell("mlp", "wasserstein", "linear"))
  assert "--train_steps=20000" in wgan and "--gp_weight=10.0" in wgan and "--snapshot_every=5000" in wgan
  dcgan = study.train_args(Cell("dcgan", "hinge", "tanh", 0.05))
  assert "--train_steps=5000" in dcgan and "--mixed_precision=mixed_bfloat16" in dcgan
  assert not any(a.startswith("--gp_weight") for a in dcgan)


def test_no_margin_means_no_margin_cells():
  assert not [c for c in study_lib.Study(data_margin=0.0).cells() if c.data_margin]


def test_a_folder_refuses_another_budget_but_accepts_other_axes(tmp_path):
  study_lib.Study(models=("mlp",), train_steps=(("mlp", 100),)).pin_budget(tmp_path)
  study_lib.Study(models=("mlp",), losses=("hinge",), train_steps=(("mlp", 100),)).pin_budget(tmp_path)
  with pytest.raises(ValueError, match=r"pins another budget for mlp \(checkpoint_every, sample_every, "
                                       r"snapshot_every, train_steps differ\)"):
    study_lib.Study(models=("mlp",), train_steps=(("mlp", 200),)).pin_budget(tmp_path)
  study_lib.Study(models=("dcgan",), train_steps=(("dcgan", 7),)).pin_budget(tmp_path)
  assert set(json.loads((tmp_path / "budget.json").read_text())) == {"mlp", "dcgan"}


@pytest.mark.parametrize("changes, message", [
    ({"losses": ("hinge", "nope")}, r"--losses=hinge,nope: expected names from"),
    ({"models": ("mlp",), "train_steps": (("dcgan", 5),)}, r"--train_steps has no entry for model mlp"),
    ({"activations": ()}, r"--activations=: expected names from")])
def test_check_names_the_flag(changes, message):
  with pytest.raises(ValueError, match=message):
    study_lib.Study(**changes).check()


def test_bfloat16_falls_back_to_float32_where_the_machine_would_emulate_it():
  cell = Cell("dcgan", "non_saturating", "tanh")
  native = study_lib.Study()
  assert "--mixed_precision=mixed_bfloat16" in native.train_args(cell) and native.precision_note() == ""
  emulated = study_lib.Study(native_bfloat16=False)
  assert "--mixed_precision=none" in emulated.train_args(cell)
  assert "--mixed_precision=none" in emulated.train_args(Cell("mlp", "hinge", "tanh"))  # mlp asked for none anyway.
  assert emulated.precision_note().startswith("note: this machine has no bfloat16 units") and (
      "dcgan runs train in float32 instead of emulated mixed_bfloat16" in emulated.precision_note())
  assert emulated.budget("dcgan")["mixed_precision"] == "mixed_bfloat16"  # The folder pins what the study asks for.


def test_axes_multiply_the_cells_and_tuning_cells_carry_every_combination():
  beta = study_lib.axes_lib.Axis(("beta_1",), (0.0, 0.5))
  lr = study_lib.axes_lib.Axis(("g_learning_rate", "d_learning_rate"), (1e-4, 2e-4, 4e-4))
  study = study_lib.Study(models=("mlp",), losses=("hinge",), data_margin=0.0, axes=(beta,), tune=(lr,),
                          tune_steps=(("mlp", 40),), tune_seeds=2)
  assert len(study.cells()) == 4 * 2 and len(study.tuning_cells()) == 4 * 2 * 3
  tuned = study.tuning_cells()[0]
  assert tuned.path_parts()[-2:] == ("beta_1=0.0", "g_learning_rate,d_learning_rate=0.0001")
  assert list(study.tune_seeds_of(tuned)) == [10000, 10001] and not set(study.tune_seeds_of(tuned)) & set(
      study.seeds_of(tuned))
  args = study.tuning_train_args(tuned)
  assert "--train_steps=40" in args and "--selection_samples=10000" in args and "--snapshot_every=0" in args


def test_a_folder_refuses_a_restart_with_other_axes_but_takes_other_named_axes(tmp_path):
  beta = study_lib.axes_lib.Axis(("beta_1",), (0.0, 0.5))
  study_lib.Study(models=("mlp",), axes=(beta,)).pin_budget(tmp_path)
  study_lib.Study(models=("mlp",), losses=("hinge",), axes=(beta,)).pin_budget(tmp_path)
  with pytest.raises(ValueError, match=r"pins another design: axes was beta_1=0.0,0.5, now \[\]"):
    study_lib.Study(models=("mlp",)).pin_budget(tmp_path)
  with pytest.raises(ValueError, match=r"pins another design: factor was 'output_activation', now 'beta_1'"):
    study_lib.Study(models=("mlp",), axes=(beta,), factor="beta_1").pin_budget(tmp_path)


def test_discover_reads_axis_and_tuned_parts_back_from_folder_names(tmp_path):
  from gan_lab.study import sweep  # pylint: disable=g-import-not-at-top
  cell = Cell("mlp", "hinge", "tanh", 0.0, (("beta_1", 0.5),), (("g_learning_rate,d_learning_rate", 4e-4),))
  run_dir = sweep.run_dir_of(tmp_path, cell, 3)
  run_dir.mkdir(parents=True)
  sweep.write_status(run_dir, {"status": "ok"})
  (found,) = study_lib.discover(tmp_path, tuned_names={"g_learning_rate,d_learning_rate"})
  assert found.cell == cell and found.seed == 3
  (untuned,) = study_lib.discover(tmp_path, tuned_names=set())
  assert untuned.cell.axes == cell.axes + cell.tuned and untuned.cell.tuned == ()


def _resolved(args):
  """The TrainConfig `gan-lab train` makes of these flags."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  from gan_lab.cli import config_flags  # pylint: disable=g-import-not-at-top
  values = flags.FlagValues()
  config_flags.define_config_flags(values)
  values(["train", *args])
  return config_flags.config_from_flags(values)


_V3_TUNED = ("g_learning_rate,d_learning_rate", "beta_1")


@pytest.mark.parametrize("archive, tuned_names", [("study_v2", ()), ("study_v3", _V3_TUNED)])
def test_every_archived_run_s_flags_resolve_to_the_config_the_study_would_train_now(archive, tuned_names):
  """The study pins its recipe: a change of TrainConfig's defaults (the default run) must not change a study run."""
  import dataclasses  # pylint: disable=g-import-not-at-top
  from pathlib import Path  # pylint: disable=g-import-not-at-top
  paths = sorted(Path(__file__).parent.parent.joinpath("docs", archive, "runs").rglob("flags.json"))
  assert len(paths) >= 40
  study = study_lib.Study()
  for path in paths:
    recorded = json.loads(path.read_text())
    tuned = tuple((name, recorded[name.split(",")[0]]) for name in tuned_names)
    cell = Cell(recorded["model"], recorded["loss"], recorded["output_activation"], recorded["data_margin"], (), tuned)
    args = [*cell.flags(), f"--seed={recorded['seed']}", "--output_dir=x", *study.train_args(cell)]
    now = dataclasses.asdict(_resolved(args))
    differing = {k: (v, now[k]) for k, v in recorded.items() if k != "output_dir" and now[k] != v}
    assert not differing, f"{path}: (recorded, now) {differing}"


def test_the_study_recipe_yields_to_a_tuned_or_axis_field():
  lr = study_lib.axes_lib.Axis(("g_learning_rate", "d_learning_rate"), (4e-4,))
  study = study_lib.Study(tune=(lr,), tune_steps=(("dcgan", 10),))
  plain = study.train_args(Cell("dcgan", "hinge", "tanh"))
  assert {"--g_learning_rate=0.0002", "--beta_1=0.5"} <= set(plain)
  tuned = study.train_args(Cell("dcgan", "hinge", "tanh", tuned=(("g_learning_rate,d_learning_rate", 4e-4),)))
  assert not any(a.startswith(("--g_learning_rate", "--d_learning_rate")) for a in tuned) and "--beta_1=0.5" in tuned
  axis = study.train_args(Cell("dcgan", "hinge", "tanh", axes=(("beta_1", 0.0),)))
  assert not any(a.startswith("--beta_1") for a in axis)
