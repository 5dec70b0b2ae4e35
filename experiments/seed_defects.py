"""What each seed defect costs: the seeds' MLP GAN corrected, and once with each defect put back alone.

  python experiments/seed_defects.py                       # into outputs/seed_defects
  python experiments/seed_defects.py --seeds=5 --train_steps=10000

Every run is `gan-lab train` with the seeds' MLP, a sigmoid output
(seed 001's question), Adam 2e-4 / 0.5, and by default the study's MLP budget
(20000 steps at batch 64, alternating updates: the corrected row can be held
against the study's mlp / non_saturating / sigmoid cell), with
`--plugins=experiments.seed_defect_plugins`; a defective run differs from the
corrected one in one name only (its loss, model or output activation, each
defined in that module). The folder is pinned to its settings
(`settings.json`): finished runs are reused only under the same ones. The runs are scored offline (FCD, recall, classes),
their discriminators probed (accuracy on real test images and on their own
samples), and the seeds' classifier (000, 002) trained with and without the
sigmoid on its logits. Started again, finished runs are skipped.
Writes results.csv, summary.md, grids.png and curves.png into --output_dir.
"""

import json
import os
import sys
from pathlib import Path

# The plugins module is imported by name (experiments.seed_defect_plugins): the checkout must be importable.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags  # pylint: disable=g-import-not-at-top

from gan_lab.cli import native_log_filter  # pylint: disable=g-import-not-at-top
from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top

PLUGINS = "experiments.seed_defect_plugins"
# variant -> (model, loss, output activation, the seeds that have the defect, why it hurts)
VARIANTS = {
    "corrected": ("mlp", "non_saturating", "sigmoid", "",
                  "the seeds' MLP with a sigmoid output, every defect fixed (as in the study's mlp / non_saturating / "
                  "sigmoid cell)"),
    "double_sigmoid": ("mlp", "defect_double_sigmoid", "sigmoid", "001, 004",
                       "D's sigmoid output is read as a logit: the loss's probability stays in (0.5, 0.73), so D "
                       "cannot reject a fake, and every gradient through it shrinks by sigmoid' <= 1/4"),
    "noise_shift": ("defect_mlp_shifted_noise", "non_saturating", "sigmoid", "001",
                    "noise * 0.1 + 0.9: every latent sits near 0.9 with a tenth of the spread, so G must "
                    "amplify tiny differences to vary its samples"),
    "fakes_labelled_real": ("mlp", "defect_fakes_labelled_real", "sigmoid", "004",
                            "D is trained to call every sample real: it stops telling G anything"),
    "updates_swapped": ("mlp", "defect_swapped_updates", "sigmoid", "004",
                        "each network steps on the other's objective: D learns to accept fakes and G learns "
                        "to look fake"),
    "data_in_pm1": ("mlp", "non_saturating", "defect_sigmoid_data_pm1", "001, 004",
                    "real data in [-1, 1] for a sigmoid output in (0, 1): G cannot produce the dark half of "
                    "the range and D separates real from fake by sign alone"),
    "data_in_0_255": ("mlp", "non_saturating", "defect_sigmoid_data_0_255", "001, 004",
                      "real data left in [0, 255] for a sigmoid output: G's samples can reach 1/255 of the "
                      "range at most, and D's inputs are 255x larger than its initialisation expects"),
}

flags.DEFINE_string("output_dir", "outputs/seed_defects", "Where the runs and the report go.")
flags.DEFINE_list("variants", list(VARIANTS), f"Variants to run, from: {', '.join(VARIANTS)}.")
flags.DEFINE_integer("seeds", 3, "Seeds 0..N-1 per variant.", lower_bound=1)
flags.DEFINE_integer("train_steps", 20000, "Steps of every run.", lower_bound=1)
flags.DEFINE_integer("batch_size", 64, "Batch of every run (seed 001's is 128).", lower_bound=1)
flags.DEFINE_enum("update_scheme", "alternating", ["simultaneous", "alternating"],
                  "simultaneous is seed 001's tf.function step (both tapes on one forward pass).")
