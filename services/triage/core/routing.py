"""Escalation to a person, the queue a message goes to, its SLA and self-service.

Escalation (each reason can be switched off per tenant in `escalation.reasons`):
- fraud allegation, legal threat, repeated contact, public shaming: the flag of the same
  name;
- lost high-value item: the intent is one of `lost_item_intents` (delivery_problem) or
  the text says the order was lost / never arrived, and the order value is at least
  `lost_item_min_order_value` (in the configuration's currency);
- negative VIP: the customer's tier is in `negative_vip_tiers` and the sentiment level in
  `negative_vip_sentiments`;
- requested human: the text asks for a person, or the intent model says request_human
  with enough confidence (`flags.request_human_intent_min_confidence`).

Routing: an escalated message goes to the escalations queue; any other goes to its
intent's queue (`routing.queues`, else `routing.default_queue`). The SLA target comes
from the priority level. A message is self-serviceable when its intent is in
`self_service.intents` with at least `min_intent_confidence`, it is not escalated and
its sentiment is not one of `blocked_sentiments`.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.triage.core.config import (
    CustomerTier,
    EscalationConfig,
    EscalationReason,
    PriorityLevel,
    Queue,
    RoutingConfig,
)
from services.triage.core.flags import Cue, Flag, Flags
from services.triage.core.types import IntentResult, SentimentLevel


@dataclass(frozen=True, slots=True)
class EscalationTrigger:
    """One reason to escalate and the rule behind it (`legal_threat.en.lawyer`,
    `intent.delivery_problem+order_value>=500`, `tier.vip+sentiment.negative`)."""

    reason: EscalationReason
    rule: str


@dataclass(frozen=True, slots=True)
class Escalation:
    """Whether a person must take over, and why (reasons in the API's order)."""

    escalate: bool
    reasons: tuple[EscalationReason, ...]
    triggers: tuple[EscalationTrigger, ...]


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a message goes and how fast.

    `queue_rule` says why this queue (`escalated`, `intent.order_status`, `default`);
    `self_service_blocked_by` lists why a message is not self-serviceable (empty when
    it is): `intent_not_self_serviceable`, `intent_confidence_below_minimum`,
    `escalated`, `sentiment.<level>`.
    """

    queue: Queue
    sla_target_seconds: int
    self_serviceable: bool
    queue_rule: str
    self_service_blocked_by: tuple[str, ...]


def _amount(value: float) -> str:
    return f"{value:g}"


def decide_escalation(
    *,
    flags: Flags,
    intent: IntentResult,
    sentiment: SentimentLevel,
    tier: CustomerTier,
    order_value: float | None,
    config: EscalationConfig,
) -> Escalation:
    """Apply the escalation rules (module docstring) to one message."""
    triggers: list[EscalationTrigger] = []

    def from_flag(reason: EscalationReason, flag: Flag) -> None:
        if flags.is_set(flag):
            triggers.extend(EscalationTrigger(reason, rule) for rule in flags.rules(flag))

    from_flag(EscalationReason.FRAUD_ALLEGATION, Flag.FRAUD_ALLEGATION)
    from_flag(EscalationReason.LEGAL_THREAT, Flag.LEGAL_THREAT)

    threshold = config.lost_item_min_order_value
    if order_value is not None and order_value >= threshold:
        value_rule = f"order_value>={_amount(threshold)}"
        if intent.intent in config.lost_item_intents:
            triggers.append(
                EscalationTrigger(
                    EscalationReason.LOST_HIGH_VALUE_ITEM,
                    f"intent.{intent.intent.value}+{value_rule}",
                )
            )
        triggers.extend(
            EscalationTrigger(EscalationReason.LOST_HIGH_VALUE_ITEM, f"{rule}+{value_rule}")
            for rule in flags.rules(Cue.LOST_ITEM)
        )

    from_flag(EscalationReason.REPEATED_CONTACT, Flag.REPEATED_CONTACT)

    if tier in config.negative_vip_tiers and sentiment in config.negative_vip_sentiments:
        triggers.append(
            EscalationTrigger(
                EscalationReason.NEGATIVE_VIP, f"tier.{tier.value}+sentiment.{sentiment.value}"
            )
        )

    triggers.extend(
        EscalationTrigger(EscalationReason.REQUESTED_HUMAN, rule)
        for rule in flags.rules(Cue.HUMAN_REQUEST)
    )
    from_flag(EscalationReason.PUBLIC_SHAMING, Flag.PUBLIC_SHAMING)

    enabled = [t for t in triggers if t.reason in config.reasons]
    reasons = tuple(r for r in EscalationReason if any(t.reason is r for t in enabled))
    return Escalation(bool(reasons), reasons, tuple(enabled))


BLOCK_INTENT = "intent_not_self_serviceable"
BLOCK_CONFIDENCE = "intent_confidence_below_minimum"
BLOCK_ESCALATED = "escalated"


def route(
    *,
    intent: IntentResult,
    sentiment: SentimentLevel,
    escalation: Escalation,
    level: PriorityLevel,
    config: RoutingConfig,
) -> Routing:
    """Queue, SLA target and self-service of one message (module docstring)."""
    if escalation.escalate:
        queue, queue_rule = Queue.ESCALATIONS, "escalated"
    elif intent.intent in config.queues:
        queue, queue_rule = config.queues[intent.intent], f"intent.{intent.intent.value}"
    else:
        queue, queue_rule = config.default_queue, "default"

    service = config.self_service
    blocked: list[str] = []
    if intent.intent not in service.intents:
        blocked.append(BLOCK_INTENT)
    elif intent.confidence < service.min_intent_confidence:
        blocked.append(BLOCK_CONFIDENCE)
    if escalation.escalate:
        blocked.append(BLOCK_ESCALATED)
    if sentiment in service.blocked_sentiments:
        blocked.append(f"sentiment.{sentiment.value}")

    return Routing(
        queue=queue,
        sla_target_seconds=config.sla_seconds[level],
        self_serviceable=not blocked,
        queue_rule=queue_rule,
        self_service_blocked_by=tuple(blocked),
    )
