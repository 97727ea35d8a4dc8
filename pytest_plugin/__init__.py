"""The asgi-authinfo pytest plugin: a fake issuer with real keys, token factories and fixtures.

Registered through the ``pytest11`` entry point ``asgi_authinfo``: the fixtures (``fake_issuer``,
``make_fake_issuer``, ``token_factory``, ``signed_in_user``, ``signed_out_user``, ``auth_clock``)
need no import. Hypothesis strategies are in :mod:`pytest_plugin.strategies`.
"""

from __future__ import annotations

from ._assertions import assert_refused, assert_signed_in
from ._callers import SignedInUser, SignedOutUser, TokenFactory
from ._clock import Clock
from ._dpop import DpopAuth, DpopKey, dpop_key, dpop_proof
from ._endpoints import RecordedRequest
from ._fake_issuer import DEFAULT_ISSUER, FakeIssuer
from ._keys import ALGORITHMS, SigningKey
from ._persona import Persona
from ._plugin import FakeIssuerFactory
from ._presets import PRESETS, Preset, get_preset
from ._token_endpoint import OAuthClient, code_challenge

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ISSUER",
    "PRESETS",
    "Clock",
    "DpopAuth",
    "DpopKey",
    "FakeIssuer",
    "FakeIssuerFactory",
    "OAuthClient",
    "Persona",
    "Preset",
    "RecordedRequest",
    "SignedInUser",
    "SignedOutUser",
    "SigningKey",
    "TokenFactory",
    "assert_refused",
    "assert_signed_in",
    "code_challenge",
    "dpop_key",
    "dpop_proof",
    "get_preset",
]

# The hooks and fixtures live in ``_plugin``; pytest registers it when it loads this package.
pytest_plugins = ["pytest_plugin._plugin"]
