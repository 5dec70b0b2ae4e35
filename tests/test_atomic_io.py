"""Outputs appear whole or not at all."""

import json
import os

import numpy as np
import pytest

from gan_lab import atomic_io


def test_json_and_npz_round_trip(tmp_path):
  atomic_io.write_json(tmp_path / "a.json", {"x": 1})
  assert json.loads((tmp_path / "a.json").read_text()) == {"x": 1}
  atomic_io.write_npz(tmp_path / "s.npz", samples=np.ones((2, 3), np.float32))
  with np.load(tmp_path / "s.npz") as f:
    np.testing.assert_array_equal(f["samples"], np.ones((2, 3)))


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
  path = tmp_path / "a.json"
  atomic_io.write_json(path, {"old": True})

  def crash(*_):
    raise OSError("disk full")
  monkeypatch.setattr(os, "fsync", crash)
  with pytest.raises(OSError, match="disk full"):
    atomic_io.write_json(path, {"new": True})
  assert json.loads(path.read_text()) == {"old": True}
  assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_outputs_get_normal_permissions(tmp_path):
  atomic_io.write_bytes(tmp_path / "f", b"x")
  umask = os.umask(0)
  os.umask(umask)
  assert (tmp_path / "f").stat().st_mode & 0o777 == 0o666 & ~umask


def test_jsonl_appends_whole_lines(tmp_path):
  for i in range(3):
    atomic_io.append_jsonl(tmp_path / "m.jsonl", {"step": i})
  assert [json.loads(line)["step"] for line in (tmp_path / "m.jsonl").read_text().splitlines()] == [0, 1, 2]
