"""Registries: built-in names declared as data match their implementations; registering is guarded."""

import pytest

from gan_lab.config import registry
from gan_lab.gan import activations, losses, models


@pytest.mark.parametrize("reg, module", [(registry.ACTIVATIONS, activations), (registry.LOSSES, losses),
                                         (registry.MODELS, models)])
def test_every_declared_builtin_is_implemented_by_its_module(reg, module):
  """The light name list cannot drift from the heavy module: each name resolves after the import."""
  assert module.__name__ == reg._module  # pylint: disable=protected-access
  for name in reg.names():
    assert reg.get(name) is not None, name


def test_builtin_traits_are_what_the_losses_do():
  # Label smoothing is accepted exactly where the loss function takes a non-zero smoothing.
  import numpy as np  # pylint: disable=g-import-not-at-top
  for name in ("minimax", "non_saturating", "least_squares", "hinge", "wasserstein"):
    loss = losses.get(name)
    if registry.LOSSES.traits(name)["label_smoothing"]:
      assert np.isfinite(float(loss.discriminator_loss(np.ones(2, np.float32), np.zeros(2, np.float32), 0.1)))
    else:
      with pytest.raises(ValueError, match="label smoothing is not defined"):
        loss.discriminator_loss(np.ones(2, np.float32), np.zeros(2, np.float32), 0.1)
  assert [n for n in registry.LOSSES.names() if registry.LOSSES.traits(n)["needs_gradient_penalty"]] == ["wasserstein"]


def test_register_adds_a_name_with_default_traits():
  reg = registry.Registry("widget", "gan_lab.gan.activations", {"a": {}}, trait_defaults={"big": False})
  reg.register("b", object(), big=True)
  assert reg.names() == ("a", "b") and reg.traits("b") == {"big": True} and reg.traits("a") == {"big": False}


@pytest.mark.parametrize("name, traits, message", [
    ("a", {}, "widget 'a' is already registered"),
    ("c", {"huge": True}, r"unknown traits \['huge'\] for a widget; expected \['big'\]"),
])
def test_register_refuses_taken_names_and_unknown_traits(name, traits, message):
  reg = registry.Registry("widget", "gan_lab.gan.activations", {"a": {}}, trait_defaults={"big": False})
  with pytest.raises(ValueError, match=message):
    reg.register(name, object(), **traits)


def test_unknown_name_lists_the_choices():
  with pytest.raises(ValueError, match="unknown model 'resnet'; expected one of mlp, dcgan, dcgan_narrow, tutorial_dcgan"):
    registry.MODELS.traits("resnet")


def test_only_declared_builtins_can_be_implemented():
  with pytest.raises(ValueError, match="not a built-in loss declared in gan_lab/registry.py"):
    registry.LOSSES.implement_builtin("focal", object())


def test_import_plugins_names_the_module_it_cannot_import():
  registry.import_plugins(" json , ")  # Blank entries are skipped.
  with pytest.raises(ValueError, match="--plugins: cannot import 'no_such_module_xyz'"):
    registry.import_plugins("json,no_such_module_xyz")
