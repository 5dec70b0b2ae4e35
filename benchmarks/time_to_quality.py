"""Time to quality: FCD against training wall time, one curve per configuration.

  python -m benchmarks.time_to_quality      # about 40 minutes on 2 CPU cores

Configurations (--configurations): `tutorial`, TF's DCGAN tutorial for
--baseline_epochs epochs (evaluated every half epoch); `default`, gan_lab's
`TrainConfig()` (what `bash run.sh train` runs); `quality`, the
`--preset=quality` run (gan_lab/config/presets.py; float32 with one line where the
machine has no bfloat16 units). gan_lab's runs train their own train_steps,
evaluated every --eval_every steps; a run with a generator EMA is scored
from the EMA generator and, on its own curve, from the raw one. Wall time
counts training only: the evaluations (the same fixed noise through each
generator, FCD on the offline evaluator's features) are paused out of the
clock. The summary says when each gan_lab configuration reached the
tutorial's best FCD, as seconds and as a fraction of the tutorial's time.
Curves and a plot go to benchmarks/results/.

The candidates for the default (`benchmarks.default_choice.CANDIDATES`) are
configurations too; --seeds runs each gan_lab configuration once per seed,
--max_train_seconds ends a candidate's curve once it has trained that long
(never the baseline's: its final FCD is the target), and --curves_csv writes
every evaluation as a row for `benchmarks.default_choice`:

  TF_ENABLE_ONEDNN_OPTS=0 python -m benchmarks.time_to_quality --configurations=previous_default \
      --seeds=0,1,2 --eval_every=250 --curves_csv=docs/time_to_quality/previous_default.csv
"""

import csv
import dataclasses
import io
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top
from absl import app, flags, logging  # pylint: disable=g-import-not-at-top

from benchmarks import contestants, default_choice, tutorial_baseline  # pylint: disable=g-import-not-at-top
from gan_lab.config import hardware, presets  # pylint: disable=g-import-not-at-top
from gan_lab.config.train_config import TrainConfig  # pylint: disable=g-import-not-at-top
from gan_lab.evaluation import evaluator, scoring  # pylint: disable=g-import-not-at-top
from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top
from gan_lab.gan import activations  # pylint: disable=g-import-not-at-top
from gan_lab.run import training  # pylint: disable=g-import-not-at-top

flags.DEFINE_list("configurations", ["tutorial", "default", "quality"], "Curves to measure, in this order: "
                  "tutorial, default and/or a preset's name.")
flags.DEFINE_integer("baseline_epochs", 10, "Tutorial epochs.", lower_bound=1)
flags.DEFINE_integer("eval_every", 500, "gan_lab steps between evaluations.", lower_bound=1)
flags.DEFINE_integer("eval_samples", 2000, "Samples per evaluation.", lower_bound=1000)
flags.DEFINE_integer("max_examples", 0, "Train on the first N images only (0: all; for smoke runs).", lower_bound=0)
flags.DEFINE_integer("max_steps", 0, "Cap every gan_lab configuration's train_steps (0: none; for smoke runs).",
                     lower_bound=0)
flags.DEFINE_string("evaluator_dir", "", "Cache of trained evaluator classifiers (empty: the per-user "
                    "cache, $XDG_CACHE_HOME/gan_lab/evaluators or ~/.cache/gan_lab/evaluators).")
flags.DEFINE_string("results_dir", "benchmarks/results", "Where curves and the plot go.")
flags.DEFINE_list("seeds", ["0"], "Seeds of each gan_lab configuration (--seed of its TrainConfig).")
flags.DEFINE_float("max_train_seconds", 0.0, "End a candidate's curve at the first evaluation after this many "
                   "training seconds (0: none; default and previous_default always run to their end).",
                   lower_bound=0.0)
flags.DEFINE_enum("mixed_precision", "", ["", "none", "mixed_bfloat16"], "Train every gan_lab configuration in "
                  "this precision (empty: its own); the curves are named CONFIGURATION+PRECISION.")
flags.DEFINE_string("curves_csv", "", "Also write every evaluation (configuration, seed, step, wall_seconds, fcd) "
                    "to this csv, for benchmarks.default_choice.")

FLAGS = flags.FLAGS
_TANH = activations.get("tanh")


class Clock:
  """Wall time of training only: `pause()` stops it during evaluations, `resume()` restarts it."""

  def __init__(self):
    self.total, self.since = 0.0, time.perf_counter()

  def read(self):
    return self.total + (time.perf_counter() - self.since if self.since is not None else 0.0)

  def pause(self):
    self.total, self.since = self.read(), None

  def resume(self):
    self.since = time.perf_counter()


