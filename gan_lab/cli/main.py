"""gan-lab: one command, a subcommand per job.

  gan-lab train [FLAGS]              train one GAN (outputs/train)
  gan-lab sweep [FLAGS]              the output-activation study (outputs/study)
  gan-lab doctor [FLAGS]             check a GAN for the seed articles' mistakes
  gan-lab compare-ema --run_dirs=..  score EMA against raw generators over seeds
  gan-lab plot-activations [FLAGS]   the output activations and their derivatives
  gan-lab SUBCOMMAND --help          that subcommand's flags

Each subcommand is a module of this package run as a script (the same as
`python -m gan_lab.cli.train`), so absl sees its flags as the main module's
and `--help` lists them.
"""

import runpy
import sys

# name -> (module, one line for the command list)
SUBCOMMANDS = {
    "train": ("gan_lab.cli.train", "train one GAN on Fashion-MNIST, MNIST, CIFAR-10 or the 2-D ring"),
    "sweep": ("gan_lab.cli.sweep", "the output-activation study: train, score and report a sweep"),
    "doctor": ("gan_lab.cli.doctor", "check a GAN (gan_lab's, a plugin's or your own) for the seed articles' mistakes"),
    "compare-ema": ("gan_lab.cli.compare_ema", "score EMA generators against their raw generators over seeds"),
    "plot-activations": ("gan_lab.cli.plot_activations", "plot the output activations and their derivatives"),
}


def usage() -> str:
  width = max(map(len, SUBCOMMANDS))
  lines = ["usage: gan-lab SUBCOMMAND [FLAGS]   (gan-lab SUBCOMMAND --help lists its flags)", "", "subcommands:"]
  lines += [f"  {name:<{width}}  {summary}" for name, (_, summary) in SUBCOMMANDS.items()]
  return "\n".join(lines)


def main(argv=None) -> None:
  """Runs `gan-lab SUBCOMMAND ARGS...`; exits with the subcommand's code (1 for an unknown one, as a bad flag)."""
  argv = sys.argv[1:] if argv is None else list(argv)
  if not argv or argv[0] in ("-h", "--help", "help"):
    print(usage())
    sys.exit(0 if argv else 1)
  name, rest = argv[0], argv[1:]
  if name not in SUBCOMMANDS:
    print(f"gan-lab: unknown subcommand {name!r}\n\n{usage()}", file=sys.stderr)
    sys.exit(1)
  sys.argv = [f"gan-lab {name}", *rest]
  runpy.run_module(SUBCOMMANDS[name][0], run_name="__main__", alter_sys=True)
