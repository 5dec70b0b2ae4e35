"""The output-activation study: models x losses x activations x seeds, scored offline, reported.

  gan-lab sweep                                   # the whole study into outputs/study
  gan-lab sweep --models=mlp                      # one part of it; reports merge in the folder
  gan-lab sweep --report_only                     # rebuild the report from the runs present
  gan-lab sweep --report_only --sweep_dir=DIR     # DIR holding only results.csv etc.: redrawn from them
  gan-lab sweep --archive_dir=docs/study_v2       # restore its ended runs first, archive them at the end
  gan-lab sweep --axis=beta_1=0.0,0.5             # any train flag as one more axis (a column and a folder each)
  gan-lab sweep --tune=g_learning_rate,d_learning_rate=1e-4,2e-4,4e-4 --tune=beta_1=0.0,0.5 \
      --tune_seeds=2 --tune_steps=dcgan:2000,mlp:8000   # each activation at its own best recipe

(`bash run.sh sweep` and experiments/sweep_activation.py run the same.) Each
run is `gan-lab train` with its cell's flags and the budget of its
model (`gan_lab.study.design.Study`); the folder is pinned to those budgets. Finished
runs are skipped when the sweep is started again; failed runs are recorded
and reported, not fatal. The report (results.csv, summary.md, grids.png,
curves.png, ranks.png, HParams event files) covers every finished run in
--sweep_dir, from this invocation or earlier ones.

--axis adds any `gan-lab train` flag as an axis; --factor names the field
the report compares (default output_activation), within cells of every other
axis. --tune runs the study in two stages (`gan_lab.study.tuning`): a search
over the tuning grid per cell, a choice on samples no reported score uses,
then fresh seeds at the chosen recipe, which alone are reported.
"""

import dataclasses
import os
import sys

from absl import app, flags

from gan_lab.cli import axis_flags, native_log_filter
from gan_lab.config import train_config as config_lib
from gan_lab.run.exit_codes import ExitCode
from gan_lab.study import design

_DEFAULT = design.Study()


def _pairs(table):
  return [f"{k}:{v}" for k, v in table]


flags.DEFINE_string("sweep_dir", "outputs/study", "Where runs and the report go.")
flags.DEFINE_list("models", list(_DEFAULT.models), "Architectures.")
flags.DEFINE_list("losses", list(_DEFAULT.losses), "Losses.")
flags.DEFINE_list("activations", list(_DEFAULT.activations), "Output activations.")
flags.DEFINE_integer("seeds", _DEFAULT.seeds, "Seeds 0..N-1 per cell.", lower_bound=1)
flags.DEFINE_list("more_seeds", [f"{m}/{l}:{n}" for m, l, n in _DEFAULT.more_seeds],
                  "MODEL/LOSS:N cells that get N seeds instead of --seeds.")
flags.DEFINE_float("data_margin", _DEFAULT.data_margin, "Data-range control: the margin of the extra runs "
                   "(see train.py --data_margin); 0: no margin runs.", lower_bound=0.0, upper_bound=0.99)
flags.DEFINE_list("margin_activations", list(_DEFAULT.margin_activations), "Activations also run with the margin.")
flags.DEFINE_list("margin_losses", list(_DEFAULT.margin_losses), "Losses whose cells are also run with the margin.")
flags.DEFINE_list("train_steps", _pairs(_DEFAULT.train_steps), "MODEL:STEPS budget per model.")
flags.DEFINE_list("mixed_precision", _pairs(_DEFAULT.mixed_precision), "MODEL:POLICY per model "
                  f"({', '.join(config_lib.PRECISIONS)}).")
flags.DEFINE_integer("batch_size", _DEFAULT.batch_size, "Batch size of every run.", lower_bound=1)
flags.DEFINE_float("gp_weight", _DEFAULT.gp_weight, "Gradient penalty weight of the losses that need one.",
                   lower_bound=0.0)
