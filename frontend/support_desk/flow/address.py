"""Changing the delivery address of an order that has not shipped yet."""

from __future__ import annotations

import re

from frontend.support_desk.flow.model import Handled, Handoff
from frontend.support_desk.flow.orders import mentioned
from frontend.support_desk.replies.render import part, reply
from frontend.support_desk.store.views import Context, OrderView
from frontend.support_desk.store.writes import AddressWrite

AWAIT_ADDRESS = "address"
MAX_ADDRESS_CHARS = 300

_HAS_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]{2,}")


def looks_like_address(text: str) -> bool:
    """A street address has a number and at least two words."""
    return bool(_HAS_DIGIT.search(text)) and len(_LETTERS.findall(text)) >= 2


def extract(text: str, order_ids: list[str]) -> str | None:
    """The new address in a message such as "please change it to: 12 High St, Leeds"
    (the text after the last colon), or a message that is only an address."""
    candidate = text.rsplit(":", 1)[1] if ":" in text else text
    for order_id in order_ids:  # an order number is not a house number
        candidate = candidate.replace(order_id, " ")
    candidate = " ".join(candidate.split()).strip(" .")
    if not candidate or len(candidate) > MAX_ADDRESS_CHARS:
        return None
    if ":" not in text and len(candidate.split()) > 12:
        return None  # a sentence about the address, not the address itself
    return candidate if looks_like_address(candidate) else None


def _target(ctx: Context, text: str) -> tuple[OrderView | None, list[OrderView]]:
    """The order to change (named, else the latest not shipped) and the ones not shipped."""
    assert ctx.customer is not None
    not_shipped = [o for o in ctx.customer.orders if not o.shipped and o.status == "processing"]
    named = mentioned(ctx.customer, text)
    if named:
        return named[0], not_shipped
    if not_shipped:
        return max(not_shipped, key=lambda o: o.placed_at), not_shipped
    shipped = [o for o in ctx.customer.orders if o.status == "shipped"]
    return (max(shipped, key=lambda o: o.placed_at) if shipped else None), not_shipped


def change_address(ctx: Context, text: str, sla: str) -> Handled:
    if ctx.customer is None:
        return Handled(reply(part("address.no_order")), handoff=Handoff(("not_automated",)))
    order, _ = _target(ctx, text)
    if order is None:
        return Handled(reply(part("address.no_order")))
    if order.shipped or order.status != "processing":
        return Handled(
            reply(part("address.shipped", order_id=order.order_id)),
            handoff=Handoff(("address_after_shipment",), "QUEUE_SHIPPING"),
        )
    address = extract(text, [order.order_id]) if ":" in text else None
    if address is None:
        return Handled(
            reply(part("address.ask", order_id=order.order_id)),
            pending={"kind": AWAIT_ADDRESS, "order_id": order.order_id},
        )
    return _write(order, address)


def give_address(ctx: Context, pending: dict[str, object], text: str) -> Handled | None:
    """The address the conversation was waiting for; None when the text is not one."""
    if ctx.customer is None:
        return None
    order = ctx.customer.order(str(pending.get("order_id")))
    if order is None or order.shipped or order.status != "processing":
        return None
    address = extract(text, [order.order_id])
    return _write(order, address) if address else None


def _write(order: OrderView, address: str) -> Handled:
    return Handled(
        reply(part("address.done", order_id=order.order_id, address=address)),
        address_change=AddressWrite(order.order_id, address),
    )
