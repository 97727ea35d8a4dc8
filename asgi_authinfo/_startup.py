"""Start-up checks: every issuer's discovery and keys fetched now, concurrently, in bounded time,
so a mistyped issuer or an unreachable JWKS shows in the log at start, not on a customer's call."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import anyio

from ._errors import AuthError
from ._issuer_keys import IssuerKeys

__all__ = ["DEFAULT_STARTUP_TIMEOUT", "IssuerCheck", "StartupCheckError", "check_issuers"]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_STARTUP_TIMEOUT: Final = 10.0
"""Seconds the checks of all issuers may take together; an issuer still fetching then fails."""


@dataclass(frozen=True, slots=True)
class IssuerCheck:
    """What the start-up check found for one issuer: its usable keys, or why it has none."""

    issuer: str
    keys: int = 0
    algorithms: tuple[str, ...] = ()
    jwks_uri: str | None = None
    error: str | None = None


class StartupCheckError(RuntimeError):
    """``strict_startup``: an issuer's discovery or keys could not be fetched at start-up."""


async def check_issuers(
    issuer_keys: Iterable[IssuerKeys], *, strict: bool = False, timeout: float = DEFAULT_STARTUP_TIMEOUT
) -> tuple[IssuerCheck, ...]:
    """Fetch the keys of each issuer (through discovery when needed) and log one line per issuer.

    Failures are logged at WARNING; with ``strict`` they raise :class:`StartupCheckError` naming
    each issuer and its reason. Multi-tenant issuers whose key URL is a template are not fetched.
    """
    targets = [keys for keys in issuer_keys if "{" not in (keys.issuer.jwks_uri or "")]
    results: dict[int, IssuerCheck] = {}

    async def check(index: int, keys: IssuerKeys) -> None:
        results[index] = await _check(keys)

    with anyio.move_on_after(timeout):
        async with anyio.create_task_group() as group:
            for index, keys in enumerate(targets):
                group.start_soon(check, index, keys)
    checks = tuple(
        results.get(index) or IssuerCheck(keys.issuer.issuer, error=f"no answer within {timeout:g} s")
        for index, keys in enumerate(targets)
    )
    for found in checks:
        if found.error is None:
            logger.info(
                "issuer %s: %d signing keys (%s) from %s",
                found.issuer,
                found.keys,
                ", ".join(found.algorithms) or "any allowed algorithm",
                found.jwks_uri,
            )
        else:
            logger.warning("issuer %s: start-up check failed: %s", found.issuer, found.error)
    failed = [found for found in checks if found.error is not None]
    if strict and failed:
        raise StartupCheckError(
            "start-up check failed: " + "; ".join(f"issuer {found.issuer}: {found.error}" for found in failed)
        )
    return checks


async def _check(keys: IssuerKeys) -> IssuerCheck:
    issuer = keys.issuer
    try:
        jwks = await keys.jwks()
    except AuthError as error:
        return IssuerCheck(issuer.issuer, error=f"discovery failed: {error.description}")
    failure: AuthError | None = None
    try:
        await jwks.key_for(None, issuer.algorithms[0], issuer=issuer.issuer)  # fetches when not fresh
    except AuthError as error:
        failure = error  # without a kid several keys are ambiguous: only an empty set fails
    found = jwks.keys
    if not found:
        reason = failure.description if failure is not None else "the key set is empty"
        return IssuerCheck(issuer.issuer, jwks_uri=jwks.uri, error=reason)
    algorithms = sorted({key.alg for key in found if key.alg is not None})
    return IssuerCheck(issuer.issuer, len(found), tuple(algorithms), jwks.uri)
