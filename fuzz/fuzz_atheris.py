"""Coverage-guided fuzzing with atheris (libFuzzer) of the token parser, verifier and header parsing.

    pip install atheris                                   # Linux/macOS wheels for CPython 3.11+
    python fuzz/fuzz_atheris.py -max_total_time=300 -print_final_stats=1
    python fuzz/fuzz_atheris.py -runs=200000 fuzz/corpus  # keep a corpus between runs

Any escaping exception is a finding: libFuzzer stops and writes the input to ``crash-<sha1>``.
The first input byte picks the target; the rest is the token or the header bytes. The seed
tokens (real signatures from three algorithms) are mutated by libFuzzer through ``mutate``.
"""

from __future__ import annotations

import asyncio
import sys

import atheris

with atheris.instrument_imports(include=["asgi_authinfo", "jwt"]):
    from targets import Harness, check_parse, check_request, check_sources, check_verify, mutate

HARNESS = Harness()
SEEDS = HARNESS.seeds
LOOP = asyncio.new_event_loop()
VERIFIER = HARNESS.verifier()
APP = HARNESS.middleware(VERIFIER)


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    target = provider.ConsumeIntInRange(0, 5)
    if target == 0:
        check_parse(provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes()))
    elif target in (1, 2):
        seed = SEEDS[provider.ConsumeIntInRange(0, len(SEEDS) - 1)]
        token = seed
        for _ in range(provider.ConsumeIntInRange(1, 4)):
            token = mutate(
                token,
                provider.ConsumeIntInRange(0, 4),
                provider.ConsumeIntInRange(0, 4096),
                provider.ConsumeInt(1),
            )
        check_parse(token)
        LOOP.run_until_complete(check_verify(HARNESS, VERIFIER, token))
    elif target == 3:
        LOOP.run_until_complete(
            check_verify(HARNESS, VERIFIER, provider.ConsumeUnicode(provider.remaining_bytes()))
        )
    elif target == 4:
        value = provider.ConsumeBytes(provider.remaining_bytes())
        LOOP.run_until_complete(check_request(HARNESS, APP, [(b"authorization", value)]))
    else:
        name = [b"authorization", b"cookie", b"x"][provider.ConsumeIntInRange(0, 2)]
        value = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 512))
        query = provider.ConsumeBytes(provider.remaining_bytes())
        check_sources([(name, value)], query)
        LOOP.run_until_complete(check_request(HARNESS, APP, [(name, value)], query))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
