"""Many runs compared: the study's design, the sweep runner, statistics, reports, figures and HParams."""
