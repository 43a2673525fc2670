"""The seeded request mixes (loadtest/mix.py): one seed gives one sequence, the requests
are ones the services accept, and the mixes cover what they claim to."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from google.protobuf.message import Message

from loadtest import mix
from services.common.paths import REPO_ROOT
from services.returns_decision.converters import return_request
from services.triage.converters import triage_request

Draw = Callable[[random.Random], object]
DRAWS: dict[str, Draw] = {
    "returns": lambda rng: mix.returns_request(rng, "r"),
    "triage": lambda rng: mix.triage_request(rng, "t"),
    "translate": mix.translate_request,
    "detect": mix.detect_request,
    "desk": mix.desk_message,
}


def _sequence(draw: Draw, rng: random.Random, n: int = 50) -> list[object]:
    return [
        value.SerializeToString() if isinstance(value, Message) else value
        for value in (draw(rng) for _ in range(n))
    ]


@pytest.mark.parametrize("kind", sorted(DRAWS))
def test_one_seed_gives_one_sequence_and_another_seed_another(kind: str) -> None:
    draw = DRAWS[kind]
    first = _sequence(draw, mix.rng_for(7, kind, 0))
    assert _sequence(draw, mix.rng_for(7, kind, 0)) == first
    assert _sequence(draw, mix.rng_for(8, kind, 0)) != first
    assert _sequence(draw, mix.rng_for(7, kind, 1)) != first  # another user


def test_the_users_generators_do_not_depend_on_the_process() -> None:
    # A string seed is hashed by random itself, not by hash(), which PYTHONHASHSEED varies.
    assert mix.rng_for(mix.DEFAULT_SEED, "returns", 3).random() == pytest.approx(
        random.Random(f"{mix.DEFAULT_SEED}/returns/3").random()
    )


def test_return_requests_are_valid_for_both_shipped_policies() -> None:
    rng = mix.rng_for(1, "returns", 0)
    tenants = set()
    reasons: set[int] = set()
    for n in range(300):
        message = mix.returns_request(rng, f"r-{n}")
        converted = return_request(message)  # raises INVALID_ARGUMENT on a bad request
        assert converted.tenant_id == message.tenant_id
        tenants.add(message.tenant_id)
        reasons.update(i.reason for i in message.items)
        assert 1 <= len(message.items) <= 3
    policies = {
        yaml.safe_load(p.read_text())["tenant"] for p in (REPO_ROOT / "policies").glob("*.yaml")
    }
    assert tenants == policies
    assert len(reasons) >= 8


def test_triage_requests_are_valid_and_cover_six_languages() -> None:
    rng = mix.rng_for(1, "triage", 0)
    messages = [mix.triage_request(rng, f"t-{n}") for n in range(300)]
    for message in messages:
        triage_request(message)  # raises INVALID_ARGUMENT on a bad request
    texts = " ".join(m.text for m in messages)
    for marker in ("Where is my order", "Dónde", "Où est", "Onde está", "Dov'è", "Wo ist"):
        assert marker in texts
    assert set(mix.TRIAGE_LANGUAGES) == {"en", "es", "fr", "pt", "it", "de"}


def test_translation_texts_carry_order_numbers_urls_and_prices() -> None:
    rng = mix.rng_for(1, "translate", 0)
    requests = [mix.translate_request(rng) for _ in range(300)]
    texts = [t for r in requests for t in r.texts]
    assert any(re.search(r"#\d+|ORD-2025-\d+|NW-\d+", t) for t in texts)
    assert any("https://shop.example.com/" in t for t in texts)
    assert any(re.search(r"\$\d+\.\d\d", t) for t in texts)
    assert any(re.search(r"\d+,\d\d €", t) for t in texts)
    for r in requests:
        assert 1 <= len(r.texts) <= 3
        assert r.target_language in {"en", "es", "fr", "pt", "it", "ca"}
        assert r.source_language != r.target_language
    assert {r.target_language for r in requests} >= {"en", "es", "fr"}
    detect = mix.detect_request(rng)
    assert 1 <= len(detect.texts) <= 3


def test_desk_messages_come_from_the_demo_customers_of_the_demo_tenant() -> None:
    demo = yaml.safe_load(
        Path(REPO_ROOT / "frontend/support_desk/store/demo.yaml").read_text(encoding="utf-8")
    )
    customers = {c["customer_id"] for c in demo["customers"]}
    assert demo["tenant"]["tenant_id"] == mix.DESK_TENANT
    assert set(mix.DESK_CUSTOMERS) <= customers
    rng = mix.rng_for(1, "desk", 0)
    bodies = [mix.desk_message(rng) for _ in range(200)]
    assert {b["customer_id"] for b in bodies} == set(mix.DESK_CUSTOMERS)
    assert {b["channel"] for b in bodies} == {"chat", "email"}
    assert all(b["tenant_id"] == mix.DESK_TENANT and b["text"] for b in bodies)
