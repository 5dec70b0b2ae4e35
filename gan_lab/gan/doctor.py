"""`check`: finds the seed articles' mistakes in someone's own Keras GAN before they train it.

The seeds' GANs squash D's output twice (a sigmoid, then a from-logits
loss), feed noise squeezed to nearly one point, label the fakes real, step
each network on the other's objective, and never scale the data to the
generator's output range. gan_lab corrects these in its own code and
measures what each costs (docs/seed_articles.md); this module looks for
them in a user's pieces: the networks, the loss, a real batch as the user
feeds it, a noise batch as the user draws it, and optionally their train
step, run once on copies. Each finding is one line with what to change.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from gan_lab.config import registry
from gan_lab.gan import losses, models
from gan_lab.gan.train_step import GanUpdates, StepSettings

_GUIDE = "docs/seed_articles.md"
# What each defect cost when put back alone into the seeds' corrected MLP GAN (FCD, mean over 3 seeds, against
# 527 corrected; docs/seed_defects_summary.md, from experiments/seed_defects.py).
_COST = {"double_sigmoid": "FCD 1170 vs 527 corrected", "noise_spread": "FCD 1580 vs 527 corrected",
         "fakes_labelled_real": "FCD 1230 vs 527 corrected", "swapped_updates": "FCD 2230 vs 527 corrected",
         "data_range": "FCD 1730 (data in [-1, 1]) and 2230 (in [0, 255]) vs 527 corrected"}
# Per-dimension standard deviations of the noise draws (their exact values): the seeds' `noise * 0.1 + 0.9` 0.1;
# uniform(0, 1) 0.289 (1/sqrt(12)); uniform(-1, 1) 0.577; N(0, 1) truncated at 2 sigma 0.880; N(0, 1) 1.
SQUEEZED_SPREAD = 0.2  # Below: squeezed (an error). Between the seeds' 0.1 and uniform(0, 1)'s 0.289.
UNCENTRED = 1.0  # |mean| above this many standard deviations: uncentred (a note). uniform(0, 1): 1.73; centred: 0.
_PROBE_LOGIT = 5.0  # |logit| at which D is confidently wrong: a logit loss still pulls hard there.


class DoctorError(Exception):
  """The doctor could not run a check on the GAN it was given (not a finding about the GAN): one line of why."""


@dataclasses.dataclass(frozen=True)
class Finding:
  """One mistake found: its `name`, `severity` (error: fix before training; note: works, could be better)."""
  name: str
  severity: str
  message: str

  def __str__(self) -> str:
    cost = f" (measured: {_COST[self.name]})" if self.name in _COST else ""
    return f"{self.severity}: {self.name}: {self.message}{cost}. See {_GUIDE}."


def check(generator, discriminator, loss, real_batch, noise, train_step=None, output_range=None,
          log=print) -> list[Finding]:
  """The mistakes found in a GAN; each is also printed (through `log`, unless None).

  generator, discriminator: Keras models (noise -> samples, samples -> D's
    output). loss: a gan_lab loss name or `losses.GanLoss` (both take
    logits), or a Keras loss (its `from_logits` is read). real_batch: real
    data exactly as training feeds it. noise: a batch of the noise training
    draws. train_step: optional `train_step(generator, discriminator,
    real_batch, noise)` doing one GAN step on the networks given; it is run
    once on copies. output_range: the generator's (lo, hi) when its last
    layer does not say (e.g. a custom activation).
  """
  real = np.asarray(real_batch, np.float32)
  noise = np.asarray(noise, np.float32)
  findings = [*_check_noise(generator, noise)]
  if not findings or findings[0].name != "noise_shape":
    findings += _check_data_range(generator, real, noise, output_range)
  findings += _check_loss(discriminator, loss, real)
  if train_step is not None and not any(f.name == "noise_shape" for f in findings):
    findings += _check_train_step(generator, discriminator, real, noise, train_step,
                                  {f.name for f in findings})
  for finding in findings if log else ():
    log(str(finding))
  return findings


# --- noise -----------------------------------------------------------------

def _check_noise(generator, noise) -> list[Finding]:
  """The noise's shape against G's input, and the spread of what G's first weighted layer sees.

  A subclassed generator declares no input shape: it is built by calling
  it on the noise batch, and a batch it cannot take is the shape error.
  """
  symbolic = getattr(generator, "inputs", None)
  expected = tuple(symbolic[0].shape[1:]) if symbolic else None
  if expected is None:
    try:
      generator(noise, training=False)
    except Exception as e:  # pylint: disable=broad-except  (whatever a user's call() raises on this batch)
      return [Finding("noise_shape", "error", f"the generator cannot take the noise batch {list(noise.shape)} "
                      f"({type(e).__name__}: {first_line(e)}): draw noise as [batch, noise_dim]")]
  elif tuple(noise.shape[1:]) != expected:
    return [Finding("noise_shape", "error", f"the noise batch is {list(noise.shape)} but the generator takes "
                    f"[batch, {', '.join(map(str, expected))}]: draw noise as [batch, noise_dim] (not in image shape)")]
  seen = _first_layer_input(generator, noise).reshape(len(noise), -1)
  spread, centre = float(np.mean(np.std(seen, axis=0))), float(np.mean(seen))
  if spread < SQUEEZED_SPREAD:
    return [Finding("noise_spread", "error", f"the generator's first layer sees noise with a per-dimension standard "
                    f"deviation of {spread:.2g} around {centre:.2g} (like `noise * 0.1 + 0.9`): every latent sits "
                    "near one point, so all samples start alike; draw noise ~ N(0, 1) and do not shrink it")]
  if abs(centre) > UNCENTRED * spread:
    return [Finding("noise_centre", "note", f"the noise is centred at {centre:.2g}, not 0 (per-dimension standard "
                    f"deviation {spread:.2g}, like uniform(0, 1)): it trains, but the first layer's biases must first "
                    "learn to cancel the offset; N(0, 1) or uniform(-1, 1) start centred")]
  return []


def _first_layer_input(generator, noise) -> np.ndarray:
  """What the generator's first layer with weights receives: the noise after any fixed rescaling before it.

  Read off the layer just before it (a chain, as the seeds' Sequential and
  functional generators are), whose output is that input.
  """
  if not getattr(generator, "inputs", None):
    return noise  # A subclassed model has no graph to read a layer's input off: the noise as given.
  index = next((i for i, layer in enumerate(generator.layers) if layer.weights), 0)
  before = generator.layers[index - 1] if index > 0 else None
  if before is None or isinstance(before, keras.layers.InputLayer):
    return noise  # Nothing between the noise and the first weights.
  return np.asarray(keras.Model(generator.inputs[0], before.output)(noise, training=False))


# --- data range ------------------------------------------------------------

def _output_range(generator, output_range):
  """(lo, hi) the generator can produce: given, else its last activation's range on [-100, 100] (None: unbounded)."""
  if output_range is not None:
    return tuple(output_range)
  activation = _last_activation(generator)
  if activation is None:
    return None
  values = np.asarray(activation(tf.constant(np.linspace(-100, 100, 4001), tf.float32)), np.float64)
  lo, hi = float(values.min()), float(values.max())
  return None if hi - lo > 100 else (round(lo, 3), round(hi, 3))


