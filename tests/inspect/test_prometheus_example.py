"""examples/prometheus: the observer feeds prometheus_client, and /metrics shows every outcome."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from pytest_plugin import FakeIssuer

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).parents[2] / "examples" / "prometheus" / "app.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("prometheus_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_outcomes_are_counted_by_outcome_code_and_issuer(example: ModuleType) -> None:
    registry = CollectorRegistry()
    with FakeIssuer(audience="api://orders") as fake:
        async with httpx.AsyncClient() as keys:
            app = example.build_app([fake.issuer_config()], registry=registry, client=keys)
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
                for token in (fake.token(), fake.token(), fake.token(aud="api://billing"), "not-a-jwt"):
                    await client.get("/", headers={"Authorization": f"Bearer {token}"})
                await client.get("/")  # no token: not a verification
                metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics.text)
        for sample in family.samples
    }
    issuer = fake.issuer
    assert (
        samples[("asgi_authinfo_tokens_total", (("code", ""), ("issuer", issuer), ("outcome", "accepted")))]
        == 2
    )
    refused = (("code", "audience_mismatch"), ("issuer", issuer), ("outcome", "refused"))
    assert samples[("asgi_authinfo_tokens_total", refused)] == 1
    assert (
        samples[
            ("asgi_authinfo_tokens_total", (("code", "malformed"), ("issuer", ""), ("outcome", "refused")))
        ]
        == 1
    )
    assert samples[("asgi_authinfo_verify_seconds_count", (("outcome", "accepted"),))] == 2
    assert samples[("asgi_authinfo_verify_seconds_count", (("outcome", "refused"),))] == 2


async def test_the_runnable_demo_prints_the_counters(example: ModuleType) -> None:
    printed = await example.demo()
    assert (
        'asgi_authinfo_tokens_total{code="expired",issuer="https://fake-issuer.test",outcome="refused"} 1.0'
        in printed
    )
    assert printed.count("asgi_authinfo_tokens_total{") == 3
