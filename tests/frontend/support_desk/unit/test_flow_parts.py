"""The flow's plain parts on the demo store: parcel status, return requests built from
the store, address extraction, language choice, words in every language."""

from __future__ import annotations

from datetime import timedelta

import grpc
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.triage.v1 import triage_pb2 as triage_pb

from frontend.support_desk.carriers.tables import explain, tables
from frontend.support_desk.flow import address, lexicon, returns, wismo
from frontend.support_desk.flow.handoff import summary
from frontend.support_desk.flow.language import resolve
from frontend.support_desk.flow.model import Handoff
from frontend.support_desk.flow.orders import duration, focus_order
from frontend.support_desk.replies.render import PLACEHOLDER, part
from frontend.support_desk.replies.templates import TEMPLATES
from frontend.support_desk.store.repository import Store
from frontend.support_desk.store.views import Context, TenantView
from frontend.support_desk.upstream.budget import DECISION_STAGE, TRIAGE_STAGE, Budget
from frontend.support_desk.upstream.clients import Candidate
from frontend.support_desk.upstream.retry import RetryPolicy
from tests.frontend.support_desk.conftest import NOW

TENANT = "northwind-apparel"


def test_a_parcel_with_no_scan_for_n_days_is_stalled(store: Store) -> None:
    ctx = store.load_context(TENANT, "cust-en-1", None, NOW)
    assert ctx.customer is not None
    order = ctx.customer.orders[0]
    assert wismo.is_stalled(order, NOW, stall_days=3)
    assert not wismo.is_stalled(order, NOW, stall_days=6)
    handled = wismo.where_is(ctx, order, NOW, 3, "4 hours")
    text = handled.reply.english
    assert "We apologise for the delay" in text
    assert "Louisville" in text
    assert "RESHIP" in text
    assert "REFUND" in text
    assert handled.pending == {
        "kind": wismo.STALL_OPTIONS,
        "order_id": "NW-1002",
        "options": ["reship", "refund"],
    }
    chosen = wismo.choose_option(ctx, handled.pending, "Please reship it")
    assert chosen is not None
    assert chosen.resolution is not None
    assert chosen.resolution.resolution == "reship"


def test_exception_codes_are_explained_in_plain_words(store: Store) -> None:
    assert {"UPS", "DHL"} <= set(tables())
    assert explain("dhl", "ba") is not None
    assert explain("UPS", "NA") is not None
    assert explain("UPS", "nonsense") is None
    ctx = store.load_context(TENANT, "cust-ca-1", None, NOW)
    assert ctx.customer is not None
    text = wismo.where_is(ctx, ctx.customer.orders[0], NOW, 3, "4 hours").reply.english
    assert "address on the parcel is incomplete" in text


def test_a_lost_parcel_gets_an_apology_and_the_options(store: Store) -> None:
    ctx = store.load_context(TENANT, "cust-fr-1", None, NOW)
    assert ctx.customer is not None
    handled = wismo.where_is(ctx, ctx.customer.orders[0], NOW, 3, "4 hours")
    assert "lost" in handled.reply.english
    assert handled.pending is not None


def test_too_small_asks_for_the_next_size_up_in_stock(store: Store) -> None:
    ctx = store.load_context(TENANT, "cust-es-1", None, NOW)
    assert ctx.customer is not None
    ask = returns.read_ask("Hola, quiero devolver la camisa, me queda pequeña.", False)
    assert ask.reason == pb.RETURN_REASON_SIZE_TOO_SMALL
    (candidate,) = returns.returnable(ctx.customer, NOW)
    order, item = candidate
    request = returns.build_request(
        ctx.tenant, ctx.customer, order, item, ask, ctx.stock["P-OXFORD"], "r-1", NOW
    )
    assert request.tenant_id == TENANT
    assert request.items[0].variant_attributes["size"] == "M"
    (offer,) = request.exchange_candidates
    assert offer.variant_attributes["size"] == "L"
    assert offer.available_quantity > 0
    assert request.customer.returns_last_365_days == 1  # the demo's earlier return
    assert request.logistics.return_label.amount_minor == ctx.tenant.return_label_cost
    assert request.order.delivered_at.ToDatetime().date() == (NOW - timedelta(days=5)).date()


def test_reasons_read_from_the_customers_words() -> None:
    cases = {
        "Quiero cambiarla por una talla más grande": pb.RETURN_REASON_SIZE_TOO_SMALL,
        "It is too big for me": pb.RETURN_REASON_SIZE_TOO_LARGE,
        "Elle est trop petite": pb.RETURN_REASON_SIZE_TOO_SMALL,
        "I calzini sono arrivati con un buco": pb.RETURN_REASON_DAMAGED,
        "Está com defeito": pb.RETURN_REASON_DEFECTIVE,
        "I want to send it back": pb.RETURN_REASON_OTHER,
    }
    for text, reason in cases.items():
        assert returns.read_ask(text, False).reason == reason, text
    assert returns.read_ask("never worn, tags on", False).condition == (
        pb.ITEM_CONDITION_UNWORN_WITH_TAGS
    )
    assert returns.read_ask("I wore it twice", False).condition == pb.ITEM_CONDITION_USED


