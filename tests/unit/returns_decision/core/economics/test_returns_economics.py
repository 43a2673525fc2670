"""Net recovery value: calibration against published figures and the arithmetic."""

from __future__ import annotations

from services.returns_decision.core.decisions import Outcome
from services.returns_decision.core.economics.parameters import PROFILES, EconomicsParameters
from services.returns_decision.core.economics.recovery import (
    CostOverrides,
    ExchangeTerms,
    settle,
    value_line,
)


def test_defaults_match_published_cost_figures() -> None:
    params = EconomicsParameters()
    direct = (
        params.return_label_cost
        + params.receiving_inspection_cost
        + params.handling_cost
        + params.customer_service_cost
    )
    assert 1200 <= direct <= 3300  # $12-33 per return
    assert 500 <= params.return_label_cost <= 1500  # shipping $5-15
    assert 300 <= params.receiving_inspection_cost <= 800  # inspection $3-8
    assert 100 <= params.handling_cost <= 300  # repacking $1-3
    assert 200 <= params.customer_service_cost <= 500  # service $2-5
    assert params.grade_mix.resell_as_new == 0.5  # about half resell at full price
    for profile in PROFILES.values():
        mix = profile.grade_mix
        assert abs(mix.resell_as_new + mix.open_box + mix.refurbish + mix.liquidate - 1) < 1e-9


def test_a_50_dollar_return_costs_about_33_dollars() -> None:
    valuation = value_line(
        currency="USD",
        unit_price=5000,
        quantity=1,
        params=EconomicsParameters(),
        lines_in_request=1,
        fees_collected=0,
        fraud_probability=0.0,
        exchange=None,
        overrides=CostOverrides(),
    )
    lost_value = 5000 - valuation.expected_recovery
    total_cost = lost_value + valuation.return_cost
    assert 3100 <= total_cost <= 3500  # Optoro (2021): about $33 for a $50 return
    assert valuation.take_back_value == 5000 - total_cost


def test_the_breakdown_adds_up() -> None:
    exchange = ExchangeTerms(unit_price=4500, unit_cost=None, bonus_credit=300)
    valuation = value_line(
        currency="USD",
        unit_price=3333,
        quantity=3,
        params=PROFILES["electronics"],
        lines_in_request=2,
        fees_collected=417,
        fraud_probability=0.2,
        exchange=exchange,
        overrides=CostOverrides(return_label=999),
    )
    for outcome in Outcome:
        value = settle(
            valuation,
            outcome=outcome,
            store_credit_issued=0,
            store_credit_bonus=0,
            breakage_rate=0.15,
        )
        terms = {t.name: t.amount.amount_minor for t in value.terms}
        recovery_names = (
            "resale_as_new",
            "resale_open_box",
            "resale_refurbished",
            "value_decay",
            "refurbishment_cost",
            "liquidation_value",
        )
        assert value.expected_recovery.amount_minor == sum(terms[n] for n in recovery_names)
        cost_names = (
            "return_label_cost",
            "receiving_inspection_cost",
            "handling_cost",
            "customer_service_cost",
        )
        assert value.return_cost.amount_minor == -sum(terms[n] for n in cost_names)
        assert value.take_back_value.amount_minor == (
            value.expected_recovery.amount_minor
            - value.return_cost.amount_minor
            + terms["fees_collected"]
        )
        assert value.keep_it_value.amount_minor == terms["abuse_leak"] == -round(0.2 * 1.0 * 9999)
        assert value.exchange_value is not None
        assert value.exchange_value.amount_minor == value.take_back_value.amount_minor + sum(
            terms[n] for n in ("exchange_margin", "exchange_bonus_credit", "outbound_shipping_cost")
        )
        assert terms["exchange_margin"] == round(13500 * 0.25)
        assert terms["return_label_cost"] == -round(999 / 2)
        assert all(isinstance(t.amount.amount_minor, int) for t in value.terms)
    chosen = {
        o: settle(
            valuation, outcome=o, store_credit_issued=0, store_credit_bonus=0, breakage_rate=0.15
        ).chosen_value
        for o in Outcome
    }
    assert chosen[Outcome.APPROVE_RETURN].amount_minor == valuation.take_back_value
    assert chosen[Outcome.APPROVE_RETURNLESS_REFUND].amount_minor == valuation.keep_it_value
    assert chosen[Outcome.OFFER_EXCHANGE].amount_minor == valuation.exchange_value
    assert chosen[Outcome.DENY].amount_minor == chosen[Outcome.MANUAL_REVIEW].amount_minor == 0


def test_store_credit_breakage_counts_for_and_the_bonus_against() -> None:
    valuation = value_line(
        currency="USD",
        unit_price=10000,
        quantity=1,
        params=EconomicsParameters(),
        lines_in_request=1,
        fees_collected=0,
        fraud_probability=0.0,
        exchange=None,
        overrides=CostOverrides(),
    )
    value = settle(
        valuation,
        outcome=Outcome.APPROVE_RETURN,
        store_credit_issued=10500,
        store_credit_bonus=500,
        breakage_rate=0.15,
    )
    assert value.store_credit_breakage.amount_minor == 1575
    assert value.chosen_value.amount_minor == valuation.take_back_value + 1575 - 500


def test_cheap_items_are_worth_less_taken_back_than_let_go() -> None:
    cheap = value_line(
        currency="USD",
        unit_price=1500,
        quantity=1,
        params=EconomicsParameters(),
        lines_in_request=1,
        fees_collected=0,
        fraud_probability=0.05,
        exchange=None,
        overrides=CostOverrides(),
    )
    dear = value_line(
        currency="USD",
        unit_price=8000,
        quantity=1,
        params=EconomicsParameters(),
        lines_in_request=1,
        fees_collected=0,
        fraud_probability=0.05,
        exchange=None,
        overrides=CostOverrides(),
    )
    assert cheap.take_back_value < cheap.keep_it_value
    assert dear.take_back_value > dear.keep_it_value
