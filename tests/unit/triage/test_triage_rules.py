"""Priority, escalation and routing as pure functions of their inputs (no models)."""

from __future__ import annotations

import pytest

from services.triage.core.config import (
    Channel,
    CustomerTier,
    EscalationReason,
    PriorityLevel,
    Queue,
    TriageConfig,
    load_config,
    parse_config,
)
from services.triage.core.flags import Cue, Flag, Flags, RuleHit
from services.triage.core.intents import Intent
from services.triage.core.priority import (
    CODE_CLAMPED,
    CODE_MIN_LEVEL_ESCALATED,
    PriorityInputs,
    score_priority,
)
from services.triage.core.routing import (
    BLOCK_CONFIDENCE,
    BLOCK_ESCALATED,
    BLOCK_INTENT,
    Escalation,
    decide_escalation,
    route,
)
from services.triage.core.types import (
    IntentResult,
    IntentScore,
    ModelVersion,
    SentimentLevel,
    SentimentResult,
)

MODEL = ModelVersion("test", "0")
CONFIG = load_config()
NO_ESCALATION = Escalation(False, (), ())
NO_FLAGS = Flags()


def _intent(intent: Intent, confidence: float = 0.9) -> IntentResult:
    return IntentResult(intent, confidence, (IntentScore(intent, confidence),), MODEL)


def _sentiment(level: SentimentLevel, score: float = 0.0) -> SentimentResult:
    return SentimentResult(level, score, 0.8, MODEL)


def _flags(*hits: tuple[Flag | Cue, str]) -> Flags:
    return Flags.from_hits([RuleHit(signal, rule) for signal, rule in hits])


def _escalate(
    flags: Flags = NO_FLAGS,
    intent: Intent = Intent.OTHER,
    sentiment: SentimentLevel = SentimentLevel.NEUTRAL,
    tier: CustomerTier = CustomerTier.STANDARD,
    order_value: float | None = None,
    config: TriageConfig = CONFIG,
) -> Escalation:
    return decide_escalation(
        flags=flags,
        intent=_intent(intent),
        sentiment=sentiment,
        tier=tier,
        order_value=order_value,
        config=config.escalation,
    )


# --------------------------------------------------------------------------- escalation


@pytest.mark.parametrize(
    ("kwargs", "reason", "rule"),
    [
        (
            {"flags": _flags((Flag.FRAUD_ALLEGATION, "fraud_allegation.en.scam"))},
            EscalationReason.FRAUD_ALLEGATION,
            "fraud_allegation.en.scam",
        ),
        (
            {"flags": _flags((Flag.LEGAL_THREAT, "legal_threat.de.sue"))},
            EscalationReason.LEGAL_THREAT,
            "legal_threat.de.sue",
        ),
        (
            {"intent": Intent.DELIVERY_PROBLEM, "order_value": 500.0},
            EscalationReason.LOST_HIGH_VALUE_ITEM,
            "intent.delivery_problem+order_value>=500",
        ),
        (
            {"flags": _flags((Cue.LOST_ITEM, "lost_item.en.lost")), "order_value": 900.0},
            EscalationReason.LOST_HIGH_VALUE_ITEM,
            "lost_item.en.lost+order_value>=500",
        ),
        (
            {"flags": _flags((Flag.REPEATED_CONTACT, "repeated_contact.contacts_last_7_days"))},
            EscalationReason.REPEATED_CONTACT,
            "repeated_contact.contacts_last_7_days",
        ),
        (
            {"tier": CustomerTier.VIP, "sentiment": SentimentLevel.NEGATIVE},
            EscalationReason.NEGATIVE_VIP,
            "tier.vip+sentiment.negative",
        ),
        (
            {"flags": _flags((Cue.HUMAN_REQUEST, "human_request.intent"))},
            EscalationReason.REQUESTED_HUMAN,
            "human_request.intent",
        ),
        (
            {"flags": _flags((Flag.PUBLIC_SHAMING, "public_shaming.fr.press"))},
            EscalationReason.PUBLIC_SHAMING,
            "public_shaming.fr.press",
        ),
    ],
)
def test_each_escalation_reason(
    kwargs: dict[str, object], reason: EscalationReason, rule: str
) -> None:
    escalation = _escalate(**kwargs)  # type: ignore[arg-type]
    assert escalation.escalate
    assert escalation.reasons == (reason,)
    assert [(t.reason, t.rule) for t in escalation.triggers] == [(reason, rule)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"intent": Intent.DELIVERY_PROBLEM, "order_value": 499.99},  # below the threshold
        {"intent": Intent.DELIVERY_PROBLEM},  # order value unknown
        {"intent": Intent.ORDER_STATUS, "order_value": 5000.0},  # not lost
        {"tier": CustomerTier.VIP, "sentiment": SentimentLevel.NEUTRAL},
        {"tier": CustomerTier.LOYAL, "sentiment": SentimentLevel.VERY_NEGATIVE},
        {"flags": _flags((Flag.OFFENSIVE, "offensive.en.x"), (Flag.URGENT, "urgent.en.x"))},
    ],
)
def test_no_escalation(kwargs: dict[str, object]) -> None:
    assert _escalate(**kwargs) == NO_ESCALATION  # type: ignore[arg-type]


