"""gan-lab plot-activations: seed 003's activation functions and their derivatives in one figure.

  gan-lab plot-activations --output=docs/activations.png
"""

import os

from absl import app, flags

from gan_lab.study import activation_figure

flags.DEFINE_string("output", "outputs/activations.png", "PNG file to write.")
flags.DEFINE_float("x_min", -6.0, "Left end of the x axis.")
flags.DEFINE_float("x_max", 6.0, "Right end of the x axis.")

FLAGS = flags.FLAGS


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if FLAGS.x_min >= FLAGS.x_max:
    raise app.UsageError(f"--x_min={FLAGS.x_min} must be below --x_max={FLAGS.x_max}")
  os.makedirs(os.path.dirname(FLAGS.output) or ".", exist_ok=True)
  activation_figure.save_figure(FLAGS.output, FLAGS.x_min, FLAGS.x_max)
  print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
  app.run(main)
