"""How far the doctor's train-step probe separates fakes labelled real from correct steps: its drift, measured.

  python experiments/doctor_probe.py                          # docs/doctor_probe.csv, and its table printed
  python experiments/doctor_probe.py --seeds=2 --output=/tmp/probe.csv

For each GAN, correct and with its fakes labelled real, over seeds: the
user-written GANs of `experiments/user_gans.py` (MLP and conv GradientTape
steps, a subclassed MLP, the classic combined-model recipe) and gan_lab's
own MLP and DCGAN with each loss (its fakes-labelled-real case is the seed
defect's loss, `defect_fakes_labelled_real`). The drift is D's mean logit
on the real batch after the probe's same-images steps (`PROBE_STEPS`, more
while D still climbs), minus its loss's balance
(`gan_lab/doctor/train_step.py`); the doctor reports fakes labelled real
above `DRIFT_LIMIT`, and does not read it for a loss with no balance
(Wasserstein's, flat on equal logits). The csv holds every run; the table
printed (docs/seed_articles.md's) is each GAN's range over seeds.
"""

import os
import sys

# experiments.* is imported by name: the checkout must be importable.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags  # pylint: disable=g-import-not-at-top

from gan_lab.cli import native_log_filter  # pylint: disable=g-import-not-at-top

flags.DEFINE_integer("seeds", 5, "Seeds per GAN (0..N-1): each draws its networks, real batch and noise.", lower_bound=1)
flags.DEFINE_string("output", "docs/doctor_probe.csv", "The csv of every run (written whole, then renamed in).")
FLAGS = flags.FLAGS

GAN_LAB_LOSSES = ("minimax", "non_saturating", "least_squares", "hinge", "wasserstein")


def _gan_lab_inputs(model: str, loss: str, seed: int) -> dict:
  """gan_lab's own networks (tanh output), a real batch scaled as training scales it, and its train step."""
  import keras  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_lab import doctor  # pylint: disable=g-import-not-at-top
  from gan_lab.config import registry  # pylint: disable=g-import-not-at-top
  from gan_lab.gan import activations, models  # pylint: disable=g-import-not-at-top
  from gan_lab.gan.train_step import StepSettings  # pylint: disable=g-import-not-at-top
  from experiments import user_gans  # pylint: disable=g-import-not-at-top
  keras.utils.set_random_seed(seed)
  tanh = activations.get("tanh")
  networks = models.build(model, (28, 28, 1), 100, tanh)
  step = doctor.gan_lab_train_step(loss, StepSettings(gp_weight=10.0 if registry.needs_gradient_penalty(loss) else 0.0))
  return dict(discriminator=networks.discriminator, loss=loss, real_batch=user_gans.real_batch(seed),
              noise=np.random.default_rng(seed).standard_normal((user_gans.BATCH, 100)).astype(np.float32),
              train_step=step)


def _cases(seeds: int):
  """(gan, mislabelled, seed, a function returning check()'s inputs) for every run."""
  from experiments import user_gans  # pylint: disable=g-import-not-at-top
  for style in user_gans.STYLES:
    for mislabelled in (False, True):
      for seed in range(seeds):
        yield style, mislabelled, seed, lambda s=style, m=mislabelled, x=seed: user_gans.build(s, m, x)
  for model in ("mlp", "dcgan"):
    for loss in (*GAN_LAB_LOSSES, "defect_fakes_labelled_real"):
      for seed in range(seeds):
        gan = f"gan_lab {model} {'non_saturating' if loss.startswith('defect') else loss}"
        yield gan, loss.startswith("defect"), seed, lambda m=model, l=loss, x=seed: _gan_lab_inputs(m, l, x)


def _measure(inputs: dict) -> dict:
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_lab.doctor import train_step  # pylint: disable=g-import-not-at-top
  from gan_lab.doctor.loss import same_images_balance  # pylint: disable=g-import-not-at-top
  from gan_lab.doctor.networks import copy_model  # pylint: disable=g-import-not-at-top
  real = np.asarray(inputs["real_batch"], np.float32)
  discriminator = inputs["discriminator"]
  discriminator(real[:1])  # A subclassed D has no weights until called.
  d = copy_model(discriminator) or discriminator
  balance = same_images_balance(inputs["loss"], discriminator)
  probe = train_step.run_probe(inputs["train_step"], d, balance, real, np.asarray(inputs["noise"], np.float32))
  return dict(balance=balance, drift_before=round(probe.drifts[0], 4), steps=len(probe.drifts) - 1,
              drift=round(probe.drifts[-1], 4),
              flagged=balance is not None and probe.drifts[-1] > train_step.DRIFT_LIMIT)


def table_lines(rows: list[dict]) -> list[str]:
  """Each GAN's drift range over seeds, correct beside mislabelled, and how many runs the doctor flagged."""
  by_gan = {}
  for row in rows:
    by_gan.setdefault(row["gan"], {}).setdefault(row["mislabelled"] in (True, "True"), []).append(row)
  lines = ["| GAN | correct: drift (min to max) | flagged | fakes labelled real: drift | flagged |",
           "| --- | --- | --- | --- | --- |"]
  for gan, runs in by_gan.items():
    cells = []
    for mislabelled in (False, True):
      drifts = [float(r["drift"]) for r in runs.get(mislabelled, [])]
      flagged = sum(r["flagged"] in (True, "True") for r in runs.get(mislabelled, []))
      unread = all(r["balance"] in (None, "") for r in runs.get(mislabelled, []))  # A flat loss: no balance.
      verdict = "not read (no balance)" if unread else f"{flagged} of {len(drifts)}"
      cells += [f"{min(drifts):.2f} to {max(drifts):.2f}", verdict] if drifts else ["", ""]
    lines.append(f"| {gan} | " + " | ".join(cells) + " |")
  return lines


def main(argv):
  del argv
  import csv  # pylint: disable=g-import-not-at-top
  import io  # pylint: disable=g-import-not-at-top
  import experiments.seed_defect_plugins  # pylint: disable=g-import-not-at-top,unused-import  (registers defect_*)
  from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top
  rows = []
  for gan, mislabelled, seed, inputs in _cases(FLAGS.seeds):
    rows.append(dict(gan=gan, mislabelled=mislabelled, seed=seed, **_measure(inputs())))
    print(", ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True)
  text = io.StringIO()
  writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
  writer.writeheader()
  writer.writerows(rows)
  atomic_io.write_bytes(FLAGS.output, text.getvalue().encode())
  print("\n".join(table_lines(rows)))


if __name__ == "__main__":
  native_log_filter.install()
  app.run(main)
