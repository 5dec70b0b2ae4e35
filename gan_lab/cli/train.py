"""gan-lab train: train one GAN. Flags at the top; `main` only wires gan_lab modules.

  gan-lab train --dataset=fashion_mnist --model=dcgan \
      --output_activation=tanh --loss=non_saturating --train_steps=3000

Every flag but --preset, --overwrite and the --launcher=ray ones is a
`TrainConfig` field (gan_lab/config/train_config.py), where its help, choices
and bounds are defined. Exit codes (gan_lab/run/exit_codes.py): 0 done, 1 bad
flag, 2 data, output folder or checkpoints unusable (a full disk included),
3 training diverged (non-finite loss), 4 a multi-worker run lost a worker,
143 / 130 stopped by SIGTERM / SIGINT after checkpointing (the same command
resumes).
"""

import contextlib
import dataclasses
import os
import sys


from absl import app, flags

from gan_lab.cli import config_flags, native_log_filter
from gan_lab.config import hardware, presets, registry, train_config as config_lib
from gan_lab.run.exit_codes import ExitCode

config_flags.define_config_flags()
flags.adopt_module_key_flags(config_flags)  # --help lists them as this script's flags.
flags.DEFINE_enum("preset", None, presets.names(), "Start from a named set of flag values (quality: the best "
                  "samples in about 15 minutes on 2 CPU cores; see the README); flags given here override it.")
flags.DEFINE_bool("overwrite", False, "Replace a run with other flags in --output_dir instead of refusing.")
flags.DEFINE_enum("launcher", "local", ["local", "ray"], "local: train in this process; ray: start --num_workers "
                  "workers of one --strategy=multi_worker run through Ray Train's TensorflowTrainer, which sets "
                  "each worker's TF_CONFIG (needs gan_lab[ray]; --output_dir on storage every node sees).")
flags.DEFINE_integer("num_workers", 2, "--launcher=ray: workers of the run.", lower_bound=1)
flags.DEFINE_string("ray_address", "", "--launcher=ray: the Ray cluster to join (e.g. auto); empty: a local Ray.")
flags.DEFINE_float("cpus_per_worker", 1.0, "--launcher=ray: CPUs each worker asks for.", lower_bound=0.0)
flags.DEFINE_float("gpus_per_worker", 0.0, "--launcher=ray: GPUs each worker asks for.", lower_bound=0.0)

FLAGS = flags.FLAGS


def validated_config() -> config_lib.TrainConfig:
  """The flags as a config, after importing --plugins (a bad value is a usage error, exit 1); prints its precision."""
  config = config_flags.config_from_flags(FLAGS)
  if FLAGS.preset:
    config = presets.resolve(FLAGS.preset, config, config_flags.given_flags(FLAGS))
  sys.path.append(os.getcwd())  # --plugins modules may live in the folder the command runs from.
  try:
    registry.import_plugins(config.plugins)
    config.validate()
    hardware.check_precision_supported(config.mixed_precision)
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  # The run's first line: its precision and why; flags.json records the resolved policy.
  policy, line = hardware.run_precision(config.mixed_precision)
  print(line, file=sys.stderr)
  config = dataclasses.replace(config, mixed_precision=policy)
  note = _unpenalised_relativistic_note(config)
  if note:
    print(note, file=sys.stderr)
  return config


def _unpenalised_relativistic_note(config: config_lib.TrainConfig) -> str:
  """One line when the relativistic loss runs without R1 and R2, which R3GAN found it needs to converge."""
  if config.loss != "relativistic" or config.r1_gamma or config.r2_gamma:
    return ""
  return ("note: --loss=relativistic without --r1_gamma or --r2_gamma: R3GAN (Huang et al. 2024) pairs the loss with "
          "both penalties to converge; --r1_gamma=10 --r2_gamma=10 measured best here (README)")


