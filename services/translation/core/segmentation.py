"""Cutting a text into the segments an engine translates, and putting it back together.

A text arrives as atoms: plain text, inline markup that stays inside a sentence, and
boundaries (block markup) that end one. Text is cut at boundaries, blank lines and
(optionally) sentence ends; whitespace at the cuts is kept aside verbatim. Protected
spans and inline markup become opaque pieces, so the engine only ever sees translatable
text. Anything without a letter to translate is kept as it is.

Single line breaks do not cut a segment, because ``apertium`` on a whole text does not
either: a line-wrapped sentence stays one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.translation.core.glossary import GlossaryMatcher
from services.translation.core.protected_spans import find_protected_spans, span_shape
from services.translation.engines.base import (
    Opaque,
    OpaqueKind,
    Piece,
    Segment,
    Slot,
    TemplatePiece,
)


@dataclass(frozen=True, slots=True)
class Markup:
    """Markup that stays inside the sentence around it (an inline tag, an entity)."""

    text: str
    kind: OpaqueKind = OpaqueKind.MARKUP
    shape: str = ""
    """See ``Opaque.shape``: set for protected codes."""


@dataclass(frozen=True, slots=True)
class Boundary:
    """Markup kept verbatim that ends the segment before it (a block tag, a script)."""

    text: str


Atom = str | Markup | Boundary


@dataclass(frozen=True, slots=True)
class Unit:
    """One segment to translate, and the text each of its slots stands for."""

    segment: Segment
    fills: tuple[str, ...]


Part = str | Unit
"""A document is a sequence of verbatim text and units to translate."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n\s*")
# Sentence punctuation, closing quotes or brackets, whitespace, then what can open a
# sentence: opening quotes or marks and a capital (not a digit: "on Dec. 6, which").
_SENTENCE_END = re.compile(
    "([.!?\u2026]+[\"'\u00bb\u201d\u2019)\\]]*)(\\s+)"
    '(?=[\u00bf\u00a1\u00ab"\u201c\u2018(\\[]*[A-Z\u00c0-\u00d6\u00d8-\u00de])'
)
_WORD_BEFORE = re.compile(r"(\w+)\.+$")
# Words after which a full stop rarely ends a sentence (en, es, fr, pt, it, ca, ro).
_ABBREVIATIONS = frozenset(
    (
        *("mr", "mrs", "ms", "dr", "dra", "drs", "prof", "profa", "sr", "sra", "srta", "sres"),
        *("st", "jr", "vs", "ing", "lic", "mons"),
        *("etc", "eg", "ie", "approx", "aprox", "no", "nr", "nº", "núm", "num", "art", "fig"),
        *("vol", "pp", "p", "pág", "dept", "inc", "ltd", "co", "corp", "av", "avda", "mme"),
        *("mlle", "mm", "dott", "sig", "dña", "dª", "ed", "cf", "ex", "tel", "ref", "max"),
        *("min", "ud", "uds", "vd", "vds"),
        # Months (en, es, fr, pt, it, ca).
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov"),
        *("dec", "ene", "abr", "ago", "dic", "janv", "févr", "avr", "juil", "déc", "fev"),
        *("mai", "out", "dez", "gen", "giu", "lug", "ott", "set", "des"),
    )
)


def _is_sentence_end(text: str, punctuation_at: int) -> bool:
    if text[punctuation_at] != ".":
        return True
    m = _WORD_BEFORE.search(text, 0, punctuation_at + 1)
    if m is None:
        return True
    word = m.group(1)
    return len(word) > 1 and word.casefold() not in _ABBREVIATIONS


