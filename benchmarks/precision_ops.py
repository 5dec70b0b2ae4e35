"""Where bfloat16 helps: each convolution of the tutorial's DCGAN, float32 against bfloat16.

  python -m benchmarks.precision_ops      # about a minute on 2 CPU cores

For every Conv2D and Conv2DTranspose layer of the tutorial's generator and
discriminator at batch 256, times the three kernels a training step runs
(forward, gradient to the input, gradient to the filter) in float32 and in
bfloat16, interleaved, as the median of several calls, and prints the
bfloat16 speed-up of each. A step's overall bfloat16 gain is bounded by the
slowest of these on the layers that dominate its FLOPs.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top
from absl import app, flags  # pylint: disable=g-import-not-at-top

from benchmarks import tutorial_baseline  # pylint: disable=g-import-not-at-top

flags.DEFINE_integer("batch_size", 256, "Batch size.", lower_bound=1)
flags.DEFINE_integer("repeats", 5, "Timed calls per kernel and precision (the median is shown).", lower_bound=1)

FLAGS = flags.FLAGS


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


def main(argv):
  del argv
  layers = [(f"{model.name}/{layer.name}", layer)
            for model in (tutorial_baseline.make_generator_model(), tutorial_baseline.make_discriminator_model())
            for layer in model.layers if type(layer).__name__ in ("Conv2D", "Conv2DTranspose")]
  print(f"batch {FLAGS.batch_size}; median of {FLAGS.repeats} calls, float32 and bfloat16 interleaved\n")
  print("| layer | kernel | float32 ms | bfloat16 ms | bfloat16 speed-up |\n| --- | --- | --- | --- | --- |")
  for name, layer in layers:
    f32, bf16 = (layer_kernels(layer, FLAGS.batch_size, d) for d in (tf.float32, tf.bfloat16))
    for kernel in f32:
      time_call(f32[kernel]), time_call(bf16[kernel])  # Trace and warm up.
      pairs = [(time_call(f32[kernel]), time_call(bf16[kernel])) for _ in range(FLAGS.repeats)]
      a, b = np.median(pairs, axis=0)
      print(f"| {name} | {kernel} | {a * 1e3:.1f} | {b * 1e3:.1f} | {a / b:.2f}x |", flush=True)


if __name__ == "__main__":
  app.run(main)
