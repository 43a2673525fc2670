"""Conditions of policy rules: parsing `when` blocks and sizing what they compile to."""

from __future__ import annotations

from typing import Any

from services.common.strict_yaml import child, index
from services.returns_decision.core.policy.fields import FIELDS, OPERATORS, Field, Kind
from services.returns_decision.core.policy.model import AllOf, AnyOf, Comparison, Condition, Scalar
from services.returns_decision.core.policy.reader import DocumentReader, unknown

MAX_LIST_VALUES = 50  # values of one `in`, `not_in`, `contains_*` test
MAX_DEPTH = 8


def _scalar(r: DocumentReader, f: Field, value: Any, path: str) -> Scalar | None:
    if f.kind in (Kind.STRING, Kind.LIST):
        text = r.text(value, path)
        return None if text is None else f.normalise(text)
    if f.kind is Kind.ENUM:
        text = r.text(value, path)
        if text is None:
            return None
        normalised = f.normalise(text)
        if normalised not in f.values:
            r.error(path, unknown(f"value for {f.name}", text, list(f.values)))
            return None
        return normalised
    if f.kind is Kind.INTEGER:
        return r.integer(value, path, low=-(10**9), high=10**9)
    if f.kind is Kind.MONEY:
        return r.money(value, path)
    if f.kind is Kind.NUMBER:
        return r.number(value, path, low=-(10**9), high=10**9)
    return r.boolean(value, path)


_LIST_OPS = frozenset({"in", "not_in", "contains_any", "contains_all", "contains_none"})


def _comparison(r: DocumentReader, f: Field, op: str, value: Any, path: str) -> Comparison | None:
    if op not in OPERATORS[f.kind]:
        r.error(
            path, unknown(f"operator for {f.kind} field {f.name}", op, sorted(OPERATORS[f.kind]))
        )
        return None
    if op in _LIST_OPS:
        if not isinstance(value, list) or not value:
            r.error(path, f"{op} takes a non-empty list of values")
            return None
        if len(value) > MAX_LIST_VALUES:
            r.error(path, f"at most {MAX_LIST_VALUES} values, not {len(value)}")
            return None
        values = [_scalar(r, f, v, index(path, i)) for i, v in enumerate(value)]
        if any(v is None for v in values):
            return None
        # Distinct values only: a repeated `in` value would match twice in durable_rules.
        parsed: Scalar | tuple[Scalar, ...] = tuple(
            dict.fromkeys(v for v in values if v is not None)
        )
    else:
        single = _scalar(r, f, value, path)
        if single is None:
            return None
        parsed = single
    if f.name == "customer.lists":
        for name in parsed if isinstance(parsed, tuple) else (parsed,):
            r.list_refs.append((str(name), path))
    return Comparison(f.name, op, parsed)


def _tests(r: DocumentReader, f: Field, spec: Any, path: str) -> list[Comparison]:
    if isinstance(spec, dict):
        if not spec:
            r.error(path, "must name at least one operator")
        found = [
            _comparison(r, f, str(op), value, child(path, str(op))) for op, value in spec.items()
        ]
        return [c for c in found if c is not None]
    if isinstance(spec, list):  # shorthand: one of these values
        op = "contains_any" if f.kind is Kind.LIST else "in"
        found_one = _comparison(r, f, op, spec, path)
        return [found_one] if found_one is not None else []
    op = "contains" if f.kind is Kind.LIST else "eq"
    found_one = _comparison(r, f, op, spec, path)
    return [found_one] if found_one is not None else []


def parse_condition(r: DocumentReader, value: Any, path: str, depth: int = 0) -> Condition | None:
    if depth > MAX_DEPTH:
        r.error(path, f"conditions nest at most {MAX_DEPTH} levels deep")
        return None
    if not isinstance(value, dict) or not value:
        r.error(path, "must be a mapping of field tests, `all` or `any`")
        return None
    parts: list[Condition] = []
    ok = True
    for key, spec in value.items():
        key_path = child(path, str(key))
        if key in ("all", "any"):
            entries = r.sequence(spec, key_path, non_empty=True)
            subs = [
                parse_condition(r, e, index(key_path, i), depth + 1) for i, e in enumerate(entries)
            ]
            if not entries or any(s is None for s in subs):
                ok = False
                continue
            clean = tuple(s for s in subs if s is not None)
            parts.append(AllOf(clean) if key == "all" else AnyOf(clean))
            continue
        f = FIELDS.get(str(key))
        if f is None:
            r.error(key_path, unknown("field", key, ["all", "any", *sorted(FIELDS)]))
            ok = False
            continue
        tests = _tests(r, f, spec, key_path)
        ok = ok and bool(tests)
        parts.extend(tests)
    if not ok or not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def alternatives(condition: Condition | None) -> int:
    """How many durable_rules rules a condition compiles to (`any` splits, `all` multiplies)."""
    if condition is None or isinstance(condition, Comparison):
        return 1
    if isinstance(condition, AnyOf):
        return sum(alternatives(p) for p in condition.parts)
    product = 1
    for part in condition.parts:
        product *= alternatives(part)
    return product


def tests_count(condition: Condition | None) -> int:
    """Comparisons over all alternatives, each list value counting one (engine node budget)."""
    if condition is None:
        return 1
    if isinstance(condition, Comparison):
        return len(condition.value) if isinstance(condition.value, tuple) else 1
    if isinstance(condition, AnyOf):
        return sum(tests_count(p) for p in condition.parts)
    total = 0
    for i, part in enumerate(condition.parts):
        others = 1
        for j, other in enumerate(condition.parts):
            if j != i:
                others *= alternatives(other)
        total += tests_count(part) * others
    return total


def alternatives_of(condition: Condition | None) -> list[list[Comparison]]:
    """The condition as a list of conjunctions (any of which makes it true)."""
    if condition is None:
        return [[]]
    if isinstance(condition, Comparison):
        return [[condition]]
    if isinstance(condition, AnyOf):
        return [alt for part in condition.parts for alt in alternatives_of(part)]
    combined: list[list[Comparison]] = [[]]
    for part in condition.parts:
        combined = [left + right for left in combined for right in alternatives_of(part)]
    return combined


def chain_length(conjunction: list[Comparison]) -> int:
    """durable_rules nodes one alternative chains: `not_in` and `contains_all` add one
    per value, `in` and `contains_any` branch (one level), everything else one."""
    return sum(
        len(c.value) if isinstance(c.value, tuple) and c.op in ("not_in", "contains_all") else 1
        for c in conjunction
    )


def branch_values(conjunction: list[Comparison]) -> int:
    """Sibling nodes an alternative adds through `in` and `contains_any` lists (each an
    `$or` of one test per value)."""
    return sum(
        len(c.value)
        for c in conjunction
        if c.op in ("in", "contains_any") and isinstance(c.value, tuple)
    )
