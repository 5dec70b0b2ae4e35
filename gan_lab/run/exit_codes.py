"""How a training process ends, as an exit code: one table for the CLIs and the sweep's status records.

A sweep reads its runs' exit codes back (status.json says why a run failed
or whether it resumes), so the codes the command line returns and the
reasons the sweep records must come from the same place.
"""

import enum
import signal


class ExitCode(enum.IntEnum):
  """Exit codes of `gan-lab train` (and of the sweep, the seed-defect and EMA commands where they apply)."""
  OK = 0
  BAD_FLAG = 1  # absl's code for a UsageError.
  UNUSABLE = 2  # Data, output folder, checkpoints or an output write (a full disk included).
  DIVERGED = 3  # A non-finite loss at a log or checkpoint step.
  WORKER_LOST = 4  # A multi-worker run lost a worker.
  FINDINGS = 5  # gan-lab doctor found a mistake.
  DOCTOR_FAILED = 6  # gan-lab doctor could not check the GAN it was given (its module, or the GAN's own code, failed).
  SIGINT = 128 + signal.SIGINT  # Stopped by Ctrl-C after checkpointing: the same command resumes.
  SIGTERM = 128 + signal.SIGTERM  # Stopped by SIGTERM (or another worker was) after checkpointing.


# Why a run that exited with one of these failed for good (status.json's reason).
FAILURE_REASONS = {
    ExitCode.BAD_FLAG: "bad flags",
    ExitCode.UNUSABLE: "data, output folder or checkpoints unusable",
    ExitCode.DIVERGED: "diverged (non-finite loss)",
    ExitCode.WORKER_LOST: "a worker was lost",
}
# Runs that stopped after checkpointing: they resume when started again.
INTERRUPTED_REASONS = {
    ExitCode.SIGTERM: "stopped by SIGTERM; checkpointed",
    ExitCode.SIGINT: "stopped by SIGINT; checkpointed",
}
# Killed by a signal before or after its own handler ran (e.g. SIGTERM while exiting): resumes from its checkpoint.
KILLED_BY = frozenset({-signal.SIGTERM, -signal.SIGINT, -signal.SIGKILL, -signal.SIGHUP})
