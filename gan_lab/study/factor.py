"""What a study's report compares: the factor under study, and the cells it is compared within.

The report groups results rows into blocks (one per combination of the cell
fields' values) and, within a block, into the factor's levels; every table,
test and figure reads the grouping from here, so studying another field is
another `Factor`, not another report. The output-activation study is
`Factor()`: activations compared within model x loss cells. Margin variants
(`data_margin` > 0) stay the data-range control of the level they vary.
"""

import dataclasses

from gan_lab.study import axes as axes_lib

NAMED_CELLS = ("model", "loss", "output_activation")


@dataclasses.dataclass(frozen=True)
class Factor:
  """`name`: the results column compared; `cells`: the columns whose values make a block."""
  name: str = "output_activation"
  cells: tuple[str, ...] = ("model", "loss")

  @classmethod
  def of_design(cls, design: dict) -> "Factor":
    """The factor of a pinned design (`design.Study.design`): every other named axis and --axis makes the cells.

    A tied axis is read from the column of its first field (its fields hold
    the same value in every row).
    """
    axis_columns = [spec.partition("=")[0].split(",")[0] for spec in design["axes"]]
    factor = design["factor"].split(",")[0]
    return cls(factor, tuple(c for c in (*NAMED_CELLS, *axis_columns) if c != factor))

  @property
  def noun(self) -> str:
    """How the report's prose names a level: 'activation' for the activation study, else the field."""
    return "activation" if self.name == "output_activation" else self.name

  def block(self, row) -> tuple:
    return tuple(row[c] for c in self.cells)

  def block_label(self, block) -> str:
    """`dcgan · hinge`; a cell field beyond model and loss is named, e.g. `dcgan · hinge · beta_1=0.5`."""
    return " · ".join(str(v) if c in ("model", "loss") else f"{c}={_text(v)}" for c, v in zip(self.cells, block))

  def header(self) -> str:
    """The overview's first column header: `model · loss` (other fields by name)."""
    return " · ".join(self.cells)

  def level(self, row) -> str:
    return _text(row[self.name])

  def key(self, row) -> tuple[str, float]:
    """(level, data_margin): a level and its margin variants are told apart by the margin."""
    return self.level(row), row["data_margin"]


def _text(value) -> str:
  return axes_lib.format_value(value) if isinstance(value, float) else str(value)
