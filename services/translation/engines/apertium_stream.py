"""Apertium's stream format: segments in, templates and unknown words out.

This replaces ``apertium-destxt``/``apertium-retxt`` (which drop the null-flush byte, so
``apertium -z`` cannot serve requests on plain text) with the same transformations done
here, which also lets opaque pieces travel in forms Apertium never alters:

* a CONTENT piece between words becomes a number (``70718``): Apertium tags it as a
  numeral and passes it through verbatim in every installed direction, and it keeps the
  sentence's shape (a price or order number is a noun-phrase slot);
* a CONTENT piece with a ``shape`` (a code such as ``RM-2``: ``a-9``) becomes a code built
  alike, each run of letters a word no installed analyser knows (``Zqxa``), each run of
  digits a number, the separators kept (``Zqxa-70718``). Apertium cuts ``RM-2`` into an
  unknown word, a hyphen and a numeral and passes them through; it cuts the stand-in the
  same way, so the words around it are tagged and translated exactly as around the code
  (a bare number there can change them: "two-stage RM-2 rocket" tags "stage" differently);
* a MARKUP piece, or a CONTENT piece glued to a word or to another piece, becomes a
  superblank ``[⟦p3⟧]``, which every Apertium module copies untouched.

Each segment ends with ``.[]`` as ``apertium-destxt`` ends its input, so that a segment is
translated exactly as ``apertium -u`` would translate it alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
# Stand-ins for the letter runs of a code: unknown to every installed analyser (the tests
# check), letters only so that Apertium keeps each one a single word.
_CODE_WORD = "Zqx"
_WORDS = re.compile(r"[^\W\d_]+")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")
_CODE_SEPARATORS = "-_#: "
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
    """A segment in stream format, and which stand-in stands for which slot."""

    stream: str
    numbers: Mapping[str, int]
    """Placeholder numbers."""
    codes: Mapping[str, int] = field(default_factory=dict)
    """Stand-in codes (``Zqxa-70718``) of pieces with a shape."""

    @property
    def code_words(self) -> frozenset[str]:
        """The invented words of the stand-in codes, casefolded (not unknown words of the
        text, though Apertium marks them unknown)."""
        return frozenset(w.casefold() for code in self.codes for w in _WORDS.findall(code))


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


class _StandIns:
    """Numbers and words that occur nowhere in the segment's text, each used once."""

    def __init__(self, segment: Segment) -> None:
        text = [p for p in segment if isinstance(p, str)]
        self._numbers = {m.group() for p in text for m in _DIGITS.finditer(p)}
        self._words = {m.group().casefold() for p in text for m in _WORDS.finditer(p)}
        self._number = _PLACEHOLDER_BASE
        self._word = 0

    def number(self) -> str:
        while str(self._number) in self._numbers:
            self._number += 1
        number = str(self._number)
        self._numbers.add(number)
        self._number += _PLACEHOLDER_STEP
        return number

    def word(self) -> str:
        while True:
            n, suffix = self._word, ""
            while True:
                n, letter = divmod(n, 26)
                suffix = chr(ord("a") + letter) + suffix
                if not n:
                    break
            self._word += 1
            word = _CODE_WORD + suffix
            if word.casefold() not in self._words:
                self._words.add(word.casefold())
                return word

    def code(self, shape: str) -> str | None:
        """A code built like ``shape``, or None when the shape is not one (see Opaque)."""
        if not shape or any(ch not in _CODE_SEPARATORS + "a9" for ch in shape):
            return None
        return "".join(
            self.word() if ch == "a" else self.number() if ch == "9" else ch for ch in shape
        )


def encode_segment(segment: Segment) -> EncodedSegment:
    stand_ins = _StandIns(segment)
    numbers: dict[str, int] = {}
    codes: dict[str, int] = {}
    parts: list[str] = []
    for index, piece in enumerate(segment):
        if isinstance(piece, str):
            parts.append(escape_text(piece))
        elif piece.kind is OpaqueKind.CONTENT and not _glued(segment, index):
            code = stand_ins.code(piece.shape)
            if code is None or code.isdigit():
                number = code or stand_ins.number()
                numbers[number] = piece.slot
                parts.append(number)
            else:
                codes[code] = piece.slot
                parts.append(escape_text(code))
        else:
            parts.append(f"[⟦p{piece.slot}⟧]")
    parts.append(END_OF_INPUT)
    return EncodedSegment("".join(parts), numbers, codes)


