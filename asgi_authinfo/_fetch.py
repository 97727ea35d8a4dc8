"""Fetch a small JSON document from an issuer: bounded in time and size, redirects kept on host."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

__all__ = ["FetchError", "fetch_json"]

logger = logging.getLogger("asgi_authinfo")

MAX_BODY_BYTES: Final = 1024 * 1024
MAX_REDIRECTS: Final = 3


class FetchError(Exception):
    """The document could not be fetched or read; the message says what happened.

    ``status`` is the HTTP status when the server answered with one other than 200.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


async def fetch_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout: float,
    what: str,
    max_bytes: int = MAX_BODY_BYTES,
    headers: dict[str, str] | None = None,
) -> Any:
    """GET ``url`` and decode its JSON body, within ``timeout`` seconds overall.

    Redirects are followed only to the same scheme and host. A body over ``max_bytes`` is
    abandoned without being read further. Only ``identity`` encoding is asked for and accepted:
    the body is never inflated, so a compressed answer (a gzip bomb of a few KB that
    inflates to GBs) is refused before it costs memory.
    """
    started = time.perf_counter()
    try:
        with anyio.fail_after(timeout):
            body = await _get(client, url, max_bytes=max_bytes, headers=headers)
    except TimeoutError:
        raise _failed(what, url, f"no complete answer within {timeout:g} s", started) from None
    except httpx.HTTPError as exc:
        raise _failed(what, url, f"{type(exc).__name__}: {exc}", started) from None
    except FetchError as exc:
        raise _failed(what, url, str(exc), started, status=exc.status) from None
    except Exception as exc:  # a transport that fails in its own way must not become a 500
        raise _failed(what, url, f"{type(exc).__name__}: {exc}", started) from None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise _failed(what, url, "the body is not valid JSON", started) from None
    elapsed = _ms(started)
    logger.info(
        "fetched %s from %s in %.1f ms (%d bytes)",
        what,
        url,
        elapsed,
        len(body),
        extra={"fetch_what": what, "fetch_url": url, "duration_ms": round(elapsed, 3)},
    )
    return document


async def _get(
    client: httpx.AsyncClient, url: str, *, max_bytes: int, headers: dict[str, str] | None
) -> bytes:
    origin = urlsplit(url)
    for _ in range(MAX_REDIRECTS + 1):
        request = client.build_request(
            "GET",
            url,
            headers={"Accept": "application/json", **(headers or {}), "Accept-Encoding": "identity"},
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.is_redirect:
                target = urljoin(url, response.headers.get("location", ""))
                moved = urlsplit(target)
                if (moved.scheme, moved.netloc) != (origin.scheme, origin.netloc):
                    raise FetchError(
                        f"redirected to another host ({moved.scheme}://{moved.netloc}), not followed"
                    )
                url = target
                continue
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}", status=response.status_code)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise FetchError(
                    f"the answer is {encoding}-encoded; only identity encoding is accepted "
                    "(a compressed body could inflate past the size limit)"
                )
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"body of {declared} bytes is over the {max_bytes} byte limit")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():  # identity only (checked above): never inflated
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"body is over the {max_bytes} byte limit")
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            await response.aclose()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _failed(what: str, url: str, reason: str, started: float, *, status: int | None = None) -> FetchError:
    elapsed = _ms(started)
    logger.warning(
        "fetching %s from %s failed after %.1f ms: %s",
        what,
        url,
        elapsed,
        reason,
        extra={"fetch_what": what, "fetch_url": url, "duration_ms": round(elapsed, 3)},
    )
    return FetchError(f"fetching {what} from {url} failed: {reason}", status=status)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
