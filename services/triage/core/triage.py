"""Triage of customer messages: analysis, flags, escalation, priority and routing in one.

`triage_messages(engines, config, requests)` is what the servicer calls. The ML analysis
is batched (one engine call per batch); everything after it is per message, so each
message of a batch gets the outcome it would get alone, but for sentiment probabilities
within BATCH_TOLERANCE (engines/sentiment.py) of its single call's.

Order of the decisions for one message:
analysis (language, sentiment, intent) -> flags -> escalation -> priority -> routing.

Input validation is the caller's (the servicer's converters); `validate` does the checks
that need triage knowledge and raises InvalidArgument with one FieldViolation per bad
field, named after the API's fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lingua import Language

from services.common.currency import Money
from services.common.errors import FieldViolation, InvalidArgument
from services.common.language import language_code
from services.triage.core.analysis import analyze_messages
from services.triage.core.config import (
    Channel,
    CustomerTier,
    EscalationReason,
    PriorityLevel,
    Queue,
    TriageConfig,
)
from services.triage.core.flags import Flags, detect_flags
from services.triage.core.priority import Priority, PriorityInputs, score_priority
from services.triage.core.routing import Escalation, Routing, decide_escalation, route
from services.triage.core.types import (
    IntentResult,
    LanguageResult,
    Message,
    MessageAnalysis,
    ModelVersion,
    SentimentResult,
)
from services.triage.engines.bundle import TriageEngines

__all__ = [
    "Channel",
    "CustomerContext",
    "CustomerTier",
    "EscalationReason",
    "OrderContext",
    "PriorityLevel",
    "Queue",
    "TriageOutcome",
    "TriageRequest",
    "triage_message",
    "triage_messages",
    "validate",
]

CONFIG_COMPONENT = "priority_config"
"""Name under which the configuration's version is reported with the models'."""

NOTE_LIFETIME_VALUE_NOT_CONVERTIBLE = "lifetime_value_currency_not_convertible"
NOTE_ORDER_VALUE_NOT_CONVERTIBLE = "order_value_currency_not_convertible"


@dataclass(frozen=True, slots=True)
class CustomerContext:
    """What the merchant knows about the sender."""

    tier: CustomerTier = CustomerTier.UNSPECIFIED
    lifetime_value: Money | None = None
    contacts_last_7_days: int = 0
    """Messages in the last 7 days, this one excluded."""
    last_known_language: str | None = None
    customer_id: str = ""


@dataclass(frozen=True, slots=True)
class OrderContext:
    """What is known about the order the message is about."""

    order_value: Money | None = None
    days_late: int = 0
    order_id: str = ""


@dataclass(frozen=True, slots=True)
class TriageRequest:
    """One message to triage, with its context."""

    text: str
    channel: Channel = Channel.UNSPECIFIED
    language_hint: str | None = None
    customer: CustomerContext = field(default_factory=CustomerContext)
    order: OrderContext = field(default_factory=OrderContext)
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    """Everything decided about one message.

    `notes` are reason codes about the inputs: the analysis' own (language from a hint,
    intent below the confidence floor, ...) and amounts that could not be used because
    the configuration has no exchange rate for their currency.
    """

    request_id: str
    analysis: MessageAnalysis
    flags: Flags
    priority: Priority
    escalation: Escalation
    routing: Routing
    versions: tuple[ModelVersion, ...]
    notes: tuple[str, ...] = ()

    @property
    def language(self) -> LanguageResult:
        return self.analysis.language

    @property
    def sentiment(self) -> SentimentResult:
        return self.analysis.sentiment

    @property
    def intent(self) -> IntentResult:
        return self.analysis.intent

    @property
    def queue(self) -> Queue:
        return self.routing.queue

    @property
    def sla_target_seconds(self) -> int:
        return self.routing.sla_target_seconds

    @property
    def self_serviceable(self) -> bool:
        return self.routing.self_serviceable


def _decide(
    request: TriageRequest,
    analysis: MessageAnalysis,
    config: TriageConfig,
) -> TriageOutcome:
    notes = list(analysis.reasons)
    lifetime_value = order_value = None
    if request.customer.lifetime_value is not None:
        money = request.customer.lifetime_value
        lifetime_value = config.to_config_currency(money.major(), money.currency)
        if lifetime_value is None:
            notes.append(NOTE_LIFETIME_VALUE_NOT_CONVERTIBLE)
    if request.order.order_value is not None:
        money = request.order.order_value
        order_value = config.to_config_currency(money.major(), money.currency)
        if order_value is None:
            notes.append(NOTE_ORDER_VALUE_NOT_CONVERTIBLE)

    flags = detect_flags(
        request.text,
        analysis.language.code,
        analysis.intent,
        request.customer.contacts_last_7_days,
        config.flags.settings(),
    )
    escalation = decide_escalation(
        flags=flags,
        intent=analysis.intent,
        sentiment=analysis.sentiment.level,
        tier=request.customer.tier,
        order_value=order_value,
        config=config.escalation,
    )
    priority = score_priority(
        PriorityInputs(
            sentiment=analysis.sentiment,
            intent=analysis.intent.intent,
            flags=flags,
            escalation_reasons=escalation.reasons,
            tier=request.customer.tier,
            channel=request.channel,
            lifetime_value=lifetime_value,
            order_value=order_value,
            days_late=request.order.days_late,
            contacts_last_7_days=request.customer.contacts_last_7_days,
        ),
        config.priority,
    )
    routing = route(
        intent=analysis.intent,
        sentiment=analysis.sentiment.level,
        escalation=escalation,
        level=priority.level,
        config=config.routing,
    )
    versions = (
        analysis.language.model,
        analysis.sentiment.model,
        analysis.intent.model,
        ModelVersion(CONFIG_COMPONENT, config.version),
    )
    return TriageOutcome(
        request_id=request.request_id,
        analysis=analysis,
        flags=flags,
        priority=priority,
        escalation=escalation,
        routing=routing,
        versions=versions,
        notes=tuple(notes),
    )


def triage_messages(
    engines: TriageEngines, config: TriageConfig, requests: Sequence[TriageRequest]
) -> list[TriageOutcome]:
    """Triage a batch under one configuration; outcomes in request order.

    Requests are assumed valid (see `validate`). A batch mixing tenants is triaged by
    calling this once per tenant's configuration: each outcome depends only on its own
    request and configuration.
    """
    if not requests:
        return []
    analyses = analyze_messages(
        engines,
        [
            Message(r.text, r.language_hint or None, r.customer.last_known_language or None)
            for r in requests
        ],
    )
    return [
        _decide(request, analysis, config)
        for request, analysis in zip(requests, analyses, strict=True)
    ]


def triage_message(
    engines: TriageEngines, config: TriageConfig, request: TriageRequest
) -> TriageOutcome:
    """Triage one message (a batch of one)."""
    return triage_messages(engines, config, [request])[0]


# --------------------------------------------------------------------------- validation

KNOWN_LANGUAGE_CODES: frozenset[str] = frozenset(
    lang.iso_code_639_1.name.lower() for lang in Language.all()
)
"""ISO 639-1 codes the language detector (lingua) knows; a hint outside them is refused."""


def _money_violations(money: Money | None, path: str) -> list[FieldViolation]:
    if money is None:
        return []
    violations = []
    if len(money.currency) != 3 or not money.currency.isascii() or not money.currency.isupper():
        violations.append(
            FieldViolation(
                f"{path}.currency_code", "must be a three-letter ISO 4217 code in upper case"
            )
        )
    if money.amount_minor < 0:
        violations.append(FieldViolation(f"{path}.amount_minor", "must not be negative"))
    return violations


def validate(
    request: TriageRequest,
    *,
    max_text_chars: int | None = None,
    field_prefix: str = "",
    known_languages: frozenset[str] = KNOWN_LANGUAGE_CODES,
) -> None:
    """Raise InvalidArgument listing every invalid field of one request.

    Field paths are the API's (`text`, `customer.contacts_last_7_days`,
    `order.order_value.currency_code`), prefixed with `field_prefix` (e.g.
    `messages[3].`) for a batch entry. Descriptions never quote the customer's text.
    """
    violations: list[FieldViolation] = []
    if not request.text.strip():
        violations.append(FieldViolation("text", "must not be empty"))
    elif max_text_chars is not None and len(request.text) > max_text_chars:
        violations.append(
            FieldViolation(
                "text", f"is {len(request.text)} characters long; at most {max_text_chars}"
            )
        )
    for path, code in (
        ("language_hint", request.language_hint),
        ("customer.last_known_language", request.customer.last_known_language),
    ):
        if code and language_code(code) not in known_languages:
            violations.append(FieldViolation(path, "must be an ISO 639-1 language code, e.g. 'es'"))
    if request.customer.contacts_last_7_days < 0:
        violations.append(FieldViolation("customer.contacts_last_7_days", "must not be negative"))
    if request.order.days_late < 0:
        violations.append(FieldViolation("order.days_late", "must not be negative"))
    violations += _money_violations(request.customer.lifetime_value, "customer.lifetime_value")
    violations += _money_violations(request.order.order_value, "order.order_value")
    if violations:
        violations = [FieldViolation(f"{field_prefix}{v.field}", v.description) for v in violations]
        fields = ", ".join(v.field for v in violations)
        raise InvalidArgument(f"invalid triage request: {fields}", violations)
