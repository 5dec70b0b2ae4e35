"""Each output activation produces values in its declared range and maps pixels consistently."""

import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import activations


@pytest.mark.parametrize("name", registry.ACTIVATIONS.names())
def test_outputs_lie_in_declared_range(name):
  act = activations.get(name)
  x = tf.constant(np.linspace(-50, 50, 10001), tf.float32)
  y = act.fn(x).numpy()
  lo, hi = act.output_range
  assert y.min() >= lo and y.max() <= hi
  if np.isfinite(lo):
    assert y.min() == pytest.approx(lo, abs=1e-6) and y.max() == pytest.approx(hi, abs=1e-6)


@pytest.mark.parametrize("name", registry.ACTIVATIONS.names())
def test_data_range_inside_output_range(name):
  act = activations.get(name)
  assert act.output_range[0] <= act.data_range[0] < act.data_range[1] <= act.output_range[1]


@pytest.mark.parametrize("name", registry.ACTIVATIONS.names())
def test_pixels_map_onto_data_range_and_back(name):
  act = activations.get(name)
  pixels = np.arange(256, dtype=np.uint8)
  data = act.pixels_to_data(pixels)
  assert data.dtype == np.float32
  assert data[0] == pytest.approx(act.data_range[0]) and data[-1] == pytest.approx(act.data_range[1])
  np.testing.assert_allclose(act.data_to_unit(data) * 255, pixels, atol=1e-4)


def test_known_values():
  x = tf.constant([-4.0, 0.0, 1.5, 4.0])
  np.testing.assert_allclose(activations.get("sigmoid").fn(x), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
  np.testing.assert_allclose(activations.get("tanh").fn(x), np.tanh(x.numpy()), rtol=1e-6)
  np.testing.assert_allclose(activations.get("linear").fn(x), x.numpy())
  np.testing.assert_allclose(activations.get("hard_sigmoid").fn(x), [0.0, 0.5, 0.75, 1.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "hard_sigmoid"])
def test_saturation_threshold_is_where_gradient_is_small(name):
  act = activations.get(name)
  x = tf.constant([act.saturation_threshold + 0.01])
  with tf.GradientTape() as tape:
    tape.watch(x)
    y = act.fn(x)
  assert float(tape.gradient(y, x)[0]) < 0.01


def test_unknown_activation_names_the_choices():
  with pytest.raises(ValueError, match="sigmoid, tanh, linear, hard_sigmoid"):
    activations.get("softmax")


def test_rescale_is_the_affine_map_written_out():
  values = np.array([-3.0, -1.0, 0.5, 3.0, 7.0], np.float32)
  # [-1, 3] onto [10, 20]: slope 10 / 4 = 2.5, and -1 -> 10 gives intercept 12.5. No clipping.
  mapped = activations.rescale(values, (-1, 3), (10, 20))
  assert mapped.dtype == np.float32
  np.testing.assert_allclose(mapped, 2.5 * values + 12.5, rtol=1e-6)


@pytest.mark.parametrize("name", registry.ACTIVATIONS.names())
def test_unit_to_data_inverts_data_to_unit(name):
  act = activations.get(name)
  unit = np.linspace(-0.25, 1.25, 7, dtype=np.float32)  # Outside [0, 1] too: nothing is clipped.
  np.testing.assert_allclose(act.data_to_unit(act.unit_to_data(unit)), unit, atol=1e-6)
  assert act.unit_to_data(np.float32(0)) == act.data_range[0] and act.unit_to_data(np.float32(1)) == act.data_range[1]


def test_pixels_to_unit_is_division_by_255():
  pixels = np.array([0, 1, 128, 255], np.uint8)
  np.testing.assert_allclose(activations.pixels_to_unit(pixels), pixels / 255.0, rtol=1e-7)


@pytest.mark.parametrize("name, margin, expected", [
    ("tanh", 0.05, (-0.95, 0.95)), ("sigmoid", 0.05, (0.025, 0.975)), ("hard_sigmoid", 0.05, (0.025, 0.975)),
    ("linear", 0.05, (-1.0, 1.0)), ("tanh", 0.0, (-1.0, 1.0))])
def test_data_margin_moves_pixels_inside_a_bounded_range(name, margin, expected):
  act = activations.get(name, data_margin=margin)
  assert act.image_range == pytest.approx(expected)
  assert act.data_range == activations.get(name).data_range  # The declared range stays the activation's.
  pixels = np.arange(256, dtype=np.uint8)
  data = act.pixels_to_data(pixels)
  assert (data[0], data[-1]) == pytest.approx(expected, abs=1e-6)
  np.testing.assert_allclose(act.data_to_unit(data) * 255, pixels, atol=1e-4)  # Samples map back the same way.
