"""Train one GAN: `python experiments/train.py [FLAGS]` is `gan-lab train [FLAGS]`.

A thin entry point, kept so the command works from a checkout as it always
has: the flags and the work are `gan-lab train`'s (gan_lab/cli/).
"""

import sys

from gan_lab.cli import main

if __name__ == "__main__":
  main.main(["train", *sys.argv[1:]])