def decode_output(
    text: str, numbers: Mapping[str, int], codes: Mapping[str, int] | None = None
) -> tuple[TemplatePiece, ...]:
    """The template of one segment's translation, as ``apertium-retxt`` would print it.

    Runs of spaces left where Apertium dropped a word are collapsed; whitespace the
    source had (carried in superblanks) is kept as it was. A stand-in code is found
    whole (spacing around its separators may change); one that Apertium broke apart is
    put at the place of its first part, and its other parts are removed.
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
    if codes:
        pieces = _split_codes(pieces, codes)
    if numbers:
        pieces = _split(pieces, {n: (n, numbers[n]) for n in numbers}, r"\d")
    return _trim([p for p in pieces if p != ""])


def _split(
    pieces: Sequence[TemplatePiece], found: Mapping[str, tuple[str, int]], inside: str
) -> list[TemplatePiece]:
    """Replace each stand-in (a regex in ``found``'s values, keyed by the casefolded text
    it matches) with its slot; ``inside`` is what may not touch it on either side."""
    pattern = re.compile(
        rf"(?<!{inside})("
        + "|".join(f"(?:{rx})" for rx, _ in sorted(found.values(), key=lambda f: -len(f[0])))
        + rf")(?!{inside})",
        re.IGNORECASE,
    )
    slots = {key.casefold(): slot for key, (_, slot) in found.items()}
    out: list[TemplatePiece] = []
    for piece in pieces:
        if isinstance(piece, Slot):
            out.append(piece)
            continue
        for i, part in enumerate(pattern.split(piece)):
            out.append(Slot(slots[_code_key(part)]) if i % 2 else part)
    return out


def _code_key(text: str) -> str:
    """A stand-in as found in the output, reduced to how it was sent (casefolded, the
    spacing around separators dropped unless the separator is a space)."""
    return re.sub(r"\s*([-_#:])\s*", r"\1", " ".join(text.split())).casefold()


def _split_codes(pieces: list[TemplatePiece], codes: Mapping[str, int]) -> list[TemplatePiece]:
    whole = {}
    for code, slot in codes.items():
        # Separator runs (possibly empty) and letter-digit runs alternate.
        runs = re.split(r"([A-Za-z0-9]+)", code)
        last = len(runs) - 1
        rx = "".join(
            re.escape(run) if i % 2 else _separators_rx(run, i > 0, i < last)
            for i, run in enumerate(runs)
        )
        whole[_code_key(code)] = (rx, slot)
    pieces = _split(pieces, whole, "[0-9A-Za-z]")
    placed = {p.index for p in pieces if isinstance(p, Slot)}
    for code, slot in codes.items():
        if slot not in placed:
            pieces = _gather(pieces, _ALNUM_RUN.findall(code), slot)
    return pieces


def _separators_rx(separators: str, after_run: bool, before_run: bool) -> str:
    """Separators between (or before, or after) runs of a code, as Apertium may space
    them: a space may widen, other separators may gain spaces on the side of a run."""
    if not separators:
        return ""
    inner = r"\s*".join(r"\s+" if ch.isspace() else re.escape(ch) for ch in separators)
    return (r"\s*" if after_run else "") + inner + (r"\s*" if before_run else "")


def _gather(pieces: list[TemplatePiece], parts: list[str], slot: int) -> list[TemplatePiece]:
    """Put ``slot`` where the first of a broken stand-in's parts is and drop the others,
    with the separators that cling to them."""
    pattern = re.compile(
        r"[-_#:]?(?<![0-9A-Za-z])("
        + "|".join(re.escape(p) for p in parts)
        + r")(?![0-9A-Za-z])[-_#:]?",
        re.IGNORECASE,
    )
    out: list[TemplatePiece] = []
    placed = False
    for piece in pieces:
        if isinstance(piece, Slot):
            out.append(piece)
            continue
        last = 0
        for m in pattern.finditer(piece):
            out.append(piece[last : m.start()])
            last = m.end()
            if not placed:
                out.append(Slot(slot))
                placed = True
            elif piece[m.start() - 1 : m.start()] == " " and piece[last : last + 1] == " ":
                last += 1  # one space, not two, where a part was dropped
        out.append(piece[last:])
    return _merge(out)


def _merge(pieces: list[TemplatePiece]) -> list[TemplatePiece]:
    out: list[TemplatePiece] = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
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


# The tags of a person's first name or surname, right after the lemma.
_PERSON_NAME_TAGS = re.compile(r"<np><(?:ant|cog)>")


def person_names(stream: str) -> tuple[str, ...]:
    """Lemmas of the first names and surnames (``^Lisa<np><ant>..$``) in a stream between
    transfer and generation, where the generator writes a name as its lemma."""
    if "<np><ant>" not in stream and "<np><cog>" not in stream:
        return ()  # most segments: skip the unit-by-unit scan (it runs on every segment)
    found: list[str] = []
    for m in _STREAM_UNIT.finditer(stream):
        unit = m.group(1)
        if not unit or unit[0] in "*@#":
            continue
        end = _LEMMA_END.search(unit)
        if end is not None and _PERSON_NAME_TAGS.match(unit, end.start()):
            found.append(_UNESCAPE.sub(r"\1", unit[: end.start()]))
    return tuple(found)
