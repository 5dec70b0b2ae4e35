"""Presets fill in what the command leaves out; a run's precision: bfloat16 only where the machine has its units."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from gan_lab.config import hardware, presets
from gan_lab.config.train_config import TrainConfig

_DEFAULTS = dataclasses.asdict(TrainConfig())


def test_a_preset_fills_the_flags_not_given_and_keeps_the_given_ones():
  values = {**_DEFAULTS, "train_steps": 7, "seed": 3}
  resolved = presets.apply("quality", values, given={"train_steps", "seed"})
  assert resolved["train_steps"] == 7 and resolved["seed"] == 3  # Given on the command line: kept.
  assert resolved["g_ema_decay"] == presets.QUALITY["g_ema_decay"] > 0
  assert resolved["mixed_precision"] == "auto"  # bfloat16 where it is native, float32 elsewhere.
  assert resolved["output_dir"] == "outputs/train_quality"  # Never mixes with a default run's folder.
  untouched = set(_DEFAULTS) - set(presets.QUALITY)
  assert {k: resolved[k] for k in untouched - {"seed"}} == {k: _DEFAULTS[k] for k in untouched - {"seed"}}


def test_an_unknown_preset_is_refused_by_name():
  with pytest.raises(ValueError, match=r"--preset='fast'.*quality"):
    presets.apply("fast", _DEFAULTS, set())


def test_the_quality_preset_validates_and_keeps_a_given_precision():
  TrainConfig(**presets.apply("quality", _DEFAULTS, set())).validate()
  kept = presets.resolve("quality", TrainConfig(mixed_precision="none"), given={"mixed_precision"})
  assert kept.mixed_precision == "none" and kept.g_ema_decay == presets.QUALITY["g_ema_decay"]


_CPUINFO = """processor\t: 0
model name\t: Some CPU
flags\t\t: fpu vme sse2 avx2 avx512f {extra}
bugs\t\t: spectre_v1
"""


@pytest.mark.parametrize("extra, expected", [("avx512_bf16", True), ("amx_bf16 amx_tile", True),
                                             ("avx512_vnni", False), ("", False)])
def test_cpu_bfloat16_read_from_the_flags_line(extra, expected):
  assert hardware.cpu_has_bfloat16(_CPUINFO.format(extra=extra)) is expected


def test_a_flag_named_elsewhere_than_the_flags_line_does_not_count():
  assert not hardware.cpu_has_bfloat16("model name\t: avx512_bf16 lookalike\nflags\t\t: sse2\n")


@pytest.mark.parametrize("policy, has_bfloat16, expected", [
    ("auto", False, "precision: float32 (--mixed_precision=auto: no bfloat16 units on this machine"),
    ("auto", True, "precision: mixed_bfloat16 (--mixed_precision=auto: this machine has bfloat16 units"),
    ("none", False, "precision: float32 (--mixed_precision=none)"),
    ("none", True, "precision: float32 (--mixed_precision=none)"),
    ("mixed_bfloat16", True, "precision: mixed_bfloat16 (--mixed_precision=mixed_bfloat16; this machine has bfloat16 "
                             "units)"),
    ("mixed_bfloat16", False, "precision: mixed_bfloat16, emulated (--mixed_precision=mixed_bfloat16, but this "
                              "machine has no bfloat16 units"),
])
def test_a_run_s_precision_line_says_what_it_trains_in_and_whether_it_is_emulated(policy, has_bfloat16, expected):
  line = hardware.precision_line(policy, has_bfloat16)
  assert line.startswith(expected) and ("slower than float32" in line) == (policy == "mixed_bfloat16" and not has_bfloat16)


@pytest.mark.parametrize("has_bfloat16, resolved", [(True, "mixed_bfloat16"), (False, "none")])
def test_auto_precision_is_bfloat16_only_where_the_machine_has_bfloat16_units(has_bfloat16, resolved):
  assert hardware.resolve_precision("auto", has_bfloat16) == resolved
  for policy in ("none", "mixed_float16", "mixed_bfloat16"):  # An explicit policy is never changed.
    assert hardware.resolve_precision(policy, has_bfloat16) == policy


@pytest.mark.parametrize("cpu_bfloat16, gpus, expected", [(False, (), "none"), (True, (), "mixed_bfloat16"),
                                                         (False, ((7, 5),), "none"), (False, ((9, 0),), "mixed_bfloat16")])
def test_auto_probes_the_machine_faked_with_and_without_bfloat16_units(monkeypatch, cpu_bfloat16, gpus, expected):
  monkeypatch.setattr(hardware, "cpu_has_bfloat16", lambda cpuinfo: cpu_bfloat16)
  monkeypatch.setattr(hardware, "gpu_compute_capabilities", lambda: gpus)
  policy, line = hardware.run_precision("auto")
  assert policy == expected and line == hardware.precision_line("auto", expected == "mixed_bfloat16")
  assert hardware.run_precision("none") == ("none", "precision: float32 (--mixed_precision=none)")


@pytest.mark.parametrize("native", [False, True])
def test_a_library_caller_s_auto_config_trains_in_the_resolved_precision(monkeypatch, tmp_path, native):
  from gan_lab.run import training  # pylint: disable=g-import-not-at-top
  monkeypatch.setattr(hardware, "has_bfloat16_units", lambda: native)
  config = TrainConfig(dataset="ring", model="mlp", batch_size=16, train_steps=2, num_samples=4, grid_size=2,
                       output_dir=str(tmp_path))
  trainer = training.Trainer(config, np.zeros((64, 2), np.float32), log=lambda *_: None)
  assert config.mixed_precision == "auto" and trainer.config.mixed_precision == (
      "mixed_bfloat16" if native else "none")


def test_a_default_run_names_its_resolved_precision_first_and_records_it(tmp_path):
  proc = subprocess.run([sys.executable, "-m", "gan_lab.cli", "train", "--dataset=ring", "--model=mlp",
                         "--train_steps=10", "--num_samples=10", f"--output_dir={tmp_path}"],
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  native = hardware.has_bfloat16_units()
  assert proc.stderr.splitlines()[0] == hardware.precision_line("auto", native)
  assert json.loads((tmp_path / "flags.json").read_text())["mixed_precision"] == (
      "mixed_bfloat16" if native else "none")


def test_the_first_line_a_run_prints_is_its_precision(tmp_path):
  proc = subprocess.run([sys.executable, "-m", "gan_lab.cli", "train", "--dataset=ring", "--model=mlp",
                         "--train_steps=10", "--num_samples=10", f"--output_dir={tmp_path}",
                         "--mixed_precision=mixed_bfloat16"], capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert proc.stderr.splitlines()[0] == hardware.precision_line("mixed_bfloat16", hardware.has_bfloat16_units())
  assert json.loads((tmp_path / "flags.json").read_text())["mixed_precision"] == "mixed_bfloat16"


def test_the_quality_preset_is_still_the_configuration_its_time_to_quality_run_measured():
  """The preset pins its architecture and recipe, so a new default run leaves it as measured (README)."""
  from pathlib import Path  # pylint: disable=g-import-not-at-top
  measured = json.loads((Path(__file__).parent.parent / "benchmarks" / "results" /
                         "time_to_quality-20261125-061501.json").read_text())["configs"]["quality"]
  resolved = presets.apply("quality", dataclasses.asdict(TrainConfig()), set())
  resolved["mixed_precision"] = hardware.resolve_precision(resolved["mixed_precision"], True)  # Its machine's.
  differing = {k: (v, resolved[k]) for k, v in measured.items() if k in resolved and k != "output_dir"
               and resolved[k] != v}
  assert not differing, f"(measured, now) {differing}"
