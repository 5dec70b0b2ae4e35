"""The doctor names exactly the seed defect put into a GAN, finds nothing in gan_lab's own, and each check both ways."""

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import seed_reconstructions
from gan_lab.config import registry
from gan_lab.data import datasets
from gan_lab import doctor
from gan_lab.gan import activations, losses, models
from gan_lab.gan.train_step import GanUpdates, StepSettings

# Under pytest-xdist, one worker builds the module's fixture once.
pytestmark = pytest.mark.xdist_group("doctor")

REPO = Path(__file__).resolve().parents[1]
HAVE_FMNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file()
needs_fmnist = pytest.mark.skipif(not HAVE_FMNIST, reason="needs Debian's dataset-fashion-mnist")
NOISE = np.random.default_rng(0).standard_normal((32, 16)).astype(np.float32)


@pytest.fixture(scope="module")
def pixels():
  if not HAVE_FMNIST:
    pytest.skip("needs Debian's dataset-fashion-mnist")
  return datasets.load("fashion_mnist", "train").images[:32]


@pytest.fixture(autouse=True)
def seeded():
  """Networks start from the same weights in every run of a test (the train-step checks read one step's moves)."""
  keras.utils.set_random_seed(0)


def _names(model, loss, activation_name, pixels, train_step=None):
  activation = activations.get(activation_name)
  networks = models.build(model, (28, 28, 1), NOISE.shape[1], activation)
  return [f.name for f in doctor.check(networks.generator, networks.discriminator, loss,
                                       activation.pixels_to_data(pixels), NOISE, train_step=train_step, log=None)]


def _gan_lab_step(loss):
  return doctor.gan_lab_train_step(loss, StepSettings(gp_weight=10.0 if registry.needs_gradient_penalty(loss) else 0.0))


@needs_fmnist
@pytest.mark.parametrize("loss", registry.LOSSES.names())
def test_gan_labs_own_pieces_show_nothing(pixels, loss):
  for activation in ("sigmoid", "tanh", "linear", "hard_sigmoid"):
    assert _names("mlp", loss, activation, pixels) == [], activation
  # Wasserstein's and the relativistic loss are flat on equal logits: the probe cannot read fakes labelled real
  # there, and says so in a note (their loss pairs' signs are checked without it).
  unchecked = ["fakes_labelled_real_unchecked"] if loss in ("wasserstein", "relativistic") else []
  assert _names("mlp", loss, "tanh", pixels, train_step=_gan_lab_step(loss)) == unchecked
  assert _names("dcgan", loss, "tanh", pixels, train_step=_gan_lab_step(loss)) == unchecked


@needs_fmnist
@pytest.mark.parametrize("model, loss, activation, found", [
    ("mlp", "defect_double_sigmoid", "sigmoid", "double_sigmoid"),
    ("defect_mlp_shifted_noise", "non_saturating", "sigmoid", "noise_spread"),
    ("mlp", "defect_fakes_labelled_real", "sigmoid", "fakes_labelled_real"),
    ("mlp", "defect_swapped_updates", "sigmoid", "swapped_updates"),
    ("mlp", "non_saturating", "defect_sigmoid_data_pm1", "data_range"),
    ("mlp", "non_saturating", "defect_sigmoid_data_0_255", "data_range"),
])
def test_each_seed_defect_is_named_alone(pixels, defects, model, loss, activation, found):
  del defects  # Registers the defect_* names.
  noise = NOISE if model == "mlp" else np.random.default_rng(0).standard_normal((32, 100)).astype(np.float32)
  act = activations.get(activation)
  networks = models.build(model, (28, 28, 1), noise.shape[1], act)
  names = [f.name for f in doctor.check(networks.generator, networks.discriminator, loss, act.pixels_to_data(pixels),
                                        noise, train_step=_gan_lab_step(loss), output_range=act.output_range,
                                        log=None)]
  assert names == [found]


@needs_fmnist
def test_seed_001_as_written_gets_exactly_its_mistakes(pixels):
  assert sorted(f.name for f in doctor.check(**seed_reconstructions.seed_001(pixels), log=None)) == [
      "data_range", "double_sigmoid", "noise_spread"]


