"""Sample grids, mapped to pixels by the output activation's pixel range only.

No per-image min-max normalisation: that would hide exactly the range errors
this package studies. Values outside the data range (possible with a linear
output) are clipped for display only, and the grid's title says how many.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np

from gan_lab.files import atomic_io
from gan_lab.gan.activations import OutputActivation


def tile(samples: np.ndarray, activation: OutputActivation, columns: int) -> tuple[np.ndarray, float]:
  """Tiles `[N, H, W, C]` samples, mapped to pixels by the activation's pixel range (see `tile_unit`)."""
  return tile_unit(activation.data_to_unit(samples), columns)


def tile_unit(unit: np.ndarray, columns: int) -> tuple[np.ndarray, float]:
  """Tiles `[N, H, W, C]` images in [0, 1] into one [rows*H, columns*W, C] image.

  Returns the image and the fraction of values that lay outside [0, 1] (and
  were clipped for display).
  """
  outside = float(np.mean((unit < 0) | (unit > 1)))
  n, h, w, c = unit.shape
  rows = -(-n // columns)
  canvas = np.ones((rows * h, columns * w, c), np.float32)  # Empty cells stay white.
  for i, image in enumerate(np.clip(unit, 0, 1)):
    r, col = divmod(i, columns)
    canvas[r * h:(r + 1) * h, col * w:(col + 1) * w] = image
  return canvas, outside


def show(axes, canvas: np.ndarray) -> None:
  """Draws a tiled [0, 1] canvas with a fixed mapping: 0 black, 1 white (grey or RGB)."""
  axes.imshow(canvas.squeeze(-1) if canvas.shape[-1] == 1 else canvas, cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")


def save_grid(path, samples: np.ndarray, activation: OutputActivation, columns: int, title: str) -> float:
  """Writes a titled grid PNG atomically; returns the clipped fraction.

  2-D points (the ring toy set) are drawn as a scatter plot over the data
  range instead.
  """
  if samples.ndim == 2:
    return _save_scatter(path, samples, activation, title)
  canvas, outside = tile(samples, activation, columns)
  if outside:
    title += f"\n{100 * outside:.2f}% of values outside {list(activation.image_range)}, clipped for display"
  figure = plt.figure(figsize=(6, 6 * canvas.shape[0] / canvas.shape[1] + 0.6), dpi=100)
  axes = figure.add_axes((0, 0, 1, canvas.shape[0] / (canvas.shape[0] + 0.1 * canvas.shape[1])))
  show(axes, canvas)
  axes.set_axis_off()
  figure.suptitle(title, fontsize=9, y=0.995, va="top")
  atomic_io.save_figure(path, figure)
  return outside


def _save_scatter(path, points: np.ndarray, activation: OutputActivation, title: str) -> float:
  unit = activation.data_to_unit(points)
  outside = float(np.mean((unit < 0) | (unit > 1)))
  figure, axes = plt.subplots(figsize=(5, 5.3), dpi=100)
  axes.scatter(unit[:, 0], unit[:, 1], s=4, alpha=0.6)
  axes.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
  figure.suptitle(title + (f"\n{100 * outside:.2f}% outside the data range" if outside else ""), fontsize=9)
  atomic_io.save_figure(path, figure)
  return outside
