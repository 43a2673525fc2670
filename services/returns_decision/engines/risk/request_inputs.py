"""From a return request to the risk models' inputs, one per returned item.

The models score one item in its order and customer context; a request with several
items is as risky as its riskiest item (the decision reports that item's scores and
explanations). Category labels the models do not know become "other"; amounts are
converted from minor units to the currency's major unit, as the models were trained.
"""

from __future__ import annotations

from datetime import datetime

from services.common.currency import CURRENCY_EXPONENTS, Money
from services.returns_decision.core.requests import (
    PaymentMethod,
    ReturnReason,
    ReturnRequest,
    SalesChannel,
)
from services.returns_decision.engines.risk.features import ITEM_CATEGORIES, RiskInput

_REASONS = {
    ReturnReason.SIZE_TOO_SMALL: "wrong_size",
    ReturnReason.SIZE_TOO_LARGE: "wrong_size",
    ReturnReason.POOR_FIT: "wrong_size",
    ReturnReason.CHANGED_MIND: "changed_mind",
    ReturnReason.STYLE: "changed_mind",
    ReturnReason.BETTER_PRICE: "changed_mind",
    ReturnReason.NOT_AS_DESCRIBED: "not_as_described",
    ReturnReason.QUALITY: "not_as_described",
    ReturnReason.DAMAGED: "arrived_damaged",
    ReturnReason.DEFECTIVE: "defective",
    ReturnReason.WRONG_ITEM: "wrong_item_sent",
    ReturnReason.ARRIVED_LATE: "late_delivery",
}
_PAYMENTS = {
    PaymentMethod.CARD: "card",
    PaymentMethod.WALLET: "paypal",
    PaymentMethod.BUY_NOW_PAY_LATER: "bnpl",
    PaymentMethod.GIFT_CARD: "gift_card",
    PaymentMethod.BANK_TRANSFER: "bank_transfer",
    PaymentMethod.CASH_ON_DELIVERY: "cash_on_delivery",
}
_CHANNELS = {
    SalesChannel.ONLINE_STORE: "web",
    SalesChannel.MARKETPLACE: "marketplace",
    SalesChannel.RETAIL_STORE: "store",
    SalesChannel.PHONE: "phone",
}
_CATEGORIES = frozenset(ITEM_CATEGORIES)
_SECONDS_PER_DAY = 86_400.0


def _major(money: Money | None) -> float:
    if money is None:
        return 0.0
    exponent: int = CURRENCY_EXPONENTS.get(money.currency, 2)
    return money.amount_minor / float(10**exponent)


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max((end - start).total_seconds() / _SECONDS_PER_DAY, 0.0)


def risk_inputs(request: ReturnRequest, requested_at: datetime) -> list[RiskInput]:
    """One RiskInput per item of a validated request, in item order."""
    order, customer = request.order, request.customer
    order_value = _major(order.total)
    discount = _major(order.discount_total)
    list_value = order_value + discount
    discount_share = min(discount / list_value, 1.0) if list_value > 0 else 0.0
    inputs = []
    for item in request.items:
        category = item.category.lower()
        inputs.append(
            RiskInput(
                requested_on=requested_at.date(),
                order_value=order_value,
                item_price=_major(item.unit_price),
                item_category=category if category in _CATEGORIES else "other",
                final_sale=item.final_sale,
                reason_code=_REASONS.get(item.reason, "other"),
                days_order_to_delivery=_days(order.placed_at, order.delivered_at),
                days_delivery_to_request=_days(order.delivered_at, requested_at),
                account_age_days=float(max(customer.account_age_days, 0)),
                lifetime_orders=max(customer.lifetime_orders, 0),
                lifetime_spend=_major(customer.lifetime_spend),
                returns_90d=min(customer.returns_last_90_days, customer.returns_last_365_days),
                returns_365d=customer.returns_last_365_days,
                keep_it_refunds=customer.returnless_refunds,
                chargebacks=customer.chargebacks,
                payment_method=_PAYMENTS.get(order.payment_method, "other"),
                channel=_CHANNELS.get(order.channel, "other"),
                discount_share=discount_share,
                items_in_order=max(len(request.items), 1),
            )
        )
    return inputs
