"""The engine registry: a JSON mapping selects the neural engine per pair, Apertium keeps
the rest (and pivots through Spanish)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.translation.core import RouteKind, SegmentCache, Translator
from services.translation.engines.apertium_engine import ApertiumEngine
from services.translation.engines.ctranslate2_engine import CTranslate2Engine, EngineConfigError
from services.translation.engines.registry import build_engines, parse_engine_mapping
from tests.unit.translation.tiny_ct2_model import build_tiny_model


def test_mapping_selects_ctranslate2_for_its_pairs_and_apertium_for_the_rest(
    tmp_path: Path, engine: ApertiumEngine
) -> None:
    model = build_tiny_model(tmp_path / "opus-mt-en-de")
    mapping = json.dumps(
        {
            "en-de": {"engine": "ctranslate2", "model_dir": str(model), "max_decoding_length": 16},
            "es-de": {"model_dir": str(model), "source_spm": "source.spm", "beam_size": 1},
            "en-es": {"engine": "apertium"},
        }
    )
    engines = build_engines(mapping, apertium=engine)
    assert [e.name for e in engines] == ["ctranslate2", "apertium"]
    neural = engines[0]
    assert isinstance(neural, CTranslate2Engine)
    assert neural.directions() == {("en", "de"), ("es", "de")}
    assert neural.models()[("es", "de")].beam_size == 1
    translator = Translator(engines, cache=SegmentCache(0))
    translator.load()
    try:
        routes = {(r.source, r.target): r for r in translator.supported_pairs()}
        assert routes[("en", "de")].engine == "ctranslate2"
        assert routes[("en", "es")].engine == "apertium"
        assert routes[("fr", "de")].kind is RouteKind.PIVOT  # fr-es by Apertium, es-de neural
        assert routes[("fr", "de")].engine == "apertium+ctranslate2"
        assert translator.translate("Where is my order?", "en", "es").text == "¿Dónde es mi orden?"
        assert (
            translator.translate("Where is my order #123456?", "en", "de").text.count("#123456")
            == 1
        )
    finally:
        neural.close()  # the shared Apertium engine is closed by its fixture


def test_no_mapping_means_apertium_only() -> None:
    for raw in (None, "", "  ", "{}"):
        engines = build_engines(raw)
        assert [e.name for e in engines] == ["apertium"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["en-de"]', "JSON object keyed by pair"),
        ('{"english-de": {"model_dir": "/m"}}', "'english-de': keys are 'source-target'"),
        ('{"en-en": {"model_dir": "/m"}}', "'en-en': keys are"),
        ('{"en-de": {}}', "en-de: entry: Value error, model_dir is required"),
        ('{"en-de": {"model_dir": "/m", "beam": 2}}', "en-de: beam: Extra inputs"),
        ('{"en-de": {"model_dir": "/m", "beam_size": 0}}', "en-de: beam_size: Input should be"),
        ('{"en-de": {"engine": "marian", "model_dir": "/m"}}', "en-de: engine: Input should be"),
        ('{"en-es": {"engine": "apertium", "model_dir": "/m"}}', "apertium engine takes no"),
    ],
)
def test_bad_mappings_name_the_pair_and_field(raw: str, message: str) -> None:
    with pytest.raises(EngineConfigError) as raised:
        parse_engine_mapping(raw)
    assert message in str(raised.value)


def test_mapping_may_be_given_decoded() -> None:
    entries = parse_engine_mapping(
        {
            "en-fr": {
                "model_dir": "/m/nllb",
                "source_prefix": ["eng_Latn"],
                "target_prefix": ["fra_Latn"],
            }
        }
    )
    config = entries[("en", "fr")].neural()
    assert config.model_dir == Path("/m/nllb")
    assert config.source_prefix == ("eng_Latn",)
    assert config.target_prefix == ("fra_Latn",)
    assert config.beam_size == 4