flags.DEFINE_integer("snapshots", _DEFAULT.snapshots, "Scored snapshots per run (the curves and ranks).",
                     lower_bound=1)
flags.DEFINE_integer("snapshot_samples", _DEFAULT.snapshot_samples, "Samples per snapshot.", lower_bound=1000)
flags.DEFINE_integer("num_samples", _DEFAULT.num_samples, "Final samples per run (scored for the summary).",
                     lower_bound=1000)
flags.DEFINE_enum("dataset", _DEFAULT.dataset, list(config_lib.DATASETS[:-1]), "Image data set.")
flags.DEFINE_string("data_dir", "", "Passed to every run and to the evaluator.")
flags.DEFINE_integer("parallel", 1, "Training processes at once (local executor).", lower_bound=1)
flags.DEFINE_integer("threads_per_run", 0, "Local executor: cap each run's thread pools (OMP_NUM_THREADS, "
                     "TF_NUM_INTRAOP_THREADS, TF_NUM_INTEROP_THREADS); 0: TensorFlow's defaults. With --parallel "
                     "equal to the cores, 1 gets more runs done (README).", lower_bound=0)
flags.DEFINE_enum("executor", "local", ["local", "ray"], "local: subprocesses on this machine; ray: one Ray task per "
                  "run (needs gan_lab[ray]; --sweep_dir must be on storage every node sees).")
flags.DEFINE_string("ray_address", "", "Ray cluster to join (e.g. auto, or HEAD_IP:6379); empty: a local Ray.")
flags.DEFINE_float("cpus_per_run", 1.0, "Ray executor: CPUs each run asks for.", lower_bound=0.0)
flags.DEFINE_float("gpus_per_run", 0.0, "Ray executor: GPUs each run asks for.", lower_bound=0.0)
flags.DEFINE_string("evaluator_dir", "", "Cache of trained evaluator classifiers (empty: the per-user "
                    "cache, $XDG_CACHE_HOME/gan_lab/evaluators or ~/.cache/gan_lab/evaluators).")
flags.DEFINE_bool("retrain_evaluator", False, "Retrain the evaluator even if cached.")
flags.DEFINE_string("archive_dir", "", "A committed copy of the study (e.g. docs/study_v2): its finished runs are "
                    "restored into --sweep_dir before training (a new machine skips them), and every ended run "
                    "(a few KB each) and the report are archived into it at the end.")
flags.DEFINE_multi_string("axis", [], "FIELD=V1,V2,... : one more axis over any gan-lab train flag, e.g. "
                          "--axis=beta_1=0.0,0.5; tied fields move together: --axis=g_learning_rate,d_learning_rate="
                          "1e-4,2e-4. Repeatable; each value is checked as gan-lab train checks it.")
flags.DEFINE_string("factor", _DEFAULT.factor, "The field the report compares (its levels are the table's columns); "
                    "every other axis makes the cells it is compared within, e.g. --factor=beta_1 with "
                    "--axis=beta_1=0.0,0.5. One of output_activation, model, loss or an --axis name.")
flags.DEFINE_multi_string("tune", [], "FIELD=V1,V2,... : a tuned hyper-parameter (tied fields as in --axis); "
                          "each cell's combination is chosen in stage 1, e.g. --tune=g_learning_rate,"
                          "d_learning_rate=1e-4,2e-4,4e-4 --tune=beta_1=0.0,0.5. Repeatable.")
flags.DEFINE_integer("tune_seeds", _DEFAULT.tune_seeds, f"With --tune: seeds per combination in stage 1 "
                     f"(numbered from {design.TUNE_SEED_BASE}, never a reported seed), e.g. --tune_seeds=2.",
                     lower_bound=1)
flags.DEFINE_list("tune_steps", [], "With --tune: stage 1's budget, N for every model or MODEL:N items, e.g. "
                  "--tune_steps=dcgan:2000,mlp:8000 (40% of the study's budgets).")
