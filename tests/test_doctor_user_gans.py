"""gan-lab doctor on GANs written the way Keras users write them, apart from gan_lab's code, and on broken modules."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from experiments import user_gans
from gan_lab import doctor

REPO = Path(__file__).resolve().parents[1]
HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()

# A user's GAN: subclassed models, a GradientTape step, a Keras loss object, Fashion-MNIST scaled to tanh's range.
SUBCLASSED = """
import keras
import numpy as np
import tensorflow as tf
from gan_lab.data import datasets

class Generator(keras.Model):
  def __init__(self):
    super().__init__()
    self.hidden = keras.layers.Dense(128, activation="relu")
    self.pixels = keras.layers.Dense(28 * 28, activation="tanh")
    self.image = keras.layers.Reshape((28, 28, 1))

  def call(self, z, training=False):
    return self.image(self.pixels(self.hidden(z)))

class Discriminator(keras.Model):
  def __init__(self):
    super().__init__()
    self.flat = keras.layers.Flatten()
    self.hidden = keras.layers.Dense(128)
    self.logit = keras.layers.Dense(1{d_activation})

  def call(self, x, training=False):
    return self.logit(tf.nn.leaky_relu(self.hidden(self.flat(x)), 0.2))

bce = keras.losses.BinaryCrossentropy(from_logits=True)
g_opt, d_opt = keras.optimizers.Adam(2e-4, 0.5), keras.optimizers.Adam(2e-4, 0.5)

def train_step(generator, discriminator, real, noise):
  with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
    fake = generator(noise, training=True)
    real_out, fake_out = discriminator(real, training=True), discriminator(fake, training=True)
    d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
    g_loss = bce(tf.ones_like(fake_out), fake_out)
  d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                            discriminator.trainable_variables))
  g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))

def doctor_inputs():
  keras.utils.set_random_seed(0)
  real = datasets.load("fashion_mnist", "train").images[:64].astype("float32") / 127.5 - 1.0
  noise = {noise}
  return dict(generator=Generator(), discriminator=Discriminator(), loss=bce, real_batch=real, noise=noise,
              train_step=train_step)
"""
NORMAL = "np.random.default_rng(0).standard_normal((64, 100)).astype('float32')"


def _doctor(tmp_path, source: str, env_path=None):
  (tmp_path / "user_gan.py").write_text(textwrap.dedent(source))
  env = {**os.environ, "PYTHONPATH": str(env_path)} if env_path else None
  return subprocess.run([sys.executable, "-m", "gan_lab.cli", "doctor", "--module=user_gan"], capture_output=True,
                        text=True, timeout=300, cwd=tmp_path, env=env)


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
def test_a_correct_subclassed_gan_is_checked_clean(tmp_path):
  proc = _doctor(tmp_path, SUBCLASSED.format(d_activation="", noise=NORMAL))
  assert proc.returncode == 0 and "no known mistake found" in proc.stdout, proc.stdout + proc.stderr[-3000:]
  assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
@pytest.mark.parametrize("d_activation, noise, found", [
    (', activation="sigmoid"', NORMAL, "error: double_sigmoid:"),
    ("", "np.random.default_rng(0).standard_normal((64, 28, 28, 1)).astype('float32')", "error: noise_shape:"),
])
def test_a_subclassed_gan_s_mistakes_are_found_not_crashed_on(tmp_path, d_activation, noise, found):
  proc = _doctor(tmp_path, SUBCLASSED.format(d_activation=d_activation, noise=noise))
  assert proc.returncode == 5 and found in proc.stdout, proc.stdout + proc.stderr[-3000:]
  assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("source, said", [
    ("x = 1\n", "expected a function doctor_inputs()"),
    ("import nonexistent_package_xyz\n", "cannot import it (ModuleNotFoundError"),
    ("def doctor_inputs():\n  return [1, 2]\n", "doctor_inputs() returned list"),
    ("def doctor_inputs():\n  return dict(generator=1, noise=2)\n", "doctor_inputs() returned generator, noise"),
    ("def doctor_inputs():\n  raise RuntimeError('no data here')\n", "doctor_inputs() raised RuntimeError: no data here"),
    ("import numpy as np\nimport keras\n"
     "def doctor_inputs():\n"
     "  g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
     "  d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
     "  return dict(generator=g, discriminator=d, loss='non_saturating', real_batch=np.array([['a', 'b']]),\n"
     "              noise=np.zeros((1, 4), 'float32'))\n", "the doctor could not check your GAN: ValueError"),
    ("import numpy as np\nimport keras\n"
     "def step(g, d, real, noise):\n  raise KeyError('optimizer')\n"
     "def doctor_inputs():\n"
     "  g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
     "  d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
     "  return dict(generator=g, discriminator=d, loss='non_saturating', real_batch=np.zeros((8, 2), 'float32'),\n"
     "              noise=np.random.default_rng(0).standard_normal((8, 4)).astype('float32'), train_step=step)\n",
     "the doctor could not run your train step: KeyError: 'optimizer'"),
])
def test_a_module_the_doctor_cannot_check_is_one_line_and_exit_6(tmp_path, source, said):
  proc = _doctor(tmp_path, source)
  assert proc.returncode == 6, proc.stdout + proc.stderr[-3000:]
  lines = proc.stderr.strip().splitlines()
  assert len(lines) == 1 and said in lines[0] and lines[0].startswith("error: "), proc.stderr


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
@pytest.mark.parametrize("style", user_gans.STYLES)
@pytest.mark.parametrize("mislabelled", [False, True])
def test_fakes_labelled_real_is_caught_in_each_style_and_a_correct_gan_is_clean(style, mislabelled):
  # MLP and conv GradientTape steps, a subclassed GAN, the classic combined-model recipe: on real Fashion-MNIST.
  findings = doctor.check(**user_gans.build(style, mislabelled, seed=1), log=None)
  assert [f.name for f in findings if f.severity == "error"] == (["fakes_labelled_real"] if mislabelled else [])


@pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
def test_the_command_on_a_conv_gan_with_its_fakes_labelled_real(tmp_path):
  proc = _doctor(tmp_path, "from experiments import user_gans\n\n"
                           "def doctor_inputs():\n  return user_gans.build('conv_tape', mislabelled=True)\n",
                 env_path=REPO)
  assert proc.returncode == 5, proc.stdout + proc.stderr[-3000:]
  assert [l.split(":")[1].strip() for l in proc.stdout.splitlines() if l.startswith("error:")] == ["fakes_labelled_real"]
  assert "climbed to" in proc.stdout and "logits above its loss's balance (0)" in proc.stdout
