"""Ray for scale-out: a sweep's runs as Ray tasks, one multi-worker run through Ray Train. Needs gan_lab[ray]."""