@pytest.mark.parametrize("weights_seed", [0, 1, 2])
def test_seed_004_as_written_gets_exactly_its_mistakes(weights_seed):
  keras.utils.set_random_seed(weights_seed)  # From any start: the one-step probe this replaced saw it from some only.
  assert sorted(f.name for f in doctor.check(**seed_reconstructions.seed_004(), log=None)) == [
      "double_sigmoid", "fakes_labelled_real", "swapped_updates"]


def _mlp(inputs, outputs, activation=None):
  return keras.Sequential([keras.layers.Input((inputs,)), keras.layers.Dense(16, activation="relu"),
                           keras.layers.Dense(outputs, activation=activation)])


@pytest.mark.parametrize("noise, found", [
    (NOISE[:, :8], "noise_shape"),  # 8 dimensions for a generator that takes 16.
    (NOISE * 0.1 + 0.9, "noise_spread"),
    (np.random.default_rng(0).uniform(0, 1, NOISE.shape).astype(np.float32), "noise_centre"),  # A note: it trains.
    (np.random.default_rng(0).uniform(-1, 1, NOISE.shape).astype(np.float32), None),
    (np.clip(NOISE, -2, 2), None),  # Truncated normal.
    (NOISE, None),
])
def test_noise_checks(noise, found):
  generator, discriminator = _mlp(16, 4, "tanh"), _mlp(4, 1)
  names = [f.name for f in doctor.check(generator, discriminator, "non_saturating", np.linspace(-1, 1, 128).reshape(32, 4),
                                        noise, log=None)]
  assert names == ([found] if found else [])


@pytest.mark.parametrize("activation, data, found", [
    ("sigmoid", (0, 255), ("data_range", "error")),
    ("sigmoid", (-1, 1), ("data_range", "error")),
    ("tanh", (0, 1), ("data_range", "note")),  # Half the output range unused.
    ("tanh", (-1, 1), None),
    ("sigmoid", (0, 1), None),
])
def test_data_range_checks(activation, data, found):
  generator, discriminator = _mlp(16, 4, activation), _mlp(4, 1)
  real = np.linspace(*data, 128).reshape(32, 4).astype(np.float32)
  findings = doctor.check(generator, discriminator, "non_saturating", real, NOISE, log=None)
  assert [(f.name, f.severity) for f in findings] == ([found] if found else [])


def test_a_linear_output_is_noted_when_it_overshoots_the_data():
  generator = keras.Sequential([keras.layers.Input((16,)), keras.layers.Dense(4, kernel_initializer="ones")])
  real = np.linspace(-1, 1, 128).reshape(32, 4).astype(np.float32)
  findings = doctor.check(generator, _mlp(4, 1), "non_saturating", real, NOISE, log=None)
  assert [(f.name, f.severity) for f in findings] == [("data_range", "note")] and "% of it falls outside" in findings[0].message


@pytest.mark.parametrize("d_activation, from_logits, found", [
    ("sigmoid", True, ("double_sigmoid", "error")),
    ("sigmoid", False, ("sigmoid_probabilities", "note")),
    (None, True, None),
])
def test_keras_losses_against_the_discriminators_last_layer(d_activation, from_logits, found):
  real = np.linspace(-1, 1, 128).reshape(32, 4).astype(np.float32)
  loss = keras.losses.BinaryCrossentropy(from_logits=from_logits)
  findings = doctor.check(_mlp(16, 4, "tanh"), _mlp(4, 1, d_activation), loss, real, NOISE, log=None)
  assert [(f.name, f.severity) for f in findings] == ([found] if found else [])


