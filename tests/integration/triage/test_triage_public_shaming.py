"""Public-shaming threats in English, Spanish, French, Portuguese, Italian and German
through the generated stubs of a real in-process triage server on the small test models:
`flags.public_shaming`, the PUBLIC_SHAMING escalation reason and priority factor code; and
ordinary mentions of reviews, posts and the news that set none of them. The lexicon's rule
ids are checked in `tests/unit/triage/test_flags_public_shaming.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from retail.triage.v1 import triage_pb2 as pb
from retail.triage.v1 import triage_pb2_grpc

from services.triage.server import SPEC
from services.triage.settings import TriageSettings
from tests.integration.harness import serving

Stub = triage_pb2_grpc.TriageServiceStub


@pytest.fixture(scope="module")
def stub(triage_model_dir: Path) -> Iterator[Stub]:
    settings = TriageSettings(port=0, metrics_port=0, model_dir=triage_model_dir)
    with serving(SPEC, settings) as thread, grpc.insecure_channel(thread.target) as channel:
        yield Stub(channel)


def _triage(stub: Stub, text: str, language: str) -> pb.TriageResult:
    request = pb.TriageMessageRequest(tenant_id="acme", text=text, language_hint=language)
    return stub.TriageMessage(request).triage


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Refund me today or I'll post this everywhere."),
        ("es", "Si no me contestáis, voy a contarlo en redes sociales."),
        ("fr", "Sans réponse demain, j'alerte la presse."),
        ("pt", "Vou deixar uma avaliação de uma estrela."),
        ("it", "Farò un video su questa storia."),
        ("de", "Ich gehe damit an die Presse."),
    ],
)
def test_a_threat_to_go_public_is_flagged_and_escalated(
    stub: Stub, language: str, text: str
) -> None:
    result = _triage(stub, text, language)
    assert result.flags.public_shaming, result.flags
    assert pb.ESCALATION_REASON_PUBLIC_SHAMING in result.escalation.reasons
    assert result.queue == pb.QUEUE_ESCALATIONS
    assert "PUBLIC_SHAMING" in [f.code for f in result.priority.factors]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I posted a review last year and loved it."),
        ("es", "No lo voy a publicar en redes, solo quiero mi dinero."),
        ("fr", "J'ai vu votre publicité sur Instagram."),
        ("de", "Ich werde das nicht überall posten, ich will nur mein Geld."),
    ],
)
def test_a_review_post_or_negated_threat_is_not(stub: Stub, language: str, text: str) -> None:
    result = _triage(stub, text, language)
    assert not result.flags.public_shaming, result.flags
    assert pb.ESCALATION_REASON_PUBLIC_SHAMING not in result.escalation.reasons
    assert "PUBLIC_SHAMING" not in [f.code for f in result.priority.factors]
