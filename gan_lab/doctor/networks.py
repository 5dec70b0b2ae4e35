"""What the checks read off a Keras model: its last activation, a copy to step, its scores as logits.

Sequential, functional and subclassed models alike: a model Keras cannot
clone (a subclassed one not registered for serialisation) has no copy, and
the train-step check steps it in place and restores its weights.
"""

import keras
import numpy as np

def last_activation(model):
  """The activation function a model ends in (its last layer that has one; None for none or a linear one)."""
  for layer in reversed(model.layers):
    if hasattr(layer, "layers"):  # A nested model: look inside.
      return last_activation(layer)
    activation = getattr(layer, "activation", None)
    if activation is not None:
      name = getattr(activation, "__name__", "")
      return None if name in ("linear", "identity") else activation
    if layer.weights:
      return None
  return None


def ends_in_sigmoid(model) -> bool:
  activation = last_activation(model)
  return activation is not None and getattr(activation, "__name__", "") == "sigmoid"


def copy_model(model):
  """A copy with the same weights, or None for a model Keras cannot clone (a subclassed one not registered)."""
  try:
    clone = keras.models.clone_model(model)
  except Exception:  # pylint: disable=broad-except  (clone_model raises TypeError, ValueError, ... by model kind)
    return None
  clone.set_weights(model.get_weights())
  return clone


def logit_reader(discriminator):
  """`read(x, weights)`: D's logits on x with `weights`. Its final sigmoid, if any, is made linear on one copy (a
  saturated sigmoid hides moves), or undone with log(p / (1 - p)) when D cannot be copied."""
  view = copy_model(discriminator)
  sigmoid = ends_in_sigmoid(discriminator)
  if view is None:
    def read_in_place(x, weights):
      discriminator.set_weights(weights)
      out = np.asarray(discriminator(x, training=False), np.float64)
      return np.log(np.clip(out, 1e-12, 1)) - np.log(np.clip(1 - out, 1e-12, 1)) if sigmoid else out
    return read_in_place
  if sigmoid:
    layer = next(l for l in reversed(flat_layers(view)) if getattr(l, "activation", None) is not None)
    layer.activation = keras.activations.linear

  def read(x, weights):
    view.set_weights(weights)
    return np.asarray(view(x, training=False), np.float64)
  return read


def flat_layers(model) -> list:
  return [inner for layer in model.layers for inner in (flat_layers(layer) if hasattr(layer, "layers") else [layer])]
