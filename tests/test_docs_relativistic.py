"""The relativistic row's claims (study page, README) recomputed from its archive, docs/study_v2_rpgan.

Split from test_docs.py, whose v2 and v3 checks this mirrors: every number the text gives is recomputed
here from the committed csv files, so a re-run that changes them fails until the text follows.
"""

import json
import math
import re
from pathlib import Path

from gan_lab.study import design, results_csv, statistics

REPO = Path(__file__).resolve().parents[1]
RPGAN = REPO / "docs" / "study_v2_rpgan"
ORDER = re.compile(r"([a-z_]+) \((\d+)\)")


def _section() -> str:
  return (REPO / "docs" / "study.md").read_text().split("## The relativistic row")[1].split("\n## ")[0]


def _flat(text: str) -> str:
  return " ".join(text.split())


def _relativistic() -> dict:
  """{activation: final FCDs} of the row's reported runs (gamma chosen per activation, fresh seeds)."""
  groups = {}
  for r in results_csv.read(RPGAN / "results.csv"):
    if not r["failed"]:
      groups.setdefault(r["output_activation"], []).append(r["fcd"])
  return groups


def _non_saturating() -> dict:
  """{activation: final FCDs} of v2's dcgan · non-saturating cell at the study's budget: the row's baseline."""
  steps = dict(design.Study().train_steps)["dcgan"]
  groups = {}
  for r in results_csv.read(REPO / "docs" / "study_results.csv"):
    if (r["model"], r["loss"], r["train_steps"]) == ("dcgan", "non_saturating", steps) and not r["data_margin"] \
        and not r["failed"]:
      groups.setdefault(r["output_activation"], []).append(r["fcd"])
  return groups


def _means(groups: dict) -> dict:
  return {a: statistics.geometric_mean(v) for a, v in groups.items()}


def _apart(groups: dict) -> list[str]:
  """The pairs apart by Holm-corrected Welch p < 0.05 on log FCD, each "better < worse", sorted."""
  means = _means(groups)
  logs = {a: [math.log(v) for v in values] for a, values in groups.items()}
  return sorted(" < ".join(sorted((c["a"], c["b"]), key=means.get)) for c in statistics.pairwise(logs)
                if c["welch_holm_p"] < 0.05)


def _order_text(means: dict) -> str:
  return " < ".join(f"{a} ({round(means[a])})" for a in sorted(means, key=means.get))


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


def test_the_study_page_s_relativistic_table_and_sentences_are_its_archive_s():
  section = _section()
  relativistic, baseline = _relativistic(), _non_saturating()
  means, base = _means(relativistic), _means(baseline)
  rows = re.findall(r"^\| ([a-z_]+) \| ([\d.]+) \[([\d.]+), ([\d.]+)\] \((\d+)\) \| ([\d.]+) \| ([\d.]+) \| "
                    r"([\d.e-]+) \|$", section, re.M)
  assert [r[0] for r in rows] == sorted(means, key=means.get)
  for activation, gm, lo, hi, n, v2, ratio, p in rows:
    fcds = relativistic[activation]
    expected = [*(f"{v:.3g}" for v in statistics.log_t_interval(fcds)), str(len(fcds)),
                f"{base[activation]:.3g}", f"{means[activation] / base[activation]:.2f}",
                f"{statistics.welch_p([math.log(v) for v in fcds], [math.log(v) for v in baseline[activation]]):.2g}"]
    assert [gm, lo, hi, n, v2, ratio, p] == expected, activation
  text = _flat(section)
  assert f"dcgan · relativistic ranks {_order_text(means)}; v2's non-saturating ranks {_order_text(base)}" in text
  apart = _apart(relativistic)
  assert (f"{len(apart)} of its 6 pairs are apart (Holm-corrected Welch p < 0.05 on log FCD): "
          f"{'; '.join(apart) or 'none'}.") in text


def test_the_readme_s_relativistic_sentence_is_the_row_s():
  readme = _flat((REPO / "README.md").read_text())
  said = re.search(r"Under R3GAN's objective the activation order (holds|changes): .*? the activations rank (.*?); "
                   r"(\d+) of the 6 pairs are apart \(Holm-corrected Welch p < 0\.05 on log FCD\)", readme)
  assert said, "the README's relativistic sentence moved: update this test"
  relativistic, base = _means(_relativistic()), _means(_non_saturating())
  named = ORDER.findall(said.group(2))
  assert [a for a, _ in named] == sorted(relativistic, key=relativistic.get)
  assert [int(v) for _, v in named] == [round(relativistic[a]) for a, _ in named]
  same = sorted(relativistic, key=relativistic.get) == sorted(base, key=base.get)
  assert said.group(1) == ("holds" if same else "changes")
  assert int(said.group(3)) == len(_apart(_relativistic()))
  if "linear is worse than each other activation, and those three are not told apart" in readme:
    assert _apart(_relativistic()) == sorted(f"{a} < linear" for a in relativistic if a != "linear")
  factor = re.search(r"Against v2's non-saturating cell, FCD changes by a factor of ([\d.]+)-([\d.]+) per activation",
                     readme)
  ratios = [relativistic[a] / base[a] for a in relativistic]
  assert factor and factor.groups() == (f"{min(ratios):.2f}", f"{max(ratios):.2f}")
