"""The one per-label table of seeds every report prints: the study's per model x loss, the variants', the seed defects'.

Rows are results rows (a run each, with `failed` and its scores); a table
groups them under labels and gives, per column, one summary of the group's
finished runs (by default the mean and the 95% t-interval; the study's
summary gives median and range, see `statistics.format_median_range`),
counting the failed ones apart.
"""

import math

from gan_lab.study import statistics


def seed_table(label_header: str, groups: dict, columns: list[tuple[str, str]], digits: int = 3,
               cell=statistics.format_mean_ci) -> list[str]:
  """Markdown lines: one row per `groups` item (label -> its rows), `runs ok`, `failed`, then each `(key, header)`.

  cell(values, digits) writes one column's values over the finished runs.

  A value missing or NaN in a finished run is left out of its column's
  mean; a column with no value says n/a.
  """
  header = [label_header, "runs ok", "failed", *[title for _, title in columns]]
  lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
  for label, rows in groups.items():
    ok = [r for r in rows if not r["failed"]]
    cells = [label, str(len(ok)), str(len(rows) - len(ok))]
    for key, _ in columns:
      values = [r[key] for r in ok if r.get(key) is not None and not math.isnan(r[key])]
      cells.append(cell(values, digits) if values else "n/a")
    lines.append("| " + " | ".join(cells) + " |")
  return lines
