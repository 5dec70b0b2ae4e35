"""Outputs appear whole or not at all."""

import errno
import json
import os

import numpy as np
import pytest

from gan_lab.files import atomic_io


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
    raise OSError(errno.ENOSPC, "No space left on device")
  monkeypatch.setattr(os, "fsync", crash)
  with pytest.raises(atomic_io.OutputWriteError, match=f"cannot write {path}: No space left on device"):
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


def test_a_full_device_fails_an_append_with_the_file_named(tmp_path):
  full = tmp_path / "metrics.jsonl"
  full.symlink_to("/dev/full")  # Every write to /dev/full fails with ENOSPC.
  with pytest.raises(atomic_io.OutputWriteError, match=f"cannot write {full}: No space left on device"):
    atomic_io.append_jsonl(full, {"step": 1})


def test_a_failed_append_leaves_the_earlier_lines_whole(tmp_path, monkeypatch):
  path = tmp_path / "metrics.jsonl"
  atomic_io.append_jsonl(path, {"step": 1})
  real_write = os.write
  monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:5]))  # A short write, as on a full disk.
  with pytest.raises(atomic_io.OutputWriteError, match="No space left on device"):
    atomic_io.append_jsonl(path, {"step": 2})
  assert path.read_text() == '{"step": 1}\n'


def test_the_os_words_are_found_inside_a_wrapped_error_text():
  text = "{{function_node save}} /run/checkpoints/ckpt-150_temp/part-0: No space left on device [Op:SaveV2]"
  assert atomic_io.write_error_reason(text) == "No space left on device"
  assert atomic_io.write_error_reason("something else\nwith details") == "something else"


def test_read_jsonl_returns_what_append_jsonl_wrote(tmp_path):
  path = tmp_path / "m.jsonl"
  atomic_io.append_jsonl(path, {"step": 1, "loss": 0.5})
  atomic_io.append_jsonl(path, {"step": 2, "loss": 0.25})
  with open(path, "a") as f:
    f.write("\n")
  assert atomic_io.read_jsonl(path) == [{"loss": 0.5, "step": 1}, {"loss": 0.25, "step": 2}]
