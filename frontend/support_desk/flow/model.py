"""The flow's inputs and outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from frontend.support_desk.replies.render import Reply
from frontend.support_desk.store.writes import AddressWrite, ResolutionWrite, ReturnWrite

Channel = Literal["chat", "email"]
HandledBy = Literal["automation", "human"]


@dataclass(frozen=True)
class Inbound:
    """One customer message, from any channel."""

    tenant_id: str
    customer_id: str | None  # None: an e-mail from an address no customer has
    channel: Channel
    text: str
    request_id: str
    conversation_id: str | None = None
    contact: str = ""  # the sender's e-mail address
    subject: str = ""


@dataclass(frozen=True)
class Outcome:
    """The answer to one message."""

    conversation_id: str
    reply_text: str
    reply_language: str
    handled_by: HandledBy
    intent: str | None
    priority: str | None  # "P1".."P4"; None when triage was unavailable
    degraded: tuple[str, ...]
    request_id: str


@dataclass(frozen=True)
class Handoff:
    """A hand-over to the human queue."""

    reasons: tuple[str, ...]
    queue: str | None = None  # None: triage's queue


@dataclass
class Handled:
    """What a handler decided: the reply, and what to write and whom to hand over to."""

    reply: Reply
    pending: dict[str, Any] | None = None
    handoff: Handoff | None = None
    decision: dict[str, Any] | None = None
    return_record: ReturnWrite | None = None
    address_change: AddressWrite | None = None
    resolution: ResolutionWrite | None = None
    exchange_reserved_sku: str | None = None
    degraded: list[str] = field(default_factory=list)
