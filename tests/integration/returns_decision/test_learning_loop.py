"""The learning loop end to end, through the generated stubs and the models CLI: a running
service decides synthetic traffic with a weak champion, outcomes are recorded, a table is
built from its decision log, a challenger is trained on it, compared, promoted through the
gate, and hot-swapped in under concurrent calls. Also: a shadow version is scored and
logged but never returned, and the drift metrics count what the log wrote."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import request
from models.returns import dataset
from models.returns.cli import main as models_main
from models.returns.registry import promote, read_promotions, register
from models.returns.train import TrainConfig, train
from services.returns_decision.engines.decision_log.schema import part_files
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.registry import version_dir
from services.returns_decision.server import SPEC
from services.returns_decision.settings import ReturnsSettings
from tests.integration.harness import ServerThread, serving
from tests.integration.returns_decision.conftest import Stub
from tests.integration.returns_decision.load import calling
from tests.integration.returns_decision.synthetic_traffic import Traffic, traffic

BATCH = 500
# Decided now, so mature only when counted to a day past the maturity window.
AS_OF = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=100)).isoformat()


@pytest.fixture
def own_registry(registry: Path, tmp_path: Path) -> tuple[Path, str]:
    """The session's models, with a weak fraud champion active: under-trained (5 boosting
    rounds), so a challenger trained on the service's own traffic can honestly beat it."""
    root = tmp_path / "registry"
    shutil.copytree(registry, root)
    config = TrainConfig(task="fraud", seed=8, max_rounds=5, early_stopping_rounds=5)
    champion = train(dataset.from_synthetic(5000, 8), config, name="returns_fraud")
    register(root, champion, write_report=False)
    promote(root, "returns_fraud", champion.metadata.version)
    return root, champion.metadata.version


@pytest.fixture
def loop_server(own_registry: tuple[Path, str], policies: Path) -> Iterator[ServerThread]:
    root, _ = own_registry
    settings = ReturnsSettings(
        port=0,
        metrics_port=0,
        policies_dir=policies,
        models_registry=root,
        model_reload_seconds=0.1,
        max_batch_size=BATCH,
        decision_log_dir=root.parent / "decision-log",
        decision_log_flush_seconds=0.05,
    )
    with serving(SPEC, settings) as thread:
        yield thread


def cli(root: Path, *args: str) -> int:
    return models_main(["--registry", str(root), *args])


def decide_all(stub: Stub, load: Traffic, start: int = 0) -> list[pb.DecideReturnsResult]:
    answers: list[pb.DecideReturnsResult] = []
    for first in range(start, len(load.requests), BATCH):
        batch = load.requests[first : first + BATCH]
        reply = stub.DecideReturns(pb.DecideReturnsRequest(requests=batch))
        for result in reply.results:
            assert result.HasField("decision"), result.error
            answers.append(result)
    return answers


def record_all(stub: Stub, load: Traffic) -> None:
    outcomes = list(load.outcomes())
    for first in range(0, len(outcomes), BATCH):
        reply = stub.RecordOutcomes(
            pb.RecordOutcomesRequest(
                tenant_id=load.requests[0].tenant_id, outcomes=outcomes[first : first + BATCH]
            )
        )
        assert all(r.HasField("outcome") for r in reply.results)


