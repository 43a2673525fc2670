"""Reading a policy document while collecting every error with its path and line."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from services.common.strict_yaml import Position, child, index
from services.returns_decision.core.policy.errors import PolicyError
from services.returns_decision.core.policy.model import RESERVED_IDS

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
E = TypeVar("E")


class DocumentReader:
    """Reads one document, collecting errors instead of stopping at the first."""

    def __init__(self, positions: Mapping[str, Position]) -> None:
        self.positions = positions
        self.errors: list[PolicyError] = []
        self._missing: set[str] = set()  # paths reported "required": nothing more to say
        self.ids: dict[str, str] = {}  # id -> path of its first definition
        self.list_refs: list[tuple[str, str]] = []  # (list name, path)
        self.exempt_refs: list[tuple[str, str, str]] = []  # (rule id, target id, path)

    def error(self, path: str, message: str) -> None:
        if path in self._missing:
            return
        # A missing key has no position of its own: point at its closest present parent.
        probe = path
        position = self.positions.get(probe)
        while position is None and probe:
            parent = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", probe)
            if parent == probe:
                break
            probe = parent
            position = self.positions.get(probe)
        line, column = position if position is not None else (None, None)
        self.errors.append(PolicyError(path, message, line, column))

    # -- shapes ------------------------------------------------------------------------

    def mapping(
        self,
        value: Any,
        path: str,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"must be a mapping, not {kind_of(value)}")
            return None
        allowed = set(required) | set(optional)
        for key in value:
            if not isinstance(key, str):
                self.error(path, f"keys must be text, not {kind_of(key)}")
            elif key not in allowed:
                self.error(child(path, key), unknown("key", key, sorted(allowed)))
        for key in required:
            if key not in value:
                self.error(child(path, key), "required")
                self._missing.add(child(path, key))
        return value

    def sequence(self, value: Any, path: str, *, non_empty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {kind_of(value)}")
            return []
        if non_empty and not value:
            self.error(path, "must not be empty")
        return value

    def text(
        self, value: Any, path: str, *, pattern: re.Pattern[str] | None = None, hint: str = ""
    ) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"must be non-empty text, not {kind_of(value)}")
            return None
        if pattern is not None and not pattern.match(value):
            self.error(path, f"{value!r} is not valid: {hint}")
            return None
        return value

    def integer(self, value: Any, path: str, *, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"must be a whole number, not {kind_of(value)}")
            return None
        if not low <= value <= high:
            self.error(path, f"must be between {low} and {high}, not {value}")
            return None
        return value

    def money(self, value: Any, path: str) -> int | None:
        return self.integer(value, path, low=0, high=10**12)

    def number(self, value: Any, path: str, *, low: float, high: float) -> float | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.error(path, f"must be a number, not {kind_of(value)}")
            return None
        if not low <= value <= high:
            self.error(path, f"must be between {low:g} and {high:g}, not {value:g}")
            return None
        return float(value)

    def percent(self, value: Any, path: str) -> Decimal | None:
        number = self.number(value, path, low=0, high=100)
        return None if number is None else Decimal(str(value))

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, not {kind_of(value)}")
            return None
        return value

    def day(self, value: Any, path: str) -> date | None:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(path, "must be a date written YYYY-MM-DD")
        return None

    def choice(self, value: Any, path: str, options: Sequence[E]) -> E | None:
        """One of `options` (enum members or text), matched on its value in any case."""
        by_value = {str(getattr(o, "value", o)): o for o in options}
        if isinstance(value, str):
            for candidate in (value, value.lower(), value.upper()):
                if candidate in by_value:
                    return by_value[candidate]
        self.error(path, unknown("value", value, sorted(by_value)))
        return None

    def text_list(self, value: Any, path: str, *, limit: int, non_empty: bool = True) -> list[str]:
        out = []
        for i, entry in enumerate(self.sequence(value, path, non_empty=non_empty)):
            text = self.text(entry, index(path, i))
            if text is not None:
                out.append(text)
        if len(out) > limit:
            self.error(path, f"at most {limit} values, not {len(out)}")
        return out

    def new_id(self, value: Any, path: str) -> str | None:
        rule_id = self.text(
            value, path, pattern=ID_PATTERN, hint="use 1-64 of a-z, 0-9, '-' and '_'"
        )
        if rule_id is None:
            return None
        if rule_id in RESERVED_IDS:
            self.error(path, f"{rule_id!r} is reserved for a rule the core generates")
        elif rule_id in self.ids:
            self.error(path, f"duplicate id {rule_id!r}, first used at {self.ids[rule_id]}")
        else:
            self.ids[rule_id] = path
        return rule_id


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


def unknown(what: str, value: Any, allowed: list[str]) -> str:
    if not allowed:
        return f"unknown {what} {value!r}; none are defined"
    family = [a for a in allowed if a.split(".")[0] == str(value).split(".")[0]]
    if "." in str(value) and family:
        allowed = family
    close = difflib.get_close_matches(str(value), allowed, n=1)
    suggestion = f" (did you mean {close[0]!r}?)" if close else ""
    shown = ", ".join(allowed) if len(allowed) <= 24 else ", ".join(allowed[:24]) + ", ..."
    return f"unknown {what} {value!r}{suggestion}; expected one of: {shown}"
