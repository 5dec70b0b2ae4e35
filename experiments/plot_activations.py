"""The activation plot: `python experiments/plot_activations.py [FLAGS]` is `gan-lab plot-activations [FLAGS]`.

A thin entry point, kept so the command works from a checkout as it always
has: the flags and the work are `gan-lab plot-activations`'s (gan_lab/cli/).
"""

import sys

from gan_lab.cli import main

if __name__ == "__main__":
  main.main(["plot-activations", *sys.argv[1:]])
