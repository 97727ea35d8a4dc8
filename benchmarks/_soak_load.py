"""The soak run's servers and traffic: uvicorn children on 127.0.0.1 and a keep-alive load generator.

Unlike ``load.py`` (which only checks for 200s), every answer is tallied by status and by the
kind of token sent, each request's latency is kept, and a 503 with ``Retry-After`` makes that
connection wait as a well-behaved client would. Each child's CPU time and peak RSS come from
Linux ``/proc``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONNECTIONS = 16

Requests = Callable[[int], tuple[str, bytes]]
"""The ``index``-th request of a run: (what kind of token it carries, the raw HTTP/1.1 request)."""


def request_for(token: str | None) -> bytes:
    """A keep-alive ``GET /`` to 127.0.0.1 carrying ``token`` as a bearer token (or none)."""
    lines = ["GET / HTTP/1.1", "host: 127.0.0.1"]
    if token is not None:
        lines.append(f"authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Child:
    """A uvicorn worker (``serve.py``) on its own port."""

    port: int
    process: subprocess.Popen[bytes]

    def _proc(self, name: str) -> str:
        return Path(f"/proc/{self.process.pid}/{name}").read_text()

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far."""
        fields = self._proc("stat").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_kb(self) -> int:
        """The process's peak resident set size (``VmHWM``)."""
        for line in self._proc("status").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def start_child(*args: str, env: dict[str, str] | None = None) -> Child:
    """Start ``serve.py args[0] PORT args[1:]`` (not yet listening: await :func:`ready`)."""
    port = _free_port()
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path]), **(env or {})}
    process = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(HERE / "serve.py"), args[0], str(port), *args[1:]],
        env=environ,
        stdout=subprocess.DEVNULL,
    )
    return Child(port, process)


async def ready(child: Child, within: float = 60.0) -> None:
    """Wait until ``child`` accepts connections."""
    deadline = time.monotonic() + within
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", child.port)
        except OSError:
            if child.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the uvicorn child on port {child.port} did not start") from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            return


@dataclass
class Tally:
    """What one app under test answered, summed over the slices it was loaded."""

    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    first_ok: dict[str, float] = field(default_factory=dict)
    """Per token kind, the ``perf_counter`` time its first 200 was received."""
    slices: list[float] = field(default_factory=list)
    """Requests/s of each slice of load, in order."""

    def count(self, status: int, kind: str | None = None) -> int:
        return sum(n for (k, s), n in self.answers.items() if s == status and kind in (None, k))

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


async def _connection(port: int, arm: Arm, offset: int, step: int, deadline: float) -> None:
    requests, tally = arm.requests, arm.tally
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = offset
    try:
        while (started := time.perf_counter()) < deadline:
            kind, request = requests(index)
            index += step
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length, retry_after = 0, 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"retry-after":
                    retry_after = int(value)
            if length:
                await reader.readexactly(length)
            ended = time.perf_counter()
            status = int(head[9:12])
            tally.latencies.append(ended - started)
            tally.requests += 1
            tally.answers[kind, status] += 1
            if status == 200:
                tally.first_ok.setdefault(kind, ended)
            elif status == 503 and retry_after and arm.retry:
                await asyncio.sleep(min(retry_after, max(0.0, deadline - ended)))
    finally:
        writer.close()


async def load(arm: Arm, seconds: float, connections: int = CONNECTIONS) -> None:
    """``connections`` keep-alive connections, spread over the arm's workers, for ``seconds``."""
    children, tally = arm.children, arm.tally
    cpu_before = sum(child.cpu_seconds() for child in children)
    requests_before = tally.requests
    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(
        *(
            _connection(children[n % len(children)].port, arm, n, connections, deadline)
            for n in range(connections)
        )
    )
    took = time.perf_counter() - began
    tally.seconds += took
    tally.slices.append((tally.requests - requests_before) / took)
    tally.cpu_seconds += sum(child.cpu_seconds() for child in children) - cpu_before


@dataclass
class Arm:
    """One app under test in a scenario: its worker(s), what it is sent, and what it answered."""

    name: str
    children: Sequence[Child]
    requests: Requests
    retry: bool = False
    """Whether a 503 + ``Retry-After`` makes the connection wait (a well-behaved client) or not."""
    tally: Tally = field(default_factory=Tally)


async def alternate(arms: Sequence[Arm], *, rounds: int, slice_seconds: float) -> None:
    """Load the arms in turn, ``rounds`` times (the order reversed every other round), so that a
    drift in the machine's load falls on all of them alike."""
    for round_ in range(rounds):
        for arm in arms if round_ % 2 == 0 else reversed(arms):
            await load(arm, slice_seconds)
