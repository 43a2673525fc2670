"""Bad input to the JSON API gets a 4xx naming the field, before any upstream call (the
upstream targets here are closed ports)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.frontend.support_desk.harness import DeskThread, desk_settings, running_desk

GOOD = {
    "tenant_id": "northwind-apparel",
    "customer_id": "cust-es-1",
    "channel": "chat",
    "text": "hola",
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskThread]:
    settings = desk_settings(None, tmp_path_factory.mktemp("api") / "desk.db", warm_up=False)
    with running_desk(settings) as running:
        yield running


@pytest.fixture
def client(desk: DeskThread) -> httpx.Client:
    return desk.client


def _fields(reply: httpx.Response) -> list[str]:
    detail = reply.json()["detail"]
    return [str(d["loc"][-1]) for d in detail]


@pytest.mark.parametrize("missing", ["tenant_id", "customer_id", "channel", "text"])
def test_a_missing_field_is_named(client: httpx.Client, missing: str) -> None:
    body = {k: v for k, v in GOOD.items() if k != missing}
    reply = client.post("/api/v1/messages", json=body)
    assert reply.status_code == 422
    assert _fields(reply) == [missing]


def test_a_bad_channel_is_named(client: httpx.Client) -> None:
    reply = client.post("/api/v1/messages", json={**GOOD, "channel": "fax"})
    assert reply.status_code == 422
    assert _fields(reply) == ["channel"]


def test_an_unknown_customer_is_named(client: httpx.Client) -> None:
    reply = client.post("/api/v1/messages", json={**GOOD, "customer_id": "cust-nobody"})
    assert reply.status_code == 404
    assert _fields(reply) == ["customer_id"]
    assert "cust-nobody" in reply.json()["detail"][0]["msg"]


def test_a_one_megabyte_text_is_refused_naming_text(client: httpx.Client) -> None:
    reply = client.post("/api/v1/messages", json={**GOOD, "text": "a" * 1_000_000})
    assert reply.status_code == 422
    assert _fields(reply) == ["text"]
    assert reply.json()["detail"][0]["type"] == "string_too_long"


def test_a_body_over_the_limit_is_refused_before_parsing(client: httpx.Client) -> None:
    reply = client.post(
        "/api/v1/messages",
        content=b'{"text": "' + b"a" * (3 * 1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert reply.status_code == 413
    assert _fields(reply) == ["body"]


def test_nothing_is_written_for_refused_input(client: httpx.Client) -> None:
    client.post("/api/v1/messages", json={**GOOD, "text": "a" * 1_000_000})
    client.post("/api/v1/messages", json={**GOOD, "customer_id": "cust-nobody"})
    metrics = client.get("/metrics").text
    assert "support_desk_conversations{" not in metrics  # no conversation was stored


def test_the_email_webhook_names_missing_fields(client: httpx.Client) -> None:
    reply = client.post("/api/v1/inbound/email", json={"subject": "hi", "body": "x"})
    assert reply.status_code == 422
    assert _fields(reply) == ["from"]
    reply = client.post("/api/v1/inbound/email", json={"from": "a@b.example", "subject": "hi"})
    assert _fields(reply) == ["body"]


def test_openapi_documents_the_contract(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/messages" in schema["paths"]
    assert "/healthz" in schema["paths"]
    out = schema["components"]["schemas"]["MessageOut"]["properties"]
    assert {"conversation_id", "reply", "handled_by", "intent", "priority"} <= set(out)
