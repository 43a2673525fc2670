"""Policy documents: YAML text -> validated `Policy`, reporting every error at once.

Each error names its path (`rules[3].when.item.category`) and says what is wrong in
plain words; unknown keys are errors. The limits below keep every policy inside what
durable_rules 2.0.28 can handle (see engines/rules/engine.py):
an `$or` of 512 terms hangs it, an `$or` of `$and`s of 30 terms is rejected (error 113),
and a ruleset of a few thousand nodes fails to build (error 107).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.common.currency import CURRENCY_EXPONENTS
from services.common.strict_yaml import index, load_strict_yaml
from services.returns_decision.core.decisions import PolicyVersion
from services.returns_decision.core.policy.conditions import alternatives, tests_count
from services.returns_decision.core.policy.errors import PolicyError, PolicyInvalid
from services.returns_decision.core.policy.model import (
    WINDOW_RULE_ID,
    CustomerList,
    Defaults,
    ExchangePolicy,
    FeeSchedule,
    KeepItPolicy,
    Policy,
    Rule,
    StoreCreditPolicy,
)
from services.returns_decision.core.policy.reader import DocumentReader, unknown
from services.returns_decision.core.policy.sections import (
    parse_bonus,
    parse_customer_lists,
    parse_defaults,
    parse_economics,
    parse_exchange,
    parse_fees,
    parse_keep_it,
    parse_rule,
    parse_window,
)

SCHEMA_VERSION = 1
MAX_RULES = 100
MAX_ALTERNATIVES = 300  # durable_rules rules in one ruleset
MAX_TESTS = 1000  # comparisons over all alternatives, each list value counting one
MAX_DOCUMENT_BYTES = 1_000_000

_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class ValidationResult:
    errors: tuple[PolicyError, ...]
    policy: Policy | None  # set when there are no errors
    version: PolicyVersion | None

    @property
    def valid(self) -> bool:
        return not self.errors


def content_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


_TOP_REQUIRED = ("schema_version", "tenant", "label", "currency", "return_window", "rules")
_TOP_OPTIONAL = (
    "description",
    "defaults",
    "fees",
    "keep_it",
    "exchange",
    "store_credit",
    "customer_lists",
    "economics",
)


def _section(
    r: DocumentReader,
    m: dict[str, Any],
    key: str,
    parse: Callable[[DocumentReader, Any, str], E],
    default: E,
) -> E:
    return parse(r, m[key], key) if key in m else default


def _document(r: DocumentReader, data: Any) -> Policy | None:
    # Sections are read in a fixed order, so errors come out in that order.
    m = r.mapping(data, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    if m is None:
        return None
    tenant, label, currency, description = _header(r, m)
    window = parse_window(r, m["return_window"], "return_window") if "return_window" in m else None
    rules = _rules(r, m)
    defaults = _section(r, m, "defaults", parse_defaults, Defaults())
    fees = _section(r, m, "fees", parse_fees, FeeSchedule())
    keep_it = _section(r, m, "keep_it", parse_keep_it, KeepItPolicy())
    exchange = _section(r, m, "exchange", parse_exchange, ExchangePolicy())
    store_credit = _store_credit(r, m)
    no_lists: dict[str, CustomerList] = {}
    lists = _section(r, m, "customer_lists", parse_customer_lists, no_lists)
    economics = parse_economics(r, m.get("economics", {}), "economics", currency or "USD")
    _check_references(r, rules, lists)
    if r.errors or tenant is None or label is None or currency is None or window is None:
        return None
    return Policy(
        schema_version=SCHEMA_VERSION,
        tenant_id=tenant,
        label=label,
        currency=currency,
        description=description,
        defaults=defaults,
        return_window=window,
        rules=tuple(rules),
        fees=fees,
        keep_it=keep_it,
        exchange=exchange,
        store_credit=store_credit,
        customer_lists=lists,
        economics=economics,
    )


def _header(r: DocumentReader, m: dict[str, Any]) -> tuple[str | None, str | None, str | None, str]:
    """Tenant, label, currency (None where missing or invalid) and description."""
    if "schema_version" in m and m["schema_version"] != SCHEMA_VERSION:
        r.error("schema_version", f"must be {SCHEMA_VERSION}")
    tenant = (
        r.text(m.get("tenant"), "tenant", pattern=_TENANT, hint="use 1-63 of a-z, 0-9, '-' and '_'")
        if "tenant" in m
        else None
    )
    label = r.text(m.get("label"), "label") if "label" in m else None
    if label is not None and len(label) > 128:
        r.error("label", "at most 128 characters")
    currency = None
    if "currency" in m:
        currency = r.text(m["currency"], "currency")
        if currency is not None and currency not in CURRENCY_EXPONENTS:
            r.error("currency", f"unknown ISO-4217 currency code {currency!r}")
            currency = None
    description = (r.text(m["description"], "description") or "") if "description" in m else ""
    return tenant, label, currency, description


def _rules(r: DocumentReader, m: dict[str, Any]) -> list[Rule]:
    rules: list[Rule] = []
    if "rules" in m:
        entries = r.sequence(m["rules"], "rules")
        if len(entries) > MAX_RULES:
            r.error("rules", f"at most {MAX_RULES} rules, not {len(entries)}")
        for i, entry in enumerate(entries):
            rule = parse_rule(r, entry, index("rules", i), i)
            if rule is not None:
                rules.append(rule)
    return rules


def _store_credit(r: DocumentReader, m: dict[str, Any]) -> StoreCreditPolicy:
    if "store_credit" in m:
        sc = r.mapping(m["store_credit"], "store_credit", optional=("bonus_credit",))
        if sc is not None and "bonus_credit" in sc:
            return StoreCreditPolicy(
                parse_bonus(r, sc["bonus_credit"], "store_credit.bonus_credit")
            )
    return StoreCreditPolicy()


def _check_references(r: DocumentReader, rules: list[Rule], lists: dict[str, CustomerList]) -> None:
    """Cross-references, once every id and list is known, and the size of the whole."""
    rule_ids = {rule.id for rule in rules} | {
        rule_id for rule_id, p in r.ids.items() if p.startswith("rules[")
    }
    for name, p in r.list_refs:
        if name not in lists:
            r.error(p, unknown("customer list", name, sorted(lists)))
    for owner, target, p in r.exempt_refs:
        if target == owner:
            r.error(p, "a rule cannot exempt from itself")
        elif target != WINDOW_RULE_ID and target not in rule_ids:
            r.error(p, unknown("rule id", target, sorted(rule_ids | {WINDOW_RULE_ID})))
    total_alternatives = 1 + sum(alternatives(rule.when) for rule in rules)
    total_tests = 1 + sum(tests_count(rule.when) for rule in rules)
    if total_alternatives > MAX_ALTERNATIVES:
        r.error(
            "rules",
            f"the rules expand to {total_alternatives} alternatives (at most {MAX_ALTERNATIVES})",
        )
    if total_tests > MAX_TESTS:
        r.error("rules", f"the rules hold {total_tests} comparisons (at most {MAX_TESTS})")


def validate_policy(
    document: str | bytes, *, expected_tenant: str | None = None
) -> ValidationResult:
    """Checks a policy document; every error comes back at once, each with its path.

    `expected_tenant` (the tenant a ValidatePolicy call names) must match the document's.
    Pure Python: no rules engine is touched, so it is safe from any thread.
    """
    raw = document.encode() if isinstance(document, str) else document
    if len(raw) > MAX_DOCUMENT_BYTES:
        return ValidationResult(
            (PolicyError("", f"larger than {MAX_DOCUMENT_BYTES} bytes"),), None, None
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ValidationResult((PolicyError("", "not UTF-8 text"),), None, None)
    parsed = load_strict_yaml(text)
    reader = DocumentReader(parsed.positions)
    reader.errors.extend(PolicyError(p.path, p.message, p.line, p.column) for p in parsed.problems)
    data = parsed.data
    policy = _document(reader, data) if data is not None or not parsed.problems else None
    if policy is not None and expected_tenant is not None and policy.tenant_id != expected_tenant:
        reader.error(
            "tenant",
            f"is {policy.tenant_id!r}, but the policy was submitted for {expected_tenant!r}",
        )
    if reader.errors:
        return ValidationResult(tuple(reader.errors), None, None)
    assert policy is not None
    version = PolicyVersion(policy.tenant_id, policy.label, content_hash(raw))
    return ValidationResult((), policy, version)


def parse_policy(document: str | bytes) -> tuple[Policy, PolicyVersion]:
    """The validated policy and its version, or PolicyInvalid with every error."""
    result = validate_policy(document)
    if result.policy is None or result.version is None:
        raise PolicyInvalid(result.errors)
    return result.policy, result.version
