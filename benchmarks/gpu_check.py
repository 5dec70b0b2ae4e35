"""The GPU check: the figures docs/speed.md needs from one GPU, in one command and one JSON.

  python -m benchmarks.gpu_check                     # on a GPU: under 8 minutes
  python -m benchmarks.gpu_check --reduced           # anywhere: tiny steps, checks the script itself

Four parts, each a real gan_lab command or benchmark run as a subprocess:
  1. the default run (`gan-lab train`, the README's main job): steps/s from its metrics.jsonl and the
     offline evaluator's FCD of its samples;
  2. the throughput benchmark of gan_lab's step against TensorFlow's DCGAN tutorial's bare step;
  3. one short run in mixed_float16 and one in mixed_bfloat16 (steps/s against the default's float32);
  4. what the machine is (GPUs and their compute capability, `hardware.has_bfloat16_units`).
A part that cannot run here (mixed_float16 without a GPU) is recorded as skipped with the reason, not
dropped. The JSON goes to --output (written whole, then renamed).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from absl import app, flags

flags.DEFINE_bool("reduced", False, "Tiny steps and a tiny evaluator: a test of the script on any CPU, not figures.")
flags.DEFINE_string("output", "benchmarks/results/gpu_check.json", "Where the JSON of the figures goes.")
flags.DEFINE_string("work_dir", "", "Where the runs go (empty: a temporary folder, removed after).")
FLAGS = flags.FLAGS

_GAN_LAB = (sys.executable, "-m", "gan_lab.cli")


def _budget(reduced: bool) -> dict:
  """Steps of each part: the README's default run on a GPU, a few steps when only the script is checked."""
  if reduced:
    return {"default": ["--train_steps=20", "--log_every=10", "--sample_every=20", "--checkpoint_every=20",
                        "--num_samples=1000", "--max_examples=2000"],
            "precision": ["--train_steps=20", "--log_every=10", "--num_samples=100", "--max_examples=2000"],
            "throughput": ["--windows=1", "--window_steps=2", "--warmup_steps=1", "--max_examples=2000",
                           "--batch_size=32", "--contestants=tutorial,gan_lab_tutorial"],
            "evaluator": {"epochs": 1, "max_examples": 2000}}
  return {"default": [], "precision": ["--train_steps=1000", "--num_samples=100"],
          "throughput": ["--windows=5", "--window_steps=20", "--contestants=tutorial,gan_lab_tutorial"],
          "evaluator": None}


def _run(args, **kwargs) -> subprocess.CompletedProcess:
  return subprocess.run(list(args), capture_output=True, text=True, **kwargs)


def _steps_per_second(run_dir: Path) -> float:
  """Steps over training seconds, from the last line of a run's metrics.jsonl (what the run itself logged)."""
  last = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()][-1]
  return last["step"] / last["wall_seconds"]


def _train(run_dir: Path, args) -> dict:
  proc = _run([*_GAN_LAB, "train", f"--output_dir={run_dir}", *args])
  if proc.returncode:
    return {"skipped": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
  return {"steps_per_second": _steps_per_second(run_dir), "precision_line": proc.stderr.splitlines()[0]}


def _fcd(run_dir: Path, work: Path, evaluator_budget: dict) -> float:
  """The offline evaluator's FCD of the run's samples.npz against as many train images as it has samples."""
  from gan_lab.evaluation import evaluator, scoring  # pylint: disable=g-import-not-at-top
  if evaluator_budget:  # Reduced: a tiny evaluator of its own, so the check never trains the real one.
    folder = evaluator.cache_folder(work / "evaluators", "fashion_mnist")
    folder.mkdir(parents=True, exist_ok=True)
    evaluator.save(evaluator.train("fashion_mnist", log=None, **evaluator_budget), folder,
                   epochs=evaluator_budget["epochs"])
    ev, reference = evaluator.load_or_train("fashion_mnist", work / "evaluators", log=None), 1000
  else:  # The per-user cache every sweep scores with (trained once if missing).
    ev, reference = evaluator.load_or_train("fashion_mnist", log=None), 10000
  return scoring.Scorer(ev, reference_size=reference).score_file(run_dir / "samples.npz")["fcd"]


def _throughput(args, work: Path) -> dict:
  proc = _run([sys.executable, "-m", "benchmarks.throughput", f"--results_dir={work / 'throughput'}", *args],
              cwd=Path(__file__).resolve().parents[1])
  if proc.returncode:
    return {"skipped": proc.stderr.strip().splitlines()[-1]}
  return {"table": proc.stdout.split("wrote ")[0].strip().splitlines()[-12:]}


def _machine() -> dict:
  from gan_lab.config import hardware  # pylint: disable=g-import-not-at-top
  return {"gpus": [list(c) for c in hardware.gpu_compute_capabilities()],
          "has_bfloat16_units": hardware.has_bfloat16_units()}


def check(work: Path, reduced: bool) -> dict:
  """Every part's figures (see the module docstring)."""
  budget, began = _budget(reduced), time.perf_counter()
  default = _train(work / "default", budget["default"])
  if "skipped" not in default:
    default["fcd"] = _fcd(work / "default", work, budget["evaluator"])
  precisions = {policy: _train(work / policy, budget["precision"] + [f"--mixed_precision={policy}"])
                for policy in ("none", "mixed_float16", "mixed_bfloat16")}
  base = precisions["none"].get("steps_per_second")
  for figures in precisions.values():
    if base and "steps_per_second" in figures:
      figures["vs_float32"] = figures["steps_per_second"] / base  # Measured in this run, one after the other.
  return {"reduced": reduced, "machine": _machine(), "default_run": default, "precision_runs": precisions,
          "throughput": _throughput(budget["throughput"], work), "seconds": time.perf_counter() - began}


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  from gan_lab.files import atomic_io  # pylint: disable=g-import-not-at-top
  with tempfile.TemporaryDirectory() as temporary:
    work = Path(FLAGS.work_dir or temporary)
    work.mkdir(parents=True, exist_ok=True)
    figures = check(work, FLAGS.reduced)
  atomic_io.write_json(FLAGS.output, figures)
  print(json.dumps(figures, indent=2))
  print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
