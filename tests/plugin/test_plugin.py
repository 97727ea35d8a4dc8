"""The plugin as users meet it: a real inner pytest run per feature (pytester), nothing imported by hand."""

from __future__ import annotations

import importlib.util

import pytest

pytest_plugins = ["pytester"]

STRICT = ("-W", "error", "--strict-markers", "-p", "no:cacheprovider", "-p", "no:randomly")

APP = """
from asgi_authinfo import AuthInfoMiddleware, get_auth

seen = []


async def app(scope, receive, send):
    seen.append(get_auth(scope))
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def client_for(asgi_app):
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://testserver")
"""


CONFTEST = """
import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(inner_app=APP)
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest(*STRICT, *args)


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.signed_in_user(**fields):*", "@pytest.mark.fake_issuer(**options):*"]
    )


def test_fixtures_need_no_import(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.signed_in_user(role="admin")
        @pytest.mark.fake_issuer(audience="api://orders")
        def test_all_fixtures(fake_issuer, make_fake_issuer, token_factory, signed_in_user, signed_out_user,
                              auth_clock):
            assert fake_issuer.started and fake_issuer.issuer == "https://fake-issuer.test"
            assert token_factory(role="member").count(".") == 2
            assert signed_in_user.auth_info.role == "admin"
            assert signed_in_user.auth_info.issuer == fake_issuer.issuer
            assert signed_out_user.headers == {} and signed_out_user.auth_info.user is None
            assert fake_issuer.now is auth_clock
        """,
    )
    result.assert_outcomes(passed=1)


