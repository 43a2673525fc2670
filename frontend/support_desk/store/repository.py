"""The store's reads and writes. Synchronous SQLAlchemy sessions: the async flow runs
each call in a worker thread (one read and one write transaction per message)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, selectinload, sessionmaker

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
from frontend.support_desk.store.writes import MessageWrite, TurnWrite


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, the file's folder is created and WAL turned on,
    so readers do not wait for the writer and a commit costs no fsync of the whole file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CustomerSummary:
    tenant_id: str
    customer_id: str
    name: str
    language: str
    country_code: str
    email: str


@dataclass(frozen=True)
class IntentCounts:
    intent: str
    conversations: int
    automation: int
    human: int

    @property
    def containment(self) -> float:
        return self.automation / self.conversations if self.conversations else 0.0


@dataclass(frozen=True)
class EmailView:
    created_at: datetime
    to_address: str
    subject: str
    body: str
    language: str


@dataclass(frozen=True)
class LabelView:
    rma: str
    order_id: str
    sku: str
    customer_name: str
    return_by: datetime | None
    shipping_address: str
    tenant_name: str


class Store:
    """The order store behind one SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        m.Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def is_empty(self) -> bool:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(m.Tenant)) == 0

    # Reads for the flow.

    def load_context(
        self,
        tenant_id: str,
        customer_id: str | None,
        conversation_id: str | None,
        now: datetime,
    ) -> Context:
        """Everything the flow reads for one message. Raises NotFound naming the field."""
        with self.session() as s:
            tenant = s.get(m.Tenant, tenant_id)
            if tenant is None:
                raise NotFound("tenant_id", f"no tenant {tenant_id!r}")
            customer = None
            if customer_id is not None:
                customer = self._customer(s, tenant_id, customer_id)
                if customer is None:
                    raise NotFound(
                        "customer_id", f"no customer {customer_id!r} in tenant {tenant_id!r}"
                    )
            conversation = None
            if conversation_id is not None:
                conversation = s.get(m.Conversation, conversation_id)
                if conversation is None or conversation.tenant_id != tenant_id:
                    raise NotFound("conversation_id", f"no conversation {conversation_id!r}")
                if customer is not None and conversation.customer_pk != customer.id:
                    raise NotFound(
                        "conversation_id",
                        f"conversation {conversation_id!r} belongs to another customer",
                    )
            stock: dict[str, tuple[StockView, ...]] = {}
            contacts = 0
            if customer is not None:
                products = {i.product_id for o in customer.orders for i in o.items}
                rows = s.scalars(
                    select(m.StockItem).where(
                        m.StockItem.tenant_id == tenant_id, m.StockItem.product_id.in_(products)
                    )
                ).all()
                for row in rows:
                    stock.setdefault(row.product_id, ())
                    stock[row.product_id] += (_stock_view(row),)
                contacts = (
                    s.scalar(
                        select(func.count(m.Message.id))
                        .join(m.Conversation)
                        .where(
                            m.Conversation.customer_pk == customer.id,
                            m.Message.author == "customer",
                            m.Message.created_at >= now - timedelta(days=7),
                        )
                    )
                    or 0
                )
            return Context(
                tenant=_tenant_view(tenant),
                customer=_customer_view(customer) if customer else None,
                conversation=_conversation_view(conversation) if conversation else None,
                stock=stock,
                contacts_last_7_days=contacts,
            )

    def _customer(self, s: Session, tenant_id: str, customer_id: str) -> m.Customer | None:
        return s.scalar(
            select(m.Customer)
            .where(m.Customer.tenant_id == tenant_id, m.Customer.customer_id == customer_id)
            .options(
                selectinload(m.Customer.orders).selectinload(m.Order.items),
                selectinload(m.Customer.orders)
                .selectinload(m.Order.shipments)
                .selectinload(m.Shipment.events),
                selectinload(m.Customer.returns),
            )
        )

    def customer_by_email(self, tenant_id: str, email: str) -> str | None:
        with self.session() as s:
            return s.scalar(
                select(m.Customer.customer_id).where(
                    m.Customer.tenant_id == tenant_id,
                    func.lower(m.Customer.email) == email.strip().lower(),
                )
            )

    def customer(self, tenant_id: str, customer_id: str) -> CustomerView | None:
        with self.session() as s:
            row = self._customer(s, tenant_id, customer_id)
            return _customer_view(row) if row else None

    def customers(self, tenant_id: str | None = None) -> list[CustomerSummary]:
        with self.session() as s:
            query = select(m.Customer).order_by(m.Customer.tenant_id, m.Customer.customer_id)
            if tenant_id is not None:
                query = query.where(m.Customer.tenant_id == tenant_id)
            return [
                CustomerSummary(
                    c.tenant_id, c.customer_id, c.name, c.language, c.country_code, c.email
                )
                for c in s.scalars(query)
            ]

    def tenant_exists(self, tenant_id: str) -> bool:
        with self.session() as s:
            return s.get(m.Tenant, tenant_id) is not None

    def order(self, tenant_id: str, order_id: str) -> OrderView | None:
        with self.session() as s:
            row = s.scalar(
                select(m.Order).where(m.Order.tenant_id == tenant_id, m.Order.order_id == order_id)
            )
            return _order_view(row) if row else None

    def address_changes(self, tenant_id: str, order_id: str) -> list[tuple[str, str]]:
        with self.session() as s:
            rows = s.scalars(
                select(m.AddressChange)
                .join(m.Order)
                .where(m.Order.tenant_id == tenant_id, m.Order.order_id == order_id)
                .order_by(m.AddressChange.id)
            )
            return [(r.old_address, r.new_address) for r in rows]

    def conversation(self, conversation_id: str) -> ConversationView | None:
        with self.session() as s:
            row = s.get(m.Conversation, conversation_id)
            return _conversation_view(row) if row else None

    def conversations(self, tenant_id: str, customer_id: str) -> list[ConversationView]:
        with self.session() as s:
            rows = s.scalars(
                select(m.Conversation)
                .join(m.Customer)
                .where(m.Customer.tenant_id == tenant_id, m.Customer.customer_id == customer_id)
                .order_by(m.Conversation.updated_at.desc())
            )
            return [_conversation_view(r) for r in rows]

    def tickets(self, status: str = "open") -> list[TicketView]:
        """Tickets by priority (P1 first), then by the time left on their SLA."""
        with self.session() as s:
            rows = s.scalars(
                select(m.Ticket)
                .where(m.Ticket.status == status)
                .order_by(m.Ticket.priority_level, m.Ticket.sla_due_at, m.Ticket.id)
            )
            return [_ticket_view(r) for r in rows]

    def ticket(self, ticket_id: int) -> TicketView | None:
        with self.session() as s:
            row = s.get(m.Ticket, ticket_id)
            return _ticket_view(row) if row else None

    def emails(self, conversation_id: str) -> list[EmailView]:
        with self.session() as s:
            rows = s.scalars(
                select(m.OutboundEmail)
                .where(m.OutboundEmail.conversation_id == conversation_id)
                .order_by(m.OutboundEmail.id)
            )
            return [
                EmailView(r.created_at, r.to_address, r.subject, r.body, r.language) for r in rows
            ]

    def label(self, rma: str) -> LabelView | None:
        with self.session() as s:
            row = s.scalar(select(m.ReturnRecord).where(m.ReturnRecord.rma == rma))
            if row is None:
                return None
            order = s.scalar(
                select(m.Order).where(
                    m.Order.tenant_id == row.customer.tenant_id, m.Order.order_id == row.order_id
                )
            )
            tenant = s.get(m.Tenant, row.customer.tenant_id)
            return LabelView(
                rma=rma,
                order_id=row.order_id,
                sku=row.sku,
                customer_name=row.customer.name,
                return_by=row.return_by,
                shipping_address=order.shipping_address if order else "",
                tenant_name=tenant.name if tenant else "",
            )

    def intent_counts(self) -> list[IntentCounts]:
        """Conversations per first intent, and who resolved them (containment)."""
        with self.session() as s:
            rows = s.execute(
                select(m.Conversation.intent, m.Conversation.handled_by, func.count()).group_by(
                    m.Conversation.intent, m.Conversation.handled_by
                )
            ).all()
        counts: dict[str, Counter[str]] = {}
        for intent, handled_by, n in rows:
            counts.setdefault(intent or "unknown", Counter())[handled_by] += n
        return [
            IntentCounts(intent, sum(c.values()), c["automation"], c["human"])
            for intent, c in sorted(counts.items())
        ]

    def escalation_counts(self) -> dict[str, int]:
        with self.session() as s:
            counts: Counter[str] = Counter()
            for reasons in s.scalars(select(m.Ticket.reasons)):
                counts.update(reasons or ["none"])
            return dict(counts)

    # Writes.

    def apply_turn(self, turn: TurnWrite, now: datetime) -> None:
        """Write everything one handled message changes, in one transaction."""
        with self.session() as s:
            conversation = s.get(m.Conversation, turn.conversation_id)
            if conversation is None:
                new = turn.new_conversation
                assert new is not None, "a new conversation needs its details"
                customer_pk = None
                if new.customer_id is not None:
                    customer_pk = s.scalar(
                        select(m.Customer.id).where(
                            m.Customer.tenant_id == new.tenant_id,
                            m.Customer.customer_id == new.customer_id,
                        )
                    )
                conversation = m.Conversation(
                    id=turn.conversation_id,
                    tenant_id=new.tenant_id,
                    customer_pk=customer_pk,
                    contact=new.contact,
                    channel=new.channel,
                    subject=new.subject,
                    language=turn.language,
                    created_at=now,
                    updated_at=now,
                    intent=turn.intent,
                    handled_by=turn.handled_by,
                    pending=turn.pending,
                )
                s.add(conversation)
            else:
                conversation.language = turn.language
                conversation.updated_at = now
                conversation.pending = turn.pending
                if turn.handled_by == "human":
                    conversation.handled_by = "human"
                if not conversation.intent:
                    conversation.intent = turn.intent
            for message in turn.messages:
                conversation.messages.append(_message_row(message, now))
            customer = conversation.customer
            if turn.ticket is not None:
                self._write_ticket(s, conversation, turn, now)
            if turn.return_record is not None and customer is not None:
                r = turn.return_record
                s.add(
                    m.ReturnRecord(
                        customer_pk=customer.id,
                        order_id=r.order_id,
                        line_item_id=r.line_item_id,
                        sku=r.sku,
                        product_id=r.product_id,
                        requested_at=now,
                        outcome=r.outcome,
                        returnless=r.returnless,
                        rma=r.rma,
                        return_by=r.return_by,
                        refund_minor=r.refund_minor,
                        exchange_sku=r.exchange_sku,
                        conversation_id=conversation.id,
                    )
                )
            if turn.exchange_reserved_sku is not None:
                stock = s.scalar(
                    select(m.StockItem).where(
                        m.StockItem.tenant_id == conversation.tenant_id,
                        m.StockItem.sku == turn.exchange_reserved_sku,
                    )
                )
                if stock is not None and stock.available > 0:
                    stock.available -= 1
            if turn.address_change is not None:
                order = self._order_row(s, conversation.tenant_id, turn.address_change.order_id)
                if order is not None:
                    s.add(
                        m.AddressChange(
                            order=order,
                            old_address=order.shipping_address,
                            new_address=turn.address_change.new_address,
                            changed_at=now,
                            conversation_id=conversation.id,
                        )
                    )
                    order.shipping_address = turn.address_change.new_address
            if turn.resolution is not None:
                order = self._order_row(s, conversation.tenant_id, turn.resolution.order_id)
                if order is not None:
                    order.requested_resolution = turn.resolution.resolution
            if turn.email is not None:
                reply = next((w for w in reversed(turn.messages) if w.author == "desk"), None)
                if reply is not None:
                    s.add(
                        m.OutboundEmail(
                            conversation_id=conversation.id,
                            created_at=now,
                            to_address=turn.email.to_address,
                            subject=turn.email.subject,
                            body=reply.text,
                            language=reply.language,
                        )
                    )

    def _order_row(self, s: Session, tenant_id: str, order_id: str) -> m.Order | None:
        return s.scalar(
            select(m.Order).where(m.Order.tenant_id == tenant_id, m.Order.order_id == order_id)
        )

    def _write_ticket(
        self, s: Session, conversation: m.Conversation, turn: TurnWrite, now: datetime
    ) -> None:
        t = turn.ticket
        assert t is not None
        due = now + timedelta(seconds=t.sla_seconds)
        ticket = next((x for x in conversation.tickets if x.status == "open"), None)
        if ticket is None:
            s.add(
                m.Ticket(
                    conversation=conversation,
                    tenant_id=conversation.tenant_id,
                    created_at=now,
                    status="open",
                    priority_level=t.priority_level,
                    priority_score=t.priority_score,
                    queue=t.queue,
                    sla_due_at=due,
                    intent=t.intent,
                    reasons=list(t.reasons),
                    triage=t.triage,
                    decision=t.decision,
                    summary=t.summary,
                    summary_language=t.summary_language,
                    degraded=list(t.degraded),
                )
            )
            return
        # A new message on an open ticket can only make it more urgent.
        if t.priority_level < ticket.priority_level:
            ticket.priority_level = t.priority_level
            ticket.queue = t.queue
        ticket.priority_score = max(ticket.priority_score, t.priority_score)
        ticket.sla_due_at = min(ticket.sla_due_at, due)
        ticket.reasons = sorted({*ticket.reasons, *t.reasons})
        ticket.triage = t.triage or ticket.triage
        ticket.decision = t.decision or ticket.decision
        ticket.degraded = sorted({*ticket.degraded, *t.degraded})

    def add_agent_reply(
        self,
        ticket_id: int,
        message: MessageWrite,
        close: bool,
        now: datetime,
    ) -> ConversationView:
        """Append an agent's reply (already in the customer's language) to the ticket's
        conversation; e-mail conversations get it in their outbox."""
        with self.session() as s:
            ticket = s.get(m.Ticket, ticket_id)
            if ticket is None:
                raise NotFound("ticket_id", f"no ticket {ticket_id}")
            conversation = ticket.conversation
            conversation.messages.append(_message_row(message, now))
            conversation.updated_at = now
            conversation.pending = None
            ticket.status = "closed" if close else "answered"
            if conversation.channel == "email":
                s.add(
                    m.OutboundEmail(
                        conversation_id=conversation.id,
                        created_at=now,
                        to_address=conversation.contact
                        or (conversation.customer.email if conversation.customer else ""),
                        subject=_reply_subject(conversation),
                        body=message.text,
                        language=message.language,
                    )
                )
            s.flush()
            return _conversation_view(conversation)