def _check_data_range(generator, real, noise, output_range) -> list[Finding]:
  samples = np.asarray(generator(noise, training=False), np.float32)
  if samples.shape[1:] != real.shape[1:]:
    return [Finding("data_range", "error", f"the generator makes samples of shape {list(samples.shape[1:])} but the "
                    f"real batch is {list(real.shape[1:])}: D sees two kinds of input it can tell apart by shape")]
  lo, hi = float(real.min()), float(real.max())
  produced = _output_range(generator, output_range)
  if produced is None:
    outside = float(np.mean((samples < lo) | (samples > hi)))
    if outside > 0.01:
      return [Finding("data_range", "note", f"the generator's output is unbounded and {100 * outside:.0f}% of "
                      f"it falls outside the real data's [{lo:.3g}, {hi:.3g}]: images show it clipped")]
    return []
  out_lo, out_hi = produced
  width = out_hi - out_lo
  if lo < out_lo - 0.05 * width or hi > out_hi + 0.05 * width:
    return [Finding("data_range", "error", f"the real data spans [{lo:.3g}, {hi:.3g}] but the generator can only "
                    f"produce ({out_lo:g}, {out_hi:g}): scale the data to the output range (gan_lab: "
                    "OutputActivation.pixels_to_data) or change the output activation")]
  if hi - lo < 0.6 * width:
    return [Finding("data_range", "note", f"the real data spans [{lo:.3g}, {hi:.3g}], part of the generator's "
                    f"({out_lo:g}, {out_hi:g}): the rest of its range is wasted; scale the data to fill it")]
  return []


