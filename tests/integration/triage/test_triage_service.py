"""The triage service through its generated stubs, on small real models trained at test
time: each flag, each escalation reason, routing, priority ordering, batches, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from retail.triage.v1 import triage_pb2 as pb
from retail.triage.v1 import triage_pb2_grpc
from retail.type.v1.money_pb2 import Money

from services.triage.server import SPEC
from services.triage.settings import TriageSettings
from tests.integration.harness import ServerThread, serving
from tests.integration.service_checks import assert_health_and_reflection

Stub = triage_pb2_grpc.TriageServiceStub


@pytest.fixture(scope="module")
def server(triage_model_dir: Path) -> Iterator[ServerThread]:
    settings = TriageSettings(
        port=0, metrics_port=0, model_dir=triage_model_dir, max_text_length=2000
    )
    with serving(SPEC, settings) as thread:
        yield thread


@pytest.fixture
def stub(server: ServerThread) -> Iterator[Stub]:
    with grpc.insecure_channel(server.target) as channel:
        yield Stub(channel)


def usd(dollars: int) -> Money:
    return Money(currency_code="USD", amount_minor=dollars * 100)


def message(text: str, **fields: Any) -> pb.TriageMessageRequest:
    return pb.TriageMessageRequest(tenant_id="acme", text=text, **fields)


def triage(stub: Stub, request: pb.TriageMessageRequest) -> pb.TriageResult:
    return stub.TriageMessage(request).triage


LEGAL_VIP = message(
    "My $900 order never arrived. If you don't refund me today I will contact my lawyer "
    "and sue you.",
    customer=pb.CustomerContext(tier=pb.CUSTOMER_TIER_VIP, lifetime_value=usd(8000)),
    order=pb.OrderContext(order_value=usd(900), days_late=6),
    request_id="legal-vip",
)
ANGRY_LATE = message(
    "I am extremely angry, my delivery is late again, terrible!",
    order=pb.OrderContext(days_late=4),
    request_id="angry-late",
)
WISMO = message("Where is my order? I ordered it last week.", request_id="wismo")
THANKS = message("Thank you so much for your help, have a great day!", request_id="thanks")


def test_priority_orders_clearly_different_messages(stub: Stub) -> None:
    results = [triage(stub, m) for m in (LEGAL_VIP, ANGRY_LATE, WISMO, THANKS)]
    scores = [r.priority.score for r in results]
    assert scores == sorted(scores, reverse=True), scores
    assert len(set(scores)) == 4, scores
    legal = results[0]
    assert legal.priority.level == pb.PRIORITY_LEVEL_P1
    assert sum(f.points for f in legal.priority.factors) == legal.priority.score
    assert legal.escalation.escalate
    assert legal.queue == pb.QUEUE_ESCALATIONS
    assert results[3].priority.level in (pb.PRIORITY_LEVEL_P3, pb.PRIORITY_LEVEL_P4)
    assert legal.sla_target.seconds < results[3].sla_target.seconds


@pytest.mark.parametrize(
    "text",
    [
        "I am furious, my $900 order never arrived and nobody answers!",
        "Estoy furioso, mi pedido de 900 dólares nunca llegó",
    ],
)
def test_furious_customer_with_lost_900_order_is_never_low_priority(stub: Stub, text: str) -> None:
    result = triage(stub, message(text, order=pb.OrderContext(order_value=usd(900))))
    assert result.priority.level in (pb.PRIORITY_LEVEL_P1, pb.PRIORITY_LEVEL_P2)
    assert pb.ESCALATION_REASON_LOST_HIGH_VALUE_ITEM in result.escalation.reasons


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (message("Someone used my card, this is an unauthorized charge!"),
         pb.ESCALATION_REASON_FRAUD_ALLEGATION),
        (message("Si no me devuelven el dinero, hablaré con mi abogado."),
         pb.ESCALATION_REASON_LEGAL_THREAT),
        (message("My package never arrived", order=pb.OrderContext(order_value=usd(650))),
         pb.ESCALATION_REASON_LOST_HIGH_VALUE_ITEM),
        (message("Hello, any news about my parcel?",
                 customer=pb.CustomerContext(contacts_last_7_days=4)),
         pb.ESCALATION_REASON_REPEATED_CONTACT),
        (message("Your customer service is terrible and I'm very disappointed",
                 customer=pb.CustomerContext(tier=pb.CUSTOMER_TIER_VIP)),
         pb.ESCALATION_REASON_NEGATIVE_VIP),
        (message("I want to speak to a human agent please"),
         pb.ESCALATION_REASON_REQUESTED_HUMAN),
    ],
    ids=["fraud", "legal", "lost-high-value", "repeated", "negative-vip", "human"],
)  # fmt: skip
def test_each_escalation_reason(stub: Stub, request_: pb.TriageMessageRequest, reason: int) -> None:
    result = triage(stub, request_)
    assert result.escalation.escalate
    assert reason in result.escalation.reasons
    assert result.queue == pb.QUEUE_ESCALATIONS
    assert not result.self_serviceable


def test_low_value_lost_order_is_not_escalated(stub: Stub) -> None:
    result = triage(
        stub, message("My package never arrived", order=pb.OrderContext(order_value=usd(40)))
    )
    assert pb.ESCALATION_REASON_LOST_HIGH_VALUE_ITEM not in result.escalation.reasons


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("This is urgent, I need it today for my wedding!", "urgent"),
        ("I will contact my lawyer and file a chargeback.", "legal_threat"),
        ("Ich werde meinen Anwalt einschalten.", "legal_threat"),
        ("You idiots sent me garbage.", "offensive"),
        ("This is a scam, I never ordered this and you charged my card.", "fraud_allegation"),
        ("Close my account, I will never shop here again.", "churn_risk"),
        ("Je vais chez un concurrent, c'est fini.", "churn_risk"),
        ("This is the third time I write to you about this.", "repeated_contact"),
    ],
)
def test_each_flag(stub: Stub, text: str, flag: str) -> None:
    flags = triage(stub, message(text)).flags
    assert getattr(flags, flag), flags


def test_repeated_contact_from_the_count(stub: Stub) -> None:
    result = triage(stub, message("Any news?", customer=pb.CustomerContext(contacts_last_7_days=5)))
    assert result.flags.repeated_contact


@pytest.mark.parametrize(
    ("text", "queue"),
    [
        ("How do I return these shoes?", pb.QUEUE_RETURNS),
        ("Can I exchange this shirt for a bigger size?", pb.QUEUE_RETURNS),
        ("Where is my order? It has not arrived yet.", pb.QUEUE_SHIPPING),
        ("I was charged twice for the same order, please fix the payment.", pb.QUEUE_BILLING),
        ("I forgot my password and cannot log in to my account.", pb.QUEUE_ACCOUNT),
    ],
)
def test_routing(stub: Stub, text: str, queue: int) -> None:
    assert triage(stub, message(text)).queue == queue


def test_self_service_where_is_my_order(stub: Stub) -> None:
    result = triage(stub, message("Hi, where is my order 12345? Thanks"))
    assert result.intents[0].intent == pb.INTENT_ORDER_STATUS
    assert result.self_serviceable


def test_result_reports_language_sentiment_intents_and_versions(stub: Stub) -> None:
    result = triage(
        stub, message("¿Dónde está mi pedido? Lo pedí hace dos semanas.", request_id="r-9")
    )
    assert result.request_id == "r-9"
    assert result.language.language == "es"
    assert result.language.source == pb.LANGUAGE_SOURCE_DETECTED
    assert 0 < result.language.confidence <= 1
    assert result.sentiment.level != pb.SENTIMENT_LEVEL_UNSPECIFIED
    assert -1 <= result.sentiment.score <= 1
    assert result.intents
    names = {v.name for v in result.versions}
    assert "priority_config" in names
    assert len(names) >= 4


def test_nothing_to_detect_from_and_no_hint_is_undetermined(stub: Stub) -> None:
    result = triage(stub, message("👍 12345"))
    assert result.language.source == pb.LANGUAGE_SOURCE_UNDETERMINED
    assert (result.language.language, result.language.confidence) == ("", 0.0)


def test_short_text_takes_the_hint(stub: Stub) -> None:
    result = triage(stub, message("ok", language_hint="pt"))
    assert result.language.language == "pt"
    assert result.language.source == pb.LANGUAGE_SOURCE_HINT


def test_batch_equals_one_by_one_with_errors_in_place(stub: Stub) -> None:
    messages = [LEGAL_VIP, message(""), THANKS, message("hola", language_hint="xx")]
    batch = stub.TriageMessages(pb.TriageMessagesRequest(messages=messages)).results
    assert [r.WhichOneof("result") for r in batch] == ["triage", "error", "triage", "error"]
    for single_request, result in zip(messages, batch, strict=True):
        if result.WhichOneof("result") == "triage":
            single = triage(stub, single_request)
            assert result.triage.priority == single.priority
            assert result.triage.escalation == single.escalation
            assert result.triage.queue == single.queue
            assert list(result.triage.intents) == list(single.intents)
            assert result.triage.language.language == single.language.language
            assert result.triage.language.confidence == pytest.approx(single.language.confidence)
        else:
            with pytest.raises(grpc.RpcError) as caught:
                stub.TriageMessage(single_request)
            error: Any = caught.value
            assert result.error.code == error.code().value[0]
            assert result.error.message == error.details()


def field_violations(error: Any) -> list[str]:
    status = rpc_status.from_call(error)
    assert status is not None
    fields = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields += [v.field for v in bad.field_violations]
    return fields


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (message(""), "text"),
        (message("x" * 2001), "text"),
        (message("hello", language_hint="xx"), "language_hint"),
        (message("hello", order=pb.OrderContext(days_late=-1)), "order.days_late"),
    ],
    ids=["empty", "too-long", "bad-hint", "negative-days-late"],
)
def test_bad_input_is_invalid_argument(
    stub: Stub, request_: pb.TriageMessageRequest, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.TriageMessage(request_)
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in field_violations(error)
    assert "x" * 50 not in error.details()


def test_serves_health_and_reflection(server: ServerThread) -> None:
    assert_health_and_reflection(server.target, SPEC)