def _reply_subject(conversation: m.Conversation) -> str:
    subject = conversation.subject or "Your message"
    return f"Re: {subject} [ref:{conversation.id}]"


def reply_subject(subject: str, conversation_id: str) -> str:
    """The subject of the desk's e-mail replies; its [ref:...] threads the next e-mail."""
    return f"Re: {subject or 'Your message'} [ref:{conversation_id}]"


def _message_row(message: MessageWrite, now: datetime) -> m.Message:
    return m.Message(
        created_at=now,
        author=message.author,
        text=message.text,
        language=message.language,
        translation=message.translation,
        request_id=message.request_id,
        degraded=list(message.degraded),
    )


def _tenant_view(t: m.Tenant) -> TenantView:
    return TenantView(
        tenant_id=t.tenant_id,
        name=t.name,
        currency=t.currency,
        default_language=t.default_language,
        reship_allowed=t.reship_allowed,
        refund_on_stall_allowed=t.refund_on_stall_allowed,
        return_label_cost=t.return_label_cost,
        outbound_shipping_cost=t.outbound_shipping_cost,
        receiving_cost=t.receiving_cost,
        handling_cost=t.handling_cost,
    )


def _stock_view(r: m.StockItem) -> StockView:
    return StockView(
        r.sku,
        r.product_id,
        r.name,
        r.size,
        r.color,
        r.unit_price_minor,
        r.unit_cost_minor,
        r.available,
    )


