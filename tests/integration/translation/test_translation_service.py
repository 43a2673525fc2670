"""The translation service through its generated stubs, on real Apertium and lingua."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from retail.translation.v1 import translation_pb2 as pb
from retail.translation.v1 import translation_pb2_grpc

from services.translation.server import SPEC
from services.translation.settings import TranslationSettings
from tests.integration.harness import ServerThread, serving
from tests.integration.service_checks import assert_health_and_reflection

Stub = translation_pb2_grpc.TranslationServiceStub


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    settings = TranslationSettings(port=0, metrics_port=0, max_batch_size=4, max_text_length=500)
    with serving(SPEC, settings) as thread:
        yield thread


@pytest.fixture
def stub(server: ServerThread) -> Iterator[Stub]:
    with grpc.insecure_channel(server.target) as channel:
        yield Stub(channel)


def violations(error: Any) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)
    assert status is not None
    found = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found += [(v.field, v.description) for v in bad.field_violations]
    return found


def translations(reply: pb.TranslateTextResponse) -> list[pb.Translation]:
    """Every entry's translation; fails when an entry is an error."""
    assert all(r.WhichOneof("result") == "translation" for r in reply.results), reply
    return [r.translation for r in reply.results]


def entry_error(result: Any) -> tuple[int, str, list[tuple[str, str]]]:
    """(code, ErrorInfo reason, field violations) of one batch entry's error."""
    assert result.WhichOneof("result") == "error"
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    for detail in result.error.details:
        detail.Unpack(info) or detail.Unpack(bad)
    return (
        result.error.code,
        info.reason,
        [(v.field, v.description) for v in bad.field_violations],
    )


def test_translates_with_every_protected_span_kept_in_place(stub: Stub) -> None:
    spans = [  # in the order they appear
        "{{first_name}}",
        "#12345",
        "ORD-2024-001",
        "1Z999AA10123456784",
        "https://shop.example.com/orders/12345?lang=en",
        "help@shop.example.com",
        "+1 415 555 0199",
        "SKU-88231-XL",
        "$19.99",
    ]
    text = (
        "Hello {{first_name}}, your order #12345 (ORD-2024-001) has shipped with tracking "
        "1Z999AA10123456784. See https://shop.example.com/orders/12345?lang=en or write to "
        "help@shop.example.com or call +1 415 555 0199. The item SKU-88231-XL cost $19.99."
    )
    reply = stub.TranslateText(
        pb.TranslateTextRequest(texts=[text], source_language="en", target_language="es")
    )
    (out,) = translations(reply)
    assert out.source_language == "en"
    assert out.source_language_confidence == 1.0
    assert out.engine == "apertium"
    assert list(out.route) == ["en", "es"]
    assert out.translated_text.startswith("Hola {{first_name}}")
    positions = [out.translated_text.find(span) for span in spans]
    assert all(p >= 0 for p in positions), out.translated_text
    assert positions == sorted(positions), out.translated_text
    assert "*" not in out.translated_text
    assert "#" not in out.translated_text.replace("#12345", "")


def test_source_is_detected_per_text_of_a_batch(stub: Stub) -> None:
    reply = stub.TranslateText(
        pb.TranslateTextRequest(
            texts=[
                "¿Dónde está mi pedido? Lo compré hace dos semanas.",
                "Je voudrais retourner ces chaussures, elles sont trop petites.",
                "#12345",
            ],
            target_language="en",
        )
    )
    spanish, french, number_only = translations(reply)
    assert (spanish.source_language, list(spanish.route)) == ("es", ["es", "en"])
    assert (french.source_language, list(french.route)) == ("fr", ["fr", "es", "en"])
    assert spanish.source_language_confidence > 0.5
    assert french.source_language_confidence > 0.5
    assert "two weeks" in spanish.translated_text.lower()
    assert "shoes" in french.translated_text.lower()
    assert number_only.translated_text == "#12345"


def test_html_keeps_markup_and_untranslatable_elements(stub: Stub) -> None:
    html = (
        '<p class="greeting">Your order <b>has shipped</b>.</p>'
        '<p translate="no">Do not translate this &amp; that</p>'
    )
    reply = stub.TranslateText(
        pb.TranslateTextRequest(
            texts=[html],
            source_language="en",
            target_language="es",
            format=pb.TEXT_FORMAT_HTML,
        )
    )
    out = translations(reply)[0].translated_text
    assert out.startswith('<p class="greeting">')
    assert "<b>" in out
    assert "</b>" in out
    assert '<p translate="no">Do not translate this &amp; that</p>' in out


def test_glossary_keeps_brand_names(stub: Stub) -> None:
    reply = stub.TranslateText(
        pb.TranslateTextRequest(
            texts=["The Blue Fox jacket is warm."],
            source_language="en",
            target_language="es",
            glossary=pb.Glossary(do_not_translate=["Blue Fox"]),
        )
    )
    assert "Blue Fox" in translations(reply)[0].translated_text


