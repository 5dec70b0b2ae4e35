"""gan-lab compare-ema: scores the EMA generator's samples against the raw generator's, over seeds.

  gan-lab compare-ema --run_dirs=outputs/ema_study/seed_0,outputs/ema_study/seed_1,...

Each run folder is a finished `gan-lab train --g_ema_decay=D` run
(samples.npz from the EMA, samples_raw.npz from the raw generator, same
noise). Writes comparison.json (every score) and comparison.md (the paired
table) into --output_dir.
"""

import json
import os
from pathlib import Path

from absl import app, flags

from gan_lab.cli import native_log_filter

flags.DEFINE_list("run_dirs", [], "Finished runs trained with --g_ema_decay > 0.")
flags.DEFINE_string("output_dir", "outputs/ema_study", "Where comparison.json and comparison.md go.")
flags.DEFINE_string("evaluator_dir", "", "Cache of trained evaluator classifiers (empty: the per-user "
                    "cache, $XDG_CACHE_HOME/gan_lab/evaluators or ~/.cache/gan_lab/evaluators).")
flags.DEFINE_string("data_dir", "", "Passed to the evaluator and the real reference.")
flags.DEFINE_integer("reference_size", 10000, "Real train images the samples are scored against.", lower_bound=1000)

FLAGS = flags.FLAGS


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  missing = [d for d in FLAGS.run_dirs if not os.path.isfile(os.path.join(d, "samples_raw.npz"))]
  if not FLAGS.run_dirs or missing:
    raise app.UsageError(f"--run_dirs: expected finished runs with samples_raw.npz; missing in {missing}")
  datasets = {json.loads(Path(d, "flags.json").read_text())["dataset"] for d in FLAGS.run_dirs}
  if len(datasets) != 1:
    raise app.UsageError(f"--run_dirs: runs on different data sets {sorted(datasets)}")

  native_log_filter.quiet_unless_verbose()
  from gan_lab.evaluation import evaluator, scoring
  from gan_lab.files import atomic_io
  from gan_lab.study import paired_report
  data_dir = FLAGS.data_dir or None
  scorer = scoring.Scorer(evaluator.load_or_train(datasets.pop(), FLAGS.evaluator_dir or None, data_dir), data_dir,
                          reference_size=FLAGS.reference_size)
  rows = paired_report.score_runs(FLAGS.run_dirs, scorer, {"ema": "samples.npz", "raw": "samples_raw.npz"})
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  atomic_io.write_json(os.path.join(FLAGS.output_dir, "comparison.json"), rows)
  table = paired_report.markdown_table(rows, after="ema", before="raw")
  atomic_io.write_bytes(os.path.join(FLAGS.output_dir, "comparison.md"), table.encode())
  print(table)
  return 0


if __name__ == "__main__":
  app.run(main)