def test_a_train_step_that_trains_nothing_of_one_network_is_named():
  def step_that_skips_the_generator(generator, discriminator, real, noise):
    updates = GanUpdates(models.GanModels(generator, discriminator), losses.get("non_saturating"), None,
                         keras.optimizers.Adam(), keras.optimizers.Adam(), StepSettings())
    updates.discriminator_update(real, generator(noise), np.zeros(len(real), np.float32))  # D's half only.
  real = np.linspace(-1, 1, 128).reshape(32, 4).astype(np.float32)
  findings = doctor.check(_mlp(16, 4, "tanh"), _mlp(4, 1), "non_saturating", real, NOISE,
                          train_step=step_that_skips_the_generator, log=None)
  assert [f.name for f in findings] == ["untrained_network"] and "generator" in findings[0].message


def test_findings_print_one_line_each_with_the_guide_and_the_cost():
  lines = []
  doctor.check(_mlp(16, 4, "sigmoid"), _mlp(4, 1, "sigmoid"), "non_saturating",
               np.linspace(0, 255, 128).reshape(32, 4), NOISE * 0.1 + 0.9, log=lines.append)
  assert [l.split(":")[1].strip() for l in lines] == ["noise_spread", "data_range", "double_sigmoid"]
  assert all(l.startswith("error: ") and "See docs/seed_articles.md" in l and "measured: FCD" in l for l in lines)


@needs_fmnist
def test_the_command_on_a_plugins_defect_and_on_gan_labs_own():
  command = [sys.executable, "-m", "gan_lab.cli", "doctor", "--model=mlp", "--output_activation=sigmoid",
             "--batch_size=32"]
  proc = subprocess.run([*command, "--plugins=experiments.seed_defect_plugins", "--loss=defect_fakes_labelled_real"],
                        capture_output=True, text=True, timeout=300, cwd=REPO)
  assert proc.returncode == 5, proc.stderr[-2000:]
  assert [l for l in proc.stdout.splitlines() if l.startswith("error:")][0].startswith("error: fakes_labelled_real:")
  assert proc.stdout.splitlines()[-1] == "1 error(s), 0 note(s)"
  proc = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)
  assert proc.returncode == 0 and proc.stdout.strip() == "no known mistake found", proc.stdout + proc.stderr[-2000:]


@needs_fmnist
def test_the_command_on_a_users_module(tmp_path):
  (tmp_path / "my_seed_001.py").write_text(
      "import seed_reconstructions\nfrom gan_lab.data import datasets\n\n"
      "def doctor_inputs():\n  return seed_reconstructions.seed_001(datasets.load('fashion_mnist', 'train').images[:64])\n")
  proc = subprocess.run([sys.executable, "-m", "gan_lab.cli", "doctor", "--module=my_seed_001"], capture_output=True,
                        text=True, timeout=300, cwd=tmp_path)
  assert proc.returncode == 5, proc.stderr[-2000:]
  assert sorted(l.split(":")[1].strip() for l in proc.stdout.splitlines() if l.startswith("error:")) == [
      "data_range", "double_sigmoid", "noise_spread"]


@pytest.mark.parametrize("d_activation, loss, found", [
    ("sigmoid", "binary_crossentropy", ["sigmoid_probabilities"]),  # Keras's name: probabilities, as compile() uses it.
    (None, "binary_crossentropy", []),
    ("sigmoid", keras.losses.binary_crossentropy, ["sigmoid_probabilities"]),
    ("sigmoid", "non_saturating", ["double_sigmoid"]),  # gan_lab's names take logits.
])
def test_a_keras_loss_by_name_or_function_is_read_as_keras_reads_it(d_activation, loss, found):
  names = [f.name for f in doctor.check(_mlp(16, 4, "tanh"), _mlp(4, 1, d_activation), loss,
                                        np.linspace(-1, 1, 128).reshape(32, 4), NOISE, log=None)]
  assert names == found


def test_an_unknown_loss_name_and_a_discriminator_with_two_outputs_are_one_line_each():
  real = np.linspace(-1, 1, 128).reshape(32, 4)
  with pytest.raises(doctor.DoctorError, match="neither a gan_lab loss .* nor a Keras loss name"):
    doctor.check(_mlp(16, 4, "tanh"), _mlp(4, 1), "no_such_loss", real, NOISE, log=None)
  with pytest.raises(doctor.DoctorError, match=r"outputs of shape \[96, 2\].*one score per example"):
    doctor.check(_mlp(16, 4, "tanh"), _mlp(4, 2), "non_saturating", real, NOISE, log=None)


