"""Train one GAN. Flags at the top; `main` only wires gan_lab modules.

  python experiments/train.py --dataset=fashion_mnist --model=dcgan \
      --output_activation=tanh --loss=non_saturating --train_steps=3000

Exit codes: 0 done, 1 bad flag, 2 data or output folder unusable,
3 training diverged (non-finite loss).
"""

import dataclasses
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags, logging  # pylint: disable=g-import-not-at-top

from gan_lab import activations, config as config_lib, distribute, losses, models  # pylint: disable=g-import-not-at-top

_D = config_lib.TrainConfig()  # Flag defaults are the config's defaults.

flags.DEFINE_enum("dataset", _D.dataset, config_lib.DATASETS, "Training data; ring is a 2-D toy set for --model=mlp.")
flags.DEFINE_string("data_dir", _D.data_dir, "Directory (or .npz) to read the data set from first.")
flags.DEFINE_integer("max_examples", _D.max_examples, "Use only the first N training examples (0: all).", lower_bound=0)
flags.DEFINE_enum("model", _D.model, models.NAMES, "Architecture.")
flags.DEFINE_enum("loss", _D.loss, losses.NAMES, "GAN loss family.")
flags.DEFINE_enum("output_activation", _D.output_activation, activations.NAMES,
                  "Generator output activation; it also sets the data range.")
flags.DEFINE_integer("noise_dim", _D.noise_dim, "Noise vector length.", lower_bound=1)
flags.DEFINE_integer("batch_size", _D.batch_size, "Real examples per discriminator update.", lower_bound=1)
flags.DEFINE_integer("train_steps", _D.train_steps, "Generator updates.", lower_bound=1)
flags.DEFINE_integer("disc_steps", _D.disc_steps, "Discriminator updates per generator update.", lower_bound=1)
flags.DEFINE_enum("update_scheme", _D.update_scheme, config_lib.UPDATE_SCHEMES,
                  "alternating: D update(s), then a G update against the updated D (on the same fakes); "
                  "simultaneous: both from one forward pass, as TF's DCGAN tutorial (faster, needs disc_steps=1).")
flags.DEFINE_float("g_learning_rate", _D.g_learning_rate, "Generator Adam learning rate.")
flags.DEFINE_float("d_learning_rate", _D.d_learning_rate, "Discriminator Adam learning rate.")
flags.DEFINE_float("beta_1", _D.beta_1, "Adam beta_1 (both networks).")
flags.DEFINE_float("beta_2", _D.beta_2, "Adam beta_2 (both networks).")
flags.DEFINE_float("gp_weight", _D.gp_weight, "WGAN-GP gradient penalty weight (0: off).")
flags.DEFINE_float("label_smoothing", _D.label_smoothing, "One-sided label smoothing of real targets.")
flags.DEFINE_integer("seed", _D.seed, "Seed for weights, noise and data order.", lower_bound=0)
flags.DEFINE_string("output_dir", _D.output_dir, "Where the run's files go.")
flags.DEFINE_integer("sample_every", _D.sample_every, "Save a grid every N steps.", lower_bound=1)
flags.DEFINE_integer("log_every", _D.log_every, "Log metrics every N steps.", lower_bound=1)
flags.DEFINE_integer("checkpoint_every", _D.checkpoint_every, "Checkpoint every N steps.", lower_bound=1)
flags.DEFINE_integer("num_samples", _D.num_samples, "Samples saved in samples.npz at the end.", lower_bound=1)
flags.DEFINE_integer("snapshot_every", _D.snapshot_every,
                     "Save snapshot_samples samples as samples_step_NNNNNN.npz every N steps (0: off); "
                     "the sweep scores them for its quality-vs-step curves.", lower_bound=0)
flags.DEFINE_integer("snapshot_samples", _D.snapshot_samples, "Samples per snapshot.", lower_bound=1)
flags.DEFINE_integer("grid_size", _D.grid_size, "Grids are grid_size x grid_size samples.", lower_bound=1)
flags.DEFINE_bool("jit_compile", _D.jit_compile, "Compile the train step with XLA.")
flags.DEFINE_integer("steps_per_call", _D.steps_per_call,
                     "Train steps per compiled call (fewer Python round trips; logging, grids and checkpoints "
                     "still happen at their exact steps, and results do not depend on it).", lower_bound=1)
flags.DEFINE_enum("mixed_precision", _D.mixed_precision, config_lib.PRECISIONS,
                  "Keras mixed-precision policy: mixed_float16 (with loss scaling) needs a GPU; mixed_bfloat16 "
                  "suits GPUs and CPUs with bfloat16 units. Logits, losses and samples stay float32.")
flags.DEFINE_enum("strategy", _D.strategy, distribute.STRATEGIES,
                  "tf.distribute: default placement; mirrored over all local GPUs (or logical CPUs); "
                  "multi_worker from TF_CONFIG. --batch_size is global, split across replicas.")
flags.DEFINE_bool("deterministic", _D.deterministic,
                  "tf.config.experimental.enable_op_determinism(): bitwise-reproducible runs and resumes, "
                  "at some speed cost.")
flags.DEFINE_integer("inject_nan_at_step", _D.inject_nan_at_step,
                     "Testing aid: poison a discriminator weight with NaN at this step (0: never), "
                     "to exercise the non-finite-loss watchdog.", lower_bound=0)
flags.DEFINE_bool("overwrite", False, "Replace a run with other flags in --output_dir instead of refusing.")

FLAGS = flags.FLAGS

EXIT_DATA, EXIT_DIVERGED = 2, 3


def main(argv):
  logging.set_verbosity(logging.WARNING)  # TensorFlow's checkpoint INFO lines would drown the progress bar.
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = config_lib.TrainConfig(**{f.name: FLAGS[f.name].value for f in dataclasses.fields(config_lib.TrainConfig)})
  try:
    config.validate()
  except ValueError as e:
    raise app.UsageError(str(e)) from None

  from gan_lab import data, input_pipeline, run_dir, training  # pylint: disable=g-import-not-at-top  (TensorFlow import is slow)
  try:
    training.check_precision_supported(config.mixed_precision)
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  try:
    run_dir.prepare(config.output_dir, dataclasses.asdict(config), FLAGS.overwrite,
                    defaults=dataclasses.asdict(config_lib.TrainConfig()))
    train_data = training.load_training_data(config)
  except (data.DataError, run_dir.RunDirError) as e:
    print(f"error: {e}", file=sys.stderr)
    return EXIT_DATA
  try:  # The pipeline's own check, asked before any model is built.
    input_pipeline.steps_per_epoch(len(train_data), config.batch_size * config.disc_steps)
  except ValueError as e:
    print(f"error: --{e}", file=sys.stderr)
    return EXIT_DATA
  try:
    result = training.train(config, train_data)
  except training.NonFiniteLossError as e:
    print(f"error: training diverged at {e}", file=sys.stderr)
    return EXIT_DIVERGED
  print(f"done: {result.steps} steps in {result.wall_seconds:.1f}s; outputs in {config.output_dir}")
  return 0


if __name__ == "__main__":
  app.run(main)
