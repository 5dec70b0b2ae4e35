"""gan_lab: GAN experiments in Keras/TensorFlow, one module per step of the data's path.

flags -> `config` -> `activations` (output and data ranges) -> `data`,
`input_pipeline` -> `models` -> `losses`, `train_step` -> `training` (grids,
checkpoints, metrics) -> `evaluator`, `metrics`, `scoring` -> `sweep`,
`report`. The absl scripts that wire them are in experiments/.

Nothing is imported here, so `import gan_lab.config` stays light.
"""