@pytest.mark.parametrize("loss, d_activation, balance", [
    ("non_saturating", None, 0.0), ("minimax", None, 0.0),
    ("least_squares", None, 0.5),  # (s - 1)^2 / 2 + s^2 / 2 is smallest at s = 1/2.
    ("hinge", None, 0.0),  # relu(1 - s) + relu(1 + s) = 2 on all of [-1, 1]: its middle.
    ("wasserstein", None, None),  # -s + s: flat everywhere, no balance.
    ("relativistic", None, None),  # softplus(s - s) = log 2 everywhere: no balance either.
    (keras.losses.BinaryCrossentropy(from_logits=True), None, 0.0),
    ("binary_crossentropy", "sigmoid", 0.0),  # -log p - log(1 - p) is smallest at p = 1/2: logit 0.
    ("mse", None, 0.5),  # An LSGAN written with Keras's mean squared error and targets 1 and 0.
    (lambda: 0.0, None, 0.0),  # A callable the doctor cannot evaluate: cross-entropy's.
])
def test_the_same_images_balance_is_where_d_s_loss_on_equal_logits_is_smallest(loss, d_activation, balance):
  from gan_lab.doctor.loss import same_images_balance  # pylint: disable=g-import-not-at-top
  found = same_images_balance(loss, _mlp(4, 1, d_activation))
  assert found is None if balance is None else found == pytest.approx(balance, abs=1e-9)


def test_a_loss_pulling_one_way_on_equal_logits_has_no_balance(defects):
  del defects  # Registers defect_double_sigmoid: softplus(-p) + softplus(p) for p = sigmoid(s) falls as s -> -inf.
  from gan_lab.doctor.loss import same_images_balance  # pylint: disable=g-import-not-at-top
  assert same_images_balance("defect_double_sigmoid", _mlp(4, 1)) == 0.0


def test_the_probe_generator_draws_the_real_batch_row_by_row_plus_a_trainable_offset():
  from gan_lab.doctor.train_step import probe_generator  # pylint: disable=g-import-not-at-top
  real = np.arange(12, dtype=np.float32).reshape(3, 2, 2, 1)
  g = probe_generator(real, NOISE[:5])
  np.testing.assert_array_equal(np.asarray(g(NOISE[:5])), real[[0, 1, 2, 0, 1]])
  assert [w.shape for w in g.trainable_weights] == [(2, 2, 1)]


def test_the_relativistic_loss_is_checked_for_a_double_sigmoid_and_for_its_signs():
  # A sigmoid D under the relativistic loss (which takes logits) squashes twice, as with any gan_lab loss.
  real = np.random.default_rng(0).uniform(-1, 1, (32, 4)).astype(np.float32)
  names = lambda loss, d: [f.name for f in doctor.check(_mlp(16, 4, "tanh"), d, loss, real, NOISE, log=None)]
  assert names("relativistic", _mlp(4, 1, "sigmoid")) == ["double_sigmoid"]
  assert names("relativistic", _mlp(4, 1)) == []
  rp = losses.get("relativistic")
  # Its pair with D's terms swapped (D minimises G's loss and G D's): each network steps on the other's objective.
  swapped = losses.GanLoss("swapped_relativistic", lambda r, f, s=0.0: rp.generator_loss(r, f),
                           lambda r, f: rp.discriminator_loss(r, f))
  assert names(swapped, _mlp(4, 1)) == ["swapped_updates"]
  squashed = losses.GanLoss("squashed_relativistic", lambda r, f, s=0.0: rp.discriminator_loss(
      tf.sigmoid(tf.sigmoid(r)), tf.sigmoid(tf.sigmoid(f))), lambda r, f: rp.generator_loss(tf.sigmoid(r), tf.sigmoid(f)))
  assert names(squashed, _mlp(4, 1)) == ["double_sigmoid"]
