"""Compiles a validated policy into durable_rules ruleset definitions.

Each policy rule becomes one durable rule per alternative of its condition: `any` is
expanded here (disjunctive normal form) because durable_rules handles an `$or` of
`$and`s badly (error 113 from ~30 terms), while flat `$and`s and small `$or`s of plain
tests (from `in` and `contains_any` lists) are cheap. Rule `r12_0` is alternative 0 of
policy rule 12; `w` is the generated return-window rule. Every durable rule also tests
the fact type, so the session's state record never matches.

Durable_rules 2.0.28 builds one node per comparison, chained per rule, and fails when
more than 64 children of one node match the same fact (assert error 303), hangs when one
node has more than ~510 children, crashes on chains of ~1,000 nodes, and refuses
rulesets of a few thousand nodes (error 107). So the alternatives are packed into
shards, each its own ruleset, with budgets well inside those limits; a typical policy is
one shard, and each extra shard costs one more assert per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.returns_decision.core.policy.conditions import (
    alternatives_of,
    branch_values,
    chain_length,
)
from services.returns_decision.core.policy.fields import FIELDS
from services.returns_decision.core.policy.model import (
    WINDOW_RULE_ID,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Policy,
    Scalar,
)

WINDOW_RULE = "w"
_FACT_TEST = {"t": "i"}
_COMPARE = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


SHARD_MAX_RULES = 48  # < 64 children of the fact-type node that can match one fact
SHARD_MAX_BRANCHES = 400  # < ~510 siblings under one node
SHARD_MAX_NODES = 1500  # far below the sizes that fail with error 107


@dataclass(frozen=True, slots=True)
class CompiledRules:
    shards: tuple[dict[str, Any], ...]  # rulesets, as durable_rules' JSON
    owners: dict[str, str]  # durable rule name -> policy rule id
    fields: tuple[str, ...]  # condition fields the facts must carry, sorted


def _leaf(c: Comparison) -> list[dict[str, Any]]:
    """durable_rules tests for one comparison, all of which must hold."""
    key = FIELDS[c.field].fact_key
    value = c.value
    values: tuple[Scalar, ...] = value if isinstance(value, tuple) else (value,)
    if c.op == "eq":
        return [{key: value}]
    if c.op == "ne":
        return [{"$neq": {key: value}}]
    if c.op in _COMPARE:
        return [{_COMPARE[c.op]: {key: value}}]
    if c.op == "in":
        if len(values) == 1:
            return [{key: values[0]}]
        return [{"$or": [{key: v} for v in values]}]
    if c.op == "not_in":
        return [{"$neq": {key: v}} for v in values]
    if c.op == "contains":
        return [{"$iany": {key: {"$i": value}}}]
    if c.op == "contains_any":
        if len(values) == 1:
            return [{"$iany": {key: {"$i": values[0]}}}]
        # Not one $iany over an $or: durable_rules builds that from an uninitialised
        # byte and refuses it at random (error 102), depending on what the heap held.
        return [{"$or": [{"$iany": {key: {"$i": v}}} for v in values]}]
    if c.op == "contains_all":
        return [{"$iany": {key: {"$i": v}}} for v in values]
    if c.op == "contains_none":
        # The fact's list always holds LIST_SENTINEL, so $iall never sees an empty list.
        return [{"$iall": {key: {"$and": [{"$neq": {"$i": v}} for v in values]}}}]
    raise ValueError(f"operator {c.op!r} escaped validation")


def _fields_of(condition: Condition | None, found: set[str]) -> None:
    if isinstance(condition, Comparison):
        found.add(condition.field)
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            _fields_of(part, found)


def compile_policy(policy: Policy) -> CompiledRules:
    window = {"all": [{"m": {"$and": [_FACT_TEST, {"$gt": {"item_days_over_window": 0}}]}}]}
    shards: list[dict[str, Any]] = [{WINDOW_RULE: window}]
    owners = {WINDOW_RULE: WINDOW_RULE_ID}
    fields = {"item.days_over_window"}
    branches, nodes = 0, 2
    for rule in policy.rules:
        _fields_of(rule.when, fields)
        for n, conjunction in enumerate(alternatives_of(rule.when)):
            tests: list[dict[str, Any]] = [_FACT_TEST]
            for comparison in conjunction:
                tests.extend(_leaf(comparison))
            rule_branches = branch_values(conjunction)
            rule_nodes = chain_length(conjunction) + rule_branches + 1
            if (
                len(shards[-1]) >= SHARD_MAX_RULES
                or branches + rule_branches > SHARD_MAX_BRANCHES
                or nodes + rule_nodes > SHARD_MAX_NODES
            ):
                shards.append({})
                branches, nodes = 0, 0
            name = f"r{rule.index}_{n}"
            shards[-1][name] = {"all": [{"m": {"$and": tests}}]}
            owners[name] = rule.id
            branches += rule_branches
            nodes += rule_nodes
    return CompiledRules(tuple(shards), owners, tuple(sorted(fields)))
