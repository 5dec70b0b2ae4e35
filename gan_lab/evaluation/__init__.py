"""Scoring samples offline: the evaluator classifier, the metrics, run scoring and the discriminator probe."""
