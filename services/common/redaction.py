"""Removing personal data from anything that is logged.

Logs never carry customer text; this is the second line of defence for the strings
that are logged (request ids, tenant ids, error messages), which callers choose and
may fill with an e-mail or a phone number.
"""

from __future__ import annotations

import hashlib
import re

from services.common.text_patterns import EMAIL

# 13-19 digits, optionally grouped by spaces or dashes: card numbers (checked with Luhn).
_CARD = re.compile(r"\b(?:\d[ \-]?){12,18}\d\b")
# Phone numbers: an optional +country code, then 7+ digits in groups.
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d[\d ()./\-]{6,}\d(?![\w])")
# Street addresses: a house number followed by a street word, in a few languages.
_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Za-zÀ-ÿ'.\-]+\s+){0,4}"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|"
    r"calle|avenida|rue|strasse|straße|via|rua)\b\.?",
    re.IGNORECASE,
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if _luhn_ok(digits) else match.group()


# ISO dates and times ("2025-03-01", "2025-03-01T10:00:00"): labels and timestamps, not
# phone numbers, though their digits would pass for one.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    if sum(ch.isdigit() for ch in found) < 7 or _DATE.fullmatch(found):
        return found
    return "[PHONE]"


def redact(text: str) -> str:
    """The text with e-mails, card numbers, phone numbers and street addresses masked."""
    text = EMAIL.sub("[EMAIL]", text)
    text = _CARD.sub(_card, text)
    text = _ADDRESS.sub("[ADDRESS]", text)
    return _PHONE.sub(_phone, text)


_SAFE_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[A-Za-z][A-Za-z0-9_.:\-]{0,127}"
)


def loggable_id(value: str) -> str:
    """An identifier as it may be logged: UUIDs and ids that start with a letter as they
    are; anything else (it could be a phone number or an e-mail) as a short hash, which
    still correlates log lines without revealing the value."""
    if not value or _SAFE_ID.fullmatch(value):
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]
