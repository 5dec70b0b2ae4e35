"""The output folder guard: writable up front, no mixing of runs with different flags."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from gan_lab.run import run_dir

FLAGS = {"loss": "hinge", "seed": 1, "output_dir": "x", "data_dir": ""}


def test_writes_flags(tmp_path):
  out = run_dir.prepare(tmp_path / "run", FLAGS)
  assert json.loads((out / "flags.json").read_text()) == FLAGS


def test_same_flags_resume_and_location_may_change(tmp_path):
  run_dir.prepare(tmp_path, FLAGS)
  run_dir.prepare(tmp_path, {**FLAGS, "output_dir": "elsewhere", "data_dir": "/d"})


def test_different_flags_refused_naming_them(tmp_path):
  run_dir.prepare(tmp_path, FLAGS)
  with pytest.raises(run_dir.RunDirError, match=r"--seed was 1, now 2.*--overwrite"):
    run_dir.prepare(tmp_path, {**FLAGS, "seed": 2})


def test_overwrite_replaces_old_run(tmp_path):
  run_dir.prepare(tmp_path / "r", FLAGS)
  (tmp_path / "r" / "grid.png").write_bytes(b"old")
  run_dir.prepare(tmp_path / "r", {**FLAGS, "seed": 2}, overwrite=True)
  assert not (tmp_path / "r" / "grid.png").exists()
  assert json.loads((tmp_path / "r" / "flags.json").read_text())["seed"] == 2


@pytest.fixture
def read_only_parent():
  """A folder in /tmp that everyone may read and search and no one but root may write."""
  parent = Path(tempfile.mkdtemp())
  parent.chmod(0o555)
  yield parent
  parent.chmod(0o700)
  shutil.rmtree(parent)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders: the test below runs as nobody")
def test_read_only_folder_fails_at_start(read_only_parent):
  assert _prepare_fails(read_only_parent / "run") == "RunDirError: cannot write"


def test_read_only_folder_fails_at_start_as_nobody(read_only_parent, run_as_nobody):
  assert run_as_nobody(_prepare_fails, read_only_parent / "run") == "RunDirError: cannot write"


def _prepare_fails(out):
  try:
    run_dir.prepare(out, FLAGS)
  except run_dir.RunDirError as e:
    return "RunDirError: cannot write" if "cannot write" in str(e) else str(e)
  return "prepared"


def test_output_dir_under_a_file_fails_at_start(tmp_path):
  (tmp_path / "file").write_text("x")
  with pytest.raises(run_dir.RunDirError, match="--output_dir"):
    run_dir.prepare(tmp_path / "file" / "run", FLAGS)


def test_flag_added_since_counts_as_its_default(tmp_path):
  run_dir.prepare(tmp_path, FLAGS)
  run_dir.prepare(tmp_path, {**FLAGS, "new_flag": 0}, defaults={"new_flag": 0})
  with pytest.raises(run_dir.RunDirError, match="--new_flag was 0, now 5"):
    run_dir.prepare(tmp_path, {**FLAGS, "new_flag": 5}, defaults={"new_flag": 0})
