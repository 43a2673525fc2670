"""Per-request terminology: terms to keep as they are and terms with a fixed translation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.translation.core.errors import InvalidGlossaryError


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """``source`` (matched case-insensitively, as a whole word) is replaced by ``target``."""

    source: str
    target: str


@dataclass(frozen=True)
class Glossary:
    do_not_translate: tuple[str, ...] = ()
    entries: tuple[GlossaryEntry, ...] = ()

    @classmethod
    def of(
        cls, do_not_translate: Iterable[str] = (), terms: Mapping[str, str] | None = None
    ) -> Glossary:
        """Convenience constructor: ``Glossary.of(["Nike"], {"refund": "reembolso"})``."""
        return cls(
            tuple(do_not_translate),
            tuple(GlossaryEntry(s, t) for s, t in (terms or {}).items()),
        )

    def __bool__(self) -> bool:
        return bool(self.do_not_translate or self.entries)

    def validate(self, *, max_terms: int, max_term_chars: int) -> None:
        count = len(self.do_not_translate) + len(self.entries)
        if count > max_terms:
            raise InvalidGlossaryError(
                f"the glossary has {count} terms; at most {max_terms} are allowed",
                field="glossary",
            )
        for i, term in enumerate(self.do_not_translate):
            _check_term(term, f"glossary.do_not_translate[{i}]", max_term_chars)
        for i, entry in enumerate(self.entries):
            _check_term(entry.source, f"glossary.entries[{i}].source", max_term_chars)
            if len(entry.target) > max_term_chars or "\0" in entry.target:
                raise InvalidGlossaryError(
                    f"a glossary target must be at most {max_term_chars} characters",
                    field=f"glossary.entries[{i}].target",
                )

    def matcher(self) -> GlossaryMatcher | None:
        return GlossaryMatcher(self) if self else None


def _check_term(term: str, field: str, max_chars: int) -> None:
    if not term.strip():
        raise InvalidGlossaryError("a glossary term must not be empty", field=field)
    if len(term) > max_chars:
        raise InvalidGlossaryError(
            f"a glossary term must be at most {max_chars} characters", field=field
        )


class GlossaryMatcher:
    """Finds glossary terms in text: whole words, case-insensitive, longest first."""

    def __init__(self, glossary: Glossary) -> None:
        outputs: dict[str, str | None] = {}
        for entry in glossary.entries:
            outputs.setdefault(entry.source.strip().casefold(), entry.target)
        for term in glossary.do_not_translate:
            outputs.setdefault(term.strip().casefold(), None)
        self._outputs = outputs
        terms = sorted(outputs, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.IGNORECASE
        )

    def find(self, text: str) -> Iterable[tuple[int, int, str | None]]:
        """(start, end, replacement) per match; replacement None means keep the text."""
        for m in self._pattern.finditer(text):
            # Case-insensitive matching can, rarely, match a form whose casefold differs
            # (e.g. German sharp s): keep such a match as it is.
            yield m.start(), m.end(), self._outputs.get(m.group().casefold())
