"""The vocabulary of flag detection: the API's handling flags, the cues escalation uses,
and a rule hit naming the rule that fired."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Flag(StrEnum):
    """A handling flag of the API (`Flags` in triage.proto)."""

    URGENT = "urgent"
    LEGAL_THREAT = "legal_threat"
    OFFENSIVE = "offensive"
    FRAUD_ALLEGATION = "fraud_allegation"
    CHURN_RISK = "churn_risk"
    REPEATED_CONTACT = "repeated_contact"
    PUBLIC_SHAMING = "public_shaming"


class Cue(StrEnum):
    """Wording that escalation rules use but that is not a flag of its own."""

    LOST_ITEM = "lost_item"
    """The order or parcel is said to be lost, missing or never arrived."""
    HUMAN_REQUEST = "human_request"
    """The customer asks for a person (agent, manager, real human)."""


Signal = Flag | Cue

SIGNALS: dict[str, Signal] = {s.value: s for s in (*Flag, *Cue)}
"""Every flag and cue by its name, in that order (flags in the API's order, then cues)."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that fired. `rule` is a stable id, e.g. `legal_threat.en.lawyer`,
    `fraud_allegation.intent` or `repeated_contact.contacts_last_7_days`."""

    signal: Signal
    rule: str