class _Builder:
    def __init__(self, glossary: GlossaryMatcher | None, split_sentences: bool) -> None:
        self.glossary = glossary
        self.split_sentences = split_sentences
        self.parts: list[Part] = []
        self.pieces: list[str | Markup] = []

    def text(self, text: str) -> None:
        last = 0
        for m in _PARAGRAPH_BREAK.finditer(text):
            self._text_block(text[last : m.start()])
            self.end_segment()
            self.parts.append(m.group())
            last = m.end()
        self._text_block(text[last:])

    def _text_block(self, text: str) -> None:
        last = 0
        for span in find_protected_spans(text, self.glossary):
            if span.start > last:
                self._plain(text[last : span.start])
            self.pieces.append(Markup(span.output, OpaqueKind.CONTENT, span_shape(span)))
            last = span.end
        if last < len(text):
            self._plain(text[last:])

    def _plain(self, text: str) -> None:
        if self.split_sentences:
            last = 0
            for m in _SENTENCE_END.finditer(text):
                if _is_sentence_end(text, m.end(1) - len(m.group(1))):
                    self.pieces.append(text[last : m.end(1)])
                    self.end_segment()
                    self.parts.append(m.group(2))
                    last = m.end(2)
            text = text[last:]
        if text:
            self.pieces.append(text)

    def markup(self, markup: Markup) -> None:
        self.pieces.append(markup)

    def boundary(self, boundary: Boundary) -> None:
        self.end_segment()
        self.parts.append(boundary.text)

    def end_segment(self) -> None:
        pieces, self.pieces = self.pieces, []
        if not pieces:
            return
        lead = trail = ""
        if isinstance(pieces[0], str):
            stripped = pieces[0].lstrip()
            lead, pieces[0] = pieces[0][: len(pieces[0]) - len(stripped)], stripped
        if isinstance(pieces[-1], str):
            stripped = pieces[-1].rstrip()
            trail, pieces[-1] = pieces[-1][len(stripped) :], stripped
        if lead:
            self.parts.append(lead)
        if any(isinstance(p, str) and any(ch.isalpha() for ch in p) for p in pieces):
            self.parts.append(_unit(pieces))
        else:
            verbatim = "".join(p if isinstance(p, str) else p.text for p in pieces)
            if verbatim:
                self.parts.append(verbatim)
        if trail:
            self.parts.append(trail)


def _unit(pieces: Sequence[str | Markup]) -> Unit:
    segment: list[Piece] = []
    fills: list[str] = []
    for piece in pieces:
        if isinstance(piece, Markup):
            segment.append(Opaque(len(fills), piece.kind, piece.shape))
            fills.append(piece.text)
        elif piece:
            if segment and isinstance(segment[-1], str):
                segment[-1] += piece
            else:
                segment.append(piece)
    return Unit(tuple(segment), tuple(fills))


def build_document(
    atoms: Sequence[Atom],
    glossary: GlossaryMatcher | None = None,
    *,
    split_sentences: bool = True,
) -> list[Part]:
    """Cut atoms into verbatim parts and units; joining them back gives the input."""
    builder = _Builder(glossary, split_sentences)
    for atom in atoms:
        if isinstance(atom, str):
            builder.text(atom)
        elif isinstance(atom, Markup):
            builder.markup(atom)
        else:
            builder.boundary(atom)
    builder.end_segment()
    return builder.parts


def fill_template(template: Sequence[TemplatePiece], fills: Sequence[str]) -> tuple[str, int]:
    """Put each slot's text back; return the text and how many slots had to be repaired.

    Every slot's text appears exactly once: a slot the engine dropped is appended at the
    end, a slot it repeated is kept at its first place only.
    """
    out: list[str] = []
    seen: set[int] = set()
    repaired = 0
    for piece in template:
        if isinstance(piece, Slot):
            if piece.index in seen or piece.index >= len(fills):
                repaired += 1
                continue
            seen.add(piece.index)
            out.append(fills[piece.index])
        else:
            out.append(piece)
    for index, text in enumerate(fills):
        if index not in seen:
            repaired += 1
            if out and not out[-1][-1:].isspace():
                out.append(" ")
            out.append(text)
    return "".join(out), repaired
