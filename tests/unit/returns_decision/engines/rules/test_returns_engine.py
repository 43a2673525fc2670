"""durable_rules semantics the policy engine relies on, checked against the real engine."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from durable import engine as durable_engine

from services.common.paths import REPO_ROOT
from services.returns_decision.core.decide import decide
from services.returns_decision.core.policy.fields import FIELDS
from services.returns_decision.core.policy.validation import parse_policy
from services.returns_decision.engines.rules.compiler import compile_policy
from services.returns_decision.engines.rules.engine import (
    SESSION_ID,
    DurableRulesEngine,
    EngineThreadError,
    NativeError,
)
from tests.unit.returns_decision.returns_builders import (
    dump,
    item,
    policy,
    request,
    risk,
    store_with,
)


def _rule(test: dict[str, Any]) -> dict[str, Any]:
    return {"all": [{"m": {"$and": [{"t": "i"}, test]}}]}


@pytest.fixture
def engine() -> Iterator[DurableRulesEngine]:
    engine = DurableRulesEngine()
    yield engine
    engine.close()


def test_a_fact_is_matched_by_every_rule_not_only_the_first(engine: DurableRulesEngine) -> None:
    handle = engine.create_ruleset(
        "semantics.every-rule",
        {"a": _rule({"$gt": {"p": 1}}), "b": _rule({"$gt": {"p": 2}}), "c": _rule({"p": 9})},
    )
    assert engine.match(handle, [{"p": 5}, {"p": 0}]) == [{"a", "b"}, set()]


def test_an_event_is_consumed_by_the_first_rule_which_is_why_facts_are_used(
    engine: DurableRulesEngine,
) -> None:
    # Straight to the C extension: durable.lang's Host would start timer threads.
    native: Any = durable_engine.durable_rules_engine
    handle = engine.create_ruleset(
        "semantics.events", {"a": _rule({"$gt": {"p": 1}}), "b": _rule({"$gt": {"p": 2}})}
    )
    result = native.assert_event(handle, json.dumps({"id": "e1", "sid": "ev", "t": "i", "p": 5}))
    fired = []
    started = native.start_action_for_state(handle, result[1])
    message = started[1] if started else None
    while message:
        fired.append(message)
        message = native.complete_and_start_action(handle, result[1])
    assert len(fired) == 1  # both conditions hold, one rule took the event
    unmatched = native.assert_event(handle, json.dumps({"id": "e2", "sid": "ev", "t": "i", "p": 0}))
    assert unmatched[0] == 1  # "not handled": durable.engine raises MessageNotHandledException
    native.delete_state(handle, "ev")


def test_an_identical_fact_id_is_refused(engine: DurableRulesEngine) -> None:
    native: Any = durable_engine.durable_rules_engine
    handle = engine.create_ruleset("semantics.duplicate", {"a": _rule({"p": 1})})
    fact = json.dumps({"id": "f1", "sid": "dup", "t": "i", "p": 1})
    first = native.assert_fact(handle, fact)
    native.start_action_for_state(handle, first[1])
    assert native.complete_and_start_action(handle, first[1]) is None
    assert native.assert_fact(handle, fact)[0] == 2  # MessageObservedException in durable.engine
    native.delete_state(handle, "dup")


def test_a_missing_field_never_matches_not_even_ne(engine: DurableRulesEngine) -> None:
    handle = engine.create_ruleset(
        "semantics.missing",
        {"ne": _rule({"$neq": {"x": "a"}}), "lt": _rule({"$lt": {"n": 3}})},
    )
    assert engine.match(handle, [{}]) == [set()]
    assert engine.match(handle, [{"x": "b", "n": 1}]) == [{"ne", "lt"}]


def test_contains_none_needs_the_list_sentinel(engine: DurableRulesEngine) -> None:
    none_ab = _rule({"$iall": {"tags": {"$and": [{"$neq": {"$i": "a"}}, {"$neq": {"$i": "b"}}]}}})
    handle = engine.create_ruleset("semantics.iall", {"none": none_ab})
    assert engine.match(handle, [{"tags": []}]) == [set()]  # durable_rules: false on []
    assert engine.match(handle, [{"tags": [""]}]) == [{"none"}]  # with the sentinel: true
    assert engine.match(handle, [{"tags": ["", "a"]}]) == [set()]


def _dirty_heap() -> None:
    """Leaves freed heap chunks full of 0x09, the byte durable_rules' C code reads as
    "identifier" when it finds it in a node's uninitialised value type."""
    junk = [bytearray(b"\x09" * (64 * (1 + n % 64))) for n in range(2_000)]
    del junk


