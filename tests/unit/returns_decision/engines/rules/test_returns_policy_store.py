"""The policy store: loading a directory, versions, hot reload, broken files, cleanup."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.returns_decision.core.decide import decide
from services.returns_decision.core.decisions import Outcome
from services.returns_decision.core.policy.errors import PolicyInvalid, PolicyNotFound
from services.returns_decision.engines.rules.store import PolicyStore
from tests.unit.returns_decision.returns_builders import (
    POLICIES,
    dump,
    policy,
    request,
    risk,
    write_policy,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PolicyStore]:
    write_policy(tmp_path, policy())
    store = PolicyStore.open(tmp_path)
    yield store
    store.close()


def test_loads_every_policy_of_a_directory_with_rulesets_built(tmp_path: Path) -> None:
    for path in POLICIES.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "notes.txt").write_text("not a policy")
    store = PolicyStore.open(tmp_path)
    try:
        assert sorted(store.versions()) == ["northwind-apparel", "volt-electronics"]
        assert store.problems == ()
        assert len(store.engine.live_rulesets) == 2  # built at load, not on first use
        version = store.versions()["northwind-apparel"]
        assert version.label == "2025.2 spring"
        assert version.content_hash.startswith("sha256:")
    finally:
        store.close()
    assert store.engine.live_rulesets == {}


def test_unknown_tenant_is_policy_not_found(store: PolicyStore) -> None:
    with pytest.raises(PolicyNotFound):
        store.get("nobody")


def test_hot_reload_serves_the_new_version(tmp_path: Path, store: PolicyStore) -> None:
    before = decide(request(delivered_days_ago=40), risk(), store=store)
    assert before.outcome is Outcome.DENY
    write_policy(tmp_path, policy(label="v2", return_window={"days": 60}))
    report = store.reload()
    assert [v.label for v in report.loaded] == ["v2"]
    assert report.ok
    after = decide(request(delivered_days_ago=40), risk(), store=store)
    assert after.outcome is Outcome.APPROVE_RETURN
    assert after.policy.label == "v2"
    assert after.policy.content_hash != before.policy.content_hash


def test_unchanged_files_are_not_recompiled(store: PolicyStore) -> None:
    handles = store.get("t1").ruleset_handles
    report = store.reload()
    assert report.loaded == ()
    assert [v.tenant_id for v in report.unchanged] == ["t1"]
    assert store.get("t1").ruleset_handles == handles


def test_a_broken_file_leaves_the_old_version_and_is_reported(
    tmp_path: Path, store: PolicyStore
) -> None:
    old = store.get("t1").version
    (tmp_path / "t1.yaml").write_text(dump(policy(label="v2")).replace("days: 30", "days: thirty"))
    report = store.reload()
    assert not report.ok
    (problem,) = report.failed
    assert problem.path.endswith("t1.yaml")
    assert [e.path for e in problem.errors] == ["return_window.days"]
    assert problem.serving == old
    assert store.problems == report.failed
    assert store.get("t1").version == old
    assert decide(request(), risk(), store=store).policy == old
    # Fixing the file brings the new version in and clears the problem.
    write_policy(tmp_path, policy(label="v3"))
    assert store.reload().ok
    assert store.get("t1").version.label == "v3"
    assert store.problems == ()


def test_a_policy_the_engine_rejects_is_reported_like_any_broken_file(
    tmp_path: Path, store: PolicyStore
) -> None:
    (tmp_path / "t1.yaml").write_bytes(b"\xff\xfe not utf-8")
    report = store.reload()
    assert report.failed[0].errors[0].message == "not UTF-8 text"
    assert store.get("t1").version.label == "v1"


def test_removed_files_unload_their_tenant_and_new_files_load(
    tmp_path: Path, store: PolicyStore
) -> None:
    write_policy(tmp_path, policy(tenant="t2"))
    assert [v.tenant_id for v in store.reload().loaded] == ["t2"]
    (tmp_path / "t1.yaml").unlink()
    report = store.reload()
    assert report.removed == ("t1",)
    with pytest.raises(PolicyNotFound):
        store.get("t1")
    assert len(store.engine.live_rulesets) == 1


def test_two_files_for_one_tenant_first_in_name_order_wins(
    tmp_path: Path, store: PolicyStore
) -> None:
    write_policy(tmp_path, policy(label="copy"), name="u-copy.yaml")
    report = store.reload()
    assert [p.path.endswith("u-copy.yaml") for p in report.failed] == [True]
    assert "already defined in t1.yaml" in report.failed[0].errors[0].message
    assert store.get("t1").version.label == "v1"


def test_an_unreadable_directory_changes_nothing(tmp_path: Path, store: PolicyStore) -> None:
    store.directory = tmp_path / "gone"
    report = store.reload()
    assert "cannot list the directory" in report.failed[0].errors[0].message
    assert store.get("t1").version.label == "v1"


def test_reloads_do_not_leak_rulesets(tmp_path: Path, store: PolicyStore) -> None:
    names = set()
    for n in range(30):
        write_policy(tmp_path, policy(label=f"v{n}", return_window={"days": 30 + n}))
        store.reload()
        names.add(store.get("t1").ruleset_name)
        assert len(store.engine.live_rulesets) == 1
        decide(request(request_id=f"r{n}"), risk(), store=store)
    assert len(names) == 30  # every version got its own ruleset name


def test_a_closed_policy_refuses_to_match(tmp_path: Path, store: PolicyStore) -> None:
    compiled = store.get("t1")
    write_policy(tmp_path, policy(label="v2"))
    store.reload()
    assert compiled.closed
    with pytest.raises(RuntimeError):
        compiled.match([])


def test_candidate_policies_live_only_inside_the_block(store: PolicyStore) -> None:
    with store.candidate(dump(policy(label="cand"))) as candidate:
        assert len(store.engine.live_rulesets) == 2
        assert candidate.version.label == "cand"
    assert candidate.closed
    assert len(store.engine.live_rulesets) == 1
    with pytest.raises(PolicyInvalid), store.candidate("schema_version: 1\n"):
        pass
