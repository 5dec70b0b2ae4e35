"""Stage-1 selection: medians over tuning seeds, failed runs as infinitely bad, ties and grid edges shown."""

import json
import math

from gan_lab.study import axes, sweep, tuning
from gan_lab.study.design import Cell

LR = axes.Axis(("g_learning_rate", "d_learning_rate"), (1e-4, 2e-4, 4e-4))
BETA = axes.Axis(("beta_1",), (0.0, 0.5))
GRID = axes.combinations([LR, BETA])
CELL = Cell("mlp", "non_saturating", "tanh")


def _stage1(tmp_path, fcds: dict, cell=CELL):
  """Ended stage-1 run folders: {combination: [selection FCD or None for a failed run, per seed]}."""
  specs = []
  for combination, values in fcds.items():
    for i, fcd in enumerate(values):
      tuned = cell.with_tuned(combination)
      run_dir = sweep.run_dir_of(tmp_path, tuned, 10000 + i)
      run_dir.mkdir(parents=True)
      sweep.write_status(run_dir, {"status": "failed" if fcd is None else "ok", "reason": "", "wall_seconds": 1.0})
      if fcd is not None:
        (run_dir / tuning.SELECTION_FILE).write_text(json.dumps({"fcd": fcd}))
      specs.append(sweep.RunSpec(tuned, 10000 + i, run_dir))
  return specs


def test_the_lowest_median_wins_and_a_failed_seed_makes_a_combination_lose(tmp_path):
  fcds = {c: [100.0 + i, 101.0 + i] for i, c in enumerate(GRID)}
  fcds[GRID[3]] = [10.0, None]  # Best on one seed, diverged on the other: median inf.
  fcds[GRID[4]] = [50.0, 70.0]  # Median 60: the best combination that trains on both seeds.
  (choice,) = tuning.select([CELL], GRID, _stage1(tmp_path, fcds), 2)
  assert choice.chosen == GRID[4] and choice.median(GRID[4]) == 60.0 and math.isinf(choice.median(GRID[3]))
  table = "\n".join(tuning.table_lines([choice], GRID))
  assert "| g_learning_rate,d_learning_rate=0.0004, beta_1=0.0 | **60** |" in table
  assert "| g_learning_rate,d_learning_rate=0.0002, beta_1=0.5 | failed (1 of 2 failed) |" in table


def test_a_tie_goes_to_the_first_in_grid_order_and_is_said(tmp_path):
  fcds = {c: [90.0, 90.0] for c in GRID}
  (choice,) = tuning.select([CELL], GRID, _stage1(tmp_path, fcds), 2)
  assert choice.chosen == GRID[0] and choice.tie
  assert "tied medians: the first in grid order was chosen" in "\n".join(tuning.table_lines([choice], GRID))


def test_a_cell_whose_every_combination_failed_gets_no_stage_two(tmp_path):
  (choice,) = tuning.select([CELL], GRID, _stage1(tmp_path, {c: [None, None] for c in GRID}), 2)
  assert choice.chosen is None and "every combination failed: no stage 2" in "\n".join(tuning.table_lines([choice], GRID))


def test_a_cell_whose_second_tuning_seed_has_not_run_is_not_chosen_yet(tmp_path):
  specs = _stage1(tmp_path, {c: [90.0 + i] for i, c in enumerate(GRID)})  # Every combination, one seed of two.
  assert tuning.select([CELL], GRID, specs, 2) == []
  assert tuning.select([CELL], GRID, specs, 1)[0].chosen == GRID[0]


def test_a_cell_with_runs_missing_or_unscored_is_not_chosen_yet(tmp_path):
  fcds = {c: [90.0, 91.0] for c in GRID[:-1]}
  assert tuning.select([CELL], GRID, _stage1(tmp_path / "a", fcds), 2) == []
  specs = _stage1(tmp_path / "b", {c: [90.0, 91.0] for c in GRID})
  (specs[0].run_dir / tuning.SELECTION_FILE).unlink()
  assert tuning.select([CELL], GRID, specs, 2) == []


def test_a_choice_at_a_grid_end_warns_unless_the_end_is_the_fields_own_bound(tmp_path):
  fcds = {c: [100.0, 100.0] for c in GRID}
  fcds[(("g_learning_rate,d_learning_rate", 4e-4), ("beta_1", 0.0))] = [50.0, 50.0]
  (top,) = tuning.select([CELL], GRID, _stage1(tmp_path / "a", fcds), 2)
  warnings = tuning.edge_warnings([top], [LR, BETA])
  assert warnings == ["warning: mlp · non_saturating · tanh: chosen g_learning_rate,d_learning_rate=0.0004 is the "
                      "grid's largest value; the best may lie beyond it"]  # beta_1 = 0 cannot go lower: no warning.
  fcds = {c: [100.0, 100.0] for c in GRID}
  fcds[(("g_learning_rate,d_learning_rate", 2e-4), ("beta_1", 0.5))] = [50.0, 50.0]
  (middle,) = tuning.select([CELL], GRID, _stage1(tmp_path / "b", fcds), 2)
  assert tuning.edge_warnings([middle], [LR, BETA]) == [
      "warning: mlp · non_saturating · tanh: chosen beta_1=0.5 is the grid's largest value; the best may lie beyond it"]
