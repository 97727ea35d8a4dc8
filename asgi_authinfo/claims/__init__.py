"""Claim mapping: verified JWT claims in, the normalized fields of ``AuthInfo`` out.

A mapper is a plain, pure function ``(claims) -> MappedClaims``. Presets are looked up by name
once, when an ``Issuer`` is built; a callable can be given instead of a name, or a declarative
:func:`mapping` of claim paths.
"""

from __future__ import annotations

from ._mapped import ClaimMapper, MappedClaims
from ._mapping import ClaimMapping, mapping
from ._registry import PRESETS, resolve

__all__ = ["PRESETS", "ClaimMapper", "ClaimMapping", "MappedClaims", "mapping", "resolve"]
