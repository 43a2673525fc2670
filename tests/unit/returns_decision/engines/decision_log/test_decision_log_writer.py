"""The decision log's writer: rows and schema, rotation by size and day, the bounded queue,
flushes on the timer and at close, and outcomes merged field by field."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from bench.returns_samples import item, request
from services.returns_decision import converters
from services.returns_decision.core.outcomes import Disposition, ReturnOutcome
from services.returns_decision.core.requests import ItemCondition
from services.returns_decision.core.returns import ReturnsCore
from services.returns_decision.engines.decision_log.schema import (
    DECISION_SCHEMA,
    INPUT_COLUMNS,
    OUTCOME_COLUMNS,
    SCHEMA_METADATA_KEY,
    SCHEMA_VERSION,
    part_files,
)
from services.returns_decision.engines.decision_log.writer import DecisionLogWriter, LogCounters
from services.returns_decision.engines.risk.features import RiskInput, build_features
from services.returns_decision.engines.risk.request_inputs import risk_inputs
from services.returns_decision.engines.risk.scorer import ReturnRiskScorer
from services.returns_decision.engines.rules.store import PolicyStore
from tests.unit.returns_decision.returns_builders import POLICIES

PERSONAL = "jane.doe@example.com lives at 12 Baker Street"


@dataclasses.dataclass
class Counts:
    written: int = 0
    dropped: int = 0
    errors: int = 0

    def counters(self) -> LogCounters:
        def written(n: int) -> None:
            self.written += n

        def dropped() -> None:
            self.dropped += 1

        def errors() -> None:
            self.errors += 1

        return LogCounters(written=written, dropped=dropped, errors=errors)


@pytest.fixture(scope="module")
def store() -> Iterator[PolicyStore]:
    policies = PolicyStore(POLICIES)
    policies.reload()
    yield policies
    policies.close()


@pytest.fixture(scope="module")
def scorer(returns_model_registry: Path) -> ReturnRiskScorer:
    risk = ReturnRiskScorer(returns_model_registry)
    risk.load()
    return risk


def _core(store: PolicyStore, scorer: ReturnRiskScorer, writer: DecisionLogWriter) -> ReturnsCore:
    return ReturnsCore(store, scorer, decision_log=writer)


def _decide(core: ReturnsCore, n: int, lines: int = 1) -> None:
    for i in range(n):
        items = [item(f"L{j}", reason_text=PERSONAL) for j in range(lines)]
        core.decide(
            converters.return_request(request(*items, request_id=f"req-{i}")), validated=True
        )


def test_rows_hold_the_scored_inputs_features_and_scores_and_no_personal_data(
    tmp_path: Path, store: PolicyStore, scorer: ReturnRiskScorer
) -> None:
    counts = Counts()
    writer = DecisionLogWriter(tmp_path, flush_seconds=3600, counters=counts.counters())
    writer.start()
    message = request(item("L0", reason_text=PERSONAL), item("L1", category="electronics"))
    message.customer.email_sha256 = "ab" * 32
    domain = converters.return_request(message)
    result = _core(store, scorer, writer).decide(domain, validated=True)
    asyncio.run(writer.close())

    (path,) = part_files(tmp_path)
    assert path.parent.name == f"date={datetime.now(UTC).date().isoformat()}"
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == DECISION_SCHEMA.remove_metadata()
    assert table.schema.metadata[SCHEMA_METADATA_KEY] == SCHEMA_VERSION.encode()
    rows = table.to_pylist()
    assert [r["line_item_id"] for r in rows] == ["L0", "L1"]
    assert counts.written == 1
    assert counts.errors == 0
    expected_inputs = risk_inputs(domain, result.evaluated_at)
    for row, expected in zip(rows, expected_inputs, strict=True):
        logged = RiskInput(**{name: row[name] for name in INPUT_COLUMNS})
        assert logged == expected
        assert row["features"] == pytest.approx(build_features(expected), nan_ok=True)
        assert row["request_id"] == "req-1"
        assert row["tenant_id"] == domain.tenant_id
        assert row["request_outcome"] == result.decision.outcome.value
        assert row["policy_hash"] == result.decision.policy.content_hash
    scores = scorer.assess_items(domain, result.evaluated_at, top_k=0)
    assert [r["fraud_score"] for r in rows] == [s.fraud.probability for s in scores]
    assert [r["fraud_raw_score"] for r in rows] == [s.fraud.raw_probability for s in scores]
    assert [r["wardrobing_band"] for r in rows] == [s.wardrobing.band.value for s in scores]
    assert rows[0]["fraud_model_version"] == scorer.versions["returns_fraud"]
    assert result.fraud is not None
    assert max(r["fraud_score"] for r in rows) == result.fraud.probability
    text = str(rows)
    assert "jane.doe" not in text
    assert "Baker" not in text
    assert "ab" * 32 not in text


def test_files_rotate_by_record_count_and_by_day(
    tmp_path: Path, store: PolicyStore, scorer: ReturnRiskScorer
) -> None:
    writer = DecisionLogWriter(tmp_path / "size", flush_seconds=3600, max_file_records=2)
    writer.start()
    _decide(_core(store, scorer, writer), 5)
    asyncio.run(writer.close())
    assert [pq.read_metadata(p).num_rows for p in part_files(tmp_path / "size")] == [2, 2, 1]

    moments = iter(
        [datetime(2026, 3, 1, 23, 59, tzinfo=UTC), datetime(2026, 3, 2, 0, 1, tzinfo=UTC)]
    )
    writer = DecisionLogWriter(
        tmp_path / "day", flush_seconds=3600, clock=lambda: next(moments).timestamp()
    )
    writer.start()
    _decide(_core(store, scorer, writer), 2)
    asyncio.run(writer.close())
    files = part_files(tmp_path / "day")
    assert [p.parent.name for p in files] == ["date=2026-03-01", "date=2026-03-02"]


def test_a_full_queue_drops_and_counts_without_blocking(
    tmp_path: Path, store: PolicyStore, scorer: ReturnRiskScorer
) -> None:
    counts = Counts()
    writer = DecisionLogWriter(tmp_path, queue_size=3, counters=counts.counters())
    core = _core(store, scorer, writer)
    started = time.perf_counter()
    _decide(core, 5)  # the thread is not running yet: nothing leaves the queue
    assert time.perf_counter() - started < 5
    assert counts.dropped == 2
    writer.start()
    asyncio.run(writer.close())
    assert counts.written == 3
    assert sum(pq.read_metadata(p).num_rows for p in part_files(tmp_path)) == 3


def test_buffered_rows_are_written_on_the_timer(
    tmp_path: Path, store: PolicyStore, scorer: ReturnRiskScorer
) -> None:
    writer = DecisionLogWriter(tmp_path, flush_seconds=0.05)
    writer.start()
    _decide(_core(store, scorer, writer), 1)
    deadline = time.monotonic() + 10
    while not part_files(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(part_files(tmp_path)) == 1
    asyncio.run(writer.close())


def test_outcomes_merge_field_by_field_for_logged_lines_only(
    tmp_path: Path, store: PolicyStore, scorer: ReturnRiskScorer
) -> None:
    writer = DecisionLogWriter(tmp_path, flush_seconds=3600)
    writer.start()
    _decide(_core(store, scorer, writer), 1)
    tenant = "northwind-apparel"

    async def send(*outcomes: ReturnOutcome, tenant_id: str = tenant) -> list[ReturnOutcome | None]:
        return await writer.record_outcomes(tenant_id, outcomes)

    first = asyncio.run(send(ReturnOutcome("req-0", "L0", received=True)))
    assert first == [ReturnOutcome("req-0", "L0", received=True)]
    later = ReturnOutcome(
        "req-0",
        "L0",
        inspected_condition=ItemCondition.USED,
        disposition=Disposition.LIQUIDATED,
        wardrobing_confirmed=True,
        received=False,
    )
    unknown = ReturnOutcome("req-404", "L0", received=True)
    other_line = ReturnOutcome("req-0", "L9", received=True)
    assert asyncio.run(send(later, unknown, other_line)) == [later, None, None]
    cleared = ReturnOutcome("req-0", "L0", wardrobing_confirmed=False)
    assert asyncio.run(send(cleared)) == [dataclasses.replace(later, wardrobing_confirmed=False)]
    assert asyncio.run(send(first[0] or unknown, tenant_id="another-tenant")) == [None]
    asyncio.run(writer.close())


def test_the_index_stores_every_outcome_field() -> None:
    names = tuple(f.name for f in dataclasses.fields(ReturnOutcome))
    assert names[2:] == OUTCOME_COLUMNS
