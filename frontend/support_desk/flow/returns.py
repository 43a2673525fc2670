"""Returns and exchanges: the DecideReturn request built from the store, and the
decision told to the customer."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.type.v1.money_pb2 import Money

from frontend.support_desk.flow import lexicon
from frontend.support_desk.flow.model import Handled, Handoff
from frontend.support_desk.flow.orders import day, describe_item, mentioned, money
from frontend.support_desk.replies.render import Part, part, reply
from frontend.support_desk.replies.templates import DEFAULT_DENIAL, DENIAL_REASONS
from frontend.support_desk.store.views import (
    Context,
    CustomerView,
    ItemView,
    OrderView,
    StockView,
    TenantView,
)
from frontend.support_desk.store.writes import ReturnWrite

CHOOSE_ITEM = "choose_item"
EXCHANGE_OFFER = "exchange_offer"
RETURNABLE_DAYS = 180  # older deliveries are not offered as return candidates
SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL")

_CHANNELS = {
    "online_store": pb.SALES_CHANNEL_ONLINE_STORE,
    "marketplace": pb.SALES_CHANNEL_MARKETPLACE,
    "retail_store": pb.SALES_CHANNEL_RETAIL_STORE,
    "social": pb.SALES_CHANNEL_SOCIAL,
    "phone": pb.SALES_CHANNEL_PHONE,
}
_PAYMENTS = {
    "card": pb.PAYMENT_METHOD_CARD,
    "wallet": pb.PAYMENT_METHOD_WALLET,
    "bnpl": pb.PAYMENT_METHOD_BUY_NOW_PAY_LATER,
    "gift_card": pb.PAYMENT_METHOD_GIFT_CARD,
    "store_credit": pb.PAYMENT_METHOD_STORE_CREDIT,
}


@dataclass(frozen=True)
class Ask:
    """What the customer asked for, read from their words."""

    reason: int  # pb.ReturnReason
    condition: int  # pb.ItemCondition
    resolution: int  # pb.Resolution


def read_ask(text: str, exchange_intent: bool) -> Ask:
    key = lexicon.best_key(text, lexicon.RETURN_REASONS)
    reason = pb.ReturnReason.Value(key) if key else pb.RETURN_REASON_OTHER
    condition_key = lexicon.best_key(text, lexicon.CONDITIONS)
    if reason == pb.RETURN_REASON_DEFECTIVE:
        condition = pb.ITEM_CONDITION_DEFECTIVE
    elif reason == pb.RETURN_REASON_DAMAGED:
        condition = pb.ITEM_CONDITION_DAMAGED
    elif condition_key:
        condition = pb.ItemCondition.Value(condition_key)
    else:
        # A customer who says nothing of the condition is taken at their word that the
        # item is as it came; the warehouse inspects what comes back.
        condition = pb.ITEM_CONDITION_UNWORN_WITH_TAGS
    if exchange_intent or lexicon.mentions(text, lexicon.EXCHANGE_WORDS):
        resolution = pb.RESOLUTION_EXCHANGE
    elif lexicon.mentions(text, lexicon.REFUND):
        resolution = pb.RESOLUTION_REFUND_ORIGINAL_PAYMENT
    else:
        resolution = pb.RESOLUTION_UNSPECIFIED
    return Ask(reason, condition, resolution)


def returnable(customer: CustomerView, now: datetime) -> list[tuple[OrderView, ItemView]]:
    """Delivered items not returned yet, latest order first."""
    returned = {(r.order_id, r.line_item_id) for r in customer.returns}
    found: list[tuple[OrderView, ItemView]] = []
    for order in sorted(customer.orders, key=lambda o: o.placed_at, reverse=True):
        delivered = order.delivered_at
        if delivered is None or now - delivered > timedelta(days=RETURNABLE_DAYS):
            continue
        found.extend(
            (order, item)
            for item in order.items
            if (order.order_id, item.line_item_id) not in returned
        )
    return found


def narrow(
    customer: CustomerView, candidates: list[tuple[OrderView, ItemView]], text: str
) -> list[tuple[OrderView, ItemView]]:
    """The candidates the text points at: by order id, then by the kind of product."""
    named = {o.order_id for o in mentioned(customer, text)}
    if named:
        by_order = [c for c in candidates if c[0].order_id in named]
        candidates = by_order or candidates
    scores = [
        lexicon.longest(text, lexicon.PRODUCT_WORDS.get(i.product_type, ())) for _, i in candidates
    ]
    best = max(scores, default=0)
    if best:
        candidates = [c for c, s in zip(candidates, scores, strict=True) if s == best]
    return candidates


def _size_key(size: str) -> float:
    if size.upper() in SIZES:
        return float(SIZES.index(size.upper()))
    try:
        return 100.0 + float(size)
    except ValueError:
        return -1.0


def exchange_candidates(
    item: ItemView, reason: int, stock: tuple[StockView, ...]
) -> list[StockView]:
    """In-stock variants of the same product for the reason: the next size up for "too
    small", down for "too large", both for a poor fit, the same size for a faulty item."""
    in_stock = [s for s in stock if s.available > 0 and s.sku != item.sku]
    mine = _size_key(item.size)
    bigger = sorted(
        (s for s in in_stock if _size_key(s.size) > mine), key=lambda s: _size_key(s.size)
    )
    smaller = sorted(
        (s for s in in_stock if 0 <= _size_key(s.size) < mine), key=lambda s: -_size_key(s.size)
    )
    if reason == pb.RETURN_REASON_SIZE_TOO_SMALL:
        return bigger[:1]
    if reason == pb.RETURN_REASON_SIZE_TOO_LARGE:
        return smaller[:1]
    if reason == pb.RETURN_REASON_POOR_FIT:
        return smaller[:1] + bigger[:1]
    if reason in (
        pb.RETURN_REASON_DEFECTIVE,
        pb.RETURN_REASON_DAMAGED,
        pb.RETURN_REASON_WRONG_ITEM,
    ):
        return [s for s in stock if s.sku == item.sku and s.available > 0][:1]
    return []


