"""Parsers of the sections of a policy document (rules, window, fees, keep-it, ...)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from services.common.strict_yaml import child, index
from services.returns_decision.core.decisions import (
    SYSTEM_REASON_CODES,
    Outcome,
    ReasonCode,
    RefundMethod,
    default_message_key,
)
from services.returns_decision.core.economics.parameters import (
    MONEY_PARAMETERS,
    PARAMETER_NAMES,
    PROFILES,
    RATE_PARAMETERS,
    EconomicsConfig,
    EconomicsParameters,
    GradeMix,
    with_overrides,
)
from services.returns_decision.core.policy.conditions import (
    MAX_LIST_VALUES,
    alternatives,
    alternatives_of,
    chain_length,
    parse_condition,
)
from services.returns_decision.core.policy.model import (
    BonusCredit,
    Condition,
    CustomerList,
    Defaults,
    ExchangePolicy,
    FeeKind,
    FeeSchedule,
    HolidayExtension,
    KeepItLimit,
    KeepItPolicy,
    ReturnWindow,
    Rule,
    RuleEffect,
    RuleOutcome,
    ShippingMode,
    WindowClock,
    WindowOverride,
)
from services.returns_decision.core.policy.reader import ID_PATTERN, DocumentReader, kind_of
from services.returns_decision.core.requests import ReturnReason
from services.returns_decision.core.risk import RiskBand

MAX_ALTERNATIVES_PER_RULE = 16  # after expanding `any` (see engines/rules/compiler.py)
MAX_CHAIN = 100  # comparisons one alternative chains (durable_rules crashes near 1,000)
MAX_LIST_MEMBERS = 100_000  # identifiers in one customer list (matched in Python)
_MESSAGE_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


_THEN_OPTIONAL = (
    "outcome",
    "message_key",
    "restocking_fee_percent",
    "forbid_keep_it",
    "require_inspection",
    "refund_method",
    "waive_fees",
    "exempt_from",
)


def parse_rule(r: DocumentReader, value: Any, path: str, position: int) -> Rule | None:
    m = r.mapping(value, path, required=("id", "then"), optional=("description", "when"))
    if m is None:
        return None
    rule_id = r.new_id(m.get("id"), child(path, "id")) if "id" in m else None
    description = ""
    if "description" in m:
        description = r.text(m["description"], child(path, "description")) or ""
    when = _parse_when(r, m["when"], child(path, "when")) if "when" in m else None
    then = _parse_then(r, m["then"], child(path, "then"), rule_id) if "then" in m else None
    if then is None:
        return None
    reason, message_key, effect = then
    if reason is None or rule_id is None or ("when" in m and when is None):
        return None
    return Rule(
        id=rule_id,
        index=position,
        when=when,
        then=effect,
        reason=reason,
        message_key=message_key,
        description=description,
    )


def _parse_when(r: DocumentReader, value: Any, path: str) -> Condition | None:
    """The rule's condition, within what one durable_rules ruleset can hold."""
    when = parse_condition(r, value, path)
    if when is None:
        return None
    longest = max(chain_length(alt) for alt in alternatives_of(when))
    if longest > MAX_CHAIN:
        r.error(
            path,
            f"one alternative chains {longest} comparisons (at most {MAX_CHAIN}); "
            "shorten the not_in / contains_all lists",
        )
    n = alternatives(when)
    if n > MAX_ALTERNATIVES_PER_RULE:
        r.error(
            path,
            f"expands to {n} alternatives (at most {MAX_ALTERNATIVES_PER_RULE}); "
            "split the rule or use `in` lists instead of `any`",
        )
    return when