flags.DEFINE_integer("num_samples", 5000, "Samples per run, scored and shown to its discriminator.",
                     lower_bound=100)
flags.DEFINE_integer("classifier_epochs", 5, "Epochs of the 000/002 classifier rows (0: skip them).",
                     lower_bound=0)
flags.DEFINE_enum("dataset", "fashion_mnist", ["fashion_mnist", "mnist"], "Image data set.")
flags.DEFINE_string("data_dir", "", "Passed to every run and to the evaluator.")
flags.DEFINE_string("evaluator_dir", "", "Cache of trained evaluator classifiers (empty: the per-user "
                    "cache, $XDG_CACHE_HOME/gan_lab/evaluators or ~/.cache/gan_lab/evaluators).")
flags.DEFINE_integer("parallel", 1, "Training processes at once.", lower_bound=1)

FLAGS = flags.FLAGS
# Scores (named as every gan_lab table names them), then the discriminator probe's accuracies.
SCORE_COLUMNS = ("fcd", "recall", "classes_covered")
PROBE_COLUMNS = [("d_accuracy_real", "D acc. real"), ("d_accuracy_fake", "D acc. fake")]


def _train_args() -> list[str]:
  args = [f"--plugins={PLUGINS}", f"--dataset={FLAGS.dataset}", f"--batch_size={FLAGS.batch_size}",
          f"--train_steps={FLAGS.train_steps}", f"--update_scheme={FLAGS.update_scheme}",
          f"--num_samples={FLAGS.num_samples}", f"--sample_every={FLAGS.train_steps}",
          f"--log_every={max(1, FLAGS.train_steps // 50)}", f"--checkpoint_every={max(1, FLAGS.train_steps // 5)}"]
  return args + ([f"--data_dir={FLAGS.data_dir}"] if FLAGS.data_dir else [])


def _plan(sweep, design):
  """{variant: [RunSpec per seed]}."""
  plans = {}
  for variant in FLAGS.variants:
    model, loss, activation, _, _ = VARIANTS[variant]
    plans[variant] = sweep.plan(FLAGS.output_dir, [design.Cell(model, loss, activation)], lambda c: range(FLAGS.seeds),
                                lambda c: _train_args())
  return plans


def _pin_settings(sweep, path) -> None:
  """Refuses a folder whose finished runs were trained with other settings (they would be reused as they are)."""
  settings = {name: FLAGS[name].value for name in ("dataset", "train_steps", "batch_size", "update_scheme",
                                                   "num_samples", "data_dir")}
  conflicts = sweep.pin_settings(path, settings)
  if conflicts:
    raise app.UsageError(f"--output_dir={FLAGS.output_dir} holds runs made with "
                         f"{', '.join(f'--{k}={v}' for k, v in conflicts.items())}: pass those, or another --output_dir")


def _row(spec, variant, report) -> dict:
  """A results row: the run's row as the study writes it, its variant, and its discriminator probe."""
  row = {**report.run_row(spec), "variant": variant, "defect_of_seeds": VARIANTS[variant][3]}
  if not row["failed"]:
    row.update(json.loads((spec.run_dir / "d_accuracy.json").read_text()))
  return row


