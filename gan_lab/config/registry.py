"""Named architectures, losses and output activations, known by name without TensorFlow.

A run names its pieces (`--model`, `--loss`, `--output_activation`); the
config checks those names, and a few facts about them (can this loss smooth
its labels? does this model take 2-D points?), before anything heavy is
imported, so a bad flag fails at once. Each `Registry` therefore holds its
built-in names and their traits here as plain data, and the module that
implements them (which imports TensorFlow) is imported only when an entry is
asked for; on import it fills in each built-in's implementation.

A researcher's own entries go in with `register` (see
`activations.register`, `losses.register`, `models.register`); a module of
such registrations can be named with `--plugins` so the CLI imports it before
it checks the flags.
"""

import importlib
from typing import Any


class Registry:
  """Names -> implementations of one kind, with per-name traits a config check may read."""

  def __init__(self, kind: str, module: str, builtins: dict[str, dict], trait_defaults: dict | None = None):
    self.kind, self._module = kind, module
    self._trait_defaults = dict(trait_defaults or {})
    self._traits = {name: {**self._trait_defaults, **traits} for name, traits in builtins.items()}
    self._builtins = frozenset(builtins)
    self._entries: dict[str, Any] = {}

  def names(self) -> tuple[str, ...]:
    """Every registered name, built-ins first, in registration order."""
    return tuple(self._traits)

  def traits(self, name: str) -> dict:
    """The traits of `name` (ValueError naming the choices if unknown)."""
    self._check(name)
    return self._traits[name]

  def get(self, name: str) -> Any:
    """The implementation of `name`, importing the built-ins' module on first use."""
    self._check(name)
    if name not in self._entries:
      importlib.import_module(self._module)
    if name not in self._entries:
      raise LookupError(f"built-in {self.kind} {name!r} is declared in gan_lab/registry.py, "
                        f"but {self._module} does not implement it")
    return self._entries[name]

  def register(self, name: str, entry: Any, **traits) -> None:
    """Adds a researcher's entry; a name already taken is refused (built-ins cannot be replaced)."""
    if name in self._traits:
      raise ValueError(f"{self.kind} {name!r} is already registered")
    unknown = set(traits) - set(self._trait_defaults)
    if unknown:
      raise ValueError(f"unknown traits {sorted(unknown)} for a {self.kind}; expected {sorted(self._trait_defaults)}")
    self._traits[name] = {**self._trait_defaults, **traits}
    self._entries[name] = entry

  def implement_builtin(self, name: str, entry: Any) -> None:
    """Called by the implementing module on import: the entry behind a built-in name."""
    if name not in self._builtins:
      raise ValueError(f"{name!r} is not a built-in {self.kind} declared in gan_lab/registry.py")
    self._entries[name] = entry

  def _check(self, name):
    if name not in self._traits:
      raise ValueError(f"unknown {self.kind} {name!r}; expected one of {', '.join(self.names())}")


def import_plugins(modules: str) -> None:
  """Imports each module of a comma-separated list, so their `register` calls run."""
  for module in filter(None, (m.strip() for m in modules.split(","))):
    try:
      importlib.import_module(module)
    except ImportError as e:
      raise ValueError(f"--plugins: cannot import {module!r} ({e})") from None


ACTIVATIONS = Registry("output activation", "gan_lab.gan.activations",
                       {"sigmoid": {}, "tanh": {}, "linear": {}, "hard_sigmoid": {}})

# The loss traits, stated here only (`check_loss_settings` enforces them for the config and the Keras GAN):
# label_smoothing: real targets can be smoothed (cross-entropy and least-squares losses).
# needs_gradient_penalty: the loss assumes a Lipschitz critic, so --gp_weight must be set.
LOSSES = Registry("loss", "gan_lab.gan.losses", {
    "minimax": {"label_smoothing": True},
    "non_saturating": {"label_smoothing": True},
    "least_squares": {"label_smoothing": True},
    "hinge": {},
    "wasserstein": {"needs_gradient_penalty": True},
    "relativistic": {},
}, trait_defaults={"label_smoothing": False, "needs_gradient_penalty": False})

# points: also builds for flat data such as the 2-D ring; image_shape: the only [H, W, C] it builds for.
MODELS = Registry("model", "gan_lab.gan.models", {
    "mlp": {"points": True},
    "dcgan": {},
    "dcgan_narrow": {},
    "tutorial_dcgan": {"image_shape": (28, 28, 1)},
}, trait_defaults={"points": False, "image_shape": None})


def needs_gradient_penalty(loss: str) -> bool:
  """Whether `loss` assumes a Lipschitz critic (the study then gives it --gp_weight)."""
  return LOSSES.traits(loss)["needs_gradient_penalty"]


def check_loss_settings(loss: str, label_smoothing: float, gp_weight: float, prefix: str = "--") -> None:
  """ValueError when the loss's traits rule out these settings; names them with `prefix` (flags or arguments)."""
  if label_smoothing and not LOSSES.traits(loss)["label_smoothing"]:
    smoothable = [n for n in LOSSES.names() if LOSSES.traits(n)["label_smoothing"]]
    raise ValueError(f"{prefix}label_smoothing={label_smoothing} has no meaning for {prefix}loss={loss}; "
                     f"use 0 or one of {', '.join(smoothable)}")
  if needs_gradient_penalty(loss) and gp_weight == 0:
    raise ValueError(f"{prefix}loss={loss} needs a Lipschitz critic: set {prefix}gp_weight (10 is the WGAN-GP value)")
