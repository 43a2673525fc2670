"""HTML as atoms: text nodes to translate, markup to keep byte for byte.

A small lossless tokenizer rather than ``html.parser``: every character of the input
lands in exactly one token, so joining the atoms gives back the input even for broken
HTML (unclosed tags, a stray ``<``, an unterminated comment), and nothing is re-serialised.

* Inline tags (``<b>``, ``<a href>``...) and comments stay inside the sentence as opaque
  markup; block tags, ``<br>``, doctype and the like end a segment.
* ``<script>``/``<style>`` content and any element with ``translate="no"`` (or the
  ``notranslate`` class) is kept whole, its subtree untouched; inline ones keep their
  place in the sentence like a product name would.
* Entities are kept verbatim as markup, except a letter or apostrophe entity inside a
  word (``l&#39;ordre``, ``caf&eacute;``), which is decoded so the word is translated
  whole; the translation then carries the plain character.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from services.translation.core.segmentation import Atom, Boundary, Markup
from services.translation.engines.base import OpaqueKind

_TOKEN = re.compile(
    r"(?P<comment><!--.*?(?:-->|\Z))"
    r"|(?P<cdata><!\[CDATA\[.*?(?:\]\]>|\Z))"
    r"|(?P<decl><[!?][^>]*(?:>|\Z))"
    r"|(?P<end></[A-Za-z][^>]*(?:>|\Z))"
    r"|(?P<start><(?P<name>[A-Za-z][^\s/>]*)(?:\"[^\"]*\"|'[^']*'|[^>\"']|[\"'])*(?:>|\Z))"
    r"|(?P<entity>&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<text>[^<&]+|[<&])",
    re.DOTALL,
)
_END_NAME = re.compile(r"</([A-Za-z][^\s/>]*)")
_NO_TRANSLATE = re.compile(
    r"\btranslate\s*=\s*[\"']?no\b|\bclass\s*=\s*[\"'][^\"']*\bnotranslate\b", re.IGNORECASE
)
_INLINE = frozenset(
    (
        *("a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del"),
        *("dfn", "em", "font", "i", "img", "ins", "kbd", "label", "mark", "q", "s", "samp"),
        *("small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr"),
    )
)
_VOID = frozenset(
    (
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
        *("param", "source", "track", "wbr"),
    )
)
_RAW_TEXT = frozenset(("script", "style"))
# Apostrophes (straight, typographic, modifier letter) and the hyphen.
_IN_WORD_CHARS = frozenset("'\u2019\u2018\u02bc-")


def _tokens(text: str) -> Iterator[tuple[str, str, str]]:
    """(kind, text, lower-case tag name) for each token."""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "text"
        if kind == "name":  # the inner group of a start tag
            kind = "start"
        name = ""
        if kind == "start":
            name = (m.group("name") or "").lower()
        elif kind == "end":
            end = _END_NAME.match(m.group())
            name = end.group(1).lower() if end else ""
        yield kind, m.group(), name


def _self_closing(tag: str, name: str) -> bool:
    return name in _VOID or tag.endswith("/>")


def html_atoms(text: str) -> list[Atom]:
    tokens = list(_tokens(text))
    atoms: list[Atom] = []
    i = 0
    while i < len(tokens):
        kind, raw, name = tokens[i]
        if kind == "start" and name in _RAW_TEXT and not raw.endswith("/>"):
            j = _closing(tokens, i, name, raw_text=True)
            atoms.append(Boundary("".join(t[1] for t in tokens[i : j + 1])))
            i = j + 1
            continue
        if kind == "start" and _NO_TRANSLATE.search(raw):
            j = i if _self_closing(raw, name) else _closing(tokens, i, name)
            kept = "".join(t[1] for t in tokens[i : j + 1])
            atoms.append(Markup(kept, OpaqueKind.CONTENT) if name in _INLINE else Boundary(kept))
            i = j + 1
            continue
        if kind == "text":
            atoms.append(raw)
        elif kind == "entity":
            atoms.append(_entity(raw, tokens, i))
        elif kind == "comment" or (kind in ("start", "end") and name in _INLINE):
            atoms.append(Markup(raw))
        else:
            atoms.append(Boundary(raw))
        i += 1
    return _merge_text(atoms)


def _closing(
    tokens: list[tuple[str, str, str]], start: int, name: str, *, raw_text: bool = False
) -> int:
    """Index of the token closing the element opened at ``start`` (the last one if none)."""
    depth = 0
    for j in range(start, len(tokens)):
        kind, raw, other = tokens[j]
        if other != name:
            continue
        if kind == "start" and (j == start or not (raw_text or _self_closing(raw, name))):
            depth += 1
        elif kind == "end":
            depth -= 1
            if depth <= 0:
                return j
    return len(tokens) - 1


def _entity(raw: str, tokens: list[tuple[str, str, str]], i: int) -> Atom:
    char = html.unescape(raw)
    before = tokens[i - 1] if i > 0 else ("", "", "")
    after = tokens[i + 1] if i + 1 < len(tokens) else ("", "", "")
    in_word = (
        len(char) == 1
        and (char.isalpha() or char in _IN_WORD_CHARS)
        and before[0] == "text"
        and before[1][-1:].isalpha()
        and after[0] == "text"
        and after[1][:1].isalpha()
    )
    return char if in_word else Markup(raw)


def _merge_text(atoms: list[Atom]) -> list[Atom]:
    merged: list[Atom] = []
    for atom in atoms:
        if isinstance(atom, str) and merged and isinstance(merged[-1], str):
            merged[-1] += atom
        else:
            merged.append(atom)
    return merged
