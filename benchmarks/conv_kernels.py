"""The three convolution kernels of a training step for one Keras conv layer, for timing by precision."""

import time

import tensorflow as tf


def layer_kernels(layer, batch_size, dtype):
  """{kernel name: compiled function} for one conv layer's forward and two backward kernels."""
  transpose = type(layer).__name__ == "Conv2DTranspose"
  x_shape, y_shape = (batch_size, *layer.input.shape[1:]), (batch_size, *layer.output.shape[1:])
  w = tf.cast(layer.kernel, dtype)
  x, dy = (tf.cast(tf.random.normal(s), dtype) for s in (x_shape, y_shape))
  strides, pad = [1, *layer.strides, 1], layer.padding.upper()
  conv = lambda a: tf.raw_ops.Conv2D(input=a, filter=w, strides=strides, padding=pad)
  back_input = lambda size, grad: tf.raw_ops.Conv2DBackpropInput(input_sizes=size, filter=w, out_backprop=grad,
                                                                   strides=strides, padding=pad)
  back_filter = lambda a, grad: tf.raw_ops.Conv2DBackpropFilter(input=a, filter_sizes=w.shape, out_backprop=grad,
                                                                  strides=strides, padding=pad)
  if transpose:  # y = Conv2DBackpropInput(x): its input gradient is a Conv2D, its filter gradient swaps roles.
    ops = {"forward": lambda: back_input(y_shape, x), "grad_input": lambda: conv(dy),
           "grad_filter": lambda: back_filter(dy, x)}
  else:
    ops = {"forward": lambda: conv(x), "grad_input": lambda: back_input(x_shape, dy),
           "grad_filter": lambda: back_filter(x, dy)}
  # Reducing to a float32 scalar forces the work without timing a large copy out.
  return {k: tf.function(lambda f=f: tf.reduce_sum(tf.cast(f(), tf.float32))) for k, f in ops.items()}


def time_call(fn) -> float:
  began = time.perf_counter()
  fn().numpy()
  return time.perf_counter() - began
