"""Soak run for slow, hostile and rotating issuers (issue 17): bounded, loopback only.

``python benchmarks/soak.py [--quick] [--only SCENARIO ...] [--profile]`` starts an issuer (a
real HTTP server on 127.0.0.1, see ``_soak_issuer.py``) and uvicorn workers (``serve.py``, one
process per worker, each on its own port), drives them with 16 keep-alive connections from this
process and prints one table: requests/s, p50/p99 latency, server CPU per request, peak RSS and
every answer by status, ours next to a bare app loaded in alternating slices of the same run
(``_soak_load.py``), and which targets were met (``_soak_report.py``). Results go to
``benchmarks/results/soak.md``. ``--profile`` runs our workers under cProfile
(``AUTHINFO_PROFILE``) and appends their hottest functions.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import _checkout  # noqa: F401 (first: this checkout, not an installed copy)
from _soak_issuer import SoakIssuer
from _soak_load import CONNECTIONS, Arm, Child, alternate, load, ready, request_for, start_child
from _soak_report import Row, cpu_per_request, hot_spots, relative, report

from pytest_plugin import FakeIssuer

RESULTS = Path(__file__).resolve().parent / "results"
AUDIENCE = "soak-api"
STALE = ("jwks_max_age=3", "jwks_cooldown=1")  # the reproduction: keys stale after 3 s


@dataclass(frozen=True, slots=True)
class Settings:
    rounds: int
    slice_seconds: float
    rotations: tuple[float, ...]
    """When the issuer rotates, in seconds after the rotation run began (its workers fetched just
    before): within 5 s of that fetch (503 + Retry-After until the early refetch), then later."""
    rotation_seconds: float
    users: int = 1000


QUICK = Settings(rounds=4, slice_seconds=0.4, rotations=(2.0,), rotation_seconds=8.0)
FULL = Settings(rounds=30, slice_seconds=0.5, rotations=(2.0, 14.0), rotation_seconds=30.0)


@dataclass
class Run:
    """What every scenario shares: the issuer, the bare worker, the settings; what they found."""

    fake: FakeIssuer
    issuer: SoakIssuer
    bare: Child
    settings: Settings
    profile_dir: Path | None
    rows: list[Row] = field(default_factory=list)
    targets: list[tuple[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)

    async def ours(self, *routes: tuple[str, Sequence[str]]) -> list[Child]:
        """Start one worker of ours per (route, ``Issuer`` options) and wait until all listen."""
        started = []
        for route, options in routes:
            env = {}
            if self.profile_dir is not None:
                env["AUTHINFO_PROFILE"] = str(self.profile_dir / f"{route}-{len(self.children)}.prof")
            child = start_child(
                "authinfo", self.fake.issuer, self.issuer.route(route), AUDIENCE, self.fake.algorithm,
                *options, env=env,
            )  # fmt: skip
            self.children.append(child)
            started.append(child)
        for child in started:
            await ready(child)
        return started

    def target(self, text: str, met: bool) -> None:
        self.targets.append((text, met))


async def warm(child: Child, requests: Sequence[bytes]) -> None:
    """Send each request once over one connection; every answer must be a 200."""
    reader, writer = await asyncio.open_connection("127.0.0.1", child.port)
    try:
        for request in requests:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = head.lower().partition(b"content-length:")[2].split(b"\r\n", 1)[0]
            await reader.readexactly(int(length or 0))
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"warm-up on port {child.port}: {head.splitlines()[0]!r}")
    finally:
        writer.close()


async def stale_keys(run: Run) -> None:
    """Findings 1 and 3: known-key requests while the JWKS is slow (10 s) or trickles, keys stale;
    tokens with a made-up ``kid`` meanwhile (each waits ≤ 1 s for the fetch, then 503)."""
    request = request_for(run.fake.token())
    fresh, slow, trickle = await run.ours(("fresh", STALE), ("slow", STALE), ("trickle", STALE))
    for child in (fresh, slow, trickle):
        await warm(child, [request])
    warmed = time.monotonic()
    run.issuer.set_mode("slow", "slow")
    run.issuer.set_mode("trickle", "trickle")
    await asyncio.sleep(max(0.0, warmed + 3.2 - time.monotonic()))  # slow and trickle: stale now
    arms = [Arm(name, [child], lambda _: ("known key", request))
            for name, child in (("bare", run.bare), ("fresh keys", fresh), ("slow JWKS", slow),
                                ("trickling JWKS", trickle))]  # fmt: skip
    made_up = request_for(run.fake.token(headers={"kid": "made-up"}))
    unknown = Arm("slow JWKS, made-up kid", [slow], lambda _: ("made-up kid", made_up))
    await alternate([*arms, unknown], rounds=run.settings.rounds, slice_seconds=run.settings.slice_seconds)
    bare, fresh_arm, *stale = arms
    run.rows += [Row("stale keys", bare), Row("stale keys", fresh_arm, bare)]
    longest = max(unknown.tally.latencies, default=0.0)
    run.target(f"made-up kid while the JWKS is slow: longest wait {longest:.2f} s (≤ 1 s + 0.25 s)",
               longest <= 1.25 and unknown.tally.count(503) == unknown.tally.requests)  # fmt: skip
    for arm in stale:
        run.rows.append(Row("stale keys", arm, fresh_arm))
        tally = arm.tally
        ratio = relative(arm, fresh_arm)
        run.target(f"{arm.name}, stale keys: {ratio:.0%} of fresh-keys req/s (≥ 90%)", ratio >= 0.9)
        p99 = tally.quantile(0.99) * 1000
        run.target(f"{arm.name}, stale keys: p99 {p99:.1f} ms (< 50 ms)", p99 < 50)
        run.target(f"{arm.name}, stale keys: {tally.requests - tally.count(200)} answers not 200 (0)",
                   tally.count(200) == tally.requests)  # fmt: skip
    run.rows.append(Row("stale keys", unknown))
    fetches = {route: run.issuer.fetches[route] for route in ("fresh", "slow", "trickle")}
    run.notes.append(f"stale keys: JWKS fetches per route {fetches}")


async def gzip_bomb(run: Run) -> None:
    """Finding 2: a 50 KB gzip body inflating to 50 MB is refused without being inflated.

    The worker starts with good keys; then every refresh (one a second: the keys are stale after
    1 s and a failure is retried after 1 s) gets the bomb, while requests are served with the
    last good keys (stale-if-error).
    """
    (bomb,) = await run.ours(("bomb", ("jwks_max_age=1", "jwks_cooldown=1")))
    assert run.issuer.bomb  # compressed now, not on this process's loop while it drives the load
    request = request_for(run.fake.token())
    await warm(bomb, [request] * 200)
    before = bomb.peak_rss_kb()
    run.issuer.set_mode("bomb", "bomb")
    fetched = run.issuer.fetches["bomb"]
    arms = [Arm("bare", [run.bare], lambda _: ("token", request)),
            Arm("gzip-bombing JWKS", [bomb], lambda _: ("token", request))]  # fmt: skip
    rounds = max(2, run.settings.rounds // 3)
    await alternate(arms, rounds=rounds, slice_seconds=run.settings.slice_seconds * 4)
    growth = bomb.peak_rss_kb() - before
    run.rows += [Row("gzip bomb", arms[0]), Row("gzip bomb", arms[1], arms[0], growth)]
    run.target(f"gzip bomb: peak RSS growth {growth / 1024:.1f} MB (< 5 MB)", growth < 5 * 1024)
    bombs = run.issuer.fetches["bomb"] - fetched
    run.target(f"gzip bomb: {bombs} bombs fetched during the load (≥ 1)", bombs >= 1)
    run.notes.append(f"gzip bomb: {bombs} refreshes got the bomb; requests kept the last good keys")


async def rotation(run: Run) -> None:
    """Finding 4: the issuer publishes a new key and signs with it at once, under load, two workers."""
    workers = await run.ours(("rotate", ()), ("rotate", ()))
    old = request_for(run.fake.token())
    for child in workers:
        await warm(child, [old])
    current = [("key 1", old)]
    arms = [Arm(f"worker {n}", [child], lambda _: current[0], retry=True)
            for n, child in enumerate(workers, 1)]  # fmt: skip
    rotated_at: dict[str, float] = {}

    async def rotate() -> None:
        began = time.perf_counter()
        for number, after in enumerate(run.settings.rotations, 2):
            await asyncio.sleep(max(0.0, began + after - time.perf_counter()))
            run.fake.rotate_keys(keep_old=True)
            current[0] = (f"key {number}", request_for(run.fake.token()))
            rotated_at[f"key {number}"] = time.perf_counter()

    began = time.perf_counter()
    rotating = asyncio.ensure_future(rotate())
    await asyncio.gather(*(load(arm, run.settings.rotation_seconds, CONNECTIONS // 2) for arm in arms))
    await rotating
    for arm in arms:
        tally = arm.tally
        run.rows.append(Row("rotation, 2 workers", arm))
        for key, at in rotated_at.items():
            first = tally.first_ok.get(key)
            accepted = f"{first - at:.2f} s" if first else "never"
            run.notes.append(
                f"rotation, {arm.name}, tokens of {key} (published and used from {at - began:.0f} s on): "
                f"{tally.count(200, key)} x 200, {tally.count(401, key)} x 401, "
                f"{tally.count(503, key)} x 503 + Retry-After; first accepted {accepted} after it"
            )
    refused = sum(arm.tally.count(401) for arm in arms)
    run.target(f"rotation under two workers: {refused} valid tokens refused with 401 (0)", refused == 0)
    accepted_all = all(key in arm.tally.first_ok for arm in arms for key in rotated_at)
    run.target("rotation: both workers accepted every new key within the run", accepted_all)


async def thousand_users(run: Run) -> None:
    """Finding 6: 1,000 distinct users (tokens already verified once) through uvicorn."""
    (ours,) = await run.ours(("users", ()))
    users = [request_for(run.fake.token(sub=f"user_{n}")) for n in range(run.settings.users)]
    await warm(ours, users)
    await warm(run.bare, users[:50])
    arms = [Arm(name, [child], lambda i: ("user", users[i % len(users)]))
            for name, child in (("bare", run.bare), ("ours", ours))]  # fmt: skip
    await alternate(arms, rounds=run.settings.rounds, slice_seconds=run.settings.slice_seconds * 2)
    run.rows += [Row("1,000 users", arms[0]), Row("1,000 users", arms[1], arms[0])]
    ratio = relative(*arms[::-1])
    run.target(f"1,000 users: {ratio:.0%} of bare req/s (≥ 90%)", ratio >= 0.9)
    extra = cpu_per_request(arms[1]) - cpu_per_request(arms[0])
    run.notes.append(f"1,000 users: {extra:.1f} µs of extra server CPU per request (ours - bare)")


SCENARIOS: dict[str, Callable[[Run], Awaitable[None]]] = {
    "stale-keys": stale_keys,
    "gzip-bomb": gzip_bomb,
    "rotation": rotation,
    "users": thousand_users,
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short slices: under 2 minutes in all")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), help="run these scenarios")
    parser.add_argument("--profile", action="store_true", help="cProfile our workers; append hot spots")
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.md", help="where to write the report")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> str:
    settings = QUICK if args.quick else FULL
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    loads = [os.getloadavg()]
    began = time.monotonic()
    fake = FakeIssuer(audience=AUDIENCE)
    issuer = SoakIssuer(fake)
    await issuer.start()
    bare = start_child("bare")
    profile_dir = Path(tempfile.mkdtemp(prefix="soak-prof-")) if args.profile else None
    run = Run(fake, issuer, bare, settings, profile_dir)
    try:
        await ready(bare)
        for name in args.only or SCENARIOS:
            print(f"… {name}", file=sys.stderr, flush=True)
            await SCENARIOS[name](run)
    finally:
        for child in [bare, *run.children]:
            child.stop()
        await issuer.stop()
    loads.append(os.getloadavg())
    command = "python benchmarks/soak.py" + "".join(
        f" {flag}" for flag, on in (("--quick", args.quick), ("--profile", args.profile)) if on
    ) + "".join(f" --only {name}" for name in args.only or ())
    took = time.monotonic() - began
    text = report(run.rows, run.targets, run.notes, command=command, started=started, loads=loads, took=took)
    return text + (hot_spots(profile_dir) if profile_dir is not None else "")


if __name__ == "__main__":
    arguments = parse_args()
    output = asyncio.run(main(arguments))
    print(output)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(output, encoding="utf-8")
    print(f"written to {arguments.output}", file=sys.stderr)
