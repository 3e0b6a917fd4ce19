"""Shared bits of the benchmarks: timing statistics and the table/JSON report."""

from __future__ import annotations

import json
import platform
import statistics
import sys
from pathlib import Path

SAMPLE_TEXT = (
    "The quick brown fox jumps over the lazy dog. Reading aloud helps people who find reading hard, "
    "and it gives tired eyes a rest. Each sentence is flushed at its end, so audio starts quickly."
)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "min": ordered[0], "max": ordered[-1]}


def report(title: str, rows: list[tuple[str, str, dict | float]], json_path: Path | None) -> None:
    print(f"\n{title}  (Python {platform.python_version()}, {platform.machine()}, {sys.platform})")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure'.ljust(width)}  {'unit':6}  {'median':>9}  {'p95':>9}  {'min':>9}  {'max':>9}")
    for name, unit, value in rows:
        if isinstance(value, dict):
            cells = "  ".join(f"{value[k]:9.3f}" for k in ("median", "p95", "min", "max"))
        else:
            cells = f"{value:9.3f}"
        print(f"{name.ljust(width)}  {unit:6}  {cells}")
    if json_path is not None:
        data = {name: {"unit": unit, "value": value} for name, unit, value in rows}
        json_path.write_text(json.dumps(data, indent=2))
