"""What every benchmark measures with: a free port to serve on, a process's CPU seconds,
and latency percentiles."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from tests.support.serving import free_port

__all__ = ["cpu_seconds", "free_port", "pct"]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads) so far; None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (seconds) in milliseconds; nan for fewer than 2."""
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1] * 1000