def launch_on_ray(config: config_lib.TrainConfig) -> int:
  """Starts this command's run on Ray Train workers, each running it with --strategy=multi_worker."""
  if FLAGS["strategy"].present and config.strategy != "multi_worker":
    raise app.UsageError(f"--launcher=ray trains with --strategy=multi_worker, not --strategy={config.strategy}")
  try:
    import ray
    from gan_lab.ray import cluster as ray_cluster, launcher as ray_launcher
  except ImportError:
    raise app.UsageError("--launcher=ray needs Ray Train: pip install 'gan_lab[ray]'") from None
  flag_names = [f.name for f in dataclasses.fields(config_lib.TrainConfig) if f.name != "strategy"]
  flag_names += ["overwrite", "preset"]
  command = [sys.executable, "-m", "gan_lab.cli", "train", "--strategy=multi_worker",
             *[FLAGS[name].serialize() for name in flag_names if FLAGS[name].present]]
  ray_cluster.connect(FLAGS.ray_address)
  try:
    code = ray_launcher.launch(command, os.getcwd(), FLAGS.num_workers, FLAGS.cpus_per_worker, FLAGS.gpus_per_worker)
  finally:
    ray.shutdown()
  if code:
    print(f"error: the run on Ray failed: a worker exited with code {code} (its lines are above)", file=sys.stderr)
  return code


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  native_log_filter.quiet_unless_verbose()  # Before anything imports TensorFlow (the preset's bfloat16 probe does).
  config = validated_config()
  if FLAGS.launcher == "ray":
    return launch_on_ray(config)

  # Imported here and below: TensorFlow's import is slow, and a bad flag should fail before it.
  from gan_lab.run import distribute, run_lock
  chief = distribute.worker_role(config.strategy).is_chief  # Other workers write no files of the run.
  try:
    with run_lock.hold(config.output_dir) if chief else contextlib.nullcontext():
      return _prepare_and_train(config, chief)
  except run_lock.RunFolderError as e:
    print(f"error: --output_dir={e}", file=sys.stderr)
    return ExitCode.UNUSABLE


def _prepare_and_train(config: config_lib.TrainConfig, chief: bool) -> int:
  """Checks the folder and the data, trains, and says how it ended (the exit code)."""
  from gan_lab.data import datasets
  from gan_lab.run import distribute, interrupts, run_dir, training, training_data
  try:
    if chief:
      run_dir.prepare(config.output_dir, dataclasses.asdict(config), FLAGS.overwrite,
                      defaults=dataclasses.asdict(config_lib.TrainConfig()))
    train_data = training_data.load(config)
  except (datasets.DataError, run_dir.RunDirError) as e:
    print(f"error: {e}", file=sys.stderr)
    return ExitCode.UNUSABLE
  except distribute.StrategyError as e:
    raise app.UsageError(str(e)) from None
  with interrupts.StopRequest() as stop:
    try:
      result = training.train(config, train_data, should_stop=stop.requested)
    except distribute.StrategyError as e:
      raise app.UsageError(str(e)) from None
    except training.NonFiniteLossError as e:
      print(f"error: training diverged at {e}", file=sys.stderr)
      return ExitCode.DIVERGED
    except (training.OutputWriteError, training.CheckpointError) as e:
      print(f"error: {e}", file=sys.stderr)
      return ExitCode.UNUSABLE
    except distribute.WorkerLostError as e:
      print(f"error: {e}", file=sys.stderr)
      return ExitCode.WORKER_LOST
  if result.interrupted:
    # Without a signal of its own, a multi-worker run stopped because another worker got one.
    cause = stop.name if stop.requested() else "another worker was stopped"
    print(f"interrupted ({cause}) at step {result.steps}; checkpoint saved; run the same command to resume",
          file=sys.stderr)
    return stop.exit_code if stop.requested() else ExitCode.SIGTERM  # As if SIGTERM had reached it too.
  print(f"done: {result.steps} steps in {result.wall_seconds:.1f}s; outputs in {config.output_dir}")
  return ExitCode.OK


if __name__ == "__main__":
  app.run(main)