# --- the loss against D's output ---------------------------------------------

def _last_activation(model):
  """The activation function a model ends in (its last layer that has one; None for none or a linear one)."""
  for layer in reversed(model.layers):
    if hasattr(layer, "layers"):  # A nested model: look inside.
      return _last_activation(layer)
    activation = getattr(layer, "activation", None)
    if activation is not None:
      name = getattr(activation, "__name__", "")
      return None if name in ("linear", "identity") else activation
    if layer.weights:
      return None
  return None


def _ends_in_sigmoid(model) -> bool:
  activation = _last_activation(model)
  return activation is not None and getattr(activation, "__name__", "") == "sigmoid"


def _gan_lab_loss(loss) -> losses.GanLoss | None:
  """The gan_lab loss pair `loss` names or is (None for a Keras loss object, function or name)."""
  if isinstance(loss, losses.GanLoss):
    return loss
  return losses.get(loss) if isinstance(loss, str) and loss in registry.LOSSES.names() else None


def _keras_loss(loss):
  """A Keras loss given by name ("binary_crossentropy") as Keras resolves it (compile() does the same)."""
  if isinstance(loss, str) and _gan_lab_loss(loss) is None:
    try:
      return keras.losses.get(loss)
    except ValueError:
      raise DoctorError(f"loss={loss!r} is neither a gan_lab loss ({', '.join(registry.LOSSES.names())}) nor a Keras loss "
                        "name") from None
  return loss


def _takes_logits(loss) -> bool | None:
  """Whether the loss reads D's output as logits: gan_lab's always do; a Keras loss says so in `from_logits`
  (a Keras loss function or name takes probabilities, as compile() uses it); None: the doctor cannot tell."""
  if _gan_lab_loss(loss) is not None:
    return True
  if getattr(loss, "__module__", "").startswith("keras") and not hasattr(loss, "get_config"):
    return False  # keras.losses.binary_crossentropy and the like: from_logits defaults to False.
  from_logits = getattr(loss, "from_logits", None)
  if from_logits is None and hasattr(loss, "get_config"):
    from_logits = loss.get_config().get("from_logits")
  return from_logits


def _check_loss(discriminator, loss, real) -> list[Finding]:
  # Beside the real batch, inputs scaled far out: a logit grows with them, a probability stays in [0, 1].
  loss = _keras_loss(loss)
  probe = np.concatenate([real, 100 * real + 10, -100 * real - 10]).astype(np.float32)
  raw = discriminator(probe, training=False)
  if isinstance(raw, (list, tuple, dict)) or tuple(np.shape(raw))[1:] not in ((), (1,)):
    shape = f"{len(raw)} outputs" if isinstance(raw, (list, tuple, dict)) else f"outputs of shape {list(np.shape(raw))}"
    raise DoctorError(f"the discriminator returns {shape} for a batch of {len(probe)}: the doctor checks a "
                      "discriminator with one score per example ([batch, 1])")
  outputs = np.asarray(raw, np.float32)
  ends_in_sigmoid = _ends_in_sigmoid(discriminator) or bool(np.all((outputs >= 0) & (outputs <= 1)))
  takes_logits = _takes_logits(loss)
  if ends_in_sigmoid and takes_logits:
    return [Finding("double_sigmoid", "error", "the discriminator ends in a sigmoid and the loss applies one again "
                    "(it takes logits): D's output is confined to (0.5, 0.73) as the loss sees it and its gradients "
                    "shrink 4x or more; end D in Dense(1) with no activation")]
  if ends_in_sigmoid and takes_logits is False:
    return [Finding("sigmoid_probabilities", "note", "the discriminator ends in a sigmoid and the loss takes "
                    "probabilities: correct, but log(sigmoid(x)) rounds to -inf once |x| passes about 17 (float32); "
                    "return logits and use from_logits=True for the same loss computed stably")]
  pair = _gan_lab_loss(loss)
  return _check_loss_pair(pair) if pair is not None else []


