"""Data sets as uint8 pixels (Fashion-MNIST, MNIST, CIFAR-10), the 2-D ring, and the input pipeline that pairs real batches with noise."""
