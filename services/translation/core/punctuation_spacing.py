"""Blanks that Apertium put before punctuation where the source had none, taken out.

Some transfer rules end their chunk with a plain blank, so the mark that follows gets a
space the text never had: eng-spa writes "I'm sorry." as "Lo siento ." and "We are sorry,
the order..." as "Lo sentimos , el orden...", the phrases a support reply opens with most.
Metrics never saw it (BLEU's tokenizer splits punctuation off, chrF ignores blanks), a
reader does. Only a mark the source segment never writes after a blank is touched, so a
source that spaces it (French "Vraiment ?") keeps whatever Apertium made of that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.translation.engines.base import Segment, TemplatePiece

CLOSING_MARKS = ",.;:!?)]}%…"
"""Marks that never take a blank before them unless the source gives them one."""

_MARK = rf"([{re.escape(CLOSING_MARKS)}])"
_SPACED_MARK = re.compile(rf"\s{_MARK}")
_AFTER_WORD = re.compile(rf"(?<=\S)[ \t]+(?={_MARK})")
_AFTER_SLOT = re.compile(rf"^[ \t]+(?={_MARK})")


def _spaced_in_source(source: Segment) -> set[str]:
    """The marks the source writes after a blank somewhere in the segment."""
    text = "".join(p if isinstance(p, str) else "\0" for p in source)
    return {m.group(1) for m in _SPACED_MARK.finditer(text)}


def drop_added_blanks(
    source: Segment, template: Sequence[TemplatePiece]
) -> tuple[TemplatePiece, ...]:
    """``template`` without blanks before marks that the source never spaces.

    A blank is only dropped after a word or a slot, never at the start of the
    translation, and a piece of text that is only blanks between two slots stays.
    """
    spaced = _spaced_in_source(source)

    def drop(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in spaced else ""

    pieces: list[TemplatePiece] = []
    for i, piece in enumerate(template):
        if isinstance(piece, str):
            piece = _AFTER_WORD.sub(drop, piece)
            if i > 0 and not isinstance(template[i - 1], str):
                piece = _AFTER_SLOT.sub(drop, piece)
        pieces.append(piece)
    return tuple(pieces)
