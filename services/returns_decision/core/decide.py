"""The returns decision: policy rules + economics + the risk scores given as input.

`decide` is synchronous and calls the rules engine (durable_rules, not thread-safe), so
it must run on the thread that owns the policy store (the event-loop thread); it never
awaits, so a hot reload can never swap the policy in the middle of a decision.

Overall outcome (as the API documents it): the most restrictive item outcome, in the
order DENY, MANUAL_REVIEW, OFFER_EXCHANGE, APPROVE_RETURN, APPROVE_RETURNLESS_REFUND.
Each item carries its own outcome, refund and reasons, so a partly denied request is
fully explained even though its headline is DENY.

Fees: an item's restocking fee comes off that item's refund. Return shipping (flat fee)
and handling are per return, charged when anything ships back (shipping is free when
only exchanges ship back and the policy says so), and split evenly over the refunded
returned items, remainder to the first; when only exchanges ship back they are split
over those, and what no refund covers is `amount_due`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.common.currency import Money
from services.common.errors import FieldViolation
from services.returns_decision.core.decisions import (
    Decision,
    Fees,
    ItemDecision,
    Outcome,
    Reason,
    ReasonCode,
    Refund,
    RefundMethod,
)
from services.returns_decision.core.economics.recovery import (
    CostOverrides,
    ExchangeTerms,
    LineValuation,
    settle,
    value_line,
)
from services.returns_decision.core.interfaces import PolicySource, RuleMatcher
from services.returns_decision.core.policy.context import ItemContext, build_contexts
from services.returns_decision.core.policy.model import FeeKind, Policy, ShippingMode
from services.returns_decision.core.policy.resolution import (
    KeepItLedger,
    RuleEffects,
    base_outcome,
    bonus_amount,
    exchange_offered,
    grant_keep_it,
    keep_it_blocker,
    percent_of,
    reason,
    summarise,
)
from services.returns_decision.core.requests import ExchangeCandidate, Resolution, ReturnRequest
from services.returns_decision.core.risk import RiskAssessment
from services.returns_decision.core.validation import InvalidRequest, validate_request

_SEVERITY = (
    Outcome.DENY,
    Outcome.MANUAL_REVIEW,
    Outcome.OFFER_EXCHANGE,
    Outcome.APPROVE_RETURN,
    Outcome.APPROVE_RETURNLESS_REFUND,
)
_SHIPS_BACK = (Outcome.APPROVE_RETURN, Outcome.OFFER_EXCHANGE)


@dataclass(slots=True)
class _Line:
    context: ItemContext
    effects: RuleEffects
    valuation: LineValuation
    outcome: Outcome
    reasons: list[Reason]
    exchange_offer: ExchangeCandidate | None = None
    exchange_bonus: int = 0
    restocking: int = 0
    shipping_share: int = 0
    handling_share: int = 0
    refund: int = 0
    method: RefundMethod = RefundMethod.NONE
    store_credit_bonus: int = 0


def decide(
    request: ReturnRequest,
    risk: RiskAssessment | None = None,
    *,
    store: PolicySource,
    now: datetime | None = None,
) -> Decision:
    """Decides a return under the tenant's active policy.

    Raises InvalidRequest (every field violation) or PolicyNotFound. `now` is the
    instant used when the request carries no `requested_at` (default: the clock).
    """
    violations = validate_request(request, risk)
    if violations:
        raise InvalidRequest(violations)
    return decide_under(store.get(request.tenant_id), request, risk, now=now, validated=True)


def decide_under(
    compiled: RuleMatcher,
    request: ReturnRequest,
    risk: RiskAssessment | None = None,
    *,
    now: datetime | None = None,
    validated: bool = False,
) -> Decision:
    """Decides under a given compiled policy (the active one, or a simulation's candidate)."""
    if not validated:
        violations = validate_request(request, risk)
        if violations:
            raise InvalidRequest(violations)
    policy = compiled.policy
    currency = policy.currency
    if request.order.total.currency != currency:
        raise InvalidRequest(
            [
                FieldViolation(
                    "order.total.currency_code", f"must be the merchant's currency {currency}"
                )
            ]
        )
    evaluated_at = request.requested_at or now or datetime.now(UTC)
    contexts = build_contexts(request, risk, policy, evaluated_at)
    effects = [
        summarise(context, matched, policy)
        for context, matched in zip(contexts, compiled.match(contexts), strict=True)
    ]
    waived = frozenset().union(*(e.waived for e in effects))
    shipping_fee, handling_fee = _request_fees(policy, waived)
    # Fees the customer would pay if everything shipped back, per line: they count
    # towards the value of taking a line back (before outcomes are known).
    fee_share = (shipping_fee + handling_fee) / len(contexts)
    overrides = _overrides(request)
    fraud_probability = (
        float(risk.fraud.probability)
        if risk is not None
        else policy.economics.defaults.unassessed_fraud_probability
    )

    ledger = KeepItLedger()
    lines = []
    for context, effect in zip(contexts, effects, strict=True):
        lines.append(
            _resolve_line(
                context, effect, policy, risk, ledger, overrides, fee_share, fraud_probability
            )
        )
    request_reasons = _allocate_fees(lines, policy, shipping_fee, handling_fee)
    for line in lines:
        _refund(line, policy, request)
    return _assemble(request, compiled, lines, request_reasons, evaluated_at)


def _request_fees(policy: Policy, waived: frozenset[FeeKind]) -> tuple[int, int]:
    fees = policy.fees
    shipping = 0
    if fees.return_shipping is ShippingMode.FLAT and FeeKind.RETURN_SHIPPING not in waived:
        shipping = fees.return_shipping_amount
    handling = fees.handling_amount if FeeKind.HANDLING not in waived else 0
    return shipping, handling


def _overrides(request: ReturnRequest) -> CostOverrides:
    logistics = request.logistics
    if logistics is None:
        return CostOverrides()

    def amount(money: Money | None) -> int | None:
        return money.amount_minor if money is not None else None

    return CostOverrides(
        return_label=amount(logistics.return_label),
        outbound_shipping=amount(logistics.outbound_shipping),
        receiving_and_inspection=amount(logistics.receiving_and_inspection),
        handling=amount(logistics.handling),
    )


def _resolve_line(
    context: ItemContext,
    effects: RuleEffects,
    policy: Policy,
    risk: RiskAssessment | None,
    ledger: KeepItLedger,
    overrides: CostOverrides,
    fee_share: float,
    fraud_probability: float,
) -> _Line:
    outcome, no_match = base_outcome(effects, policy)
    reasons = [*effects.reasons, *no_match]
    restocking = 0
    if effects.restocking_percent > 0 and FeeKind.RESTOCKING not in effects.waived:
        restocking = percent_of(context.line_value, effects.restocking_percent)

    offer = outcome is Outcome.APPROVE_RETURN and exchange_offered(context, policy)
    candidate = context.exchange_candidate
    exchange_bonus = bonus_amount(policy.exchange.bonus_credit, context.line_value) if offer else 0
    exchange_terms = None
    if candidate is not None and (offer or outcome is Outcome.OFFER_EXCHANGE):
        cost = candidate.unit_cost.amount_minor if candidate.unit_cost is not None else None
        exchange_terms = ExchangeTerms(candidate.unit_price.amount_minor, cost, exchange_bonus)
    valuation = value_line(
        currency=policy.currency,
        unit_price=context.item.unit_price.amount_minor,
        quantity=context.item.quantity,
        params=policy.economics.for_category(context.category),
        lines_in_request=len(context.shared.request.items),
        fees_collected=restocking + round(fee_share),
        fraud_probability=fraud_probability,
        exchange=exchange_terms,
        overrides=overrides,
    )
    line = _Line(context, effects, valuation, outcome, reasons, restocking=restocking)

    if outcome is Outcome.OFFER_EXCHANGE:  # exchange-only: no incentive needed
        line.exchange_offer = candidate
    elif offer:
        line.outcome = Outcome.OFFER_EXCHANGE
        line.exchange_offer = candidate
        line.exchange_bonus = exchange_bonus
        reasons.append(
            reason(ReasonCode.EXCHANGE_OFFERED, "exchange", sku=candidate.sku if candidate else "")
        )
        if exchange_bonus:
            reasons.append(
                reason(
                    ReasonCode.EXCHANGE_BONUS_CREDIT,
                    "exchange.bonus_credit",
                    amount_minor=exchange_bonus,
                )
            )
    elif (
        outcome is Outcome.APPROVE_RETURN
        and policy.keep_it.enabled
        and valuation.take_back_value < valuation.keep_it_value
    ):
        blocker = keep_it_blocker(context, effects, policy, risk, ledger)
        if blocker is None:
            grant_keep_it(context, ledger)
            line.outcome = Outcome.APPROVE_RETURNLESS_REFUND
            reasons.append(
                reason(
                    ReasonCode.RETURNLESS_REFUND,
                    "keep_it",
                    take_back_value=valuation.take_back_value,
                    keep_it_value=valuation.keep_it_value,
                )
            )
        elif isinstance(blocker, Reason):
            reasons.append(blocker)
    return line


def _split(total: int, lines: list[_Line]) -> list[int]:
    if not lines or not total:
        return [0] * len(lines)
    base, remainder = divmod(total, len(lines))
    return [base + (1 if i < remainder else 0) for i in range(len(lines))]


def _allocate_fees(
    lines: list[_Line], policy: Policy, shipping_fee: int, handling_fee: int
) -> list[Reason]:
    shipping = [line for line in lines if line.outcome in _SHIPS_BACK]
    if not shipping:
        return []
    only_exchanges = all(line.outcome is Outcome.OFFER_EXCHANGE for line in shipping)
    if only_exchanges and policy.fees.free_shipping_for_exchanges:
        shipping_fee = 0
    payers = [line for line in shipping if line.outcome is Outcome.APPROVE_RETURN] or shipping
    for line, share in zip(payers, _split(shipping_fee, payers), strict=True):
        line.shipping_share = share
    for line, share in zip(payers, _split(handling_fee, payers), strict=True):
        line.handling_share = share
    reasons = []
    currency = policy.currency
    if shipping_fee:
        reasons.append(
            reason(
                ReasonCode.RETURN_SHIPPING_FEE,
                "fees.return_shipping",
                amount_minor=shipping_fee,
                currency=currency,
            )
        )
    if handling_fee:
        reasons.append(
            reason(
                ReasonCode.HANDLING_FEE,
                "fees.handling",
                amount_minor=handling_fee,
                currency=currency,
            )
        )
    return reasons


def _refund(line: _Line, policy: Policy, request: ReturnRequest) -> None:
    if line.outcome not in (Outcome.APPROVE_RETURN, Outcome.APPROVE_RETURNLESS_REFUND):
        line.restocking = 0
        return
    if line.outcome is Outcome.APPROVE_RETURNLESS_REFUND:
        line.restocking = 0
    line.refund = (
        line.context.line_value - line.restocking - line.shipping_share - line.handling_share
    )
    asked = request.requested_resolution
    store_credit = (
        line.effects.store_credit_only
        or asked is Resolution.STORE_CREDIT
        or (
            asked is Resolution.UNSPECIFIED
            and policy.defaults.refund_method is RefundMethod.STORE_CREDIT
        )
    )
    line.method = RefundMethod.STORE_CREDIT if store_credit else RefundMethod.ORIGINAL_PAYMENT
    if store_credit and asked is Resolution.STORE_CREDIT and line.refund > 0:
        line.store_credit_bonus = bonus_amount(policy.store_credit.bonus_credit, line.refund)
        if line.store_credit_bonus:
            line.reasons.append(
                reason(
                    ReasonCode.STORE_CREDIT_BONUS,
                    "store_credit.bonus_credit",
                    amount_minor=line.store_credit_bonus,
                )
            )


def _assemble(
    request: ReturnRequest,
    compiled: RuleMatcher,
    lines: list[_Line],
    request_reasons: list[Reason],
    evaluated_at: datetime,
) -> Decision:
    policy = compiled.policy
    currency = policy.currency
    labels = policy.fees.return_shipping is not ShippingMode.CUSTOMER_PAID
    breakage = policy.economics.defaults.store_credit_breakage_rate

    def money(amount: int) -> Money:
        return Money(amount, currency)

    items = []
    amount_due = 0
    for line in lines:
        refund = max(0, line.refund)
        amount_due += max(0, -line.refund)
        if line.outcome is Outcome.OFFER_EXCHANGE:
            amount_due += line.shipping_share + line.handling_share
        credit = refund + line.store_credit_bonus if line.method is RefundMethod.STORE_CREDIT else 0
        bonus = line.exchange_bonus + line.store_credit_bonus
        fee_total = line.restocking + line.shipping_share + line.handling_share
        ships_back = line.outcome in _SHIPS_BACK
        items.append(
            ItemDecision(
                line_item_id=line.context.item.line_item_id,
                outcome=line.outcome,
                reasons=tuple(line.reasons),
                refund=Refund(money(refund), line.method),
                fees=Fees(
                    restocking=money(line.restocking),
                    return_shipping=money(line.shipping_share),
                    handling=money(line.handling_share),
                    total=money(fee_total),
                ),
                bonus_credit=money(bonus),
                label_required=ships_back and labels,
                inspection_required=ships_back and line.effects.require_inspection,
                exchange_offer=line.exchange_offer
                if line.outcome is Outcome.OFFER_EXCHANGE
                else None,
                return_by=line.context.return_by,
                net_recovery=settle(
                    line.valuation,
                    outcome=line.outcome,
                    store_credit_issued=credit,
                    store_credit_bonus=line.store_credit_bonus,
                    breakage_rate=breakage,
                ),
                matched_rule_ids=line.effects.matched,
                exempted_rule_ids=line.effects.exempted,
            )
        )
    outcomes = {item.outcome for item in items}
    overall = next(o for o in _SEVERITY if o in outcomes)
    return Decision(
        request_id=request.request_id,
        tenant_id=request.tenant_id,
        outcome=overall,
        items=tuple(items),
        reasons=tuple(request_reasons),
        refund_total=money(sum(i.refund.amount.amount_minor for i in items)),
        fees_total=money(sum(i.fees.total.amount_minor for i in items)),
        bonus_credit_total=money(sum(i.bonus_credit.amount_minor for i in items)),
        amount_due=money(amount_due),
        label_required=any(i.label_required for i in items),
        net_recovery_total=money(sum(i.net_recovery.chosen_value.amount_minor for i in items)),
        policy=compiled.version,
        evaluated_at=evaluated_at,
    )