def test_fake_issuer_marker_and_several_issuers(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from asgi_authinfo import AuthError, TokenVerifier

        @pytest.mark.fake_issuer(algorithm="ES256", audience="api://orders", keys=2)
        def test_configured(fake_issuer):
            assert fake_issuer.issuer_config().algorithms == ("ES256",)
            assert fake_issuer.issuer_config().audience == ("api://orders",)
            assert len(fake_issuer.jwks["keys"]) == 2

        @pytest.mark.anyio
        async def test_several(make_fake_issuer):
            first, second, clerk = make_fake_issuer(), make_fake_issuer(), make_fake_issuer(preset="clerk")
            assert len({first.issuer, second.issuer, clerk.issuer}) == 3
            verifier = TokenVerifier([second.issuer_config()])
            assert (await verifier.verify(second.token())).issuer == second.issuer
            forged = first.token(iss=second.issuer)
            for token, code in [(first.token(), "unknown_issuer"), (forged, "bad_signature")]:
                with pytest.raises(AuthError) as refused:
                    await verifier.verify(token)
                assert refused.value.code == code
            await verifier.aclose()
            assert second.jwks_fetches == 1 and first.jwks_fetches == 0
        """,
    )
    result.assert_outcomes(passed=2)


def test_fake_issuers_beside_the_users_respx_mock(pytester: pytest.Pytester) -> None:
    """Several fixture-made fake issuers and respx's own ``respx_mock`` fixture in one test: each
    answers its own URLs, and a URL neither mocks fails as respx does."""
    result = run(
        pytester,
        """
        import httpx
        import pytest
        import respx

        @pytest.mark.anyio
        async def test_all_answer(make_fake_issuer, respx_mock):
            first = make_fake_issuer()
            respx_mock.get("https://api.example.com/orders").respond(json={"orders": []})
            second = make_fake_issuer(preset="clerk")
            async with httpx.AsyncClient() as client:
                assert (await client.get("https://api.example.com/orders")).json() == {"orders": []}
                assert (await client.get(first.jwks_uri)).json() == first.jwks
                assert (await client.get(second.jwks_uri)).json() == second.jwks
                with pytest.raises(respx.models.AllMockedAssertionError):
                    await client.get("https://unknown.example.com/")
            assert (first.jwks_fetches, second.jwks_fetches) == (1, 1)

        @pytest.mark.anyio
        @respx.mock(assert_all_called=False)
        async def test_decorated(respx_mock, fake_issuer):
            respx_mock.get("https://api.example.com/orders").respond(json={"orders": []})
            async with httpx.AsyncClient() as client:
                assert (await client.get(fake_issuer.jwks_uri)).json() == fake_issuer.jwks
                assert (await client.get("https://api.example.com/orders")).json() == {"orders": []}
        """,
    )
    result.assert_outcomes(passed=2)


def test_signed_in_user_marker_with_presets(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from asgi_authinfo import AuthInfoMiddleware, Cookie
        from inner_app import app, client_for, seen

        @pytest.mark.anyio
        @pytest.mark.signed_in_user(
            preset="clerk", role="admin", organization_id="org_2x", permissions=["posts:read"],
            impersonator="support@example.com",
        )
        async def test_clerk_admin(signed_in_user, fake_issuer):
            assert fake_issuer.preset.name == "clerk"
            config = fake_issuer.issuer_config()
            middleware = AuthInfoMiddleware(app, issuers=[config], token_sources=[Cookie()])
            async with client_for(middleware) as client:
                client.cookies.update(signed_in_user.cookies)
                assert (await client.get("/")).status_code == 200
            assert seen[-1] == signed_in_user.auth_info
            auth = signed_in_user.auth_info
            assert auth.has(role="admin") and auth.has(permission="posts:read")
            assert auth.impersonator.email == "support@example.com"
            assert signed_in_user.user_id == signed_in_user.claims["sub"]
            assert signed_in_user.session_id == signed_in_user.claims["sid"]

        @pytest.mark.signed_in_user(preset="workos", organization_id="org_01", role="member")
        class TestWorkOS:
            def test_member(self, signed_in_user):
                assert signed_in_user.claims["iss"].startswith("https://api.workos.com/user_management/")
                assert signed_in_user.auth_info.role == "member"

            @pytest.mark.signed_in_user(preset="workos", role="admin", email="ada@example.com")
            def test_closest_marker_wins(self, signed_in_user):
                assert signed_in_user.auth_info.role == "admin"
                assert signed_in_user.auth_info.user.email == "ada@example.com"

        @pytest.mark.signed_in_user("admin")
        def test_positional_marker_args_are_refused(signed_in_user):
            pass

        @pytest.mark.fake_issuer(preset="workos")
        @pytest.mark.signed_in_user(preset="clerk")
        def test_disagreeing_presets_are_refused(signed_in_user):
            pass

        @pytest.mark.signed_in_user(preset="authgear", organization_id="org_1")
        def test_what_the_provider_cannot_say_is_refused(signed_in_user):
            pass
        """,
    )
    result.assert_outcomes(passed=3, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*TypeError: @pytest.mark.signed_in_user takes keyword arguments only*",
            "*ValueError: @pytest.mark.fake_issuer(preset='workos') and *(preset='clerk') disagree",
            "*ValueError: authgear tokens have no claim for organization_id*",
        ]
    )


def test_expiry_without_sleeping(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from asgi_authinfo import AuthInfoMiddleware
        from inner_app import app, client_for

        @pytest.mark.anyio
        async def test_token_expires_when_the_clock_moves(fake_issuer, token_factory, auth_clock):
            middleware = AuthInfoMiddleware(app, verifier=fake_issuer.verifier())
            headers = {"Authorization": f"Bearer {token_factory()}"}
            async with client_for(middleware) as client:
                assert (await client.get("/", headers=headers)).status_code == 200
                auth_clock.advance(fake_issuer.lifetime + 10)
                refused = await client.get("/", headers=headers)
            assert refused.status_code == 401 and refused.json()["error_code"] == "expired"

        @pytest.mark.anyio
        async def test_already_expired_token(fake_issuer, token_factory):
            middleware = AuthInfoMiddleware(app, issuers=[fake_issuer.issuer_config()])
            expired = {"Authorization": f"Bearer {token_factory(expires_in=-60)}"}
            async with client_for(middleware) as client:
                assert (await client.get("/", headers=expired)).json()["error_code"] == "expired"
        """,
    )
    result.assert_outcomes(passed=2)


def test_starlette_app_admin_member_expired(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from starlette.applications import Starlette
        from starlette.authentication import requires
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
        from asgi_authinfo import AuthInfoMiddleware
        from inner_app import client_for

        @requires("admin")
        async def delete_order(request):
            return PlainTextResponse("deleted")

        @pytest.mark.anyio
        @pytest.mark.parametrize(
            ("role", "expires_in", "status"), [("admin", 300, 200), ("member", 300, 403), ("admin", -60, 401)]
        )
        async def test_only_admins_delete(fake_issuer, token_factory, role, expires_in, status):
            app = AuthInfoMiddleware(Starlette(routes=[Route("/orders/1", delete_order, methods=["DELETE"])]),
                                     issuers=[fake_issuer.issuer_config()])
            token = token_factory(role=role, expires_in=expires_in)
            async with client_for(app) as client:
                response = await client.delete("/orders/1", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == status
        """,
    )
    result.assert_outcomes(passed=3)


