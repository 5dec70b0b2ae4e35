"""Training throughput of gan_lab against TensorFlow's DCGAN tutorial, measured in one run.

  python -m benchmarks.throughput                # full run, about 6 minutes on 2 CPU cores
  python -m benchmarks.throughput --windows=2 --window_steps=3 --contestants=tutorial,gan_lab_tutorial

Images per second = real images consumed by steps that each update D and G
once. After warm-up, contestants run in interleaved windows (A B C A B C ...)
so a shared, noisy machine slows all of them alike; each contestant's figure
is the median over windows, and each ratio the median of per-window ratios
against the baseline of the same architecture. Also reported: startup (build
and first traced step), achieved GFLOP/s as a fraction of a large matmul
measured in the same run, and the process's peak memory. The table goes to
benchmarks/results/.
"""

import os
import sys
import time

_T0 = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import tensorflow as tf  # pylint: disable=g-import-not-at-top

_IMPORT_SECONDS = time.perf_counter() - _T0

from absl import app, flags, logging  # pylint: disable=g-import-not-at-top

from benchmarks import contestants as contestants_lib  # pylint: disable=g-import-not-at-top
from benchmarks import report as report_lib  # pylint: disable=g-import-not-at-top

flags.DEFINE_list("contestants", list(contestants_lib.NAMES), "Which contestants to run.")
flags.DEFINE_integer("batch_size", 256, "Batch size of every contestant.", lower_bound=1)
flags.DEFINE_integer("windows", 5, "Timed windows per contestant.", lower_bound=1)
flags.DEFINE_integer("window_steps", 20, "Train steps per window. Much longer windows would often include "
                     "the tutorial's per-epoch shuffle(60000) refill (benchmarks/README.md).", lower_bound=1)
flags.DEFINE_integer("warmup_steps", 5, "Untimed steps after the first (traced) one.", lower_bound=0)
flags.DEFINE_integer("max_examples", 0, "Use only the first N Fashion-MNIST images (0: all 60000).", lower_bound=0)
flags.DEFINE_string("results_dir", "benchmarks/results", "Where the table is written.")

FLAGS = flags.FLAGS


def main(argv):
  logging.set_verbosity(logging.WARNING)
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  unknown = set(FLAGS.contestants) - set(contestants_lib.NAMES)
  if unknown:
    raise app.UsageError(f"--contestants: unknown {sorted(unknown)}; expected from {', '.join(contestants_lib.NAMES)}")
  images = contestants_lib.load_fashion_mnist(FLAGS.max_examples)
  ceiling = {"float32": report_lib.matmul_gflops(tf.float32), "bfloat16": report_lib.matmul_gflops(tf.bfloat16)}
  chosen = [contestants_lib.make(name, images, FLAGS.batch_size) for name in FLAGS.contestants]
  for c in chosen:
    c.start(FLAGS.warmup_steps)
    print(f"ready: {c.name} (startup {c.startup_seconds:.1f}s)", flush=True)
  for w in range(FLAGS.windows):
    for c in chosen:
      c.timed_window(FLAGS.window_steps)
    print(f"window {w + 1}/{FLAGS.windows}: " + ", ".join(f"{c.name} {c.rates[-1]:.0f}" for c in chosen), flush=True)
  ceiling_after = {"float32": report_lib.matmul_gflops(tf.float32), "bfloat16": report_lib.matmul_gflops(tf.bfloat16)}
  table = report_lib.table(chosen, ceiling, ceiling_after, _IMPORT_SECONDS, FLAGS.flag_values_dict())
  print(table)
  path = report_lib.write(FLAGS.results_dir, table)
  print(f"wrote {path}")


if __name__ == "__main__":
  app.run(main)
