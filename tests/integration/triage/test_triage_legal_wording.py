"""Chargeback and regulator-complaint wording in Spanish, French, German (and English)
through the generated stubs of a real in-process triage server on the small test models:
`flags.legal_threat`, the LEGAL_THREAT escalation reason and priority factor code. The
API does not carry the lexicon's rule ids; `tests/unit/triage/test_flags_lexicon_hits.py`
checks those."""

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
        ("en", "I'm disputing the charge with my bank."),
        ("es", "Si no me devolvéis el dinero voy a reclamar al banco y pedir un contracargo."),
        ("es", "Voy a poner una reclamación en FACUA por este pedido."),
        ("fr", "Sans remboursement, je vais faire opposition sur ce paiement."),
        ("fr", "Je vais signaler votre boutique à la DGCCRF."),
        ("de", "Ich werde die Zahlung zurückbuchen lassen, wenn nichts passiert."),
        ("de", "Ich beschwere mich bei der Bundesnetzagentur über euch."),
    ],
)
def test_chargeback_and_authority_wording_is_a_legal_threat(
    stub: Stub, language: str, text: str
) -> None:
    result = _triage(stub, text, language)
    assert result.flags.legal_threat, result.flags
    assert pb.ESCALATION_REASON_LEGAL_THREAT in result.escalation.reasons
    assert "LEGAL_THREAT" in [f.code for f in result.priority.factors]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Pagué con mi tarjeta y mi banco dice que el pago se ha realizado."),
        ("fr", "J'ai payé avec ma carte, ma banque dit que le paiement est passé."),
        ("de", "Ich habe mit meiner Karte bezahlt, die Bank sagt, die Zahlung ist durch."),
    ],
)
def test_a_bank_or_card_mentioned_in_passing_is_not(stub: Stub, language: str, text: str) -> None:
    result = _triage(stub, text, language)
    assert not result.flags.legal_threat, result.flags
    assert pb.ESCALATION_REASON_LEGAL_THREAT not in result.escalation.reasons