def _order_view(o: m.Order) -> OrderView:
    return OrderView(
        order_id=o.order_id,
        placed_at=o.placed_at,
        promised_by=o.promised_by,
        status=o.status,
        channel=o.channel,
        payment_method=o.payment_method,
        currency=o.currency,
        total_minor=o.total_minor,
        discount_minor=o.discount_minor,
        shipping_address=o.shipping_address,
        country_code=o.country_code,
        requested_resolution=o.requested_resolution,
        items=tuple(
            ItemView(
                i.line_item_id,
                i.sku,
                i.product_id,
                i.name,
                i.product_type,
                i.category,
                i.size,
                i.color,
                i.unit_price_minor,
                i.unit_cost_minor,
                i.quantity,
                i.final_sale,
                tuple(i.tags or ()),
            )
            for i in o.items
        ),
        shipments=tuple(
            ShipmentView(
                carrier=sh.carrier,
                tracking_number=sh.tracking_number,
                status=sh.status,
                shipped_at=sh.shipped_at,
                delivered_at=sh.delivered_at,
                estimated_delivery=sh.estimated_delivery,
                events=tuple(
                    EventView(e.occurred_at, e.status, e.location, e.description, e.exception_code)
                    for e in sh.events
                ),
            )
            for sh in o.shipments
        ),
    )