def _stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def _money(amount: int, currency: str) -> Money:
    return Money(currency_code=currency, amount_minor=amount)


def build_request(
    tenant: TenantView,
    customer: CustomerView,
    order: OrderView,
    item: ItemView,
    ask: Ask,
    stock: tuple[StockView, ...],
    request_id: str,
    now: datetime,
    reason_text: str = "",
    with_exchange: bool = True,
) -> pb.DecideReturnRequest:
    """The DecideReturn request for one item, from what the store knows."""
    currency = order.currency
    shipment = order.shipment
    request = pb.DecideReturnRequest(
        tenant_id=tenant.tenant_id,
        request_id=request_id,
        order=pb.Order(
            order_id=order.order_id,
            placed_at=_stamp(order.placed_at),
            country_code=order.country_code,
            channel=_CHANNELS.get(order.channel, pb.SALES_CHANNEL_UNSPECIFIED),
            payment_method=_PAYMENTS.get(order.payment_method, pb.PAYMENT_METHOD_OTHER),
            total=_money(order.total_minor, currency),
            discount_total=_money(order.discount_minor, currency),
        ),
        items=[
            pb.ReturnItem(
                line_item_id=item.line_item_id,
                sku=item.sku,
                product_id=item.product_id,
                product_type=item.product_type,
                category=item.category,
                tags=list(item.tags),
                unit_price=_money(item.unit_price_minor, currency),
                unit_cost=_money(item.unit_cost_minor, currency),
                quantity=item.quantity,
                final_sale=item.final_sale,
                reported_condition=ask.condition,  # type: ignore[arg-type]
                reason=ask.reason,  # type: ignore[arg-type]
                reason_text=reason_text[:1000],
                variant_attributes={
                    k: v for k, v in (("size", item.size), ("color", item.color)) if v
                },
            )
        ],
        customer=_customer(customer, now, currency),
        requested_resolution=ask.resolution,  # type: ignore[arg-type]
        logistics=pb.LogisticsCosts(
            return_label=_money(tenant.return_label_cost, currency),
            outbound_shipping=_money(tenant.outbound_shipping_cost, currency),
            receiving_and_inspection=_money(tenant.receiving_cost, currency),
            handling=_money(tenant.handling_cost, currency),
        ),
        requested_at=_stamp(now),
    )
    if shipment is not None and shipment.shipped_at is not None:
        request.order.fulfilled_at.CopyFrom(_stamp(shipment.shipped_at))
    if order.delivered_at is not None:
        request.order.delivered_at.CopyFrom(_stamp(order.delivered_at))
    if with_exchange:
        for candidate in exchange_candidates(item, ask.reason, stock):
            request.exchange_candidates.append(
                pb.ExchangeCandidate(
                    line_item_id=item.line_item_id,
                    sku=candidate.sku,
                    variant_attributes={"size": candidate.size} if candidate.size else {},
                    unit_price=_money(candidate.unit_price_minor, currency),
                    unit_cost=_money(candidate.unit_cost_minor, currency),
                    available_quantity=candidate.available,
                )
            )
    return request


