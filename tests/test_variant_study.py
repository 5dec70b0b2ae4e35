"""A variant study's plan and pinned settings (tests/test_seed_defects.py runs one end to end)."""

import pytest

from gan_lab.study import variant_study

VARIANTS = (variant_study.Variant("plain", "mlp", "non_saturating", "sigmoid"),
            variant_study.Variant("other", "mlp", "hinge", "tanh", tag="x", why="because"))


def test_each_variant_is_one_cell_over_the_seeds_with_the_shared_flags(tmp_path):
  study = variant_study.VariantStudy(str(tmp_path), VARIANTS, plugins="my_plugins", seeds=2, train_steps=100)
  plans = study.plans()
  assert list(plans) == ["plain", "other"] and [len(specs) for specs in plans.values()] == [2, 2]
  command = plans["other"][1].command()
  assert "--loss=hinge" in command and "--output_activation=tanh" in command and "--seed=1" in command
  assert {"--plugins=my_plugins", "--train_steps=100", "--log_every=2", "--checkpoint_every=20"} <= set(command)


def test_a_folder_is_pinned_to_its_settings(tmp_path):
  variant_study.VariantStudy(str(tmp_path), VARIANTS, train_steps=100).pin()
  variant_study.VariantStudy(str(tmp_path), VARIANTS[:1], train_steps=100).pin()  # Same settings: fine.
  with pytest.raises(ValueError, match="holds runs made with --train_steps=100"):
    variant_study.VariantStudy(str(tmp_path), VARIANTS, train_steps=200).pin()
