"""From matched rules to an item's outcome: exemptions, precedence, keep-it and exchange.

Deterministic: rules are read in document order, and nothing depends on the order in
which durable_rules fired them.

Item outcome, in this order:
1. Exemptions: a matched rule's `exempt_from` switches off the named matched rules,
   unless the exempting rule was itself switched off by an earlier rule.
2. The remaining rules' outcomes, most restrictive first: DENY (the generated
   `return_window` rule denies), then MANUAL_REVIEW, EXCHANGE_ONLY, APPROVE.
   No outcome at all is "no rule matched": reason NO_RULE_MATCHED and the policy's
   `defaults.no_match_outcome`.
3. An approved line is offered an exchange when the exchange section is enabled, an
   in-stock candidate was given, and its reason is one the section lists (or the
   customer asked for an exchange); otherwise it becomes a returnless refund when
   taking it back is worth less than letting it go and no keep-it limit objects;
   otherwise it is an approved return.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from services.returns_decision.core.decisions import (
    Outcome,
    Reason,
    ReasonCode,
    default_message_key,
)
from services.returns_decision.core.policy.context import ItemContext
from services.returns_decision.core.policy.model import (
    WINDOW_RULE_ID,
    BonusCredit,
    FeeKind,
    KeepItLimit,
    Policy,
    RuleOutcome,
)
from services.returns_decision.core.risk import RiskAssessment

_RULE_OUTCOMES = {
    RuleOutcome.DENY: Outcome.DENY,
    RuleOutcome.MANUAL_REVIEW: Outcome.MANUAL_REVIEW,
    RuleOutcome.EXCHANGE_ONLY: Outcome.OFFER_EXCHANGE,
    RuleOutcome.APPROVE: Outcome.APPROVE_RETURN,
}
_PRECEDENCE = (
    RuleOutcome.DENY,
    RuleOutcome.MANUAL_REVIEW,
    RuleOutcome.EXCHANGE_ONLY,
    RuleOutcome.APPROVE,
)
NO_MATCH_RULE_ID = "defaults.no_match_outcome"


def reason(code: ReasonCode, rule_id: str, **params: object) -> Reason:
    return Reason(code, rule_id, default_message_key(code), {k: str(v) for k, v in params.items()})


def percent_of(amount: int, percent: Decimal) -> int:
    """`percent` % of `amount` minor units, rounded half-even once."""
    return int((Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def bonus_amount(bonus: BonusCredit, base: int) -> int:
    amount = percent_of(base, bonus.percent) + bonus.flat
    return min(amount, bonus.max_amount) if bonus.max_amount is not None else amount


@dataclass(frozen=True, slots=True)
class RuleEffects:
    """What the matched rules of one line say, after exemptions."""

    matched: tuple[str, ...]
    exempted: tuple[str, ...]
    reasons: tuple[Reason, ...]
    outcome: RuleOutcome | None  # None: no rule decided the line
    exchange_only: bool
    forbid_keep_it: bool
    require_inspection: bool
    store_credit_only: bool
    restocking_percent: Decimal  # the highest matching percentage
    waived: frozenset[FeeKind]


def summarise(context: ItemContext, matched: tuple[str, ...], policy: Policy) -> RuleEffects:
    exempted: set[str] = set()
    for rule_id in matched:
        rule = policy.rule(rule_id)
        if rule is not None and rule_id not in exempted:
            exempted.update(rule.then.exempt_from)
    active = [rule_id for rule_id in matched if rule_id not in exempted]

    reasons: list[Reason] = []
    outcomes: set[RuleOutcome] = set()
    forbid = inspect = store_credit = False
    restocking = Decimal(0)
    waived: set[FeeKind] = set()
    for rule_id in active:
        if rule_id == WINDOW_RULE_ID:
            outcomes.add(RuleOutcome.DENY)
            reasons.append(
                reason(
                    ReasonCode.OUTSIDE_RETURN_WINDOW,
                    context.window_rule_id,
                    window_days=context.window_days,
                    return_by=context.return_by.isoformat(),
                    days_over=context.days_over_window,
                )
            )
            continue
        rule = policy.rule(rule_id)
        if rule is None:
            continue
        effect = rule.then
        params: dict[str, str] = {}
        if effect.outcome is not None:
            outcomes.add(effect.outcome)
        if effect.restocking_fee_percent is not None:
            params["percent"] = str(effect.restocking_fee_percent)
            restocking = max(restocking, effect.restocking_fee_percent)
        forbid = forbid or effect.forbid_keep_it
        inspect = inspect or effect.require_inspection
        store_credit = store_credit or effect.store_credit_only
        waived.update(effect.waive_fees)
        reasons.append(Reason(rule.reason, rule.id, rule.message_key, params))

    if (
        context.holiday_rule_id is not None
        and WINDOW_RULE_ID not in active
        and context.shared.evaluated_on > context.base_return_by
    ):
        reasons.append(
            reason(
                ReasonCode.HOLIDAY_WINDOW_APPLIED,
                context.holiday_rule_id,
                return_by=context.return_by.isoformat(),
            )
        )
    outcome = next((o for o in _PRECEDENCE if o in outcomes), None)
    return RuleEffects(
        matched=matched,
        exempted=tuple(rule_id for rule_id in matched if rule_id in exempted),
        reasons=tuple(reasons),
        outcome=outcome,
        exchange_only=outcome is RuleOutcome.EXCHANGE_ONLY,
        forbid_keep_it=forbid,
        require_inspection=inspect,
        store_credit_only=store_credit,
        restocking_percent=restocking,
        waived=frozenset(waived),
    )


def base_outcome(effects: RuleEffects, policy: Policy) -> tuple[Outcome, tuple[Reason, ...]]:
    """The outcome the rules give (before exchange and keep-it), with the no-match reason."""
    if effects.outcome is None:
        no_match = policy.defaults.no_match_outcome
        return no_match, (reason(ReasonCode.NO_RULE_MATCHED, NO_MATCH_RULE_ID),)
    return _RULE_OUTCOMES[effects.outcome], ()


def exchange_offered(context: ItemContext, policy: Policy) -> bool:
    section = policy.exchange
    if not section.enabled or context.exchange_candidate is None:
        return False
    asked = context.shared.request.requested_resolution.value == "exchange"
    return asked or context.item.reason in section.offer_for_reasons


@dataclass(slots=True)
class KeepItLedger:
    """Keep-it grants within one request, so "once per customer/product" holds inside it."""

    granted: int = 0
    products: set[str] | None = None


def keep_it_blocker(
    context: ItemContext,
    effects: RuleEffects,
    policy: Policy,
    risk: RiskAssessment | None,
    ledger: KeepItLedger,
) -> Reason | bool | None:
    """Why keep-it may not be granted: a Reason, True when a matched rule already says
    why (forbid_keep_it, require_inspection), or None when it may be granted."""
    section = policy.keep_it
    if effects.forbid_keep_it or effects.require_inspection:
        return True
    if section.max_item_value is not None and context.line_value > section.max_item_value:
        return reason(
            ReasonCode.KEEP_IT_VALUE_LIMIT, "keep_it.max_item_value", limit=section.max_item_value
        )
    if (
        section.max_return_value is not None
        and context.shared.request_value > section.max_return_value
    ):
        return reason(
            ReasonCode.KEEP_IT_VALUE_LIMIT,
            "keep_it.max_return_value",
            limit=section.max_return_value,
        )
    customer = context.shared.request.customer
    product = context.item.product_id or context.item.sku
    if section.limit is KeepItLimit.ONCE_PER_CUSTOMER and (
        customer.returnless_refunds > 0 or ledger.granted
    ):
        return reason(ReasonCode.KEEP_IT_LIMIT_REACHED, "keep_it.limit", limit=section.limit.value)
    if section.limit is KeepItLimit.ONCE_PER_PRODUCT and (
        context.previously_kept or product in (ledger.products or set())
    ):
        return reason(ReasonCode.KEEP_IT_LIMIT_REACHED, "keep_it.limit", limit=section.limit.value)
    if risk is None:
        if section.require_risk_assessment:
            return reason(ReasonCode.KEEP_IT_RISK, "keep_it.require_risk_assessment")
    else:
        bands = {str(risk.fraud.band).upper(), str(risk.wardrobing.band).upper()}
        allowed = {band.value for band in section.allowed_risk_bands}
        if not bands <= allowed:
            return reason(ReasonCode.KEEP_IT_RISK, "keep_it.allowed_risk_bands")
    return None


def grant_keep_it(context: ItemContext, ledger: KeepItLedger) -> None:
    ledger.granted += 1
    if ledger.products is None:
        ledger.products = set()
    ledger.products.add(context.item.product_id or context.item.sku)