def _customer(customer: CustomerView, now: datetime, currency: str) -> pb.Customer:
    returns = customer.returns
    return pb.Customer(
        customer_id=customer.customer_id,
        email_sha256=hashlib.sha256(customer.email.strip().lower().encode()).hexdigest(),
        account_age_days=max(0, (now - customer.created_at).days),
        tags=list(customer.tags),
        lifetime_orders=len(customer.orders),
        lifetime_spend=_money(sum(o.total_minor for o in customer.orders), currency),
        returns_last_90_days=sum(1 for r in returns if now - r.requested_at <= timedelta(days=90)),
        returns_last_365_days=sum(
            1 for r in returns if now - r.requested_at <= timedelta(days=365)
        ),
        returnless_refunds=sum(1 for r in returns if r.returnless),
        returnless_refund_product_ids=sorted({r.product_id for r in returns if r.returnless}),
        chargebacks=customer.chargebacks,
    )


def new_rma() -> str:
    return f"RMA-{secrets.token_hex(4).upper()}"


def decision_dict(decision: pb.ReturnDecision) -> dict[str, Any]:
    """The decision as JSON for the agent's view of the ticket."""
    return MessageToDict(decision, preserving_proto_field_name=True)


def _denial_parts(decision: pb.ReturnDecision) -> list[Part]:
    codes: list[str] = []
    for reason in [*decision.reasons, *(r for i in decision.items for r in i.reasons)]:
        if reason.code in DENIAL_REASONS and reason.code not in codes:
            codes.append(reason.code)
    texts = [DENIAL_REASONS[c] for c in codes] or [DEFAULT_DENIAL]
    return [Part(t) for t in texts]


def tell(
    decision: pb.ReturnDecision,
    order: OrderView,
    item: ItemView,
    label_url: str,
    sla: str,
    verdict_reason: int = pb.RETURN_REASON_OTHER,
) -> Handled:
    """The decision in the customer's words-to-be: approval with label and return-by
    date, a returnless refund, an exchange offer with its bonus, a review, or a denial
    with its reasons."""
    verdict = decision.items[0] if decision.items else None
    outcome = decision.outcome
    as_dict = decision_dict(decision)
    if outcome == pb.OUTCOME_APPROVE_RETURN and verdict is not None:
        return _approved(verdict, order, item, label_url, as_dict)
    if outcome == pb.OUTCOME_APPROVE_RETURNLESS_REFUND and verdict is not None:
        return _returnless(verdict, order, item, as_dict)
    if (
        outcome == pb.OUTCOME_OFFER_EXCHANGE
        and verdict is not None
        and verdict.HasField("exchange_offer")
    ):
        return _exchange_offer(verdict, order, item, verdict_reason, as_dict)
    if outcome == pb.OUTCOME_DENY:
        return _denied(decision, order, item, as_dict)
    # MANUAL_REVIEW, or an outcome this desk does not know: a person decides.
    words = {"item": describe_item(item), "sla": sla}
    return Handled(
        reply(part("returns.review", words=words, order_id=order.order_id)),
        decision=as_dict,
        handoff=Handoff(("return_review",), "QUEUE_RETURNS"),
    )


