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
from gan_lab.study import design, sweep, tuning

KEPT_FILES = ("flags.json", SCORES_FILE, tuning.SELECTION_FILE, sweep.STATUS_FILE)  # Whole; status.json last.
METRICS_FILE, GRID_FILE = "metrics.jsonl", "grid_samples.npz"
REPORT_FILES = ("results.csv", "snapshots.csv", "summary.md", "floor.json", "budget.json", design.DESIGN_FILE,
                "grids.png", "curves.png", "ranks.png", "seeds.png")
TUNING_FILES = ("results.csv", "choices.json", "tuning.md")  # A tuned study's stage-1 report, in tuning/.


def _stages(source_dir, target_dir):
  """(source stage folder, target stage folder, the file that says a finished run is scored, tuned axis names):
  the reported runs, then a tuned study's stage 1 in tuning/ (the design pinned in `source_dir` says which)."""
  tuned = {spec.partition("=")[0] for spec in design.pinned_design(source_dir)["tune"]}
  yield Path(source_dir), Path(target_dir), SCORES_FILE, tuned
  if tuned:
    yield Path(source_dir, design.TUNING_DIR), Path(target_dir, design.TUNING_DIR), tuning.SELECTION_FILE, tuned


def export(sweep_dir, archive_dir) -> int:
  """Archives every ended run of `sweep_dir` (and of its tuning stage) under `archive_dir` (same paths), and the
  report files beside them; returns how many runs.

  A finished run not scored yet is left for a later export: restored without its samples, it could never be.
  """
  count = 0
  for source_dir, target_dir, scored_file, tuned in _stages(sweep_dir, archive_dir):
    specs = [s for s in design.discover(source_dir, tuned) if not s.succeeded() or (s.run_dir / scored_file).is_file()]
    for spec in specs:
      _export_run(spec, Path(target_dir, "runs", spec.run_dir.relative_to(Path(source_dir, "runs"))))
    count += len(specs)
  for folder, names in ((Path(sweep_dir), REPORT_FILES), (Path(sweep_dir, design.TUNING_DIR), TUNING_FILES)):
    target = Path(archive_dir, folder.relative_to(sweep_dir))
    for name in names:
      if (folder / name).is_file():
        atomic_io.write_bytes(target / name, (folder / name).read_bytes())
  return count


def _export_run(spec, target: Path) -> None:
  """A run's few KB: the metrics lines the report reads, seed 0's grid samples, and `KEPT_FILES`."""
  target.mkdir(parents=True, exist_ok=True)
  _export_metrics(spec.run_dir, target)
  if spec.seed == 0 and (spec.run_dir / GRID_FILE).is_file():
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **np.load(spec.run_dir / GRID_FILE))
    atomic_io.write_bytes(target / GRID_FILE, buffer.getvalue())
  for name in KEPT_FILES:
    if (spec.run_dir / name).is_file():
      atomic_io.write_bytes(target / name, (spec.run_dir / name).read_bytes())


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
  """Copies each archived run (of both stages of a tuned study) into `sweep_dir` unless the run there has ended
  or is in use; returns how many.

  A run there that has not ended (interrupted, or never started) is replaced: the archived one has ended.
  """
  for name in ("budget.json", design.DESIGN_FILE):  # What the restored runs were trained with.
    if Path(archive_dir, name).is_file() and not Path(sweep_dir, name).exists():
      Path(sweep_dir).mkdir(parents=True, exist_ok=True)
      atomic_io.write_bytes(Path(sweep_dir, name), Path(archive_dir, name).read_bytes())
  # A sweep over some models pins only theirs: the archive's other models (an earlier invocation's) join them, or
  # the next export would write a budget.json without the runs' budgets. A conflict was refused when both were pinned.
  archived, pinned = (Path(folder, "budget.json") for folder in (archive_dir, sweep_dir))
  if archived.is_file() and set(json.loads(archived.read_text())) - set(json.loads(pinned.read_text())):
    sweep.pin_settings(pinned, json.loads(archived.read_text()))
  restored = 0
  for archive_stage, sweep_stage, _, tuned in _stages(archive_dir, sweep_dir):
    for archived in design.discover(archive_stage, tuned):  # The study's run-folder layout, read in one place.
      target = Path(sweep_stage, "runs", archived.run_dir.relative_to(Path(archive_stage, "runs")))
      restored += _restore_run(archived.run_dir, target, log)
  return restored


def _restore_run(source: Path, target: Path, log) -> int:
  """Copies one archived run to `target` unless the run there has ended or is in use; 1 if it copied it."""
  if sweep.has_ended(target):
    return 0
  if target.exists() and run_lock.is_held(target):
    log(f"sweep: {target} is in use by {run_lock.holder(target)}: not restored from {source.parent}")
    return 0
  if target.exists():
    shutil.rmtree(target)
  partial = target.with_name(target.name + ".restoring")  # Whole or not at all: copied aside, then renamed.
  shutil.rmtree(partial, ignore_errors=True)
  shutil.copytree(source, partial)
  partial.rename(target)
  return 1
