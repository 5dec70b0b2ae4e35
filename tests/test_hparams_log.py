"""HParams event files, read back with TensorBoard's own reader: one session per run, axes and metrics."""

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2
import tensorflow as tf

from gan_lab.study import hparams_log

ROWS = [{"run": f"mlp/hinge/{act}/margin_0/seed_{seed}", "model": "mlp", "loss": "hinge", "output_activation": act,
         "data_margin": 0.0, "seed": seed, "failed": False, "train_steps": 20, "fcd": 10.0 + seed, "kid": 1.0,
         "recall": 0.4, "precision": 0.5, "classifier_score": 5.0, "classes_covered": 10}
        for act in ("tanh", "sigmoid") for seed in (0, 1)]
FAILED = {"run": "mlp/hinge/linear/margin_0/seed_0", "failed": True}


def _read(path):
  acc = event_accumulator.EventAccumulator(str(path), size_guidance={event_accumulator.TENSORS: 0})
  acc.Reload()
  return acc


def _plugin_data(acc, tag):
  return plugin_data_pb2.HParamsPluginData.FromString(acc.SummaryMetadata(tag).plugin_data.content)


def test_each_run_is_a_session_with_its_axes_and_final_metrics(tmp_path):
  hparams_log.write(tmp_path / "hparams", ROWS + [FAILED])
  sessions = sorted(p.parent.relative_to(tmp_path / "hparams").as_posix()
                    for p in (tmp_path / "hparams").rglob("events.out.tfevents.*") if p.parent != tmp_path / "hparams")
  assert sessions == sorted(r["run"] for r in ROWS)
  acc = _read(tmp_path / "hparams" / ROWS[1]["run"])
  start = _plugin_data(acc, "_hparams_/session_start_info").session_start_info
  assert start.hparams["output_activation"].string_value == "tanh" and start.hparams["seed"].number_value == 1
  assert start.hparams["model"].string_value == "mlp" and start.hparams["data_margin"].number_value == 0.0
  fcd, = acc.Tensors("fcd")
  assert fcd.step == 20 and tf.make_ndarray(fcd.tensor_proto) == 11.0


def test_the_experiment_lists_axes_and_metrics_and_a_rewrite_replaces_it(tmp_path):
  hparams_log.write(tmp_path / "hparams", ROWS)
  hparams_log.write(tmp_path / "hparams", ROWS[:2])
  experiment = _plugin_data(_read(tmp_path / "hparams"), "_hparams_/experiment").experiment
  assert [h.name for h in experiment.hparam_infos] == list(hparams_log.AXES)
  assert [m.name.tag for m in experiment.metric_infos] == list(hparams_log.METRICS)
  activations = next(h for h in experiment.hparam_infos if h.name == "output_activation")
  assert sorted(v.string_value for v in activations.domain_discrete.values) == ["tanh"]
  assert len(list((tmp_path / "hparams").rglob("events.out.tfevents.*"))) == 3  # Experiment + 2 sessions.
  assert [p.name for p in tmp_path.iterdir()] == ["hparams"]
