"""Handling flags found in a customer message: lexicon rules, the intent model, the context.

Seven flags (as in the API): urgent, legal threat, offensive, fraud allegation, churn risk,
repeated contact, public shaming. Two more *cues* are found the same way but are not flags:
wording that says an order was lost or never arrived, and an explicit request for a person;
escalation uses them.

The wording rules are data, one file of patterns per language beside the configuration
(`services/triage/config/flags/`), read and compiled by `core.lexicon`, which also
explains how they match. A negated fraud noun ("this is not a scam") does not count, and
such a negated mention also keeps the intent model's fraud_allegation (which does not read
negation) from raising the flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.triage.core.intents import Intent
from services.triage.core.lexicon import (
    Lexicon,
    default_lexicon,
    normalize_text,
    scan,
    tenant_terms,
)
from services.triage.core.signals import Cue, Flag, RuleHit, Signal
from services.triage.core.types import IntentResult

__all__ = [
    "RULE_FRAUD_INTENT",
    "RULE_HUMAN_INTENT",
    "RULE_REPEATED_CONTEXT",
    "Cue",
    "Flag",
    "FlagSettings",
    "Flags",
    "RuleHit",
    "Signal",
    "TextScan",
    "detect_flags",
    "normalize_text",
    "scan_text",
]


@dataclass(frozen=True, slots=True)
class Flags:
    """The seven flags plus every rule that fired (for explanation).

    `suppressed` lists rules that matched but were discounted (a negated fraud noun, the
    fraud intent overruled by such a negation); they never set a flag.
    """

    urgent: bool = False
    legal_threat: bool = False
    offensive: bool = False
    fraud_allegation: bool = False
    churn_risk: bool = False
    repeated_contact: bool = False
    public_shaming: bool = False
    hits: tuple[RuleHit, ...] = ()
    suppressed: tuple[RuleHit, ...] = ()

    def is_set(self, flag: Flag) -> bool:
        """The value of one flag."""
        value: bool = getattr(self, flag.value)
        return value

    @property
    def raised(self) -> tuple[Flag, ...]:
        """The flags that are set, in the API's field order."""
        return tuple(f for f in Flag if self.is_set(f))

    def has_cue(self, cue: Cue) -> bool:
        """Whether a cue (lost item, human request) was found."""
        return any(h.signal is cue for h in self.hits)

    def rules(self, signal: Signal) -> tuple[str, ...]:
        """Ids of the rules that fired for a flag or cue."""
        return tuple(h.rule for h in self.hits if h.signal is signal)

    @classmethod
    def from_hits(cls, hits: Sequence[RuleHit], suppressed: Sequence[RuleHit] = ()) -> Flags:
        """Flags set by these hits (a flag is set when at least one of its rules fired)."""
        raised = {h.signal for h in hits}
        return cls(
            urgent=Flag.URGENT in raised,
            legal_threat=Flag.LEGAL_THREAT in raised,
            offensive=Flag.OFFENSIVE in raised,
            fraud_allegation=Flag.FRAUD_ALLEGATION in raised,
            churn_risk=Flag.CHURN_RISK in raised,
            repeated_contact=Flag.REPEATED_CONTACT in raised,
            public_shaming=Flag.PUBLIC_SHAMING in raised,
            hits=tuple(hits),
            suppressed=tuple(suppressed),
        )

    def with_hit(self, hit: RuleHit) -> Flags:
        """A copy with one more hit (and its flag set, if it is a flag)."""
        return Flags.from_hits((*self.hits, hit), self.suppressed)


@dataclass(frozen=True, slots=True)
class TextScan:
    """What the lexicon found in one text: hits, and negated hits that do not count."""

    hits: tuple[RuleHit, ...]
    negated: tuple[RuleHit, ...]


def scan_text(
    text: str,
    language: str,
    extra_terms: Mapping[Flag, Sequence[str]] | None = None,
    lexicon: Lexicon | None = None,
) -> TextScan:
    """Run the lexicon (the default one unless given) and a tenant's extra terms over one
    text.

    `language` is the message's ISO 639-1 code; it only matters for the few rules marked
    for one language. Hits are grouped by signal (flags in the API's order, then cues),
    each rule at most once.
    """
    normalised = normalize_text(text)
    hits: list[RuleHit] = []
    negated: list[RuleHit] = []
    for compiled in (lexicon or default_lexicon()).for_language(language):
        found, found_negated = scan(compiled, normalised)
        hits += found
        negated += found_negated
    if extra_terms:
        extra = tenant_terms(tuple(sorted((f, tuple(t)) for f, t in extra_terms.items() if t)))
        if extra is not None:
            more, _ = scan(extra, normalised)
            hits.extend(h for h in more if h not in hits)
    return TextScan(tuple(hits), tuple(negated))


# --------------------------------------------------------------------------- flags

RULE_FRAUD_INTENT = "fraud_allegation.intent"
RULE_HUMAN_INTENT = "human_request.intent"
RULE_REPEATED_CONTEXT = "repeated_contact.contacts_last_7_days"


@dataclass(frozen=True, slots=True)
class FlagSettings:
    """The thresholds flag detection needs (from the `flags` section of the config)."""

    repeated_contact_min_contacts: int = 3
    """contacts_last_7_days at or above which the message is a repeated contact."""
    fraud_intent_min_confidence: float | None = 0.6
    """The intent model's fraud_allegation counts from this confidence (None: never)."""
    request_human_intent_min_confidence: float | None = 0.6
    """The intent model's request_human counts as an explicit request from this (None:
    never)."""
    extra_terms: Mapping[Flag, Sequence[str]] | None = None
    """A tenant's own literal terms per flag (matched like the lexicon)."""
    lexicon: Lexicon | None = None
    """The wording rules; None: the default lexicon (`core.lexicon.default_lexicon`)."""


def detect_flags(
    text: str,
    language: str,
    intent: IntentResult,
    contacts_last_7_days: int,
    settings: FlagSettings,
) -> Flags:
    """Flags and cues of one message from its text, its intent and its contact count."""
    found = scan_text(text, language, settings.extra_terms, settings.lexicon)
    hits = list(found.hits)
    suppressed = list(found.negated)
    fraud_floor = settings.fraud_intent_min_confidence
    if (
        intent.intent is Intent.FRAUD_ALLEGATION
        and fraud_floor is not None
        and intent.confidence >= fraud_floor
    ):
        intent_hit = RuleHit(Flag.FRAUD_ALLEGATION, RULE_FRAUD_INTENT)
        lexicon_fraud = any(h.signal is Flag.FRAUD_ALLEGATION for h in found.hits)
        negated_fraud = any(h.signal is Flag.FRAUD_ALLEGATION for h in found.negated)
        # "This is not a scam, right?": the model does not read negation, the lexicon does.
        if negated_fraud and not lexicon_fraud:
            suppressed.append(intent_hit)
        else:
            hits.append(intent_hit)
    human_floor = settings.request_human_intent_min_confidence
    if (
        intent.intent is Intent.REQUEST_HUMAN
        and human_floor is not None
        and intent.confidence >= human_floor
    ):
        hits.append(RuleHit(Cue.HUMAN_REQUEST, RULE_HUMAN_INTENT))
    if contacts_last_7_days >= settings.repeated_contact_min_contacts:
        hits.append(RuleHit(Flag.REPEATED_CONTACT, RULE_REPEATED_CONTEXT))
    return Flags.from_hits(hits, suppressed)
