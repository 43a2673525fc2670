"""The capital a translated sentence lost.

Apertium carries a capital on the word that had it, so when a sentence's first word is
dropped or moved the translation starts in lower case: "Would you like to play?" gives
"te gusta tocar?", "I don't know what..." gives "ne sois pas ce que...". (In the eval
sets: 58 of 500 Tatoeba en-fr sentences, 22 of 500 newstest en-fr.) A segment is a
sentence or a block of text, so when the source's first letter is a capital the
translation's first letter is one too. Only letters that no opaque piece precedes are
looked at: a segment that opens with an order number or an inline tag is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.translation.engines.base import Segment, TemplatePiece


def _first_letter(pieces: Sequence[object]) -> tuple[int, int] | None:
    """(piece, offset) of the first letter, or None when a non-text piece comes first."""
    for i, piece in enumerate(pieces):
        if not isinstance(piece, str):
            return None
        for j, ch in enumerate(piece):
            if ch.isalpha():
                return i, j
    return None


def restore_initial_capital(
    source: Segment, template: Sequence[TemplatePiece]
) -> tuple[TemplatePiece, ...]:
    """``template`` with its first letter upper-cased when ``source``'s first one is."""
    at_source = _first_letter(source)
    at = _first_letter(template)
    if at_source is None or at is None:
        return tuple(template)
    i, j = at_source
    first = source[i]
    assert isinstance(first, str)
    if not first[j].isupper():
        return tuple(template)
    i, j = at
    text = template[i]
    assert isinstance(text, str)
    if not text[j].islower():
        return tuple(template)
    pieces = list(template)
    pieces[i] = text[:j] + text[j].upper() + text[j + 1 :]
    return tuple(pieces)
