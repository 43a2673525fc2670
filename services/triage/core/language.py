"""Which language a message is taken to be in: detection, or a hint for very short text.

Rule (in this order):
1. Text with at least MIN_WORDS words and MIN_LETTERS letters: the detector's best
   language, whatever the hints say (what the customer wrote wins).
2. Shorter text ("ok", "merci", "mi pedido"): detectors are unreliable there, so the
   caller's per-message `language_hint` is used if given, else the customer's
   `last_known_language`, else the detector's best guess.
3. Nothing to go on (no letters, no hints): "und" with confidence 0.
The detector's own answer is always kept in `detected_code`/`detected_confidence`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.common.language import language_code
from services.triage.core.types import (
    UNDETERMINED_LANGUAGE,
    LanguageResult,
    LanguageSource,
    Message,
    ModelVersion,
)
from services.triage.engines.language import LanguageCandidate

MIN_WORDS = 3
MIN_LETTERS = 12

_WORD = re.compile(r"[^\W\d_]+")


def is_too_short_to_detect(text: str) -> bool:
    """True when the text has too few words or letters for detection to be trusted."""
    words = _WORD.findall(text)
    return len(words) < MIN_WORDS or sum(len(w) for w in words) < MIN_LETTERS


def resolve_language(
    message: Message, candidates: Sequence[LanguageCandidate], model: ModelVersion
) -> LanguageResult:
    """Apply the rule in the module docstring to one message and its detector output."""
    best = candidates[0] if candidates else None
    detected_code = best.code if best else UNDETERMINED_LANGUAGE
    detected_confidence = best.confidence if best else 0.0
    scores = {c.code: c.confidence for c in candidates}

    if best is not None and not is_too_short_to_detect(message.text):
        return LanguageResult(
            detected_code, detected_confidence, LanguageSource.DETECTED,
            detected_code, detected_confidence, model,
        )  # fmt: skip
    for code, source in (
        (language_code(message.language_hint), LanguageSource.HINT),
        (language_code(message.last_known_language), LanguageSource.LAST_KNOWN),
    ):
        if code is not None:
            return LanguageResult(
                code, scores.get(code, 0.0), source, detected_code, detected_confidence, model
            )
    if best is not None:
        return LanguageResult(
            detected_code, detected_confidence, LanguageSource.DETECTED,
            detected_code, detected_confidence, model,
        )  # fmt: skip
    return LanguageResult(
        UNDETERMINED_LANGUAGE, 0.0, LanguageSource.UNDETERMINED,
        detected_code, detected_confidence, model,
    )  # fmt: skip