flags.DEFINE_bool("report_only", False, "Train nothing: score and report the runs already in --sweep_dir; in a "
                  "folder without run folders, redraw the report from its results.csv, snapshots.csv and floor.json.")

FLAGS = flags.FLAGS


def _table(flag, cast):
  """Parses a MODEL:VALUE list flag (ValueError naming the flag)."""
  try:
    return tuple((k, cast(v)) for k, v in (item.split(":") for item in FLAGS[flag].value))
  except ValueError as e:
    raise ValueError(f"--{flag}={','.join(FLAGS[flag].value)}: expected MODEL:VALUE items ({e})") from None


def _more_seeds():
  try:
    parsed = tuple((*cell.split("/"), int(n)) for cell, n in (item.split(":") for item in FLAGS.more_seeds))
  except ValueError:
    parsed = ((),)
  if any(len(item) != 3 for item in parsed):
    raise ValueError(f"--more_seeds={','.join(FLAGS.more_seeds)}: expected MODEL/LOSS:N items")
  return parsed


def _tune_steps(models):
  """--tune_steps as ((model, steps), ...): one N for every model, or MODEL:N items."""
  items = FLAGS.tune_steps
  if len(items) == 1 and ":" not in items[0]:
    items = [f"{m}:{items[0]}" for m in models]
  try:
    parsed = tuple((k, int(v)) for k, v in (item.split(":") for item in items))
  except ValueError:
    parsed = ((None, 0),)
  if any(steps < 1 for _, steps in parsed):
    raise ValueError(f"--tune_steps={','.join(FLAGS.tune_steps)}: expected N or MODEL:N items, N >= 1")
  return parsed


def study_from_flags(native_bfloat16: bool = True) -> design.Study:
  """The study the flags describe; ValueError naming the flag for a bad value (main: one line, exit 1)."""
  fields = {f.name for f in dataclasses.fields(design.Study)}
  plain = {name: FLAGS[name].value for name in fields if name in FLAGS and name not in
           ("train_steps", "mixed_precision", "more_seeds", "axis", "tune", "tune_steps")}
  plain = {k: tuple(v) if isinstance(v, list) else v for k, v in plain.items()}
  study = design.Study(**plain, train_steps=_table("train_steps", int),
                       mixed_precision=_table("mixed_precision", str), more_seeds=_more_seeds(),
                       axes=axis_flags.parse(FLAGS.axis, "axis"), tune=axis_flags.parse(FLAGS.tune, "tune"),
                       tune_steps=_tune_steps(FLAGS.models), native_bfloat16=native_bfloat16)
  if FLAGS.tune_steps and not study.tune:
    raise ValueError(f"--tune_steps={','.join(FLAGS.tune_steps)} without --tune: nothing is tuned")
  study.check()
  return study


def _run_on_ray(specs, sweep_dir, score, stop) -> int:
  """Runs the plan as Ray tasks; returns an exit code for a problem (0 when the runs went ahead)."""
  try:
    import ray
    from gan_lab.ray import cluster as ray_cluster, executor as ray_executor
  except ImportError:
    raise app.UsageError("--executor=ray needs Ray: pip install 'gan_lab[ray]' (or pip install ray)") from None
  ray_cluster.connect(FLAGS.ray_address)
  try:
    ray_executor.check_shared_storage(sweep_dir)
    ray_executor.run_all(specs, sweep_dir, FLAGS.cpus_per_run, FLAGS.gpus_per_run, on_finished=score, stop=stop)
  except ray_executor.SharedStorageError as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.UNUSABLE
  finally:
    ray.shutdown()
  return ExitCode.OK


