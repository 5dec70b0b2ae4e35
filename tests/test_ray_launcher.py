"""One multi-worker run started through Ray Train: one set of outputs, a single process's weights, exit codes."""

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ray.train.tensorflow", reason="--launcher=ray needs the optional extra gan_lab[ray]")

# Under pytest-xdist, the Ray tests run one at a time: one local cluster at once.
pytestmark = pytest.mark.xdist_group("ray")

GAN_LAB_TRAIN = (sys.executable, "-m", "gan_lab.cli", "train")
RING = ["--dataset=ring", "--model=mlp", "--batch_size=32", "--log_every=10", "--checkpoint_every=20",
        "--num_samples=10", "--deterministic", "--train_steps=40",
        "--mixed_precision=none"]  # float32 on any machine: the two runs are compared to 1e-5.


def test_two_ray_train_workers_write_one_run_that_equals_a_single_process(tmp_path, checkpoint_weights):
  # Run from another folder with a relative --output_dir: the workers use the launcher's folder.
  on_ray = subprocess.run([*GAN_LAB_TRAIN, "--launcher=ray", "--num_workers=2", *RING,
                           "--output_dir=pair"], cwd=tmp_path, capture_output=True, text=True, timeout=400)
  assert on_ray.returncode == 0, on_ray.stderr[-3000:] + on_ray.stdout[-3000:]
  assert "worker 0 of 2" in on_ray.stdout and "worker 1 of 2" in on_ray.stdout
  pair = tmp_path / "pair"
  assert json.loads((pair / "flags.json").read_text())["strategy"] == "multi_worker"
  assert [json.loads(l)["step"] for l in (pair / "metrics.jsonl").read_text().splitlines()] == [10, 20, 30, 40]
  assert len(list((pair / "tensorboard").iterdir())) == 1
  assert not [p for p in pair.iterdir() if p.name.startswith(".worker_")]
  single = subprocess.run([*GAN_LAB_TRAIN, *RING, f"--output_dir={tmp_path / 'one'}"],
                          capture_output=True, text=True, timeout=300)
  assert single.returncode == 0, single.stderr[-2000:]
  a, b = checkpoint_weights(tmp_path / "one"), checkpoint_weights(pair)
  assert a.keys() == b.keys() and len(a) > 10
  for name in a:  # The same global batch split over two workers: only the order of summation differs.
    np.testing.assert_allclose(a[name], b[name], atol=1e-5, err_msg=name)


def test_another_strategy_is_a_flag_error():
  proc = subprocess.run([*GAN_LAB_TRAIN, "--launcher=ray", "--strategy=mirrored"], capture_output=True,
                        text=True, timeout=120)
  assert proc.returncode == 1
  assert proc.stderr.strip().endswith("--launcher=ray trains with --strategy=multi_worker, not --strategy=mirrored")
