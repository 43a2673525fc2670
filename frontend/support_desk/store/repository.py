"""The store: one SQLAlchemy engine, synchronous calls (the async flow runs each in a
worker thread: one read and one write transaction per message).

The flow's reads and writes are SQLAlchemy Core (reads.py, turns.py): rows go straight
into the view dataclasses and statements are built once. The ORM models (models.py)
define the schema and serve the demo seed and the pages' small queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from frontend.support_desk.store import models as m
from frontend.support_desk.store import reads, turns
from frontend.support_desk.store.turns import reply_subject
from frontend.support_desk.store.views import (
    Context,
    ConversationView,
    CustomerView,
    OrderView,
    TicketView,
)
from frontend.support_desk.store.writes import MessageWrite, TurnWrite

__all__ = ["CustomerSummary", "EmailView", "IntentCounts", "LabelView", "Store", "reply_subject"]


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
        # A read of a local SQLite file takes a fraction of a millisecond and, in WAL
        # mode, never waits for a lock: the flow makes it on the event loop, where a
        # worker thread would cost more (hand-over, GIL) than the read itself. Writes
        # (which may wait for the lock or run a WAL checkpoint) and every call to a
        # database over the network go to a worker thread.
        self.reads_inline = self.engine.dialect.name == "sqlite"

    def create_schema(self) -> None:
        """The tables, and every index (a store created before an index was added
        gets it too: create_all skips the indexes of tables that exist)."""
        m.Base.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            for table in m.Base.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def is_empty(self) -> bool:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(m.Tenant)) == 0

    # Reads for the flow (Core, see reads.py).

    def load_context(
        self,
        tenant_id: str,
        customer_id: str | None,
        conversation_id: str | None,
        now: datetime,
    ) -> Context:
        """Everything the flow reads for one message. Raises NotFound naming the field."""
        with self.engine.connect() as conn:
            return reads.read_context(conn, tenant_id, customer_id, conversation_id, now)

    def customer_by_email(self, tenant_id: str, email: str) -> str | None:
        with self.session() as s:
            return s.scalar(
                select(m.Customer.customer_id).where(
                    m.Customer.tenant_id == tenant_id,
                    func.lower(m.Customer.email) == email.strip().lower(),
                )
            )

    def customer(self, tenant_id: str, customer_id: str) -> CustomerView | None:
        with self.engine.connect() as conn:
            return reads.read_customer(conn, tenant_id, customer_id)

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
        with self.engine.connect() as conn:
            return reads.read_order(conn, tenant_id, order_id)

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
        with self.engine.connect() as conn:
            return reads.read_conversation(conn, conversation_id)

    def conversations(self, tenant_id: str, customer_id: str) -> list[ConversationView]:
        with self.engine.connect() as conn:
            return reads.read_conversations(conn, tenant_id, customer_id)

    def tickets(self, status: str = "open") -> list[TicketView]:
        """Tickets by priority (P1 first), then by the time left on their SLA."""
        with self.engine.connect() as conn:
            return reads.read_tickets(conn, status)

    def ticket(self, ticket_id: int) -> TicketView | None:
        with self.engine.connect() as conn:
            return reads.read_ticket(conn, ticket_id)

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

    # Writes (Core, see turns.py).

    def apply_turn(self, turn: TurnWrite, now: datetime) -> None:
        """Write everything one handled message changes, in one transaction."""
        with self.engine.begin() as conn:
            turns.write_turn(conn, turn, now)

    def add_agent_reply(
        self,
        ticket_id: int,
        message: MessageWrite,
        close: bool,
        now: datetime,
    ) -> ConversationView:
        """Append an agent's reply (already in the customer's language) to the ticket's
        conversation; e-mail conversations get it in their outbox."""
        with self.engine.begin() as conn:
            conversation_id = turns.write_agent_reply(conn, ticket_id, message, close, now)
            updated = reads.read_conversation(conn, conversation_id)
        assert updated is not None
        return updated
