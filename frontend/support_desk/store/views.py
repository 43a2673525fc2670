"""Read-only snapshots of store rows, handed to the flow and the pages (no session needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TenantView:
    tenant_id: str
    name: str
    currency: str
    default_language: str
    reship_allowed: bool
    refund_on_stall_allowed: bool
    return_label_cost: int
    outbound_shipping_cost: int
    receiving_cost: int
    handling_cost: int


@dataclass(frozen=True)
class EventView:
    occurred_at: datetime
    status: str
    location: str
    description: str
    exception_code: str | None


@dataclass(frozen=True)
class ShipmentView:
    carrier: str
    tracking_number: str
    status: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    estimated_delivery: datetime | None
    events: tuple[EventView, ...]

    @property
    def last_event(self) -> EventView | None:
        return self.events[-1] if self.events else None

    @property
    def last_exception(self) -> EventView | None:
        return next((e for e in reversed(self.events) if e.exception_code), None)


@dataclass(frozen=True)
class ItemView:
    line_item_id: str
    sku: str
    product_id: str
    name: str
    product_type: str
    category: str
    size: str
    color: str
    unit_price_minor: int
    unit_cost_minor: int
    quantity: int
    final_sale: bool
    tags: tuple[str, ...]


@dataclass(frozen=True)
class OrderView:
    order_id: str
    placed_at: datetime
    promised_by: datetime
    status: str
    channel: str
    payment_method: str
    currency: str
    total_minor: int
    discount_minor: int
    shipping_address: str
    country_code: str
    requested_resolution: str | None
    items: tuple[ItemView, ...]
    shipments: tuple[ShipmentView, ...]

    @property
    def shipment(self) -> ShipmentView | None:
        """The latest shipment, if the order has been handed to a carrier."""
        return self.shipments[-1] if self.shipments else None

    @property
    def shipped(self) -> bool:
        return any(s.shipped_at is not None for s in self.shipments)

    @property
    def delivered_at(self) -> datetime | None:
        shipment = self.shipment
        return shipment.delivered_at if shipment else None


@dataclass(frozen=True)
class ReturnView:
    order_id: str
    line_item_id: str
    sku: str
    product_id: str
    requested_at: datetime
    outcome: str
    returnless: bool
    rma: str | None
    return_by: datetime | None


@dataclass(frozen=True)
class CustomerView:
    customer_id: str
    name: str
    email: str
    language: str
    country_code: str
    tier: str
    tags: tuple[str, ...]
    created_at: datetime
    chargebacks: int
    orders: tuple[OrderView, ...]
    returns: tuple[ReturnView, ...]

    def order(self, order_id: str) -> OrderView | None:
        return next((o for o in self.orders if o.order_id == order_id), None)


@dataclass(frozen=True)
class StockView:
    sku: str
    product_id: str
    name: str
    size: str
    color: str
    unit_price_minor: int
    unit_cost_minor: int
    available: int


@dataclass(frozen=True)
class MessageView:
    id: int
    created_at: datetime
    author: str
    text: str
    language: str
    translation: str | None
    degraded: tuple[str, ...]


@dataclass(frozen=True)
class TicketView:
    id: int
    conversation_id: str
    tenant_id: str
    created_at: datetime
    status: str
    priority_level: int
    priority_score: int
    queue: str
    sla_due_at: datetime
    intent: str
    reasons: tuple[str, ...]
    triage: dict[str, Any] | None
    decision: dict[str, Any] | None
    summary: str
    summary_language: str
    degraded: tuple[str, ...]
    customer_id: str = ""
    customer_name: str = ""
    language: str = ""


@dataclass(frozen=True)
class ConversationView:
    id: str
    tenant_id: str
    customer_id: str | None
    contact: str
    channel: str
    subject: str
    language: str
    created_at: datetime
    intent: str
    handled_by: str
    pending: dict[str, Any] | None
    messages: tuple[MessageView, ...]
    open_ticket: TicketView | None


@dataclass(frozen=True)
class Context:
    """What the flow reads about one incoming message, in one transaction."""

    tenant: TenantView
    customer: CustomerView | None
    conversation: ConversationView | None
    stock: dict[str, tuple[StockView, ...]] = field(default_factory=dict)  # by product_id
    contacts_last_7_days: int = 0
