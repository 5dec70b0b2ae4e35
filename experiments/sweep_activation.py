"""The output-activation study: activations x seeds (x losses), scored offline, reported.

  python experiments/sweep_activation.py --sweep_dir=outputs/sweep_activation

Each run is experiments/train.py with the same budget flags. Finished runs
are skipped when the sweep is started again; failed runs are recorded and
reported, not fatal. Writes results.csv, summary.md, grids.png and curves.png
into --sweep_dir.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags, logging  # pylint: disable=g-import-not-at-top

from gan_lab import config as config_lib, registry  # pylint: disable=g-import-not-at-top

flags.DEFINE_list("activations", list(registry.ACTIVATIONS.names()), "Output activations to compare.")
flags.DEFINE_list("losses", ["non_saturating"], "Losses to cross with the activations.")
flags.DEFINE_integer("seeds", 3, "Seeds 0..N-1 per activation x loss.", lower_bound=1)
flags.DEFINE_string("sweep_dir", "outputs/sweep_activation", "Where runs and the report go.")
flags.DEFINE_integer("parallel", 1, "Training processes at once.", lower_bound=1)
flags.DEFINE_enum("dataset", "fashion_mnist", list(config_lib.DATASETS[:-1]), "Image data set.")
flags.DEFINE_string("data_dir", "", "Passed to every run and to the evaluator.")
flags.DEFINE_enum("model", "dcgan", list(registry.MODELS.names()), "Architecture of every run.")
flags.DEFINE_integer("train_steps", 3000, "Budget: generator updates per run.", lower_bound=1)
flags.DEFINE_integer("batch_size", 64, "Budget: batch size per run.", lower_bound=1)
flags.DEFINE_float("gp_weight", 0.0, "Gradient penalty weight of every run.")
flags.DEFINE_integer("snapshot_every", 500, "Steps between scored snapshots (the curves).", lower_bound=1)
flags.DEFINE_integer("snapshot_samples", 2000, "Samples per snapshot.", lower_bound=1000)
flags.DEFINE_integer("num_samples", 10000, "Final samples per run (scored for the summary).", lower_bound=1000)
flags.DEFINE_string("evaluator_dir", "outputs/evaluators", "Cache of trained evaluator classifiers.")
flags.DEFINE_bool("retrain_evaluator", False, "Retrain the evaluator even if cached.")

FLAGS = flags.FLAGS


def _check_names(flag, values, allowed):
  unknown = [v for v in values if v not in allowed]
  if unknown or not values:
    raise app.UsageError(f"--{flag}={','.join(values)}: expected names from {', '.join(allowed)}")


def main(argv):
  logging.set_verbosity(logging.WARNING)
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  _check_names("activations", FLAGS.activations, registry.ACTIVATIONS.names())
  _check_names("losses", FLAGS.losses, registry.LOSSES.names())

  from gan_lab import atomic_io, evaluator, report, scoring, sweep  # pylint: disable=g-import-not-at-top
  from pathlib import Path  # pylint: disable=g-import-not-at-top
  sweep_dir = Path(FLAGS.sweep_dir)
  train_args = [f"--dataset={FLAGS.dataset}", f"--model={FLAGS.model}", f"--train_steps={FLAGS.train_steps}",
                f"--batch_size={FLAGS.batch_size}", f"--gp_weight={FLAGS.gp_weight}",
                f"--snapshot_every={FLAGS.snapshot_every}", f"--snapshot_samples={FLAGS.snapshot_samples}",
                f"--num_samples={FLAGS.num_samples}", f"--sample_every={FLAGS.snapshot_every}",
                f"--checkpoint_every={FLAGS.snapshot_every}"] + ([f"--data_dir={FLAGS.data_dir}"] if FLAGS.data_dir else [])
  specs = sweep.plan(sweep_dir, FLAGS.losses, FLAGS.activations, range(FLAGS.seeds), train_args)
  sweep_dir.mkdir(parents=True, exist_ok=True)
  atomic_io.write_json(sweep_dir / "sweep_flags.json", {f.name: f.value for f in FLAGS.get_flags_for_module(sys.argv[0])})

  ev = evaluator.load_or_train(FLAGS.dataset, FLAGS.evaluator_dir, FLAGS.data_dir or None, FLAGS.retrain_evaluator)
  print(f"evaluator: {FLAGS.dataset} classifier, test accuracy {ev.test_accuracy:.4f}")
  scorer = scoring.Scorer(ev, FLAGS.data_dir or None, reference_size=FLAGS.num_samples)

  def score(spec):
    if (spec.status() or {}).get("status") == "ok" and not (spec.run_dir / sweep.SCORES_FILE).is_file():
      scoring.score_run_dir(spec.run_dir, scorer)

  for spec in specs:  # Runs that finished before a kill but were not scored yet.
    score(spec)
  sweep.run_all(specs, FLAGS.parallel, on_finished=score)

  floor = scorer.real_floor()
  curve_floor = scorer.real_floor(FLAGS.snapshot_samples)["fcd"]
  atomic_io.write_json(sweep_dir / "floor.json", {"final": floor, "curve_fcd": curve_floor,
                                                  "evaluator_test_accuracy": ev.test_accuracy})
  rows = [report.run_row(s) for s in specs]
  report.write_results_csv(sweep_dir / "results.csv", rows)
  budget = (f"{FLAGS.model} on {FLAGS.dataset}, {FLAGS.train_steps} steps at batch {FLAGS.batch_size}, "
            f"{FLAGS.num_samples} samples scored against {FLAGS.num_samples} train images; "
            f"evaluator test accuracy {ev.test_accuracy:.4f}")
  atomic_io.write_bytes(sweep_dir / "summary.md", report.summary_markdown(rows, floor, budget).encode())
  report.save_grids(sweep_dir / "grids.png", specs, FLAGS.losses, FLAGS.activations, seed=0)
  report.save_curves(sweep_dir / "curves.png", specs, FLAGS.losses, FLAGS.activations, curve_floor)
  failed = sum(r["failed"] for r in rows)
  print(f"sweep done: {len(rows) - failed} ok, {failed} failed; report in {sweep_dir}")
  return 0


if __name__ == "__main__":
  app.run(main)
