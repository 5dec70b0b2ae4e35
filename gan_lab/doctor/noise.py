"""Noise checks: the shape the generator takes, and noise squeezed to one point (seed 001's `noise * 0.1 + 0.9`).

Squeezed noise makes every latent start alike: put back alone into the
seeds' corrected MLP GAN it cost FCD 1580 against 527 (`findings._COST`).
The thresholds below are the exact per-dimension standard deviations of
the draws they separate.
"""

import keras
import numpy as np

from gan_lab.doctor.findings import Finding, first_line

# Per-dimension standard deviations of the noise draws (their exact values): the seeds' `noise * 0.1 + 0.9` 0.1;
# uniform(0, 1) 0.289 (1/sqrt(12)); uniform(-1, 1) 0.577; N(0, 1) truncated at 2 sigma 0.880; N(0, 1) 1.
SQUEEZED_SPREAD = 0.2  # Below: squeezed (an error). Between the seeds' 0.1 and uniform(0, 1)'s 0.289.
UNCENTRED = 1.0  # |mean| above this many standard deviations: uncentred (a note). uniform(0, 1): 1.73; centred: 0.


def check_noise(generator, noise) -> list[Finding]:
  """The noise's shape against G's input, and the spread of what G's first weighted layer sees.

  A subclassed generator declares no input shape: it is built by calling
  it on the noise batch, and a batch it cannot take is the shape error.
  """
  symbolic = getattr(generator, "inputs", None)
  expected = tuple(symbolic[0].shape[1:]) if symbolic else None
  if expected is None:
    try:
      generator(noise, training=False)
    except Exception as e:  # pylint: disable=broad-except  (whatever a user's call() raises on this batch)
      return [Finding("noise_shape", "error", f"the generator cannot take the noise batch {list(noise.shape)} "
                      f"({type(e).__name__}: {first_line(e)}): draw noise as [batch, noise_dim]")]
  elif tuple(noise.shape[1:]) != expected:
    return [Finding("noise_shape", "error", f"the noise batch is {list(noise.shape)} but the generator takes "
                    f"[batch, {', '.join(map(str, expected))}]: draw noise as [batch, noise_dim] (not in image shape)")]
  seen = _first_layer_input(generator, noise).reshape(len(noise), -1)
  spread, centre = float(np.mean(np.std(seen, axis=0))), float(np.mean(seen))
  if spread < SQUEEZED_SPREAD:
    return [Finding("noise_spread", "error", f"the generator's first layer sees noise with a per-dimension standard "
                    f"deviation of {spread:.2g} around {centre:.2g} (like `noise * 0.1 + 0.9`): every latent sits "
                    "near one point, so all samples start alike; draw noise ~ N(0, 1) and do not shrink it")]
  if abs(centre) > UNCENTRED * spread:
    return [Finding("noise_centre", "note", f"the noise is centred at {centre:.2g}, not 0 (per-dimension standard "
                    f"deviation {spread:.2g}, like uniform(0, 1)): it trains, but the first layer's biases must first "
                    "learn to cancel the offset; N(0, 1) or uniform(-1, 1) start centred")]
  return []


def _first_layer_input(generator, noise) -> np.ndarray:
  """What the generator's first layer with weights receives: the noise after any fixed rescaling before it.

  Read off the layer just before it (a chain, as the seeds' Sequential and
  functional generators are), whose output is that input.
  """
  if not getattr(generator, "inputs", None):
    return noise  # A subclassed model has no graph to read a layer's input off: the noise as given.
  index = next((i for i, layer in enumerate(generator.layers) if layer.weights), 0)
  before = generator.layers[index - 1] if index > 0 else None
  if before is None or isinstance(before, keras.layers.InputLayer):
    return noise  # Nothing between the noise and the first weights.
  return np.asarray(keras.Model(generator.inputs[0], before.output)(noise, training=False))
