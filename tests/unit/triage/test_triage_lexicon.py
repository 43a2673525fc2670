"""The flag patterns as data: services/triage/config/flags/<language>.yaml, validated with
every problem's file, path, line and column, and compiled at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.core import lexicon as lexicon_module
from services.triage.core.config import ConfigInvalid, TriageConfigStore
from services.triage.core.flags import Flag, FlagSettings, detect_flags, scan_text
from services.triage.core.intents import Intent
from services.triage.core.lexicon import (
    DEFAULT_LEXICON_DIR,
    LANGUAGE_ORDER,
    default_lexicon,
    load_lexicon,
)
from services.triage.core.signals import Cue
from services.triage.core.types import IntentResult, IntentScore, ModelVersion

NO_INTENT = IntentResult(
    Intent.OTHER, 0.9, (IntentScore(Intent.OTHER, 0.9),), ModelVersion("test", "0")
)


def _issues(directory: Path) -> list[str]:
    with pytest.raises(ConfigInvalid) as info:
        load_lexicon(directory)
    return [str(issue) for issue in info.value.issues]


def test_the_default_files_cover_every_signal_in_six_languages() -> None:
    lexicon = default_lexicon()
    assert sorted(p.name for p in DEFAULT_LEXICON_DIR.glob("*.yaml")) == sorted(
        f"{code}.yaml" for code in LANGUAGE_ORDER
    )
    rule_ids = [rule.rule_id for rule in lexicon.rules]
    assert len(rule_ids) == len(set(rule_ids))
    for code in LANGUAGE_ORDER:
        assert {r.signal for r in lexicon.rules if r.language == code} == {*Flag, *Cue}
    # Fragments are inserted when the file is read.
    assert all("${" not in rule.pattern for rule in lexicon.rules)


def test_a_pattern_that_does_not_compile_is_reported_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text(
        "# a comment\nlegal_threat:\n  sue:\n    - (?:sue|suing) you\n    - (?:will sue\n"
    )
    assert _issues(tmp_path) == [
        "en.yaml: legal_threat.sue[1]: line 5, column 7: does not compile: "
        "missing ), unterminated subpattern at position 0 of the pattern"
    ]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text(
        "fragments:\n"
        "  bad: '[a-'\n"
        "legal_threat:\n"
        "  lawyer: ${nope}lawyers?\n"
        "  court: Court\n"
        "  anything: (?:x)?\n"
        "  grouped: (?P<who>lawyer)\n"
        "  scam:\n"
        "    negatable: yes\n"
        "    pattern: scam\n"
        "legal_threats:\n"
        "  sue: sue\n"
    )
    (tmp_path / "de.yaml").write_text("urgent:\n  dringend: dringend\n  dringend: eilig\n")
    (tmp_path / "english.yaml").write_text("urgent:\n  now: now\n")
    # Files in LANGUAGE_ORDER, then the others; each path placed where its value starts.
    assert _issues(tmp_path) == [
        "en.yaml: fragments.bad: line 2, column 8: does not compile: "
        "unterminated character set at position 0 of the pattern",
        "en.yaml: legal_threat.lawyer: line 4, column 11: unknown fragment ${nope}",
        "en.yaml: legal_threat.court: line 5, column 10: has upper-case letters: the text it "
        "is matched against is case-folded",
        "en.yaml: legal_threat.anything: line 6, column 13: matches the empty text, so it "
        "would flag every message",
        "en.yaml: legal_threat.grouped: line 7, column 12: must not name groups "
        "((?P<name>...)): the lexicon names them",
        "en.yaml: legal_threat.scam.pattern: line 10, column 14: unknown key; expected "
        "['negatable', 'patterns', 'this_language_only']",
        "en.yaml: legal_threat.scam.negatable: line 9, column 16: must be true or false",
        "en.yaml: legal_threat.scam: line 9, column 5: needs `patterns`",
        "en.yaml: legal_threats: line 12, column 3: unknown key; expected one of: fragments, "
        "urgent, legal_threat, offensive, fraud_allegation, churn_risk, repeated_contact, "
        "public_shaming, lost_item, human_request",
        "de.yaml: urgent.dringend: line 3, column 3: duplicate key",
        "english.yaml: <document>: name must be <ISO 639-1>.yaml",
    ]


def test_a_custom_lexicon_replaces_the_default_one(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text(
        "fragments:\n"
        "  polite: (?:please )?\n"
        "urgent:\n"
        "  hurry: ${polite}hurry up\n"
        "fraud_allegation:\n"
        "  swindle:\n"
        "    negatable: true\n"
        "    patterns: [swindle, swindled]\n"
    )
    (tmp_path / "fr.yaml").write_text(
        "offensive:\n  bof:\n    this_language_only: true\n    patterns: bof\n"
    )
    lexicon = load_lexicon(tmp_path)
    assert [h.rule for h in scan_text("Please hurry up!", "en", lexicon=lexicon).hits] == [
        "urgent.en.hurry"
    ]
    assert scan_text("This is urgent", "en", lexicon=lexicon).hits == ()
    negated = scan_text("not a swindle", "en", lexicon=lexicon)
    assert (negated.hits, [h.rule for h in negated.negated]) == (
        (),
        ["fraud_allegation.en.swindle"],
    )
    settings = FlagSettings(lexicon=lexicon)
    assert detect_flags("bof", "fr", NO_INTENT, 0, settings).offensive
    assert not detect_flags("bof", "en", NO_INTENT, 0, settings).offensive


def test_an_empty_or_missing_directory_is_an_error(tmp_path: Path) -> None:
    assert _issues(tmp_path) == [f"{tmp_path}: <document>: holds no flag patterns"]
    assert _issues(tmp_path / "nope") == [f"{tmp_path / 'nope'}: <document>: is not a directory"]


def test_the_config_store_loads_the_patterns_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "en.yaml").write_text("urgent:\n  now: (now\n")
    monkeypatch.setattr(lexicon_module, "DEFAULT_LEXICON_DIR", tmp_path)
    default_lexicon.cache_clear()
    try:
        with pytest.raises(ConfigInvalid, match=r"en\.yaml: urgent\.now: line 2, column 8: does"):
            TriageConfigStore.load()
    finally:
        monkeypatch.undo()
        default_lexicon.cache_clear()
    assert TriageConfigStore.load().default.label
