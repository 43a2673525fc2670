"""Domain types of the returns decision core: requests, decisions and request validation.

Plain frozen dataclasses with no grpc import, named after the fields of
`retail.returns_decision.v1` so the servicer's converters stay one-to-one. Amounts are
integer minor units plus an ISO-4217 code (`Money`), never floats. Fields a protobuf
message may leave unset are typed so the converter can pass the unset value through
(`""`, `None`, `UNSPECIFIED`) and `validate_request` reports it as a field violation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from services.common.currency import CURRENCY_EXPONENTS, Money
from services.common.errors import FieldViolation, InvalidArgument

# A unit price above this many major units is a data error, not a luxury good.
MAX_UNIT_PRICE_MAJOR = 1_000_000
MAX_ITEMS_PER_REQUEST = 100
MAX_QUANTITY = 1_000


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


class RiskBand(StrEnum):
    """Same values as the risk models' `Band`, so their scores can be passed in as they are."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class Outcome(StrEnum):
    APPROVE_RETURN = "APPROVE_RETURN"
    APPROVE_RETURNLESS_REFUND = "APPROVE_RETURNLESS_REFUND"
    OFFER_EXCHANGE = "OFFER_EXCHANGE"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    DENY = "DENY"


class RefundMethod(StrEnum):
    NONE = "NONE"  # no refund: denied, in review, or exchanged (see the exchange offer)
    ORIGINAL_PAYMENT = "ORIGINAL_PAYMENT"
    STORE_CREDIT = "STORE_CREDIT"


class ReasonCode(StrEnum):
    """Every reason a decision can carry. Codes in SYSTEM_REASON_CODES are produced by the
    core itself; a policy rule cannot name them."""

    WITHIN_RETURN_POLICY = "WITHIN_RETURN_POLICY"
    MERCHANT_ERROR = "MERCHANT_ERROR"
    OUTSIDE_RETURN_WINDOW = "OUTSIDE_RETURN_WINDOW"
    FINAL_SALE = "FINAL_SALE"
    FINAL_SALE_EXCHANGE_ONLY = "FINAL_SALE_EXCHANGE_ONLY"
    EXCHANGE_ONLY = "EXCHANGE_ONLY"
    NON_RETURNABLE_CATEGORY = "NON_RETURNABLE_CATEGORY"
    HYGIENE_ITEM = "HYGIENE_ITEM"
    PERSONALIZED_ITEM = "PERSONALIZED_ITEM"
    GIFT_CARD = "GIFT_CARD"
    CONDITION_NOT_MET = "CONDITION_NOT_MET"
    CUSTOMER_BLOCKED = "CUSTOMER_BLOCKED"
    COUNTRY_NOT_ELIGIBLE = "COUNTRY_NOT_ELIGIBLE"
    POLICY_DENIED = "POLICY_DENIED"
    HIGH_FRAUD_RISK = "HIGH_FRAUD_RISK"
    HIGH_WARDROBING_RISK = "HIGH_WARDROBING_RISK"
    RISK_NOT_ASSESSED = "RISK_NOT_ASSESSED"
    HIGH_VALUE_REVIEW = "HIGH_VALUE_REVIEW"
    SERIAL_RETURNER = "SERIAL_RETURNER"
    POLICY_REVIEW = "POLICY_REVIEW"
    INSPECTION_REQUIRED = "INSPECTION_REQUIRED"
    KEEP_IT_NOT_ALLOWED = "KEEP_IT_NOT_ALLOWED"
    RESTOCKING_FEE = "RESTOCKING_FEE"
    FEES_WAIVED = "FEES_WAIVED"
    STORE_CREDIT_ONLY = "STORE_CREDIT_ONLY"
    EXEMPTION_APPLIED = "EXEMPTION_APPLIED"
    # Produced by the core (SYSTEM_REASON_CODES).
    NO_RULE_MATCHED = "NO_RULE_MATCHED"
    HOLIDAY_WINDOW_APPLIED = "HOLIDAY_WINDOW_APPLIED"
    RETURNLESS_REFUND = "RETURNLESS_REFUND"
    KEEP_IT_VALUE_LIMIT = "KEEP_IT_VALUE_LIMIT"
    KEEP_IT_LIMIT_REACHED = "KEEP_IT_LIMIT_REACHED"
    KEEP_IT_RISK = "KEEP_IT_RISK"
    EXCHANGE_OFFERED = "EXCHANGE_OFFERED"
    EXCHANGE_BONUS_CREDIT = "EXCHANGE_BONUS_CREDIT"
    STORE_CREDIT_BONUS = "STORE_CREDIT_BONUS"
    RETURN_SHIPPING_FEE = "RETURN_SHIPPING_FEE"
    HANDLING_FEE = "HANDLING_FEE"