def _parse_then(
    r: DocumentReader, value: Any, path: str, rule_id: str | None
) -> tuple[ReasonCode | None, str, RuleEffect] | None:
    """The rule's reason (None if invalid), message key and effect; None without a `then`
    mapping to read."""
    t = r.mapping(value, path, required=("reason",), optional=_THEN_OPTIONAL)
    if t is None:
        return None
    reason = r.choice(t.get("reason"), child(path, "reason"), tuple(ReasonCode))
    if reason is not None and reason in SYSTEM_REASON_CODES:
        r.error(
            child(path, "reason"), f"{reason.value} is produced by the core; a rule cannot use it"
        )
        reason = None
    message_key = default_message_key(reason) if reason is not None else ""
    if "message_key" in t:
        message_key = (
            r.text(
                t["message_key"],
                child(path, "message_key"),
                pattern=_MESSAGE_KEY,
                hint="use dot-separated lowercase words, e.g. returns.final_sale",
            )
            or ""
        )
    outcome = None
    if "outcome" in t:
        outcome = r.choice(t["outcome"], child(path, "outcome"), tuple(RuleOutcome))
    fee = None
    if "restocking_fee_percent" in t:
        fee = r.percent(t["restocking_fee_percent"], child(path, "restocking_fee_percent"))
    flags = {}
    for name in ("forbid_keep_it", "require_inspection"):
        flags[name] = bool(r.boolean(t[name], child(path, name))) if name in t else False
    store_credit_only = False
    if "refund_method" in t:
        store_credit_only = (
            r.choice(t["refund_method"], child(path, "refund_method"), (RefundMethod.STORE_CREDIT,))
            is not None
        )
    effect = RuleEffect(
        outcome=outcome,
        restocking_fee_percent=fee,
        forbid_keep_it=flags["forbid_keep_it"],
        require_inspection=flags["require_inspection"],
        store_credit_only=store_credit_only,
        waive_fees=_waived_fees(r, t, path),
        exempt_from=_exemptions(r, t, path, rule_id),
    )
    return reason, message_key, effect


def _waived_fees(r: DocumentReader, then: dict[str, Any], path: str) -> frozenset[FeeKind]:
    waive: set[FeeKind] = set()
    if "waive_fees" in then:
        wp = child(path, "waive_fees")
        for i, entry in enumerate(r.sequence(then["waive_fees"], wp, non_empty=True)):
            kind = r.choice(entry, index(wp, i), tuple(FeeKind))
            if kind is not None:
                waive.add(kind)
    return frozenset(waive)


def _exemptions(
    r: DocumentReader, then: dict[str, Any], path: str, rule_id: str | None
) -> tuple[str, ...]:
    """The rule ids the rule switches off; the references are checked once every rule is
    read (`r.exempt_refs`)."""
    exempt: list[str] = []
    if "exempt_from" in then:
        ep = child(path, "exempt_from")
        for i, entry in enumerate(r.sequence(then["exempt_from"], ep, non_empty=True)):
            target = r.text(entry, index(ep, i))
            if target is not None:
                exempt.append(target)
                r.exempt_refs.append((rule_id or "", target, index(ep, i)))
    return tuple(exempt)


