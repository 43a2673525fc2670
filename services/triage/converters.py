"""Protobuf messages of retail.triage.v1 to and from the triage core's types."""

from __future__ import annotations

from google.protobuf.duration_pb2 import Duration
from retail.triage.v1 import triage_pb2 as pb
from retail.type.v1 import money_pb2

from services.common.currency import CURRENCY_EXPONENTS, Money
from services.common.errors import FieldViolation, InvalidArgument
from services.triage.core.intents import Intent
from services.triage.core.triage import (
    Channel,
    CustomerContext,
    CustomerTier,
    OrderContext,
    TriageOutcome,
    TriageRequest,
)
from services.triage.core.types import LanguageSource


def _money(message: money_pb2.Money, path: str) -> Money:
    code = message.currency_code.upper()
    if code not in CURRENCY_EXPONENTS:
        raise InvalidArgument(
            "unknown currency",
            [FieldViolation(f"{path}.currency_code", "must be an ISO 4217 currency code")],
        )
    return Money(message.amount_minor, code)


def _enum_name(wrapper: type, value: int, prefix: str, path: str) -> str:
    try:
        name: str = wrapper.Name(value)  # type: ignore[attr-defined]
    except ValueError:
        raise InvalidArgument(
            f"unknown enum value {value}", [FieldViolation(path, f"unknown value {value}")]
        ) from None
    return name.removeprefix(prefix).lower()


def triage_request(message: pb.TriageMessageRequest, prefix: str = "") -> TriageRequest:
    customer = message.customer
    order = message.order
    return TriageRequest(
        text=message.text,
        channel=Channel(_enum_name(pb.Channel, message.channel, "CHANNEL_", f"{prefix}channel")),
        language_hint=message.language_hint or None,
        customer=CustomerContext(
            tier=CustomerTier(
                _enum_name(
                    pb.CustomerTier, customer.tier, "CUSTOMER_TIER_", f"{prefix}customer.tier"
                )
            ),
            lifetime_value=_money(customer.lifetime_value, f"{prefix}customer.lifetime_value")
            if customer.HasField("lifetime_value")
            else None,
            contacts_last_7_days=customer.contacts_last_7_days,
            last_known_language=customer.last_known_language or None,
            customer_id=customer.customer_id,
        ),
        order=OrderContext(
            order_value=_money(order.order_value, f"{prefix}order.order_value")
            if order.HasField("order_value")
            else None,
            days_late=order.days_late,
            order_id=order.order_id,
        ),
        request_id=message.request_id,
    )


# The core's names, except where the API's differ; built at import so that a core intent
# without an API value fails at start-up, not on the message that first gets it.
_INTENT_RENAMES = {Intent.PAYMENT_OR_INVOICE_PROBLEM: "INTENT_PAYMENT_OR_INVOICE"}
_INTENTS = {
    intent: pb.Intent.Value(_INTENT_RENAMES.get(intent, f"INTENT_{intent.value.upper()}"))
    for intent in Intent
}
_SOURCES = {
    LanguageSource.DETECTED: pb.LANGUAGE_SOURCE_DETECTED,
    LanguageSource.HINT: pb.LANGUAGE_SOURCE_HINT,
    LanguageSource.LAST_KNOWN: pb.LANGUAGE_SOURCE_LAST_KNOWN,
    LanguageSource.UNDETERMINED: pb.LANGUAGE_SOURCE_UNDETERMINED,
}


def triage_result(outcome: TriageOutcome) -> pb.TriageResult:
    analysis = outcome.analysis
    language, sentiment, intent = analysis.language, analysis.sentiment, analysis.intent
    return pb.TriageResult(
        request_id=outcome.request_id,
        language=pb.LanguageResult(
            # The API says "undetermined" with the source alone, and no code.
            language="" if language.source is LanguageSource.UNDETERMINED else language.code,
            confidence=language.confidence,
            source=_SOURCES[language.source],
        ),
        sentiment=pb.SentimentResult(
            level=pb.SentimentLevel.Value(f"SENTIMENT_LEVEL_{sentiment.level.value.upper()}"),
            score=sentiment.score,
            confidence=sentiment.confidence,
        ),
        intents=[
            pb.IntentScore(
                intent=_INTENTS[c.intent],
                confidence=c.confidence,
            )
            for c in intent.candidates
        ],
        flags=pb.Flags(
            urgent=outcome.flags.urgent,
            legal_threat=outcome.flags.legal_threat,
            offensive=outcome.flags.offensive,
            fraud_allegation=outcome.flags.fraud_allegation,
            churn_risk=outcome.flags.churn_risk,
            repeated_contact=outcome.flags.repeated_contact,
            public_shaming=outcome.flags.public_shaming,
        ),
        priority=pb.Priority(
            level=pb.PriorityLevel.Value(f"PRIORITY_LEVEL_{outcome.priority.level.value.upper()}"),
            score=outcome.priority.score,
            factors=[
                pb.PriorityFactor(code=f.code, points=f.points) for f in outcome.priority.factors
            ],
        ),
        escalation=pb.Escalation(
            escalate=outcome.escalation.escalate,
            reasons=[
                pb.EscalationReason.Value(f"ESCALATION_REASON_{r.value.upper()}")
                for r in outcome.escalation.reasons
            ],
        ),
        queue=pb.Queue.Value(f"QUEUE_{outcome.routing.queue.value.upper()}"),
        sla_target=Duration(seconds=int(outcome.routing.sla_target_seconds)),
        self_serviceable=outcome.routing.self_serviceable,
        versions=[pb.ComponentVersion(name=v.name, version=v.version) for v in outcome.versions],
    )
