"""durable_rules behind a small interface: create a ruleset, match facts, delete it.

Talks to durable_rules' C extension (`durable_rules_engine`, shipped by the pinned
durable-rules 2.0.28) directly instead of through `durable.engine.Host`, because the
Host (a) starts timer threads that call into the engine every 200 ms, which breaks the
one-thread rule below, (b) cannot delete a ruleset, so hot reloads would leak, and
(c) spends ~20 us per fired rule in Python bookkeeping we do not need.

What this module relies on, each covered by tests:
- Not thread-safe: every call must come from the thread that created the engine (the
  service's event-loop thread). `_check_thread` enforces it for a few hundred ns.
- A session (sid) costs one of 1,024 slots per ruleset, and the 1,025th raises
  MemoryError. All matching happens in ONE fixed session per ruleset: each request
  asserts its facts, drains the actions, and retracts the facts, so nothing is left
  behind and no new session is ever opened.
- Facts, not events: an event is consumed by the first rule that takes it, a fact is
  matched by every rule, which is what "report every reason" needs.
- A fact with an id already present is refused (MessageObservedException; result code
  2). Fact ids come from a per-engine counter and are never reused.
- Deleting a session, or a ruleset, while actions are still queued corrupts the heap
  (`free(): invalid pointer`, process abort). Actions are therefore always drained, in a
  `finally`, before the facts are retracted.
- An alternative of an `$or` can fire the same rule twice for one fact; results are
  de-duplicated.
- An `$iany` over an `$or` is built from an uninitialised byte (rete.c gives the `$or`
  node no value type, then checks it), so creating it fails with error 102 whenever the
  heap happened to hold 0x09 or 0x0C there. The compiler writes an `$or` of `$iany`s.
- Assert results: code 0 = handled, 1 = nothing matched (no exception is raised at this
  level; `durable.engine` turns it into MessageNotHandledException), 2 = duplicate.
- Size cliffs of one ruleset: more than 64 children of one node matching the same fact
  fails the assert (error 303); more than ~510 children under one node hangs the
  engine; a chain of ~1,000 comparisons crashes it; a few thousand nodes fail to build
  (error 107). compiler.py shards policies to stay far inside them, and the
  validator bounds what a document may ask for.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from durable import engine as _durable

_native: Any = _durable.durable_rules_engine
NativeError: type[Exception] = _native.error  # what durable_rules raises on a bad ruleset

SESSION_ID = "0"
_FACT_TYPE = "i"  # every fact carries t="i"; every rule tests it, so the session's own
# state record ({"sid", "id", "$s"}) can never match a rule
_MESSAGE = re.compile(r'^\{"([^"]+)":\{"m":\{"id":"(\d+)\.(\d+)"')
_RESULT_DUPLICATE = 2
# One encoder for every request: json.dumps with non-default options builds a new
# JSONEncoder per call, which cost a third of the serialisation here.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class EngineThreadError(RuntimeError):
    """durable_rules was called from a thread other than the one that owns the engine."""


class DurableRulesEngine:
    """Owns this process's durable_rules rulesets. Use it from one thread only."""

    def __init__(self) -> None:
        self._owner = threading.get_ident()
        self._live: dict[int, str] = {}  # handle -> ruleset name
        self._next_fact = 0

    def _check_thread(self) -> None:
        if threading.get_ident() != self._owner:
            raise EngineThreadError(
                "durable_rules is not thread-safe: call the policy engine only from the "
                "thread that created it (the service's event-loop thread)"
            )

    @property
    def live_rulesets(self) -> Mapping[int, str]:
        return dict(self._live)

    def create_ruleset(self, name: str, rules: Mapping[str, Any]) -> int:
        """Builds the ruleset now (durable_rules would otherwise build it on first use)."""
        self._check_thread()
        handle = int(_native.create_ruleset(name, json.dumps(rules, separators=(",", ":"))))
        self._live[handle] = name
        return handle

    def delete_ruleset(self, handle: int) -> None:
        self._check_thread()
        if self._live.pop(handle, None) is not None:
            _native.delete_ruleset(handle)

    def match(self, handle: int, facts: Sequence[Mapping[str, Any]]) -> list[set[str]]:
        """For each fact, the names of the durable rules it matched."""
        self._check_thread()
        if handle not in self._live:
            raise KeyError(f"ruleset {handle} is not live")
        self._next_fact += 1
        prefix = str(self._next_fact)
        ids = [f"{prefix}.{i}" for i in range(len(facts))]
        documents = [
            {"id": fact_id, "sid": SESSION_ID, "t": _FACT_TYPE, **fact}
            for fact_id, fact in zip(ids, facts, strict=True)
        ]
        matched: list[set[str]] = [set() for _ in facts]
        result = _native.assert_facts(handle, _encode(documents))
        try:
            if result[0] == _RESULT_DUPLICATE:
                raise RuntimeError("durable_rules refused a fact id it had already seen")
            self._drain(handle, result[1], prefix, matched)
        finally:
            # Ids are digits and a dot: nothing to escape, so no encoder needed.
            retract = ",".join(f'{{"id":"{i}","sid":"{SESSION_ID}"}}' for i in ids)
            _native.retract_facts(handle, f"[{retract}]")
        return matched

    def _drain(self, handle: int, state: int, prefix: str, matched: list[set[str]]) -> None:
        started = _native.start_action_for_state(handle, state)
        message: str | None = started[1] if started else None
        error: Exception | None = None
        while message:
            if error is None:
                try:
                    self._record(message, prefix, matched)
                except (ValueError, KeyError, IndexError) as exc:
                    error = exc  # keep draining: queued actions must not outlive the facts
            message = _native.complete_and_start_action(handle, state)
        if error is not None:
            raise RuntimeError("unreadable durable_rules action") from error

    @staticmethod
    def _record(message: str, prefix: str, matched: list[set[str]]) -> None:
        found = _MESSAGE.match(message)
        if found is not None:
            rule, batch, position = found.group(1), found.group(2), int(found.group(3))
        else:  # another serialisation than the one measured: parse it properly
            decoded = json.loads(message)
            rule, frame = next(iter(decoded.items()))
            batch, _, index = str(frame["m"]["id"]).partition(".")
            position = int(index)
        if batch == prefix:  # an action of an earlier, interrupted batch is ignored
            matched[position].add(rule)

    def session_facts(self, handle: int) -> list[Any]:
        """Facts left in the fixed session (always [] between requests); for tests."""
        self._check_thread()
        return list(json.loads(_native.get_facts(handle, SESSION_ID)))

    def session_exists(self, handle: int, sid: str) -> bool:
        """Whether durable_rules holds a session `sid` for the ruleset; for tests."""
        self._check_thread()
        try:
            _native.get_state(handle, sid)
        except _native.error:
            return False
        return True

    def close(self) -> None:
        for handle in list(self._live):
            self.delete_ruleset(handle)
