"""Seed 003's five activation functions and their derivatives, in one figure.

The derivative panel is the point: sigmoid and tanh flatten out (saturate)
for large |x|, which is where a generator's output units sit when they draw
a flat black background; ReLU-family functions do not saturate for x > 0.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np

from gan_lab.files import atomic_io


def _sigmoid(x):
  return 1 / (1 + np.exp(-x))


# name -> (f, f') in closed form.
FUNCTIONS = {
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "ReLU": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "LeakyReLU(0.2)": (lambda x: np.where(x > 0, x, 0.2 * x), lambda x: np.where(x > 0, 1.0, 0.2)),
    "ELU(1.0)": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
                 lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
}


def save_figure(path, x_min=-6.0, x_max=6.0) -> None:
  x = np.linspace(x_min, x_max, 1201)
  figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100)
  # Dashes keep the ReLU family apart where the curves coincide (x > 0).
  for (name, (f, df)), style in zip(FUNCTIONS.items(), ["-", "-", "-", "--", ":"]):
    left.plot(x, f(x), style, label=name, linewidth=2)
    right.plot(x, df(x), style, label=name, linewidth=2)
  left.set(title="activation f(x)", xlabel="x", ylim=(-2, 4))
  right.set(title="derivative f'(x): near 0 = saturated", xlabel="x", ylim=(-0.05, 1.1))
  for ax in (left, right):
    ax.grid(alpha=0.3)
    ax.axhline(0, color="k", linewidth=0.5)
  left.legend()
  figure.tight_layout()
  atomic_io.save_figure(path, figure)
