"""A return request as the core sees it: plain frozen dataclasses, no grpc.

Named after the fields of `retail.returns_decision.v1` so the servicer's converters stay
one-to-one. Amounts are integer minor units plus an ISO-4217 code (`Money`), never
floats. Fields a protobuf message may leave unset are typed so the converter can pass
the unset value through (`""`, `None`, `UNSPECIFIED`) and `validate_request` reports it
as a field violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.common.currency import Money


class ItemCondition(StrEnum):
    UNSPECIFIED = "unspecified"
    SEALED = "sealed"
    UNWORN_WITH_TAGS = "unworn_with_tags"
    UNWORN_WITHOUT_TAGS = "unworn_without_tags"
    LIKE_NEW = "like_new"
    USED = "used"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"


class ReturnReason(StrEnum):
    UNSPECIFIED = "unspecified"
    SIZE_TOO_SMALL = "size_too_small"
    SIZE_TOO_LARGE = "size_too_large"
    POOR_FIT = "poor_fit"
    CHANGED_MIND = "changed_mind"
    NOT_AS_DESCRIBED = "not_as_described"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    ARRIVED_LATE = "arrived_late"
    BETTER_PRICE = "better_price"
    QUALITY = "quality"
    STYLE = "style"
    OTHER = "other"


class SalesChannel(StrEnum):
    UNSPECIFIED = "unspecified"
    ONLINE_STORE = "online_store"
    MARKETPLACE = "marketplace"
    RETAIL_STORE = "retail_store"
    SOCIAL = "social"
    PHONE = "phone"


class PaymentMethod(StrEnum):
    UNSPECIFIED = "unspecified"
    CARD = "card"
    WALLET = "wallet"
    BUY_NOW_PAY_LATER = "buy_now_pay_later"
    GIFT_CARD = "gift_card"
    STORE_CREDIT = "store_credit"
    CASH_ON_DELIVERY = "cash_on_delivery"
    BANK_TRANSFER = "bank_transfer"
    OTHER = "other"


class Resolution(StrEnum):
    UNSPECIFIED = "unspecified"  # the policy's default refund method applies
    REFUND_ORIGINAL_PAYMENT = "refund_original_payment"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"


@dataclass(frozen=True, slots=True)
class Item:
    """One order line the customer wants to return (proto ReturnItem)."""

    line_item_id: str  # unique within the request
    sku: str
    unit_price: Money  # price paid per unit, after discounts
    reported_condition: ItemCondition
    reason: ReturnReason
    quantity: int = 1
    product_id: str = ""  # "" means the SKU is the product
    product_type: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    final_sale: bool = False
    unit_cost: Money | None = None


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    placed_at: datetime | None  # timezone-aware; windows count UTC calendar days
    country_code: str  # ISO-3166 alpha-2 of the shipping address
    total: Money  # its currency is the order's currency
    fulfilled_at: datetime | None = None
    delivered_at: datetime | None = None
    channel: SalesChannel = SalesChannel.UNSPECIFIED
    payment_method: PaymentMethod = PaymentMethod.UNSPECIFIED
    discount_total: Money | None = None
    discount_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    email_sha256: str = ""  # lowercase hex SHA-256 of the trimmed, lowercased e-mail
    account_age_days: int = 0
    tags: tuple[str, ...] = ()
    lifetime_orders: int = 0
    lifetime_spend: Money | None = None
    returns_last_90_days: int = 0
    returns_last_365_days: int = 0
    returnless_refunds: int = 0
    returnless_refund_product_ids: tuple[str, ...] = ()
    chargebacks: int = 0


@dataclass(frozen=True, slots=True)
class LogisticsCosts:
    """Cost estimates for this return; a None field takes the policy's economics default."""

    return_label: Money | None = None
    outbound_shipping: Money | None = None
    receiving_and_inspection: Money | None = None
    handling: Money | None = None


@dataclass(frozen=True, slots=True)
class ExchangeCandidate:
    """An alternative the merchant can send instead of refunding one returned line."""

    line_item_id: str  # the returned line it would replace
    sku: str
    unit_price: Money
    available_quantity: int
    unit_cost: Money | None = None
    variant_attributes: tuple[tuple[str, str], ...] = ()  # e.g. (("size", "M"),), sorted


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    tenant_id: str
    request_id: str
    order: Order
    items: tuple[Item, ...]
    customer: Customer
    requested_resolution: Resolution = Resolution.UNSPECIFIED
    logistics: LogisticsCosts | None = None
    exchange_candidates: tuple[ExchangeCandidate, ...] = ()
    requested_at: datetime | None = None  # None: the caller's "now" is used
