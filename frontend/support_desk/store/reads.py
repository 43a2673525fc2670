"""The store's hot reads with SQLAlchemy Core: rows go straight into the view dataclasses.

No ORM instances and no identity map: one SELECT per table, each filtered on an indexed
column (customer_pk, order_pk, shipment_pk, conversation_id), built once at import and
executed with bound parameters, so SQLAlchemy's compiled cache serves every call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.sql.expression import ColumnElement

from frontend.support_desk.store import models as m
from frontend.support_desk.store.errors import NotFound
from frontend.support_desk.store.views import (
    Context,
    ConversationView,
    CustomerView,
    EventView,
    ItemView,
    MessageView,
    OrderView,
    ReturnView,
    ShipmentView,
    StockView,
    TenantView,
    TicketView,
)


def table(model: type[m.Base]) -> Table:
    """The model's table, for Core statements."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


TENANTS = table(m.Tenant)
CUSTOMERS = table(m.Customer)
ORDERS = table(m.Order)
ITEMS = table(m.OrderItem)
SHIPMENTS = table(m.Shipment)
EVENTS = table(m.TrackingEvent)
RETURNS = table(m.ReturnRecord)
STOCK = table(m.StockItem)
CONVERSATIONS = table(m.Conversation)
MESSAGES = table(m.Message)
TICKETS = table(m.Ticket)


V = TypeVar("V")


def _view(view: Callable[..., V], *values: Any) -> V:
    """The view from a row's values in field order (a row has as many as fields)."""
    return view(*values)


def _columns(table: Table, view: type, skip: Sequence[str] = ()) -> list[ColumnElement[Any]]:
    """The table's columns named like the view's fields, in the view's order."""
    return [table.c[f.name] for f in fields(view) if f.name not in skip]


_TENANT = select(*_columns(TENANTS, TenantView)).where(TENANTS.c.tenant_id == bindparam("tenant"))
_CUSTOMER_ROW = _columns(CUSTOMERS, CustomerView, skip=("orders", "returns"))
_CUSTOMER = select(CUSTOMERS.c.id, *_CUSTOMER_ROW).where(
    CUSTOMERS.c.tenant_id == bindparam("tenant"),
    CUSTOMERS.c.customer_id == bindparam("customer_id"),
)
_ORDER_ROW = _columns(ORDERS, OrderView, skip=("items", "shipments"))
_ORDERS = (
    select(ORDERS.c.id, *_ORDER_ROW)
    .where(ORDERS.c.customer_pk == bindparam("customer"))
    .order_by(ORDERS.c.placed_at, ORDERS.c.id)
)
_ORDER = select(ORDERS.c.id, *_ORDER_ROW).where(
    ORDERS.c.tenant_id == bindparam("tenant"), ORDERS.c.order_id == bindparam("order_id")
)
_CUSTOMER_ORDER_IDS = select(ORDERS.c.id).where(ORDERS.c.customer_pk == bindparam("customer"))
_ITEMS = (
    select(ITEMS.c.order_pk, *_columns(ITEMS, ItemView))
    .where(ITEMS.c.order_pk.in_(_CUSTOMER_ORDER_IDS.scalar_subquery()))
    .order_by(ITEMS.c.id)
)
_SHIPMENTS = (
    select(SHIPMENTS.c.order_pk, SHIPMENTS.c.id, *_columns(SHIPMENTS, ShipmentView, ("events",)))
    .where(SHIPMENTS.c.order_pk.in_(_CUSTOMER_ORDER_IDS.scalar_subquery()))
    .order_by(SHIPMENTS.c.id)
)
_EVENTS = (
    select(EVENTS.c.shipment_pk, *_columns(EVENTS, EventView))
    .join(SHIPMENTS, SHIPMENTS.c.id == EVENTS.c.shipment_pk)
    .where(SHIPMENTS.c.order_pk.in_(_CUSTOMER_ORDER_IDS.scalar_subquery()))
    .order_by(EVENTS.c.occurred_at, EVENTS.c.id)
)
_RETURNS = (
    select(*_columns(RETURNS, ReturnView))
    .where(RETURNS.c.customer_pk == bindparam("customer"))
    .order_by(RETURNS.c.id)
)
_STOCK = (
    select(*_columns(STOCK, StockView))
    .where(
        STOCK.c.tenant_id == bindparam("tenant"),
        STOCK.c.product_id.in_(
            select(ITEMS.c.product_id)
            .where(ITEMS.c.order_pk.in_(_CUSTOMER_ORDER_IDS.scalar_subquery()))
            .scalar_subquery()
        ),
    )
    .order_by(STOCK.c.product_id, STOCK.c.id)
)
_CONTACTS = (
    select(func.count(MESSAGES.c.id))
    .join(CONVERSATIONS, CONVERSATIONS.c.id == MESSAGES.c.conversation_id)
    .where(
        CONVERSATIONS.c.customer_pk == bindparam("customer"),
        MESSAGES.c.author == "customer",
        MESSAGES.c.created_at >= bindparam("since", type_=m.UTCDateTime()),
    )
)
_CONVERSATION_ROW = [
    *_columns(CONVERSATIONS, ConversationView, ("customer_id", "messages", "open_ticket")),
    CONVERSATIONS.c.customer_pk,
    CUSTOMERS.c.customer_id,
    CUSTOMERS.c.name,
]
_CONVERSATION = (
    select(*_CONVERSATION_ROW)
    .outerjoin(CUSTOMERS, CUSTOMERS.c.id == CONVERSATIONS.c.customer_pk)
    .where(CONVERSATIONS.c.id == bindparam("conversation"))
)
_CONVERSATIONS_OF = (
    select(*_CONVERSATION_ROW)
    .join(CUSTOMERS, CUSTOMERS.c.id == CONVERSATIONS.c.customer_pk)
    .where(
        CUSTOMERS.c.tenant_id == bindparam("tenant"),
        CUSTOMERS.c.customer_id == bindparam("customer_id"),
    )
    .order_by(CONVERSATIONS.c.updated_at.desc())
)
_MESSAGES = (
    select(*_columns(MESSAGES, MessageView))
    .where(MESSAGES.c.conversation_id == bindparam("conversation"))
    .order_by(MESSAGES.c.id)
)
_TICKET_ROW = [
    *_columns(TICKETS, TicketView, ("customer_id", "customer_name", "language")),
    CUSTOMERS.c.customer_id,
    CUSTOMERS.c.name,
    CONVERSATIONS.c.contact,
    CONVERSATIONS.c.language,
]
_TICKETS = (
    select(*_TICKET_ROW)
    .join(CONVERSATIONS, CONVERSATIONS.c.id == TICKETS.c.conversation_id)
    .outerjoin(CUSTOMERS, CUSTOMERS.c.id == CONVERSATIONS.c.customer_pk)
)
_OPEN_TICKET = _TICKETS.where(
    TICKETS.c.conversation_id == bindparam("conversation"), TICKETS.c.status == "open"
).order_by(TICKETS.c.id)
_TICKET = _TICKETS.where(TICKETS.c.id == bindparam("ticket"))
_TICKETS_BY_STATUS = _TICKETS.where(TICKETS.c.status == bindparam("status")).order_by(
    TICKETS.c.priority_level, TICKETS.c.sla_due_at, TICKETS.c.id
)