def _gradients(fn, *logits):
  """d fn / d each logit batch, at the given logits ([B, 1] each), times B: a per-example pull."""
  tensors = [tf.constant(np.full((4, 1), v, np.float32)) for v in logits]
  with tf.GradientTape() as tape:
    for t in tensors:
      tape.watch(t)
    value = fn(*tensors)
  return [0.0 if g is None else float(tf.reduce_sum(g)) for g in tape.gradient(value, tensors)]  # None: unused.


def _check_loss_pair(pair: losses.GanLoss) -> list[Finding]:
  """A loss pair's pull on logits where D is confidently wrong: its direction, and whether anything is left of it."""
  d_loss = lambda r, f: pair.discriminator_loss(r, f, 0.0)
  pull_real, pull_fake = _gradients(d_loss, -_PROBE_LOGIT, _PROBE_LOGIT)  # D calls a real fake and a fake real.
  (pull_g,) = _gradients(pair.generator_loss, -_PROBE_LOGIT)  # D confidently rejects G's sample.
  findings = []
  if 0 < abs(pull_real) < 0.05 and 0 < abs(pull_fake) < 0.05:
    return [Finding("double_sigmoid", "error", "the loss squashes its logits before using them: where D is "
                    f"confidently wrong it pulls with {max(abs(pull_real), abs(pull_fake)):.2g} per example "
                    "instead of about 1; compute the loss from D's raw logits")]
  wrong_d, wrong_g = pull_fake < 0, pull_g > 0  # D should push fake logits down; G should push them up.
  if (wrong_d and pull_real == 0) or wrong_g:
    findings.append(Finding("swapped_updates", "error", "each network steps on the other's objective: "
                            + ("the discriminator loss ignores the real batch and rewards calling fakes real; "
                               if wrong_d and pull_real == 0 else "")
                            + ("the generator loss rewards making its samples look fake; " if wrong_g else "")
                            + "D must minimise its classification loss and G the non-saturating (or its own "
                            "family's) generator loss"))
  elif wrong_d:
    findings.append(Finding("fakes_labelled_real", "error", "the discriminator loss labels the fakes real: D learns to "
                            "accept every sample and stops telling G anything; D's target for G(z) is 0"))
  return findings


# --- one train step, on copies ---------------------------------------------

def _copy(model):
  """A copy with the same weights, or None for a model Keras cannot clone (a subclassed one not registered)."""
  try:
    clone = keras.models.clone_model(model)
  except Exception:  # pylint: disable=broad-except  (clone_model raises TypeError, ValueError, ... by model kind)
    return None
  clone.set_weights(model.get_weights())
  return clone


def _logits_of(discriminator, weights):
  """D with `weights` as a function returning logits: its final sigmoid, if any, made linear on a copy (a saturated
  sigmoid hides moves), or undone with log(p / (1 - p)) when D cannot be copied."""
  view = _copy(discriminator)
  sigmoid = _ends_in_sigmoid(discriminator)
  if view is None:
    def score(x):
      discriminator.set_weights(weights)
      out = np.asarray(discriminator(x, training=False), np.float64)
      return np.log(np.clip(out, 1e-12, 1)) - np.log(np.clip(1 - out, 1e-12, 1)) if sigmoid else out
    return score
  view.set_weights(weights)
  if sigmoid:
    layer = next(l for l in reversed(_flat_layers(view)) if getattr(l, "activation", None) is not None)
    layer.activation = keras.activations.linear
  return lambda x: view(x, training=False)


def _flat_layers(model) -> list:
  return [inner for layer in model.layers for inner in (_flat_layers(layer) if hasattr(layer, "layers") else [layer])]


def _score(logits_of, x) -> float:
  """D's mean logit on x (`logits_of`: a `_logits_of` view): larger means 'more real'."""
  return float(np.mean(np.asarray(logits_of(x), np.float64)))


