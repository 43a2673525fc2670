"""Finding the order a message is about, and formatting what is said about it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from frontend.support_desk.store.views import CustomerView, ItemView, OrderView

_SYMBOLS = {"USD": "$", "CAD": "CA$", "EUR": "€", "GBP": "£"}
_DIGITS = re.compile(r"\d{3,}")


def money(amount_minor: int, currency: str) -> str:
    """`$48.00`, `€12.50`; other currencies as `12.50 CHF`."""
    value = f"{amount_minor / 100:,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def day(moment: datetime) -> str:
    """A date every language reads the same way (ISO 8601)."""
    return moment.date().isoformat()


def duration(seconds: float) -> str:
    """An SLA in plain English words, translated with the reply."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1)} minutes"
    hours = round(minutes / 60)
    if hours < 48:
        return "1 hour" if hours == 1 else f"{hours} hours"
    days = round(hours / 24)
    return f"{days} days"


def mentioned(customer: CustomerView, text: str) -> list[OrderView]:
    """Orders the text names, by full id (NW-1001) or by its number (1001, #1001)."""
    upper = text.upper()
    numbers = set(_DIGITS.findall(text))
    found = []
    for order in customer.orders:
        digits = "".join(_DIGITS.findall(order.order_id))
        if order.order_id.upper() in upper or (digits and digits in numbers):
            found.append(order)
    return found


def focus_order(customer: CustomerView | None, text: str) -> OrderView | None:
    """The order a message is most likely about: one it names, else the latest one not
    delivered yet, else the latest one."""
    if customer is None or not customer.orders:
        return None
    named = mentioned(customer, text)
    if named:
        return named[0]
    open_orders = [o for o in customer.orders if o.status in ("shipped", "processing")]
    if open_orders:
        return max(open_orders, key=lambda o: o.placed_at)
    return max(customer.orders, key=lambda o: o.placed_at)


def days_late(order: OrderView, now: datetime) -> int:
    if order.delivered_at is not None or order.status == "delivered":
        return 0
    return max(0, (now - order.promised_by) // timedelta(days=1))


def describe_item(item: ItemView) -> str:
    """English words for an item, translated with the reply: "Oxford shirt (size M)"."""
    return f"{item.name} (size {item.size})" if item.size else item.name
