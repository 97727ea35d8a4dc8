"""``benchmarks/soak.py``: its scenario table, command line and loopback issuer (no timing here)."""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from pytest_plugin import FakeIssuer

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def soak(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``benchmarks/soak.py`` imported as its script sees its siblings; they are unloaded after."""
    before = set(sys.modules)
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import soak

    yield soak
    for name in set(sys.modules) - before:
        if str(BENCHMARKS) in str(getattr(sys.modules[name], "__file__", "") or ""):
            del sys.modules[name]


def test_every_scenario_of_the_issue_is_in_the_table(soak: ModuleType) -> None:
    assert list(soak.SCENARIOS) == ["stale-keys", "gzip-bomb", "rotation", "users"]
    assert all(inspect.iscoroutinefunction(run) for run in soak.SCENARIOS.values())


def test_command_line(soak: ModuleType) -> None:
    default = soak.parse_args([])
    assert (default.quick, default.only, default.profile) == (False, None, False)
    assert default.output == BENCHMARKS / "results" / "soak.md"
    picked = soak.parse_args(["--quick", "--only", "rotation", "--only", "users"])
    assert (picked.quick, picked.only) == (True, ["rotation", "users"])


def test_an_unknown_scenario_is_refused(soak: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        soak.parse_args(["--only", "nope"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_quick_mode_loads_for_well_under_two_minutes(soak: ModuleType) -> None:
    quick = soak.QUICK
    loaded = (
        5 * quick.rounds * quick.slice_seconds  # stale keys: five arms
        + 2 * max(2, quick.rounds // 3) * quick.slice_seconds * 4  # gzip bomb
        + quick.rotation_seconds
        + 2 * quick.rounds * quick.slice_seconds * 2  # 1,000 users
    )
    assert loaded < 60  # the rest of the two minutes: starting workers and warming them
    for settings in (quick, soak.FULL):  # the early refetch after each rotation falls inside the run
        assert settings.rotations[0] < 5 < settings.rotation_seconds - 1
        assert max(settings.rotations) + 5 < settings.rotation_seconds


@pytest.mark.anyio
async def test_the_loopback_issuer_serves_each_route_in_its_own_mode(soak: ModuleType) -> None:
    from _soak_issuer import SoakIssuer

    fake = FakeIssuer()
    issuer = SoakIssuer(fake)
    await issuer.start()
    try:
        uri = issuer.route("plain")
        with pytest.raises(ValueError, match="unknown mode"):
            issuer.set_mode("plain", "flaky")
        async with httpx.AsyncClient() as client:
            answer = await client.get(uri)
            missing = await client.get(uri.replace("/plain/", "/other/"))
        assert json.loads(answer.content) == fake.jwks
        assert missing.status_code == 404
        assert issuer.fetches == {"plain": 1}
        assert uri.startswith("http://127.0.0.1:")
    finally:
        await issuer.stop()


def test_requests_carry_the_token_and_answers_are_tallied(soak: ModuleType) -> None:
    from _soak_load import Tally, request_for

    assert b"\r\nauthorization: Bearer abc.def.ghi\r\n" in request_for("abc.def.ghi")
    assert b"authorization" not in request_for(None)
    tally = Tally(requests=4, seconds=2.0, latencies=[0.004, 0.001, 0.003, 0.002])
    tally.answers.update({("new key", 503): 1, ("new key", 200): 2, ("old key", 200): 1})
    assert (tally.count(200), tally.count(200, "new key"), tally.count(401)) == (3, 2, 0)
    assert (tally.per_second, tally.quantile(0.5), tally.quantile(0.99)) == (2.0, 0.003, 0.004)


def test_ratios_are_the_median_of_slices_loaded_in_turn(soak: ModuleType) -> None:
    from _soak_load import Arm, Tally

    def arm(*rates: float) -> Arm:
        return Arm("app", [], lambda _: ("token", b""), tally=Tally(slices=list(rates)))

    # one slice of the reference was hit by a burst of other load: the median ignores it
    assert soak.relative(arm(90, 95, 90), arm(100, 100, 10)) == 0.95
