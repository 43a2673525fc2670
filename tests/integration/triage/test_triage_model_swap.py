"""Triage models from the registry: a promoted version is swapped into the running
service under concurrent calls with no failed call, replies report it, and a rollback swaps
the previous one back; without active versions the service refuses to start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from retail.triage.v1 import triage_pb2 as pb
from retail.triage.v1 import triage_pb2_grpc

from models.triage.registry import promote, register_artifacts, rollback
from models.triage.training import train_all
from services.common.errors import CannotStart
from services.common.model_registry import read_pointer, version_dir
from services.triage.engines.registry import INTENT_MODEL, MODEL_FILE, SENTIMENT_MODEL
from services.triage.server import SPEC, create_server
from services.triage.settings import TriageSettings
from tests.integration.harness import ServerThread, SupervisorProcess, serving
from tests.integration.returns_decision.load import calling

Stub = triage_pb2_grpc.TriageServiceStub
MODELS = (SENTIMENT_MODEL, INTENT_MODEL)
REQUEST = pb.TriageMessageRequest(
    tenant_id="acme", text="My parcel is two weeks late and nobody answers, this is awful."
)


@pytest.fixture(scope="module")
def versions(
    triage_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A registry with the session's models active (A) and smaller ones registered (B)."""
    root = tmp_path_factory.mktemp("triage-registry")
    a = register_artifacts(root, triage_model_dir, training={"source": "session models"})
    for r in a:
        promote(root, r.name, r.version, check=False)
    smaller = tmp_path_factory.mktemp("triage-models-b")
    train_all(smaller, max_examples_per_class=10)
    b = register_artifacts(root, smaller, training={"source": "10 examples per class"})
    return root, {r.name: r.version for r in a}, {r.name: r.version for r in b}


@pytest.fixture
def server(versions: tuple[Path, dict[str, str], dict[str, str]]) -> Iterator[ServerThread]:
    root, a, _ = versions
    for name in MODELS:  # each test starts from A
        promote(root, name, a[name], check=False)
    settings = TriageSettings(
        port=0, metrics_port=0, models_registry=root, model_reload_seconds=0.1
    )
    with serving(SPEC, settings) as thread:
        yield thread


def reported(stub: Stub) -> str:
    """The sentiment and intent model versions a reply names, as one string."""
    by_name = {v.name: v.version for v in stub.TriageMessage(REQUEST, timeout=10).triage.versions}
    return f"{by_name['sentiment-nb-logreg-use']} {by_name['intent-tfidf-logreg']}"


def test_promotion_is_swapped_in_under_load_and_rolled_back(
    server: ServerThread, versions: tuple[Path, dict[str, str], dict[str, str]]
) -> None:
    root, a, b = versions
    assert a != b
    version_a = f"{a[SENTIMENT_MODEL]} {a[INTENT_MODEL]}"
    version_b = f"{b[SENTIMENT_MODEL]} {b[INTENT_MODEL]}"
    with grpc.insecure_channel(server.target) as channel:
        stub = Stub(channel)
        assert reported(stub) == version_a
        with calling(lambda: reported(stub), threads=4) as calls:
            for name in MODELS:
                promote(root, name, b[name])  # as `python -m models.triage promote` does
            calls.wait_for(version_b)
            for name in MODELS:
                rollback(root, name)
            calls.wait_for(version_a)
    assert not calls.failures, calls.failures[:3]
    answers = calls.answers
    assert answers[0] == version_a
    assert version_b in answers
    assert answers[-1] == version_a
    # Each model swaps on its own: a reply may pair a new sentiment with an old intent,
    # but never names anything else.
    mixed = {
        f"{s} {i}"
        for s in (a[SENTIMENT_MODEL], b[SENTIMENT_MODEL])
        for i in (a[INTENT_MODEL], b[INTENT_MODEL])
    }
    assert set(answers) <= mixed
    metrics = server.metrics()
    assert f'version="{a[INTENT_MODEL]}"' in metrics
    assert "triage_model_swaps_total" in metrics


def test_a_broken_version_is_refused_and_the_old_one_keeps_serving(
    server: ServerThread, versions: tuple[Path, dict[str, str], dict[str, str]]
) -> None:
    root, a, _ = versions
    broken = version_dir(root, INTENT_MODEL, "4.000000000000")
    broken.mkdir(exist_ok=True)
    (broken / "metadata.json").write_text(
        (version_dir(root, INTENT_MODEL, a[INTENT_MODEL]) / "metadata.json").read_text()
    )
    (broken / MODEL_FILE).write_bytes(b"not a model")
    with grpc.insecure_channel(server.target) as channel:
        stub = Stub(channel)
        with calling(lambda: reported(stub), threads=2) as calls:
            promote(root, INTENT_MODEL, broken.name, check=False)
            metrics = ""
            for _ in range(100):
                metrics = server.metrics()
                if "triage_model_reload_failures_total 1.0" in metrics:
                    break
                time.sleep(0.05)
            assert "triage_model_reload_failures_total 1.0" in metrics
            answer = reported(stub)
    assert not calls.failures, calls.failures[:3]
    assert answer == f"{a[SENTIMENT_MODEL]} {a[INTENT_MODEL]}"
    assert read_pointer(root, INTENT_MODEL).version == broken.name


def test_without_active_versions_the_service_refuses_to_start(tmp_path: Path) -> None:
    settings = TriageSettings(port=0, metrics_port=0, models_registry=tmp_path / "empty")
    with pytest.raises(CannotStart) as refused:
        asyncio.run(create_server(settings))
    message = str(refused.value)
    assert f"no usable triage model in the registry {tmp_path / 'empty'}" in message
    assert "make models" in message
    assert "python -m models.triage promote NAME VERSION" in message


@pytest.mark.slow
def test_every_worker_process_swaps(versions: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    root, a, b = versions
    for name in MODELS:
        promote(root, name, a[name], check=False)
    env = {
        "TRIAGE_PORT": "0",
        "TRIAGE_METRICS_PORT": "0",
        "TRIAGE_MODELS_REGISTRY": str(root),
        "TRIAGE_MODEL_RELOAD_SECONDS": "0.1",
    }
    supervisor = SupervisorProcess(["-m", "services.triage", "--workers", "2"], env)
    try:
        workers = supervisor.wait_for("ready", timeout=120)["workers"]
        promote(root, INTENT_MODEL, b[INTENT_MODEL])
        first = supervisor.wait_for("triage models swapped", timeout=90)
        after = supervisor.lines.index(first) + 1
        second = supervisor.wait_for("triage models swapped", timeout=90, after=after)
    finally:
        supervisor.stop()
    assert {first["pid"], second["pid"]} == set(workers)
    for line in (first, second):
        assert line["versions"]["intent-tfidf-logreg"] == b[INTENT_MODEL]
        assert line["previous_versions"]["intent-tfidf-logreg"] == a[INTENT_MODEL]
        assert line["versions"]["sentiment-nb-logreg-use"] == a[SENTIMENT_MODEL]
