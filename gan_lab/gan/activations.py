"""Generator output activations and the value ranges that go with them.

One setting, the output activation, decides three things that the seed code
left inconsistent: the range real data is scaled to, how samples map back to
pixels for grids, and the range that saved samples declare. Keeping all three
in one `OutputActivation`, whose methods call the one linear map `rescale`,
means nothing else in gan_lab rescales images.
"""

import dataclasses
import math
from typing import Callable

import numpy as np
import tensorflow as tf

from gan_lab.config import registry


@dataclasses.dataclass(frozen=True)
class OutputActivation:
  """A generator output activation.

  Attributes:
    name: registry key (the `--output_activation` flag value).
    fn: the activation applied to the generator's pre-activation output.
    output_range: (lo, hi) the function can produce (may be infinite).
    data_range: (lo, hi) real data is scaled to; the range samples declare.
    saturation_threshold: |pre-activation| beyond which the derivative is
      small enough to call the unit saturated (None: never saturates).
    data_margin: fraction of `data_range` left free at its ends when the
      output range is bounded (see `image_range`); 0 for the registered ones.
  """
  name: str
  fn: Callable[[tf.Tensor], tf.Tensor]
  output_range: tuple[float, float]
  data_range: tuple[float, float]
  saturation_threshold: float | None
  data_margin: float = 0.0

  @property
  def bounded(self) -> bool:
    return all(math.isfinite(v) for v in self.output_range)

  @property
  def image_range(self) -> tuple[float, float]:
    """Where pixels 0 and 255 sit: `data_range`, shrunk by `data_margin` x its width/2 at each end if bounded.

    A bounded activation reaches its ends only at infinite pre-activation, so
    data on its ends (Fashion-MNIST is about half black) pushes those units
    into saturation; the margin separates that effect from the activation's.
    """
    lo, hi = self.data_range
    inset = self.data_margin * (hi - lo) / 2 if self.bounded else 0.0
    return (lo + inset, hi - inset)

  def with_data_margin(self, margin: float) -> "OutputActivation":
    return dataclasses.replace(self, data_margin=float(margin))

  def pixels_to_data(self, pixels: np.ndarray) -> np.ndarray:
    """Maps uint8-valued pixels in [0, 255] linearly onto `image_range` (how real data is scaled)."""
    return rescale(pixels, PIXEL_RANGE, self.image_range)

  def data_to_unit(self, samples: np.ndarray) -> np.ndarray:
    """Maps samples linearly from `image_range` onto [0, 1], unclipped (for grids and metrics)."""
    return rescale(samples, self.image_range, UNIT_RANGE)

  def unit_to_data(self, unit: np.ndarray) -> np.ndarray:
    """Maps [0, 1] linearly onto `image_range` (the inverse of `data_to_unit`)."""
    return rescale(unit, UNIT_RANGE, self.image_range)


PIXEL_RANGE, UNIT_RANGE = (0.0, 255.0), (0.0, 1.0)


def rescale(values: np.ndarray, from_range, to_range) -> np.ndarray:
  """The one linear range map of gan_lab, in float32: `from_range` onto `to_range`, no clipping.

  Every other module (data scaling, grids, scoring, the evaluator, the
  benchmarks) maps value ranges through this function, so they cannot drift
  apart.
  """
  (a, b), (c, d) = (np.float32(v) for v in from_range), (np.float32(v) for v in to_range)
  return (np.asarray(values, np.float32) - a) / (b - a) * (d - c) + c


def pixels_to_unit(pixels: np.ndarray) -> np.ndarray:
  """uint8-valued pixels [0, 255] -> [0, 1], the evaluator's input scale."""
  return rescale(pixels, PIXEL_RANGE, UNIT_RANGE)


def _hard_sigmoid(x):
  """Keras 3's hard sigmoid: relu6(x + 3) / 6, exactly 0 below -3, 1 above 3."""
  return tf.nn.relu6(x + 3.0) / 6.0


# Saturation thresholds: sigmoid'(x) < 0.0066 and tanh'(x) < 0.0013 past them
# (|x| >= 5 and |x| >= 4 give sigmoid'(5) = 0.0066, tanh'(4) = 0.0013);
# hard_sigmoid's gradient is exactly zero past |x| = 3.
for _activation in (
    OutputActivation("sigmoid", tf.math.sigmoid, (0.0, 1.0), (0.0, 1.0), 5.0),
    OutputActivation("tanh", tf.math.tanh, (-1.0, 1.0), (-1.0, 1.0), 4.0),
    OutputActivation("linear", tf.identity, (-math.inf, math.inf), (-1.0, 1.0), None),
    OutputActivation("hard_sigmoid", _hard_sigmoid, (0.0, 1.0), (0.0, 1.0), 3.0),
):
  registry.ACTIVATIONS.implement_builtin(_activation.name, _activation)


def register(activation: OutputActivation) -> None:
  """Makes a researcher's output activation usable by name (`--output_activation=NAME`)."""
  registry.ACTIVATIONS.register(activation.name, activation)


def get(name: str, data_margin: float = 0.0) -> OutputActivation:
  """The registered output activation `name` with `data_margin` (ValueError naming the choices if unknown)."""
  return registry.ACTIVATIONS.get(name).with_data_margin(data_margin)
