"""The `gan-lab` command: one absl module per subcommand (the only place flags are defined), and the dispatcher."""
