"""The soak run's report: one table row per app under test, the targets, the notes, profiles."""

from __future__ import annotations

import io
import os
import platform
import pstats
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import uvicorn
from _soak_load import Arm

import asgi_authinfo

HEADER = ["scenario", "app", "req/s", "vs", "p50 ms", "p99 ms", "CPU µs/req", "vs CPU", "peak RSS MB",
          "RSS +MB", "200", "401", "503", "other"]  # fmt: skip


def cpu_per_request(arm: Arm) -> float:
    """The server CPU time one request cost the arm's worker(s), in µs."""
    tally = arm.tally
    return tally.cpu_seconds / tally.requests * 1e6 if tally.requests else 0.0


def relative(arm: Arm, reference: Arm) -> float:
    """``arm``'s requests/s over ``reference``'s: the median of the ratios of the slices loaded one
    after the other, so a burst of load from other jobs skews one pair, not the result."""
    return statistics.median(a / r for a, r in zip(arm.tally.slices, reference.tally.slices, strict=True))


@dataclass
class Row:
    """One app under test in one scenario; ``reference`` is what its ``vs`` column compares with."""

    scenario: str
    arm: Arm
    reference: Arm | None = None
    rss_growth_kb: int | None = None
    peak_rss_kb: int = 0

    def __post_init__(self) -> None:  # now, while the workers still run
        self.peak_rss_kb = max(child.peak_rss_kb() for child in self.arm.children)

    def cells(self) -> list[str]:
        tally = self.arm.tally
        ratio = cpu_ratio = ""
        cpu = cpu_per_request(self.arm)
        if self.reference is not None:
            ratio = f"{relative(self.arm, self.reference):.0%}"
            cpu_ratio = f"{cpu_per_request(self.reference) / cpu:.0%}" if cpu else ""
        peak = self.peak_rss_kb / 1024
        growth = "" if self.rss_growth_kb is None else f"{self.rss_growth_kb / 1024:+.1f}"
        other = tally.requests - sum(tally.count(status) for status in (200, 401, 503))
        return [
            self.scenario, self.arm.name, f"{tally.per_second:,.0f}", ratio,
            f"{tally.quantile(0.5) * 1000:.2f}", f"{tally.quantile(0.99) * 1000:.2f}", f"{cpu:.0f}",
            cpu_ratio, f"{peak:.0f}", growth, *(str(tally.count(s)) for s in (200, 401, 503)), str(other),
        ]  # fmt: skip


def table(rows: Sequence[Row]) -> str:
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[n]) for line in lines) for n in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) if n < 2 else cell.rjust(width) for n, (cell, width) in cells)
        for cells in (enumerate(zip(line, widths, strict=True)) for line in lines)
    )


def report(
    rows: Sequence[Row],
    targets: Sequence[tuple[str, bool]],
    notes: Sequence[str],
    *,
    command: str,
    started: str,
    loads: Sequence[Sequence[float]],
    took: float,
) -> str:
    """The Markdown report: when, how and where it ran, the table, the targets met or missed."""
    load_text = " → ".join("/".join(f"{x:.2f}" for x in avg) for avg in loads)
    lines = [
        "# Soak run (issue 17)", "",
        f"- date: {started} UTC, took {took:.0f} s", f"- command: `{command}`",
        f"- load average (1/5/15 min) before → after: {load_text}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"asgi-authinfo {asgi_authinfo.__version__}; uvicorn {uvicorn.__version__} with "
        f"{'httptools' if find_spec('httptools') else 'h11'} and "
        f"{'uvloop' if find_spec('uvloop') else 'asyncio'}",
        "- `vs`: requests/s relative to the reference row (median of paired slices); `vs CPU`: the "
        "same from server CPU per request (what a worker sustains on a core of its own; other jobs "
        "on the machine barely move it)",
        "- loopback only: issuer, uvicorn workers (one process per worker, one port each) and the load "
        "generator (16 keep-alive connections) on 127.0.0.1; apps loaded in alternating slices",
        "", "```", table(rows), "```", "", "## Targets", "",
        *(f"- {'met' if met else 'MISSED'}: {text}" for text, met in targets),
        "", "## Notes", "", *(f"- {note}" for note in notes),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def hot_spots(directory: Path) -> str:
    """The hottest functions of each profiled worker (``serve.py`` under ``AUTHINFO_PROFILE``)."""
    parts = []
    for path in sorted(directory.glob("*.prof")):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        stats.sort_stats("tottime").print_stats(12)
        stats.sort_stats("cumulative").print_stats("asgi_authinfo", 12)
        parts.append(f"### {path.stem}\n\n```\n{out.getvalue().strip()}\n```\n")
    return "\n## Profiles (whole worker by tottime; asgi_authinfo by cumtime)\n\n" + "\n".join(parts)