def _fcd(scorer, generator, noise):
  samples = generator(noise, training=False).numpy()
  return scorer.score_unit_images(_TANH.data_to_unit(samples))["fcd"]  # Both generators end in tanh.


def run_baseline(images, scorer, noise):
  gan = tutorial_baseline.TutorialGan(tutorial_baseline.make_generator_model(),
                                      tutorial_baseline.make_discriminator_model(), images, 256)
  steps_per_epoch = -(-len(images) // 256)
  curve, clock, step = [], Clock(), 0
  for _ in range(FLAGS.baseline_epochs):
    for batch in gan.dataset:
      gan.train_step(batch)
      step += 1
      if step % steps_per_epoch in (steps_per_epoch // 2, 0):  # Every half epoch.
        clock.pause()
        curve.append({"step": step, "epoch": step / steps_per_epoch, "wall_seconds": clock.read(),
                      "fcd": _fcd(scorer, gan.generator, noise)})
        print(f"tutorial: {curve[-1]}", flush=True)
        clock.resume()
  return curve


def gan_lab_config(name: str, max_steps: int = 0, seed: int = 0, precision: str = "") -> tuple[TrainConfig, str]:
  """The `TrainConfig` of a configuration name ("default", a candidate or a preset), in `precision` if one is given
  (`auto` resolved for this machine, as `gan-lab train` does), and the precision line a run of it prints first."""
  if name in default_choice.CANDIDATES:
    config = dataclasses.replace(TrainConfig(), **default_choice.CANDIDATES[name])
  else:
    config = TrainConfig() if name == "default" else presets.resolve(name, TrainConfig(), given=set())
  steps = min(config.train_steps, max_steps) if max_steps else config.train_steps
  policy, line = hardware.run_precision(precision or config.mixed_precision)
  output_dir = tempfile.mkdtemp(prefix=f"gan_lab_ttq_{name}_")
  return dataclasses.replace(config, train_steps=steps, output_dir=output_dir, seed=seed, mixed_precision=policy), line


def run_gan_lab(config: TrainConfig, images, scorer, noise, name: str, max_seconds: float = 0.0) -> dict[str, list]:
  """Trains `config` to its end (or past `max_seconds` of training); the curve of its sampling generator, plus
  "<name>_raw" when that is an EMA."""
  trainer = training.Trainer(config, images, log=print)
  generators = {name: trainer.models.generator}
  if trainer.ema:
    base, at, seed = name.partition("@")
    generators = {name: trainer.ema.generator, f"{base}_raw{at}{seed}": trainer.models.generator}
  curves, clock = {key: [] for key in generators}, Clock()
  while trainer.step < config.train_steps and not (max_seconds and clock.read() > max_seconds):
    trainer.advance(FLAGS.eval_every)
    clock.pause()
    for key, generator in generators.items():
      curves[key].append({"step": trainer.step, "wall_seconds": clock.read(), "fcd": _fcd(scorer, generator, noise)})
      print(f"{key}: {curves[key][-1]}", flush=True)
    clock.resume()
  return curves


def summarise(curves: dict[str, list]) -> dict:
  """Per curve: best and final FCD, its training seconds, and when it first reached the tutorial's best."""
  target = min(p["fcd"] for p in curves["tutorial"]) if "tutorial" in curves else None
  tutorial_seconds = curves["tutorial"][-1]["wall_seconds"] if "tutorial" in curves else None
  summary = {}
  for name, curve in curves.items():
    row = {"best_fcd": min(p["fcd"] for p in curve), "final_fcd": curve[-1]["fcd"],
           "wall_seconds": curve[-1]["wall_seconds"], "steps": curve[-1]["step"]}
    if target is not None and name != "tutorial":
      reached = next((p for p in curve if p["fcd"] <= target), None)
      row["seconds_to_tutorial_best"] = reached and reached["wall_seconds"]
      row["fraction_of_tutorial_time"] = reached and reached["wall_seconds"] / tutorial_seconds
    summary[name] = row
  return summary


def curve_rows(curves: dict[str, list]) -> list[dict]:
  """Every evaluation of the seeded curves ("NAME@seed") as a row of `default_choice.CSV_FIELDS`."""
  rows = []
  for key, curve in curves.items():
    name, _, seed = key.partition("@")
    rows += [{"configuration": name, "seed": seed or "0", **{k: p[k] for k in ("step", "wall_seconds", "fcd")}}
             for p in curve]
  return rows


def write_csv(path, rows: list[dict]) -> None:
  text = io.StringIO()
  writer = csv.DictWriter(text, default_choice.CSV_FIELDS, lineterminator="\n")
  writer.writeheader()
  writer.writerows(rows)
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  atomic_io.write_bytes(path, text.getvalue().encode())


def plot(path, curves: dict[str, list]) -> None:
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  figure, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
  for name, curve in curves.items():
    ax.plot([p["wall_seconds"] for p in curve], [p["fcd"] for p in curve], "--" if name.endswith("_raw") else "-",
            marker="o", markersize=3, label=_LABELS.get(name, name))
  if "tutorial" in curves:
    ax.axhline(min(p["fcd"] for p in curves["tutorial"]), color="k", linestyle=":", label="tutorial's best")
  ax.set(xlabel="training wall seconds (evaluation excluded)", ylabel="FCD (2000 samples, log scale)", yscale="log",
         title="Fashion-MNIST: FCD against training time, 2 CPU cores")
  ax.legend()
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


_LABELS = {"tutorial": "TF DCGAN tutorial", "default": "gan_lab default (bash run.sh train)",
           "quality": "gan_lab --preset=quality (EMA generator)", "quality_raw": "--preset=quality, raw generator"}


def main(argv):
  logging.set_verbosity(logging.WARNING)
  del argv
  known = ["tutorial", "default", *default_choice.CANDIDATES, *presets.names()]
  unknown = set(FLAGS.configurations) - set(known)
  if unknown:
    raise app.UsageError(f"--configurations: unknown {', '.join(sorted(unknown))}; expected some of "
                         f"{', '.join(known)}")
  try:
    seeds = [int(s) for s in FLAGS.seeds]
    if any(seed < 0 for seed in seeds):
      raise ValueError
  except ValueError:
    raise app.UsageError(f"--seeds={','.join(FLAGS.seeds)}: expected non-negative integers") from None
  tf.keras.utils.set_random_seed(0)
  images = contestants.load_fashion_mnist(FLAGS.max_examples)
  ev = evaluator.load_or_train("fashion_mnist", FLAGS.evaluator_dir or None)
  scorer = scoring.Scorer(ev, reference_size=10000)
  noise = tf.constant(np.random.default_rng(0).standard_normal((FLAGS.eval_samples, 100)).astype(np.float32))
  curves, configs = {}, {}
  for name in FLAGS.configurations:
    if name == "tutorial":
      curves["tutorial"] = run_baseline(images, scorer, noise)
      continue
    label = f"{name}+{FLAGS.mixed_precision}" if FLAGS.mixed_precision else name
    for seed in seeds:
      key = label if len(seeds) == 1 and seed == 0 else f"{label}@{seed}"
      config, precision_line = gan_lab_config(name, FLAGS.max_steps, seed, FLAGS.mixed_precision)
      print(f"{key}: {precision_line}", flush=True)
      configs[key] = json.loads(config.to_json())
      cap = 0.0 if name in ("default", default_choice.BASELINE) else FLAGS.max_train_seconds
      curves.update(run_gan_lab(config, images, scorer, noise, key, cap))
  if FLAGS.curves_csv:
    write_csv(FLAGS.curves_csv, curve_rows({k: v for k, v in curves.items() if k != "tutorial"}))
  # Where TensorFlow leaves oneDNN off (CPUs without AVX-512 VNNI/BF16 or AMX), float32 runs on its Eigen kernels.
  summary = {"curves": summarise(curves), "floor_fcd": scorer.real_floor(FLAGS.eval_samples)["fcd"],
             "device": training.device_description(), "bfloat16_units": hardware.has_bfloat16_units(),
             "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "")}
  print(json.dumps(summary, indent=2))
  os.makedirs(FLAGS.results_dir, exist_ok=True)
  stamp = time.strftime("%Y%m%d-%H%M%S")
  atomic_io.write_json(os.path.join(FLAGS.results_dir, f"time_to_quality-{stamp}.json"),
                       {"summary": summary, "curves": curves, "configs": configs,
                        "settings": FLAGS.flag_values_dict()})
  plot(os.path.join(FLAGS.results_dir, f"time_to_quality-{stamp}.png"), curves)


if __name__ == "__main__":
  app.run(main)
