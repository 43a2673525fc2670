"""Return requests built from the synthetic generator's rows, with the generator's ground
truth as their outcomes: traffic the service can be taught by.

The request carries what ``risk_inputs`` reads (amounts, dates, customer history, payment,
channel, reason); what no request field carries (condition on receipt, items in the
order, bracketing) the service scores at its default, as it would in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import APPAREL, stamp, usd
from models.returns import synthetic

_REASONS = {
    "wrong_size": pb.RETURN_REASON_SIZE_TOO_SMALL,
    "changed_mind": pb.RETURN_REASON_CHANGED_MIND,
    "not_as_described": pb.RETURN_REASON_NOT_AS_DESCRIBED,
    "arrived_damaged": pb.RETURN_REASON_DAMAGED,
    "defective": pb.RETURN_REASON_DEFECTIVE,
    "wrong_item_sent": pb.RETURN_REASON_WRONG_ITEM,
    "late_delivery": pb.RETURN_REASON_ARRIVED_LATE,
}
_PAYMENTS = {
    "card": pb.PAYMENT_METHOD_CARD,
    "paypal": pb.PAYMENT_METHOD_WALLET,
    "bnpl": pb.PAYMENT_METHOD_BUY_NOW_PAY_LATER,
    "gift_card": pb.PAYMENT_METHOD_GIFT_CARD,
    "bank_transfer": pb.PAYMENT_METHOD_BANK_TRANSFER,
    "cash_on_delivery": pb.PAYMENT_METHOD_CASH_ON_DELIVERY,
}
_CHANNELS = {
    "web": pb.SALES_CHANNEL_ONLINE_STORE,
    "marketplace": pb.SALES_CHANNEL_MARKETPLACE,
    "store": pb.SALES_CHANNEL_RETAIL_STORE,
    "phone": pb.SALES_CHANNEL_PHONE,
}


def _cents(amount: float) -> int:
    return max(round(amount * 100), 1)


@dataclass(frozen=True)
class Traffic:
    requests: list[pb.DecideReturnRequest]
    fraud: list[int]  # the generator's labels, per request
    wardrobing: list[int]

    def outcomes(self, start: int = 0, stop: int | None = None) -> Iterator[pb.ReturnOutcome]:
        """What became of each return: the generator's ground truth, received and inspected."""
        for i in range(start, len(self.requests) if stop is None else stop):
            yield pb.ReturnOutcome(
                request_id=self.requests[i].request_id,
                line_item_id="L1",
                received=True,
                inspected_condition=pb.ITEM_CONDITION_USED,
                fraud_confirmed=bool(self.fraud[i]),
                wardrobing_confirmed=bool(self.wardrobing[i]),
            )


def traffic(rows: int, seed: int, prefix: str = "syn") -> Traffic:
    gen = synthetic.generate(rows, seed)
    cols: dict[str, Any] = {k: np.asarray(v).tolist() for k, v in gen.columns.items()}
    requests = []
    for i in range(rows):
        day = cols["requested_on"][i]
        requested = datetime.combine(day, time(12), tzinfo=UTC)
        to_request, to_delivery = (
            cols["days_delivery_to_request"][i],
            cols["days_order_to_delivery"][i],
        )
        order: dict[str, Any] = {}
        if to_request is not None and to_request == to_request:  # not NaN
            delivered = requested - timedelta(days=to_request)
            order["delivered_at"] = stamp(delivered)
            gap = to_delivery if to_delivery is not None and to_delivery == to_delivery else 4.0
            order["placed_at"] = stamp(delivered - timedelta(days=gap))
        else:
            order["placed_at"] = stamp(requested - timedelta(days=20))
        value, price = cols["order_value"][i], cols["item_price"][i]
        share = cols["discount_share"][i]
        item = pb.ReturnItem(
            line_item_id="L1",
            sku=f"SKU-{i}",
            product_id=f"P-{i}",
            product_type="item",
            category=cols["item_category"][i],
            unit_price=usd(_cents(price)),
            unit_cost=usd(_cents(price * 0.4)),
            quantity=1,
            final_sale=bool(cols["final_sale"][i]),
            reported_condition=pb.ITEM_CONDITION_UNWORN_WITH_TAGS,
            reason=_REASONS.get(cols["reason_code"][i], pb.RETURN_REASON_OTHER),
        )
        requests.append(
            pb.DecideReturnRequest(
                tenant_id=APPAREL,
                request_id=f"{prefix}-{seed}-{i}",
                order=pb.Order(
                    order_id=f"ORD-{i}",
                    country_code="US",
                    channel=_CHANNELS.get(cols["channel"][i], pb.SALES_CHANNEL_SOCIAL),
                    payment_method=_PAYMENTS.get(
                        cols["payment_method"][i], pb.PAYMENT_METHOD_OTHER
                    ),
                    total=usd(_cents(max(value, price))),
                    discount_total=usd(round(100 * value * share / (1 - share)))
                    if share < 1
                    else usd(0),
                    **order,
                ),
                items=[item],
                customer=pb.Customer(
                    customer_id=f"cust-{i}",
                    account_age_days=int(cols["account_age_days"][i]),
                    lifetime_orders=int(cols["lifetime_orders"][i]),
                    lifetime_spend=usd(_cents(cols["lifetime_spend"][i])),
                    returns_last_90_days=int(cols["returns_90d"][i]),
                    returns_last_365_days=int(cols["returns_365d"][i]),
                    returnless_refunds=int(cols["keep_it_refunds"][i]),
                    chargebacks=int(cols["chargebacks"][i]),
                ),
                requested_resolution=pb.RESOLUTION_REFUND_ORIGINAL_PAYMENT,
                requested_at=stamp(requested),
            )
        )
    return Traffic(
        requests,
        [int(x) for x in gen.labels["fraud"]],
        [int(x) for x in gen.labels["wardrobing"]],
    )