def parse_window(r: DocumentReader, value: Any, path: str) -> ReturnWindow | None:
    m = r.mapping(
        value,
        path,
        required=("days",),
        optional=("clock", "transit_buffer_days", "overrides", "holiday_extensions"),
    )
    if m is None:
        return None
    days = r.integer(m.get("days"), child(path, "days"), low=0, high=3650) if "days" in m else None
    clock = WindowClock.DELIVERY
    if "clock" in m:
        clock = r.choice(m["clock"], child(path, "clock"), tuple(WindowClock)) or clock
    buffer = 5
    if "transit_buffer_days" in m:
        buffer = (
            r.integer(m["transit_buffer_days"], child(path, "transit_buffer_days"), low=0, high=60)
            or 0
        )
    overrides = []
    op = child(path, "overrides")
    for i, entry in enumerate(r.sequence(m.get("overrides", []), op)):
        ep = index(op, i)
        o = r.mapping(
            entry, ep, required=("id", "days"), optional=("product_types", "categories", "tags")
        )
        if o is None:
            continue
        oid = r.new_id(o.get("id"), child(ep, "id")) if "id" in o else None
        odays = (
            r.integer(o.get("days"), child(ep, "days"), low=0, high=3650) if "days" in o else None
        )
        selectors = {
            name: frozenset(
                v.strip().lower()
                for v in r.text_list(o[name], child(ep, name), limit=MAX_LIST_VALUES)
            )
            for name in ("product_types", "categories", "tags")
            if name in o
        }
        if not selectors:
            r.error(ep, "name at least one of product_types, categories or tags")
        if oid is not None and odays is not None:
            overrides.append(
                WindowOverride(
                    id=oid,
                    days=odays,
                    product_types=selectors.get("product_types", frozenset()),
                    categories=selectors.get("categories", frozenset()),
                    tags=selectors.get("tags", frozenset()),
                )
            )
    holidays = []
    hp = child(path, "holiday_extensions")
    for i, entry in enumerate(r.sequence(m.get("holiday_extensions", []), hp)):
        ep = index(hp, i)
        h = r.mapping(entry, ep, required=("id", "purchased_from", "purchased_to", "return_by"))
        if h is None:
            continue
        hid = r.new_id(h.get("id"), child(ep, "id")) if "id" in h else None
        dates = {
            name: r.day(h[name], child(ep, name)) if name in h else None
            for name in ("purchased_from", "purchased_to", "return_by")
        }
        start, end, return_by = dates["purchased_from"], dates["purchased_to"], dates["return_by"]
        if start and end and start > end:
            r.error(child(ep, "purchased_to"), "must not be before purchased_from")
        elif end and return_by and return_by < end:
            r.error(child(ep, "return_by"), "must not be before purchased_to")
        elif hid and start and end and return_by:
            holidays.append(HolidayExtension(hid, start, end, return_by))
    if days is None:
        return None
    return ReturnWindow(days, clock, buffer, tuple(overrides), tuple(holidays))


def parse_fees(r: DocumentReader, value: Any, path: str) -> FeeSchedule:
    m = r.mapping(
        value,
        path,
        optional=(
            "return_shipping",
            "return_shipping_amount",
            "free_shipping_for_exchanges",
            "handling_amount",
        ),
    )
    if m is None:
        return FeeSchedule()
    mode = ShippingMode.FREE
    if "return_shipping" in m:
        mode = (
            r.choice(m["return_shipping"], child(path, "return_shipping"), tuple(ShippingMode))
            or mode
        )
    amount = 0
    amount_path = child(path, "return_shipping_amount")
    if "return_shipping_amount" in m:
        amount = r.money(m["return_shipping_amount"], amount_path) or 0
        if mode is not ShippingMode.FLAT:
            r.error(amount_path, "only used when return_shipping is flat")
    elif mode is ShippingMode.FLAT:
        r.error(amount_path, "required when return_shipping is flat")
    free_exchange = True
    if "free_shipping_for_exchanges" in m:
        free_exchange = bool(
            r.boolean(m["free_shipping_for_exchanges"], child(path, "free_shipping_for_exchanges"))
        )
    handling = 0
    if "handling_amount" in m:
        handling = r.money(m["handling_amount"], child(path, "handling_amount")) or 0
    return FeeSchedule(mode, amount, free_exchange, handling)


def parse_keep_it(r: DocumentReader, value: Any, path: str) -> KeepItPolicy:
    m = r.mapping(
        value,
        path,
        optional=(
            "enabled",
            "max_item_value",
            "max_return_value",
            "limit",
            "allowed_risk_bands",
            "require_risk_assessment",
        ),
    )
    if m is None:
        return KeepItPolicy()
    default = KeepItPolicy()
    enabled = bool(r.boolean(m["enabled"], child(path, "enabled"))) if "enabled" in m else False
    max_item = (
        r.money(m["max_item_value"], child(path, "max_item_value"))
        if "max_item_value" in m
        else None
    )
    max_return = (
        r.money(m["max_return_value"], child(path, "max_return_value"))
        if "max_return_value" in m
        else None
    )
    limit = default.limit
    if "limit" in m:
        limit = r.choice(m["limit"], child(path, "limit"), tuple(KeepItLimit)) or limit
    bands = default.allowed_risk_bands
    if "allowed_risk_bands" in m:
        bp = child(path, "allowed_risk_bands")
        chosen = [
            r.choice(b, index(bp, i), tuple(RiskBand))
            for i, b in enumerate(r.sequence(m["allowed_risk_bands"], bp))
        ]
        bands = frozenset(b for b in chosen if b is not None)
    require = default.require_risk_assessment
    if "require_risk_assessment" in m:
        require = bool(
            r.boolean(m["require_risk_assessment"], child(path, "require_risk_assessment"))
        )
    return KeepItPolicy(enabled, max_item, max_return, limit, bands, require)


