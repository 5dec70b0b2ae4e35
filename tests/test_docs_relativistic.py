"""The relativistic row's claims (study page, README) recomputed from its archive, docs/study_v2_rpgan.

Split from test_docs.py, whose v2 and v3 checks this mirrors: every number the text gives is recomputed
here from the committed csv files, so a re-run that changes them fails until the text follows.
"""

import json
import re
from pathlib import Path

from gan_lab.study import results_csv

REPO = Path(__file__).resolve().parents[1]
RPGAN = REPO / "docs" / "study_v2_rpgan"


def _section() -> str:
  return (REPO / "docs" / "study.md").read_text().split("## The relativistic row")[1].split("\n## ")[0]


def _flat(text: str) -> str:
  return " ".join(text.split())


def test_the_study_page_s_gamma_table_is_the_relativistic_row_s_tuning_stage():
  choices = {c["cell"].split(" · ")[-1]: c for c in json.loads((RPGAN / "tuning" / "choices.json").read_text())}
  section = _section()
  header = re.search(r"^\| gamma \(R1 = R2\) \| (.*) \|$", section, re.M).group(1).split(" | ")
  rows = re.findall(r"^\| ([\d.]+) \| ([\d |]+) \|$", section, re.M)
  assert sorted(header) == sorted(choices) and len(rows) == 4
  for gamma, values in rows:
    key = f"r1_gamma,r2_gamma={float(gamma)!r}"
    assert [int(v) for v in values.split(" | ")] == [round(choices[a]["median_selection_fcd"][key]) for a in header]
  best = re.search(r"gamma (\d+) is best for every activation", _flat(section))
  assert best and {c["chosen"] for c in choices.values()} == {f"r1_gamma,r2_gamma={float(best.group(1))!r}"}


def test_the_study_page_says_what_of_the_relativistic_row_has_run():
  """What the archive holds, as the page words it: the tuning stage and how many reported runs, all of them ok."""
  tuning = results_csv.read(RPGAN / "tuning" / "results.csv")
  reported = [json.loads(p.read_text()) for p in (RPGAN / "runs").rglob("status.json")]
  text = _flat(_section())
  assert len(tuning) == 16 and not any(r["failed"] for r in tuning) and all(r["status"] == "ok" for r in reported)
  if len(reported) < 20:
    ran = re.search(r"\*\*What has run\*\*: the tuning stage \((\d+) runs, none failed\) and (\d+) of the 20 "
                    r"reported runs", text)
    assert ran and [int(v) for v in ran.groups()] == [len(tuning), len(reported)]
    return
  ran = re.search(r"\*\*What has run\*\*: both stages \((\d+) runs, none failed\): the (\d+) tuning runs and the "
                  r"(\d+) reported ones", text)
  assert ran and [int(v) for v in ran.groups()] == [len(tuning) + len(reported), len(tuning), len(reported)]
  rows = results_csv.read(RPGAN / "results.csv")
  assert len(rows) == 20 and {r["seed"] for r in rows} == set(range(5))  # Fresh seeds, not the tuning seed.
  assert {(r["r1_gamma"], r["r2_gamma"]) for r in rows} == {(10.0, 10.0)}
