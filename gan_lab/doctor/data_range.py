"""The real data's range against the generator's output range (the seeds' raw [0, 255] pixels into a sigmoid G).

Data outside what G can produce lets D win by range alone: put back into the
seeds' corrected MLP GAN, data in [-1, 1] for a (0, 1) generator cost FCD
1730 and raw [0, 255] pixels 2230, against 527 (`findings._COST`).
"""

import numpy as np
import tensorflow as tf

from gan_lab.doctor.findings import Finding
from gan_lab.doctor.networks import last_activation

def _output_range(generator, output_range):
  """(lo, hi) the generator can produce: given, else its last activation's range on [-100, 100] (None: unbounded)."""
  if output_range is not None:
    return tuple(output_range)
  activation = last_activation(generator)
  if activation is None:
    return None
  values = np.asarray(activation(tf.constant(np.linspace(-100, 100, 4001), tf.float32)), np.float64)
  lo, hi = float(values.min()), float(values.max())
  return None if hi - lo > 100 else (round(lo, 3), round(hi, 3))


def check_data_range(generator, real, noise, output_range) -> list[Finding]:
  samples = np.asarray(generator(noise, training=False), np.float32)
  if samples.shape[1:] != real.shape[1:]:
    return [Finding("data_range", "error", f"the generator makes samples of shape {list(samples.shape[1:])} but the "
                    f"real batch is {list(real.shape[1:])}: D sees two kinds of input it can tell apart by shape")]
  lo, hi = float(real.min()), float(real.max())
  produced = _output_range(generator, output_range)
  if produced is None:
    outside = float(np.mean((samples < lo) | (samples > hi)))
    if outside > 0.01:
      return [Finding("data_range", "note", f"the generator's output is unbounded and {100 * outside:.0f}% of "
                      f"it falls outside the real data's [{lo:.3g}, {hi:.3g}]: images show it clipped")]
    return []
  out_lo, out_hi = produced
  width = out_hi - out_lo
  if lo < out_lo - 0.05 * width or hi > out_hi + 0.05 * width:
    return [Finding("data_range", "error", f"the real data spans [{lo:.3g}, {hi:.3g}] but the generator can only "
                    f"produce ({out_lo:g}, {out_hi:g}): scale the data to the output range (gan_lab: "
                    "OutputActivation.pixels_to_data) or change the output activation")]
  if hi - lo < 0.6 * width:
    return [Finding("data_range", "note", f"the real data spans [{lo:.3g}, {hi:.3g}], part of the generator's "
                    f"({out_lo:g}, {out_hi:g}): the rest of its range is wasted; scale the data to fill it")]
  return []
