"""A study's CSVs (results.csv, snapshots.csv) written and read back with their types.

The committed CSVs are what the study's claims rest on: the report can be
redrawn from them without the run folders (`report.report_from_csv`), so a
row read back must be the row that was written: numbers as numbers, flags as
booleans, an empty cell (a score a failed run never got) as None.
"""

import csv
import io

from gan_lab.files import atomic_io


def write(path, rows: list[dict]) -> None:
  """Every key of every row becomes a column (first-seen order); written atomically."""
  columns = list(dict.fromkeys(k for row in rows for k in row))
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, columns)
  writer.writeheader()
  writer.writerows(rows)
  atomic_io.write_bytes(path, buffer.getvalue().encode())


def merge(path, sources) -> None:
  """Writes the rows of the CSVs `sources` as one CSV at `path` (every column of any; a cell a source lacks is
  empty), e.g. the study's base runs and its longer-budget arm, archived apart, as docs/study_results.csv."""
  write(path, [row for source in sources for row in read(source)])


def read(path) -> list[dict]:
  """The rows of a CSV that `write` wrote, each cell typed back (`typed`)."""
  with open(path, newline="") as f:
    return [{key: typed(text) for key, text in row.items()} for row in csv.DictReader(f)]


def typed(text: str):
  """A CSV cell as the value it was: '' -> None, True/False -> bool, then int, float, else the string."""
  if text == "":
    return None
  if text in ("True", "False"):
    return text == "True"
  for cast in (int, float):
    try:
      return cast(text)
    except ValueError:
      pass
  return text