def _record(
    order: OrderView,
    item: ItemView,
    outcome: str,
    refund_minor: int = 0,
    rma: str | None = None,
    return_by: datetime | None = None,
    returnless: bool = False,
    exchange_sku: str | None = None,
) -> ReturnWrite:
    """The return as the store keeps it."""
    return ReturnWrite(
        order_id=order.order_id,
        line_item_id=item.line_item_id,
        sku=item.sku,
        product_id=item.product_id,
        outcome=outcome,
        returnless=returnless,
        rma=rma,
        return_by=return_by,
        refund_minor=refund_minor,
        exchange_sku=exchange_sku,
    )


def _approved(
    verdict: pb.ItemDecision,
    order: OrderView,
    item: ItemView,
    label_url: str,
    as_dict: dict[str, Any],
) -> Handled:
    """Approved: the refund, the label to print, the date to send it back by."""
    rma = new_rma()
    words = {"item": describe_item(item)}
    parts = [part("returns.approved", words=words, order_id=order.order_id)]
    parts.extend(_refund_parts(verdict, order.currency))
    if verdict.label_required:
        parts.append(part("returns.label", label_url=label_url.format(rma=rma)))
    return_by = None
    if verdict.HasField("return_by"):
        return_by = _aware(verdict.return_by.ToDatetime())
        parts.append(part("returns.return_by", return_by=day(verdict.return_by.ToDatetime())))
    if verdict.inspection_required:
        parts.append(part("returns.inspection"))
    refund = verdict.refund.amount.amount_minor
    return Handled(
        reply(*parts),
        decision=as_dict,
        return_record=_record(order, item, "APPROVE_RETURN", refund, rma, return_by),
    )


def _returnless(
    verdict: pb.ItemDecision, order: OrderView, item: ItemView, as_dict: dict[str, Any]
) -> Handled:
    """A refund without sending the item back."""
    refund = verdict.refund.amount.amount_minor
    amount = money(refund, order.currency)
    words = {"item": describe_item(item)}
    return Handled(
        reply(part("returns.keep_it", words=words, amount=amount)),
        decision=as_dict,
        return_record=_record(order, item, "APPROVE_RETURNLESS_REFUND", refund, returnless=True),
    )


def _exchange_offer(
    verdict: pb.ItemDecision,
    order: OrderView,
    item: ItemView,
    verdict_reason: int,
    as_dict: dict[str, Any],
) -> Handled:
    """The other size offered, with its bonus; the conversation waits for YES or REFUND."""
    offer = verdict.exchange_offer
    size = offer.variant_attributes.get("size", "")
    parts = [part("returns.exchange_offer", words={"item": item.name, "size": size})]
    bonus = verdict.bonus_credit.amount_minor
    if bonus > 0:
        parts.append(part("returns.exchange_bonus", bonus=money(bonus, order.currency)))
    parts.append(part("returns.exchange_choose"))
    pending = {
        "kind": EXCHANGE_OFFER,
        "order_id": order.order_id,
        "line_item_id": item.line_item_id,
        "exchange_sku": offer.sku,
        "size": size,
        "label_required": verdict.label_required,
        "return_by": day(verdict.return_by.ToDatetime()) if verdict.HasField("return_by") else "",
        "bonus_minor": bonus,
        "reason": int(verdict_reason),
    }
    return Handled(reply(*parts), pending=pending, decision=as_dict)


def _denied(
    decision: pb.ReturnDecision, order: OrderView, item: ItemView, as_dict: dict[str, Any]
) -> Handled:
    """Denied, with the reasons in plain words and where to turn."""
    words = {"item": describe_item(item)}
    parts = [part("returns.denied", words=words, order_id=order.order_id)]
    parts.extend(_denial_parts(decision))
    parts.append(part("returns.denied_appeal"))
    return Handled(reply(*parts), decision=as_dict, return_record=_record(order, item, "DENY"))


