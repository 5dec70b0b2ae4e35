"""One training run: its folder, training data, trainer, checkpoints, samples and grids, log, interrupts, strategies and exit codes."""