SYSTEM_REASON_CODES: frozenset[ReasonCode] = frozenset(
    {
        ReasonCode.NO_RULE_MATCHED,
        ReasonCode.HOLIDAY_WINDOW_APPLIED,
        ReasonCode.RETURNLESS_REFUND,
        ReasonCode.KEEP_IT_VALUE_LIMIT,
        ReasonCode.KEEP_IT_LIMIT_REACHED,
        ReasonCode.KEEP_IT_RISK,
        ReasonCode.EXCHANGE_OFFERED,
        ReasonCode.EXCHANGE_BONUS_CREDIT,
        ReasonCode.STORE_CREDIT_BONUS,
        ReasonCode.RETURN_SHIPPING_FEE,
        ReasonCode.HANDLING_FEE,
    }
)


def default_message_key(code: ReasonCode) -> str:
    """Localisation key of a reason code when the policy rule names none."""
    return f"returns.reason.{code.value.lower()}"


# ---------------------------------------------------------------------------- request


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


class RiskScoreInput(Protocol):
    """One risk model's score; the risk package's `RiskScore` satisfies it."""

    @property
    def model_version(self) -> str: ...
    @property
    def probability(self) -> float: ...
    @property
    def band(self) -> str: ...


class RiskInput(Protocol):
    """Fraud and wardrobing scores; the risk package's `RiskAssessment` satisfies it."""

    @property
    def fraud(self) -> RiskScoreInput: ...
    @property
    def wardrobing(self) -> RiskScoreInput: ...


@dataclass(frozen=True, slots=True)
class RiskScore:
    model_name: str
    model_version: str
    probability: float
    band: RiskBand


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    fraud: RiskScore
    wardrobing: RiskScore


# ---------------------------------------------------------------------------- decision


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    tenant_id: str
    label: str  # the label written in the policy document
    content_hash: str  # "sha256:" + hex digest of the policy document's bytes


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    rule_id: str  # the policy rule, or generated rule such as "return_window", behind it
    message_key: str
    params: Mapping[str, str] = field(default_factory=dict)  # message placeholders


@dataclass(frozen=True, slots=True)
class Refund:
    amount: Money  # fees already deducted
    method: RefundMethod


@dataclass(frozen=True, slots=True)
class Fees:
    restocking: Money
    return_shipping: Money
    handling: Money
    total: Money


@dataclass(frozen=True, slots=True)
class ValueTerm:
    name: str
    amount: Money  # signed as it enters the sum


@dataclass(frozen=True, slots=True)
class NetRecoveryValue:
    """What each resolution of one item is worth to the merchant (see economics/)."""

    expected_recovery: Money
    return_cost: Money
    fees: Money
    take_back_value: Money  # expected_recovery - return_cost + fees
    keep_it_value: Money  # minus the expected abuse leak
    exchange_value: Money | None  # take_back_value + margin - bonus - outbound shipping
    store_credit_breakage: Money
    chosen_value: Money  # value of the outcome actually chosen
    terms: tuple[ValueTerm, ...]


