"""Where is my order: the parcel's status in plain words, from its tracking events."""

from __future__ import annotations

from datetime import datetime, timedelta

from frontend.support_desk.carriers.tables import explain
from frontend.support_desk.flow import lexicon
from frontend.support_desk.flow.model import Handled, Handoff
from frontend.support_desk.flow.orders import day, money
from frontend.support_desk.replies.render import Part, part, reply
from frontend.support_desk.store.views import Context, OrderView
from frontend.support_desk.store.writes import ResolutionWrite

STALL_OPTIONS = "stall_options"


def is_stalled(order: OrderView, now: datetime, stall_days: float) -> bool:
    """Handed to the carrier, not delivered, and no scan for `stall_days` days."""
    shipment = order.shipment
    if shipment is None or shipment.delivered_at is not None:
        return False
    if shipment.status in ("delivered", "lost", "returned"):
        return False
    last = shipment.last_event
    seen = last.occurred_at if last else shipment.shipped_at
    return seen is not None and now - seen >= timedelta(days=stall_days)


def options(ctx: Context, order: OrderView) -> list[str]:
    """What the merchant allows for a stalled or lost parcel: reship when every item is
    in stock, refund when the tenant allows it."""
    allowed = []
    if ctx.tenant.reship_allowed and all(
        any(s.sku == i.sku and s.available >= i.quantity for s in ctx.stock.get(i.product_id, ()))
        for i in order.items
    ):
        allowed.append("reship")
    if ctx.tenant.refund_on_stall_allowed:
        allowed.append("refund")
    return allowed


def _option_parts(order: OrderView, allowed: list[str], sla: str) -> list[Part]:
    amount = money(order.total_minor, order.currency)
    parts = []
    if "reship" in allowed:
        parts.append(part("wismo.option_reship"))
    if "refund" in allowed:
        parts.append(part("wismo.option_refund", amount=amount))
    if allowed == ["reship", "refund"]:
        parts.append(part("wismo.choose_both"))
    elif allowed == ["reship"]:
        parts.append(part("wismo.choose_reship"))
    elif allowed == ["refund"]:
        parts.append(part("wismo.choose_refund"))
    else:
        parts.append(part("wismo.no_options", words={"sla": sla}))
    return parts


def where_is(ctx: Context, order: OrderView, now: datetime, stall_days: float, sla: str) -> Handled:
    """The status of `order` in plain words; for a stalled or lost parcel an apology and
    the options the merchant allows, and the conversation waits for the choice."""
    shipment = order.shipment
    if shipment is None or not order.shipped:
        return Handled(reply(part("wismo.not_shipped", order_id=order.order_id)))
    parts: list[Part] = []
    last = shipment.last_event
    where = last.location if last else ""
    trouble = None
    code = shipment.last_exception
    if code is not None and code.exception_code:
        trouble = explain(shipment.carrier, code.exception_code)
    lost = shipment.status == "lost" or (trouble is not None and trouble.kind == "lost")
    if shipment.delivered_at is not None or shipment.status == "delivered":
        delivered = shipment.delivered_at or (last.occurred_at if last else now)
        parts.append(
            part("wismo.delivered", order_id=order.order_id, date=day(delivered), location=where)
        )
    elif lost:
        parts.append(part("wismo.lost"))
    elif shipment.status == "out_for_delivery":
        parts.append(
            part("wismo.out_for_delivery", order_id=order.order_id, carrier=shipment.carrier)
        )
    else:
        parts.append(part("wismo.in_transit", order_id=order.order_id, carrier=shipment.carrier))
    stalled = not lost and is_stalled(order, now, stall_days)
    if trouble is not None and not lost and shipment.status == "exception":
        parts.append(part("wismo.exception", carrier=shipment.carrier))
        parts.append(Part(trouble.explanation))
        if trouble.action:
            parts.append(Part(trouble.action))
    if stalled and last is not None:
        parts.append(part("wismo.stalled", date=day(last.occurred_at), location=where))
    elif last is not None and shipment.status in ("in_transit", "exception"):
        parts.append(part("wismo.last_scan", date=day(last.occurred_at), location=where))
        if shipment.estimated_delivery is not None and shipment.estimated_delivery > now:
            parts.append(part("wismo.eta", eta=day(shipment.estimated_delivery)))
    parts.append(part("wismo.tracking", tracking=shipment.tracking_number))
    pending = None
    handoff = None
    if stalled or lost:
        allowed = options(ctx, order)
        parts.extend(_option_parts(order, allowed, sla))
        if allowed:
            pending = {"kind": STALL_OPTIONS, "order_id": order.order_id, "options": allowed}
        else:
            handoff = Handoff(("parcel_stalled" if stalled else "parcel_lost",), "QUEUE_SHIPPING")
    return Handled(reply(*parts), pending=pending, handoff=handoff)


def choose_option(ctx: Context, pending: dict[str, object], text: str) -> Handled | None:
    """The customer's answer to the stalled-parcel options; None when it is not one."""
    allowed = [str(o) for o in pending.get("options", []) or []]  # type: ignore[attr-defined]
    order = ctx.customer.order(str(pending.get("order_id"))) if ctx.customer else None
    if order is None:
        return None
    reship = lexicon.longest(text, lexicon.RESHIP)
    refund = lexicon.longest(text, lexicon.REFUND)
    if reship and reship >= refund and "reship" in allowed:
        return Handled(
            reply(part("wismo.reship_done", order_id=order.order_id)),
            resolution=ResolutionWrite(order.order_id, "reship"),
        )
    if refund and "refund" in allowed:
        return Handled(
            reply(
                part(
                    "wismo.refund_done",
                    order_id=order.order_id,
                    amount=money(order.total_minor, order.currency),
                )
            ),
            resolution=ResolutionWrite(order.order_id, "refund"),
        )
    return None