def test_an_ambiguous_return_asks_which_item(store: Store) -> None:
    ctx = store.load_context(TENANT, "cust-es-1", None, NOW)
    assert ctx.customer is not None
    order, item = returns.returnable(ctx.customer, NOW)[0]
    two = [(order, item), (order, item)]
    handled = returns.choose_item(two, returns.read_ask("too small", False))
    assert handled.pending is not None
    assert handled.pending["kind"] == returns.CHOOSE_ITEM
    assert "1: Oxford shirt (size M), NW-1001." in handled.reply.english


def test_address_extraction() -> None:
    assert address.extract("Please change it to: 742 Evergreen Terrace, Springfield", []) == (
        "742 Evergreen Terrace, Springfield"
    )
    assert address.extract("221B Baker Street, London NW1 6XE", []) == (
        "221B Baker Street, London NW1 6XE"
    )
    assert address.extract("I need to change the address of order NW-1004", ["NW-1004"]) is None


def test_focus_order_prefers_a_named_then_an_open_order(store: Store) -> None:
    customer = store.customer(TENANT, "cust-en-1")
    assert customer is not None
    focused = focus_order(customer, "where is it?")
    assert focused is not None
    assert focused.order_id == "NW-1002"


def test_language_comes_from_detection_triage_or_what_is_known() -> None:
    result = triage_pb.TriageResult(
        language=triage_pb.LanguageResult(
            language="fr", confidence=0.3, source=triage_pb.LANGUAGE_SOURCE_DETECTED
        )
    )
    assert resolve("Où est mon colis ?", result, [Candidate("fr", 0.9)], "en") == "fr"
    assert resolve("Où est mon colis ?", result, [Candidate("ca", 0.2)], "en") == "fr"
    assert resolve("Sí", None, [Candidate("ca", 0.9)], "es") == "es"
    assert resolve("Hola quiero devolver", None, None, "en") == "en"
    # An unsure detection that finds the customer's known language plausible keeps it,
    # rather than the language triage's detector (no Catalan) picks.
    catalan = [Candidate("ca", 0.30), Candidate("fr", 0.28), Candidate("es", 0.13)]
    assert resolve("On és el meu paquet?", result, catalan, "ca") == "ca"
    assert resolve("On és el meu paquet?", result, catalan, "en") == "fr"


def test_templates_fill_every_placeholder() -> None:
    for key, text in TEMPLATES.items():
        names = set(PLACEHOLDER.findall(text))
        rendered = part(key, None, **{n: f"<{n}>" for n in names}).english
        assert all(f"{{{{{n}}}}}" in rendered for n in names), key
    assert duration(900) == "15 minutes"
    assert duration(4 * 3600) == "4 hours"
    assert duration(3 * 86400) == "3 days"


def test_lexicon_prefers_the_longest_match() -> None:
    assert lexicon.best_key("una talla más grande", lexicon.RETURN_REASONS) == (
        "RETURN_REASON_SIZE_TOO_SMALL"
    )
    assert lexicon.best_key("smaller size please", lexicon.RETURN_REASONS) == (
        "RETURN_REASON_SIZE_TOO_LARGE"
    )


def test_only_unavailable_and_resource_exhausted_are_retried() -> None:
    policy = RetryPolicy(
        max_attempts=3, initial_backoff=0.1, max_backoff=1.0, resource_exhausted_pause=0.25
    )
    first = policy.delay(grpc.StatusCode.UNAVAILABLE, 1)
    assert first is not None
    assert 0.05 <= first <= 0.1
    second = policy.delay(grpc.StatusCode.UNAVAILABLE, 2)
    assert second is not None
    assert 0.1 <= second <= 0.2
    assert policy.delay(grpc.StatusCode.UNAVAILABLE, 3) is None  # attempts used up
    assert policy.delay(grpc.StatusCode.RESOURCE_EXHAUSTED, 1) == 0.25
    for code in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.INTERNAL,
    ):
        assert policy.delay(code, 1) is None


def test_the_budget_gives_each_stage_its_share_and_passes_on_what_is_left() -> None:
    clock = iter([100.0, 100.5, 100.5]).__next__
    budget = Budget(10.0, clock=clock)
    assert budget.deadline(TRIAGE_STAGE) == 104.0
    assert budget.deadline(DECISION_STAGE) == 107.0
    assert budget.remaining(TRIAGE_STAGE) == 3.5  # half a second spent
    assert budget.remaining() == 9.5


def test_the_agents_summary_names_a_public_shaming_threat() -> None:
    tenant = TenantView("acme", "ACME", "USD", "en", True, True, 500, 500, 200, 100)
    triage = triage_pb.TriageResult(
        flags=triage_pb.Flags(public_shaming=True, churn_risk=True),
        escalation=triage_pb.Escalation(
            escalate=True, reasons=[triage_pb.ESCALATION_REASON_PUBLIC_SHAMING]
        ),
    )
    handoff = Handoff(reasons=("public_shaming",))
    text = summary(Context(tenant, None, None), None, "complaint", handoff, triage, "en")
    assert "Flags: churn risk, public shaming." in text
    assert "Handed over because: public shaming." in text