def _report_from_committed_csvs(sweep_dir) -> int:
  """--report_only on a folder without run folders: the report redrawn from its committed CSVs alone."""
  from gan_lab.study import report
  needed = [os.path.join(sweep_dir, name) for name in (report.RESULTS_CSV, "floor.json")]
  missing = [path for path in needed if not os.path.isfile(path)]
  if missing:
    print(f"error: --report_only: {sweep_dir} has no run folders, and no {' or '.join(missing)} to redraw the "
          "report from", file=sys.stderr)
    return ExitCode.UNUSABLE
  rows = report.report_from_csv(sweep_dir)
  print(f"report redrawn from the {len(rows)} rows of {needed[0]} (no run folders: grids.png left as it was)")
  return ExitCode.OK


def _prepare_folders(study, sweep_dir) -> None:
  """Makes the sweep (and archive) folder, pins their budgets and records the flags unless only reporting,
  then restores the archived runs the sweep folder lacks."""
  from gan_lab.files import atomic_io
  from gan_lab.study import archive
  folders = [sweep_dir] + ([FLAGS.archive_dir] if FLAGS.archive_dir else [])
  for folder in folders:
    os.makedirs(folder, exist_ok=True)
  if not FLAGS.report_only:
    for folder in folders:  # An archive holds runs of one budget, as a sweep folder does (ValueError if not).
      study.pin_budget(folder)
    atomic_io.write_json(os.path.join(sweep_dir, "sweep_flags.json"),
                         {f.name: f.value for f in FLAGS.get_flags_for_module(sys.argv[0])})
  if FLAGS.archive_dir:
    print(f"sweep: {archive.restore(FLAGS.archive_dir, sweep_dir)} ended runs restored from {FLAGS.archive_dir}")


def _native_bfloat16(study) -> bool:
  """Whether this machine runs bfloat16 natively (asked only of sweeps that train a model in it)."""
  asked = {dict(study.mixed_precision).get(model, "none") for model in study.models}
  if FLAGS.report_only or "mixed_bfloat16" not in asked:
    return True
  from gan_lab.config import hardware
  return hardware.has_bfloat16_units()


def _execute(specs, sweep_dir, score, stop) -> int:
  """Runs `specs` on the chosen executor; an exit code for a problem (0 when the runs went ahead)."""
  from gan_lab.study import sweep
  if FLAGS.executor == "ray":
    return _run_on_ray(specs, sweep_dir, score, stop)
  sweep.run_all(specs, FLAGS.parallel, on_finished=score, stop=stop, threads_per_run=FLAGS.threads_per_run)
  return ExitCode.OK


