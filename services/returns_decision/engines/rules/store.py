"""The policy store: one YAML document per tenant in a directory, compiled, versioned and
hot-reloadable.

- Load and reload read every `*.yaml` / `*.yml` file in the directory (not recursive),
  in name order. An unchanged file (same SHA-256) is not recompiled.
- A file that does not parse, validate or compile never replaces a working policy: the
  tenant keeps being served by the version it had, and the file's errors are reported
  (`ReloadReport.failed`, `PolicyStore.problems`).
- Two files naming the same tenant: the first in name order wins, the other is reported.
- A file that disappears unloads its tenant (calls then get PolicyNotFound).
- If the directory cannot be listed, nothing changes and the failure is reported.

Threading: rulesets are created and deleted by `reload`, so `open`, `reload`, `get`,
`candidate` and `close` must all run on the engine's thread (the event-loop thread). A
decision runs synchronously between two reloads, so swapping the active map is atomic
for callers and no call is dropped.

Ruleset lifetime: a version's ruleset is deleted (durable_rules `delete_ruleset`) as soon
as a reload stops serving it, so live rulesets = tenants served (+ candidates while a
simulation runs). Names are `returns.<tenant>.<hash12>.<generation>` and never repeat in
a process, so a reload can never collide with a version still being torn down.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.returns_decision.core.decisions import PolicyVersion
from services.returns_decision.core.policy.errors import PolicyError, PolicyInvalid, PolicyNotFound
from services.returns_decision.core.policy.validation import content_hash, validate_policy
from services.returns_decision.engines.rules.compiled import CompiledPolicy
from services.returns_decision.engines.rules.engine import DurableRulesEngine

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class FileProblem:
    path: str
    errors: tuple[PolicyError, ...]
    serving: PolicyVersion | None  # the version still served for this file's tenant, if any


@dataclass(frozen=True, slots=True)
class ReloadReport:
    loaded: tuple[PolicyVersion, ...]  # new or changed versions now served
    unchanged: tuple[PolicyVersion, ...]
    removed: tuple[str, ...]  # tenants no longer served
    failed: tuple[FileProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True, slots=True)
class _Entry:
    path: Path
    digest: str
    compiled: CompiledPolicy


class PolicyStore:
    def __init__(self, directory: Path | str, *, engine: DurableRulesEngine | None = None) -> None:
        self.directory = Path(directory)
        self.engine = engine if engine is not None else DurableRulesEngine()
        self._active: dict[str, _Entry] = {}
        self._problems: tuple[FileProblem, ...] = ()

    @classmethod
    def open(
        cls, directory: Path | str, *, engine: DurableRulesEngine | None = None
    ) -> PolicyStore:
        """A store with every policy of `directory` loaded and its rulesets built now."""
        store = cls(directory, engine=engine)
        store.reload()
        return store

    def get(self, tenant_id: str) -> CompiledPolicy:
        entry = self._active.get(tenant_id)
        if entry is None:
            raise PolicyNotFound(tenant_id)
        return entry.compiled

    def versions(self) -> dict[str, PolicyVersion]:
        return {tenant: entry.compiled.version for tenant, entry in sorted(self._active.items())}

    @property
    def problems(self) -> tuple[FileProblem, ...]:
        """Files the last reload could not use."""
        return self._problems

    def reload(self) -> ReloadReport:
        try:
            files = sorted(
                p for p in self.directory.iterdir() if p.suffix in POLICY_SUFFIXES and p.is_file()
            )
        except OSError as exc:
            problem = FileProblem(
                str(self.directory),
                (PolicyError("", f"cannot list the directory: {exc.strerror}"),),
                None,
            )
            self._problems = (problem,)
            return ReloadReport((), (), (), (problem,))

        by_path = {entry.path: tenant for tenant, entry in self._active.items()}
        new: dict[str, _Entry] = {}
        loaded: list[PolicyVersion] = []
        unchanged: list[PolicyVersion] = []
        failed: list[FileProblem] = []
        created: list[CompiledPolicy] = []

        def keep_old(path: Path, errors: tuple[PolicyError, ...]) -> None:
            tenant = by_path.get(path)
            old = self._active.get(tenant) if tenant is not None else None
            if old is not None and tenant not in new:
                new[old.compiled.version.tenant_id] = old
            failed.append(FileProblem(str(path), errors, old.compiled.version if old else None))

        try:
            for path in files:
                try:
                    raw = path.read_bytes()
                except OSError as exc:
                    keep_old(path, (PolicyError("", f"cannot read the file: {exc.strerror}"),))
                    continue
                digest = content_hash(raw)
                tenant = by_path.get(path)
                old = self._active.get(tenant) if tenant is not None else None
                if old is not None and old.digest == digest and tenant not in new:
                    new[old.compiled.version.tenant_id] = old
                    unchanged.append(old.compiled.version)
                    continue
                result = validate_policy(raw)
                if result.policy is None or result.version is None:
                    keep_old(path, result.errors)
                    continue
                if result.policy.tenant_id in new:
                    other = new[result.policy.tenant_id].path.name
                    error = PolicyError(
                        "tenant",
                        f"tenant {result.policy.tenant_id!r} is already defined in {other}",
                    )
                    keep_old(path, (error,))
                    continue
                try:
                    compiled = CompiledPolicy(result.policy, result.version, self.engine)
                except PolicyInvalid as exc:
                    keep_old(path, exc.errors)
                    continue
                created.append(compiled)
                new[result.policy.tenant_id] = _Entry(path, digest, compiled)
                loaded.append(result.version)
        except BaseException:
            for compiled in created:
                compiled.close()
            raise

        previous, self._active = self._active, new
        kept = {id(entry) for entry in new.values()}
        removed = []
        for tenant, entry in previous.items():
            if id(entry) not in kept:
                entry.compiled.close()
                if tenant not in new:
                    removed.append(tenant)
        self._problems = tuple(failed)
        return ReloadReport(tuple(loaded), tuple(unchanged), tuple(sorted(removed)), tuple(failed))

    @contextlib.contextmanager
    def candidate(self, document: str | bytes) -> Iterator[CompiledPolicy]:
        """A policy compiled only for the duration of the block (simulations); its
        ruleset is deleted on exit. Raises PolicyInvalid with every error."""
        result = validate_policy(document)
        if result.policy is None or result.version is None:
            raise PolicyInvalid(result.errors)
        compiled = CompiledPolicy(result.policy, result.version, self.engine)
        try:
            yield compiled
        finally:
            compiled.close()

    def close(self) -> None:
        for entry in self._active.values():
            entry.compiled.close()
        self._active = {}
