"""The library that puts apertium-tagger's state back after every request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from services.translation.engines import apertium_tagger_reset
from services.translation.engines.apertium_engine import ApertiumEngine
from services.translation.engines.apertium_tagger_reset import (
    TaggerResetUnavailable,
    check,
    tagger_reset_library,
)
from services.translation.engines.base import EngineOutput

# "nós" has an ambiguity class pt-es.prob lacks ({NOMM,PRNTN}): apertium-tagger then
# narrows the class it gives unknown words from 32 tags to 5, for the rest of the process,
# and the unknown "Cabília" makes "a" a preposition instead of an article.
TRIGGER = "Qual é o sentido da vida se todos nós terminamos morrendo?"
PROBE = "Onde fica a Cabília?"
FRESH = "Donde queda la Cabília?"
AFTER_TRIGGER = "Donde queda a Cabília?"


def _text(output: EngineOutput) -> str:
    return "".join(p for p in output.template if isinstance(p, str))


def _probe_trigger_probe(engine: ApertiumEngine) -> tuple[str, str]:
    first = _text(engine.translate([(PROBE,)], "pt", "es")[0])
    engine.translate([(TRIGGER,)], "pt", "es")
    return first, _text(engine.translate([(PROBE,)], "pt", "es")[0])


def test_library_is_built_once_and_fits_the_installed_tagger(tmp_path: Path) -> None:
    library = tagger_reset_library(tmp_path)
    assert library.parent == tmp_path
    check(library)
    built = library.stat().st_mtime_ns
    assert tagger_reset_library(tmp_path) == library
    assert library.stat().st_mtime_ns == built


def test_without_it_a_pipeline_translates_differently_after_some_words() -> None:
    """Apertium's own behaviour, which the library exists for."""
    stateful = ApertiumEngine(tagger_reset=False)
    stateful.load()
    try:
        assert not stateful.tagger_reset_active
        assert _probe_trigger_probe(stateful) == (FRESH, AFTER_TRIGGER)
    finally:
        stateful.close()


def test_with_it_each_request_is_translated_as_by_a_fresh_pipeline(
    raw_apertium: Callable[[str, str, list[str]], list[str]],
) -> None:
    engine = ApertiumEngine()
    engine.load()
    try:
        assert engine.tagger_reset_active
        assert _probe_trigger_probe(engine) == (FRESH, FRESH)
        # Inside one request the state carries on, exactly as in `apertium -u` over a text.
        both = [_text(o) for o in engine.translate([(TRIGGER,), (PROBE,)], "pt", "es")]
        assert both[1] == AFTER_TRIGGER
        assert raw_apertium("pt", "es", [TRIGGER, PROBE])[1] == AFTER_TRIGGER
        assert _text(engine.translate([(PROBE,)], "pt", "es")[0]) == FRESH
    finally:
        engine.close()


def test_without_a_compiler_the_engine_runs_without_it_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_compiler() -> str:
        raise TaggerResetUnavailable("no C++ compiler (c++, g++ or clang++) is installed")

    monkeypatch.setattr(apertium_tagger_reset, "_compiler", no_compiler)
    with pytest.raises(TaggerResetUnavailable):
        tagger_reset_library(tmp_path)
    engine = ApertiumEngine(build_dir=tmp_path)
    with caplog.at_level(logging.WARNING):
        engine.load()
    try:
        assert not engine.tagger_reset_active
        assert "no C++ compiler" in caplog.text
        assert _text(engine.translate([(PROBE,)], "pt", "es")[0]) == FRESH
    finally:
        engine.close()