def logged(log_dir: Path, expected: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while True:
        rows = [r for p in part_files(log_dir) for r in pq.read_table(p).to_pylist()]
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_decide_record_build_train_compare_promote_and_serve(
    loop_server: ServerThread,
    own_registry: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, champion = own_registry
    log_dir = root.parent / "decision-log"
    # Traffic to learn from, and later traffic to judge on (never trained on).
    load, later = traffic(6000, 41, prefix="learn"), traffic(3000, 97, prefix="judge")
    with grpc.insecure_channel(loop_server.target) as channel:
        stub = Stub(channel)
        for part in (load, later):
            answers = decide_all(stub, part)
            assert {a.decision.fraud.model_version for a in answers} == {champion}
            record_all(stub, part)
        total = len(load.requests) + len(later.requests)
        assert len(logged(log_dir, total)) == total

        built = tmp_path / "from-log.parquet"
        assert cli(root, "dataset", "--from-decisions", str(log_dir), "--out", str(built),
                   "--as-of", AS_OF, "--task", "fraud") == 0  # fmt: skip
        report = json.loads((tmp_path / "from-log.report.json").read_text())
        assert report["rows_written"] == total
        assert report["labels"]["fraud"]["positive"] == sum(load.fraud) + sum(later.fraud)
        rows = pq.read_table(built)
        table, holdout = tmp_path / "learn.parquet", tmp_path / "judge.parquet"
        for prefix, path in (("learn-", table), ("judge-", holdout)):
            mask = pc.starts_with(rows.column("request_id"), prefix)
            pq.write_table(rows.filter(mask), path)

        capsys.readouterr()
        assert cli(root, "train", "fraud", "--data", str(table), "--no-report") == 0
        challenger = capsys.readouterr().out.strip()
        assert challenger
        assert challenger != champion

        out = tmp_path / "compare.json"
        assert cli(root, "compare", "fraud", champion, challenger, "--data", str(holdout),
                   "--resamples", "200", "--json", str(out)) == 0  # fmt: skip
        auc = {m["metric"]: m for m in json.loads(out.read_text())["metrics"]}["roc_auc"]
        assert auc["b"] > auc["a"], auc  # the challenger learned from the outcomes

        with calling(lambda: stub.DecideReturn(request()).decision.fraud.model_version) as calls:
            # Gated, not forced: the challenger meets its targets and beats the champion.
            assert cli(root, "promote", "fraud", challenger, "--data", str(holdout)) == 0
            calls.wait_for(challenger)
        assert not calls.failures, calls.failures[:3]
        assert calls.answers[0] == champion
        assert calls.answers[-1] == challenger
    entry = read_promotions(root, "returns_fraud")[-1]
    assert (entry["version"], entry["forced"], entry["gate"]["passed"]) == (challenger, False, True)


def _no_trace(message: pb.DecideReturnsResult, version: str, score: float) -> None:
    wire = message.SerializeToString()
    assert version.encode() not in wire
    assert struct.pack("<d", score) not in wire  # doubles go on the wire little-endian
    assert version not in str(message)


def test_shadow_is_scored_and_logged_never_returned(
    loop_server: ServerThread,
    own_registry: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, champion = own_registry
    log_dir = root.parent / "decision-log"
    config = TrainConfig(task="fraud", seed=23, max_rounds=40, early_stopping_rounds=20)
    shadow = train(dataset.from_synthetic(6000, 23), config, name="returns_fraud")
    register(root, shadow, write_report=False)
    version = shadow.metadata.version
    assert cli(root, "shadow", "fraud", version) == 0
    assert json.loads((root / "returns_fraud" / "shadow.json").read_text())["version"] == version
    deadline = time.monotonic() + 10
    while f'version="{version}"' not in loop_server.metrics():
        assert time.monotonic() < deadline, "the shadow was never loaded"
        time.sleep(0.05)

    load = traffic(1500, 5, prefix="shadow")
    with grpc.insecure_channel(loop_server.target) as channel:
        stub = Stub(channel)
        answers = decide_all(stub, load)
        record_all(stub, load)
    rows = {r["request_id"]: r for r in logged(log_dir, len(load.requests))}
    model = RiskModel.load(version_dir(root, "returns_fraud", version))
    for answer in answers:
        row = rows[answer.decision.request_id]
        assert row["fraud_model_version"] == champion == answer.decision.fraud.model_version
        assert row["fraud_shadow_version"] == version
        assert row["wardrobing_shadow_version"] is None  # no wardrobing shadow set
        expected = model.score_features(row["features"], top_k=0)
        assert row["fraud_shadow_score"] == expected.probability
        assert row["fraud_shadow_raw_score"] == expected.raw_probability
        assert row["fraud_shadow_band"] == expected.band.value
        _no_trace(answer, version, row["fraud_shadow_score"])
    model.close()

    # The pair on live traffic: agreement, distributions, and the metrics on outcomes.
    out = tmp_path / "logged.json"
    assert cli(root, "compare", "fraud", champion, version, "--from-decisions", str(log_dir),
               "--as-of", AS_OF, "--resamples", "100", "--json", str(out)) == 0  # fmt: skip
    report = json.loads(out.read_text())
    assert report["logged"]["rows"] == len(load.requests)
    crosstab = report["logged"]["crosstab"]
    agree = sum(crosstab[b][b] for b in crosstab) / len(load.requests)
    assert report["logged"]["band_agreement"] == pytest.approx(agree)
    assert report["outcomes"]["rows"]["count"] == len(load.requests)
    assert report["outcomes"]["rows"]["positives"] == sum(load.fraud)

    # Cleared: the service stops scoring it.
    assert cli(root, "shadow", "fraud", "--clear") == 0
    deadline = time.monotonic() + 10
    while 'component="returns_fraud:shadow",version="none"' not in loop_server.metrics():
        assert time.monotonic() < deadline, "the shadow was never cleared"
        time.sleep(0.05)

    # The drift metrics counted every logged row, in the writer thread.
    metrics = loop_server.metrics()
    binned = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("returns_drift_feature_bin_total{") and 'feature="order_value"' in line
    )
    assert binned == len(rows)
    assert f'returns_drift_score_count{{model="returns_fraud"}} {float(len(rows))}' in metrics
    assert (
        f'returns_drift_score_count{{model="returns_fraud:shadow"}} {float(len(rows))}' in metrics
    )
