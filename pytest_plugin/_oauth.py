"""``FakeIssuer``'s OAuth 2.0 side: register clients and users, sign a persona in at ``/authorize``.

The endpoints themselves (``/token``, ``/authorize``) are :class:`~._token_endpoint.TokenEndpoint`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._token_endpoint import Minting, OAuthClient, OAuthError, TokenEndpoint

__all__ = ["OAuthEndpoints"]


class OAuthEndpoints:
    """The fake issuer's side of its ``/token`` and ``/authorize`` endpoints (a base of ``FakeIssuer``)."""

    @property
    def issuer(self) -> str:
        raise NotImplementedError

    @cached_property
    def oauth(self) -> TokenEndpoint:
        """The registered clients and users, and the codes and refresh tokens outstanding."""
        minting: Minting = self  # type: ignore[assignment]  # FakeIssuer is one
        return TokenEndpoint(minting)

    @property
    def token_endpoint(self) -> str:
        """``{issuer}/oauth2/token`` (RFC 6749 §3.2), listed in discovery."""
        return f"{self.issuer.rstrip('/')}/oauth2/token"

    @property
    def authorization_endpoint(self) -> str:
        """``{issuer}/oauth2/authorize`` (RFC 6749 §3.1), listed in discovery."""
        return f"{self.issuer.rstrip('/')}/oauth2/authorize"

    def register_client(
        self,
        client_id: str,
        secret: str | None = None,
        *,
        scopes: str | Iterable[str] = (),
        audience: str | list[str] | None = None,
        redirect_uris: str | Iterable[str] = (),
    ) -> OAuthClient:
        """Let ``client_id`` use the token endpoint: with ``secret`` a confidential client
        (``client_credentials``, HTTP Basic or form), without one a public client (PKCE only).

        ``scopes`` are those it may ask for (all of them by default), ``audience`` the ``aud`` of its
        client-credentials tokens (default: this issuer's), ``redirect_uris`` the exact URIs
        ``/authorize`` may send codes to (none registered: any).
        """
        return self.oauth.register(
            OAuthClient(client_id, secret, _words(scopes), audience, _words(redirect_uris))
        )

    def add_user(self, login_hint: str, **persona: Any) -> None:
        """The persona ``/authorize?login_hint=<login_hint>`` signs in (``role=``, ``email=``...)."""
        self.oauth.add_user(login_hint, persona)

    def authorize(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        code_challenge: str,
        scope: str = "openid",
        state: str | None = None,
        nonce: str | None = None,
        **persona: Any,
    ) -> str:
        """Sign the described persona in at once: the ``redirect_uri`` with ``code`` and ``state``,
        as the browser would be sent back (PKCE S256; redeem the code at :attr:`token_endpoint`)."""
        params = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "scope": scope,
        }
        params.update({name: value for name, value in (("state", state), ("nonce", nonce)) if value})
        try:
            location = self.oauth.authorize(params, persona)
        except OAuthError as refused:
            raise ValueError(refused.description) from None
        answer = parse_qs(urlsplit(location).query)
        if "error" in answer:  # what the endpoint would redirect with: a test's mistake, said here
            raise ValueError(answer["error_description"][0])
        return location


def _words(value: str | Iterable[str]) -> tuple[str, ...]:
    return tuple(value.split()) if isinstance(value, str) else tuple(value)
