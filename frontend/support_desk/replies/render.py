"""Replies as English parts with values, rendered in the customer's language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from frontend.support_desk.replies.templates import TEMPLATES

PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Part:
    """One paragraph: English text with `{{name}}` placeholders and their values."""

    english: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    parts: tuple[Part, ...]

    @property
    def english(self) -> str:
        return join(fill(p.english, p.values) for p in self.parts)


def part(key: str, words: dict[str, str] | None = None, **values: str) -> Part:
    """A template as a part. `words` are English and go in before translation (product
    names, durations); `values` stay placeholders until after it (codes, dates, money)."""
    text = fill(TEMPLATES[key], words or {})
    missing = set(PLACEHOLDER.findall(text)) - set(values)
    if missing:
        raise KeyError(f"template {key!r} needs {sorted(missing)}")
    return Part(text, dict(values))


def reply(*parts: Part) -> Reply:
    return Reply(tuple(parts))


def fill(text: str, values: dict[str, str]) -> str:
    """Put the values in place of their placeholders; unknown placeholders stay."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def join(paragraphs: Iterable[str]) -> str:
    return " ".join(p.strip() for p in paragraphs if p.strip())
