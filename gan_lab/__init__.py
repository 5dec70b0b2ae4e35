"""gan_lab: GAN experiments in Keras/TensorFlow, one module per step of the data's path.

flags -> `config` (checked against `registry` names) -> `activations` (output
and data ranges, the one range map) -> `data`, `training_data`,
`input_pipeline` -> `models` -> `losses`, `train_step` -> `training` (with
`checkpoints`, `sample_writer`, `training_log`) -> `evaluator`, `metrics`,
`scoring` -> `sweep`, `report`. The absl scripts that wire them are in
experiments/.

Nothing is imported here, and `gan_lab.config` imports no TensorFlow, so a
command line is checked before the slow import.
"""
