"""A study's finished runs, kept small enough to commit and put back into a sweep folder on another machine.

A study of many runs outlives the machine it started on, and a run folder is
about 90 MB (checkpoints, sample files). What the report needs of an ended
run is a few kilobytes: status.json, flags.json, scores.json, the metrics
lines at its scored steps and its last one, and, for seed 0, the grid samples
(grids.png shows seed 0). `export` writes that for every ended run, with
the report beside it (so `gan-lab sweep --report_only` can redraw it from the
archive alone); `restore` copies archived runs into a sweep folder that lacks
them, so the sweep skips them (they have ended) and the report counts them.
"""

import io
import json
import shutil
from pathlib import Path

import numpy as np

from gan_lab.evaluation.scoring import SCORES_FILE
from gan_lab.files import atomic_io
from gan_lab.run import run_lock
from gan_lab.study import design, sweep

KEPT_FILES = ("flags.json", SCORES_FILE, sweep.STATUS_FILE)  # Copied whole; status.json last, as runs write it.
METRICS_FILE, GRID_FILE = "metrics.jsonl", "grid_samples.npz"
REPORT_FILES = ("results.csv", "snapshots.csv", "summary.md", "floor.json", "budget.json", "grids.png", "curves.png",
                "ranks.png", "seeds.png")


def export(sweep_dir, archive_dir) -> int:
  """Archives every ended run of `sweep_dir` under `archive_dir/runs/` (same paths), and the report files
  beside them; returns how many runs.

  A finished run not scored yet is left for a later export: restored without its samples, it could never be.
  """
  specs = [s for s in design.discover(sweep_dir) if not s.succeeded() or (s.run_dir / SCORES_FILE).is_file()]
  for spec in specs:
    target = Path(archive_dir, "runs", spec.run_dir.relative_to(Path(sweep_dir, "runs")))
    target.mkdir(parents=True, exist_ok=True)
    _export_metrics(spec.run_dir, target)
    if spec.seed == 0 and (spec.run_dir / GRID_FILE).is_file():
      buffer = io.BytesIO()
      np.savez_compressed(buffer, **np.load(spec.run_dir / GRID_FILE))
      atomic_io.write_bytes(target / GRID_FILE, buffer.getvalue())
    for name in KEPT_FILES:
      if (spec.run_dir / name).is_file():
        atomic_io.write_bytes(target / name, (spec.run_dir / name).read_bytes())
  for name in REPORT_FILES:
    if Path(sweep_dir, name).is_file():
      atomic_io.write_bytes(Path(archive_dir, name), Path(sweep_dir, name).read_bytes())
  return len(specs)


def _export_metrics(run_dir: Path, target: Path) -> None:
  """The metrics lines the report reads: those at scored steps, failures, and the last training line."""
  if not (run_dir / METRICS_FILE).is_file():
    return
  records = atomic_io.read_jsonl(run_dir / METRICS_FILE)
  scores = run_dir / SCORES_FILE
  scored = {p["step"] for p in json.loads(scores.read_text())["curve"]} if scores.is_file() else set()
  training = [r for r in records if "failure" not in r]
  last = training[-1] if training else None
  kept = [r for r in records if r.get("step") in scored or "failure" in r or r is last]
  atomic_io.write_bytes(target / METRICS_FILE, "".join(json.dumps(r) + "\n" for r in kept).encode())


def restore(archive_dir, sweep_dir, log=print) -> int:
  """Copies each archived run into `sweep_dir` unless the run there has ended or is in use; returns how many.

  A run there that has not ended (interrupted, or never started) is replaced: the archived one has ended.
  """
  restored = 0
  budget = Path(archive_dir, "budget.json")
  if budget.is_file() and not Path(sweep_dir, "budget.json").exists():  # What the restored runs were trained with.
    Path(sweep_dir).mkdir(parents=True, exist_ok=True)
    atomic_io.write_bytes(Path(sweep_dir, "budget.json"), budget.read_bytes())
  for archived in design.discover(archive_dir):  # The study's run-folder layout, read in one place.
    source = archived.run_dir
    target = Path(sweep_dir, "runs", source.relative_to(Path(archive_dir, "runs")))
    if sweep.has_ended(target):
      continue
    if target.exists() and run_lock.is_held(target):
      log(f"sweep: {target} is in use by {run_lock.holder(target)}: not restored from {archive_dir}")
      continue
    if target.exists():
      shutil.rmtree(target)
    partial = target.with_name(target.name + ".restoring")  # Whole or not at all: copied aside, then renamed.
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial)
    partial.rename(target)
    restored += 1
  return restored