def read_context(
    conn: Connection,
    tenant_id: str,
    customer_id: str | None,
    conversation_id: str | None,
    now: datetime,
) -> Context:
    """Everything the flow reads for one message. Raises NotFound naming the field."""
    tenant = read_tenant(conn, tenant_id)
    if tenant is None:
        raise NotFound("tenant_id", f"no tenant {tenant_id!r}")
    customer_pk = None
    customer = None
    if customer_id is not None:
        found = _customer(conn, tenant_id, customer_id)
        if found is None:
            raise NotFound("customer_id", f"no customer {customer_id!r} in tenant {tenant_id!r}")
        customer_pk, customer = found
    conversation = None
    if conversation_id is not None:
        conversation = _conversation(conn, tenant_id, customer_pk, conversation_id)
    stock: dict[str, tuple[StockView, ...]] = {}
    contacts = 0
    if customer_pk is not None:
        for row in conn.execute(_STOCK, {"tenant": tenant_id, "customer": customer_pk}):
            stock[row.product_id] = (*stock.get(row.product_id, ()), StockView(*row))
        since = now - timedelta(days=7)
        contacts = conn.execute(_CONTACTS, {"customer": customer_pk, "since": since}).scalar_one()
    return Context(
        tenant=tenant,
        customer=customer,
        conversation=conversation,
        stock=stock,
        contacts_last_7_days=contacts,
    )


def _conversation(
    conn: Connection, tenant_id: str, customer_pk: int | None, conversation_id: str
) -> ConversationView:
    row = conn.execute(_CONVERSATION, {"conversation": conversation_id}).first()
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("conversation_id", f"no conversation {conversation_id!r}")
    if customer_pk is not None and row.customer_pk != customer_pk:
        raise NotFound(
            "conversation_id", f"conversation {conversation_id!r} belongs to another customer"
        )
    return _conversation_view(conn, row)


def read_tenant(conn: Connection, tenant_id: str) -> TenantView | None:
    row = conn.execute(_TENANT, {"tenant": tenant_id}).first()
    return TenantView(*row) if row is not None else None


def read_customer(conn: Connection, tenant_id: str, customer_id: str) -> CustomerView | None:
    found = _customer(conn, tenant_id, customer_id)
    return found[1] if found is not None else None