def _stage_one(study, sweep_dir, scorer, stop, extra):
  """Stage 1 of a tuned study (trained unless --report_only), its selection and tuning report; returns the
  stage-2 specs of the cells whose stage 1 is complete, or an exit code."""
  from gan_lab.study import report, sweep, tuning
  tuning_dir = os.path.join(sweep_dir, design.TUNING_DIR)
  os.makedirs(tuning_dir, exist_ok=True)
  stage1 = sweep.plan(tuning_dir, study.tuning_cells(), study.tune_seeds_of,
                      lambda cell: study.tuning_train_args(cell) + extra)

  def score_selection(spec):
    if spec.succeeded() and not os.path.isfile(os.path.join(spec.run_dir, tuning.SELECTION_FILE)):
      tuning.score_selection(spec.run_dir, scorer)

  tuned_names = {a.name for a in study.tune}
  for spec in design.discover(tuning_dir, tuned_names):
    score_selection(spec)
  if not FLAGS.report_only:
    print(f"sweep: stage 1 (tuning): {len(study.combinations())} combinations x {study.tune_seeds} seeds per cell")
    code = _execute(stage1, tuning_dir, score_selection, stop)
    if code or stop.requested():
      return code or stop.exit_code
  ended = design.discover(tuning_dir, tuned_names)
  choices = tuning.select(study.cells(), study.combinations(), ended, study.tune_seeds)
  for line in tuning.write(tuning_dir, choices, study.combinations(), study.tune, ended, report.run_row):
    print(line, file=sys.stderr)
  print(f"sweep: stage 1 complete for {len(choices)} of {len(study.cells())} cells (tuning table in "
        f"{tuning_dir}/tuning.md)")
  chosen = [c.cell.with_tuned(c.chosen) for c in choices if c.chosen is not None]
  return sweep.plan(sweep_dir, chosen, study.seeds_of, lambda cell: study.train_args(cell) + extra)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  try:
    study = study_from_flags()
  except ValueError as e:  # One line naming the flag, before any folder is made or run started.
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.BAD_FLAG
  if FLAGS.archive_dir and os.path.realpath(FLAGS.archive_dir) == os.path.realpath(FLAGS.sweep_dir):
    raise app.UsageError(f"--archive_dir={FLAGS.archive_dir} is --sweep_dir: archiving trims the runs it copies, "
                         "so it needs a folder of its own")
  native_log_filter.quiet_unless_verbose()
  if FLAGS.report_only and not FLAGS.archive_dir and not design.discover(FLAGS.sweep_dir):
    return _report_from_committed_csvs(FLAGS.sweep_dir)
  study = dataclasses.replace(study, native_bfloat16=_native_bfloat16(study))
  if study.precision_note():
    print(study.precision_note(), file=sys.stderr)
  from gan_lab.evaluation import evaluator, scoring
  from gan_lab.files import atomic_io
  from gan_lab.run import interrupts
  from gan_lab.study import archive, report, sweep
  sweep_dir = FLAGS.sweep_dir
  extra = [f"--data_dir={FLAGS.data_dir}"] if FLAGS.data_dir else []
  try:
    _prepare_folders(study, sweep_dir)
  except ValueError as e:  # The folder pins another budget or design.
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.BAD_FLAG
  try:
    ev = evaluator.load_or_train(FLAGS.dataset, FLAGS.evaluator_dir or None, FLAGS.data_dir or None,
                                 FLAGS.retrain_evaluator)
  except atomic_io.OutputWriteError as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.UNUSABLE
  print(f"evaluator: {FLAGS.dataset} classifier, test accuracy {ev.test_accuracy:.4f}")
  scorer = scoring.Scorer(ev, FLAGS.data_dir or None, reference_size=study.num_samples)

  def score(spec):
    if spec.succeeded():
      scoring.score_unscored([spec.run_dir], scorer)

  for spec in design.discover(sweep_dir):  # Runs that ended before a kill but were not scored yet.
    score(spec)
  with interrupts.StopRequest() as stop:
    if study.tune:
      specs = _stage_one(study, sweep_dir, scorer, stop, extra)
      if isinstance(specs, int):
        if stop.requested():
          print(f"sweep interrupted ({stop.name}): the runs in flight checkpointed; run the same command to resume",
                file=sys.stderr)
        return specs
    else:
      specs = sweep.plan(sweep_dir, study.cells(), study.seeds_of, lambda cell: study.train_args(cell) + extra)
    if not FLAGS.report_only:
      code = _execute(specs, sweep_dir, score, stop)
      if code:
        return code
  if stop.requested():
    print(f"sweep interrupted ({stop.name}): the runs in flight checkpointed; run the same command to resume",
          file=sys.stderr)
    return stop.exit_code
  try:
    rows = report.write_report(sweep_dir, design.discover(sweep_dir), scorer, ev.test_accuracy)
  except atomic_io.OutputWriteError as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.UNUSABLE
  failed = sum(r["failed"] for r in rows)
  print(f"sweep done: {len(rows) - failed} ok, {failed} failed; report in {sweep_dir}")
  if FLAGS.archive_dir:
    try:
      print(f"sweep: {archive.export(sweep_dir, FLAGS.archive_dir)} ended runs and the report archived in "
            f"{FLAGS.archive_dir}")
    except atomic_io.OutputWriteError as e:
      print(f"error: {e}", file=sys.stderr)
      return ExitCode.UNUSABLE
  return ExitCode.OK


if __name__ == "__main__":
  app.run(main)
