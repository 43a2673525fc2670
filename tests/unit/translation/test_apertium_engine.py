"""The Apertium engine against the real pipelines installed from Debian's packages."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.translation.core.errors import (
    EngineTimeoutError,
    UnsupportedLanguagePairError,
)
from services.translation.engines.apertium_engine import ApertiumEngine
from services.translation.engines.apertium_modes import iso_code, parse_pipeline
from services.translation.engines.base import EngineOutput, Opaque, Slot, TranslationEngine

# What deps/apt-translation.txt installs, as ISO 639-1 pairs.
EXPECTED_DIRECTIONS = {
    ("en", "es"), ("es", "en"), ("fr", "es"), ("es", "fr"), ("pt", "es"), ("es", "pt"),
    ("it", "es"), ("es", "it"), ("en", "ca"), ("ca", "en"), ("es", "ca"), ("ca", "es"),
    ("ro", "es"),
}  # fmt: skip


def _text(output: EngineOutput) -> str:
    return "".join(p for p in output.template if isinstance(p, str))


def test_engine_implements_the_interface_and_reports_versions(engine: ApertiumEngine) -> None:
    assert isinstance(engine, TranslationEngine)
    assert engine.name == "apertium"
    assert engine.version.count(".") == 2
    assert engine.directions() >= EXPECTED_DIRECTIONS
    installed = {(d.source, d.target): d for d in engine.installed()}
    assert installed[("en", "es")].mode == "eng-spa"
    assert installed[("en", "es")].package == "apertium-eng-spa"
    assert installed[("en", "es")].package_version


def test_iso_codes() -> None:
    assert [iso_code(c) for c in ("eng", "spa", "fr", "ron", "xyz")] == [
        "en",
        "es",
        "fr",
        "ro",
        None,
    ]


def test_parse_pipeline_splits_at_generation() -> None:
    analysis, generation = parse_pipeline(
        "lt-proc -z 'a b.bin' | apertium-tagger -z -g $2 'x.prob'"
        " | lt-proc -z $1 'gen.bin' | lt-proc -z -p p.bin"
    )
    assert analysis == (("lt-proc", "-z", "a b.bin"), ("apertium-tagger", "-z", "-g", "x.prob"))
    assert generation == (("lt-proc", "-z", "-n", "gen.bin"), ("lt-proc", "-z", "-p", "p.bin"))


# The sample sentences that a stream repair (`apertium_repairs`) changes: raw -> ours.
REPAIRED_SAMPLES = {
    ("en", "es"): {
        # "Amharic" is unknown: transfer gave the sentence's capital to "es" too.
        "Amharic Es un Semitic lengua.": "Amharic es un Semitic lengua.",
    },
    ("es", "pt"): {
        # "¿Has notado...?": Portuguese says it in the simple past.
        "Tens notado alguma mudança no cabelo ou nas unhas?": (
            "Notaste alguma mudança no cabelo ou nas unhas?"
        ),
    },
}


@pytest.fixture(scope="module")
def fresh_engine() -> Iterator[ApertiumEngine]:
    """Pipelines that have seen nothing yet: Apertium's tagger state depends on what a
    pipeline has tagged before, and `apertium -u` starts from nothing."""
    fresh = ApertiumEngine(pool_size=1)
    fresh.load()
    yield fresh
    fresh.close()


@pytest.mark.parametrize("pair", sorted(EXPECTED_DIRECTIONS), ids="-".join)
def test_every_direction_translates_exactly_as_apertium_u(
    pair: tuple[str, str],
    fresh_engine: ApertiumEngine,
    samples: dict[str, list[str]],
    raw_apertium: Callable[[str, str, list[str]], list[str]],
) -> None:
    sentences = samples[pair[0]]
    ours = fresh_engine.translate([(s,) for s in sentences], *pair)
    raw = [" ".join(e.split()) for e in raw_apertium(*pair, sentences)]
    repaired = REPAIRED_SAMPLES.get(pair, {})
    assert set(repaired) <= set(raw)  # each listed slip is still Apertium's
    assert [" ".join(_text(o).split()) for o in ours] == [repaired.get(e, e) for e in raw]
    assert not any(ch in _text(o) for o in ours for ch in "*@")


def test_a_pronoun_transfer_left_as_bare_tags_is_dropped(
    engine: ApertiumEngine, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    sources = {("it", "es"): "Ce la potete fare!", ("fr", "es"): "Elle va s'y habituer."}
    for (source, target), text in sources.items():
        (raw,) = raw_apertium(source, target, [text])
        assert "<prn>" in raw
        (output,) = engine.translate([(text,)], source, target)
        assert "<" not in _text(output)
        assert " ".join(_text(output).split()) == " ".join(raw.replace("<prn>", "").split())


def test_the_spanish_present_perfect_reaches_portuguese_as_a_simple_past(
    engine: ApertiumEngine, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    sources = ["Hemos probado todo.", "No ha llegado mi paquete.", "Había comido."]
    assert raw_apertium("es", "pt", sources) == [
        "Temos provado tudo.",
        "Não tem chegado meu pacote.",
        "Tinha comido.",
    ]
    outputs = engine.translate([(s,) for s in sources], "es", "pt")
    assert [_text(o) for o in outputs] == [
        "Provámos tudo.",
        "Não chegou meu pacote.",
        "Tinha comido.",
    ]


def test_a_proclitic_glued_to_its_verb_gets_its_blank(
    engine: ApertiumEngine, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    # eng-spa's rule for "be sorry" emits "lo" and "sentir" as one word.
    assert raw_apertium("en", "es", ["I'm sorry.", "We are sorry."]) == [
        "Losiento .",
        "Losentimos .",
    ]
    outputs = engine.translate([("I'm sorry.",), ("We are sorry.",)], "en", "es")
    assert [_text(o) for o in outputs] == ["Lo siento .", "Lo sentimos ."]


def test_a_pronoun_after_a_comma_loses_the_capital_transfer_gave_it(
    engine: ApertiumEngine, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    # es-fr carries the capital of a sentence opened by an interjection past the comma.
    source = [
        "Hola, hemos enviado tu pedido.",
        "Hola, vuestro reembolso está aquí.",
        "Hola, gracias por tu paciencia.",
    ]
    raw = raw_apertium("es", "fr", source)
    assert [t.split(" ")[1] for t in raw] == ["Nous", "Votre", "Merci"]
    outputs = engine.translate([(s,) for s in source], "es", "fr")
    assert [_text(o).split(" ")[1] for o in outputs] == ["nous", "votre", "merci"]
    # A name after a comma keeps its capital.
    (named,) = engine.translate([("Hola, Ana ha enviado tu pedido.",)], "es", "fr")
    assert _text(named).startswith("Salut, Ana ")
    # Into English a word may carry its own capital: left alone.
    (english,) = engine.translate([("Hola, lunes llega el paquete.",)], "es", "en")
    assert _text(english).startswith("Hello, Monday ")


def test_a_sentence_opened_by_an_unknown_word_keeps_one_capital(
    engine: ApertiumEngine, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    # Transfer gives the sentence's capital to the first word it knows, too.
    source = ["Xyzzy fue enviado ayer.", "Xyzzy Qwerty no está usando guantes."]
    assert raw_apertium("es", "en", source) == [
        "Xyzzy Was sent yesterday.",
        "Xyzzy Qwerty Is not using gloves.",
    ]
    outputs = engine.translate([(s,) for s in source], "es", "en")
    assert [_text(o) for o in outputs] == [
        "Xyzzy was sent yesterday.",
        "Xyzzy Qwerty is not using gloves.",
    ]
    (french,) = engine.translate([("Xyzzy fue enviado ayer.",)], "es", "fr")
    assert _text(french).startswith("Xyzzy a été envoyé")


def test_unknown_words_are_counted_not_marked(engine: ApertiumEngine) -> None:
    (out,) = engine.translate([("The fool saw a xyzzyq.",)], "en", "es")
    assert out.unknown == ("fool", "xyzzyq")
    assert "*" not in _text(out)
    assert "xyzzyq" in _text(out)


def test_batch_of_many_segments_is_one_pass(engine: ApertiumEngine) -> None:
    segments = [(f"I have {i} red apples.",) for i in range(300)]
    outputs = engine.translate(segments, "en", "es")
    assert [_text(o) for o in outputs] == [f"Tengo {i} manzanas rojas." for i in range(300)]


def test_unsupported_direction(engine: ApertiumEngine) -> None:
    with pytest.raises(UnsupportedLanguagePairError):
        engine.translate([("Hola",)], "es", "ro")


def test_pipeline_killed_mid_request_is_replaced_and_the_call_retried(
    engine: ApertiumEngine,
) -> None:
    pool = engine.pool("en", "es")
    engine.translate([("Hello",)], "en", "es")
    with pool.lease(time.monotonic() + 5) as lease:
        victim = lease.worker.pids[3]
    started = pool.started
    os.kill(victim, signal.SIGKILL)
    (out,) = engine.translate([("Where is my order?",)], "en", "es")
    assert _text(out) == "Dónde es mi orden?"
    assert pool.started == started + 1


def test_hung_pipeline_is_killed_and_replaced() -> None:
    hanging = ApertiumEngine(stall_timeout=0.5)
    hanging.load()
    try:
        pool = hanging.pool("es", "pt")
        hanging.translate([("Hola",)], "es", "pt")
        with pool.lease(time.monotonic() + 5) as lease:
            pids = lease.worker.pids
        os.kill(pids[2], signal.SIGSTOP)  # the tagger stops answering
        started = time.monotonic()
        (out,) = hanging.translate([("Buenos días",)], "es", "pt")
        assert _text(out) == "Bons dias"
        assert time.monotonic() - started < 5
        assert pool.started == 2
        with pytest.raises(ProcessLookupError):
            os.kill(pids[2], 0)  # the stopped pipeline is gone
    finally:
        hanging.close()


def test_deadline_is_honoured() -> None:
    slow = ApertiumEngine(stall_timeout=30)
    slow.load()
    try:
        slow.translate([("Hola",)], "es", "pt")
        with slow.pool("es", "pt").lease(time.monotonic() + 5) as lease:
            os.kill(lease.worker.pids[2], signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(EngineTimeoutError):
            slow.translate([("Hola",)], "es", "pt", deadline=time.monotonic() + 0.3)
        assert time.monotonic() - started < 3
    finally:
        slow.close()


def test_worn_pipeline_is_retired_and_replaced_in_the_background() -> None:
    short_lived = ApertiumEngine(retire_after=2)
    short_lived.load()
    try:
        pool = short_lived.pool("es", "pt")
        short_lived.translate([("Hola",), ("Adiós",)], "es", "pt")
        deadline = time.monotonic() + 10
        while pool.started < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.started == 2
        (out,) = short_lived.translate([("Hola",)], "es", "pt")
        assert _text(out) == "Olá"
    finally:
        short_lived.close()


def test_opaque_pieces_come_back_as_slots(engine: ApertiumEngine) -> None:
    (out,) = engine.translate([("Your order ", Opaque(0), " has shipped.")], "en", "es")
    assert out.template == ("Vuestro orden ", Slot(0), " ha embarcado.")


def test_concurrent_callers_share_a_pool_safely() -> None:
    shared = ApertiumEngine(pool_size=2)
    shared.load()
    try:
        with ThreadPoolExecutor(max_workers=4) as executor:
            futures = [
                executor.submit(shared.translate, [(f"I have {i} red apples.",)], "en", "es")
                for i in range(20)
            ]
            texts = [_text(f.result()[0]) for f in futures]
        assert texts == [f"Tengo {i} manzanas rojas." for i in range(20)]
        assert shared.pool("en", "es").started <= 2
    finally:
        shared.close()
