"""Which language a message is in, from the signals the services give."""

from __future__ import annotations

from retail.triage.v1 import triage_pb2 as triage_pb

from frontend.support_desk.settings import SUPPORTED_LANGUAGES
from frontend.support_desk.upstream.clients import Candidate

MIN_WORDS = 3  # shorter texts ("ok", "L", "yes") say too little to detect
MIN_CONFIDENCE = 0.5


def resolve(
    text: str,
    triage: triage_pb.TriageResult | None,
    detection: list[Candidate] | None,
    known: str,
) -> str:
    """The detection when it is sure; else the language already known for the
    conversation or customer when the detection finds it plausible; else triage's
    detected language (its detector knows fewer languages: Catalan is not among them);
    else the detection's best guess, or the known language."""
    if len(text.split()) < MIN_WORDS:
        return known
    if detection:
        top = detection[0]
        if top.language in SUPPORTED_LANGUAGES and top.confidence >= MIN_CONFIDENCE:
            return top.language
        if any(c.language == known and c.confidence >= MIN_CONFIDENCE / 2 for c in detection):
            return known
    if (
        triage is not None
        and triage.language.source == triage_pb.LANGUAGE_SOURCE_DETECTED
        and triage.language.language in SUPPORTED_LANGUAGES
    ):
        return triage.language.language
    if detection:
        top = detection[0]
        if top.language in SUPPORTED_LANGUAGES and top.confidence >= MIN_CONFIDENCE / 2:
            return top.language
    return known
