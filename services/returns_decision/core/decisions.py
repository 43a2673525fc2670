"""A return decision as the core produces it: outcomes, reasons, refunds, fees and the
net recovery value of each item. Plain frozen dataclasses, no grpc."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.common.currency import Money
from services.returns_decision.core.requests import ExchangeCandidate


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
    """What each resolution of one item is worth to the merchant (see core/economics/)."""

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
