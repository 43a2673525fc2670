"""People's names carried untranslated through the second leg of a pivot.

The first leg knows a name from its source analysis ("Mona Lisa" is two first names to
eng-spa) and writes it as it is; the second leg sees only the Spanish text, where the
same word may be a common word: spa-ita reads "Lisa" as the adjective "lisa" and writes
"Mona Liscia", spa-eng turns the surname "Garzón" into "Waiter". So each name the first
leg reported (`EngineOutput.names`) and wrote as the source has it goes to the next leg
as an opaque piece, shaped like a word so that the engine treats it as a word it does
not know, and is written back as it was after the last leg. Place names are not
reported: "Chile" must still become "Chili" in French.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from services.translation.engines.base import Opaque, OpaqueKind, Slot, TemplatePiece

# Letters only, in words joined by a space or a hyphen ("Jean-Pierre"): a shape that an
# engine's stand-in can copy (see `Opaque.shape`). Other names are left as text.
_NAME = re.compile(r"[^\W\d_]+(?:[- ][^\W\d_]+)*")
_LETTERS = re.compile(r"[^\W\d_]+")


def name_shape(name: str) -> str:
    """``Lisa`` gives ``a``, ``Jean-Pierre`` ``a-a``; empty when the name is not letters."""
    return _LETTERS.sub("a", name) if _NAME.fullmatch(name) else ""


def _whole_word(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)")


def hide_names(
    template: Sequence[TemplatePiece],
    names: Iterable[str],
    source: str,
    first_slot: int,
) -> tuple[list[TemplatePiece | Opaque], dict[int, str]]:
    """``template`` with every whole-word occurrence of ``names`` replaced by an opaque
    piece numbered from ``first_slot``, and which slot holds which name.

    Only names written in ``source`` (the text the first leg translated) as they are in
    the template: a name the first leg translated ("Deus" into "Dios") has a translation
    the next leg knows too ("God"), so it is left to translate.
    """
    candidates = {n for n in names if name_shape(n)}
    if candidates:
        candidates &= set(_whole_word(candidates).findall(source))
    shaped = sorted(candidates, key=len, reverse=True)
    if not shaped:
        return list(template), {}
    pattern = _whole_word(shaped)
    out: list[TemplatePiece | Opaque] = []
    kept: dict[int, str] = {}
    slot = first_slot
    for piece in template:
        if not isinstance(piece, str):
            out.append(piece)
            continue
        for i, part in enumerate(pattern.split(piece)):
            if i % 2:
                out.append(Opaque(slot, OpaqueKind.CONTENT, name_shape(part)))
                kept[slot] = part
                slot += 1
            elif part:
                out.append(part)
    return out, kept


def show_names(
    template: Sequence[TemplatePiece], kept: Mapping[int, str]
) -> tuple[TemplatePiece, ...]:
    """``template`` with the slots of ``kept`` written back as the names they hold, each
    once: a name the engine dropped is appended at the end, as `fill_template` does."""
    if not kept:
        return tuple(template)
    out: list[TemplatePiece] = []
    missing = dict(kept)
    for piece in template:
        if isinstance(piece, Slot) and piece.index in kept:
            name = missing.pop(piece.index, None)
            if name is None:
                continue
            piece = name
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    for name in missing.values():
        last = out[-1] if out else None
        if isinstance(last, str):
            out[-1] = last + ("" if last[-1:].isspace() else " ") + name
        else:
            out.append(name)
    return tuple(out)
