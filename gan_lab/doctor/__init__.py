"""`check`: finds the seed articles' mistakes in someone's own Keras GAN before they train it.

The seeds' GANs squash D's output twice (a sigmoid, then a from-logits
loss), feed noise squeezed to nearly one point, label the fakes real, step
each network on the other's objective, and never scale the data to the
generator's output range. gan_lab corrects these in its own code and
measures what each costs (docs/seed_articles.md); this module looks for
them in a user's pieces: the networks, the loss, a real batch as the user
feeds it, a noise batch as the user draws it, and optionally their train
step, run once on copies. Each finding is one line with what to change.

One module per check, as a linter keeps one per rule: `noise`,
`data_range`, `loss`, `train_step` (each names the seed mistake it looks
for and what it cost), `check` runs them, `findings` is what they report.
"""

from gan_lab.doctor.check import check
from gan_lab.doctor.findings import DoctorError, Finding, first_line, summary
from gan_lab.doctor.train_step import gan_lab_train_step

__all__ = ["check", "DoctorError", "Finding", "first_line", "gan_lab_train_step", "summary"]
