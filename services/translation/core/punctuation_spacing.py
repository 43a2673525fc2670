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

_SPACED_MARK = re.compile(rf"\s([{re.escape(CLOSING_MARKS)}])")


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
    marks = "".join(m for m in CLOSING_MARKS if m not in _spaced_in_source(source))
    if not marks:
        return tuple(template)
    after_word = re.compile(rf"(?<=\S)[ \t]+(?=[{re.escape(marks)}])")
    after_slot = re.compile(rf"^[ \t]+(?=[{re.escape(marks)}])")
    pieces: list[TemplatePiece] = []
    for i, piece in enumerate(template):
        if isinstance(piece, str):
            piece = after_word.sub("", piece)
            if i > 0 and not isinstance(template[i - 1], str):
                piece = after_slot.sub("", piece)
        pieces.append(piece)
    return tuple(pieces)
