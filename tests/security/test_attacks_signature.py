"""Attacks on the signature and the key choice (RFC 8725 §2.1-2.2, §3.1-3.2; OWASP JWT cheat sheet).

Every hostile token is built with real keys and must be refused with its exact code, through the
verifier and through the middleware (a 4xx, never a 500 and never a pass).
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from asgi_authinfo import ALLOWED_ALGORITHMS
from pytest_plugin import FakeIssuer, SigningKey

from .conftest import AUDIENCE, Clock, Target, attacker_key, make_target
from .forge import (
    assemble,
    b64,
    curve_order,
    ec_size,
    hmac_token,
    rsa_modulus,
    sign_raw,
    split,
    unb64,
    with_signature,
)

pytestmark = pytest.mark.anyio

RS256_ONLY = pytest.mark.parametrize("algorithm", ["RS256"])
EC_ONLY = pytest.mark.parametrize("algorithm", ["ES256", "ES384", "ES512"])


def header_of(target: Target, **changes: Any) -> dict[str, Any]:
    header = {"alg": target.fake.algorithm, "typ": "JWT", "kid": target.fake.key.kid, **changes}
    return {name: value for name, value in header.items() if value is not None}


# -- alg: none, empty signature ---------------------------------------------------------------------


@RS256_ONLY
@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", "", " none"])
@pytest.mark.parametrize("signature", ["empty", "original"])
async def test_alg_none(target: Target, alg: str, signature: str) -> None:
    real = target.fake.token()
    claims = target.fake.default_claims()
    forged = assemble(header_of(target, alg=alg), claims, b"" if signature == "empty" else split(real)[2])
    await target.refuse(forged, "algorithm_not_allowed")


async def test_alg_none_with_every_algorithm_allowed(clock: Clock, network_for: Any) -> None:
    fake = FakeIssuer(audience=AUDIENCE, now=clock)
    target = await make_target(fake, network_for(fake), clock, algorithms=sorted(ALLOWED_ALGORITHMS))
    for alg in ("none", "None"):
        await target.refuse(
            assemble(header_of(target, alg=alg), fake.default_claims()), "algorithm_not_allowed"
        )
    assert target.network.requests == []  # refused from the header alone: no key was fetched


async def test_alg_missing_or_not_a_string(target: Target) -> None:
    claims = target.fake.default_claims()
    for alg in (None, 256, ["RS256"], {"alg": "RS256"}, True):
        header = {"typ": "JWT", "kid": target.fake.key.kid} | ({} if alg is None else {"alg": alg})
        await target.refuse(sign_raw(target.fake.key, header, claims), "algorithm_not_allowed")


async def test_empty_signature(target: Target) -> None:
    await target.refuse(with_signature(target.fake.token(), b""), "bad_signature")


# -- HMAC keyed with the issuer's public key ---------------------------------------------------------


def public_key_forms(key: SigningKey) -> dict[str, bytes]:
    public = key.private_key.public_key()
    forms = {
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "der": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "openssh": public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        "jwk": json.dumps(key.public_jwk).encode(),
        "jwk-sorted": json.dumps(key.public_jwk, sort_keys=True, separators=(",", ":")).encode(),
    }
    if isinstance(public, rsa.RSAPublicKey):
        forms["pem-pkcs1"] = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    return forms


@pytest.mark.parametrize("hs", ["HS256", "HS384", "HS512"])
async def test_hmac_signed_with_the_public_key(target: Target, hs: str) -> None:
    claims = target.fake.default_claims()
    for secret in public_key_forms(target.fake.key).values():
        await target.refuse(hmac_token(secret, header_of(target, alg=hs), claims), "algorithm_not_allowed")


@RS256_ONLY
async def test_hmac_with_public_key_when_every_asymmetric_algorithm_is_allowed(
    target: Target, clock: Clock
) -> None:
    fake = target.fake
    wide = await make_target(fake, target.network, clock, algorithms=sorted(ALLOWED_ALGORITHMS))
    for secret in public_key_forms(fake.key).values():
        token = hmac_token(secret, header_of(wide, alg="HS256"), fake.default_claims())
        await wide.refuse(token, "algorithm_not_allowed")
    for hs in ("HS256", "none"):
        with pytest.raises(ValueError, match="cannot be verified with JWKS public keys"):
            fake.issuer_config(algorithms=[hs])


@RS256_ONLY
async def test_hmac_key_published_in_the_jwks_is_never_used(target: Target) -> None:
    secret = public_key_forms(target.fake.key)["pem"]
    oct_key = {"kty": "oct", "k": b64(secret), "kid": "hmac", "alg": "HS256", "use": "sig"}
    target.network.jwks = {"keys": [oct_key, target.fake.key.public_jwk]}
    token = hmac_token(secret, {"alg": "RS256", "kid": "hmac"}, target.fake.default_claims(), hs="HS256")
    await target.refuse(token, "unknown_key")  # the oct key was skipped, and RS256 is not HMAC anyway
    await target.accept(target.fake.token())


# -- a right kid with a wrong key; tampering -----------------------------------------------------------


async def test_right_kid_wrong_key(target: Target) -> None:
    forged = attacker_key(target.fake.algorithm, kid=target.fake.key.kid)
    await target.refuse(target.fake.token(key=forged), "bad_signature")
    no_kid = target.fake.token(key=forged, headers={"kid": None})  # the issuer's only key is tried
    await target.refuse(no_kid, "bad_signature")


async def test_tampered_header(target: Target) -> None:
    token = target.fake.token()
    _, payload, signature = token.split(".")
    for change in ({"typ": "at+jwt"}, {"cty": "JWT"}, {"x": 1}, {"typ": None}):
        changed = header_of(target, **change)
        await target.refuse(f"{b64(json.dumps(changed).encode())}.{payload}.{signature}", "bad_signature")
    reordered = dict(reversed(list(split(token)[0].items())))
    await target.refuse(f"{b64(json.dumps(reordered).encode())}.{payload}.{signature}", "bad_signature")


async def test_tampered_payload(target: Target) -> None:
    token = target.fake.token(sub="user_1")
    header, _, signature = token.split(".")
    claims = split(token)[1]
    for change in (
        {"sub": "admin"},
        {"exp": claims["exp"] + 86400},
        {"aud": "api://admin"},
        {"role": "admin"},
    ):
        tampered = b64(json.dumps({**claims, **change}).encode())
        await target.refuse(f"{header}.{tampered}.{signature}", "bad_signature")
    spaced = b64(json.dumps(claims, indent=1).encode())  # same claims, other bytes
    await target.refuse(f"{header}.{spaced}.{signature}", "bad_signature")


async def test_tampered_signature(target: Target) -> None:
    token = target.fake.token()
    signature = split(token)[2]
    for index in (0, len(signature) // 2, len(signature) - 1):
        for bit in (0x01, 0x80):
            flipped = bytearray(signature)
            flipped[index] ^= bit
            await target.refuse(with_signature(token, bytes(flipped)), "bad_signature")
    other = target.fake.token(sub="someone-else")
    await target.refuse(
        with_signature(token, split(other)[2]), "bad_signature"
    )  # a real signature, wrong message


# -- alg swapped within and across families ---------------------------------------------------------


@pytest.fixture
async def mixed(clock: Clock, network_for: Any) -> Any:
    """One issuer publishing an RSA (RS256), an RSA (PS256), a P-256, a P-384 and an Ed25519 key."""
    fake = FakeIssuer(audience=AUDIENCE, now=clock)
    keys = {
        alg: FakeIssuer(algorithm=alg, keys=1).key for alg in ("RS256", "PS256", "ES256", "ES384", "EdDSA")
    }
    keys["PS256"] = SigningKey("ps-key", "PS256", attacker_key("PS256").private_key)
    network = network_for(fake)
    network.jwks = {"keys": [key.public_jwk for key in keys.values()]}
    target = await make_target(fake, network, clock, algorithms=sorted(ALLOWED_ALGORITHMS))
    yield target, keys
    await target.verifier.aclose()


@pytest.mark.parametrize(
    ("signer", "claimed", "kid_of"),
    [
        ("RS256", "PS256", "RS256"),  # RS -> PS on an RS256 key
        ("PS256", "RS256", "PS256"),  # PS -> RS on a PS256 key
        ("RS256", "RS512", "RS256"),  # same family, other hash
        ("RS256", "ES256", "RS256"),  # RS -> ES: an RSA kid
        ("ES256", "RS256", "ES256"),  # ES -> RS: an EC kid
        ("ES256", "ES384", "ES256"),  # ES256 -> ES384: wrong curve for the kid
        ("ES384", "ES256", "ES384"),
        ("EdDSA", "ES256", "EdDSA"),
        ("RS256", "EdDSA", "RS256"),
    ],
)
async def test_alg_swapped(mixed: Any, signer: str, claimed: str, kid_of: str) -> None:
    target, keys = mixed
    key = keys[signer]
    header = {"alg": claimed, "typ": "JWT", "kid": keys[kid_of].kid}
    await target.refuse(sign_raw(key, header, target.fake.default_claims()), "algorithm_not_allowed")
    # the same forgery signed by a key that fits the claimed alg: the kid still binds the key
    if claimed in ("RS256", "PS256", "ES256", "ES384", "EdDSA"):
        fitting = attacker_key(claimed, kid=keys[kid_of].kid)
        forged = sign_raw(fitting, header, target.fake.default_claims(), alg=claimed)
        await target.refuse(forged, "algorithm_not_allowed")
    await target.accept(sign_raw(key, {"alg": signer, "kid": key.kid}, target.fake.default_claims()))


@RS256_ONLY
async def test_alg_swapped_on_a_key_without_alg(target: Target, clock: Clock) -> None:
    """A JWK without ``alg`` fits RS and PS; a relabelled signature still does not verify."""
    jwk = {name: value for name, value in target.fake.key.public_jwk.items() if name != "alg"}
    target.network.jwks = {"keys": [jwk]}
    wide = await make_target(target.fake, target.network, clock, algorithms=["RS256", "PS256"])
    real = target.fake.token()
    relabelled = f"{b64(json.dumps(header_of(wide, alg='PS256')).encode())}.{real.split('.', 1)[1]}"
    await wide.refuse(relabelled, "bad_signature")
    await wide.refuse(
        target.fake.token(key=attacker_key("PS256", kid=target.fake.key.kid), headers={"alg": "PS256"}),
        "bad_signature",
    )


async def test_alg_not_allowed_for_the_issuer(target: Target) -> None:
    other = {"RS": "ES256", "PS": "RS256", "ES": "RS256", "Ed": "ES256"}[target.fake.algorithm[:2]]
    token = sign_raw(
        attacker_key(other, kid=target.fake.key.kid),
        header_of(target, alg=other),
        target.fake.default_claims(),
    )
    await target.refuse(token, "algorithm_not_allowed")


# -- malformed signatures: ECDSA r=s=0 and out of range, EdDSA and RSA edge values ----------------------


def ec_signatures(key: SigningKey, good: bytes) -> dict[str, bytes]:
    size = ec_size(key)
    n = curve_order(key)
    r, s = good[:size], good[size:]

    def raw(r_int: int, s_int: int) -> bytes:
        return r_int.to_bytes(size, "big") + s_int.to_bytes(size, "big")

    r_int, s_int = int.from_bytes(r, "big"), int.from_bytes(s, "big")
    signatures = {
        "r=s=0": bytes(2 * size),
        "r=0": bytes(size) + s,
        "s=0": r + bytes(size),
        "r=s=1": raw(1, 1),
        "r=s=n": raw(n, n),
        "r=n": raw(n, s_int),
        "s=n": raw(r_int, n),
        "r=s=n-1": raw(n - 1, n - 1),
        "all-ff": b"\xff" * (2 * size),
        "short": good[:-1],
        "long": good + b"\x00",
        "half": r,
        "empty-r": s,
        "der": encode_dss_signature(r_int, s_int),  # the ASN.1 form, not JOSE's r||s
        "swapped": s + r,
    }
    if r_int + n < 256**size:
        signatures["r+n"] = raw(r_int + n, s_int)
    if s_int + n < 256**size:
        signatures["s+n"] = raw(r_int, s_int + n)
    return signatures


@EC_ONLY
async def test_ecdsa_psychic_and_out_of_range_signatures(target: Target) -> None:
    token = target.fake.token()
    for name, signature in ec_signatures(target.fake.key, split(token)[2]).items():
        error = await target.refuse(with_signature(token, signature), "bad_signature")
        assert error.status == 401, name


@EC_ONLY
async def test_ecdsa_zero_signature_with_a_zero_public_key_forgery(target: Target) -> None:
    """The psychic-signature forgery (CVE-2022-21449): r=s=0 over any claims, any kid."""
    claims = {**target.fake.default_claims(), "sub": "admin", "role": "admin"}
    size = ec_size(target.fake.key)
    for kid in (target.fake.key.kid, None):
        forged = assemble(header_of(target, kid=kid), claims, bytes(2 * size))
        await target.refuse(forged, "bad_signature")


@pytest.mark.parametrize("algorithm", ["EdDSA"])
async def test_eddsa_malformed_signatures(target: Target) -> None:
    token = target.fake.token()
    good = split(token)[2]
    group_order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(good[32:], "little")
    variants = {
        "zeros": bytes(64),
        "s+L": good[:32] + (s + group_order).to_bytes(32, "little"),  # malleated: must be refused
        "short": good[:-1],
        "long": good + b"\x00",
        "identity-R": (1).to_bytes(32, "little") + bytes(32),
    }
    for signature in variants.values():
        await target.refuse(with_signature(token, signature), "bad_signature")


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
async def test_rsa_malformed_signatures(target: Target) -> None:
    token = target.fake.token()
    good = split(token)[2]
    n = rsa_modulus(target.fake.key)
    variants = {
        "zero": bytes(len(good)),
        "one": (1).to_bytes(len(good), "big"),
        "n": n.to_bytes(len(good), "big"),
        "n-1": (n - 1).to_bytes(len(good), "big"),
        "all-ff": b"\xff" * len(good),
        "short": good[1:],
        "leading-zero": b"\x00" + good,
        "one-byte": b"\x01",
    }
    for signature in variants.values():
        await target.refuse(with_signature(token, signature), "bad_signature")


# -- keys embedded in or pointed to by the header (jwk, jku, x5u, x5c) --------------------------------


def self_signed_certificate(key: SigningKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-issuer.test")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    private = key.private_key
    algorithm = None if isinstance(private, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(private, algorithm)
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def attacker_jwk(key: SigningKey) -> dict[str, Any]:
    public = key.private_key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return dict(RSAAlgorithm.to_jwk(public, as_dict=True))
    if isinstance(public, ec.EllipticCurvePublicKey):
        return dict(ECAlgorithm.to_jwk(public, as_dict=True))
    return dict(OKPAlgorithm.to_jwk(public, as_dict=True))


EMBEDDED = {
    "jwk": lambda key: {"jwk": attacker_jwk(key)},
    "jku": lambda key: {"jku": "https://attacker.example/.well-known/jwks.json"},
    "jku-same-host": lambda key: {"jku": "https://fake-issuer.test/uploads/evil-jwks.json"},
    "x5u": lambda key: {"x5u": "https://attacker.example/cert.pem"},
    "x5c": lambda key: {"x5c": [base64.b64encode(self_signed_certificate(key)).decode()]},
    "x5t": lambda key: {"x5t#S256": b64(b"\x00" * 32)},
}


@pytest.mark.parametrize("embedded", list(EMBEDDED))
async def test_embedded_or_remote_keys_are_never_used(target: Target, embedded: str) -> None:
    key = attacker_key(target.fake.algorithm)
    extra = EMBEDDED[embedded](key)
    claims = {**target.fake.default_claims(), "sub": "admin"}
    cases = [
        (key.kid, "unknown_key"),  # the attacker's own kid
        (target.fake.key.kid, "bad_signature"),  # the issuer's kid
        (None, "bad_signature"),  # no kid: the issuer's one key is tried
    ]
    for kid, code in cases:
        await target.refuse(sign_raw(key, header_of(target, kid=kid, **extra), claims), code)
    assert set(target.network.requests) == {target.fake.jwks_uri}  # nothing a token named was fetched
    # a genuine token carrying these headers is still judged by the issuer's JWKS alone
    await target.accept(target.fake.token(headers=extra))
    assert set(target.network.requests) == {target.fake.jwks_uri}


# -- kid injection --------------------------------------------------------------------------------


HOSTILE_KIDS = [
    "../../../../../../dev/null",
    "../../../../../../etc/passwd",
    "/proc/self/environ",
    "..%2f..%2f..%2fetc%2fpasswd",
    "' OR '1'='1",
    "1; DROP TABLE keys; --",
    "\" UNION SELECT 'secret' --",
    "$(id)",
    "`reboot`",
    "kid\r\nX-Injected: 1",
    "\x00",
    "nul\x00byte",
    "",
    " ",
    "ключ-🔑",
    "\ud800",
    "k" * 8000,
    "__proto__",
    "constructor",
]


@RS256_ONLY
@pytest.mark.parametrize("kid", HOSTILE_KIDS, ids=range(len(HOSTILE_KIDS)))
async def test_kid_injection(target: Target, kid: str) -> None:
    token = sign_raw(attacker_key("RS256"), header_of(target, kid=kid), target.fake.default_claims())
    error = await target.refuse(token, "unknown_key")
    assert len(error.description) < 1000
    assert all(" " <= ch <= "~" for ch in error.description)  # the kid is shown shortened and printable
    await target.accept(target.fake.token())


@RS256_ONLY
async def test_kid_not_a_string(target: Target) -> None:
    for kid in (1, 1.5, True, ["fake-rs256-0"], {"kid": "fake-rs256-0"}):
        await target.refuse(
            sign_raw(target.fake.key, header_of(target, kid=kid), target.fake.default_claims()), "malformed"
        )


@RS256_ONLY
async def test_a_flood_of_unknown_kids_costs_one_fetch_per_cooldown(target: Target, clock: Clock) -> None:
    await target.accept(target.fake.token())
    for index in range(300):
        token = sign_raw(
            attacker_key("RS256"), header_of(target, kid=f"kid-{index}"), target.fake.default_claims()
        )
        await target.refuse(token, "unknown_key")
    assert target.network.jwks_fetches == 1  # fetched less than a cooldown ago: not refetched
    clock.advance(31)
    for index in range(300):
        token = sign_raw(
            attacker_key("RS256"), header_of(target, kid=f"kid-b{index}"), target.fake.default_claims()
        )
        await target.refuse(token, "unknown_key")
    assert target.network.jwks_fetches == 2


# -- crit, typ confusion ----------------------------------------------------------------------------


@RS256_ONLY
@pytest.mark.parametrize(
    "extra",
    [
        {"crit": ["exp"], "exp": 1},
        {"crit": ["urn:example:unknown"], "urn:example:unknown": True},
        {"crit": ["b64"], "b64": True},
        {"crit": []},
        {"crit": "exp"},
        {"crit": None},
    ],
)
async def test_unknown_crit(target: Target, extra: dict[str, Any]) -> None:
    header = header_of(target) | extra
    await target.refuse(sign_raw(target.fake.key, header, target.fake.default_claims()), "malformed")


@RS256_ONLY
async def test_unencoded_payload_b64_false(target: Target) -> None:
    claims = json.dumps(target.fake.default_claims()).encode()
    header = header_of(target) | {"b64": False, "crit": ["b64"]}
    for payload in (claims, b""):
        token = f"{b64(json.dumps(header).encode())}.{b64(payload)}."
        signed = sign_raw(target.fake.key, header, payload)
        await target.refuse(token + signed.rsplit(".", 1)[1], "malformed")


@RS256_ONLY
async def test_token_type_confusion(target: Target, clock: Clock) -> None:
    """RFC 8725 §3.11 / RFC 9068: an ID token (typ JWT) is not an access token (typ at+jwt)."""
    strict = await make_target(target.fake, target.network, clock, token_type="at+jwt")
    for typ in ("JWT", None, "id_token+jwt", "at+JWT+x", 1):
        await strict.refuse(target.fake.token(headers={"typ": typ}), "wrong_token_type")
    await strict.accept(target.fake.token(headers={"typ": "at+jwt"}))
    await strict.accept(target.fake.token(headers={"typ": "application/at+jwt"}))


async def test_signature_is_bound_to_the_whole_signing_input(target: Target) -> None:
    """Moving a valid signature onto another token's header and payload never verifies."""
    first, second = target.fake.token(sub="a"), target.fake.token(sub="b")
    header1, payload1, _ = first.split(".")
    _, payload2, signature2 = second.split(".")
    await target.refuse(f"{header1}.{payload1}.{signature2}", "bad_signature")
    await target.refuse(f"{header1}.{payload2}.{first.split('.')[2]}", "bad_signature")
    assert unb64(signature2) != unb64(first.split(".")[2])
