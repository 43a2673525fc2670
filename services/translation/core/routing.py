"""Which engine translates a pair, directly or through a pivot language.

A pair with a direct engine direction is translated in one pass; otherwise, if some
engine translates source to the pivot (Spanish by default: every installed Apertium
pair has Spanish on one side) and some engine translates the pivot to the target, in
two. Engines are tried in the order given, so a preferred engine goes first.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.common.language import language_code
from services.translation.core.errors import InvalidRequestError, UnsupportedLanguagePairError
from services.translation.engines.base import TranslationEngine


class RouteKind(enum.Enum):
    DIRECT = "direct"
    PIVOT = "pivot"
    IDENTITY = "identity"
    """Source and target are the same language: the text is returned as it is."""


@dataclass(frozen=True)
class Leg:
    source: str
    target: str
    engine: TranslationEngine = field(compare=False, repr=False)
    engine_name: str = ""
    engine_version: str = ""


@dataclass(frozen=True)
class Route:
    source: str
    target: str
    legs: tuple[Leg, ...]

    @property
    def kind(self) -> RouteKind:
        return (RouteKind.IDENTITY, RouteKind.DIRECT, RouteKind.PIVOT)[min(len(self.legs), 2)]

    @property
    def pivot(self) -> str | None:
        return self.legs[0].target if len(self.legs) > 1 else None

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the text goes through, e.g. ("fr", "es", "en")."""
        return (self.source, *(leg.target for leg in self.legs))

    @property
    def engine(self) -> str:
        """The engine name; legs by different engines are joined with "+"."""
        names = dict.fromkeys(leg.engine_name for leg in self.legs)
        return "+".join(names) or "none"

    @property
    def cache_key(self) -> tuple[tuple[str, str, str, str], ...]:
        return tuple(
            (leg.source, leg.target, leg.engine_name, leg.engine_version) for leg in self.legs
        )


def normalize_language(code: str, field_name: str) -> str:
    """The ISO 639-1 code of a request's language field, or InvalidRequestError naming it."""
    normalized = language_code(code)
    if normalized is None:
        raise InvalidRequestError(
            f"{field_name} must be an ISO 639-1 language code such as 'en'", field=field_name
        )
    return normalized


class Router:
    def __init__(self, engines: Sequence[TranslationEngine], *, pivot: str = "es") -> None:
        self._engines = tuple(engines)
        self._pivot = pivot

    def _leg(self, source: str, target: str) -> Leg | None:
        for engine in self._engines:
            if (source, target) in engine.directions():
                return Leg(source, target, engine, engine.name, engine.version)
        return None

    def languages(self) -> frozenset[str]:
        return frozenset(code for e in self._engines for pair in e.directions() for code in pair)

    def find(self, source: str, target: str) -> Route | None:
        if source == target:
            return Route(source, target, ()) if source in self.languages() else None
        direct = self._leg(source, target)
        if direct is not None:
            return Route(source, target, (direct,))
        if self._pivot in (source, target):
            return None
        first, second = self._leg(source, self._pivot), self._leg(self._pivot, target)
        if first is None or second is None:
            return None
        return Route(source, target, (first, second))

    def route(self, source: str, target: str) -> Route:
        """The route for a pair, or UnsupportedLanguagePairError listing what is supported."""
        found = self.find(source, target)
        if found is None:
            known = self.languages()
            raise UnsupportedLanguagePairError(
                source,
                target,
                [(r.source, r.target) for r in self.routes()],
                field="source_language" if source not in known else "target_language",
            )
        return found

    def routes(self) -> list[Route]:
        """Every supported pair (identity excluded), direct ones first within a source."""
        languages = sorted(self.languages())
        found = (self.find(s, t) for s in languages for t in languages if s != t)
        return [r for r in found if r is not None]
