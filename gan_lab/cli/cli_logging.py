"""What the CLIs show: gan_lab's lines and TensorFlow's real errors, unless --verbosity asks for more."""

from absl import flags, logging


def quiet_native_logs(flag_values=flags.FLAGS) -> None:
  """Python logging at WARNING and TensorFlow's C++ chatter filtered, unless --verbosity was given."""
  if flag_values["verbosity"].present:
    return
  logging.set_verbosity(logging.WARNING)  # TensorFlow's checkpoint INFO lines would drown the progress bar.
  from gan_lab.cli import native_log_filter  # pylint: disable=g-import-not-at-top
  native_log_filter.install()
