"""The validated form of a policy document: what the compiler and the resolver read.

Built only by `policy.validation.parse_policy`, which guarantees every invariant noted
here; nothing downstream re-checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.returns_decision.core.decisions import Outcome, ReasonCode, RefundMethod
from services.returns_decision.core.economics.parameters import EconomicsConfig
from services.returns_decision.core.requests import ReturnReason
from services.returns_decision.core.risk import RiskBand

Scalar = str | int | float | bool

# Ids of the rules the core generates; a policy rule may not use them.
WINDOW_RULE_ID = "return_window"
RESERVED_IDS = frozenset(
    {WINDOW_RULE_ID, "keep_it", "exchange", "store_credit", "fees", "defaults"}
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """`field op value`; value is a tuple for the list operators (in, contains_any, ...)."""

    field: str
    op: str
    value: Scalar | tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]


Condition = Comparison | AllOf | AnyOf


class RuleOutcome(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"
    EXCHANGE_ONLY = "EXCHANGE_ONLY"
    MANUAL_REVIEW = "MANUAL_REVIEW"


class FeeKind(StrEnum):
    RESTOCKING = "restocking"
    RETURN_SHIPPING = "return_shipping"
    HANDLING = "handling"


@dataclass(frozen=True, slots=True)
class RuleEffect:
    outcome: RuleOutcome | None = None
    restocking_fee_percent: Decimal | None = None
    forbid_keep_it: bool = False
    require_inspection: bool = False
    store_credit_only: bool = False
    waive_fees: frozenset[FeeKind] = frozenset()
    exempt_from: tuple[str, ...] = ()  # ids of rules (or "return_window") switched off


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    index: int  # position in the document: exemptions and ties resolve in this order
    when: Condition | None  # None: every item
    then: RuleEffect
    reason: ReasonCode  # never a system code
    message_key: str
    description: str = ""


class WindowClock(StrEnum):
    DELIVERY = "delivery"
    FULFILMENT = "fulfilment"


@dataclass(frozen=True, slots=True)
class WindowOverride:
    """A longer or shorter window for items of these product types, categories or tags."""

    id: str
    days: int
    product_types: frozenset[str]
    categories: frozenset[str]
    tags: frozenset[str]

    def applies(self, product_type: str, category: str, tags: tuple[str, ...]) -> bool:
        return (
            product_type in self.product_types
            or category in self.categories
            or not self.tags.isdisjoint(tags)
        )


@dataclass(frozen=True, slots=True)
class HolidayExtension:
    """Orders placed in [purchased_from, purchased_to] may be returned until return_by."""

    id: str
    purchased_from: date
    purchased_to: date
    return_by: date


@dataclass(frozen=True, slots=True)
class ReturnWindow:
    days: int
    clock: WindowClock = WindowClock.DELIVERY
    transit_buffer_days: int = 5
    overrides: tuple[WindowOverride, ...] = ()  # first match wins
    holidays: tuple[HolidayExtension, ...] = ()


class ShippingMode(StrEnum):
    FREE = "free"
    FLAT = "flat"
    CUSTOMER_PAID = "customer_paid"  # the customer ships it back; no label


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    return_shipping: ShippingMode = ShippingMode.FREE
    return_shipping_amount: int = 0  # per return, when FLAT
    free_shipping_for_exchanges: bool = True
    handling_amount: int = 0  # per return that ships something back


class KeepItLimit(StrEnum):
    UNLIMITED = "unlimited"
    ONCE_PER_CUSTOMER = "once_per_customer"
    ONCE_PER_PRODUCT = "once_per_product"


@dataclass(frozen=True, slots=True)
class KeepItPolicy:
    enabled: bool = False
    max_item_value: int | None = None  # line value (unit price x quantity)
    max_return_value: int | None = None  # whole request
    limit: KeepItLimit = KeepItLimit.ONCE_PER_PRODUCT
    allowed_risk_bands: frozenset[RiskBand] = frozenset({RiskBand.LOW})
    require_risk_assessment: bool = True


@dataclass(frozen=True, slots=True)
class BonusCredit:
    percent: Decimal = Decimal(0)  # of the line value
    max_amount: int | None = None
    flat: int = 0


@dataclass(frozen=True, slots=True)
class ExchangePolicy:
    enabled: bool = False
    offer_for_reasons: frozenset[ReturnReason] = frozenset(
        {ReturnReason.SIZE_TOO_SMALL, ReturnReason.SIZE_TOO_LARGE, ReturnReason.POOR_FIT}
    )
    bonus_credit: BonusCredit = BonusCredit()


@dataclass(frozen=True, slots=True)
class StoreCreditPolicy:
    bonus_credit: BonusCredit = BonusCredit()


@dataclass(frozen=True, slots=True)
class CustomerList:
    name: str
    customer_ids: frozenset[str]
    email_sha256: frozenset[str]
    customer_tags: frozenset[str]


@dataclass(frozen=True, slots=True)
class Defaults:
    no_match_outcome: Outcome = Outcome.MANUAL_REVIEW
    refund_method: RefundMethod = RefundMethod.ORIGINAL_PAYMENT


@dataclass(frozen=True, slots=True)
class Policy:
    schema_version: int
    tenant_id: str
    label: str
    currency: str
    description: str
    defaults: Defaults
    return_window: ReturnWindow
    rules: tuple[Rule, ...]
    fees: FeeSchedule
    keep_it: KeepItPolicy
    exchange: ExchangePolicy
    store_credit: StoreCreditPolicy
    customer_lists: Mapping[str, CustomerList]
    economics: EconomicsConfig

    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {rule.id: rule for rule in self.rules})

    def rule(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)
