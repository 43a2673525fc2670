"""Hand-over to the human queue: the ticket and the summary an agent reads first."""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict
from retail.triage.v1 import triage_pb2 as triage_pb

from frontend.support_desk.flow.model import Handoff
from frontend.support_desk.flow.orders import money
from frontend.support_desk.store.views import Context, OrderView
from frontend.support_desk.store.writes import TicketWrite

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
    "ca": "Catalan",
    "ro": "Romanian",
}

FALLBACK_LEVEL = 3  # P3 when triage cannot say
FALLBACK_SCORE = 50
FALLBACK_QUEUE = "QUEUE_ACCOUNT"


def priority_label(triage: triage_pb.TriageResult | None) -> str | None:
    if triage is None or triage.priority.level == triage_pb.PRIORITY_LEVEL_UNSPECIFIED:
        return None
    return f"P{int(triage.priority.level)}"


def sla_seconds(triage: triage_pb.TriageResult | None, fallback: float) -> float:
    if triage is None or not triage.HasField("sla_target"):
        return fallback
    seconds = triage.sla_target.ToTimedelta().total_seconds()
    return seconds if seconds > 0 else fallback


def escalation_reasons(triage: triage_pb.TriageResult) -> tuple[str, ...]:
    return tuple(
        triage_pb.EscalationReason.Name(r).removeprefix("ESCALATION_REASON_").lower()
        for r in triage.escalation.reasons
    ) or ("escalated",)


def summary(
    ctx: Context,
    order: OrderView | None,
    intent: str | None,
    handoff: Handoff,
    triage: triage_pb.TriageResult | None,
    language: str,
) -> str:
    """Facts about the case in plain English, for the agent (translated when the agents
    read another language)."""
    who = ctx.customer.name if ctx.customer else "An unknown sender"
    sentences = [f"{who} writes in {LANGUAGE_NAMES.get(language, language)}."]
    if ctx.customer and ctx.customer.tier == "vip":
        sentences.append("The customer is a VIP.")
    if order is not None:
        status = order.shipment.status.replace("_", " ") if order.shipment else order.status
        sentences.append(
            f"Order {order.order_id}: {money(order.total_minor, order.currency)}, {status}."
        )
    if intent:
        sentences.append(f"Intent: {intent.replace('_', ' ')}.")
    if triage is not None:
        flags = [
            name.replace("_", " ")
            for name in (
                "urgent",
                "legal_threat",
                "offensive",
                "fraud_allegation",
                "churn_risk",
                "public_shaming",
            )
            if getattr(triage.flags, name)
        ]
        if flags:
            sentences.append(f"Flags: {', '.join(flags)}.")
    sentences.append(
        f"Handed over because: {', '.join(r.replace('_', ' ') for r in handoff.reasons)}."
    )
    return " ".join(sentences)


def ticket(
    handoff: Handoff,
    triage: triage_pb.TriageResult | None,
    intent: str | None,
    decision: dict[str, Any] | None,
    summary_text: str,
    summary_language: str,
    degraded: tuple[str, ...],
    fallback_sla: float,
) -> TicketWrite:
    if triage is not None:
        level = int(triage.priority.level) or FALLBACK_LEVEL
        score = triage.priority.score
        queue = handoff.queue or triage_pb.Queue.Name(triage.queue)
        if handoff.queue and triage.escalation.escalate:
            queue = triage_pb.Queue.Name(triage.queue)
        triage_json: dict[str, Any] | None = MessageToDict(triage, preserving_proto_field_name=True)
    else:
        level, score, queue, triage_json = (
            FALLBACK_LEVEL,
            FALLBACK_SCORE,
            handoff.queue or FALLBACK_QUEUE,
            None,
        )
    return TicketWrite(
        priority_level=level,
        priority_score=score,
        queue=queue.removeprefix("QUEUE_").lower(),
        sla_seconds=sla_seconds(triage, fallback_sla),
        intent=intent or "unknown",
        reasons=handoff.reasons,
        triage=triage_json,
        decision=decision,
        summary=summary_text,
        summary_language=summary_language,
        degraded=degraded,
    )
