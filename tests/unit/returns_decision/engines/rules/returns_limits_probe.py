"""Run in a subprocess by test_returns_engine: policies at the validation limits must
compile and evaluate. Prints `shape shards matched` per policy; exits non-zero (or hangs,
or crashes: hence the subprocess) if a limit is wrong."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from services.returns_decision.core.decide import decide
from services.returns_decision.core.policy.validation import validate_policy
from tests.unit.returns_decision.returns_builders import (
    dump,
    item,
    policy,
    request,
    risk,
    store_with,
)


def _rule(rule_id: str, when: dict[str, Any]) -> dict[str, Any]:
    return {"id": rule_id, "when": when, "then": {"reason": "POLICY_REVIEW"}}


def _split(n: int) -> dict[str, Any]:
    alternatives: list[dict[str, Any]] = [{"item.sku": f"X{k}"} for k in range(15)]
    return _rule(f"s{n}", {"any": [*alternatives, {"item.category": "tops"}]})


TAGS = ("summer", *(f"t{v}" for v in range(49)))
SHAPES: dict[str, list[dict[str, Any]]] = {
    # 19 lists of 50 distinct categories, all holding "tops": 950 sibling nodes
    "wide": [
        _rule(f"w{n}", {"item.category": {"in": [*(f"c{n}-{v}" for v in range(49)), "tops"]}})
        for n in range(19)
    ],
    # the same through contains_any: 19 lists of 50 tags, all holding "summer"
    "wide-tags": [
        _rule(
            f"g{n}", {"item.tags": {"contains_any": [*(f"g{n}-{v}" for v in range(49)), "summer"]}}
        )
        for n in range(19)
    ],
    # 18 rules of 16 alternatives (289 durable rules), many matching at once
    "split": [_split(n) for n in range(18)],
    # 99 rules that all match: far past 64 matching children of one node
    "fan": [_rule(f"f{n}", {"item.sku": {"ne": f"other-{n}"}}) for n in range(99)],
    # one alternative chaining 100 comparisons
    "chain": [
        _rule(
            "c",
            {
                "item.sku": {"not_in": [f"a{v}" for v in range(50)]},
                "item.tags": {"contains_all": list(TAGS)},
            },
        )
    ],
}


def main(directory: Path) -> None:
    for name, rules in SHAPES.items():
        doc = policy(tenant=name, extra_rules=rules)
        result = validate_policy(dump(doc))
        assert result.valid, (name, result.errors[:3])
        (directory / name).mkdir()
        with store_with(directory / name, doc) as store:
            req = request(item("L1", tags=TAGS), item("L2", sku="X0"), item("L3"), tenant=name)
            matched = len(decide(req, risk(), store=store).items[0].matched_rule_ids)
            print(name, len(store.get(name).ruleset_handles), matched)
            assert matched == 1 + len(rules), (name, matched)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
