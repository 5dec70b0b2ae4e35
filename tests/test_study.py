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
