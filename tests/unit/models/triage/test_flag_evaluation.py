"""Flag precision and recall: counts on a tiny fixed set scanned by a tiny lexicon, the
labelled files' format, and the shipped evaluation set read whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.triage.datasets import DEFAULT_DATA_DIR
from models.triage.flag_evaluation import (
    ALL_LANGUAGES,
    EVALUATED_FLAGS,
    FLAGS_EVAL_DIR,
    LabelledMessage,
    evaluate_flags,
    format_flag_report,
    load_flag_set,
)
from services.triage.core.flags import Flag
from services.triage.core.lexicon import Lexicon, load_lexicon

URGENT, SHAMING = Flag.URGENT, Flag.PUBLIC_SHAMING


@pytest.fixture
def lexicon(tmp_path: Path) -> Lexicon:
    (tmp_path / "en.yaml").write_text(
        "urgent:\n  urgent: urgent\npublic_shaming:\n  press: go to the press\n"
    )
    return load_lexicon(tmp_path)


def _message(text: str, language: str, *flags: Flag) -> LabelledMessage:
    return LabelledMessage(text, language, frozenset(flags))


def test_counts_precision_and_recall_per_language_and_in_all(lexicon: Lexicon) -> None:
    messages = [
        _message("urgent please", "en", URGENT),  # tp urgent
        _message("I will go to the press", "en"),  # fp public_shaming
        _message("I will tweet this", "en", SHAMING),  # fn public_shaming
        _message("hello", "es"),  # nothing
        _message("es urgent", "es", URGENT, SHAMING),  # tp urgent, fn public_shaming
        _message("urgent, go to the press", "es", SHAMING),  # fp urgent, tp public_shaming
    ]
    report = evaluate_flags(messages, lexicon, flags=(URGENT, SHAMING))
    assert report.messages == {"en": 3, "es": 3, ALL_LANGUAGES: 6}
    en_urgent, en_shaming = report.counts["en", URGENT], report.counts["en", SHAMING]
    assert (en_urgent.tp, en_urgent.fp, en_urgent.fn) == (1, 0, 0)
    assert (en_shaming.tp, en_shaming.fp, en_shaming.fn) == (0, 1, 1)
    assert en_shaming.precision == 0.0
    assert en_shaming.recall == 0.0
    es_urgent = report.counts["es", URGENT]
    assert (es_urgent.tp, es_urgent.fp, es_urgent.fn) == (1, 1, 0)
    assert es_urgent.precision == 0.5
    assert es_urgent.recall == 1.0
    all_shaming = report.counts[ALL_LANGUAGES, SHAMING]
    assert (all_shaming.tp, all_shaming.fp, all_shaming.fn) == (1, 1, 2)
    assert all_shaming.precision == 0.5
    assert all_shaming.recall == pytest.approx(1 / 3)
    text = format_flag_report(report)
    assert "  es    urgent                   1      2   1   1   0      0.50   1.00" in text
    assert "  all   public_shaming           3      2   1   1   2      0.50   0.33" in text


def test_a_flag_never_raised_or_never_expected_has_no_ratio(lexicon: Lexicon) -> None:
    report = evaluate_flags([_message("hello", "en", SHAMING)], lexicon, flags=(URGENT, SHAMING))
    assert report.counts["en", URGENT].precision is None
    assert report.counts["en", URGENT].recall is None
    assert report.counts["en", SHAMING].precision is None
    assert report.counts["en", SHAMING].recall == 0.0
    assert "      -      -" in format_flag_report(report)


def test_files_are_read_per_language_and_unknown_flags_refused(tmp_path: Path) -> None:
    (tmp_path / "de.csv").write_text('text,flags\n"Dringend!",urgent\nHallo,\n')
    (tmp_path / "en.csv").write_text(
        "text,flags\nI'll sue and post it,legal_threat public_shaming\n"
    )
    messages = load_flag_set(tmp_path)
    assert messages == [
        _message("I'll sue and post it", "en", Flag.LEGAL_THREAT, SHAMING),
        _message("Dringend!", "de", URGENT),
        _message("Hallo", "de"),
    ]
    (tmp_path / "fr.csv").write_text("text,flags\nBonjour,\nAu secours,urgnet\n")
    with pytest.raises(ValueError, match=r"fr\.csv: line 3: unknown flag urgnet"):
        load_flag_set(tmp_path)


def test_the_shipped_set_covers_six_languages_and_every_evaluated_flag() -> None:
    messages = load_flag_set(DEFAULT_DATA_DIR / FLAGS_EVAL_DIR)
    for language in ("en", "es", "fr", "pt", "it", "de"):
        own = [m for m in messages if m.language == language]
        assert 30 <= len(own) <= 60
        assert sum(not m.flags for m in own) >= 8  # ordinary messages and near-misses
        for flag in EVALUATED_FLAGS:
            assert sum(flag in m.flags for m in own) >= 3, (language, flag)
