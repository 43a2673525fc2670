"""`python -m models dataset --from-decisions`: a decision log written by the service's own
writer, outcomes recorded through it, joined into a training table with the stated labels,
the maturity cut-off and a report of what was dropped; the table loads and trains."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from bench.returns_samples import APPAREL, item, request
from models.returns import dataset
from models.returns.cli import main
from models.returns.decisions import report_path
from models.returns.train import TrainConfig, train
from services.returns_decision import converters
from services.returns_decision.core.outcomes import ReturnOutcome
from services.returns_decision.core.requests import ItemCondition
from services.returns_decision.core.returns import ReturnsCore
from services.returns_decision.engines.decision_log.writer import DecisionLogWriter
from services.returns_decision.engines.risk.scorer import ReturnRiskScorer
from services.returns_decision.engines.rules.store import PolicyStore
from services.returns_decision.settings import ReturnsSettings

AS_OF = date(2026, 6, 30)
MATURE = datetime(2026, 4, 1, 12, tzinfo=UTC)  # 90 days before AS_OF
YOUNG = datetime(2026, 6, 25, 12, tzinfo=UTC)
LABELLED = 160  # mature lines with both labels known


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory, returns_model_registry: Path) -> Path:
    directory = tmp_path_factory.mktemp("decision-log")
    now = [MATURE.timestamp()]
    writer = DecisionLogWriter(directory, flush_seconds=3600, clock=lambda: now[0])
    writer.start()
    store = PolicyStore(ReturnsSettings().policies_dir)
    store.reload()
    scorer = ReturnRiskScorer(returns_model_registry)
    scorer.load()
    core = ReturnsCore(store, scorer, decision_log=writer)
    unscored = ReturnsCore(store, None, decision_log=writer)

    def decide(request_id: str, when: datetime, on: ReturnsCore = core) -> None:
        now[0] = when.timestamp()
        message = request(item("L1"), request_id=request_id)
        on.decide(converters.return_request(message), validated=True)

    outcomes = []
    for i in range(LABELLED):
        decide(f"m-{i}", MATURE)
        if i % 2 == 0:  # fraud confirmed, wardrobing confirmed on every fourth
            outcomes.append(
                ReturnOutcome(f"m-{i}", "L1", fraud_confirmed=True, wardrobing_confirmed=i % 4 == 0)
            )
        else:  # came back, inspected: neither
            outcomes.append(
                ReturnOutcome(f"m-{i}", "L1", received=True, inspected_condition=ItemCondition.USED)
            )
    decide("never-came-back", MATURE)  # not received though labelled: fraud
    outcomes.append(
        ReturnOutcome("never-came-back", "L1", received=False, wardrobing_confirmed=False)
    )
    decide("no-news", MATURE)  # mature, nothing known
    decide("charged-back-young", YOUNG)  # a positive before maturity; wardrobing unknown
    outcomes.append(ReturnOutcome("charged-back-young", "L1", charged_back=True))
    decide("young-no-news", YOUNG)
    decide("received-young", YOUNG)  # received, but too young to be a negative
    outcomes.append(ReturnOutcome("received-young", "L1", received=True))
    decide("retried", MATURE - timedelta(days=1))
    decide("retried", MATURE)
    outcomes.append(ReturnOutcome("retried", "L1", received=True, wardrobing_confirmed=False))
    decide("future", datetime(2026, 7, 2, tzinfo=UTC))
    decide("unscored", MATURE, on=unscored)
    outcomes.append(ReturnOutcome("unscored", "L1", fraud_confirmed=True))

    stored = asyncio.run(writer.record_outcomes(APPAREL, outcomes))
    assert all(s is not None for s in stored)
    asyncio.run(writer.close())
    store.close()
    return directory


def _build(log_dir: Path, out: Path, *extra: str) -> dict[str, object]:
    args = ["dataset", "--from-decisions", str(log_dir), "--out", str(out)]
    assert main([*args, "--as-of", AS_OF.isoformat(), "--maturity-days", "60", *extra]) == 0
    report: dict[str, object] = json.loads(report_path(out).read_text())
    return report


@pytest.fixture(scope="module")
def both(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("tables") / "returns.parquet"
    return out, _build(log_dir, out)


def test_labels_follow_the_stated_definitions(both: tuple[Path, dict[str, object]]) -> None:
    out, _ = both
    rows = {r["request_id"]: r for r in pq.read_table(out).to_pylist()}
    assert rows["m-0"]["is_fraud"] == 1
    assert rows["m-0"]["is_wardrobing"] == 1
    assert rows["m-2"]["is_fraud"] == 1
    assert rows["m-2"]["is_wardrobing"] == 0
    assert rows["m-1"]["is_fraud"] == 0
    assert rows["m-1"]["is_wardrobing"] == 0
    assert rows["never-came-back"]["is_fraud"] == 1
    assert rows["retried"]["is_fraud"] == 0
    assert rows["retried"]["decided_at"] == MATURE
    for absent in ("no-news", "charged-back-young", "young-no-news", "received-young", "future"):
        assert absent not in rows
    assert "unscored" not in rows
    assert len(rows) == LABELLED + 2


def test_the_report_counts_every_drop_by_reason(both: tuple[Path, dict[str, object]]) -> None:
    _, report = both
    assert report["dropped"] == {
        "decided_after_as_of": 1,
        "fraud_outcome_unknown": 1,  # no-news
        "immature": 3,  # charged-back-young (no wardrobing label), young-no-news, received-young
        "not_scored": 1,
        "superseded": 1,
    }
    assert report["rows_read"] == LABELLED + 9
    assert report["rows_written"] == LABELLED + 2
    assert report["labels"] == {
        "fraud": {"positive": LABELLED // 2 + 1, "negative": LABELLED // 2 + 1},
        "wardrobing": {"positive": LABELLED // 4, "negative": LABELLED - LABELLED // 4 + 2},
    }
    assert report["outcomes_without_decision"] == 0


def test_one_task_keeps_an_immature_positive_and_never_an_immature_negative(
    log_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "fraud.parquet"
    report = _build(log_dir, out, "--task", "fraud")
    table = pq.read_table(out)
    assert "is_wardrobing" not in table.column_names
    rows = {r["request_id"]: r["is_fraud"] for r in table.to_pylist()}
    assert rows["charged-back-young"] == 1
    assert "received-young" not in rows
    assert report["dropped"] == {
        "decided_after_as_of": 1,
        "fraud_outcome_unknown": 1,
        "immature": 2,
        "not_scored": 1,
        "superseded": 1,
    }


def test_the_table_loads_in_the_training_format_and_trains(
    both: tuple[Path, dict[str, object]],
) -> None:
    out, _ = both
    data = dataset.load(out, tasks=("fraud", "wardrobing"))
    assert len(data) == LABELLED + 2
    assert data.defaulted == ()
    config = TrainConfig(task="fraud", seed=3, max_rounds=20, early_stopping_rounds=5)
    result = train(data, config, name="returns_fraud")
    assert result.metadata.task == "fraud"


def test_an_empty_log_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["dataset", "--from-decisions", str(tmp_path), "--out", str(tmp_path / "t.parquet")]
    )
    assert code == 2
    assert "no decision log files" in capsys.readouterr().err
