"""Economics parameters of net recovery value, with built-in profiles and their sources.

Money parameters are minor units of US dollars in the built-in profiles; a policy in any
other currency must state its own cost amounts (the policy validator enforces it).

Calibration of the `general` profile against published figures:
- Per-return handling cost runs $12-33: return shipping $5-15, receiving and inspection
  $3-8, repacking $1-3, customer service $2-5 (industry reports). Defaults: label $8,
  inspection $5, repacking $2, service $3.50, so $18.50 of direct cost per single-item
  return.
- Only about half of returned items resell at full price: grade mix 50% as new,
  25% open box, 10% refurbished, 15% liquidated.
- Processing a $50 return costs the merchant about $33 (Optoro, 2021). With the defaults
  a $50 item loses $14.23 of value (markdowns, 10 days of decay, refurbishment,
  liquidation) on top of the $18.50 direct cost: $32.73 (checked by a unit test).
Assumptions without a single published source, to be set per merchant: value decay per
day in the pipeline (0.2%/day general, 0.3% apparel for seasonal markdowns), liquidation
at 10% of retail (liquidators commonly pay 5-20%), store-credit breakage 15% (gift-card
breakage is commonly estimated at 10-20%), gross margin 50%.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class GradeMix:
    """Shares of returned units by the grade they end up in; they sum to 1."""

    resell_as_new: float
    open_box: float
    refurbish: float
    liquidate: float


@dataclass(frozen=True, slots=True)
class EconomicsParameters:
    grade_mix: GradeMix = GradeMix(0.50, 0.25, 0.10, 0.15)
    open_box_markdown: float = 0.30  # share of price lost when sold open box
    refurbished_markdown: float = 0.50  # share of price lost when sold refurbished
    refurbishment_cost: int = 500  # per refurbished unit
    liquidation_rate: float = 0.10  # share of price a liquidator pays
    value_decay_per_day: float = 0.002  # share of resale value lost per day in the pipeline
    pipeline_days: int = 10  # request to resellable: transit plus processing
    return_label_cost: int = 800  # per return shipment
    receiving_inspection_cost: int = 500  # per unit
    handling_cost: int = 200  # repacking and restocking, per unit
    customer_service_cost: int = 350  # per return
    outbound_shipping_cost: int = 700  # per exchange shipment
    gross_margin_rate: float = 0.50  # used when the unit cost is not given
    abuse_leak_rate: float = 1.0  # share of the value lost when a keep-it goes to an abuser
    unassessed_fraud_probability: float = 0.05  # fraud probability when no risk score is given
    store_credit_breakage_rate: float = 0.15  # share of store credit never redeemed


MONEY_PARAMETERS: tuple[str, ...] = (
    "refurbishment_cost",
    "return_label_cost",
    "receiving_inspection_cost",
    "handling_cost",
    "customer_service_cost",
    "outbound_shipping_cost",
)
RATE_PARAMETERS: tuple[str, ...] = (
    "open_box_markdown",
    "refurbished_markdown",
    "liquidation_rate",
    "gross_margin_rate",
    "abuse_leak_rate",
    "unassessed_fraud_probability",
    "store_credit_breakage_rate",
)
PARAMETER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(EconomicsParameters))

PROFILES: Mapping[str, EconomicsParameters] = {
    "general": EconomicsParameters(),
    # Seasonal goods lose value faster; steaming and re-tagging is cheap; margins are high.
    "apparel": EconomicsParameters(
        value_decay_per_day=0.003, refurbishment_cost=300, gross_margin_rate=0.60
    ),
    # Fewer units go back as new; functional testing and data wiping cost more; thin margins.
    "electronics": EconomicsParameters(
        grade_mix=GradeMix(0.35, 0.35, 0.20, 0.10),
        open_box_markdown=0.20,
        refurbished_markdown=0.35,
        refurbishment_cost=2500,
        liquidation_rate=0.20,
        value_decay_per_day=0.0015,
        pipeline_days=12,
        return_label_cost=1000,
        receiving_inspection_cost=800,
        handling_cost=300,
        customer_service_cost=500,
        outbound_shipping_cost=900,
        gross_margin_rate=0.25,
    ),
}


def with_overrides(base: EconomicsParameters, overrides: Mapping[str, Any]) -> EconomicsParameters:
    """`base` with the validated overrides applied (names are EconomicsParameters fields)."""
    return replace(base, **dict(overrides))


@dataclass(frozen=True, slots=True)
class EconomicsConfig:
    """A policy's economics: parameters for all items, and per merchant category."""

    defaults: EconomicsParameters = EconomicsParameters()
    categories: Mapping[str, EconomicsParameters] = field(default_factory=dict)

    def for_category(self, category: str) -> EconomicsParameters:
        return self.categories.get(category, self.defaults)
