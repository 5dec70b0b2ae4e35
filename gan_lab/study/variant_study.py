"""An experiment of named variants, each one model · loss · activation cell trained over seeds and compared.

The seed-defect experiment is one (experiments/seed_defects.py: the seeds'
GAN corrected, and once with each defect put back alone through a
`--plugins` module). The runs go through the sweep runner (resumable, one
process per run folder), are scored offline, and each run's discriminator is
probed on real test images and its own samples; the report is results.csv,
summary.md (mean ± 95% CI per variant), grids.png and curves.png.
"""

import dataclasses
import json
from pathlib import Path

from gan_lab.evaluation import discriminator_probe, evaluator, metrics, scoring
from gan_lab.files import atomic_io
from gan_lab.study import design, report, results_csv, sweep, variant_report

PROBE_FILE = "d_accuracy.json"
PROBE_COLUMNS = [("d_accuracy_real", "D acc. real"), ("d_accuracy_fake", "D acc. fake")]


@dataclasses.dataclass(frozen=True)
class Variant:
  """A named cell; `tag` goes into every row (e.g. which seeds have the defect), `why` into the summary."""
  name: str
  model: str
  loss: str
  activation: str
  tag: str = ""
  why: str = ""


@dataclasses.dataclass(frozen=True)
class VariantStudy:
  """The variants, their shared settings (pinned to the folder: finished runs are reused only under them), and
  where the runs and the report go."""
  output_dir: str
  variants: tuple[Variant, ...]
  plugins: str = ""
  dataset: str = "fashion_mnist"
  data_dir: str = ""
  seeds: int = 3
  train_steps: int = 20000
  batch_size: int = 64
  update_scheme: str = "alternating"
  num_samples: int = 5000
  scores: tuple[str, ...] = ("fcd", "recall", "classes_covered")
  tag_column: str = "tag"  # The results.csv column of each variant's tag.
  title: str = "Variants"

  def settings(self) -> dict:
    return {"dataset": self.dataset, "train_steps": self.train_steps, "batch_size": self.batch_size,
            "update_scheme": self.update_scheme, "num_samples": self.num_samples, "data_dir": self.data_dir}

  def train_args(self) -> list[str]:
    args = [f"--plugins={self.plugins}", f"--dataset={self.dataset}", f"--batch_size={self.batch_size}",
            f"--train_steps={self.train_steps}", f"--update_scheme={self.update_scheme}",
            f"--num_samples={self.num_samples}", f"--sample_every={self.train_steps}",
            f"--log_every={max(1, self.train_steps // 50)}", f"--checkpoint_every={max(1, self.train_steps // 5)}",
            "--mixed_precision=none", *[f"--{field}={value}" for field, value in design.STUDY_RECIPE]]
    return args + ([f"--data_dir={self.data_dir}"] if self.data_dir else [])

  def plans(self) -> dict:
    """{variant name: [RunSpec per seed]}."""
    return {v.name: sweep.plan(self.output_dir, [design.Cell(v.model, v.loss, v.activation)],
                               lambda _: range(self.seeds), lambda _: self.train_args()) for v in self.variants}

  def pin(self) -> None:
    """ValueError naming the settings a folder's finished runs were made with, if they differ."""
    Path(self.output_dir).mkdir(parents=True, exist_ok=True)
    conflicts = sweep.pin_settings(Path(self.output_dir, "settings.json"), self.settings())
    if conflicts:
      raise ValueError(f"--output_dir={self.output_dir} holds runs made with "
                       f"{', '.join(f'--{k}={v}' for k, v in conflicts.items())}: pass those, or another --output_dir")


