"""Long Hypothesis fuzz run of the token parser, the verifier and the header parsing.

    python fuzz/fuzz_hypothesis.py --examples 20000          # each target, random seed
    python fuzz/fuzz_hypothesis.py --examples 2000 --seed 1  # reproducible

Exits 1 with the falsifying input on the first broken invariant. CI runs the same checks, fewer
examples, in tests/security/test_fuzz.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from targets import (
    Harness,
    authorization_values,
    check_parse,
    check_request,
    check_sources,
    check_verify,
    tokens,
)


def build(
    harness: Harness, loop: asyncio.AbstractEventLoop, counts: Counter[str]
) -> dict[str, Callable[..., None]]:
    """The four fuzz targets as Hypothesis tests; ``counts`` tallies the outcomes they saw."""
    verifier = harness.verifier()
    app = harness.middleware(verifier)
    seeds = harness.seeds

    def run(coro: Any) -> Any:
        return loop.run_until_complete(coro)

    @given(tokens(seeds) | st.text(max_size=400))
    def parser(token: str) -> None:
        check_parse(token)

    @given(tokens(seeds))
    def verify(token: str) -> None:
        code = run(check_verify(harness, verifier, token))
        counts[code or "accepted"] += 1

    headers = st.lists(
        st.tuples(
            st.sampled_from([b"authorization", b"cookie", b"Authorization"]),
            st.binary(max_size=300) | authorization_values(seeds),
        ),
        max_size=4,
    )
    queries = st.binary(max_size=200) | tokens(seeds).map(
        lambda t: b"access_token=" + t.encode("utf-8", "surrogatepass")
    )

    @given(headers, queries)
    def sources(raw: list[tuple[bytes, bytes]], query: bytes) -> None:
        check_sources(raw, query)

    @given(headers, queries)
    def middleware(raw: list[tuple[bytes, bytes]], query: bytes) -> None:
        status = run(check_request(harness, app, raw, query))
        counts[f"http {status}"] += 1

    return {"parser": parser, "verify": verify, "sources": sources, "middleware": middleware}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=5000, help="examples per target")
    parser.add_argument("--seed", type=int, default=None, help="a fixed seed for a reproducible run")
    parser.add_argument("--only", choices=["parser", "verify", "sources", "middleware"], default=None)
    args = parser.parse_args(argv)

    loop = asyncio.new_event_loop()
    harness = Harness()
    counts: Counter[str] = Counter()
    targets = build(harness, loop, counts)
    options = settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    for name, target in targets.items():
        if args.only and name != args.only:
            continue
        test = options(target)
        if args.seed is not None:
            test = seed(args.seed)(test)
        started = time.perf_counter()
        try:
            test()
        except Exception as exc:
            print(f"{name}: FAILED: {type(exc).__name__}: {exc}")
            return 1
        print(f"{name}: {args.examples} examples passed in {time.perf_counter() - started:.1f} s")
    print("outcomes:", dict(sorted(counts.items())))
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
