"""experiments/train.py end to end: a real Fashion-MNIST smoke run, and bad flags."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_lab.config.train_config import TrainConfig

GAN_LAB_TRAIN = (sys.executable, "-m", "gan_lab.cli", "train")
HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()
SMOKE = ["--max_examples=512", "--batch_size=32", "--train_steps=20", "--log_every=5", "--sample_every=10",
         "--checkpoint_every=10", "--num_samples=100", "--grid_size=4", "--snapshot_every=10", "--snapshot_samples=50"]


def _run(*args, timeout=300):
  return subprocess.run([*GAN_LAB_TRAIN, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist (bash run.sh installs it)")
@pytest.mark.parametrize("activation, data_range", [("tanh", [-1, 1]), ("sigmoid", [0, 1])])
def test_real_data_smoke_run_writes_every_output(tmp_path, activation, data_range):
  out = tmp_path / "run"
  proc = _run(*SMOKE, f"--output_activation={activation}", f"--output_dir={out}")
  assert proc.returncode == 0, proc.stderr[-3000:]

  flags = json.loads((out / "flags.json").read_text())
  assert set(flags) == {f for f in TrainConfig.__dataclass_fields__}
  assert flags["output_activation"] == activation and flags["train_steps"] == 20

  metrics = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
  assert [m["step"] for m in metrics] == [5, 10, 15, 20]
  for m in metrics:
    assert {"d_loss", "g_loss", "images_per_sec", "wall_seconds"} <= set(m)
    assert np.isfinite(m["d_loss"]) and m["images_per_sec"] > 0

  assert {p.name for p in out.glob("*.png")} == {"grid_step_000010.png", "grid_step_000020.png", "grid.png"}
  with np.load(out / "samples.npz") as f:
    samples, declared = f["samples"], f["data_range"]
  assert samples.shape == (100, 28, 28, 1) and samples.dtype == np.float32
  assert list(declared) == data_range
  assert data_range[0] <= samples.min() and samples.max() <= data_range[1]
  for name, count in [("samples_step_000010.npz", 50), ("samples_step_000020.npz", 50), ("grid_samples.npz", 16)]:
    with np.load(out / name) as f:
      assert f["samples"].shape == (count, 28, 28, 1) and list(f["data_range"]) == data_range
  with np.load(out / "samples_step_000020.npz") as f:  # Snapshots use the first rows of the sample noise.
    np.testing.assert_allclose(f["samples"], samples[:50], atol=1e-6)
  assert (out / "checkpoints" / "checkpoint").is_file()
  assert list((out / "checkpoints").glob("ckpt-20.index"))
  assert list((out / "tensorboard").glob("events.out.tfevents.*"))
  assert not list(out.glob(".*.tmp"))


def test_help_lists_every_config_field_with_its_choices():
  proc = _run("--help")  # absl's --help exits 1 after printing.
  assert "Traceback" not in proc.stderr, proc.stderr
  listed = set(re.findall(r"^  --(?:\[no\])?(\w+):", proc.stdout, re.MULTILINE))
  launcher = {"launcher", "num_workers", "ray_address", "cpus_per_worker", "gpus_per_worker"}
  assert listed == {f for f in TrainConfig.__dataclass_fields__} | {"overwrite", "preset"} | launcher
  assert "One of: sigmoid, tanh, linear, hard_sigmoid (or a name a --plugins module registers)." in " ".join(
      proc.stdout.split())
  assert "In (0, 1)." in proc.stdout and "At least 1." in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--output_activation=softmax"], "output_activation"),
    (["--train_steps=-3"], "train_steps"),
    (["--loss=wasserstein"], "--loss=wasserstein needs a Lipschitz critic"),
    (["--label_smoothing=0.9"], "--label_smoothing=0.9"),
    (["stray_argument"], "unexpected arguments"),
    (["--preset=fast"], "--preset"),
])
def test_bad_flags_exit_1_with_a_clear_message(tmp_path, args, message):
  proc = _run(*args, f"--output_dir={tmp_path}")
  assert proc.returncode == 1
  assert message in proc.stderr
  assert "Traceback" not in proc.stderr
  assert not (tmp_path / "flags.json").exists()


def test_the_quality_preset_fills_flags_the_command_leaves_out(tmp_path):
  from gan_lab.config import hardware, presets  # pylint: disable=g-import-not-at-top
  proc = _run("--preset=quality", "--train_steps=20", "--log_every=10", "--num_samples=10", "--dataset=ring",
              "--model=mlp", f"--output_dir={tmp_path}")
  assert proc.returncode == 0, proc.stderr[-3000:]
  flags = json.loads((tmp_path / "flags.json").read_text())
  assert flags["train_steps"] == 20 and flags["model"] == "mlp"  # Given: kept.
  assert flags["g_ema_decay"] == presets.QUALITY["g_ema_decay"] and flags["sample_every"] == 2500
  fallback = "no bfloat16 units" in proc.stderr
  assert fallback != hardware.has_bfloat16_units()  # The line appears exactly where bfloat16 is missing.
  assert flags["mixed_precision"] == ("none" if fallback else "mixed_bfloat16")
  assert (tmp_path / "samples_raw.npz").is_file()


def test_unusable_data_dir_exits_2_naming_it(tmp_path):
  proc = _run(f"--data_dir={tmp_path / 'nowhere'}", f"--output_dir={tmp_path / 'out'}")
  assert proc.returncode == 2
  assert f"--data_dir {tmp_path / 'nowhere'}: not a directory" in proc.stderr
  assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
def test_batch_larger_than_data_exits_2(tmp_path):
  proc = _run("--max_examples=10", "--batch_size=32", f"--output_dir={tmp_path}")
  assert proc.returncode == 2 and "exceeds the 10 training examples" in proc.stderr


def test_nan_watchdog_exits_3_and_records_the_failure(tmp_path):
  proc = _run("--dataset=ring", "--model=mlp", "--train_steps=50", "--log_every=10", "--checkpoint_every=10",
              "--plugins=nan_plugin", "--loss=nan_at_step_25", "--num_samples=10", f"--output_dir={tmp_path}")
  assert proc.returncode == 3
  assert "training diverged at step 30: d_loss = nan" in proc.stderr and "Traceback" not in proc.stderr
  last = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[-1])
  assert last["step"] == 30 and "non-finite" in last["failure"]
  assert (tmp_path / "checkpoints" / "ckpt-20.index").is_file()
  assert not (tmp_path / "samples.npz").exists()


RING = ["--dataset=ring", "--model=mlp", "--log_every=10", "--checkpoint_every=10", "--num_samples=10"]


def test_an_unreadable_checkpoint_falls_back_and_none_readable_exits_2(tmp_path):
  assert _run(*RING, "--train_steps=20", f"--output_dir={tmp_path}").returncode == 0
  for data in (tmp_path / "checkpoints").glob("ckpt-20.data-*"):
    data.write_bytes(data.read_bytes()[:100])
  proc = _run(*RING, "--train_steps=20", f"--output_dir={tmp_path}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "ckpt-20 does not restore" in proc.stdout and "resuming at step 10" in proc.stdout
  for data in (tmp_path / "checkpoints").glob("ckpt-*.data-*"):
    data.write_bytes(data.read_bytes()[:100])
  proc = _run(*RING, "--train_steps=20", f"--output_dir={tmp_path}")
  assert proc.returncode == 2 and "Traceback" not in proc.stderr
  assert proc.stderr.strip().splitlines()[-1] == (f"error: {tmp_path / 'checkpoints'}: none of its checkpoints "
                                                  "restores; pass --overwrite to start the run afresh")


@pytest.fixture
def small_disk(tmp_path):
  """An 8 MB tmpfs (root only); yields its path and a function that grows it."""
  mount = tmp_path / "disk"
  mount.mkdir()
  if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True).returncode:
    pytest.skip("cannot mount a tmpfs here (needs root); tests/test_checkpoints.py and test_atomic_io.py "
                "inject the same failures")
  yield mount, lambda size: subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)
  subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
def test_a_full_disk_exits_2_with_one_line_and_resumes_once_there_is_space(small_disk):
  mount, grow = small_disk
  out = mount / "run"
  args = ["--model=mlp", "--max_examples=2000", "--train_steps=300", "--checkpoint_every=50", "--log_every=50",
          "--sample_every=1000", f"--output_dir={out}"]
  proc = _run(*args)
  assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
  assert re.fullmatch(rf"error: cannot write {re.escape(str(out))}/\S+: No space left on device",
                      proc.stderr.strip().splitlines()[-1])
  leftovers = [p.name for p in out.rglob("*") if "_temp" in p.name or p.name.endswith(".tmp")]
  assert not leftovers
  saved = tf_checkpoint_step(out)
  assert saved >= 50
  grow("128m")
  proc = _run(*args)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert f"resuming at step {saved}" in proc.stdout and (out / "samples.npz").is_file()


def tf_checkpoint_step(out):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return int(tf.train.load_checkpoint(str(out / "checkpoints")).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"))


@pytest.mark.parametrize("penalties, noted", [((), True), (("--r2_gamma=10",), False)])
def test_the_relativistic_loss_without_penalties_gets_one_note(tmp_path, penalties, noted):
  proc = _run(*RING, "--loss=relativistic", "--train_steps=10", *penalties, f"--output_dir={tmp_path}")
  assert proc.returncode == 0, proc.stderr[-3000:]
  lines = [l for l in proc.stderr.splitlines() if "--loss=relativistic without --r1_gamma or --r2_gamma" in l]
  assert len(lines) == int(noted)