@dataclass(frozen=True, slots=True)
class ItemDecision:
    line_item_id: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    refund: Refund
    fees: Fees  # deducted from this item's refund
    bonus_credit: Money
    label_required: bool
    inspection_required: bool  # the refund waits for the inspection of the returned item
    exchange_offer: ExchangeCandidate | None
    return_by: date | None  # last day (UTC) of the item's return window
    net_recovery: NetRecoveryValue
    matched_rule_ids: tuple[str, ...]  # every policy rule that matched, in policy order
    exempted_rule_ids: tuple[str, ...]  # matched rules switched off by an exemption


@dataclass(frozen=True, slots=True)
class Decision:
    request_id: str
    tenant_id: str
    outcome: Outcome
    items: tuple[ItemDecision, ...]
    reasons: tuple[Reason, ...]  # request-level: return shipping and handling fees
    refund_total: Money  # sum of item refunds (fees already deducted)
    fees_total: Money  # sum of item fees
    bonus_credit_total: Money
    amount_due: Money  # fees no refund covers, e.g. a paid label on an exchange
    label_required: bool
    net_recovery_total: Money  # sum of the items' chosen_value
    policy: PolicyVersion
    evaluated_at: datetime  # the instant return windows were counted to


# ---------------------------------------------------------------------------- validation


