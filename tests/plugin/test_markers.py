"""Markers reach every fixture that mints for the signed-in user, merge across scopes, or fail loudly."""

from __future__ import annotations

import pytest

from .test_plugin import run

pytest_plugins = ["pytester"]


def test_token_factory_honours_the_signed_in_user_marker(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.signed_in_user(permissions=["posts:write"], role="editor")
        def test_marked(token_factory, fake_issuer, signed_in_user):
            auth = fake_issuer.verify(token_factory())
            assert auth.permissions == ("posts:write",) and auth.role == "editor"
            assert auth.subject == signed_in_user.user_id
            assert fake_issuer.verify(token_factory(role="admin")).role == "admin"
        """,
    )
    result.assert_outcomes(passed=1)


def test_module_class_and_test_markers_merge_closest_wins_per_key(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        pytestmark = pytest.mark.signed_in_user(organization_id="org_1", role="member")

        def test_module_level(signed_in_user):
            auth = signed_in_user.auth_info
            assert (auth.organization_id, auth.role) == ("org_1", "member")

        @pytest.mark.signed_in_user(email="ada@example.com")
        class TestAdmins:
            @pytest.mark.signed_in_user(role="admin")
            def test_merged(self, signed_in_user, token_factory, fake_issuer):
                auth = signed_in_user.auth_info
                assert (auth.organization_id, auth.role) == ("org_1", "admin")
                assert auth.user.email == "ada@example.com"
                assert fake_issuer.verify(token_factory()).role == "admin"
        """,
    )
    result.assert_outcomes(passed=2)


def test_a_marker_no_fixture_reads_fails_loudly(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.signed_in_user(permissions=["posts:read"])
        def test_forgot_the_fixture(fake_issuer):
            fake_issuer.token_for()

        @pytest.mark.signed_in_user(preset="clerk")
        def test_preset_only_sets_the_issuer(fake_issuer):
            assert fake_issuer.preset.name == "clerk"
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*signed_in_user(permissions=...) describes the caller*uses neither*"])
