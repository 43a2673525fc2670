"""What one handled message changes in the store, applied in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class NewConversation:
    tenant_id: str
    customer_id: str | None
    contact: str
    channel: str
    subject: str


@dataclass(frozen=True)
class MessageWrite:
    author: str  # customer, desk, agent
    text: str
    language: str
    translation: str | None
    request_id: str
    degraded: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketWrite:
    """A new ticket, or, when the conversation has an open one, an update of it."""

    priority_level: int
    priority_score: int
    queue: str
    sla_seconds: float
    intent: str
    reasons: tuple[str, ...]
    triage: dict[str, Any] | None
    decision: dict[str, Any] | None
    summary: str
    summary_language: str
    degraded: tuple[str, ...]


@dataclass(frozen=True)
class ReturnWrite:
    order_id: str
    line_item_id: str
    sku: str
    product_id: str
    outcome: str
    returnless: bool
    rma: str | None
    return_by: datetime | None
    refund_minor: int
    exchange_sku: str | None


@dataclass(frozen=True)
class AddressWrite:
    order_id: str
    new_address: str


@dataclass(frozen=True)
class ResolutionWrite:
    """The customer's choice for a stalled or lost parcel: reship or refund."""

    order_id: str
    resolution: str


@dataclass(frozen=True)
class EmailWrite:
    to_address: str
    subject: str


@dataclass(frozen=True)
class TurnWrite:
    conversation_id: str
    new_conversation: NewConversation | None
    language: str
    intent: str
    handled_by: str
    pending: dict[str, Any] | None
    messages: tuple[MessageWrite, ...]
    ticket: TicketWrite | None = None
    return_record: ReturnWrite | None = None
    address_change: AddressWrite | None = None
    resolution: ResolutionWrite | None = None
    email: EmailWrite | None = None
    exchange_reserved_sku: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
