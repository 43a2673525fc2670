"""The CTranslate2 engine on a real (tiny, random) Transformer built here with ctranslate2's
spec API and a SentencePiece model trained here: no torch, no downloads. The model's
output is noise, so these tests check the loading and call path, slot safety and
determinism, not translation quality."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.translation.core import (
    SegmentCache,
    TextFormat,
    Translator,
    UnsupportedLanguagePairError,
)
from services.translation.core.errors import EngineTimeoutError
from services.translation.engines.base import Opaque, OpaqueKind, Slot, TranslationEngine
from services.translation.engines.ctranslate2_engine import (
    CTranslate2Engine,
    EngineConfigError,
    NeuralModelConfig,
    decode_output,
    encode_segment,
)
from tests.unit.translation.tiny_ct2_model import build_tiny_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("ct2") / "opus-mt-en-de")


def _config(model_dir: Path) -> NeuralModelConfig:
    return NeuralModelConfig(model_dir, beam_size=2, max_decoding_length=24)


@pytest.fixture(scope="module")
def neural(model_dir: Path) -> Iterator[CTranslate2Engine]:
    engine = CTranslate2Engine({("en", "de"): _config(model_dir)})
    engine.load()
    yield engine
    engine.close()


def test_engine_implements_the_interface(neural: CTranslate2Engine, model_dir: Path) -> None:
    assert isinstance(neural, TranslationEngine)
    assert neural.name == "ctranslate2"
    assert neural.version.count(".") == 2
    assert neural.directions() == {("en", "de")}
    assert {"model.bin", "config.json", "shared_vocabulary.json"} <= {
        p.name for p in model_dir.iterdir()
    }


def test_translates_deterministically_across_loads(
    neural: CTranslate2Engine, model_dir: Path
) -> None:
    segments = [("Where is my parcel?",), ("Your order has shipped.",)]
    first = neural.translate(segments, "en", "de")
    assert len(first) == 2
    assert all(o.template and isinstance(o.template[0], str) for o in first)
    assert neural.translate(segments, "en", "de") == first
    again = CTranslate2Engine({("en", "de"): _config(model_dir)})
    try:
        assert again.translate(segments, "en", "de") == first  # loads on first use
    finally:
        again.close()


def test_protected_spans_survive_through_the_translator(neural: CTranslate2Engine) -> None:
    translator = Translator([neural], cache=SegmentCache(0))
    text = "Your order #A12345 of $20.00 has shipped: https://shop.example/t?id=9 thanks!"
    result = translator.translate(text, "en", "de")
    for span in ("#A12345", "$20.00", "https://shop.example/t?id=9"):
        assert result.text.count(span) == 1
    assert result.text.index("#A12345") < result.text.index("https://shop.example/t?id=9")
    assert result.protected_spans == 3
    assert result.misplaced_spans == 0
    assert result.route.engine == "ctranslate2"
    assert translator.translate(text, "en", "de") == result


def test_markup_slots_survive_in_html(neural: CTranslate2Engine) -> None:
    translator = Translator([neural], cache=SegmentCache(0))
    html = "<p>Where is <b>my parcel</b>?</p>"
    result = translator.translate(html, "en", "de", text_format=TextFormat.HTML)
    assert result.text.startswith("<p>")
    assert result.text.endswith("</p>")
    assert result.text.count("<b>") == 1
    assert result.text.count("</b>") == 1
    assert result.text.index("<b>") < result.text.index("</b>")


def test_placeholders_round_trip_when_the_model_copies_them() -> None:
    segment = ("Order ", Opaque(0), " costs ", Opaque(1, OpaqueKind.MARKUP), " 70718 now.")
    encoded = encode_segment(segment)
    assert "70718 now" in encoded.text  # a number in the text is never used as a placeholder
    first, second = sorted(encoded.numbers, key=lambda n: encoded.numbers[n])
    assert encoded.text == f"Order {first} costs {second} 70718 now."
    assert decode_output(f" Bestellung {second} kostet {first} 70718 jetzt. ", encoded.numbers) == (
        "Bestellung ",
        Slot(1),
        " kostet ",
        Slot(0),
        " 70718 jetzt.",
    )
    assert decode_output(f"Bestellung {first} {first} {second}", encoded.numbers) is None
    assert decode_output("Bestellung 70 718 kostet", encoded.numbers) is None


def test_unsupported_pair_and_expired_deadline(neural: CTranslate2Engine) -> None:
    with pytest.raises(UnsupportedLanguagePairError):
        neural.translate([("Hello",)], "en", "fr")
    with pytest.raises(EngineTimeoutError):
        neural.translate([("Hello",)], "en", "de", deadline=0.0)


def test_missing_files_fail_at_load(tmp_path: Path, model_dir: Path) -> None:
    with pytest.raises(EngineConfigError, match=r"en-de: no model\.bin"):
        CTranslate2Engine({("en", "de"): NeuralModelConfig(tmp_path)}).load()
    with pytest.raises(EngineConfigError, match=r"SentencePiece model .*nope\.spm not found"):
        CTranslate2Engine(
            {("en", "de"): NeuralModelConfig(model_dir, target_spm=Path("nope.spm"))}
        ).load()
    (tmp_path / "bad.spm").write_text("not a model")
    with pytest.raises(EngineConfigError, match=r"bad\.spm is not a SentencePiece model"):
        CTranslate2Engine(
            {("en", "de"): NeuralModelConfig(model_dir, source_spm=tmp_path / "bad.spm")}
        ).load()
