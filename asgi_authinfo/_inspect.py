"""``asgi-authinfo inspect``: explain why a token is accepted or refused, as the middleware would.

The issuers come from the same options as the library (``--issuer`` and friends, ``--provider``,
or ``--config module:attribute`` naming the app's own configuration). The token comes from an
argument, ``-`` (stdin) or ``--token-file``, so it can stay out of shell history; it is never
printed. Exit status: 0 accepted, 1 refused, 2 usage or network error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import anyio
import httpx

from . import providers
from ._diagnosis import Diagnosis, diagnose
from ._dpop import DpopRequest, normalized_url
from ._errors import AuthError
from ._issuer import Issuer, flatten_issuers
from ._issuer_resolver import IssuerResolver, split_issuers
from ._jose import parse
from ._render import render_json, render_text
from ._verifier import DEFAULT_MAX_TOKEN_BYTES, TokenVerifier

__all__ = ["add_arguments", "run"]

EXIT_ACCEPTED: Final = 0
EXIT_REFUSED: Final = 1
EXIT_USAGE: Final = 2
_NETWORK_CODES: Final = frozenset({"issuer_unavailable"})
_ISSUER_OPTIONS: Final = ("jwks_uri", "audience", "algorithm", "claims", "leeway")


class UsageError(Exception):
    """The command line or the configuration it names cannot be used (exit status 2)."""


@dataclass(frozen=True, slots=True)
class _Setup:
    """What to check the token against: the issuers, the token size limit and where keys come from."""

    issuers: tuple[Issuer, ...]
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    jwks: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    resolver: IssuerResolver | None = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``inspect`` options."""
    token = parser.add_argument_group("the token (never printed; prefer - or --token-file)")
    token.add_argument("token", nargs="?", help="the token, a 'Bearer <token>' value, or - to read stdin")
    token.add_argument("--token-file", metavar="PATH", help="read the token from this file")
    issuers = parser.add_argument_group(
        "the issuers to trust (as in Issuer(...) and asgi_authinfo.providers)"
    )
    issuers.add_argument("--issuer", metavar="URL", help="the exact `iss` to trust (or the provider's URL)")
    issuers.add_argument("--jwks-uri", metavar="URL", help="the issuer's JWKS (default: OIDC discovery)")
    issuers.add_argument(
        "--audience", metavar="AUD", action="append", help="an accepted `aud` (repeat for several)"
    )
    issuers.add_argument(
        "--algorithm", metavar="ALG", action="append", help="an allowed `alg` (repeat; default RS256)"
    )
    issuers.add_argument("--claims", metavar="PRESET", help="the claims preset (oidc, workos, clerk, ...)")
    issuers.add_argument("--leeway", metavar="SECONDS", type=float, help="clock leeway for exp/nbf/iat")
    issuers.add_argument(
        "--provider",
        choices=providers.__all__,
        help="a provider helper, e.g. --provider workos --client-id ...",
    )
    issuers.add_argument("--client-id", metavar="ID", help="the provider's client id (WorkOS)")
    issuers.add_argument(
        "--config",
        metavar="MODULE:ATTRIBUTE",
        help="your app's issuers: an Issuer, a list of them (an issuer resolver too), a TokenVerifier "
        "or an AuthInfoMiddleware",
    )
    how = parser.add_argument_group("how to check")
    how.add_argument(
        "--jwks-file", metavar="PATH", help="use this JWKS file instead of fetching keys (offline)"
    )
    how.add_argument("--now", metavar="UNIX_TIME", type=float, help="check the times as of this moment")
    how.add_argument(
        "--dpop-proof", metavar="PROOF", help="the request's DPoP proof header (RFC 9449), for a DPoP token"
    )
    how.add_argument("--method", default="GET", help="with --dpop-proof: the request's method")
    how.add_argument(
        "--url", metavar="URL", help="with --dpop-proof: the request's URL (default: the proof's htu)"
    )
    how.add_argument("--realm", default="api", help="the realm shown in the WWW-Authenticate answer")
    how.add_argument("--json", action="store_true", help="print JSON for machines")
    how.add_argument(
        "-v", "--verbose", action="store_true", help="show the library's log lines (key fetches, refusals)"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``inspect`` with parsed arguments; print the diagnosis; return the exit status."""
    try:
        token = read_token(args.token, args.token_file)
        setup = configure(args)
        now = time.time() if args.now is None else args.now
    except UsageError as exc:
        print(f"asgi-authinfo inspect: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _logging_to_stderr(args.verbose):
        diagnosis = anyio.run(_diagnose, setup, token, now, dpop_request(args, token))
    render = render_json if args.json else render_text
    print(render(diagnosis, realm=args.realm, notes=setup.notes))
    return exit_status(diagnosis)


def exit_status(diagnosis: Diagnosis) -> int:
    if diagnosis.accepted:
        return EXIT_ACCEPTED
    error = diagnosis.error
    if error is None or error.code in _NETWORK_CODES:
        return EXIT_USAGE
    return EXIT_REFUSED


def dpop_request(args: argparse.Namespace, token: str) -> DpopRequest | None:
    """The request a ``--dpop-proof`` was made for: ``--method`` and ``--url`` (default: its ``htu``)."""
    proof = getattr(args, "dpop_proof", None)
    if not proof:
        return None
    url = args.url
    if url is None:
        try:
            url = parse(proof).claims.get("htu")
        except AuthError:
            url = None
    return DpopRequest(token, proof, args.method.upper(), normalized_url(str(url or "")) or str(url))


async def _diagnose(setup: _Setup, token: str, now: float, dpop: DpopRequest | None = None) -> Diagnosis:
    if not setup.issuers and setup.resolver is None:
        return await diagnose(None, token, now=now)
    if setup.jwks is not None:
        client = httpx.AsyncClient(transport=_jwks_file_transport(setup.jwks, setup.issuers))
    else:
        client = httpx.AsyncClient(
            timeout=max((issuer.jwks_timeout for issuer in setup.issuers), default=5.0)
        )
    trusted = (*setup.issuers, *(() if setup.resolver is None else (setup.resolver,)))
    async with client:
        verifier = TokenVerifier(
            trusted, client=client, now=lambda: now, max_token_bytes=setup.max_token_bytes
        )
        return await diagnose(verifier, token, dpop=dpop)


def read_token(argument: str | None, path: str | None) -> str:
    """The token from the argument, stdin (``-``) or a file, without a ``Bearer`` prefix."""
    if argument is not None and path is not None:
        raise UsageError("give the token as an argument or with --token-file, not both")
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            raise UsageError(f"cannot read --token-file {path}: {exc}") from None
    elif argument == "-":
        text = sys.stdin.read()
    elif argument is not None:
        text = argument
    else:
        raise UsageError("give the token: as an argument, - to read it from stdin, or --token-file PATH")
    words = text.split(None, 1)
    if words and words[0].lower() == "bearer":
        words = words[1:]
    token = words[0].strip() if words else ""
    if not token:
        raise UsageError("the token is empty")
    return token


def configure(args: argparse.Namespace) -> _Setup:
    """The issuers and key source the options describe; a :class:`UsageError` if they do not fit."""
    given = [f"--{name.replace('_', '-')}" for name in _ISSUER_OPTIONS if getattr(args, name) is not None]
    if args.config is not None:
        if args.issuer or args.provider or args.client_id or given:
            raise UsageError("--config names the issuers; leave out --issuer, --provider and their options")
        issuers, max_bytes, resolver = load_config(args.config)
        setup = _Setup(issuers, max_bytes, resolver=resolver)
    elif args.provider is not None:
        setup = _Setup(_provider_issuers(args))
    elif args.issuer is not None:
        if args.client_id is not None:
            raise UsageError("--client-id goes with --provider")
        setup = _Setup(_build(lambda: (Issuer(args.issuer, **_issuer_options(args)),)))
    else:
        if given or args.client_id:
            raise UsageError(f"{', '.join(given) or '--client-id'} needs --issuer or --provider")
        setup = _Setup((), notes=("no issuer given: the token is only decoded, not checked",))
    if args.jwks_file is None:
        return setup
    if not setup.issuers and setup.resolver is None:
        raise UsageError("--jwks-file needs the issuers to check against (--issuer, --provider or --config)")
    jwks = read_jwks(args.jwks_file)
    note = f"keys come from --jwks-file {args.jwks_file}, not from the network"
    return _Setup(setup.issuers, setup.max_token_bytes, jwks, (*setup.notes, note), setup.resolver)


def _issuer_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.jwks_uri is not None:
        options["jwks_uri"] = args.jwks_uri
    if args.audience is not None:
        options["audience"] = tuple(args.audience)
    if args.algorithm is not None:
        options["algorithms"] = tuple(args.algorithm)
    if args.claims is not None:
        options["claims"] = args.claims
    if args.leeway is not None:
        options["leeway"] = args.leeway
    return options


_PROVIDER_ARGUMENT: Final = {
    "auth0": "domain",
    "authgear": "endpoint",
    "clerk": "frontend_api_url",
    "cognito": "user_pool_id",
    "custom_jwt": "issuer",
    "entra": "tenant",
    "firebase": "project_id",
    "keycloak": "server_url",
    "okta": "domain",
    "supabase": "project_url",
    "workos": "client_id",
}
"""The argument ``--provider`` fills for each helper: ``--client-id`` gives ``client_id``,
``--issuer`` every other."""


def _provider_issuers(args: argparse.Namespace) -> tuple[Issuer, ...]:
    helper: Callable[..., Any] = getattr(providers, args.provider)
    first = _PROVIDER_ARGUMENT[args.provider]
    wants_client_id = first == "client_id"
    value = args.client_id if wants_client_id else args.issuer
    if not value:
        needed = "--client-id ID" if wants_client_id else "--issuer URL"
        raise UsageError(f"--provider {args.provider} needs {needed} (providers.{args.provider}({first}))")
    if wants_client_id and args.issuer is not None:
        raise UsageError(f"--provider {args.provider} takes --client-id; its issuers are built for you")
    return _build(lambda: helper(**{first: value}, **_issuer_options(args)))


def _build(make: Callable[[], Iterable[Any]]) -> tuple[Issuer, ...]:
    try:
        return flatten_issuers(make())
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def load_config(reference: str) -> tuple[tuple[Issuer, ...], int, IssuerResolver | None]:
    """The issuers (and issuer resolver) named by ``module:attribute``, imported from the current
    directory; a verifier's resolver is asked as the verifier would ask it."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise UsageError(f"--config must look like module:attribute, got {reference!r}")
    here = os.getcwd()
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"--config {reference}: cannot import {module_name!r}: {exc}") from None
    except Exception as exc:
        raise UsageError(f"--config {reference}: importing {module_name!r} failed: {exc!r}") from None
    finally:
        if added:
            sys.path.remove(here)
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise UsageError(
                f"--config {reference}: {module_name!r} has no attribute {attribute!r}"
            ) from None
    verifier = target if isinstance(target, TokenVerifier) else getattr(target, "verifier", None)
    if isinstance(verifier, TokenVerifier):
        return verifier.issuers, verifier.max_token_bytes, verifier.resolver
    try:
        issuers, resolver = split_issuers(target)
        return issuers, DEFAULT_MAX_TOKEN_BYTES, resolver
    except (ValueError, TypeError):
        raise UsageError(
            f"--config {reference} is a {type(target).__name__}; it must be an Issuer, a list of them "
            "(as providers return, with an issuer resolver or not), a TokenVerifier or an AuthInfoMiddleware"
        ) from None


