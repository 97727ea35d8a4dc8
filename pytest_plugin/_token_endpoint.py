"""A fake issuer's OAuth 2.0 endpoints: ``/oauth2/token`` and ``/oauth2/authorize`` (RFC 6749, PKCE).

Grants: ``client_credentials`` (a registered client, authenticated by HTTP Basic or by form fields),
``authorization_code`` with PKCE S256 (RFC 7636; the code is issued at once, for a chosen persona,
to the registered ``redirect_uri``; single use) and ``refresh_token``. Tokens are minted by the fake
issuer, so its ``issuer_config()`` accepts them. Errors are RFC 6749 §5.2 JSON.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from ._persona import Persona
from ._presets import Preset

__all__ = [
    "CODE_LIFETIME",
    "GRANT_TYPES",
    "AuthorizationCode",
    "Minting",
    "OAuthClient",
    "OAuthError",
    "TokenEndpoint",
    "code_challenge",
]

CODE_LIFETIME: Final = 60
"""Seconds an authorization code stays redeemable."""
GRANT_TYPES: Final = ("authorization_code", "client_credentials", "refresh_token")
_Reply = tuple[int, dict[str, Any] | None]


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: ``invalid_client`` is a 401, the others a 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def reply(self) -> _Reply:
        status = 401 if self.error == "invalid_client" else 400
        return status, {"error": self.error, "error_description": self.description}


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """A client registered with a fake issuer; ``secret=None`` makes it public (PKCE only)."""

    client_id: str
    secret: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    audience: str | list[str] | None = None
    redirect_uris: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """What ``/authorize`` granted, kept until the code is redeemed (once) or expires."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    persona: Mapping[str, Any]
    scope: str
    nonce: str | None
    expires_at: float


class Minting(Protocol):
    """What the endpoints need of a fake issuer: its clock, lifetime, audience and minting."""

    now: Callable[[], float]
    lifetime: int
    preset: Preset

    @property
    def issuer(self) -> str: ...
    @property
    def audience(self) -> str | list[str] | None: ...
    def token(self, **claims: Any) -> str: ...
    def token_for(self, *, claims: Mapping[str, Any] | None = ..., **persona: Any) -> str: ...


def code_challenge(verifier: str) -> str:
    """The PKCE S256 ``code_challenge`` of ``verifier`` (RFC 7636 §4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


_OIDC_SCOPES: Final = frozenset({"openid", "profile", "email", "address", "phone", "offline_access"})
"""What ``/authorize`` grants any client (OpenID Connect Core §5.4, §11): the user's, not the API's."""
_VERIFIER: Final = re.compile(r"[A-Za-z0-9._~-]{43,128}")
"""A PKCE ``code_verifier`` (RFC 7636 §4.1: unreserved characters, 43 to 128 of them)."""


def _check_scopes(client: OAuthClient, requested: list[str]) -> None:
    """``invalid_scope`` for a scope outside the client's registered ones (none registered: any)."""
    refused = [scope for scope in requested if client.scopes and scope not in client.scopes]
    if refused:
        raise OAuthError(
            "invalid_scope",
            f"client {client.client_id!r} may not request {', '.join(refused)} "
            f"(registered scopes: {', '.join(client.scopes)})",
        )


def _single(params: Mapping[str, list[str]]) -> dict[str, str]:
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if repeated:  # RFC 6749 §3.1, §3.2
        raise OAuthError("invalid_request", f"parameters sent more than once: {', '.join(repeated)}")
    return {name: values[0] for name, values in params.items()}


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise OAuthError("invalid_request", f"the request has no {name}")
    return value


