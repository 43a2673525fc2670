"""A TriageMessages batch against the same texts sent one TriageMessage at a time, through
the stubs on a real in-process server: the batch's texts are encoded together, so scores
may move by one rounding step; every label and decision is the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from retail.triage.v1 import triage_pb2 as pb
from retail.triage.v1 import triage_pb2_grpc

from services.common.paths import REPO_ROOT
from services.triage.server import SPEC
from services.triage.settings import TriageSettings
from tests.integration.harness import serving

LANGUAGES = ("english", "spanish", "french", "portuguese", "italian", "german")
PER_LANGUAGE = 8
SCORE_STEP = 1e-4
"""Scores and confidences are reported to 4 places; a probability moved by the batch
(at most BATCH_TOLERANCE) can at worst cross one rounding boundary."""


def _texts() -> list[str]:
    texts: list[str] = []
    for language in LANGUAGES:
        path = REPO_ROOT / "data" / "triage" / "umsab" / language / "val_text.txt"
        texts += path.read_text(encoding="utf-8").splitlines()[:PER_LANGUAGE]
    return texts


@pytest.fixture(scope="module")
def stub(triage_model_dir: Path) -> Iterator[triage_pb2_grpc.TriageServiceStub]:
    settings = TriageSettings(port=0, metrics_port=0, model_dir=triage_model_dir)
    with serving(SPEC, settings) as thread, grpc.insecure_channel(thread.target) as channel:
        yield triage_pb2_grpc.TriageServiceStub(channel)


def test_a_batch_matches_single_calls_within_the_tolerance(
    stub: triage_pb2_grpc.TriageServiceStub,
) -> None:
    messages = [
        pb.TriageMessageRequest(tenant_id="acme", text=text, request_id=str(i))
        for i, text in enumerate(_texts())
    ]
    assert len(messages) >= 32
    batch = stub.TriageMessages(pb.TriageMessagesRequest(messages=messages)).results
    assert len(batch) == len(messages)
    for request, entry in zip(messages, batch, strict=True):
        alone = stub.TriageMessage(request).triage
        together = entry.triage
        assert entry.WhichOneof("result") == "triage"
        assert together.sentiment.level == alone.sentiment.level, request.text
        assert together.sentiment.score == pytest.approx(alone.sentiment.score, abs=SCORE_STEP)
        assert together.sentiment.confidence == pytest.approx(
            alone.sentiment.confidence, abs=SCORE_STEP
        )
        assert list(together.intents) == list(alone.intents)
        assert (together.priority, together.escalation) == (alone.priority, alone.escalation)
        assert (together.flags, together.queue) == (alone.flags, alone.queue)
        assert together.language.language == alone.language.language
