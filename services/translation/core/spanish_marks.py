"""Spanish opening question and exclamation marks, which Apertium never writes.

Spanish opens a question with ``¿`` and an exclamation with ``¡``; every Apertium pair
into Spanish (eng-spa, pt-es, ita-spa, fr-es, ro-es) writes only the closing mark:
"Donde queda la Cabília?" for "¿Dónde queda la Cabília?". To a Spanish reader that is
the most visible sign of a machine reply, so a translated segment that ends with ``?``
or ``!`` and has no opening mark gets one:

* before the last accented interrogative or exclamative word that follows a comma,
  colon or semicolon ("Hola, ¿cómo estás?"; the accent makes the word unambiguous),
* otherwise at the start of the segment, where an unaccented interrogative word that
  opens it is accented ("Donde" -> "¿Dónde"): at the start of a direct question these
  words are interrogative.

A vocative before a yes/no question stays inside the marks ("¿Tom, tienes perro?"
where "Tom, ¿tienes perro?" is better): nothing in the text tells it apart. Segments
that already hold an opening mark, or end in both marks, are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.translation.engines.base import Slot, TemplatePiece

_OPENING = {"?": "\u00bf", "!": "\u00a1"}
# Closing quotes and brackets that may follow the final mark.
_TRAILING = re.compile("([?!]+)[\"'\u00bb\u201d\u2019)\\]\\s]*$")
_ACCENTED = (
    "qu\u00e9|qui\u00e9n(?:es)?|c\u00f3mo|d\u00f3nde|ad\u00f3nde|cu\u00e1ndo|"
    "cu\u00e1l(?:es)?|cu\u00e1nt[oa]s?|por qu\u00e9"
)
# A clause opened by an accented interrogative after , ; or : ("Hola, ¿cómo estás?").
_CLAUSE = re.compile(rf"[,;:]\s+(?=(?:{_ACCENTED})\b)", re.IGNORECASE)
# Opening quotes and brackets before the first word.
_LEADING = re.compile("^[\"'\u00ab\u201c\u2018(\\[\\s]*")
_ACCENT = {
    "que": "qu\u00e9",
    "quien": "qui\u00e9n",
    "quienes": "qui\u00e9nes",
    "como": "c\u00f3mo",
    "donde": "d\u00f3nde",
    "adonde": "ad\u00f3nde",
    "cuando": "cu\u00e1ndo",
    "cual": "cu\u00e1l",
    "cuales": "cu\u00e1les",
    "cuanto": "cu\u00e1nto",
    "cuanta": "cu\u00e1nta",
    "cuantos": "cu\u00e1ntos",
    "cuantas": "cu\u00e1ntas",
}
_FIRST_WORD = re.compile(r"\w+")


def _closing_mark(template: Sequence[TemplatePiece]) -> str | None:
    if not template or not isinstance(template[-1], str):
        return None
    m = _TRAILING.search(template[-1])
    if m is None or len(set(m.group(1))) != 1:
        return None
    return m.group(1)[0]


def _accent_first_word(text: str) -> str:
    m = _FIRST_WORD.match(text)
    if m is None:
        return text
    word = m.group()
    accented = _ACCENT.get(word.casefold())
    if accented is None:
        return text
    if word[0].isupper():
        accented = accented[0].upper() + accented[1:]
    return accented + text[m.end() :]


def add_opening_marks(template: Sequence[TemplatePiece]) -> tuple[TemplatePiece, ...]:
    """``template`` (a translated segment) with the opening ``¿``/``¡`` it lacks."""
    mark = _closing_mark(template)
    if mark is None or any(
        isinstance(p, str) and ("\u00bf" in p or "\u00a1" in p) for p in template
    ):
        return tuple(template)
    opening = _OPENING[mark]
    pieces = list(template)
    for i in range(len(pieces) - 1, -1, -1):
        piece = pieces[i]
        if isinstance(piece, str):
            clauses = list(_CLAUSE.finditer(piece))
            if clauses:
                at = clauses[-1].end()
                pieces[i] = piece[:at] + opening + piece[at:]
                return tuple(pieces)
    first = pieces[0]
    if isinstance(first, Slot):
        return (opening, *pieces)
    leading = _LEADING.match(first)
    at = leading.end() if leading else 0
    pieces[0] = first[:at] + opening + _accent_first_word(first[at:])
    return tuple(pieces)
