"""A policy loaded into durable_rules: which rules each returned line matches."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from services.returns_decision.core.decisions import PolicyVersion
from services.returns_decision.core.policy.context import ItemContext
from services.returns_decision.core.policy.errors import PolicyError, PolicyInvalid
from services.returns_decision.core.policy.fields import FIELDS, FactValue
from services.returns_decision.core.policy.model import Policy
from services.returns_decision.engines.rules.compiler import compile_policy
from services.returns_decision.engines.rules.engine import DurableRulesEngine, NativeError

_generation = itertools.count(1)


class CompiledPolicy:
    """One policy version's rulesets (one per shard). Created and used on the engine's
    thread; `close()` deletes them, after which `match` refuses to run."""

    def __init__(self, policy: Policy, version: PolicyVersion, engine: DurableRulesEngine) -> None:
        self.policy = policy
        self.version = version
        self._engine = engine
        compiled = compile_policy(policy)
        self._owners = compiled.owners
        self._getters = [(FIELDS[name].fact_key, FIELDS[name].get) for name in compiled.fields]
        self._order = {rule.id: rule.index for rule in policy.rules}
        # Ruleset names never repeat in a process: tenant, content hash, generation.
        digest = version.content_hash.removeprefix("sha256:")[:12]
        self.ruleset_name = f"returns.{version.tenant_id}.{digest}.{next(_generation)}"
        self._handles: tuple[int, ...] = ()
        try:
            for n, shard in enumerate(compiled.shards):
                name = self.ruleset_name if n == 0 else f"{self.ruleset_name}.{n}"
                self._handles += (engine.create_ruleset(name, shard),)
        except NativeError as exc:
            self.close()
            raise PolicyInvalid(
                [PolicyError("rules", f"the rules engine rejected the policy ({exc})")]
            ) from exc

    @property
    def closed(self) -> bool:
        return not self._handles

    @property
    def ruleset_handles(self) -> tuple[int, ...]:
        """One durable_rules ruleset per shard (see engines/rules/compiler.py)."""
        return self._handles

    def facts(self, contexts: Sequence[ItemContext]) -> list[dict[str, FactValue]]:
        facts = []
        for context in contexts:
            fact: dict[str, FactValue] = {}
            for key, get in self._getters:
                value = get(context)
                if value is not None:
                    fact[key] = value
            facts.append(fact)
        return facts

    def match(self, contexts: Sequence[ItemContext]) -> list[tuple[str, ...]]:
        """For each line, the ids of the rules it matched ("return_window" first when the
        line is past its window, then policy rules in document order)."""
        if not self._handles:
            raise RuntimeError(f"policy {self.ruleset_name} was unloaded")
        facts = self.facts(contexts)
        matched = self._engine.match(self._handles[0], facts)
        for handle in self._handles[1:]:
            for names, more in zip(matched, self._engine.match(handle, facts), strict=True):
                names |= more
        order = self._order
        return [
            tuple(sorted({self._owners[name] for name in names}, key=lambda i: order.get(i, -1)))
            for names in matched
        ]

    def close(self) -> None:
        handles, self._handles = self._handles, ()
        for handle in handles:
            self._engine.delete_ruleset(handle)
