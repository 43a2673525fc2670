"""Apertium's stream format: segments in, templates and unknown words out.

This replaces ``apertium-destxt``/``apertium-retxt`` (which drop the null-flush byte, so
``apertium -z`` cannot serve requests on plain text) with the same transformations done
here, which also lets opaque pieces travel in forms Apertium never alters:

* a CONTENT piece between words becomes a number (``70718``): Apertium tags it as a
  numeral and passes it through verbatim in every installed direction, and it keeps the
  sentence's shape (a price or order number is a noun-phrase slot);
* a MARKUP piece, or a CONTENT piece glued to a word or to another piece, becomes a
  superblank ``[⟦p3⟧]``, which every Apertium module copies untouched.

Each segment ends with ``.[]`` as ``apertium-destxt`` ends its input, so that a segment is
translated exactly as ``apertium -u`` would translate it alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.translation.engines.base import Opaque, OpaqueKind, Segment, Slot, TemplatePiece

SEGMENT_SEPARATOR = "[⟦s⟧]"
END_OF_INPUT = ".[]"

_SPECIAL = re.compile(r"[\[\]\\^$/@<>{}]")
# apertium-destxt keeps a lone space as it is and wraps any other run of ASCII whitespace
# (and "~") in a superblank.
_BLANK = re.compile(r"[ \t\n\r~]{2,}|[\t\n\r~]")
_DIGITS = re.compile(r"\d+")
_SLOT_BLANK = re.compile(r"⟦p(\d+)⟧")
_PLACEHOLDER_BASE = 70718
_PLACEHOLDER_STEP = 1000
# Output tokens: an escaped character, a superblank, the end-of-input mark, plain text.
_OUTPUT_TOKEN = re.compile(r"\\(.)|\[((?:\\.|[^\\\]])*)\]|(\.\[\])|([^\\\[.]+|.)", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_SPACES = re.compile(r" {2,}")
# In the stream between transfer and generation: escapes and superblanks to skip, and
# lexical units, whose first character is "*" (unknown word) or "@" (no translation).
_STREAM_UNIT = re.compile(r"\\.|\[(?:\\.|[^\\\]])*\]|\^((?:\\.|[^\\$])*)\$", re.DOTALL)
_LEMMA_END = re.compile(r"(?<!\\)[<$/]")


@dataclass(frozen=True, slots=True)
class EncodedSegment:
    """A segment in stream format, and which placeholder number stands for which slot."""

    stream: str
    numbers: Mapping[str, int]


def escape_text(text: str) -> str:
    """Text as ``apertium-destxt`` writes it (without the final ``.[]``)."""
    text = _SPECIAL.sub(r"\\\g<0>", text.replace("\0", ""))
    return _BLANK.sub(lambda m: "[" + m.group() + "]", text)


def _glued(segment: Segment, index: int) -> bool:
    """Whether a piece touches a word or another piece, so a number would merge with it."""
    before = segment[index - 1] if index > 0 else ""
    after = segment[index + 1] if index + 1 < len(segment) else ""
    if isinstance(before, Opaque) or isinstance(after, Opaque):
        return True
    if before and (before[-1].isalnum() or before[-1] == "_"):
        return True
    if after and (after[0].isalnum() or after[0] == "_"):
        return True
    return len(after) > 1 and after[0] in ".," and after[1].isdigit()


def encode_segment(segment: Segment) -> EncodedSegment:
    taken = {m.group() for p in segment if isinstance(p, str) for m in _DIGITS.finditer(p)}
    numbers: dict[str, int] = {}
    parts: list[str] = []
    candidate = _PLACEHOLDER_BASE
    for index, piece in enumerate(segment):
        if isinstance(piece, str):
            parts.append(escape_text(piece))
        elif piece.kind is OpaqueKind.CONTENT and not _glued(segment, index):
            while str(candidate) in taken:
                candidate += 1
            number = str(candidate)
            taken.add(number)
            numbers[number] = piece.slot
            parts.append(number)
            candidate += _PLACEHOLDER_STEP
        else:
            parts.append(f"[⟦p{piece.slot}⟧]")
    parts.append(END_OF_INPUT)
    return EncodedSegment("".join(parts), numbers)


def decode_output(text: str, numbers: Mapping[str, int]) -> tuple[TemplatePiece, ...]:
    """The template of one segment's translation, as ``apertium-retxt`` would print it.

    Runs of spaces left where Apertium dropped a word are collapsed; whitespace the
    source had (carried in superblanks) is kept as it was.
    """
    pieces: list[TemplatePiece] = []
    buffer: list[str] = []
    for m in _OUTPUT_TOKEN.finditer(text):
        escaped, blank, end_mark, plain = m.groups()
        if escaped is not None:
            buffer.append(escaped)
        elif blank is not None:
            slot = _SLOT_BLANK.fullmatch(blank)
            if slot is not None:
                pieces.append("".join(buffer))
                buffer = []
                pieces.append(Slot(int(slot.group(1))))
            elif not blank.startswith("["):  # word-bound blanks "[[..]]" are never sent
                buffer.append(_UNESCAPE.sub(r"\1", blank))
        elif end_mark is None:
            buffer.append(_SPACES.sub(" ", plain))
    pieces.append("".join(buffer))
    if numbers:
        pieces = _split_numbers(pieces, numbers)
    return _trim([p for p in pieces if p != ""])


def _split_numbers(
    pieces: Sequence[TemplatePiece], numbers: Mapping[str, int]
) -> list[TemplatePiece]:
    pattern = re.compile(
        r"(?<!\d)("
        + "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
        + r")(?!\d)"
    )
    out: list[TemplatePiece] = []
    for piece in pieces:
        if isinstance(piece, Slot):
            out.append(piece)
            continue
        for i, part in enumerate(pattern.split(piece)):
            out.append(Slot(numbers[part]) if i % 2 else part)
    return out


def _trim(pieces: list[TemplatePiece]) -> tuple[TemplatePiece, ...]:
    """Drop the whitespace Apertium puts around a segment (segments are sent trimmed)."""
    if pieces and isinstance(pieces[0], str):
        pieces[0] = pieces[0].lstrip()
    if pieces and isinstance(pieces[-1], str):
        pieces[-1] = pieces[-1].rstrip()
    return tuple(p for p in pieces if p != "")


def unknown_words(stream: str) -> tuple[str, ...]:
    """Words marked unknown (``^*word$``) or untranslatable (``^@lemma<..>$``) in a stream."""
    found: list[str] = []
    for m in _STREAM_UNIT.finditer(stream):
        unit = m.group(1)
        if unit and unit[0] in "*@":
            end = _LEMMA_END.search(unit, 1)
            word = unit[1 : end.start() if end else len(unit)]
            found.append(_UNESCAPE.sub(r"\1", word))
    return tuple(found)