def parse_bonus(r: DocumentReader, value: Any, path: str) -> BonusCredit:
    m = r.mapping(value, path, optional=("percent", "max_amount", "flat"))
    if m is None:
        return BonusCredit()
    percent = r.percent(m["percent"], child(path, "percent")) if "percent" in m else None
    max_amount = r.money(m["max_amount"], child(path, "max_amount")) if "max_amount" in m else None
    flat = r.money(m["flat"], child(path, "flat")) if "flat" in m else None
    return BonusCredit(percent or Decimal(0), max_amount, flat or 0)


def parse_exchange(r: DocumentReader, value: Any, path: str) -> ExchangePolicy:
    m = r.mapping(value, path, optional=("enabled", "offer_for_reasons", "bonus_credit"))
    if m is None:
        return ExchangePolicy()
    default = ExchangePolicy()
    enabled = bool(r.boolean(m["enabled"], child(path, "enabled"))) if "enabled" in m else False
    reasons = default.offer_for_reasons
    if "offer_for_reasons" in m:
        rp = child(path, "offer_for_reasons")
        allowed = tuple(x for x in ReturnReason if x is not ReturnReason.UNSPECIFIED)
        chosen = [
            r.choice(x, index(rp, i), allowed)
            for i, x in enumerate(r.sequence(m["offer_for_reasons"], rp, non_empty=True))
        ]
        reasons = frozenset(x for x in chosen if x is not None)
    bonus = (
        parse_bonus(r, m["bonus_credit"], child(path, "bonus_credit"))
        if "bonus_credit" in m
        else BonusCredit()
    )
    return ExchangePolicy(enabled, reasons, bonus)


def parse_customer_lists(r: DocumentReader, value: Any, path: str) -> dict[str, CustomerList]:
    if not isinstance(value, dict):
        r.error(path, f"must be a mapping of list names, not {kind_of(value)}")
        return {}
    out = {}
    for name, spec in value.items():
        lp = child(path, str(name))
        if not isinstance(name, str) or not ID_PATTERN.match(name):
            r.error(lp, "list names use 1-64 of a-z, 0-9, '-' and '_'")
            continue
        m = r.mapping(spec, lp, optional=("customer_ids", "email_sha256", "customer_tags"))
        if m is None:
            continue
        if not m:
            r.error(lp, "name at least one of customer_ids, email_sha256 or customer_tags")
        ids = frozenset(
            r.text_list(
                m.get("customer_ids", []),
                child(lp, "customer_ids"),
                limit=MAX_LIST_MEMBERS,
                non_empty=False,
            )
        )
        hashes_path = child(lp, "email_sha256")
        hashes = r.text_list(
            m.get("email_sha256", []), hashes_path, limit=MAX_LIST_MEMBERS, non_empty=False
        )
        for i, h in enumerate(hashes):
            if not _SHA256.match(h):
                r.error(index(hashes_path, i), "must be 64 lowercase hexadecimal digits")
        tags = frozenset(
            t.strip().lower()
            for t in r.text_list(
                m.get("customer_tags", []),
                child(lp, "customer_tags"),
                limit=MAX_LIST_MEMBERS,
                non_empty=False,
            )
        )
        out[name] = CustomerList(name, ids, frozenset(hashes), tags)
    return out


