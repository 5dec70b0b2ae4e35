"""Flags -> config: the run's settings (`TrainConfig`), the registries' names, presets and the machine's capabilities. No TensorFlow at import."""