def test_reasons_in_api_order_and_switchable_per_tenant() -> None:
    flags = _flags(
        (Cue.HUMAN_REQUEST, "human_request.en.person"),
        (Flag.LEGAL_THREAT, "legal_threat.en.lawyer"),
        (Flag.FRAUD_ALLEGATION, "fraud_allegation.intent"),
    )
    assert _escalate(flags).reasons == (
        EscalationReason.FRAUD_ALLEGATION,
        EscalationReason.LEGAL_THREAT,
        EscalationReason.REQUESTED_HUMAN,
    )
    no_human = parse_config(
        {"escalation": {"reasons": ["fraud_allegation", "legal_threat"]}},
        "t.yaml",
        CONFIG.model_dump(mode="json"),
    )
    assert _escalate(flags, config=no_human).reasons == (
        EscalationReason.FRAUD_ALLEGATION,
        EscalationReason.LEGAL_THREAT,
    )
    assert not _escalate(_flags((Cue.HUMAN_REQUEST, "x")), config=no_human).escalate


# --------------------------------------------------------------------------- routing

_FAMILIES = {
    Queue.RETURNS: [
        Intent.RETURN_REQUEST,
        Intent.EXCHANGE_REQUEST,
        Intent.DAMAGED_OR_WRONG_ITEM,
        Intent.CANCEL_ORDER,
        Intent.CHANGE_ORDER,
    ],
    Queue.SHIPPING: [
        Intent.ORDER_STATUS,
        Intent.DELIVERY_PROBLEM,
        Intent.CHANGE_SHIPPING_ADDRESS,
        Intent.SHIPPING_INFO,
    ],
    Queue.BILLING: [
        Intent.REFUND_REQUEST,
        Intent.REFUND_STATUS,
        Intent.PAYMENT_OR_INVOICE_PROBLEM,
        Intent.FRAUD_ALLEGATION,
    ],
    Queue.ACCOUNT: [
        Intent.ACCOUNT,
        Intent.PRODUCT_QUESTION,
        Intent.PURCHASE_HELP,
        Intent.FEEDBACK,
        Intent.COMPLAINT,
        Intent.REQUEST_HUMAN,
        Intent.OTHER,
    ],
}


def _route(
    intent: Intent,
    confidence: float = 0.9,
    sentiment: SentimentLevel = SentimentLevel.NEUTRAL,
    escalation: Escalation = NO_ESCALATION,
    level: PriorityLevel = PriorityLevel.P3,
    config: TriageConfig = CONFIG,
) -> tuple[Queue, int, bool, tuple[str, ...]]:
    routing = route(
        intent=_intent(intent, confidence),
        sentiment=sentiment,
        escalation=escalation,
        level=level,
        config=config.routing,
    )
    return (
        routing.queue,
        routing.sla_target_seconds,
        routing.self_serviceable,
        routing.self_service_blocked_by,
    )


def test_every_intent_has_a_family() -> None:
    assert sorted(i for family in _FAMILIES.values() for i in family) == sorted(Intent)


@pytest.mark.parametrize(
    ("intent", "queue"), [(i, q) for q, family in _FAMILIES.items() for i in family]
)
def test_queue_per_intent_family(intent: Intent, queue: Queue) -> None:
    assert _route(intent)[0] is queue


def test_escalated_messages_go_to_escalations() -> None:
    escalated = Escalation(True, (EscalationReason.LEGAL_THREAT,), ())
    for intent in Intent:
        assert _route(intent, escalation=escalated)[0] is Queue.ESCALATIONS


def test_sla_by_level() -> None:
    slas = [_route(Intent.ORDER_STATUS, level=level)[1] for level in PriorityLevel]
    assert slas == [900, 3600, 14400, 86400]


@pytest.mark.parametrize(
    "intent",
    [
        Intent.ORDER_STATUS,
        Intent.RETURN_REQUEST,
        Intent.CHANGE_SHIPPING_ADDRESS,
        Intent.REFUND_STATUS,
        Intent.CANCEL_ORDER,
    ],
)
def test_self_serviceable_intents(intent: Intent) -> None:
    assert _route(intent)[2:] == (True, ())
    assert _route(intent, sentiment=SentimentLevel.POSITIVE)[2]
    assert _route(intent, sentiment=SentimentLevel.NEGATIVE)[2:] == (False, ("sentiment.negative",))
    escalated = Escalation(True, (EscalationReason.REPEATED_CONTACT,), ())
    assert _route(intent, escalation=escalated)[2:] == (False, (BLOCK_ESCALATED,))
    assert _route(intent, confidence=0.35)[2:] == (False, (BLOCK_CONFIDENCE,))


@pytest.mark.parametrize(
    "intent", [Intent.DELIVERY_PROBLEM, Intent.COMPLAINT, Intent.FRAUD_ALLEGATION, Intent.OTHER]
)
def test_not_self_serviceable_intents(intent: Intent) -> None:
    assert _route(intent)[2:] == (False, (BLOCK_INTENT,))


