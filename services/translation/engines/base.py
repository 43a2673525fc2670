"""The interface every translation engine implements, and the segment types it exchanges.

A segment reaches an engine already cut into pieces: text to translate, and opaque pieces
(protected spans, inline markup) that must come back untouched. The engine never sees the
opaque pieces' text, only their slot numbers, and answers with a template in which each
slot reappears where the translation put it. The caller fills the slots back in, so the
same template serves every order number, price or URL that lands in that slot (which is
what makes segment caching pay off).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class OpaqueKind(enum.Enum):
    """How an opaque piece behaves in the sentence."""

    CONTENT = "content"
    """Stands where words would (order number, URL, brand): keeps its syntactic slot."""
    MARKUP = "markup"
    """Formatting between words (inline HTML tags, entities): carries no meaning."""


@dataclass(frozen=True, slots=True)
class Opaque:
    """A piece the engine must carry through untranslated and return as ``Slot(slot)``."""

    slot: int
    kind: OpaqueKind = OpaqueKind.CONTENT
    shape: str = ""
    """How the hidden text is built, for engines that can stand in something built alike:
    each run of letters and digits with a letter becomes ``a``, each run of digits ``9``,
    the separators between runs (``-``, ``_``, ``#``, ``:``, space) are kept, e.g. ``a-9``
    for ``RM-2``. Empty when the text is not a code built that way. Part of the segment,
    so of the cache key: ``RM-2`` and ``AB-7`` share a translation, ``#12`` and ``RM-2``
    do not."""


Piece = str | Opaque
Segment = tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    """Where opaque piece number ``index`` ended up in a translation."""

    index: int


TemplatePiece = str | Slot


@dataclass(frozen=True, slots=True)
class EngineOutput:
    """The translation of one segment.

    ``unknown`` lists the source words the engine could not translate and passed through
    (as it saw them), so that a pivot can avoid counting the same word twice.
    """

    template: tuple[TemplatePiece, ...]
    unknown: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    """People's names the engine recognised and wrote as they are (as written in the
    template), so that the next leg of a pivot can carry them through untranslated."""


@runtime_checkable
class TranslationEngine(Protocol):
    """One model runtime: load it once, then translate batches of segments."""

    @property
    def name(self) -> str:
        """Engine name reported to callers and metrics, e.g. ``"apertium"``."""
        ...

    @property
    def version(self) -> str:
        """Runtime version, e.g. ``"3.8.3"``."""
        ...

    def load(self) -> None:
        """Discover and start what the engine needs; idempotent."""
        ...

    def directions(self) -> frozenset[tuple[str, str]]:
        """Directly supported (source, target) pairs as ISO 639-1 codes."""
        ...

    def translate(
        self,
        segments: Sequence[Segment],
        source: str,
        target: str,
        *,
        deadline: float | None = None,
    ) -> list[EngineOutput]:
        """Translate every segment in one pass; ``deadline`` is a ``time.monotonic()`` value."""
        ...

    def close(self) -> None:
        """Stop every process the engine started."""
        ...
