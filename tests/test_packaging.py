"""`pip install .` ships every gan_lab module: a wheel built from setup.cfg holds them all."""

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_holds_every_module(tmp_path):
  # No build isolation: the environment's setuptools and wheel (dev extras) build it, offline.
  proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                         "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  wheels = list(tmp_path.glob("gan_lab-*.whl"))
  assert len(wheels) == 1, proc.stdout
  shipped = set(zipfile.ZipFile(wheels[0]).namelist())
  modules = {f"gan_lab/{p.name}" for p in (REPO / "gan_lab").glob("*.py")}
  assert len(modules) > 20 and "gan_lab/__init__.py" in modules
  assert modules <= shipped, sorted(modules - shipped)
  assert not [n for n in shipped if n.startswith(("tests/", "experiments/", "benchmarks/"))]
