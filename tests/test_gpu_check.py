"""benchmarks/gpu_check.py in its reduced mode: every part runs (or says why not) and one JSON holds the figures."""

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_reduced_check_runs_every_part_and_writes_one_json(tmp_path):
  output = tmp_path / "gpu_check.json"
  proc = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--reduced", f"--output={output}",
                         f"--work_dir={tmp_path / 'work'}"], capture_output=True, text=True, timeout=900, cwd=REPO)
  assert proc.returncode == 0, proc.stderr[-3000:]
  figures = json.loads(output.read_text())
  assert figures["reduced"] and figures["default_run"]["steps_per_second"] > 0
  assert math.isfinite(figures["default_run"]["fcd"]) and figures["default_run"]["fcd"] > 0
  from gan_lab.config import hardware  # pylint: disable=g-import-not-at-top
  assert figures["default_run"]["precision_line"] == hardware.precision_line("auto", hardware.has_bfloat16_units())
  runs = figures["precision_runs"]
  assert set(runs) == {"none", "mixed_float16", "mixed_bfloat16"} and runs["none"]["vs_float32"] == 1.0
  if not figures["machine"]["gpus"]:  # A CPU: float16 is refused with the train command's own reason.
    assert "needs a GPU" in runs["mixed_float16"]["skipped"]
  assert runs["mixed_bfloat16"]["steps_per_second"] > 0
  table = "\n".join(figures["throughput"]["table"])
  assert "| tutorial |" in table and "| gan_lab_tutorial |" in table
