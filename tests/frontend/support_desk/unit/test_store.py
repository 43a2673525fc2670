"""The order store on a real SQLite file: the demo data, the flow's reads and writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from frontend.support_desk.store.errors import NotFound
from frontend.support_desk.store.repository import Store
from frontend.support_desk.store.writes import (
    AddressWrite,
    MessageWrite,
    NewConversation,
    ReturnWrite,
    TicketWrite,
    TurnWrite,
)
from tests.frontend.support_desk.conftest import NOW

TENANT = "northwind-apparel"


def test_demo_customers_cover_every_flow(store: Store) -> None:
    ids = {c.customer_id for c in store.customers(TENANT)}
    assert {"cust-es-1", "cust-en-1", "cust-fr-1", "cust-en-2"} <= ids
    spanish = store.customer(TENANT, "cust-es-1")
    assert spanish is not None
    assert spanish.language == "es"
    shirt = spanish.orders[0].items[0]
    assert (shirt.product_type, shirt.size, spanish.orders[0].currency) == ("shirt", "M", "USD")
    assert spanish.orders[0].country_code in ("US", "CA")  # what policies/apparel.yaml accepts
    assert spanish.orders[0].delivered_at is not None
    french = store.customer(TENANT, "cust-fr-1")
    assert french is not None
    lost = french.orders[0]
    assert lost.shipment is not None
    assert lost.shipment.status == "lost"
    assert lost.total_minor >= 100_000  # high value


def test_demo_dates_are_relative_to_the_seeding_moment(store: Store) -> None:
    english = store.customer(TENANT, "cust-en-1")
    assert english is not None
    shipment = english.orders[0].shipment
    assert shipment is not None
    last = shipment.last_event
    assert last is not None
    assert last.occurred_at == NOW - timedelta(days=5)
    assert "hub" in last.location.lower()


def test_load_context_names_the_unknown_field(store: Store) -> None:
    with pytest.raises(NotFound) as unknown:
        store.load_context(TENANT, "cust-nobody", None, NOW)
    assert unknown.value.field == "customer_id"
    with pytest.raises(NotFound) as tenant:
        store.load_context("acme", "cust-es-1", None, NOW)
    assert tenant.value.field == "tenant_id"
    with pytest.raises(NotFound) as conversation:
        store.load_context(TENANT, "cust-es-1", "0123456789abcdef", NOW)
    assert conversation.value.field == "conversation_id"


def test_context_has_stock_of_the_customers_products(store: Store) -> None:
    ctx = store.load_context(TENANT, "cust-es-1", None, NOW)
    sizes = {s.size: s.available for s in ctx.stock["P-OXFORD"]}
    assert sizes["L"] > 0


def test_a_turn_writes_messages_ticket_and_address_in_one_transaction(store: Store) -> None:
    turn = TurnWrite(
        conversation_id="c0ffee00c0ffee00",
        new_conversation=NewConversation(TENANT, "cust-en-2", "", "chat", ""),
        language="en",
        intent="change_shipping_address",
        handled_by="human",
        pending=None,
        messages=(
            MessageWrite("customer", "new address please", "en", None, "r1"),
            MessageWrite("desk", "Thank you.", "en", None, "r1"),
        ),
        ticket=TicketWrite(
            2,
            70,
            "shipping",
            3600,
            "change_shipping_address",
            ("x",),
            None,
            None,
            "summary",
            "en",
            (),
        ),
        address_change=AddressWrite("NW-1004", "742 Evergreen Terrace, Springfield"),
    )
    store.apply_turn(turn, NOW)
    order = store.order(TENANT, "NW-1004")
    assert order is not None
    assert order.shipping_address == "742 Evergreen Terrace, Springfield"
    assert store.address_changes(TENANT, "NW-1004") == [
        ("12 Congress Ave, Austin, TX 78701, US", "742 Evergreen Terrace, Springfield")
    ]
    conversation = store.conversation("c0ffee00c0ffee00")
    assert conversation is not None
    assert [m.author for m in conversation.messages] == ["customer", "desk"]
    assert conversation.open_ticket is not None
    assert conversation.open_ticket.sla_due_at == NOW + timedelta(hours=1)
    (counts,) = store.intent_counts()
    assert (counts.intent, counts.human, counts.containment) == ("change_shipping_address", 1, 0.0)


def test_tickets_come_most_urgent_first(store: Store) -> None:
    for n, (level, sla) in enumerate([(3, 60), (1, 900), (1, 300)]):
        store.apply_turn(
            TurnWrite(
                conversation_id=f"{n:016x}",
                new_conversation=NewConversation(TENANT, "cust-en-1", "", "chat", ""),
                language="en",
                intent="other",
                handled_by="human",
                pending=None,
                messages=(MessageWrite("customer", "hi", "en", None, "r"),),
                ticket=TicketWrite(
                    level, 10, "account", sla, "other", (), None, None, "s", "en", ()
                ),
            ),
            NOW,
        )
    assert [(t.priority_level, t.conversation_id) for t in store.tickets()] == [
        (1, f"{2:016x}"),
        (1, f"{1:016x}"),
        (3, f"{0:016x}"),
    ]


def test_a_return_decided_on_the_first_message_is_stored(store: Store) -> None:
    store.apply_turn(
        TurnWrite(
            conversation_id="f1257f1257f12570",
            new_conversation=NewConversation(TENANT, "cust-it-1", "", "chat", ""),
            language="it",
            intent="damaged_or_wrong_item",
            handled_by="automation",
            pending=None,
            messages=(MessageWrite("customer", "buco", "it", "hole", "r"),),
            return_record=ReturnWrite(
                "NW-1005",
                "L1",
                "NW-SOCKS-GRE",
                "P-SOCKS",
                "APPROVE_RETURNLESS_REFUND",
                True,
                None,
                None,
                1400,
                None,
            ),
        ),
        NOW,
    )
    customer = store.customer(TENANT, "cust-it-1")
    assert customer is not None
    assert [(r.order_id, r.outcome, r.returnless) for r in customer.returns] == [
        ("NW-1005", "APPROVE_RETURNLESS_REFUND", True)
    ]


def test_an_exchange_takes_one_unit_and_never_goes_below_zero(store: Store) -> None:
    for n in range(2):  # size XL has none: nothing to take
        store.apply_turn(
            TurnWrite(
                conversation_id=f"e{n:015x}",
                new_conversation=NewConversation(TENANT, "cust-es-1", "", "chat", ""),
                language="es",
                intent="exchange_request",
                handled_by="automation",
                pending=None,
                messages=(),
                exchange_reserved_sku="NW-OXFORD-BLU-L" if n else "NW-OXFORD-BLU-XL",
            ),
            NOW,
        )
    ctx = store.load_context(TENANT, "cust-es-1", None, NOW)
    sizes = {s.size: s.available for s in ctx.stock["P-OXFORD"]}
    assert (sizes["L"], sizes["XL"]) == (4, 0)
