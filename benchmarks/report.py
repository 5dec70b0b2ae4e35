"""The benchmark's table: throughput, ratios, startup, GFLOP/s against a matmul ceiling, memory."""

import datetime
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from benchmarks.contestants import train_flops_per_image
from gan_lab.files import atomic_io


def matmul_gflops(dtype, n=2048, repeats=10) -> float:
  """GFLOP/s of a large square matmul: the machine's practical ceiling for this dtype."""
  a = tf.cast(tf.random.normal([n, n]), dtype)
  f = tf.function(lambda x: x @ x)
  f(a).numpy()
  began = time.perf_counter()
  for _ in range(repeats):
    out = f(a)
  out.numpy()
  return 2 * n ** 3 * repeats / (time.perf_counter() - began) / 1e9


def machine_description() -> str:
  cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
              if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
  gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
  flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
  bf16 = "avx512_bf16" in flags or "amx_bf16" in flags
  return (f"{cpu}, {os.cpu_count()} cores{' (AVX512-BF16)' if bf16 else ''}; "
          f"GPUs: {', '.join(gpus) or 'none'}; TensorFlow {tf.__version__}, Python {platform.python_version()}")


def _median_ratio(c, by_name):
  base = by_name.get(c.baseline)
  if base is None:
    return ""
  ratios = np.array(c.rates) / np.array(base.rates)
  return f"{np.median(ratios):.2f}x ({ratios.min():.2f}-{ratios.max():.2f})"


def table(contestants, ceiling, ceiling_after, import_seconds, settings) -> str:
  by_name = {c.name: c for c in contestants}
  flops = {m: train_flops_per_image(m) for m in {c.model for c in contestants}}
  lines = [f"# Training throughput, {datetime.datetime.now().isoformat(timespec='seconds')}", "",
           f"Machine: {machine_description()}", "",
           f"Settings: {', '.join(f'{k}={settings[k]}' for k in ('batch_size', 'windows', 'window_steps', 'warmup_steps', 'max_examples'))}; "
           f"import tensorflow {import_seconds:.1f}s; peak RSS of the process "
           f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB.", "",
           f"Matmul ceiling (2048^2, before / after): float32 {ceiling['float32']:.0f} / {ceiling_after['float32']:.0f} "
           f"GFLOP/s, bfloat16 {ceiling['bfloat16']:.0f} / {ceiling_after['bfloat16']:.0f} GFLOP/s.", "",
           "| contestant | model | precision | images/s (median, min-max) | vs baseline (median, min-max) | "
           "startup s | MFLOP/image | GFLOP/s | of matmul ceiling |",
           "|" + " --- |" * 9]
  for c in contestants:
    rate = float(np.median(c.rates))
    gflops = rate * flops[c.model] / 1e9
    top = max(ceiling[c.precision], ceiling_after[c.precision])
    lines.append(f"| {c.name} | {c.model} | {c.precision} | {rate:.0f} ({min(c.rates):.0f}-{max(c.rates):.0f}) | "
                 f"{_median_ratio(c, by_name) or 'baseline'} | {c.startup_seconds:.1f} | {flops[c.model] / 1e6:.3g} | "
                 f"{gflops:.1f} | {100 * gflops / top:.0f}% |")
  return "\n".join(lines) + "\n"


def write(results_dir, text, name="throughput") -> Path:
  """Writes `text` to results_dir/<name>-<cpu|gpu>-<timestamp>.md."""
  folder = Path(results_dir)
  folder.mkdir(parents=True, exist_ok=True)
  device = "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
  path = folder / f"{name}-{device}-{datetime.datetime.now():%Y%m%d-%H%M%S}.md"
  atomic_io.write_bytes(path, text.encode())
  return path
