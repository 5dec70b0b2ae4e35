"""The docs' examples, run as written: custom parts by name (Python and CLI), the README's own pieces and `fit`."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
TRAIN = ["-m", "gan_lab.cli", "train"]
HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()
NAMES = ["--model=small_mlp", "--loss=least_absolute", "--output_activation=softsign"]
TINY = ["--max_examples=256", "--batch_size=32", "--train_steps=20", "--log_every=10", "--sample_every=20",
        "--checkpoint_every=20", "--num_samples=64", "--grid_size=2"]
needs_fmnist = pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")


def _example(marker="## Your own model, loss or output activation", doc="docs/extending.md") -> str:
  """The first python block after `marker` in `doc`, as a reader would copy it."""
  section = (REPO / doc).read_text().split(marker, 1)[1]
  return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.fixture
def plugin_dir(tmp_path):
  (tmp_path / "my_gan_parts.py").write_text(_example())
  return tmp_path


def _run(args, cwd):
  env = {**os.environ, "PYTHONPATH": str(REPO)}
  return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def _samples(out):
  with np.load(out / "samples.npz") as f:
    return f["samples"], list(f["data_range"])


@needs_fmnist
def test_readme_example_trains_through_the_python_api(plugin_dir):
  proc = _run(["my_gan_parts.py"], cwd=plugin_dir)
  assert proc.returncode == 0, proc.stderr[-3000:]
  out = plugin_dir / "outputs" / "custom"
  samples, data_range = _samples(out)
  assert samples.shape == (10000, 28, 28, 1) and data_range == [-1.0, 1.0]
  assert -1 < samples.min() and samples.max() < 1  # softsign's open range.
  assert [json.loads(l)["step"] for l in (out / "metrics.jsonl").read_text().splitlines()] == [100, 200, 300, 400, 500]


@needs_fmnist
def test_readme_example_trains_through_the_cli_by_name(plugin_dir):
  proc = _run([*TRAIN, "--plugins=my_gan_parts", *NAMES, *TINY, "--output_dir=run"], cwd=plugin_dir)
  assert proc.returncode == 0, proc.stderr[-3000:]
  flags = json.loads((plugin_dir / "run" / "flags.json").read_text())
  assert flags["plugins"] == "my_gan_parts" and flags["model"] == "small_mlp"
  samples, data_range = _samples(plugin_dir / "run")
  assert samples.shape == (64, 28, 28, 1) and data_range == [-1.0, 1.0]


@pytest.mark.parametrize("args, message", [
    (NAMES, "--model='small_mlp': expected one of mlp, dcgan, dcgan_narrow, tutorial_dcgan"),
    (["--plugins=no_such_module_here"], "--plugins: cannot import 'no_such_module_here'"),
    (["--plugins=my_gan_parts", *NAMES, "--label_smoothing=0.1"],
     "--label_smoothing=0.1 has no meaning for --loss=least_absolute"),
])
def test_unknown_names_and_plugins_exit_1_naming_the_flag(plugin_dir, args, message):
  proc = _run([*TRAIN, *args, "--output_dir=run"], cwd=plugin_dir)
  assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]


@needs_fmnist
def test_readme_keras_fit_example_trains_and_writes_its_grids(tmp_path):
  (tmp_path / "keras_gan.py").write_text(_example("**Keras's `fit`.**", "README.md"))
  proc = _run(["keras_gan.py"], cwd=tmp_path)
  assert proc.returncode == 0, proc.stderr[-3000:]
  out = tmp_path / "outputs" / "keras_gan"
  assert sorted(p.name for p in out.glob("grid_epoch_*.png")) == ["grid_epoch_0001.png", "grid_epoch_0002.png"]


def test_readme_own_pieces_example_registers_them_for_the_command(tmp_path):
  (tmp_path / "my_gan_parts.py").write_text(_example("**Your own pieces.**", "README.md"))
  proc = _run([*TRAIN, "--plugins=my_gan_parts", "--output_activation=softsign", "--loss=least_absolute",
               "--dataset=ring", "--model=mlp", "--train_steps=10", "--num_samples=10", "--output_dir=run"], cwd=tmp_path)
  assert proc.returncode == 0, proc.stderr[-3000:]
