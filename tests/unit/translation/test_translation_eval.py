"""`python -m models.translation eval` on the repo's own data, with real Apertium."""

from __future__ import annotations

import pytest

from models.translation.__main__ import _routable, main
from models.translation.datasets import load_sets
from models.translation.evaluate import Scores, SetResult, evaluate_set, score, table, verdict
from models.translation.raw_apertium import raw_apertium


def test_sets_cover_every_direction_with_reference_data() -> None:
    sets = load_sets(3)
    names = {s.name for s in sets}
    for pair in ("en-es", "es-en", "en-fr", "fr-en", "en-pt", "pt-en", "en-it", "it-en"):
        assert f"tatoeba {pair}" in names
    for pair in ("es-pt", "pt-es", "es-it", "it-es"):
        assert f"tatoeba via en {pair}" in names
    for pair in ("en-es", "es-en", "en-fr", "fr-en", "es-fr", "fr-es"):
        assert f"newstest2013 {pair}" in names
    retail = {(s.source, s.target) for s in sets if s.corpus == "retail"}
    for language in ("en", "es", "fr", "it", "pt"):
        assert {("ca", language), (language, "ca"), ("ro", language)} <= retail
    assert ("ro", "ca") in retail
    assert len(retail) == 7 * 6  # every ordered pair of its columns; routes are eval's business
    assert len(sets) == 24 + 42
    assert all(len(s.sources) == len(s.references) == 3 for s in sets)
    assert load_sets(1000, {("es", "fr")})[0].corpus == "newstest2013"
    assert all(len(s.sources) == 200 for s in load_sets(1000) if s.corpus == "retail")


def test_eval_keeps_the_directions_with_a_route() -> None:
    routable = _routable()
    assert {("ca", "en"), ("en", "ca"), ("ca", "fr"), ("ro", "es"), ("ro", "ca")} <= routable
    assert not {("en", "ro"), ("es", "ro"), ("ca", "ro")} & routable


def test_raw_apertium_pipes_a_pivot_like_a_shell() -> None:
    assert raw_apertium(["Where is my order?", "Hello."], ["eng-spa"]) == [
        "Dónde es mi orden?",
        "Hola.",
    ]
    assert raw_apertium(["Où est ma commande?"], ["fr-es", "spa-eng"]) == [
        "Where is my commission?"
    ]


def test_a_set_is_scored_against_raw_apertium() -> None:
    (eval_set,) = [s for s in load_sets(8, {("pt", "en")}) if s.corpus == "tatoeba"]
    result = evaluate_set(eval_set, examples=2)
    assert result.route == "pivot es"
    assert result.ours == result.raw  # fresh pipelines translate these 8 exactly as raw does
    assert result.differing == 0
    assert result.examples == ()
    assert result.warm is not None
    assert result.tagger_reset
    assert result.warm_changed == 0  # each request starts from the tagger's initial state
    assert set(result.seconds) == {"raw", "ours", "warm"}
    assert "tatoeba pt-en" in table([result])[2]


def test_scores_and_verdict() -> None:
    sentence = "El rápido zorro marrón salta sobre el perro perezoso."
    perfect = score([sentence], [sentence])
    assert perfect.bleu == pytest.approx(100)
    assert perfect.chrf == pytest.approx(100)
    (eval_set,) = [s for s in load_sets(1, {("en", "it")}) if s.corpus == "tatoeba"]
    raw = Scores(20.0, 50.0)
    results = [
        SetResult(eval_set, "pivot es", raw, Scores(20.0, 49.999), Scores(19.0, 50.0), 1, 2, {}),
    ]
    ok, lines = verdict(results)
    assert not ok
    assert lines[0] == "BELOW RAW APERTIUM: tatoeba en-it (chrF)"
    assert "warm pipelines (second pass) below raw on: tatoeba en-it (BLEU)" in lines[1]
    assert lines[2] == "warm pipelines translated exactly as fresh ones in all 1 sets"
    drifted = SetResult(
        eval_set, "pivot es", raw, raw, raw, 0, 3, {}, warm_changed=3, tagger_reset=False
    )
    ok, lines = verdict([drifted])
    assert ok
    assert lines[-1] == (
        "warm pipelines translated sentences differently from fresh ones in: tatoeba en-it (3)."
        " Cause: apertium-tagger state across requests (tagger reset not active)"
    )
    ok, lines = verdict([SetResult(eval_set, "pivot es", raw, raw, None, 0, 0, {})])
    assert ok
    assert lines == ["ours >= raw apertium -u on BLEU and chrF in all 1 sets (fresh pipelines)"]


def test_cli_runs_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--sentences", "4", "--directions", "es-en", "--no-warm"]) == 0
    out, err = capsys.readouterr()
    assert "tatoeba es-en" in out
    assert "newstest2013 es-en" in out
    assert "retail es-en" in out
    assert "ours >= raw apertium -u" in out
    assert "[3/3]" in err


CATALAN_AND_ROMANIAN = [
    *(f"{a}-{b}" for x in ("en", "es", "fr", "it", "pt") for a, b in (("ca", x), (x, "ca"))),
    *(f"ro-{x}" for x in ("en", "es", "fr", "it", "pt", "ca")),
]


def test_the_eval_gate_holds_in_every_direction(capsys: pytest.CaptureFixture[str]) -> None:
    """`make eval` itself (500 sentences a set, fresh and warm; ~90 s on two cores): the
    service at or above raw `apertium -u` in all 60 sets, which cover every direction
    between en, es, fr, it, pt and ca, and ro into each of them."""
    assert main(["eval"]) == 0
    out, err = capsys.readouterr()
    for direction in CATALAN_AND_ROMANIAN:
        assert f"retail {direction} " in out
    for direction in ("en-es", "es-en", "fr-pt", "it-pt", "pt-it"):
        assert f"tatoeba {direction} " in out or f"tatoeba via en {direction} " in out
    assert "[60/60]" in err
    assert "ours >= raw apertium -u on BLEU and chrF in all 60 sets (fresh pipelines)" in out
    assert "warm pipelines (second pass): >= raw apertium -u everywhere too" in out
    assert "warm pipelines translated exactly as fresh ones in all 60 sets" in out


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["eval", "--directions", "english"])
    assert raised.value.code == 2
    assert main(["eval", "--directions", "ca-ro"]) == 2  # data, but Apertium has no route
    assert "a route through the installed Apertium pairs" in capsys.readouterr().err
