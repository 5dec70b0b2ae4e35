"""`python -m gan_lab.cli SUBCOMMAND ...`: the `gan-lab` command without its script (the sweep starts runs so)."""

from gan_lab.cli import main

main.main()
