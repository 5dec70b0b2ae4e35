"""The output-activation study: `python experiments/sweep_activation.py [FLAGS]` is `gan-lab sweep [FLAGS]`.

A thin entry point, kept so the command works from a checkout as it always
has: the flags and the work are `gan-lab sweep`'s (gan_lab/cli/).
"""

import sys

from gan_lab.cli import main

if __name__ == "__main__":
  main.main(["sweep", *sys.argv[1:]])
