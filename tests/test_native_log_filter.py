"""Native stderr: TensorFlow's start-up chatter dropped, its other lines and Python's own kept."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gan_lab.cli import native_log_filter

REPO = Path(__file__).resolve().parents[1]
NOISE = ["WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
         "I0000 00:00:1795570358.266360   29296 port.cc:153] oneDNN custom operations are on.",
         "W0000 00:00:1795570358.266678   29296 cudart_stub.cc:31] Could not find cuda drivers on your machine",
         "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
         "appropriate compiler flags.",
         "E0000 00:00:1795567852.453791   19506 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT: Mutation"]
CUINIT = "E0000 00:00:1795570359.135513   29296 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error"
KEPT = "E0000 00:00:1795570359.135513   29296 some_kernel.cc:10] an error that matters"


@pytest.mark.parametrize("line", NOISE)
def test_start_up_chatter_is_noise(line):
  assert native_log_filter.is_noise(line, have_gpu=False) and native_log_filter.is_noise(line, have_gpu=True)


def test_errors_are_kept_and_cuinit_only_matters_with_a_gpu():
  assert not native_log_filter.is_noise(KEPT, have_gpu=False)
  assert native_log_filter.is_noise(CUINIT, have_gpu=False) and not native_log_filter.is_noise(CUINIT, have_gpu=True)


def test_installed_filter_drops_native_noise_and_keeps_the_rest_through_exit():
  program = ("import os, sys\n"
             "from gan_lab.cli import native_log_filter\n"
             "native_log_filter.install(have_gpu=False)\n"
             f"for line in {NOISE + [KEPT]!r}:\n"
             "  os.write(2, (line + '\\n').encode())\n"
             "print('gan_lab: a line of ours', file=sys.stderr)\n")
  proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=REPO)
  assert proc.returncode == 0
  assert sorted(proc.stderr.splitlines()) == sorted([KEPT, "gan_lab: a line of ours"])


def test_a_default_run_shows_only_gan_lab_lines_and_verbosity_shows_everything(tmp_path):
  # The plugin writes a native chatter line on every CPU kind (conftest puts tests/ on the subprocess's path).
  args = [sys.executable, str(REPO / "experiments" / "train.py"), "--dataset=ring", "--model=mlp", "--train_steps=10",
          "--num_samples=10", f"--output_dir={tmp_path / 'run'}", "--plugins=native_chatter_plugin"]
  env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
  quiet = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
  assert quiet.returncode == 0, quiet.stderr[-2000:]
  assert not [l for l in quiet.stderr.splitlines() if native_log_filter.is_noise(l, have_gpu=False)], quiet.stderr
  assert "native_chatter_plugin" not in quiet.stderr
  loud = subprocess.run(args + ["--overwrite", "--verbosity=0"], capture_output=True, text=True, timeout=300, env=env)
  assert loud.returncode == 0 and "(native_chatter_plugin)" in loud.stderr


@pytest.mark.parametrize("command", [
    ["train", "--preset=quality", "--dataset=ring", "--model=mlp", "--train_steps=10", "--num_samples=10"],
    ["train", "--launcher=ray", "--strategy=mirrored"],  # Refused before anything starts: still no chatter.
    ["doctor", "--dataset=ring", "--model=mlp"],
    ["plot-activations"],
    ["compare-ema", "--run_dirs=nowhere"],
    ["sweep", "--models=nope"],
])
def test_every_command_starts_with_its_own_lines(tmp_path, command):
  """Every gan-lab command, presets included, installs the filter before anything can import TensorFlow."""
  outputs = [f"--output_dir={tmp_path / 'run'}"] if command[0] == "train" else []
  outputs += [f"--output={tmp_path / 'a.png'}"] if command[0] == "plot-activations" else []
  env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
  proc = subprocess.run([sys.executable, "-m", "gan_lab.cli", *command, *outputs], capture_output=True, text=True,
                        timeout=300, env=env, cwd=tmp_path)
  noise = [l for l in (proc.stdout + proc.stderr).splitlines() if native_log_filter.is_noise(l, have_gpu=False)
           or "cuInit" in l or "oneDNN" in l]
  assert not noise, proc.stderr[-3000:]
