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

from sqlalchemy import Connection, Table, and_, bindparam, func, select
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


_TENANT_FIELDS = len(fields(TenantView))
_ORDER_FIELDS = len(fields(OrderView)) - 2  # without items and shipments
_SHIPMENT_FIELDS = len(fields(ShipmentView)) - 1  # without events
_CUSTOMER_ROW = _columns(CUSTOMERS, CustomerView, skip=("orders", "returns"))
_CUSTOMER = select(CUSTOMERS.c.id, *_CUSTOMER_ROW).where(
    CUSTOMERS.c.tenant_id == bindparam("tenant"),
    CUSTOMERS.c.customer_id == bindparam("customer_id"),
)
_ORDER_ROW = _columns(ORDERS, OrderView, skip=("items", "shipments"))
_ORDER = select(ORDERS.c.id, *_ORDER_ROW).where(
    ORDERS.c.tenant_id == bindparam("tenant"), ORDERS.c.order_id == bindparam("order_id")
)
_CUSTOMER_ORDER_IDS = select(ORDERS.c.id).where(ORDERS.c.customer_pk == bindparam("customer"))
_ITEM_ROW = _columns(ITEMS, ItemView)
_ORDERS_AND_ITEMS = (  # one row per item; an order without items has one row of NULLs
    select(ORDERS.c.id, *_ORDER_ROW, ITEMS.c.id.label("item_pk"), *_ITEM_ROW)
    .select_from(ORDERS.outerjoin(ITEMS, ITEMS.c.order_pk == ORDERS.c.id))
    .where(ORDERS.c.customer_pk == bindparam("customer"))
    .order_by(ORDERS.c.placed_at, ORDERS.c.id, ITEMS.c.id)
)
_SHIPMENT_ROW = _columns(SHIPMENTS, ShipmentView, ("events",))
_SHIPMENTS_AND_EVENTS = (  # one row per tracking event, or one for a shipment without any
    select(
        SHIPMENTS.c.order_pk,
        SHIPMENTS.c.id,
        *_SHIPMENT_ROW,
        EVENTS.c.id.label("event_pk"),
        *_columns(EVENTS, EventView),
    )
    .select_from(
        SHIPMENTS.join(ORDERS, ORDERS.c.id == SHIPMENTS.c.order_pk).outerjoin(
            EVENTS, EVENTS.c.shipment_pk == SHIPMENTS.c.id
        )
    )
    .where(ORDERS.c.customer_pk == bindparam("customer"))
    .order_by(SHIPMENTS.c.id, EVENTS.c.occurred_at, EVENTS.c.id)
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
_CONTACTS = (  # the customer's messages of the last 7 days
    select(func.count(MESSAGES.c.id))
    .join(CONVERSATIONS, CONVERSATIONS.c.id == MESSAGES.c.conversation_id)
    .where(
        CONVERSATIONS.c.customer_pk == CUSTOMERS.c.id,
        MESSAGES.c.author == "customer",
        MESSAGES.c.created_at >= bindparam("since", type_=m.UTCDateTime()),
    )
    .scalar_subquery()
)
_TENANT_ROW = _columns(TENANTS, TenantView)
_HEAD = (  # the tenant, and the customer (NULLs when none is asked for or found)
    select(*_TENANT_ROW, CUSTOMERS.c.id, *_CUSTOMER_ROW, _CONTACTS.label("contacts"))
    .select_from(
        TENANTS.outerjoin(
            CUSTOMERS,
            and_(
                CUSTOMERS.c.tenant_id == TENANTS.c.tenant_id,
                CUSTOMERS.c.customer_id == bindparam("customer_id"),
            ),
        )
    )
    .where(TENANTS.c.tenant_id == bindparam("tenant"))
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
    """Everything the flow reads for one message, in five SELECTs (seven more for an
    existing conversation). Raises NotFound naming the field."""
    since = now - timedelta(days=7)
    head = conn.execute(
        _HEAD, {"tenant": tenant_id, "customer_id": customer_id, "since": since}
    ).first()
    if head is None:
        raise NotFound("tenant_id", f"no tenant {tenant_id!r}")
    tenant = _view(TenantView, *head[:_TENANT_FIELDS])
    customer_pk = head[_TENANT_FIELDS]
    customer = None
    stock: dict[str, tuple[StockView, ...]] = {}
    contacts = 0
    if customer_pk is not None:
        customer = _customer_view(conn, customer_pk, head[_TENANT_FIELDS + 1 : -1])
        for row in conn.execute(_STOCK, {"tenant": tenant_id, "customer": customer_pk}):
            stock[row.product_id] = (*stock.get(row.product_id, ()), StockView(*row))
        contacts = head.contacts
    elif customer_id is not None:
        raise NotFound("customer_id", f"no customer {customer_id!r} in tenant {tenant_id!r}")
    conversation = None
    if conversation_id is not None:
        conversation = _conversation(conn, tenant_id, customer_pk, conversation_id)
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


def read_customer(conn: Connection, tenant_id: str, customer_id: str) -> CustomerView | None:
    row = conn.execute(_CUSTOMER, {"tenant": tenant_id, "customer_id": customer_id}).first()
    return _customer_view(conn, row.id, row[1:]) if row is not None else None


def _customer_view(conn: Connection, pk: int, row: Any) -> CustomerView:
    """The customer (row: customer_id, name, email, language, country_code, tier, tags,
    created_at, chargebacks) with orders, items, shipments, tracking events and returns:
    three SELECTs, whatever the number of orders."""
    key = {"customer": pk}
    shipment_rows: dict[int, Any] = {}  # by shipment id, in id order
    events: dict[int, list[EventView]] = {}
    for r in conn.execute(_SHIPMENTS_AND_EVENTS, key):
        shipment_rows.setdefault(r.id, r)
        if r.event_pk is not None:
            events.setdefault(r.id, []).append(_view(EventView, *r[3 + _SHIPMENT_FIELDS :]))
    shipments: dict[int, list[ShipmentView]] = {}
    for shipment_id, r in shipment_rows.items():
        shipment = _view(
            ShipmentView, *r[2 : 2 + _SHIPMENT_FIELDS], tuple(events.get(shipment_id, ()))
        )
        shipments.setdefault(r.order_pk, []).append(shipment)
    order_rows: dict[int, Any] = {}  # by order id, in placed_at order
    items: dict[int, list[ItemView]] = {}
    for r in conn.execute(_ORDERS_AND_ITEMS, key):
        order_rows.setdefault(r.id, r)
        if r.item_pk is not None:
            values = r[2 + _ORDER_FIELDS :]
            item = _view(ItemView, *values[:-1], tuple(values[-1] or ()))
            items.setdefault(r.id, []).append(item)
    orders = tuple(
        _view(
            OrderView,
            *r[1 : 1 + _ORDER_FIELDS],
            tuple(items.get(order_id, ())),
            tuple(shipments.get(order_id, ())),
        )
        for order_id, r in order_rows.items()
    )
    returns = tuple(ReturnView(*r) for r in conn.execute(_RETURNS, key))
    return _view(CustomerView, *row[:6], tuple(row[6] or ()), *row[7:], orders, returns)


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