def _classifier_rows(path) -> list[str]:
  """000/002: the evaluator's classifier trained with logits and with a sigmoid on them, same epochs and seed."""
  from experiments import seed_defect_plugins as defects  # pylint: disable=g-import-not-at-top
  from gan_lab.evaluation import evaluator  # pylint: disable=g-import-not-at-top
  result = json.loads(Path(path).read_text()) if os.path.isfile(path) else {}
  if result.get("epochs") != FLAGS.classifier_epochs:
    train = lambda build: evaluator.train(FLAGS.dataset, FLAGS.data_dir or None, FLAGS.classifier_epochs,
                                          build=build, log=None).test_accuracy
    result = {"epochs": FLAGS.classifier_epochs, "logits": train(evaluator.build_classifier),
              "sigmoid_on_logits": train(defects.classifier_with_sigmoid_on_logits)}
    atomic_io.write_json(path, result)
  return ["| classifier (seeds 000, 002) | test accuracy after "
          f"{result['epochs']} epochs |", "| --- | --- |",
          f"| logits, from-logits cross-entropy (gan_lab's evaluator) | {result['logits']:.4f} |",
          f"| sigmoid on the logits, then the same loss (000's `nn.Sigmoid` before `CrossEntropyLoss`) | "
          f"{result['sigmoid_on_logits']:.4f} |"]


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  unknown = [v for v in FLAGS.variants if v not in VARIANTS]
  if unknown:
    raise app.UsageError(f"--variants: unknown {', '.join(unknown)}; expected names from {', '.join(VARIANTS)}")
  native_log_filter.quiet_unless_verbose()
  from gan_lab.evaluation import discriminator_probe, evaluator, metrics, scoring
  from gan_lab.run import interrupts
  from gan_lab.study import design, report, sweep, variant_report
  plans = _plan(sweep, design)
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  _pin_settings(sweep, os.path.join(FLAGS.output_dir, "settings.json"))
  with interrupts.StopRequest() as stop:
    sweep.run_all([s for specs in plans.values() for s in specs], FLAGS.parallel, stop=stop)
  if stop.requested():
    print(f"interrupted ({stop.name}): run the same command to resume", file=sys.stderr)
    return stop.exit_code
  ev = evaluator.load_or_train(FLAGS.dataset, FLAGS.evaluator_dir or None, FLAGS.data_dir or None)
  scorer = scoring.Scorer(ev, FLAGS.data_dir or None, reference_size=FLAGS.num_samples)
  rows = []
  for variant, specs in plans.items():
    for spec in specs:
      if spec.succeeded():
        scoring.score_unscored([spec.run_dir], scorer)
      if spec.succeeded() and not (spec.run_dir / "d_accuracy.json").is_file():
        atomic_io.write_json(spec.run_dir / "d_accuracy.json", discriminator_probe.discriminator_accuracy(
            spec.run_dir, FLAGS.num_samples, FLAGS.data_dir or None))
      rows.append(_row(spec, variant, report))
  out = FLAGS.output_dir
  report.write_results_csv(os.path.join(out, "results.csv"), rows)
  lines = [f"# Seed defects, put back one at a time ({FLAGS.dataset}, {FLAGS.train_steps} steps at batch "
           f"{FLAGS.batch_size}, {FLAGS.update_scheme} updates, {FLAGS.seeds} seeds)", "",
           "Mean ± 95% t-interval over seeds; FCD and recall on the offline evaluator "
           f"(test accuracy {ev.test_accuracy:.4f}), {FLAGS.num_samples} samples per run.", "",
           *variant_report.summary_table(
               rows, [(m, metrics.header(m)) for m in SCORE_COLUMNS] + PROBE_COLUMNS, list(plans)), "",
           *[f"- **{v}** ({VARIANTS[v][3] or 'the reference'}): {VARIANTS[v][4]}." for v in plans]]
  if FLAGS.classifier_epochs:
    lines += ["", *_classifier_rows(os.path.join(out, "classifier.json"))]
  atomic_io.write_bytes(os.path.join(out, "summary.md"), ("\n".join(lines) + "\n").encode())
  seed0 = {v: next((s.run_dir / "grid_samples.npz" for s in specs if s.seed == 0 and s.succeeded()), None)
           for v, specs in plans.items()}
  variant_report.save_grids(os.path.join(out, "grids.png"), seed0, "final samples, seed 0, the same noise")
  variant_report.save_loss_curves(os.path.join(out, "curves.png"),
                                  {v: [s.run_dir / "metrics.jsonl" for s in specs if s.succeeded()]
                                   for v, specs in plans.items()})
  print(json.dumps({"ok": sum(not r["failed"] for r in rows), "failed": sum(r["failed"] for r in rows)}))
  print(f"report in {out}: summary.md, results.csv, grids.png, curves.png")
  return 0


if __name__ == "__main__":
  app.run(main)
