"""Time to quality: FCD against training wall time, TF's DCGAN tutorial vs gan_lab's default DCGAN.

  python -m benchmarks.time_to_quality      # about 35 minutes on 2 CPU cores

The tutorial trains for --baseline_epochs epochs (evaluated every half
epoch); gan_lab's default DCGAN then trains until --budget_fraction of the
tutorial's wall time has passed, evaluated every --eval_every steps. Wall
time counts training only: the evaluations (2000 samples from fixed noise,
FCD on the offline evaluator's features) are paused out of the clock. The
result says how long gan_lab took to reach the tutorial's best FCD, as a
fraction of the tutorial's time. Curves and a plot go to benchmarks/results/.
"""

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

from benchmarks import contestants, tutorial_baseline  # pylint: disable=g-import-not-at-top
from gan_lab import activations, atomic_io, evaluator, scoring, training  # pylint: disable=g-import-not-at-top
from gan_lab.config import TrainConfig  # pylint: disable=g-import-not-at-top

flags.DEFINE_integer("baseline_epochs", 10, "Tutorial epochs.", lower_bound=1)
flags.DEFINE_float("budget_fraction", 0.5, "gan_lab trains for this fraction of the tutorial's wall time.")
flags.DEFINE_integer("eval_every", 500, "gan_lab steps between evaluations.", lower_bound=1)
flags.DEFINE_integer("eval_samples", 2000, "Samples per evaluation.", lower_bound=1000)
flags.DEFINE_integer("max_examples", 0, "Train on the first N images only (0: all; for smoke runs).", lower_bound=0)
flags.DEFINE_string("evaluator_dir", "outputs/evaluators", "Cache of the evaluator classifier.")
flags.DEFINE_string("results_dir", "benchmarks/results", "Where curves and the plot go.")

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


def run_gan_lab(images, scorer, noise, budget_seconds):
  config = TrainConfig(output_dir=tempfile.mkdtemp(prefix="gan_lab_ttq_"), train_steps=10**9)
  trainer = training.Trainer(config, images, log=print)
  curve, clock = [], Clock()
  while clock.read() < budget_seconds:
    trainer.advance(FLAGS.eval_every)
    clock.pause()
    curve.append({"step": trainer.step, "wall_seconds": clock.read(),
                  "fcd": _fcd(scorer, trainer.models.generator, noise)})
    print(f"gan_lab: {curve[-1]}", flush=True)
    clock.resume()
  return curve, config


def summarise(baseline, gan_lab) -> dict:
  best = min(p["fcd"] for p in baseline)
  baseline_seconds = baseline[-1]["wall_seconds"]
  reached = next((p for p in gan_lab if p["fcd"] <= best), None)
  return {"baseline_best_fcd": best, "baseline_wall_seconds": baseline_seconds,
          "gan_lab_seconds_to_baseline_best": reached and reached["wall_seconds"],
          "gan_lab_step_to_baseline_best": reached and reached["step"],
          "fraction_of_baseline_time": reached and reached["wall_seconds"] / baseline_seconds,
          "gan_lab_best_fcd": min(p["fcd"] for p in gan_lab)}


def plot(path, baseline, gan_lab, summary):
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  figure, ax = plt.subplots(figsize=(7, 4), dpi=100)
  ax.plot([p["wall_seconds"] for p in baseline], [p["fcd"] for p in baseline], "o-", label="TF DCGAN tutorial")
  ax.plot([p["wall_seconds"] for p in gan_lab], [p["fcd"] for p in gan_lab], "o-", label="gan_lab default DCGAN")
  ax.axhline(summary["baseline_best_fcd"], color="k", linestyle=":", label="tutorial's best")
  ax.set(xlabel="training wall seconds (evaluation excluded)", ylabel="FCD (2000 samples)", yscale="log",
         title="Fashion-MNIST: FCD against training time, 2 CPU cores")
  ax.legend()
  figure.tight_layout()
  atomic_io.save_figure(path, figure)


def main(argv):
  logging.set_verbosity(logging.WARNING)
  del argv
  tf.keras.utils.set_random_seed(0)
  images = contestants.load_fashion_mnist(FLAGS.max_examples)
  ev = evaluator.load_or_train("fashion_mnist", FLAGS.evaluator_dir)
  scorer = scoring.Scorer(ev, reference_size=10000)
  noise = tf.constant(np.random.default_rng(0).standard_normal((FLAGS.eval_samples, 100)).astype(np.float32))
  baseline = run_baseline(images, scorer, noise)
  gan_lab, config = run_gan_lab(images, scorer, noise, FLAGS.budget_fraction * baseline[-1]["wall_seconds"])
  summary = summarise(baseline, gan_lab)
  summary["floor_fcd"] = scorer.real_floor(FLAGS.eval_samples)["fcd"]
  print(json.dumps(summary, indent=2))
  os.makedirs(FLAGS.results_dir, exist_ok=True)
  stamp = time.strftime("%Y%m%d-%H%M%S")
  atomic_io.write_json(os.path.join(FLAGS.results_dir, f"time_to_quality-{stamp}.json"),
                       {"summary": summary, "baseline": baseline, "gan_lab": gan_lab,
                        "gan_lab_config": json.loads(config.to_json()), "settings": FLAGS.flag_values_dict()})
  plot(os.path.join(FLAGS.results_dir, f"time_to_quality-{stamp}.png"), baseline, gan_lab, summary)


if __name__ == "__main__":
  app.run(main)