class InvalidRequest(InvalidArgument):
    """The request breaks the API's rules; every violation is listed with its field path."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        super().__init__(
            f"the return request has {len(violations)} invalid field(s)",
            violations,
            reason="INVALID_RETURN_REQUEST",
        )


class _Violations:
    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, path: str, description: str) -> None:
        self.items.append(FieldViolation(path, description))

    def required(self, path: str, value: object) -> None:
        if value is None or value == "":
            self.add(path, "required")

    def money(self, path: str, money: Money | None, currency: str, *, unit: bool) -> None:
        if money is None:
            return
        if money.currency not in CURRENCY_EXPONENTS:
            self.add(f"{path}.currency_code", f"unknown ISO-4217 currency code {money.currency!r}")
        elif currency in CURRENCY_EXPONENTS and money.currency != currency:
            self.add(f"{path}.currency_code", f"must be the order currency {currency}")
        if money.amount_minor < 0:
            self.add(f"{path}.amount_minor", "must not be negative")
        elif unit:
            exponent = CURRENCY_EXPONENTS.get(money.currency, 2)
            if money.amount_minor > MAX_UNIT_PRICE_MAJOR * 10**exponent:
                self.add(f"{path}.amount_minor", f"above {MAX_UNIT_PRICE_MAJOR} major units")

    def counts(self, prefix: str, obj: object, names: Sequence[str]) -> None:
        for name in names:
            if getattr(obj, name) < 0:
                self.add(f"{prefix}.{name}", "must not be negative")

    def instant(self, path: str, value: datetime | None) -> None:
        if value is not None and value.utcoffset() is None:
            self.add(path, "must carry a timezone")


def _valid_probability(score: float) -> bool:
    return math.isfinite(score) and 0.0 <= score <= 1.0


def validate_request(request: ReturnRequest, risk: RiskInput | None = None) -> list[FieldViolation]:
    """Every violation in the request at once, each with the path of the offending field."""
    v = _Violations()
    v.required("tenant_id", request.tenant_id)
    v.required("request_id", request.request_id)
    v.instant("requested_at", request.requested_at)
    order = request.order
    v.required("order.order_id", order.order_id)
    v.required("order.placed_at", order.placed_at)
    for name in ("placed_at", "fulfilled_at", "delivered_at"):
        v.instant(f"order.{name}", getattr(order, name))
    currency = order.total.currency
    if len(order.country_code) != 2 or not order.country_code.isalpha():
        v.add("order.country_code", "must be an ISO-3166 alpha-2 country code")
    v.money("order.total", order.total, currency, unit=False)
    v.money("order.discount_total", order.discount_total, currency, unit=False)
    naive = any(
        t is not None and t.utcoffset() is None
        for t in (request.requested_at, order.placed_at, order.fulfilled_at, order.delivered_at)
    )
    if order.placed_at is not None and not naive:
        for name in ("fulfilled_at", "delivered_at"):
            instant: datetime | None = getattr(order, name)
            if instant is not None and instant < order.placed_at:
                v.add(f"order.{name}", "must not be before placed_at")
        if request.requested_at is not None and request.requested_at < order.placed_at:
            v.add("requested_at", "must not be before order.placed_at")
    if (
        not naive
        and order.fulfilled_at is not None
        and order.delivered_at is not None
        and order.delivered_at < order.fulfilled_at
    ):
        v.add("order.delivered_at", "must not be before fulfilled_at")

    customer = request.customer
    v.required("customer.customer_id", customer.customer_id)
    sha = customer.email_sha256
    if sha and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
        v.add("customer.email_sha256", "must be 64 lowercase hexadecimal digits")
    v.counts(
        "customer",
        customer,
        (
            "account_age_days",
            "lifetime_orders",
            "returns_last_90_days",
            "returns_last_365_days",
            "returnless_refunds",
            "chargebacks",
        ),
    )
    v.money("customer.lifetime_spend", customer.lifetime_spend, currency, unit=False)

    if not request.items:
        v.add("items", "at least one item is required")
    elif len(request.items) > MAX_ITEMS_PER_REQUEST:
        v.add("items", f"at most {MAX_ITEMS_PER_REQUEST} items per request")
    lines: set[str] = set()
    for i, item in enumerate(request.items):
        p = f"items[{i}]"
        v.required(f"{p}.line_item_id", item.line_item_id)
        if item.line_item_id and item.line_item_id in lines:
            v.add(f"{p}.line_item_id", f"duplicate line item id {item.line_item_id!r}")
        lines.add(item.line_item_id)
        v.required(f"{p}.sku", item.sku)
        v.money(f"{p}.unit_price", item.unit_price, currency, unit=True)
        v.money(f"{p}.unit_cost", item.unit_cost, currency, unit=True)
        if not 1 <= item.quantity <= MAX_QUANTITY:
            v.add(f"{p}.quantity", f"must be between 1 and {MAX_QUANTITY}")
        if item.reported_condition is ItemCondition.UNSPECIFIED:
            v.add(f"{p}.reported_condition", "required")
        if item.reason is ReturnReason.UNSPECIFIED:
            v.add(f"{p}.reason", "required")

    # A reference is checked against the items only when every item can be named.
    items_named = bool(request.items) and all(i.line_item_id for i in request.items)
    for j, candidate in enumerate(request.exchange_candidates):
        p = f"exchange_candidates[{j}]"
        v.required(f"{p}.line_item_id", candidate.line_item_id)
        if candidate.line_item_id and items_named and candidate.line_item_id not in lines:
            v.add(f"{p}.line_item_id", "must name a returned line item")
        v.required(f"{p}.sku", candidate.sku)
        v.money(f"{p}.unit_price", candidate.unit_price, currency, unit=True)
        v.money(f"{p}.unit_cost", candidate.unit_cost, currency, unit=True)
        if candidate.available_quantity < 0:
            v.add(f"{p}.available_quantity", "must not be negative")

    if request.logistics is not None:
        for name in ("return_label", "outbound_shipping", "receiving_and_inspection", "handling"):
            v.money(f"logistics.{name}", getattr(request.logistics, name), currency, unit=True)

    if risk is not None:
        for model in ("fraud", "wardrobing"):
            score: RiskScoreInput = getattr(risk, model)
            if not _valid_probability(score.probability):
                v.add(f"risk.{model}.probability", "must be a probability between 0 and 1")
            if str(score.band).upper() not in RiskBand.__members__:
                v.add(f"risk.{model}.band", "must be LOW, MEDIUM, HIGH or CRITICAL")
    return v.items
