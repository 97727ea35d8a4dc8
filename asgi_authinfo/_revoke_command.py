"""``asgi-authinfo revoke``: sign a session, a token or a user out in every process sharing a Redis.

Exit status: 0 revoked, 1 Redis could not be reached, 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import Final

from ._errors import utc

__all__ = ["add_arguments", "run"]

EXIT_REVOKED: Final = 0
EXIT_UNREACHABLE: Final = 1
EXIT_USAGE: Final = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis", required=True, metavar="URL", help="redis://[:password@]host:6379/0")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--sid", help="a session id (AuthInfo.session_id)")
    what.add_argument("--jti", help="one token's jti claim")
    what.add_argument("--sub", help="a user (sub claim): every token issued before --before")
    parser.add_argument(
        "--before",
        type=_time,
        metavar="TIME",
        help="with --sub: ISO 8601 or seconds since 1970 (default: now)",
    )
    parser.add_argument(
        "--until",
        type=_time,
        metavar="TIME",
        help="forget the entry then (default: after the max token lifetime)",
    )
    parser.add_argument(
        "--max-token-lifetime", type=float, default=24 * 3600.0, metavar="SECONDS", help="default 86400"
    )
    parser.add_argument("--prefix", default=None, help="the Redis key and channel (default: the library's)")


def run(args: argparse.Namespace) -> int:
    """Publish one revocation; print what was revoked (never the Redis URL, which may hold a password)."""
    from .contrib.redis import DEFAULT_PREFIX, RedisRevocations

    try:
        revocations = RedisRevocations(
            args.redis, prefix=args.prefix or DEFAULT_PREFIX, max_token_lifetime=args.max_token_lifetime
        )
    except ValueError as exc:
        print(f"asgi-authinfo revoke: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def revoke() -> int:
        try:
            entry = await revocations.revoke(
                sid=args.sid, jti=args.jti, sub=args.sub, before=args.before, until=args.until
            )
        except ValueError as exc:
            print(f"asgi-authinfo revoke: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except Exception as exc:  # redis-py's errors, unreachable server included
            print(f"asgi-authinfo revoke: Redis could not be reached ({type(exc).__name__})", file=sys.stderr)
            return EXIT_UNREACHABLE
        finally:
            await revocations.aclose()
        since = "" if entry.before is None else f" issued before {utc(entry.before)}"
        print(f"revoked {entry.kind} {entry.value!r}{since} in every process (kept until {utc(entry.until)})")
        return EXIT_REVOKED

    return asyncio.run(revoke())


def _time(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (ISO 8601 or seconds since 1970)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
