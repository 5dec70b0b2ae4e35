"""Where bfloat16 helps: each convolution of the tutorial's DCGAN, float32 against bfloat16.

  python -m benchmarks.precision_ops      # about a minute on 2 CPU cores; table in benchmarks/results/

For every Conv2D and Conv2DTranspose layer of the tutorial's generator and
discriminator at batch 256, times the three kernels a training step runs
(forward, gradient to the input, gradient to the filter) in float32 and in
bfloat16, interleaved, as the median of several calls, and prints the
bfloat16 speed-up of each. A step's overall bfloat16 gain is bounded by the
slowest of these on the layers that dominate its FLOPs.
"""

import datetime
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top
from absl import app, flags  # pylint: disable=g-import-not-at-top

from benchmarks import conv_kernels, report, tutorial_baseline  # pylint: disable=g-import-not-at-top

flags.DEFINE_integer("batch_size", 256, "Batch size.", lower_bound=1)
flags.DEFINE_integer("repeats", 5, "Timed calls per kernel and precision (the median is shown).", lower_bound=1)
flags.DEFINE_string("results_dir", "benchmarks/results", "Where the table is written.")

FLAGS = flags.FLAGS


def main(argv):
  del argv
  layers = [(f"{model.name}/{layer.name}", layer)
            for model in (tutorial_baseline.make_generator_model(), tutorial_baseline.make_discriminator_model())
            for layer in model.layers if type(layer).__name__ in ("Conv2D", "Conv2DTranspose")]
  lines = [f"# Convolution kernels, float32 against bfloat16, {datetime.datetime.now().isoformat(timespec='seconds')}",
           "", f"Machine: {report.machine_description()}", "",
           f"Batch {FLAGS.batch_size}; median of {FLAGS.repeats} calls, float32 and bfloat16 interleaved.", "",
           "| layer | kernel | float32 ms | bfloat16 ms | bfloat16 speed-up |", "| --- | --- | --- | --- | --- |"]
  print("\n".join(lines))
  for name, layer in layers:
    f32, bf16 = (conv_kernels.layer_kernels(layer, FLAGS.batch_size, d) for d in (tf.float32, tf.bfloat16))
    for kernel in f32:
      conv_kernels.time_call(f32[kernel]), conv_kernels.time_call(bf16[kernel])  # Trace, warm up.
      pairs = [(conv_kernels.time_call(f32[kernel]), conv_kernels.time_call(bf16[kernel]))
               for _ in range(FLAGS.repeats)]
      a, b = np.median(pairs, axis=0)
      lines.append(f"| {name} | {kernel} | {a * 1e3:.1f} | {b * 1e3:.1f} | {a / b:.2f}x |")
      print(lines[-1], flush=True)
  path = report.write(FLAGS.results_dir, "\n".join(lines) + "\n", name="precision_ops")
  print(f"wrote {path}")


if __name__ == "__main__":
  app.run(main)
