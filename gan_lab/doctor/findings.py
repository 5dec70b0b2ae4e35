"""What the doctor reports: a `Finding` per mistake, with the cost the seed-defect experiment measured for it.

Each cost is what that mistake did when put back alone into the seeds'
corrected MLP GAN (docs/seed_defects_summary.md, experiments/seed_defects.py):
a finding says what it costs, so a user can weigh it.
"""

import dataclasses

_GUIDE = "docs/seed_articles.md"
# What each defect cost when put back alone into the seeds' corrected MLP GAN (FCD, mean over 3 seeds, against
# 527 corrected; docs/seed_defects_summary.md, from experiments/seed_defects.py).
_COST = {"double_sigmoid": "FCD 1170 vs 527 corrected", "noise_spread": "FCD 1580 vs 527 corrected",
         "fakes_labelled_real": "FCD 1230 vs 527 corrected", "swapped_updates": "FCD 2230 vs 527 corrected",
         "data_range": "FCD 1730 (data in [-1, 1]) and 2230 (in [0, 255]) vs 527 corrected"}


class DoctorError(Exception):
  """The doctor could not run a check on the GAN it was given (not a finding about the GAN): one line of why."""


@dataclasses.dataclass(frozen=True)
class Finding:
  """One mistake found: its `name`, `severity` (error: fix before training; note: works, could be better)."""
  name: str
  severity: str
  message: str

  def __str__(self) -> str:
    cost = f" (measured: {_COST[self.name]})" if self.name in _COST else ""
    return f"{self.severity}: {self.name}: {self.message}{cost}. See {_GUIDE}."


def first_line(error: Exception) -> str:
  """An error's first line (at most 200 characters): what a one-line failure message quotes."""
  text = str(error).strip()
  return text.splitlines()[0][:200] if text else "(no message)"


def summary(findings) -> str:
  """One line: how many errors and notes, for the end of the command's output."""
  errors = sum(f.severity == "error" for f in findings)
  return f"{errors} error(s), {len(findings) - errors} note(s)" if findings else "no known mistake found"
