"""EMA against raw generators: `python experiments/compare_ema.py [FLAGS]` is `gan-lab compare-ema [FLAGS]`.

A thin entry point, kept so the command works from a checkout as it always
has: the flags and the work are `gan-lab compare-ema`'s (gan_lab/cli/).
"""

import sys

from gan_lab.cli import main

if __name__ == "__main__":
  main.main(["compare-ema", *sys.argv[1:]])
