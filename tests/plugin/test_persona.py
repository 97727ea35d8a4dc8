"""Persona: what tests write (lists, an email as impersonator) normalized to AuthInfo's terms."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from asgi_authinfo import Impersonator
from pytest_plugin import FakeIssuer, Persona


def test_lists_become_tuples_and_an_email_becomes_an_impersonator() -> None:
    persona = Persona.of(
        roles=["admin"], permissions="posts:read", impersonator="boss@example.com", custom_attributes={"a": 1}
    )
    assert persona.roles == ("admin",)
    assert persona.permissions == ("posts:read",)
    assert persona.impersonator == Impersonator(subject="boss@example.com", email="boss@example.com")
    assert persona.custom_attributes == MappingProxyType({"a": 1})
    assert Persona.of(impersonator="user_admin").impersonator == Impersonator(subject="user_admin")


def test_all_roles_puts_the_primary_role_first_once() -> None:
    assert Persona.of(role="admin", roles=["editor", "admin"]).all_roles == ("admin", "editor")


def test_as_kwargs_round_trips_the_given_fields() -> None:
    persona = Persona.of(role="admin", organization_id="org_1", custom_attributes=None)
    assert persona.as_kwargs() == {"organization_id": "org_1", "role": "admin"}
    assert Persona.of(**persona.as_kwargs()) == persona


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"rol": "admin"}, TypeError),
        ({"roles": [1]}, ValueError),
        ({"custom_attributes": ["a"]}, ValueError),
        ({"impersonator": ""}, ValueError),
    ],
)
def test_bad_fields_are_refused(fields: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        Persona.of(**fields)


def test_a_persona_describes_every_normalized_field() -> None:
    """A new ``User`` or ``MappedClaims`` field needs a ``Persona`` field, or tests cannot ask for it."""
    from dataclasses import fields

    from asgi_authinfo import MappedClaims, User
    from pytest_plugin._persona import PERSONA_FIELDS

    user = {"user_id" if f.name == "id" else f.name for f in fields(User)}
    derived = {"user", "org_prefix", "provider_role", "provider_roles"}  # the preset's, from role/roles
    mapped = {f.name for f in fields(MappedClaims)} - derived
    assert user | mapped <= set(PERSONA_FIELDS)


def test_every_profile_field_round_trips(fake_issuer: FakeIssuer) -> None:
    from asgi_authinfo.claims.oidc import PROFILE_FIELDS

    values: dict[str, object] = {name: f"{name}-value" for name in PROFILE_FIELDS}
    values.update({"email_verified": True, "phone_number_verified": False})
    auth = fake_issuer.sign_in(**values).auth_info
    assert {name: getattr(auth.user, name) for name in PROFILE_FIELDS} == values