def parse_defaults(r: DocumentReader, value: Any, path: str) -> Defaults:
    m = r.mapping(value, path, optional=("no_match_outcome", "refund_method"))
    if m is None:
        return Defaults()
    result = Defaults()
    if "no_match_outcome" in m:
        allowed = (Outcome.APPROVE_RETURN, Outcome.MANUAL_REVIEW, Outcome.DENY)
        outcome = r.choice(m["no_match_outcome"], child(path, "no_match_outcome"), allowed)
        result = Defaults(outcome or result.no_match_outcome, result.refund_method)
    if "refund_method" in m:
        allowed_methods = (RefundMethod.ORIGINAL_PAYMENT, RefundMethod.STORE_CREDIT)
        method = r.choice(m["refund_method"], child(path, "refund_method"), allowed_methods)
        result = Defaults(result.no_match_outcome, method or result.refund_method)
    return result


def parse_parameters(
    r: DocumentReader,
    value: Any,
    path: str,
    base: EconomicsParameters,
    currency: str,
    *,
    is_default: bool,
) -> EconomicsParameters:
    m = r.mapping(value, path, optional=("profile", *PARAMETER_NAMES))
    if m is None:
        return base
    if "profile" in m:
        name = r.choice(m["profile"], child(path, "profile"), tuple(PROFILES))
        if name is not None:
            base = PROFILES[name]
    overrides: dict[str, Any] = {}
    for key in PARAMETER_NAMES:
        if key not in m:
            continue
        kp = child(path, key)
        if key == "grade_mix":
            g = r.mapping(
                m[key], kp, required=("resell_as_new", "open_box", "refurbish", "liquidate")
            )
            if g is None:
                continue
            shares = {
                k: r.number(g.get(k), child(kp, k), low=0, high=1)
                for k in ("resell_as_new", "open_box", "refurbish", "liquidate")
                if k in g
            }
            if len(shares) == 4 and all(v is not None for v in shares.values()):
                total = sum(v for v in shares.values() if v is not None)
                if abs(total - 1.0) > 1e-6:
                    r.error(kp, f"shares must sum to 1, not {total:g}")
                else:
                    overrides[key] = GradeMix(**{k: float(v or 0.0) for k, v in shares.items()})
        elif key in MONEY_PARAMETERS:
            amount = r.money(m[key], kp)
            if amount is not None:
                overrides[key] = amount
        elif key in RATE_PARAMETERS:
            rate = r.number(m[key], kp, low=0, high=1)
            if rate is not None:
                overrides[key] = rate
        elif key == "value_decay_per_day":
            decay = r.number(m[key], kp, low=0, high=0.1)
            if decay is not None:
                overrides[key] = decay
        elif key == "pipeline_days":
            days = r.integer(m[key], kp, low=0, high=365)
            if days is not None:
                overrides[key] = days
    if is_default and currency != "USD":
        for key in MONEY_PARAMETERS:
            if key not in m:
                r.error(
                    child(path, key),
                    f"required because the policy currency is {currency}: "
                    "the built-in cost defaults are US dollar amounts",
                )
    return with_overrides(base, overrides)


def parse_economics(r: DocumentReader, value: Any, path: str, currency: str) -> EconomicsConfig:
    m = r.mapping(value, path, optional=("defaults", "categories"))
    if m is None:
        return EconomicsConfig()
    base = PROFILES["general"]
    defaults = parse_parameters(
        r, m.get("defaults", {}), child(path, "defaults"), base, currency, is_default=True
    )
    categories: dict[str, EconomicsParameters] = {}
    if "categories" in m:
        cp = child(path, "categories")
        if not isinstance(m["categories"], dict):
            r.error(cp, f"must be a mapping of category names, not {kind_of(m['categories'])}")
        else:
            for name, spec in m["categories"].items():
                key = str(name).strip().lower()
                categories[key] = parse_parameters(
                    r, spec, child(cp, str(name)), defaults, currency, is_default=False
                )
    return EconomicsConfig(defaults, categories)
