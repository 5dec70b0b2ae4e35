"""The sweep's runs for TensorBoard's HParams dashboard: axes as hparams, final scores as metrics.

`tensorboard --logdir SWEEP_DIR` then shows every run in one table, with the
parallel-coordinates and scatter views, next to the runs' own training logs.
The folder is written whole into a temporary sibling and swapped in, so a
report written again replaces it rather than adding duplicate sessions.
"""

import shutil
from pathlib import Path

import tensorflow as tf
from tensorboard.plugins.hparams import api as hp

from gan_lab.evaluation.metrics import SCORES

AXES = ("model", "loss", "output_activation", "data_margin", "seed")
METRICS = tuple(SCORES)


def write(hparams_dir, rows, axes_shown=AXES) -> None:
  """One session per finished run (`hparams_dir/<run label>`), and the experiment's config at the top.

  axes_shown: the results columns shown as hparams (a sweep's --axis and --tune fields besides the study's).
  """
  hparams_dir = Path(hparams_dir)
  scored = [r for r in rows if not r["failed"] and "fcd" in r]
  temporary = hparams_dir.with_name(f".{hparams_dir.name}.tmp")
  shutil.rmtree(temporary, ignore_errors=True)
  axes = [hp.HParam(a, hp.Discrete(sorted({r[a] for r in scored}))) for a in axes_shown]
  writer = tf.summary.create_file_writer(str(temporary))
  with writer.as_default():
    hp.hparams_config(hparams=axes, metrics=[hp.Metric(m) for m in METRICS])
  writer.close()
  for row in scored:
    writer = tf.summary.create_file_writer(str(temporary / row["run"]))
    with writer.as_default():
      hp.hparams({a: row[a] for a in axes_shown}, trial_id=row["run"])
      for metric in METRICS:
        tf.summary.scalar(metric, row[metric], step=row["train_steps"])
    writer.close()
  old = hparams_dir.with_name(f".{hparams_dir.name}.old")
  shutil.rmtree(old, ignore_errors=True)
  if hparams_dir.exists():
    hparams_dir.rename(old)
  temporary.rename(hparams_dir)
  shutil.rmtree(old, ignore_errors=True)