def test_invalid_tokens_property_through_the_real_middleware(pytester: pytest.Pytester) -> None:
    """Done-when: every draw of invalid_tokens is refused by the real middleware with its label."""
    result = run(
        pytester,
        """
        from collections import Counter

        import pytest
        from hypothesis import HealthCheck, given, settings
        from asgi_authinfo import AuthInfoMiddleware
        from pytest_plugin import FakeIssuer
        from pytest_plugin.strategies import invalid_tokens
        from inner_app import app, client_for

        ISSUER = FakeIssuer(audience="api://orders", keys=2)
        RULES = dict(
            authorized_parties=["https://app.example"], token_type="at+jwt", required_claims=["email"]
        )
        MIDDLEWARE = AuthInfoMiddleware(app, verifier=ISSUER.verifier(**RULES))
        KINDS = Counter()

        @pytest.mark.anyio
        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(bad=invalid_tokens(ISSUER, config=ISSUER.issuer_config(**RULES)))
        async def test_refused_with_the_labelled_code(bad):
            async with client_for(MIDDLEWARE) as client:
                response = await client.get("/", headers=bad.headers)
            assert response.status_code == 401, bad
            assert response.json()["error_code"] == bad.code, bad
            KINDS[bad.kind] += 1

        def test_many_kinds_were_drawn():
            assert len(KINDS) >= 10, KINDS
        """,
    )
    result.assert_outcomes(passed=2)


def test_from_type_auth_info(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from hypothesis import HealthCheck, given, settings, strategies as st
        from asgi_authinfo import AuthInfo

        @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.from_type(AuthInfo))
        def test_auth_info(auth):
            assert auth.user.id == auth.subject
        """,
    )
    result.assert_outcomes(passed=1)


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist is not installed")
def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize("role", ["admin", "member", "viewer", "owner"])
        def test_signed_in(fake_issuer, token_factory, role):
            token = token_factory(role=role)
            assert fake_issuer.sign_in(role=role).auth_info.role == role

        @pytest.mark.signed_in_user(preset="clerk", organization_id="org_1", role="admin")
        def test_marker(signed_in_user):
            assert signed_in_user.auth_info.has(role="admin")
        """,
        "-p",
        "xdist",
        "-n",
        "2",
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*2 workers*"])


@pytest.mark.skipif(importlib.util.find_spec("trio") is None, reason="trio is not installed")
def test_works_under_trio_through_anyio(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from asgi_authinfo import AuthInfoMiddleware
        from inner_app import app, client_for, seen

        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request):
            return request.param

        @pytest.mark.anyio
        @pytest.mark.signed_in_user(role="admin")
        async def test_signed_in(signed_in_user, fake_issuer, anyio_backend):
            middleware = AuthInfoMiddleware(app, issuers=[fake_issuer.issuer_config()])
            async with client_for(middleware) as client:
                assert (await client.get("/", headers=signed_in_user.headers)).status_code == 200
            assert seen[-1] == signed_in_user.auth_info
            assert fake_issuer.jwks_fetches == 1
        """,
    )
    result.assert_outcomes(passed=2)