def _check_train_step(generator, discriminator, real, noise, train_step, found) -> list[Finding]:
  """One step on copies: D should separate real from these fakes better; G's new fakes should look more real.

  A network Keras cannot copy (subclassed) takes the step itself, and its
  weights are put back afterwards.
  """
  g, d = _copy(generator) or generator, _copy(discriminator) or discriminator
  g_weights, d_weights = g.get_weights(), d.get_weights()
  try:
    return _step_findings(g, d, g_weights, d_weights, real, noise, train_step, found)
  finally:
    generator.set_weights(g_weights) if g is generator else None
    discriminator.set_weights(d_weights) if d is discriminator else None


def _run_step(train_step, g, d, real, noise) -> None:
  try:
    train_step(g, d, real, noise)
  except Exception as e:  # pylint: disable=broad-except  (the user's code: any error is a reason, not a crash)
    raise DoctorError(f"the doctor could not run your train step: {type(e).__name__}: {first_line(e)}") from e


def first_line(error: Exception) -> str:
  """An error's first line (at most 200 characters): what a one-line failure message quotes."""
  text = str(error).strip()
  return text.splitlines()[0][:200] if text else "(no message)"


def _step_findings(g, d, g_weights, d_weights, real, noise, train_step, found) -> list[Finding]:
  fake_before = np.asarray(g(noise, training=False))
  d_before = _logits_of(d, d_weights)  # Before the step, as its copy's fresh initialisers draw from the seed's stream.
  _run_step(train_step, g, d, real, noise)
  findings = []
  unchanged = [name for name, net, before in (("generator", g, g_weights), ("discriminator", d, d_weights))
               if all(np.array_equal(a, b) for a, b in zip(net.get_weights(), before))]
  if unchanged:
    findings.append(Finding("untrained_network", "error", f"the train step changed none of the {' or '.join(unchanged)}'s "
                            "weights: its gradients are taken or applied to other variables (seed 004's theta_g and "
                            "theta_d); apply each network's gradients to its own trainable_variables"))
  fake_after = np.asarray(g(noise, training=False))
  d_after = _logits_of(d, d.get_weights())
  d_fake_moved = _score(d_after, fake_before) - _score(d_before, fake_before)
  d_real_moved = _score(d_after, real) - _score(d_before, real)
  g_moved = _score(d_before, fake_after) - _score(d_before, fake_before)
  if "discriminator" not in unchanged and d_fake_moved > 0 and d_fake_moved > d_real_moved:
    if "fakes_labelled_real" not in found and "swapped_updates" not in found:
      findings.append(Finding("fakes_labelled_real", "error", "after the train step D calls the same fakes more real "
                              "(its target for G(z) is 1, or it steps on G's objective); D's target for fakes is 0"))
  if "generator" not in unchanged and g_moved < 0 and "swapped_updates" not in found:
    findings.append(Finding("swapped_updates", "error", "after the train step the generator's new samples look more "
                            "fake to the old D: G steps on D's objective (or with D's gradients); G's target is "
                            "'real'"))
  return findings


def summary(findings) -> str:
  """One line: how many errors and notes, for the end of the command's output."""
  errors = sum(f.severity == "error" for f in findings)
  return f"{errors} error(s), {len(findings) - errors} note(s)" if findings else "no known mistake found"



def gan_lab_train_step(loss: str, settings: StepSettings = StepSettings(), g_learning_rate: float = 2e-4,
                       d_learning_rate: float = 2e-4, beta_1: float = 0.5, beta_2: float = 0.999):
  """gan_lab's own GAN step (`GanUpdates`, fresh Adam optimizers) as a `train_step` for `check`."""
  def train_step(generator, discriminator, real_batch, noise_batch):
    adam = lambda rate: keras.optimizers.Adam(rate, beta_1, beta_2)
    updates = GanUpdates(models.GanModels(generator, discriminator), losses.get(loss), None,
                         adam(g_learning_rate), adam(d_learning_rate), settings)
    updates.replica_step({"real": real_batch, "noise": noise_batch,
                          "uniform": np.full(len(real_batch), 0.5, np.float32)})
  return train_step