def run(study: VariantStudy, parallel: int = 1, evaluator_dir=None, stop=None, extra_lines=(), log=print) -> dict:
  """Trains what is missing, scores and probes every finished run, writes the report; {'ok': n, 'failed': n}.

  Returns {} when `stop` was requested (the runs in flight checkpointed; the same call resumes).
  extra_lines: markdown appended to summary.md (e.g. a table of the experiment's own).
  """
  study.pin()
  plans = study.plans()
  sweep.run_all([s for specs in plans.values() for s in specs], parallel, stop=stop, log=log)
  if stop and stop.requested():
    return {}
  data_dir = study.data_dir or None
  ev = evaluator.load_or_train(study.dataset, evaluator_dir, data_dir, log=log)
  scorer = scoring.Scorer(ev, data_dir, reference_size=study.num_samples)
  rows = [_row(study, variant, spec, scorer) for variant in study.variants for spec in plans[variant.name]]
  _write_report(study, plans, rows, ev.test_accuracy, extra_lines)
  return {"ok": sum(not r["failed"] for r in rows), "failed": sum(r["failed"] for r in rows)}


def _row(study: VariantStudy, variant: Variant, spec, scorer) -> dict:
  """A results row: the run's row as the study writes it, its variant, and its discriminator probe."""
  if spec.succeeded():
    scoring.score_unscored([spec.run_dir], scorer)
    if not (spec.run_dir / PROBE_FILE).is_file():
      atomic_io.write_json(spec.run_dir / PROBE_FILE, discriminator_probe.discriminator_accuracy(
          spec.run_dir, study.num_samples, study.data_dir or None))
  row = {**report.run_row(spec), "variant": variant.name, study.tag_column: variant.tag}
  if not row["failed"]:
    row.update(json.loads((spec.run_dir / PROBE_FILE).read_text()))
  return row


def _write_report(study: VariantStudy, plans: dict, rows: list[dict], accuracy: float, extra_lines) -> None:
  out = Path(study.output_dir)
  results_csv.write(out / "results.csv", rows)
  columns = [(m, metrics.header(m)) for m in study.scores] + PROBE_COLUMNS
  lines = [f"# {study.title} ({study.dataset}, {study.train_steps} steps at batch "
           f"{study.batch_size}, {study.update_scheme} updates, {study.seeds} seeds)", "",
           "Mean ± 95% t-interval over seeds; scores on the offline evaluator "
           f"(test accuracy {accuracy:.4f}), {study.num_samples} samples per run.", "",
           *variant_report.summary_table(rows, columns, list(plans)), "",
           *[f"- **{v.name}** ({v.tag or 'the reference'}): {v.why}." for v in study.variants], *extra_lines]
  atomic_io.write_bytes(out / "summary.md", ("\n".join(lines) + "\n").encode())
  seed0 = {v: next((s.run_dir / "grid_samples.npz" for s in specs if s.seed == 0 and s.succeeded()), None)
           for v, specs in plans.items()}
  variant_report.save_grids(out / "grids.png", seed0, "final samples, seed 0, the same noise")
  variant_report.save_loss_curves(out / "curves.png", {v: [s.run_dir / "metrics.jsonl" for s in specs
                                                           if s.succeeded()] for v, specs in plans.items()})


def classifier_comparison(dataset: str, data_dir, epochs: int, builders: dict, cache) -> list[str]:
  """Markdown lines: the evaluator's classifier trained with each builder ({label: build}), same epochs and seed.

  Cached in the JSON file `cache` (retrained when the epochs change).
  """
  path = Path(cache)
  result = json.loads(path.read_text()) if path.is_file() else {}
  if result.get("epochs") != epochs or set(result.get("accuracy", {})) != set(builders):
    accuracy = {label: evaluator.train(dataset, data_dir, epochs, build=build, log=None).test_accuracy
                for label, build in builders.items()}
    result = {"epochs": epochs, "accuracy": accuracy}
    atomic_io.write_json(path, result)
  return ["", f"| classifier | test accuracy after {result['epochs']} epochs |", "| --- | --- |",
          *[f"| {label} | {value:.4f} |" for label, value in result["accuracy"].items()]]