def read_jwks(path: str) -> dict[str, Any]:
    """A JWKS document from a file: ``{"keys": [...]}``, a list of JWKs, or one JWK."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as exc:
        raise UsageError(f"cannot read --jwks-file {path}: {exc}") from None
    if isinstance(document, list):
        document = {"keys": document}
    elif isinstance(document, dict) and "kty" in document:
        document = {"keys": [document]}
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise UsageError(f"--jwks-file {path} is not a JWKS (a JSON object with a `keys` list)")
    return document


def _jwks_file_transport(jwks: dict[str, Any], issuers: Sequence[Issuer]) -> httpx.MockTransport:
    """Answers every key request with the file's JWKS, and discovery with a document pointing to it."""
    discovered = {issuer.discovery_uri: issuer.issuer for issuer in issuers if issuer.jwks_uri is None}

    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        issuer = discovered.get(url)
        if issuer is not None:
            document = {"issuer": issuer, "jwks_uri": url.replace("openid-configuration", "jwks.json")}
            return httpx.Response(200, json=document)
        return httpx.Response(200, json=jwks)

    return httpx.MockTransport(answer)


@contextmanager
def _logging_to_stderr(verbose: bool) -> Iterator[None]:
    """Show the library's warnings (with -v, its INFO lines too) on stderr while the command runs."""
    logger = logging.getLogger("asgi_authinfo")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("asgi_authinfo %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(min(handler.level, logger.getEffectiveLevel()))
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