def test_unsupported_pair_is_invalid_argument_listing_the_supported_pairs(stub: Stub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.TranslateText(
            pb.TranslateTextRequest(texts=["hello"], source_language="en", target_language="de")
        )
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "en->es" in error.details()
    assert violations(error)[0][0] == "target_language"


@pytest.mark.parametrize(
    ("texts", "field"),
    [([], "texts"), (["a", "b", "c", "d", "e"], "texts")],
    ids=["no-texts", "batch-too-large"],
)
def test_a_bad_batch_fails_the_call_naming_the_field(
    stub: Stub, texts: list[str], field: str
) -> None:
    for call in (
        lambda: stub.TranslateText(
            pb.TranslateTextRequest(texts=texts, source_language="en", target_language="es")
        ),
        lambda: stub.DetectLanguage(pb.DetectLanguageRequest(texts=texts)),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call()
        error: Any = caught.value
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert violations(error)[0][0] == field


def test_a_bad_text_gets_its_own_error_and_the_others_are_answered(stub: Stub) -> None:
    texts = ["Your order has shipped.", "   ", "x" * 501, "Thank you for your order."]
    reply = stub.TranslateText(
        pb.TranslateTextRequest(texts=texts, source_language="en", target_language="es")
    )
    first, blank, too_long, last = reply.results
    assert first.translation.translated_text.startswith("Vuestro")
    assert last.translation.translated_text.startswith("Gracias")
    assert entry_error(blank)[:2] == (grpc.StatusCode.INVALID_ARGUMENT.value[0], "EMPTY_TEXT")
    assert entry_error(blank)[2][0][0] == "texts[1]"
    assert entry_error(too_long)[:2] == (
        grpc.StatusCode.INVALID_ARGUMENT.value[0],
        "TEXT_TOO_LONG",
    )
    assert entry_error(too_long)[2][0][0] == "texts[2]"

    detected = stub.DetectLanguage(pb.DetectLanguageRequest(texts=texts))
    assert detected.results[0].detection.candidates[0].language == "en"
    assert entry_error(detected.results[1])[1] == "EMPTY_TEXT"
    assert entry_error(detected.results[2])[2][0][0] == "texts[2]"
    assert detected.results[3].detection.candidates[0].language == "en"


def test_a_text_detected_in_an_untranslatable_language_fails_alone(stub: Stub) -> None:
    reply = stub.TranslateText(
        pb.TranslateTextRequest(
            texts=[
                "Wo ist mein Paket? Es sind schon zwei Wochen vergangen.",
                "¿Dónde está mi pedido? Lo compré hace dos semanas.",
            ],
            target_language="en",
        )
    )
    german, spanish = reply.results
    code, reason, fields = entry_error(german)
    assert (code, reason) == (
        grpc.StatusCode.INVALID_ARGUMENT.value[0],
        "UNSUPPORTED_LANGUAGE_PAIR",
    )
    assert fields[0][0] == "texts[0]"
    assert "two weeks" in spanish.translation.translated_text.lower()


def test_detect_language_gives_candidates_per_text(stub: Stub) -> None:
    reply = stub.DetectLanguage(
        pb.DetectLanguageRequest(
            texts=[
                "Where is my parcel? It has been two weeks.",
                "Onde está a minha encomenda? Já passaram duas semanas.",
                "Wo ist mein Paket? Es sind schon zwei Wochen.",
            ],
            max_candidates=2,
        )
    )
    detections = [r.detection for r in reply.results]
    best = [d.candidates[0].language for d in detections]
    assert best == ["en", "pt", "de"]
    assert all(len(d.candidates) <= 2 for d in detections)
    assert all(0 < d.candidates[0].confidence <= 1 for d in detections)


def test_list_languages_reports_direct_and_pivot_pairs(stub: Stub) -> None:
    reply = stub.ListLanguages(pb.ListLanguagesRequest())
    pairs = {(p.source_language, p.target_language): p for p in reply.pairs}
    assert pairs[("en", "es")].route == pb.PAIR_ROUTE_DIRECT
    assert pairs[("en", "es")].engine == "apertium"
    assert pairs[("fr", "en")].route == pb.PAIR_ROUTE_PIVOT
    assert pairs[("fr", "en")].pivot_language == "es"
    assert {"en", "es", "fr", "pt", "it", "ca", "de"} <= set(reply.detectable_languages)


def _pipeline_pids(direction_file: str) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(os.getpid()), "-f", direction_file],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in out.stdout.split()]


def test_pipeline_killed_mid_request_is_replaced_and_no_call_hangs(stub: Stub) -> None:
    # A long batch keeps the en->es pipeline busy while its processes are killed.
    texts = ["The customer would like to return the blue jacket. " * 9] * 4
    request = pb.TranslateTextRequest(texts=texts, source_language="en", target_language="es")
    stub.TranslateText(request, timeout=30)  # pipeline warm
    outcome: list[Any] = []

    def call() -> None:
        try:
            outcome.append(stub.TranslateText(request, timeout=30))
        except grpc.RpcError as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    pids = _pipeline_pids("eng-spa")
    assert pids, "no en->es pipeline processes found"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    caller.join(40)
    assert not caller.is_alive(), "the call hung"
    (result,) = outcome
    if isinstance(result, grpc.RpcError):  # failed cleanly, never INTERNAL
        assert result.code() == grpc.StatusCode.UNAVAILABLE
    else:
        assert len(translations(result)) == 4
    # The next call is served by a replacement pipeline.
    assert len(translations(stub.TranslateText(request, timeout=30))) == 4


def test_serves_health_and_reflection(server: ServerThread) -> None:
    assert_health_and_reflection(server.target, SPEC)
