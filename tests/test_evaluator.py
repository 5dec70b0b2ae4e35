"""The evaluator classifier: logits, accuracy, cache reuse."""

import errno
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gan_lab.evaluation import evaluator
from gan_lab.files import atomic_io


def test_classifier_returns_logits_and_128_features():
  model = evaluator.build_classifier((28, 28, 1))
  assert model.output_shape == (None, 10)
  assert model.get_layer(evaluator.FEATURES_LAYER).output.shape == (None, 128)
  # No softmax/sigmoid on the output layer: its activation is linear.
  assert model.get_layer("logits").get_config()["activation"] == "linear"


def test_briefly_trained_evaluator_is_accurate(tiny_evaluator):
  ev, _ = tiny_evaluator
  assert ev.test_accuracy > 0.8  # 10k examples, 2 epochs; the full evaluator reaches > 0.9 (README).


def test_embed_shapes_and_probabilities(tiny_evaluator):
  ev, _ = tiny_evaluator
  feats, probs = ev.embed(np.random.default_rng(0).uniform(size=(7, 28, 28, 1)).astype(np.float32), batch_size=3)
  assert feats.shape == (7, 128) and probs.shape == (7, 10)
  assert feats.dtype == probs.dtype == np.float64
  np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_cached_evaluator_is_reused_not_retrained(tiny_evaluator, monkeypatch):
  ev, cache = tiny_evaluator
  def must_not_train(*_, **__):
    raise AssertionError("retrained a cached evaluator")
  monkeypatch.setattr(evaluator, "train", must_not_train)
  loaded = evaluator.load_or_train("fashion_mnist", cache)
  assert loaded.test_accuracy == pytest.approx(ev.test_accuracy)
  x = np.random.default_rng(1).uniform(size=(4, 28, 28, 1)).astype(np.float32)
  np.testing.assert_allclose(loaded.embed(x)[1], ev.embed(x)[1], rtol=1e-5, atol=1e-6)
  with pytest.raises(AssertionError, match="retrained"):
    evaluator.load_or_train("fashion_mnist", cache, retrain=True)


def test_a_cache_that_cannot_be_written_fails_with_the_file_named_and_nothing_left(tiny_evaluator, tmp_path,
                                                                                   monkeypatch):
  ev, _ = tiny_evaluator

  def full_disk(path, *args, **kwargs):
    with open(path, "wb") as f:
      f.write(b"partial")
    raise OSError(errno.ENOSPC, "No space left on device")
  monkeypatch.setattr(ev.classifier, "save", full_disk)
  with pytest.raises(atomic_io.OutputWriteError, match=r"cannot write .*classifier.keras: No space left on device"):
    evaluator.save(ev, tmp_path / "cache", epochs=2)
  assert list((tmp_path / "cache").iterdir()) == []


def test_the_cache_is_per_user_and_keyed_by_data_set_source_and_architecture(tmp_path, monkeypatch):
  monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
  default = evaluator.cache_folder(None, "fashion_mnist")
  assert default.parent == tmp_path / "xdg" / "gan_lab" / "evaluators"
  monkeypatch.delenv("XDG_CACHE_HOME")
  assert evaluator.cache_folder(None, "mnist").parent == Path.home() / ".cache" / "gan_lab" / "evaluators"
  folders = {default, evaluator.cache_folder(None, "mnist"), evaluator.cache_folder(None, "fashion_mnist", tmp_path),
             evaluator.cache_folder(None, "fashion_mnist", tmp_path / "other")}
  assert len({f.name for f in folders}) == 4
  assert default.name.endswith(f"-v{evaluator.ARCHITECTURE_VERSION}")
  assert evaluator.cache_folder(tmp_path, "fashion_mnist", str(tmp_path / "." / "copy")) == evaluator.cache_folder(
      tmp_path, "fashion_mnist", tmp_path / "copy")  # The same folder, however it is written.


def test_two_callers_at_once_train_the_evaluator_once(tiny_evaluator, tmp_path, monkeypatch):
  ev, _ = tiny_evaluator
  trained = []

  def slow_train(*_, **__):
    trained.append(1)
    time.sleep(1.0)  # The other caller arrives while this one trains.
    return ev
  monkeypatch.setattr(evaluator, "train", slow_train)
  results = []
  callers = [threading.Thread(target=lambda: results.append(evaluator.load_or_train("fashion_mnist", tmp_path,
                                                                                    log=None)))
             for _ in range(2)]
  for caller in callers:
    caller.start()
  for caller in callers:
    caller.join()
  assert len(trained) == 1 and len(results) == 2
  assert [r.test_accuracy for r in results] == [pytest.approx(ev.test_accuracy)] * 2
  assert sorted(p.name for p in evaluator.cache_folder(tmp_path, "fashion_mnist").iterdir()) == [
      ".lock", "classifier.keras", "info.json"]
