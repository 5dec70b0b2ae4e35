"""Generator output activations and the value ranges that go with them.

One setting, the output activation, decides three things that the seed code
left inconsistent: the range real data is scaled to, how samples map back to
pixels for grids, and the range that saved samples declare. Keeping all three
in one `OutputActivation` means nothing else in gan_lab rescales images.
"""

import dataclasses
import math
from typing import Callable

import numpy as np
import tensorflow as tf


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
  """
  name: str
  fn: Callable[[tf.Tensor], tf.Tensor]
  output_range: tuple[float, float]
  data_range: tuple[float, float]
  saturation_threshold: float | None

  def pixels_to_data(self, pixels: np.ndarray) -> np.ndarray:
    """Maps uint8-valued pixels in [0, 255] linearly onto `data_range`."""
    lo, hi = self.data_range
    return (np.asarray(pixels, np.float32) / np.float32(255.0)) * np.float32(hi - lo) + np.float32(lo)

  def data_to_unit(self, samples: np.ndarray) -> np.ndarray:
    """Maps samples linearly from `data_range` onto [0, 1] (no clipping)."""
    lo, hi = self.data_range
    return (np.asarray(samples, np.float32) - np.float32(lo)) / np.float32(hi - lo)


def _hard_sigmoid(x):
  """Keras 3's hard sigmoid: relu6(x + 3) / 6, exactly 0 below -3, 1 above 3."""
  return tf.nn.relu6(x + 3.0) / 6.0


# Saturation thresholds: sigmoid'(x) < 0.0066 and tanh'(x) < 0.0013 past them
# (|x| >= 5 and |x| >= 4 give sigmoid'(5) = 0.0066, tanh'(4) = 0.0013);
# hard_sigmoid's gradient is exactly zero past |x| = 3.
_REGISTRY = {
    a.name: a for a in (
        OutputActivation("sigmoid", tf.math.sigmoid, (0.0, 1.0), (0.0, 1.0), 5.0),
        OutputActivation("tanh", tf.math.tanh, (-1.0, 1.0), (-1.0, 1.0), 4.0),
        OutputActivation("linear", tf.identity, (-math.inf, math.inf), (-1.0, 1.0), None),
        OutputActivation("hard_sigmoid", _hard_sigmoid, (0.0, 1.0), (0.0, 1.0), 3.0),
    )
}

NAMES = tuple(_REGISTRY)


def get(name: str) -> OutputActivation:
  """Returns the registered output activation `name`."""
  try:
    return _REGISTRY[name]
  except KeyError:
    raise ValueError(f"unknown output activation {name!r}; expected one of {', '.join(NAMES)}") from None
