"""gan_lab as a user installs it: a wheel, installed without the checkout, run from a folder of its own.

The wheel is built from setup.cfg and installed with `pip install --target`
into a temporary folder that alone is on PYTHONPATH (the test environment
supplies TensorFlow and the other dependencies). Every command then runs in a
fresh empty folder, so a path into the checkout, or a file the wheel lacks,
fails here.
"""

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# Under pytest-xdist, one worker builds the wheel once.
pytestmark = pytest.mark.xdist_group("installed_wheel")

REPO = Path(__file__).resolve().parents[1]
HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()
TINY_SWEEP = ["--models=mlp", "--losses=non_saturating", "--activations=tanh,sigmoid", "--seeds=1", "--more_seeds=",
              "--data_margin=0", "--train_steps=mlp:20", "--snapshots=2", "--snapshot_samples=1000",
              "--num_samples=1000", "--batch_size=32"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
  """(site folder holding the installed wheel, its bin folder, the wheel's file names)."""
  source, build, site = (tmp_path_factory.mktemp(name) for name in ("source", "wheel", "site"))
  # Built from a copy of what the wheel is made of: setuptools' build/ folder is then this test's own, not one
  # that another build in the checkout (an editable install, a second test run) may change under it.
  for name in ("setup.cfg", "pyproject.toml", "README.md"):
    shutil.copy2(REPO / name, source / name)
  shutil.copytree(REPO / "gan_lab", source / "gan_lab", ignore=shutil.ignore_patterns("__pycache__"))
  # No build isolation: the environment's setuptools and wheel (dev extras) build it, offline.
  proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                         "-w", str(build), str(source)], capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  wheel, = build.glob("gan_lab-*.whl")
  proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return site, site / "bin", set(zipfile.ZipFile(wheel).namelist())


def _run(installed, args, cwd, timeout=600):
  site, _, _ = installed
  env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(cwd / "cache")}
  return subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)


def test_the_wheel_holds_every_module_and_declares_the_command(installed):
  _, _, shipped = installed
  modules = {p.relative_to(REPO).as_posix() for p in (REPO / "gan_lab").rglob("*.py")}
  assert len(modules) > 40 and "gan_lab/cli/main.py" in modules
  assert modules <= shipped, sorted(modules - shipped)
  assert not [n for n in shipped if n.startswith(("tests/", "experiments/", "benchmarks/"))]
  entry_points = next(n for n in shipped if n.endswith("entry_points.txt"))
  assert entry_points


def test_the_installed_command_lists_its_subcommands_and_imports_the_installed_package(installed, tmp_path):
  site, bin_dir, _ = installed
  proc = _run(installed, [str(bin_dir / "gan-lab"), "--help"], tmp_path)
  assert proc.returncode == 0 and "train" in proc.stdout and "sweep" in proc.stdout, proc.stderr
  proc = _run(installed, [sys.executable, "-c", "import gan_lab; print(gan_lab.__file__)"], tmp_path)
  assert proc.stdout.strip().startswith(str(site)), proc.stdout


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
def test_train_sweep_and_the_python_api_work_from_a_folder_outside_the_checkout(installed, tmp_path, tiny_evaluator):
  from gan_lab.evaluation import evaluator  # pylint: disable=g-import-not-at-top
  _, bin_dir, _ = installed
  # The user's evaluator cache already holds one (as after a sweep in another folder): the sweep must reuse it.
  ev, _ = tiny_evaluator
  evaluator.save(ev, evaluator.cache_folder(tmp_path / "cache" / "gan_lab" / "evaluators", "fashion_mnist"), epochs=2)
  gan_lab = str(bin_dir / "gan-lab")
  proc = _run(installed, [gan_lab, "train", "--model=mlp", "--train_steps=20", "--log_every=10", "--max_examples=256",
                          "--batch_size=32", "--num_samples=64", "--grid_size=2", "--output_dir=run"], tmp_path)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert (tmp_path / "run" / "samples.npz").is_file() and (tmp_path / "run" / "grid.png").is_file()

  proc = _run(installed, [gan_lab, "sweep", "--sweep_dir=study", *TINY_SWEEP], tmp_path, timeout=900)
  assert proc.returncode == 0, proc.stderr[-3000:]
  with open(tmp_path / "study" / "results.csv") as f:
    rows = list(csv.DictReader(f))
  assert len(rows) == 2 and all(r["failed"] == "False" and float(r["fcd"]) > 0 for r in rows)
  assert (tmp_path / "study" / "summary.md").is_file()
  assert f"test accuracy {ev.test_accuracy:.4f}" in proc.stdout and "training the" not in proc.stdout  # Reused.

  code = ("import gan_lab, keras, numpy as np\n"
          "gan = gan_lab.GAN.from_architecture('mlp', (28, 28, 1), noise_dim=8, seed=0)\n"
          "gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())\n"
          "h = gan.fit(np.zeros((64, 28, 28, 1), np.float32), batch_size=32, epochs=1, verbose=0)\n"
          "print(sorted(h.history))\n")
  proc = _run(installed, [sys.executable, "-c", code], tmp_path)
  assert proc.returncode == 0 and "'d_loss', 'g_loss'" in proc.stdout, proc.stderr[-3000:]
