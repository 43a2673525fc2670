"""Priority: a 0-100 score made of listed factors, and the level P1-P4 it falls in.

Transparent by construction: the score is the sum of its factors' points, each factor a
stable code (`LEGAL_THREAT`, `VIP_CUSTOMER`, `SENTIMENT_VERY_NEGATIVE`, ...) with the
points it added. Factors worth zero points are left out. Every weight and threshold comes
from the `priority` section of the configuration (docs/triage-priority.md), so the same
inputs and the same configuration always give the same priority.

Order of evaluation:
1. base, sentiment level, sentiment score, intent, flags, escalation reasons, customer
   tier, channel, lifetime value band, order value band, days late, contacts;
2. the sum is clamped to 0-100 (factor `CLAMPED` carries the difference);
3. an escalated message is raised to `min_level_when_escalated` if it fell below it
   (factor `MIN_LEVEL_ESCALATED` carries the points needed to reach that level's
   threshold).
So `sum(f.points for f in factors) == score` always holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.triage.core.config import (
    Band,
    Channel,
    CustomerTier,
    EscalationReason,
    LevelThresholds,
    PerUnit,
    PriorityConfig,
    PriorityLevel,
)
from services.triage.core.flags import Flags
from services.triage.core.intents import Intent
from services.triage.core.types import SentimentLevel, SentimentResult

MIN_SCORE = 0
MAX_SCORE = 100

CODE_BASE = "BASE"
CODE_SENTIMENT_SCORE = "SENTIMENT_SCORE"
CODE_LIFETIME_VALUE = "LIFETIME_VALUE"
CODE_ORDER_VALUE = "ORDER_VALUE"
CODE_DAYS_LATE = "DAYS_LATE"
CODE_CONTACTS = "CONTACTS_LAST_7_DAYS"
CODE_CLAMPED = "CLAMPED"
CODE_MIN_LEVEL_ESCALATED = "MIN_LEVEL_ESCALATED"


def sentiment_code(level: SentimentLevel) -> str:
    return f"SENTIMENT_{level.name}"


def intent_code(intent: Intent) -> str:
    return f"INTENT_{intent.name}"


def tier_code(tier: CustomerTier) -> str:
    return f"{tier.name}_CUSTOMER"


def channel_code(channel: Channel) -> str:
    return f"CHANNEL_{channel.name}"


def escalation_code(reason: EscalationReason) -> str:
    return f"ESCALATION_{reason.name}"


@dataclass(frozen=True, slots=True)
class PriorityFactor:
    """One contribution to a priority score: a stable code and its points."""

    code: str
    points: int


@dataclass(frozen=True, slots=True)
class Priority:
    """How soon a message must be handled."""

    level: PriorityLevel
    score: int
    factors: tuple[PriorityFactor, ...]


@dataclass(frozen=True, slots=True)
class PriorityInputs:
    """What the score is made from. Amounts are in the configuration's currency
    (None when unknown or not convertible: they then add nothing)."""

    sentiment: SentimentResult
    intent: Intent
    flags: Flags
    escalation_reasons: Sequence[EscalationReason] = ()
    tier: CustomerTier = CustomerTier.UNSPECIFIED
    channel: Channel = Channel.UNSPECIFIED
    lifetime_value: float | None = None
    order_value: float | None = None
    days_late: int = 0
    contacts_last_7_days: int = 0


def level_for_score(score: int, levels: LevelThresholds) -> PriorityLevel:
    """The level a score falls in."""
    if score >= levels.P1:
        return PriorityLevel.P1
    if score >= levels.P2:
        return PriorityLevel.P2
    if score >= levels.P3:
        return PriorityLevel.P3
    return PriorityLevel.P4


def threshold_of(level: PriorityLevel, levels: LevelThresholds) -> int:
    """The lowest score of a level (0 for P4)."""
    return {
        PriorityLevel.P1: levels.P1,
        PriorityLevel.P2: levels.P2,
        PriorityLevel.P3: levels.P3,
        PriorityLevel.P4: MIN_SCORE,
    }[level]


def _band_points(amount: float | None, bands: Sequence[Band]) -> int:
    if amount is None:
        return 0
    points = 0
    for band in bands:  # validated: increasing `min`
        if amount >= band.min:
            points = band.points
    return points


def _per_unit(units: int, rule: PerUnit) -> int:
    return min(rule.max_points, round(max(0, units) * rule.points_per_unit))


def score_priority(inputs: PriorityInputs, config: PriorityConfig) -> Priority:
    """Score, level and factors of one message (see the module docstring)."""
    factors: list[PriorityFactor] = []

    def add(code: str, points: int) -> None:
        if points:
            factors.append(PriorityFactor(code, points))

    add(CODE_BASE, config.base)
    level = inputs.sentiment.level
    add(sentiment_code(level), config.sentiment.levels.get(level, 0))
    add(CODE_SENTIMENT_SCORE, round(-inputs.sentiment.score * config.sentiment.score_points))
    add(intent_code(inputs.intent), config.intents.get(inputs.intent, 0))
    for flag in inputs.flags.raised:
        add(flag.name, config.flags.get(flag, 0))
    for reason in EscalationReason:  # fixed order, whatever the input order
        if reason in inputs.escalation_reasons:
            add(escalation_code(reason), config.escalation_reasons.get(reason, 0))
    add(tier_code(inputs.tier), config.tiers.get(inputs.tier, 0))
    add(channel_code(inputs.channel), config.channels.get(inputs.channel, 0))
    add(CODE_LIFETIME_VALUE, _band_points(inputs.lifetime_value, config.lifetime_value))
    add(CODE_ORDER_VALUE, _band_points(inputs.order_value, config.order_value))
    add(CODE_DAYS_LATE, _per_unit(inputs.days_late, config.days_late))
    add(CODE_CONTACTS, _per_unit(inputs.contacts_last_7_days, config.contacts_last_7_days))

    raw = sum(f.points for f in factors)
    score = min(MAX_SCORE, max(MIN_SCORE, raw))
    add(CODE_CLAMPED, score - raw)

    floor = config.min_level_when_escalated
    if floor is not None and inputs.escalation_reasons:
        needed = threshold_of(floor, config.levels)
        if score < needed:
            add(CODE_MIN_LEVEL_ESCALATED, needed - score)
            score = needed
    return Priority(level_for_score(score, config.levels), score, tuple(factors))