def _customer_view(c: m.Customer) -> CustomerView:
    return CustomerView(
        customer_id=c.customer_id,
        name=c.name,
        email=c.email,
        language=c.language,
        country_code=c.country_code,
        tier=c.tier,
        tags=tuple(c.tags or ()),
        created_at=c.created_at,
        chargebacks=c.chargebacks,
        orders=tuple(_order_view(o) for o in c.orders),
        returns=tuple(
            ReturnView(
                r.order_id,
                r.line_item_id,
                r.sku,
                r.product_id,
                r.requested_at,
                r.outcome,
                r.returnless,
                r.rma,
                r.return_by,
            )
            for r in c.returns
        ),
    )


def _ticket_view(t: m.Ticket) -> TicketView:
    conversation = t.conversation
    customer = conversation.customer
    return TicketView(
        id=t.id,
        conversation_id=t.conversation_id,
        tenant_id=t.tenant_id,
        created_at=t.created_at,
        status=t.status,
        priority_level=t.priority_level,
        priority_score=t.priority_score,
        queue=t.queue,
        sla_due_at=t.sla_due_at,
        intent=t.intent,
        reasons=tuple(t.reasons or ()),
        triage=t.triage,
        decision=t.decision,
        summary=t.summary,
        summary_language=t.summary_language,
        degraded=tuple(t.degraded or ()),
        customer_id=customer.customer_id if customer else "",
        customer_name=customer.name if customer else conversation.contact,
        language=conversation.language,
    )


def _conversation_view(c: m.Conversation) -> ConversationView:
    open_ticket = next((t for t in c.tickets if t.status == "open"), None)
    return ConversationView(
        id=c.id,
        tenant_id=c.tenant_id,
        customer_id=c.customer.customer_id if c.customer else None,
        contact=c.contact,
        channel=c.channel,
        subject=c.subject,
        language=c.language,
        created_at=c.created_at,
        intent=c.intent,
        handled_by=c.handled_by,
        pending=c.pending,
        messages=tuple(
            MessageView(
                x.id,
                x.created_at,
                x.author,
                x.text,
                x.language,
                x.translation,
                tuple(x.degraded or ()),
            )
            for x in c.messages
        ),
        open_ticket=_ticket_view(open_ticket) if open_ticket else None,
    )
