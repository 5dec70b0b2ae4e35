"""Shapes of every architecture, logits that are not squashed, shared generator weights."""

import numpy as np
import pytest
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import activations, models

SHAPES = {"mlp": [(2,), (28, 28, 1), (32, 32, 3)], "dcgan": [(28, 28, 1), (32, 32, 3)],
          "tutorial_dcgan": [(28, 28, 1)]}
CASES = [(m, s, a) for m, shapes in SHAPES.items() for s in shapes for a in registry.ACTIVATIONS.names()]


@pytest.mark.parametrize("model, shape, act", CASES)
def test_shapes_and_dtypes(model, shape, act):
  gan = models.build(model, shape, 16, activations.get(act))
  images = gan.generator(tf.random.normal([3, 16]))
  assert images.shape == (3, *shape) and images.dtype == tf.float32
  logits = gan.discriminator(images)
  assert logits.shape == (3, 1) and logits.dtype == tf.float32
  out, pre = gan.generator_with_preactivation(tf.random.normal([3, 16]))
  assert out.shape == pre.shape == (3, *shape)


@pytest.mark.parametrize("model", SHAPES)
def test_discriminator_returns_unsquashed_logits(model):
  gan = models.build(model, (28, 28, 1), 8, activations.get("tanh"))
  # Push the final layer's bias far out: probabilities would stay in (0, 1).
  gan.discriminator.get_layer("logits").bias.assign([25.0])
  logits = gan.discriminator(tf.zeros([2, 28, 28, 1])).numpy()
  assert np.all(logits > 1.0)
  gan.discriminator.get_layer("logits").bias.assign([-25.0])
  assert np.all(gan.discriminator(tf.zeros([2, 28, 28, 1])).numpy() < 0.0)


@pytest.mark.parametrize("model", SHAPES)
def test_preactivation_model_shares_generator_weights(model):
  act = activations.get("sigmoid")
  gan = models.build(model, (28, 28, 1), 8, act)
  z = tf.random.normal([4, 8])
  out, pre = gan.generator_with_preactivation(z, training=False)
  np.testing.assert_allclose(out, gan.generator(z, training=False), rtol=1e-6)
  np.testing.assert_allclose(out, act.fn(pre), rtol=1e-6)
  assert len(gan.generator_with_preactivation.trainable_variables) == len(gan.generator.trainable_variables)


def test_dcgan_rejects_unsupported_shape():
  with pytest.raises(ValueError, match="dcgan"):
    models.build("dcgan", (2,), 8, activations.get("tanh"))


def test_unknown_model():
  with pytest.raises(ValueError, match="mlp, dcgan, dcgan_narrow, tutorial_dcgan"):
    models.build("resnet", (28, 28, 1), 8, activations.get("tanh"))


def test_tutorial_dcgan_is_28x28_only():
  with pytest.raises(ValueError, match="tutorial_dcgan"):
    models.build("tutorial_dcgan", (32, 32, 3), 8, activations.get("tanh"))
