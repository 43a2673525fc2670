"""The main job end to end: `python -m services.run_all` (what `make run` starts) runs the
three services as real supervisor and worker processes; each answers one real call
through the generated stubs, and one SIGTERM stops them all with exit code 0."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb
from retail.returns_decision.v1 import returns_decision_pb2_grpc
from retail.translation.v1 import translation_pb2 as translation_pb
from retail.translation.v1 import translation_pb2_grpc
from retail.triage.v1 import triage_pb2 as triage_pb
from retail.triage.v1 import triage_pb2_grpc

from bench.returns_samples import APPAREL, request
from services.common.paths import REPO_ROOT
from services.run_all import SERVICES

pytestmark = pytest.mark.slow

REPO = REPO_ROOT
START_SECONDS = 180  # three services; translation starts Apertium pipelines


@pytest.fixture(scope="module")
def model_dirs(returns_model_registry: Path, triage_model_dir: Path) -> tuple[Path, Path]:
    """A returns registry with tiny promoted models, and tiny triage models."""
    return returns_model_registry, triage_model_dir


def _environment(registry: Path, triage_dir: Path) -> dict[str, str]:
    env = {**os.environ, "RETURNS_MODELS_REGISTRY": str(registry)}
    env["TRIAGE_MODEL_DIR"] = str(triage_dir)
    for prefix in ("RETURNS_", "TRIAGE_", "TRANSLATION_"):
        env |= {f"{prefix}PORT": "0", f"{prefix}METRICS_PORT": "0", f"{prefix}WORKERS": "1"}
    return env


@pytest.fixture
def running(
    model_dirs: tuple[Path, Path],
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "services.run_all"],
        cwd=REPO,
        env=_environment(*model_dirs),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def forward() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=forward, daemon=True)
    reader.start()
    targets: dict[str, str] = {}
    try:
        while len(targets) < len(SERVICES):
            try:
                line = lines.get(timeout=START_SECONDS)
            except queue.Empty:
                pytest.fail(f"only {sorted(targets)} started within {START_SECONDS} s")
            name, found, rest = line.partition(": gRPC on ")
            if found:
                targets[name] = rest.split(" ", 1)[0]
            assert process.poll() is None, f"run_all exited early; started: {sorted(targets)}"
        yield process, targets
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        reader.join(10)  # ends at end of file, once every service has exited
        stdout.close()


def test_run_all_serves_every_service_and_one_sigterm_stops_them(
    running: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    process, targets = running
    assert sorted(targets) == sorted(SERVICES)

    with grpc.insecure_channel(targets["returns_decision"]) as channel:
        stub = returns_decision_pb2_grpc.ReturnsDecisionServiceStub(channel)
        decision = stub.DecideReturn(request(), timeout=30).decision
    assert decision.tenant_id == APPAREL
    assert decision.outcome != returns_pb.OUTCOME_UNSPECIFIED
    assert decision.policy.content_hash.startswith("sha256:")
    assert decision.fraud.model_name == "returns_fraud"
    assert decision.fraud.model_version

    with grpc.insecure_channel(targets["triage"]) as channel:
        triage = triage_pb2_grpc.TriageServiceStub(channel)
        result = triage.TriageMessage(
            triage_pb.TriageMessageRequest(
                tenant_id="acme",
                text="My order never arrived. I will contact my lawyer and sue you.",
            ),
            timeout=30,
        ).triage
    assert result.language.language == "en"
    assert result.flags.legal_threat
    assert result.escalation.escalate

    with grpc.insecure_channel(targets["translation"]) as channel:
        translation = translation_pb2_grpc.TranslationServiceStub(channel)
        reply = translation.TranslateText(
            translation_pb.TranslateTextRequest(
                texts=["Your order #12345 has shipped."],
                source_language="en",
                target_language="es",
            ),
            timeout=60,
        )
    (entry,) = reply.results
    out = entry.translation
    assert "#12345" in out.translated_text
    assert "order" not in out.translated_text  # translated, not echoed

    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    for name, target in targets.items():  # every supervisor and worker is gone
        with grpc.insecure_channel(target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            with pytest.raises(grpc.RpcError) as raised:
                health.Check(health_pb2.HealthCheckRequest(), timeout=2)
        assert raised.value.code() in (
            grpc.StatusCode.UNAVAILABLE,
            grpc.StatusCode.DEADLINE_EXCEEDED,
        ), name