def test_self_service_list_is_configurable() -> None:
    config = parse_config(
        {"routing": {"self_service": {"intents": ["product_question"], "blocked_sentiments": []}}},
        "t.yaml",
        CONFIG.model_dump(mode="json"),
    )
    assert _route(Intent.PRODUCT_QUESTION, config=config)[2]
    assert _route(Intent.PRODUCT_QUESTION, sentiment=SentimentLevel.VERY_NEGATIVE, config=config)[2]
    assert not _route(Intent.ORDER_STATUS, config=config)[2]


# --------------------------------------------------------------------------- priority


def _inputs(**kwargs: object) -> PriorityInputs:
    values: dict[str, object] = {
        "sentiment": _sentiment(SentimentLevel.NEUTRAL),
        "intent": Intent.OTHER,
        "flags": Flags(),
    }
    values.update(kwargs)
    return PriorityInputs(**values)  # type: ignore[arg-type]


def test_factors_add_up_to_the_score_and_name_their_codes() -> None:
    priority = score_priority(
        _inputs(
            sentiment=_sentiment(SentimentLevel.NEGATIVE, -0.5),
            intent=Intent.DELIVERY_PROBLEM,
            flags=_flags((Flag.URGENT, "urgent.en.urgent")),
            tier=CustomerTier.LOYAL,
            channel=Channel.CHAT,
            lifetime_value=1500.0,
            order_value=350.0,
            days_late=3,
            contacts_last_7_days=1,
        ),
        CONFIG.priority,
    )
    assert [(f.code, f.points) for f in priority.factors] == [
        ("BASE", 20),
        ("SENTIMENT_NEGATIVE", 8),
        ("SENTIMENT_SCORE", 5),
        ("INTENT_DELIVERY_PROBLEM", 8),
        ("URGENT", 8),
        ("LOYAL_CUSTOMER", 4),
        ("CHANNEL_CHAT", 3),
        ("LIFETIME_VALUE", 3),
        ("ORDER_VALUE", 6),
        ("DAYS_LATE", 6),
        ("CONTACTS_LAST_7_DAYS", 2),
    ]
    assert priority.score == 73 == sum(f.points for f in priority.factors)
    assert priority.level is PriorityLevel.P1


def test_score_is_clamped_to_0_100() -> None:
    top = score_priority(
        _inputs(
            sentiment=_sentiment(SentimentLevel.VERY_NEGATIVE, -1.0),
            flags=Flags.from_hits([RuleHit(f, "x") for f in Flag]),
            escalation_reasons=tuple(EscalationReason),
            tier=CustomerTier.VIP,
            order_value=10_000.0,
            days_late=30,
            contacts_last_7_days=30,
        ),
        CONFIG.priority,
    )
    assert top.score == 100
    assert top.factors[-1].code == CODE_CLAMPED
    assert sum(f.points for f in top.factors) == 100
    low_config = parse_config(
        {"priority": {"base": 0}}, "t.yaml", CONFIG.model_dump(mode="json")
    ).priority
    bottom = score_priority(
        _inputs(sentiment=_sentiment(SentimentLevel.VERY_POSITIVE, 1.0), intent=Intent.FEEDBACK),
        low_config,
    )
    assert (bottom.score, bottom.level) == (0, PriorityLevel.P4)
    assert sum(f.points for f in bottom.factors) == 0


def test_escalated_message_is_raised_to_the_minimum_level() -> None:
    inputs = _inputs(
        sentiment=_sentiment(SentimentLevel.POSITIVE, 0.3),
        escalation_reasons=(EscalationReason.REQUESTED_HUMAN,),
    )
    priority = score_priority(inputs, CONFIG.priority)
    assert priority.level is PriorityLevel.P2
    assert priority.score == CONFIG.priority.levels.P2
    assert priority.factors[-1].code == CODE_MIN_LEVEL_ESCALATED
    no_floor = parse_config(
        {"priority": {"min_level_when_escalated": None}}, "t.yaml", CONFIG.model_dump(mode="json")
    )
    assert score_priority(inputs, no_floor.priority).level is PriorityLevel.P4


def test_unknown_amounts_add_nothing_and_bands_pick_the_highest_reached() -> None:
    base = score_priority(_inputs(), CONFIG.priority).score
    assert score_priority(_inputs(order_value=None), CONFIG.priority).score == base
    assert score_priority(_inputs(order_value=99.99), CONFIG.priority).score == base
    assert score_priority(_inputs(order_value=100.0), CONFIG.priority).score == base + 3
    assert score_priority(_inputs(order_value=800.0), CONFIG.priority).score == base + 10


def test_priority_is_deterministic() -> None:
    inputs = _inputs(sentiment=_sentiment(SentimentLevel.NEGATIVE, -0.45), days_late=5)
    assert len({score_priority(inputs, CONFIG.priority) for _ in range(5)}) == 1
