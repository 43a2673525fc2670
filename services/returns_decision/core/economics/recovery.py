"""Net recovery value of one returned line: what taking it back, letting the customer keep
it, or exchanging it is worth to the merchant.

The refund itself is the same in every branch, so it is left out: values are relative to
"the customer has been refunded". Probabilities and rates are floats; every reported term
is rounded once (half-even) to minor units, and each total is the sum of its rounded
terms, so an explanation always adds up to the figure it explains.

  expected_recovery = resale (as new + open box + refurbished) - value decay
                      - refurbishment + liquidation
  return_cost       = label + receiving/inspection + handling + customer service
  take_back_value   = expected_recovery - return_cost + fees collected
  keep_it_value     = - abuse leak (fraud probability x abuse_leak_rate x line value)
  exchange_value    = take_back_value + margin of the new item - bonus - outbound shipping
Per-shipment costs (label, customer service, carrier quotes) are split evenly over the
request's lines; per-unit costs (inspection, handling) scale with the quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.currency import Money
from services.returns_decision.core.decisions import NetRecoveryValue, Outcome, ValueTerm
from services.returns_decision.core.economics.parameters import EconomicsParameters


@dataclass(frozen=True, slots=True)
class ExchangeTerms:
    """The new item of an exchange: its price and cost (None: use the gross margin rate)."""

    unit_price: int
    unit_cost: int | None
    bonus_credit: int


@dataclass(frozen=True, slots=True)
class CostOverrides:
    """Carrier and warehouse quotes for the whole request, per shipment (None: defaults)."""

    return_label: int | None = None
    outbound_shipping: int | None = None
    receiving_and_inspection: int | None = None
    handling: int | None = None


@dataclass(frozen=True, slots=True)
class LineValuation:
    """Rounded terms of one line before the outcome is chosen, with their sums."""

    currency: str
    recovery_terms: tuple[tuple[str, int], ...]
    cost_terms: tuple[tuple[str, int], ...]  # positive costs
    fees_collected: int
    abuse_leak: int
    exchange_terms: tuple[tuple[str, int], ...]  # signed; empty when no exchange applies
    expected_recovery: int
    return_cost: int
    take_back_value: int
    keep_it_value: int
    exchange_value: int | None


def _r(x: float) -> int:
    return round(x)


def value_line(
    *,
    currency: str,
    unit_price: int,
    quantity: int,
    params: EconomicsParameters,
    lines_in_request: int,
    fees_collected: int,
    fraud_probability: float,
    exchange: ExchangeTerms | None,
    overrides: CostOverrides,
) -> LineValuation:
    value = float(unit_price * quantity)
    share = 1.0 / max(1, lines_in_request)  # of the per-shipment costs
    recovery_terms = _recovery_terms(value, quantity, params)
    cost_terms = _cost_terms(quantity, share, params, overrides)
    abuse_leak = _r(fraud_probability * params.abuse_leak_rate * value)
    exchange_terms: tuple[tuple[str, int], ...] = ()
    if exchange is not None:
        exchange_terms = _exchange_terms(exchange, quantity, share, params, overrides)
    expected_recovery = sum(v for _, v in recovery_terms)
    return_cost = sum(v for _, v in cost_terms)
    take_back_value = expected_recovery - return_cost + fees_collected
    return LineValuation(
        currency=currency,
        recovery_terms=recovery_terms,
        cost_terms=cost_terms,
        fees_collected=fees_collected,
        abuse_leak=abuse_leak,
        exchange_terms=exchange_terms,
        expected_recovery=expected_recovery,
        return_cost=return_cost,
        take_back_value=take_back_value,
        keep_it_value=-abuse_leak,
        exchange_value=(
            take_back_value + sum(v for _, v in exchange_terms) if exchange_terms else None
        ),
    )


def _recovery_terms(
    value: float, quantity: int, params: EconomicsParameters
) -> tuple[tuple[str, int], ...]:
    """What the returned units bring back: resold by grade, less decay, or liquidated."""
    mix = params.grade_mix
    as_new = mix.resell_as_new * value
    open_box = mix.open_box * value * (1.0 - params.open_box_markdown)
    refurbished = mix.refurbish * value * (1.0 - params.refurbished_markdown)
    decay_share = min(1.0, params.value_decay_per_day * params.pipeline_days)
    decay = (as_new + open_box + refurbished) * decay_share
    refurbishment = mix.refurbish * quantity * params.refurbishment_cost
    liquidation = mix.liquidate * value * params.liquidation_rate
    return (
        ("resale_as_new", _r(as_new)),
        ("resale_open_box", _r(open_box)),
        ("resale_refurbished", _r(refurbished)),
        ("value_decay", -_r(decay)),
        ("refurbishment_cost", -_r(refurbishment)),
        ("liquidation_value", _r(liquidation)),
    )


def _cost_terms(
    quantity: int, share: float, params: EconomicsParameters, overrides: CostOverrides
) -> tuple[tuple[str, int], ...]:
    """What taking the line back costs, positive; a quote replaces the default."""

    def per_shipment(quote: int | None, default: float) -> float:
        return (quote if quote is not None else default) * share

    def per_unit(quote: int | None, default: int) -> float:
        return quote * share if quote is not None else float(default * quantity)

    return (
        ("return_label_cost", _r(per_shipment(overrides.return_label, params.return_label_cost))),
        (
            "receiving_inspection_cost",
            _r(per_unit(overrides.receiving_and_inspection, params.receiving_inspection_cost)),
        ),
        ("handling_cost", _r(per_unit(overrides.handling, params.handling_cost))),
        ("customer_service_cost", _r(params.customer_service_cost * share)),
    )


def _exchange_terms(
    exchange: ExchangeTerms,
    quantity: int,
    share: float,
    params: EconomicsParameters,
    overrides: CostOverrides,
) -> tuple[tuple[str, int], ...]:
    """What sending the new item adds to taking the old one back, signed."""
    new_value = float(exchange.unit_price * quantity)
    if exchange.unit_cost is not None:
        margin = new_value - exchange.unit_cost * quantity
    else:
        margin = new_value * params.gross_margin_rate
    outbound = (
        overrides.outbound_shipping
        if overrides.outbound_shipping is not None
        else params.outbound_shipping_cost
    ) * share
    return (
        ("exchange_margin", _r(margin)),
        ("exchange_bonus_credit", -exchange.bonus_credit),
        ("outbound_shipping_cost", -_r(outbound)),
    )


def settle(
    valuation: LineValuation,
    *,
    outcome: Outcome,
    store_credit_issued: int,
    store_credit_bonus: int,
    breakage_rate: float,
) -> NetRecoveryValue:
    """The reported value once the outcome is known.

    `store_credit_issued` is refund plus bonus paid as store credit; its breakage (the
    share never redeemed) counts for the merchant and the bonus against. Denials and
    reviews are valued 0: nothing comes back and nothing is refunded yet.
    """
    breakage = _r(store_credit_issued * breakage_rate)
    credit_value = breakage - store_credit_bonus if store_credit_issued else 0
    exchange_value = valuation.exchange_value
    if outcome is Outcome.APPROVE_RETURN:
        chosen = valuation.take_back_value + credit_value
    elif outcome is Outcome.APPROVE_RETURNLESS_REFUND:
        chosen = valuation.keep_it_value + credit_value
    elif outcome is Outcome.OFFER_EXCHANGE:
        chosen = exchange_value if exchange_value is not None else valuation.take_back_value
    else:
        chosen = 0

    currency = valuation.currency
    terms = [ValueTerm(name, Money(v, currency)) for name, v in valuation.recovery_terms]
    terms += [ValueTerm(name, Money(-v, currency)) for name, v in valuation.cost_terms]
    terms.append(ValueTerm("fees_collected", Money(valuation.fees_collected, currency)))
    terms.append(ValueTerm("abuse_leak", Money(-valuation.abuse_leak, currency)))
    terms += [ValueTerm(name, Money(v, currency)) for name, v in valuation.exchange_terms]
    if store_credit_issued:
        terms.append(ValueTerm("store_credit_breakage", Money(breakage, currency)))
        terms.append(ValueTerm("store_credit_bonus", Money(-store_credit_bonus, currency)))
    return NetRecoveryValue(
        expected_recovery=Money(valuation.expected_recovery, currency),
        return_cost=Money(valuation.return_cost, currency),
        fees=Money(valuation.fees_collected, currency),
        take_back_value=Money(valuation.take_back_value, currency),
        keep_it_value=Money(valuation.keep_it_value, currency),
        exchange_value=Money(exchange_value, currency) if exchange_value is not None else None,
        store_credit_breakage=Money(breakage, currency),
        chosen_value=Money(chosen, currency),
        terms=tuple(terms),
    )