def _refund_parts(verdict: pb.ItemDecision, currency: str) -> list[Part]:
    parts = []
    amount = money(verdict.refund.amount.amount_minor, currency)
    if verdict.refund.method == pb.REFUND_METHOD_STORE_CREDIT:
        parts.append(part("returns.refund_credit", amount=amount))
    elif verdict.refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT:
        parts.append(part("returns.refund_original", amount=amount))
    if verdict.fees.total.amount_minor > 0:
        parts.append(part("returns.fees", fees=money(verdict.fees.total.amount_minor, currency)))
    return parts


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def choose_item(candidates: list[tuple[OrderView, ItemView]], ask: Ask) -> Handled:
    """Ask which item, listing the candidates; the answer is a number or a product word."""
    parts = [part("returns.choose_item")]
    for number, (order, item) in enumerate(candidates, start=1):
        parts.append(
            part(
                "returns.choice",
                words={"item": describe_item(item)},
                number=str(number),
                order_id=order.order_id,
            )
        )
    pending = {
        "kind": CHOOSE_ITEM,
        "items": [[o.order_id, i.line_item_id] for o, i in candidates],
        "reason": ask.reason,
        "condition": ask.condition,
        "resolution": ask.resolution,
    }
    return Handled(reply(*parts), pending=pending)


_NUMBER = re.compile(r"\b(\d{1,2})\b")


def pick(ctx: Context, pending: dict[str, Any], text: str) -> tuple[OrderView, ItemView] | None:
    """The item the customer picked from the list; None when the answer names none."""
    customer = ctx.customer
    if customer is None:
        return None
    listed: list[tuple[OrderView, ItemView]] = []
    for order_id, line in pending.get("items", []):
        order = customer.order(order_id)
        item = next((i for i in order.items if i.line_item_id == line), None) if order else None
        if order is not None and item is not None:
            listed.append((order, item))
    match = _NUMBER.search(text)
    if match and 1 <= int(match.group(1)) <= len(listed):
        return listed[int(match.group(1)) - 1]
    narrowed = narrow(customer, listed, text)
    return narrowed[0] if len(narrowed) == 1 and len(listed) > 1 else None


def accept_exchange(
    ctx: Context, pending: dict[str, Any], text: str, label_url: str
) -> Handled | None:
    """YES to an exchange offer: the return is recorded with its label and the new size
    reserved. REFUND or anything else: None (the caller re-decides or moves on)."""
    yes = lexicon.longest(text, lexicon.YES)
    if not yes or lexicon.longest(text, lexicon.REFUND) > yes or ctx.customer is None:
        return None
    order = ctx.customer.order(str(pending["order_id"]))
    if order is None:
        return None
    item = next((i for i in order.items if i.line_item_id == pending["line_item_id"]), None)
    if item is None:
        return None
    rma = new_rma()
    parts = [part("returns.exchange_done", words={"item": item.name, "size": str(pending["size"])})]
    if pending.get("label_required", True):
        parts.append(part("returns.label", label_url=label_url.format(rma=rma)))
    if pending.get("return_by"):
        parts.append(part("returns.return_by", return_by=str(pending["return_by"])))
    return Handled(
        reply(*parts),
        return_record=ReturnWrite(
            order_id=order.order_id,
            line_item_id=item.line_item_id,
            sku=item.sku,
            product_id=item.product_id,
            outcome="EXCHANGE",
            returnless=False,
            rma=rma,
            return_by=None,
            refund_minor=0,
            exchange_sku=str(pending["exchange_sku"]),
        ),
        exchange_reserved_sku=str(pending["exchange_sku"]),
    )


def refund_instead(
    ctx: Context, pending: dict[str, Any], text: str
) -> tuple[OrderView, ItemView, Ask] | None:
    """REFUND in answer to an exchange offer: the item and a refund request to decide
    again without exchange candidates; None when the text does not ask for a refund."""
    if ctx.customer is None or not lexicon.mentions(text, lexicon.REFUND):
        return None
    order = ctx.customer.order(str(pending["order_id"]))
    if order is None:
        return None
    item = next((i for i in order.items if i.line_item_id == pending["line_item_id"]), None)
    if item is None:
        return None
    reason = int(pending.get("reason", pb.RETURN_REASON_OTHER))
    return (
        order,
        item,
        Ask(reason, pb.ITEM_CONDITION_UNWORN_WITH_TAGS, pb.RESOLUTION_REFUND_ORIGINAL_PAYMENT),
    )
