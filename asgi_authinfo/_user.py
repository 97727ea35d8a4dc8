"""Who the token is about: ``User`` (also ``scope["user"]``), ``AnonymousUser``, ``Impersonator``.

Pure values: nothing here knows about ASGI, HTTP or JWT verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from ._frozen import empty

__all__ = ["ANONYMOUS_USER", "Address", "AnonymousUser", "Impersonator", "User"]


@dataclass(frozen=True, slots=True)
class Address:
    """The OIDC ``address`` claim (OpenID Connect Core §5.1.1): each member as sent, else None."""

    formatted: str | None = None
    street_address: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in user. Also what ``scope["user"]`` holds, so it speaks Starlette's user API."""

    id: str
    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    phone_number: str | None = None
    phone_number_verified: bool | None = None
    is_anonymous: bool = False
    custom_attributes: Mapping[str, Any] = field(default_factory=empty, hash=False)
    middle_name: str | None = None
    nickname: str | None = None
    preferred_username: str | None = None
    profile: str | None = None
    website: str | None = None
    gender: str | None = None
    birthdate: str | None = None
    zoneinfo: str | None = None
    locale: str | None = None
    address: Address | None = None
    updated_at: datetime | None = None

    @property
    def is_authenticated(self) -> Literal[True]:
        return True

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.given_name, self.family_name) if part)
        return self.name or full or self.email or self.id

    @property
    def identity(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class AnonymousUser:
    """What ``scope["user"]`` holds when nobody is signed in (Starlette's ``UnauthenticatedUser``).

    It has ``User``'s fields, all ``None`` (as ``NoAuthInfo`` has ``AuthInfo``'s), so templates and
    handlers may read ``request.user.name`` signed in or not.
    """

    id: None = field(default=None, init=False, repr=False)
    email: None = field(default=None, init=False, repr=False)
    email_verified: None = field(default=None, init=False, repr=False)
    name: None = field(default=None, init=False, repr=False)
    given_name: None = field(default=None, init=False, repr=False)
    family_name: None = field(default=None, init=False, repr=False)
    picture: None = field(default=None, init=False, repr=False)
    phone_number: None = field(default=None, init=False, repr=False)
    phone_number_verified: None = field(default=None, init=False, repr=False)
    is_anonymous: Literal[True] = field(default=True, init=False, repr=False)
    custom_attributes: Mapping[str, Any] = field(default_factory=empty, init=False, repr=False, hash=False)
    middle_name: None = field(default=None, init=False, repr=False)
    nickname: None = field(default=None, init=False, repr=False)
    preferred_username: None = field(default=None, init=False, repr=False)
    profile: None = field(default=None, init=False, repr=False)
    website: None = field(default=None, init=False, repr=False)
    gender: None = field(default=None, init=False, repr=False)
    birthdate: None = field(default=None, init=False, repr=False)
    zoneinfo: None = field(default=None, init=False, repr=False)
    locale: None = field(default=None, init=False, repr=False)
    address: None = field(default=None, init=False, repr=False)
    updated_at: None = field(default=None, init=False, repr=False)

    @property
    def is_authenticated(self) -> Literal[False]:
        return False

    @property
    def display_name(self) -> str:
        return ""

    @property
    def identity(self) -> str:
        return ""


ANONYMOUS_USER: Final = AnonymousUser()


@dataclass(frozen=True, slots=True)
class Impersonator:
    """Who is acting as the user, from the ``act`` claim (RFC 8693): WorkOS, Clerk ``actor``."""

    subject: str
    email: str | None = None
    reason: str | None = None
