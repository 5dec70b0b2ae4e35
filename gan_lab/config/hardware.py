"""What this machine's accelerators can do, asked of TensorFlow once: the one capability check.

The precision flags depend on it: float16 is only worth it on a GPU, and
bfloat16 runs natively on a GPU of compute capability 8.0+ or a CPU with
bfloat16 instructions (elsewhere it is emulated, slower than float32).
TensorFlow is imported only when a check is made, after the command line's
other flags have been checked and the native-log filter installed.
"""

import functools
from pathlib import Path

_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.cache
def gpu_compute_capabilities() -> tuple[tuple[int, int], ...]:
  """The compute capability of every GPU TensorFlow sees (empty on a machine without one)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top  (only these checks need it)
  return tuple(tuple(tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0)))
               for gpu in tf.config.list_physical_devices("GPU"))


def has_bfloat16_units() -> bool:
  """Whether bfloat16 runs natively: a GPU of compute capability 8.0 or more, or a CPU with bfloat16 instructions."""
  if any(capability >= (8, 0) for capability in gpu_compute_capabilities()):
    return True
  path = Path("/proc/cpuinfo")  # Linux; elsewhere the CPU counts as lacking them.
  return cpu_has_bfloat16(path.read_text() if path.is_file() else "")


def cpu_has_bfloat16(cpuinfo: str) -> bool:
  """Whether the `flags` lines of a /proc/cpuinfo text name a bfloat16 instruction set."""
  cpu_flags = {f for line in cpuinfo.splitlines() if line.startswith("flags") for f in line.split(":", 1)[1].split()}
  return any(f in cpu_flags for f in _BF16_CPU_FLAGS)


def check_precision_supported(policy: str) -> None:
  """ValueError for a mixed-precision policy this machine cannot run well."""
  if policy == "mixed_float16" and not gpu_compute_capabilities():
    raise ValueError("--mixed_precision=mixed_float16 needs a GPU (float16 is emulated on CPUs); "
                     "use mixed_bfloat16 or none")


def resolve_precision(policy: str, has_bfloat16: bool) -> str:
  """The policy a run trains in: `auto` is mixed_bfloat16 where the machine has bfloat16 units, float32 elsewhere.

  bfloat16 is the faster precision only where it runs natively (several times
  faster on a CPU with AVX512-BF16, several times slower where it is emulated),
  and the default run's final FCD in it was measured no worse than float32's
  (docs/time_to_quality/choice.md). Other policies stay as given.
  """
  if policy != "auto":
    return policy
  return "mixed_bfloat16" if has_bfloat16 else "none"


def run_precision(policy: str) -> tuple[str, str]:
  """The policy a run trains in and its first line, probing the machine only where the answer depends on it."""
  has_bfloat16 = policy in ("auto", "mixed_bfloat16") and has_bfloat16_units()
  return resolve_precision(policy, has_bfloat16), precision_line(policy, has_bfloat16)


def precision_line(policy: str, has_bfloat16: bool) -> str:
  """The first line a run prints: the precision it trains in and why, so a slow machine is no surprise.

  Emulated bfloat16 (a CPU without bfloat16 units) still trains correctly,
  but every bfloat16 op is converted in software: the line says so, and
  that float32 is the faster choice there.
  """
  if policy == "auto" and has_bfloat16:
    return ("precision: mixed_bfloat16 (--mixed_precision=auto: this machine has bfloat16 units, where bfloat16 is "
            "faster and trains as well as float32)")
  if policy == "auto":
    return ("precision: float32 (--mixed_precision=auto: no bfloat16 units on this machine (no GPU of compute "
            "capability 8.0+, no avx512_bf16 or amx_bf16 CPU flag), where float32 is the faster precision)")
  if policy == "none":
    return "precision: float32 (--mixed_precision=none)"
  if policy == "mixed_float16":
    return "precision: mixed_float16 on the GPU, with loss scaling (--mixed_precision=mixed_float16)"
  if has_bfloat16:
    return "precision: mixed_bfloat16 (--mixed_precision=mixed_bfloat16; this machine has bfloat16 units)"
  return ("precision: mixed_bfloat16, emulated (--mixed_precision=mixed_bfloat16, but this machine has no bfloat16 "
          "units: no GPU of compute capability 8.0+, no avx512_bf16 or amx_bf16 CPU flag); it trains correctly but "
          "several times slower than float32, which --mixed_precision=none gives")