def _customer(
    conn: Connection, tenant_id: str, customer_id: str
) -> tuple[int, CustomerView] | None:
    """The customer's primary key and view, with orders, items, shipments, tracking
    events and returns: six SELECTs, whatever the number of orders."""
    row = conn.execute(_CUSTOMER, {"tenant": tenant_id, "customer_id": customer_id}).first()
    if row is None:
        return None
    pk = row.id
    key = {"customer": pk}
    events: dict[int, list[EventView]] = {}
    for e in conn.execute(_EVENTS, key):
        events.setdefault(e.shipment_pk, []).append(EventView(*e[1:]))
    shipments: dict[int, list[ShipmentView]] = {}
    for s in conn.execute(_SHIPMENTS, key):
        shipment = _view(ShipmentView, *s[2:], tuple(events.get(s.id, ())))
        shipments.setdefault(s.order_pk, []).append(shipment)
    items: dict[int, list[ItemView]] = {}
    for i in conn.execute(_ITEMS, key):
        items.setdefault(i.order_pk, []).append(_item(i))
    orders = tuple(
        _order(o, items.get(o.id, ()), shipments.get(o.id, ())) for o in conn.execute(_ORDERS, key)
    )
    returns = tuple(ReturnView(*r) for r in conn.execute(_RETURNS, key))
    # (id, customer_id, name, email, language, country_code, tier, tags, created_at, ...)
    customer = _view(CustomerView, *row[1:7], tuple(row.tags or ()), *row[8:], orders, returns)
    return pk, customer


def _item(row: Any) -> ItemView:
    """(order_pk, line_item_id, ..., final_sale, tags)."""
    return _view(ItemView, *row[1:-1], tuple(row.tags or ()))


def _order(row: Any, items: Sequence[ItemView], shipments: Sequence[ShipmentView]) -> OrderView:
    """(id, order_id, ..., requested_resolution)."""
    return _view(OrderView, *row[1:], tuple(items), tuple(shipments))


def read_order(conn: Connection, tenant_id: str, order_id: str) -> OrderView | None:
    """One order with its items, shipments and tracking events."""
    row = conn.execute(_ORDER, {"tenant": tenant_id, "order_id": order_id}).first()
    if row is None:
        return None
    items = [
        _item(i)
        for i in conn.execute(
            select(ITEMS.c.order_pk, *_columns(ITEMS, ItemView))
            .where(ITEMS.c.order_pk == row.id)
            .order_by(ITEMS.c.id)
        )
    ]
    shipments = []
    for s in conn.execute(
        select(SHIPMENTS.c.id, *_columns(SHIPMENTS, ShipmentView, ("events",)))
        .where(SHIPMENTS.c.order_pk == row.id)
        .order_by(SHIPMENTS.c.id)
    ):
        events = conn.execute(
            select(*_columns(EVENTS, EventView))
            .where(EVENTS.c.shipment_pk == s.id)
            .order_by(EVENTS.c.occurred_at, EVENTS.c.id)
        )
        shipments.append(_view(ShipmentView, *s[1:], tuple(EventView(*e) for e in events)))
    return _order(row, items, shipments)


def read_conversation(conn: Connection, conversation_id: str) -> ConversationView | None:
    row = conn.execute(_CONVERSATION, {"conversation": conversation_id}).first()
    return _conversation_view(conn, row) if row is not None else None


def read_conversations(
    conn: Connection, tenant_id: str, customer_id: str
) -> list[ConversationView]:
    rows = conn.execute(_CONVERSATIONS_OF, {"tenant": tenant_id, "customer_id": customer_id})
    return [_conversation_view(conn, row) for row in rows.all()]


def _conversation_view(conn: Connection, row: Any) -> ConversationView:
    """(id, tenant_id, contact, ..., pending, customer_pk, customer_id, name)."""
    key = {"conversation": row.id}
    messages = tuple(
        _view(MessageView, *x[:-1], tuple(x.degraded or ())) for x in conn.execute(_MESSAGES, key)
    )
    ticket = conn.execute(_OPEN_TICKET, key).first()
    return _view(
        ConversationView,
        *row[:2],
        row.customer_id,
        *row[2:10],
        messages,
        _ticket_view(ticket) if ticket is not None else None,
    )


def read_ticket(conn: Connection, ticket_id: int) -> TicketView | None:
    row = conn.execute(_TICKET, {"ticket": ticket_id}).first()
    return _ticket_view(row) if row is not None else None


def read_tickets(conn: Connection, status: str) -> list[TicketView]:
    """Tickets by priority (P1 first), then by the time left on their SLA."""
    return [_ticket_view(row) for row in conn.execute(_TICKETS_BY_STATUS, {"status": status})]


def _ticket_view(row: Any) -> TicketView:
    """(id, ..., intent, reasons, triage, decision, summary, summary_language, degraded,
    customer_id, name, contact, language)."""
    customer_id, name, contact, language = row[16:]
    return _view(
        TicketView,
        *row[:10],
        tuple(row.reasons or ()),
        *row[11:15],
        tuple(row.degraded or ()),
        customer_id or "",
        name if customer_id is not None else contact,
        language,
    )
