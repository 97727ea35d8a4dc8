"""``python -m asgi_authinfo`` and the ``asgi-authinfo`` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__, _revoke_command
from ._inspect import add_arguments, run

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; the return value is the exit status (usage errors are 2)."""
    parser = argparse.ArgumentParser(
        prog="asgi-authinfo", description="Tools for asgi-authinfo: explain why a token is refused."
    )
    parser.add_argument("--version", action="version", version=f"asgi-authinfo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inspect = commands.add_parser(
        "inspect",
        help="explain why a token is accepted or refused, as the middleware would",
        description="Decode a token and check it step by step against your issuers, with the "
        "middleware's own rules. Exit status: 0 accepted, 1 refused, 2 usage or network error.",
    )
    add_arguments(inspect)
    revoke = commands.add_parser(
        "revoke", help="sign a session, token or user out in every process sharing a Redis"
    )
    _revoke_command.add_arguments(revoke)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 2
    return _revoke_command.run(args) if args.command == "revoke" else run(args)


if __name__ == "__main__":
    sys.exit(main())
