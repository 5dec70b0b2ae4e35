"""The GAN itself: output activations, architectures, losses from logits, the train step, the generator EMA, and the Keras `GAN` model."""
