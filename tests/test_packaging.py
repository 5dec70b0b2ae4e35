"""setup.cfg installs the library: `pip install .` must ship every gan_lab module, not just metadata."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_setup_cfg_finds_the_package():
  setuptools = pytest.importorskip("setuptools")
  found = setuptools.find_packages(where=str(REPO), include=["gan_lab", "gan_lab.*"])
  assert found == ["gan_lab"]  # A folder without __init__.py is found by nothing: installs would be empty.
  modules = {p.stem for p in (REPO / "gan_lab").glob("*.py")}
  assert {"config", "training", "train_step", "models", "losses"} <= modules