def test_an_iany_over_an_or_fails_to_build_on_a_dirty_heap(engine: DurableRulesEngine) -> None:
    # Why contains_any does not compile to this form: its build depends on heap garbage.
    iany_over_or = _rule({"$iany": {"tags": {"$or": [{"$i": "a"}, {"$i": "b"}]}}})
    refused = []
    for n in range(20):
        _dirty_heap()
        try:
            engine.delete_ruleset(
                engine.create_ruleset(f"semantics.iany-or.{n}", {"r": iany_over_or})
            )
        except NativeError as exc:
            refused.append(str(exc))
    assert refused, "durable_rules built it every time: the compiler's workaround may go"
    assert all("error code: 102" in message for message in refused)


def test_contains_any_builds_on_a_dirty_heap_and_matches_any_value(
    engine: DurableRulesEngine,
) -> None:
    rule = {
        "id": "engraved",
        "when": {"item.tags": {"contains_any": ["a", "b", "c"]}},
        "then": {"outcome": "DENY", "reason": "PERSONALIZED_ITEM"},
    }
    parsed, _ = parse_policy(dump(policy(extra_rules=[rule])))
    compiled = compile_policy(parsed)
    (name,) = [n for n, owner in compiled.owners.items() if owner == "engraved"]
    (shard,) = [s for s in compiled.shards if name in s]
    for n in range(20):
        _dirty_heap()
        engine.delete_ruleset(engine.create_ruleset(f"semantics.contains-any.{n}", shard))
    handle = engine.create_ruleset("semantics.contains-any", {name: shard[name]})
    key = FIELDS["item.tags"].fact_key
    facts = [{key: tags} for tags in (["", "b"], ["", "c", "x"], ["", "x"])]
    assert engine.match(handle, facts) == [{name}, {name}, set()]


def test_nothing_matched_is_an_empty_result_and_leaves_nothing_behind(
    engine: DurableRulesEngine,
) -> None:
    handle = engine.create_ruleset("semantics.nothing", {"a": _rule({"p": 1})})
    assert engine.match(handle, [{"p": 2}, {"p": 3}]) == [set(), set()]
    assert engine.session_facts(handle) == []


def test_facts_are_retracted_and_no_session_is_opened_per_request(
    engine: DurableRulesEngine,
) -> None:
    handle = engine.create_ruleset("semantics.sessions", {"a": _rule({"$gte": {"p": 0}})})
    for n in range(1_100):  # past durable_rules' 1,024 sessions per ruleset
        assert engine.match(handle, [{"p": n}]) == [{"a"}]
    assert engine.session_facts(handle) == []
    assert engine.session_exists(handle, SESSION_ID)
    assert not engine.session_exists(handle, "1")


def test_the_engine_refuses_other_threads(engine: DurableRulesEngine) -> None:
    handle = engine.create_ruleset("semantics.thread", {"a": _rule({"p": 1})})
    errors: list[BaseException] = []

    def call() -> None:
        try:
            engine.match(handle, [{"p": 1}])
        except EngineThreadError as exc:
            errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    worker.join()
    assert len(errors) == 1
    assert engine.match(handle, [{"p": 1}]) == [{"a"}]  # the owner thread still works


def test_deleted_rulesets_are_gone(engine: DurableRulesEngine) -> None:
    handle = engine.create_ruleset("semantics.delete", {"a": _rule({"p": 1})})
    engine.match(handle, [{"p": 1}])
    engine.delete_ruleset(handle)
    assert handle not in engine.live_rulesets
    with pytest.raises(KeyError):
        engine.match(handle, [{"p": 1}])


def test_2000_decisions_leave_no_session_or_fact_behind(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            {
                "id": "restock",
                "when": {"item.category": "shoes"},
                "then": {"restocking_fee_percent": 10, "reason": "RESTOCKING_FEE"},
            },
            {
                "id": "review",
                "when": {"risk.fraud_band": "HIGH"},
                "then": {"outcome": "MANUAL_REVIEW", "reason": "HIGH_FRAUD_RISK"},
            },
        ]
    )
    with store_with(tmp_path, doc) as store:
        compiled = store.get("t1")
        (handle,) = compiled.ruleset_handles
        lines = (item("L1", category="shoes"), item("L2"), item("L3", price=999))
        for n in range(2_100):
            decision = decide(request(*lines, request_id=f"r{n}"), risk(), store=store)
            assert len(decision.items) == 3
        assert store.engine.session_facts(handle) == []
        assert not store.engine.session_exists(handle, "1")
        assert list(store.engine.live_rulesets) == [handle]


def test_policies_at_the_validation_limits_compile_and_evaluate(tmp_path: Path) -> None:
    # A subprocess: were a limit wrong, durable_rules could hang or crash the interpreter.
    probe = "tests.unit.returns_decision.engines.rules.returns_limits_probe"
    done = subprocess.run(
        [sys.executable, "-m", probe, str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    shards = {line.split()[0]: int(line.split()[1]) for line in done.stdout.splitlines()}
    assert shards["fan"] >= 3  # 100 rules that all match: packed into several rulesets
    assert shards["wide"] >= 3
    assert shards["wide-tags"] >= 3
