"""What each seed defect costs: the seeds' MLP GAN corrected, and once with each defect put back alone.

  python experiments/seed_defects.py                       # into outputs/seed_defects
  python experiments/seed_defects.py --seeds=5 --train_steps=10000

Every run is `gan-lab train` with the seeds' MLP, a sigmoid output (seed
001's question), Adam 2e-4 / 0.5, and by default the study's MLP budget
(20000 steps at batch 64, alternating updates: the corrected row can be held
against the study's mlp / non_saturating / sigmoid cell), with
`--plugins=experiments.seed_defect_plugins`; a defective run differs from the
corrected one in one name only (its loss, model or output activation, each
defined in that module). `gan_lab.study.variant_study` runs, scores, probes
and reports them (results.csv, summary.md, grids.png, curves.png in
--output_dir); the folder is pinned to its settings. The seeds' classifier
(000, 002) is also trained with and without the sigmoid on its logits.
"""

import os
import sys

# The plugins module is imported by name (experiments.seed_defect_plugins): the checkout must be importable.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags  # pylint: disable=g-import-not-at-top

from gan_lab.cli import native_log_filter  # pylint: disable=g-import-not-at-top

PLUGINS = "experiments.seed_defect_plugins"
# name, model, loss, output activation, the seeds that have the defect, why it hurts
VARIANTS = (
    ("corrected", "mlp", "non_saturating", "sigmoid", "",
     "the seeds' MLP with a sigmoid output, every defect fixed (as in the study's mlp / non_saturating / "
     "sigmoid cell)"),
    ("double_sigmoid", "mlp", "defect_double_sigmoid", "sigmoid", "001, 004",
     "D's sigmoid output is read as a logit: the loss's probability stays in (0.5, 0.73), so D cannot reject a "
     "fake, and every gradient through it shrinks by sigmoid' <= 1/4"),
    ("noise_shift", "defect_mlp_shifted_noise", "non_saturating", "sigmoid", "001",
     "noise * 0.1 + 0.9: every latent sits near 0.9 with a tenth of the spread, so G must amplify tiny "
     "differences to vary its samples"),
    ("fakes_labelled_real", "mlp", "defect_fakes_labelled_real", "sigmoid", "004",
     "D is trained to call every sample real: it stops telling G anything"),
    ("updates_swapped", "mlp", "defect_swapped_updates", "sigmoid", "004",
     "each network steps on the other's objective: D learns to accept fakes and G learns to look fake"),
    ("data_in_pm1", "mlp", "non_saturating", "defect_sigmoid_data_pm1", "001, 004",
     "real data in [-1, 1] for a sigmoid output in (0, 1): G cannot produce the dark half of the range and D "
     "separates real from fake by sign alone"),
    ("data_in_0_255", "mlp", "non_saturating", "defect_sigmoid_data_0_255", "001, 004",
     "real data left in [0, 255] for a sigmoid output: G's samples can reach 1/255 of the range at most, and "
     "D's inputs are 255x larger than its initialisation expects"),
)
NAMES = [v[0] for v in VARIANTS]

flags.DEFINE_string("output_dir", "outputs/seed_defects", "Where the runs and the report go.")
flags.DEFINE_list("variants", NAMES, f"Variants to run, from: {', '.join(NAMES)}.")
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


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  unknown = [v for v in FLAGS.variants if v not in NAMES]
  if unknown:
    raise app.UsageError(f"--variants: unknown {', '.join(unknown)}; expected names from {', '.join(NAMES)}")
  native_log_filter.quiet_unless_verbose()
  from experiments import seed_defect_plugins as defects  # pylint: disable=g-import-not-at-top
  from gan_lab.evaluation import evaluator  # pylint: disable=g-import-not-at-top
  from gan_lab.run import interrupts  # pylint: disable=g-import-not-at-top
  from gan_lab.study import variant_study  # pylint: disable=g-import-not-at-top
  study = variant_study.VariantStudy(
      FLAGS.output_dir, tuple(variant_study.Variant(*v) for v in VARIANTS if v[0] in FLAGS.variants), PLUGINS,
      FLAGS.dataset, FLAGS.data_dir, FLAGS.seeds, FLAGS.train_steps, FLAGS.batch_size, FLAGS.update_scheme,
      FLAGS.num_samples, tag_column="defect_of_seeds", title="Seed defects, put back one at a time")
  try:
    study.pin()  # Before the classifiers train: a folder made with other settings is refused at once.
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  classifiers = {"logits, from-logits cross-entropy (gan_lab's evaluator)": evaluator.build_classifier,
                 "sigmoid on the logits, then the same loss (000's `nn.Sigmoid` before `CrossEntropyLoss`)":
                     defects.classifier_with_sigmoid_on_logits}
  extra = variant_study.classifier_comparison(FLAGS.dataset, FLAGS.data_dir or None, FLAGS.classifier_epochs,
                                               classifiers, os.path.join(FLAGS.output_dir, "classifier.json")
                                               ) if FLAGS.classifier_epochs else []
  with interrupts.StopRequest() as stop:
    counts = variant_study.run(study, FLAGS.parallel, FLAGS.evaluator_dir or None, stop, extra)
  if not counts:
    print(f"interrupted ({stop.name}): run the same command to resume", file=sys.stderr)
    return stop.exit_code
  print(f"report in {FLAGS.output_dir}: summary.md, results.csv, grids.png, curves.png ({counts})")
  return 0


if __name__ == "__main__":
  app.run(main)
