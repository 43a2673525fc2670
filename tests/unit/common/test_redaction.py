"""What the log redactor masks, and what it must leave alone."""

from __future__ import annotations

import pytest

from services.common.redaction import loggable_id, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+shop@example.co.uk now", "write to [EMAIL] now"),
        ("card 4111 1111 1111 1111 expired", "card [CARD] expired"),
        ("card 4111-1111-1111-1111", "card [CARD]"),
        # 16 digits failing the Luhn check are no card, but could still be a phone number.
        ("order 1234567812345678", "order [PHONE]"),
        ("call +1 415 555 0199 today", "call [PHONE] today"),
        ("call 0033 1 42 68 53 00", "call [PHONE]"),
        ("ship to 221 Baker Street, London", "ship to [ADDRESS], London"),
        ("envoyez au 12 rue de Rivoli", "envoyez au [ADDRESS] de Rivoli"),
        ("enviar a 5 calle Mayor", "enviar a [ADDRESS] Mayor"),
        # Dates, times and short numbers are not personal data.
        ('policy label "2025-03-01" loaded', 'policy label "2025-03-01" loaded'),
        ("at 2025-03-01T10:00:00 UTC", "at 2025-03-01T10:00:00 UTC"),
        ("order #12345 of 3 items", "order #12345 of 3 items"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_loggable_id_keeps_ids_and_hashes_what_could_be_personal() -> None:
    assert loggable_id("req-42") == "req-42"
    assert (
        loggable_id("0b9c8a1e-2f3d-4c5b-8a7e-6f5d4c3b2a19")
        == "0b9c8a1e-2f3d-4c5b-8a7e-6f5d4c3b2a19"
    )
    hashed = loggable_id("+14155550199")
    assert hashed.startswith("sha256:")
    assert "415" not in hashed
    assert loggable_id("jane@example.com") == loggable_id("jane@example.com") != "jane@example.com"