class TokenEndpoint:
    """The registered clients, personas, outstanding codes and refresh tokens of one fake issuer."""

    def __init__(self, issuer: Minting) -> None:
        self._issuer = issuer
        self.clients: dict[str, OAuthClient] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._refresh: dict[str, AuthorizationCode] = {}
        self._lock = threading.Lock()

    # -- set-up ----------------------------------------------------------------------------

    def register(self, client: OAuthClient) -> OAuthClient:
        if not client.client_id:
            raise ValueError("client_id must be a non-empty string")
        self.clients[client.client_id] = client
        return client

    def add_user(self, login_hint: str, persona: Mapping[str, Any]) -> None:
        self._check(persona)
        self.users[login_hint] = dict(persona)

    def _check(self, persona: Mapping[str, Any]) -> None:
        """Fail now, not at the first sign-in, for a persona the preset cannot mint."""
        self._issuer.preset.encode(Persona.of(**persona))

    def persona_for(self, login_hint: str | None) -> dict[str, Any]:
        """The persona ``login_hint`` names: an added user, else a user with that id (or email)."""
        if not login_hint:
            return {}
        if login_hint in self.users:
            return dict(self.users[login_hint])
        if "@" in login_hint and "email" in self._issuer.preset.supports:
            return {"email": login_hint}
        return {"user_id": login_hint}

    # -- /authorize ------------------------------------------------------------------------

    def authorize(self, params: Mapping[str, str], persona: Mapping[str, Any]) -> str:
        """The URL ``/authorize`` redirects to: the ``redirect_uri`` with ``code`` (or ``error``) and
        ``state``. Raises :class:`OAuthError` when it must not redirect (unknown client or URI)."""
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            raise OAuthError("invalid_client", self._unknown(params.get("client_id")))
        redirect_uri = _required(params, "redirect_uri")
        if client.redirect_uris and redirect_uri not in client.redirect_uris:
            raise OAuthError(
                "invalid_request",
                f"redirect_uri {redirect_uri!r} is not registered for client {client.client_id!r} "
                f"(registered: {', '.join(client.redirect_uris)})",
            )
        answer = {"state": params["state"]} if "state" in params else {}
        try:
            code = self._grant(client, redirect_uri, params, persona)
        except OAuthError as refused:
            answer = {"error": refused.error, "error_description": refused.description, **answer}
        else:
            answer = {"code": code, **answer}
        answer["iss"] = self._issuer.issuer  # RFC 9207
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return redirect_uri + separator + urlencode(answer)

    def _grant(
        self, client: OAuthClient, redirect_uri: str, params: Mapping[str, str], persona: Mapping[str, Any]
    ) -> str:
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "this fake issuer answers response_type=code only")
        challenge = _required(params, "code_challenge")
        if params.get("code_challenge_method") != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256 (PKCE, RFC 7636)")
        scope = params.get("scope") or "openid"
        _check_scopes(client, [name for name in scope.split() if name not in _OIDC_SCOPES])
        try:
            self._check(persona)
        except (TypeError, ValueError) as error:
            raise OAuthError("invalid_request", f"the persona cannot sign in: {error}") from None
        code = secrets.token_urlsafe(32)
        grant = AuthorizationCode(
            client.client_id,
            redirect_uri,
            challenge,
            dict(persona),
            scope,
            params.get("nonce"),
            self._issuer.now() + CODE_LIFETIME,
        )
        with self._lock:
            self._codes[code] = grant
        return code

    def answer_authorize(self, query: str) -> _Reply:
        """GET ``/authorize``: a 302 to the client (``login_hint`` picks the persona), or a 400."""
        try:
            params = _single(parse_qs(query, keep_blank_values=True))
            location = self.authorize(params, self.persona_for(params.get("login_hint")))
        except OAuthError as refused:  # never redirected: an error page (RFC 6749 §4.1.2.1)
            return 400, refused.reply()[1]
        return 302, {"location": location}

    # -- /token ----------------------------------------------------------------------------

    def answer_token(self, method: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        """POST ``/token`` with a form body: tokens, or an RFC 6749 §5.2 error."""
        if method != "POST":
            return 405, {"error": "invalid_request", "error_description": "the token endpoint takes POST"}
        try:
            params = _single(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
            grant_type = _required(params, "grant_type")
            if grant_type not in GRANT_TYPES:
                raise OAuthError(
                    "unsupported_grant_type",
                    f"grant_type {grant_type!r} is not supported; use {', '.join(GRANT_TYPES)}",
                )
            client = self._client(headers, params, public_ok=grant_type != "client_credentials")
            if grant_type == "client_credentials":
                return 200, self._client_credentials(client, params)
            if grant_type == "refresh_token":
                return 200, self._tokens(self._redeem(self._refresh, client, params, "refresh_token"))
            grant = self._redeem(self._codes, client, params, "code")
            self._check_code(grant, params)
            return 200, self._tokens(grant)
        except OAuthError as refused:
            return refused.reply()

    def _unknown(self, client_id: str | None) -> str:
        return (
            f"unknown client {client_id!r}: register it first with "
            "fake_issuer.register_client(client_id, secret, scopes=[...])"
        )

    def _client(self, headers: Mapping[str, str], params: dict[str, str], *, public_ok: bool) -> OAuthClient:
        """The authenticated client (RFC 6749 §2.3.1: HTTP Basic or form fields, not both)."""
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        form_secret = params.pop("client_secret", None)
        if scheme.lower() == "basic":
            if form_secret is not None:
                raise OAuthError("invalid_request", "send client credentials once: HTTP Basic or the form")
            try:
                client_id, _, secret = base64.b64decode(credentials, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise OAuthError("invalid_client", "the Basic credentials are not base64") from None
            # RFC 6749 §2.3.1 form-encodes both before Basic; httpx, requests and Authlib send them raw
            client_id = client_id if client_id in self.clients else unquote_plus(client_id)
            given: str | None = secret
            registered = self.clients.get(client_id)
            if registered is not None and registered.secret is not None and secret != registered.secret:
                given = unquote_plus(secret)
            if params.get("client_id", client_id) != client_id:
                raise OAuthError("invalid_request", "client_id differs from the Basic credentials")
        else:
            client_id, given = params.get("client_id", ""), form_secret
        client = self.clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", self._unknown(client_id or None))
        if client.secret is None:
            if not public_ok:
                raise OAuthError(
                    "unauthorized_client",
                    f"client {client_id!r} is public (no secret): it cannot use this grant",
                )
            return client
        if given is None or not secrets.compare_digest(given.encode(), client.secret.encode()):
            raise OAuthError(
                "invalid_client", f"client {client_id!r} did not authenticate: wrong or no secret"
            )
        return client

    def _client_credentials(self, client: OAuthClient, params: Mapping[str, str]) -> dict[str, Any]:
        requested = params.get("scope", "").split()
        _check_scopes(client, requested)
        audience = client.audience if client.audience is not None else self._issuer.audience
        wanted = params.get("audience")  # Auth0's parameter: it must name the client's API
        if wanted is not None and wanted not in ([audience] if isinstance(audience, str) else audience or []):
            raise OAuthError(
                "invalid_request", f"audience {wanted!r} is not registered for {client.client_id!r}"
            )
        scope = " ".join(requested or client.scopes)
        token = self._issuer.token(
            sub=client.client_id,
            aud=audience,
            azp=client.client_id,
            client_id=client.client_id,
            gty="client-credentials",
            scope=scope or None,
            sid=None,
        )
        return self._answer(token, scope)

    def _redeem(
        self, store: dict[str, AuthorizationCode], client: OAuthClient, params: Mapping[str, str], name: str
    ) -> AuthorizationCode:
        value = _required(params, name)
        with self._lock:
            grant = store.pop(value, None)  # single use, whoever asks
        if grant is None:
            raise OAuthError("invalid_grant", f"the {name} is unknown or was already used")
        if grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", f"the {name} was issued to another client")
        if name == "code" and grant.expires_at <= self._issuer.now():
            raise OAuthError("invalid_grant", f"the code expired (codes live {CODE_LIFETIME} s)")
        return grant

    def _check_code(self, grant: AuthorizationCode, params: Mapping[str, str]) -> None:
        if params.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError(
                "invalid_grant", "redirect_uri differs from the one of the authorization request"
            )
        verifier = params.get("code_verifier")
        if verifier is None:
            raise OAuthError(
                "invalid_grant", "the request has no code_verifier (the code was issued with PKCE)"
            )
        if _VERIFIER.fullmatch(verifier) is None:
            raise OAuthError(
                "invalid_request",
                "code_verifier must be 43 to 128 of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)",
            )
        if not secrets.compare_digest(code_challenge(verifier), grant.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge (S256)")

    def _tokens(self, grant: AuthorizationCode) -> dict[str, Any]:
        """An access token (and an ID token for ``openid``, and a refresh token) for the persona."""
        fake, client_id = self._issuer, grant.client_id
        granted = {"scopes": grant.scope.split()} if "scopes" in fake.preset.supports else {}
        persona = {**granted, **grant.persona}
        access = fake.token_for(claims={"azp": client_id, "client_id": client_id}, **persona)
        answer = self._answer(access, grant.scope)
        if "openid" in grant.scope.split():
            id_claims = {"aud": client_id, "azp": client_id, "nonce": grant.nonce, "scope": None, "scp": None}
            answer["id_token"] = fake.token_for(claims=id_claims, **grant.persona)
        refresh = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[refresh] = grant
        answer["refresh_token"] = refresh
        return answer

    def _answer(self, access_token: str, scope: str) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self._issuer.lifetime,
        }
        if scope:
            answer["scope"] = scope
        return answer
