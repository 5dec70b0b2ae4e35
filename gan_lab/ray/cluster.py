"""Joins (or starts) the Ray cluster that gan_lab's Ray executor and launcher run on."""

import os
from pathlib import Path

import ray

_CHECKOUT = str(Path(__file__).resolve().parents[2])  # The folder that holds gan_lab/.


def connect(address: str = "") -> None:
  """`ray.init` for `address` (empty: a local Ray), with the folder holding gan_lab on the workers' PYTHONPATH.

  Ray's workers import gan_lab's task functions by name: without this they
  would find it only where gan_lab is installed, not in an editable checkout
  whose folder the workers' Python does not know.
  """
  python_path = os.pathsep.join(p for p in (_CHECKOUT, os.environ.get("PYTHONPATH", "")) if p)
  ray.init(address=address or None, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": python_path}})
