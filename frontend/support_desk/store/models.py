"""Tables of the order store (SQLAlchemy 2 ORM): SQLite by default, PostgreSQL by URL.

Every foreign key the flow's reads filter on (customer_pk, order_pk, shipment_pk,
conversation_id) has an index.

Money is integer minor units of the tenant's currency, as `retail.type.v1.Money` carries
it. Instants are stored as naive UTC (portable across SQLite and PostgreSQL) and read
back as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Tenant(Base):
    """A merchant: currency, language, what it allows for a stalled parcel, logistics costs."""

    __tablename__ = "tenants"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    default_language: Mapped[str] = mapped_column(String(8))
    reship_allowed: Mapped[bool] = mapped_column(Boolean)
    refund_on_stall_allowed: Mapped[bool] = mapped_column(Boolean)
    return_label_cost: Mapped[int] = mapped_column(Integer)
    outbound_shipping_cost: Mapped[int] = mapped_column(Integer)
    receiving_cost: Mapped[int] = mapped_column(Integer)
    handling_cost: Mapped[int] = mapped_column(Integer)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    customer_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)
    language: Mapped[str] = mapped_column(String(8))
    country_code: Mapped[str] = mapped_column(String(2))
    tier: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    chargebacks: Mapped[int] = mapped_column(Integer, default=0)

    orders: Mapped[list[Order]] = relationship(
        back_populates="customer", order_by="Order.placed_at"
    )
    returns: Mapped[list[ReturnRecord]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("tenant_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    order_id: Mapped[str] = mapped_column(String(64))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    placed_at: Mapped[datetime]
    promised_by: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # processing, shipped, delivered, cancelled
    channel: Mapped[str] = mapped_column(String(16), default="online_store")
    payment_method: Mapped[str] = mapped_column(String(16), default="card")
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(Integer)
    discount_minor: Mapped[int] = mapped_column(Integer, default=0)
    shipping_address: Mapped[str] = mapped_column(Text)
    country_code: Mapped[str] = mapped_column(String(2))
    requested_resolution: Mapped[str | None] = mapped_column(String(16), default=None)

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", order_by="Shipment.id", cascade="all, delete-orphan"
    )
    address_changes: Mapped[list[AddressChange]] = relationship(
        back_populates="order", order_by="AddressChange.id"
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_item_id: Mapped[str] = mapped_column(String(32))
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    product_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    size: Mapped[str] = mapped_column(String(16), default="")
    color: Mapped[str] = mapped_column(String(32), default="")
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    unit_cost_minor: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    final_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list[str]] = mapped_column(default=list)

    order: Mapped[Order] = relationship(back_populates="items")


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(16))
    tracking_number: Mapped[str] = mapped_column(String(64))
    # label_created, in_transit, out_for_delivery, delivered, exception, lost, returned
    status: Mapped[str] = mapped_column(String(24))
    shipped_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    estimated_delivery: Mapped[datetime | None] = mapped_column(default=None)

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment",
        order_by="TrackingEvent.occurred_at",
        cascade="all, delete-orphan",
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_pk: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24))
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(300), default="")
    exception_code: Mapped[str | None] = mapped_column(String(16), default=None)

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class StockItem(Base):
    """Sellable stock: the exchange candidates and what a reship draws from."""

    __tablename__ = "stock"
    __table_args__ = (UniqueConstraint("tenant_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[str] = mapped_column(String(16), default="")
    color: Mapped[str] = mapped_column(String(32), default="")
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    unit_cost_minor: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer)


class ReturnRecord(Base):
    """A return the customer made: the history DecideReturn weighs, and the desk's own."""

    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(64))
    line_item_id: Mapped[str] = mapped_column(String(32), default="")
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(32))
    returnless: Mapped[bool] = mapped_column(Boolean, default=False)
    rma: Mapped[str | None] = mapped_column(String(32), default=None, unique=True)
    return_by: Mapped[datetime | None] = mapped_column(default=None)
    refund_minor: Mapped[int] = mapped_column(Integer, default=0)
    exchange_sku: Mapped[str | None] = mapped_column(String(64), default=None)
    conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)

    customer: Mapped[Customer] = relationship(back_populates="returns")


class AddressChange(Base):
    __tablename__ = "address_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    old_address: Mapped[str] = mapped_column(Text)
    new_address: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime]
    conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)

    order: Mapped[Order] = relationship(back_populates="address_changes")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"))
    customer_pk: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id"), default=None, index=True
    )
    contact: Mapped[str] = mapped_column(String(320), default="")  # e-mail of the sender
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    intent: Mapped[str] = mapped_column(String(40), default="")  # of the first message
    handled_by: Mapped[str] = mapped_column(String(16), default="automation")
    pending: Mapped[dict[str, Any] | None] = mapped_column(default=None)

    customer: Mapped[Customer | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )
    tickets: Mapped[list[Ticket]] = relationship(
        back_populates="conversation", order_by="Ticket.id"
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(16))  # customer, desk, agent
    text: Mapped[str] = mapped_column(Text)  # as the customer wrote or received it
    language: Mapped[str] = mapped_column(String(8))
    translation: Mapped[str | None] = mapped_column(Text, default=None)  # agent's language
    request_id: Mapped[str] = mapped_column(String(64), default="")
    degraded: Mapped[list[str]] = mapped_column(default=list)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Ticket(Base):
    """A conversation in the human queue, with everything an agent needs to take over."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, answered, closed
    priority_level: Mapped[int] = mapped_column(Integer)  # 1 (P1) .. 4 (P4)
    priority_score: Mapped[int] = mapped_column(Integer)
    queue: Mapped[str] = mapped_column(String(32))
    sla_due_at: Mapped[datetime]
    intent: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[list[str]] = mapped_column(default=list)
    triage: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    decision: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text)  # in the agent's language
    summary_language: Mapped[str] = mapped_column(String(8))
    degraded: Mapped[list[str]] = mapped_column(default=list)

    conversation: Mapped[Conversation] = relationship(back_populates="tickets")


class OutboundEmail(Base):
    """A reply to an inbound e-mail, stored for the mail relay to send."""

    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[datetime]
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
